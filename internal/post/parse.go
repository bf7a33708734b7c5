package post

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Options are the settings of Parse.
type Options struct {
	// Slug names the post. When empty, the front matter's slug does, or
	// else MakeSlug of the title. Parse does not check it: see CheckSlug.
	Slug string
	// Location is the zone of dates written without one; nil means
	// time.Local.
	Location *time.Location
	// MaxSize is the largest post accepted, in bytes; 0 means MaxSize.
	MaxSize int
}

// Parse reads a post: markdown, optionally after YAML front matter between
// --- lines or TOML front matter between +++ lines, at the very start (after
// a byte order mark, if any; CRLF line endings are fine).
//
// It first validates src: at most MaxSize bytes of UTF-8 without NUL bytes
// or control characters other than tab, LF and CR (so no terminal escapes),
// and returns an error wrapping ErrTooLarge, ErrInvalidUTF8, ErrNUL or
// ErrControl, naming the line, if not. The post's Source is a copy of src in
// NFC: the same bytes when src is already in NFC. Parse neither modifies nor
// keeps src. Front matter that is never closed, larger than
// MaxFrontMatterSize or cannot be decoded is an error wrapping
// ErrFrontMatter. Every error is one line.
//
// Fields are read leniently, as Astro, Hugo and Jekyll read them:
//
//   - title; description, or else summary;
//   - author: text, a list (joined with ", ") or a mapping with a name;
//   - tags: a list or comma-separated text, trimmed, each once;
//   - the date: the first of pub_date, pubDate, date and publishDate, as
//     ParseDate reads it in opts.Location (YAML and TOML dates too); a date
//     that cannot be read is an error;
//   - Draft: draft: true, status: draft or published: false;
//   - Page: page: true;
//   - the image: the first of featured_image, featuredImage, heroImage,
//     image and cover, a URL or a mapping with src, url or image;
//   - category (or else categories) and series: text or a list's first;
//   - slug; aliases: a list or comma-separated text.
//
// Other keys are ignored (Source keeps them). Values of the wrong type are
// ignored, but numbers and booleans are text where text is wanted. Text
// fields are in NFC on one line: line breaks and tabs are spaces, the ends
// trimmed; a control character in one, written with an escape, is an error.
//
// The slug is opts.Slug, or else the front matter's, or else MakeSlug of the
// title. Without a title in the front matter the title is the first level-1
// heading (# Title) of the body, or else the slug. Both may be empty when
// nothing gives them.
//
// Parse does not keep src: the Post holds a copy (in NFC), so a caller may
// reuse src's buffer once Parse returns.
func Parse(src []byte, opts Options) (*Post, error) {
	limit := opts.MaxSize
	if limit <= 0 {
		limit = MaxSize
	}
	if len(src) > limit {
		return nil, TooLarge(int64(limit))
	}
	if err := validate(src); err != nil {
		return nil, err
	}
	source := norm.NFC.Append(make([]byte, 0, len(src)), src...)
	if len(source) > limit {
		return nil, fmt.Errorf("%w: the limit is %s, and in Unicode NFC the post grows past it", ErrTooLarge, FormatSize(int64(limit)))
	}
	fm, err := splitFrontMatter(source)
	if err != nil {
		return nil, err
	}
	values, err := fm.decode()
	if err != nil {
		return nil, err
	}
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	p := &Post{Source: source, Body: source[fm.body:len(source):len(source)]}
	if err := p.setFrontMatter(values, loc); err != nil {
		return nil, err
	}
	title := p.Title
	if title == "" { // a field, plain text as the front matter's are
		title = strings.TrimSpace(norm.NFC.String(strings.Map(func(r rune) rune {
			if isControl(r) {
				return -1
			}
			return r
		}, firstHeading(p.Body))))
	}
	switch {
	case opts.Slug != "":
		// The front matter's slug was the post's address where it came
		// from (an imported blog): it answers as an alias.
		if p.Slug != "" && p.Slug != opts.Slug && CheckSlug(p.Slug) == nil && !slices.Contains(p.Aliases, p.Slug) {
			p.Aliases = append(p.Aliases, p.Slug)
		}
		p.Slug = opts.Slug
	case p.Slug == "":
		p.Slug = MakeSlug(title)
	}
	p.Title = title
	if p.Title == "" {
		p.Title = p.Slug
	}
	return p, nil
}

// firstHeading returns the text of the first level-1 ATX heading (# Title)
// in markdown, outside fenced code blocks, or "".
func firstHeading(md []byte) string {
	var fence []byte // the opening fence of the code block we are in
	for off := 0; off < len(md); {
		line, next := nextLine(md, off)
		off = next
		// Up to three spaces of indentation; more is a code block.
		for i := 0; i < 3 && len(line) > 0 && line[0] == ' '; i++ {
			line = line[1:]
		}
		if f := codeFence(line); f != nil {
			switch {
			case fence == nil:
				fence = f
			case f[0] == fence[0] && len(f) >= len(fence) && len(bytes.TrimSpace(line[len(f):])) == 0:
				fence = nil
			}
			continue
		}
		if fence != nil || len(line) < 2 || line[0] != '#' || line[1] != ' ' && line[1] != '\t' {
			continue
		}
		text := bytes.TrimSpace(line[1:])
		// A closing sequence of #s, after a space, is not part of the text.
		if t := bytes.TrimRight(text, "#"); len(t) == 0 || t[len(t)-1] == ' ' || t[len(t)-1] == '\t' {
			text = bytes.TrimSpace(t)
		}
		if len(text) > 0 {
			return singleLine(string(text))
		}
	}
	return ""
}

// codeFence returns the fence (``` or ~~~, or longer) a line opens or closes
// a fenced code block with, or nil.
func codeFence(line []byte) []byte {
	if len(line) < 3 || line[0] != '`' && line[0] != '~' {
		return nil
	}
	n := 0
	for n < len(line) && line[n] == line[0] {
		n++
	}
	if n < 3 {
		return nil
	}
	return line[:n]
}
