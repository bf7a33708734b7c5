package post

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxSlugSize is the longest slug, in bytes.
const MaxSlugSize = 200

// ErrBadSlug is returned, wrapped in a message naming the slug and what is
// wrong with it, for a slug CheckSlug refuses.
var ErrBadSlug = errors.New("invalid slug")

// MakeSlug makes a slug of a title: in NFC and lower case, letters of any
// script, digits and the combining marks that follow them kept, every other
// run of characters one '-', no '-' at either end, at most MaxSlugSize bytes
// cut between characters. "24년 3월 회고" becomes "24년-3월-회고". The slug
// of a title without letters or digits is "".
//
// A slug MakeSlug returns is "" or passes CheckSlug.
func MakeSlug(title string) string {
	s := norm.NFC.String(strings.ToLower(norm.NFC.String(title)))
	var b strings.Builder
	dash, mark := false, false // a '-' is due; a mark may follow
	for _, r := range s {
		var keep bool
		switch {
		case isSlugLetter(r):
			keep, mark = true, true
		case isSlugMark(r) && mark:
			keep = true
		default:
			dash, mark = true, false
		}
		if !keep {
			continue
		}
		n := utf8.RuneLen(r)
		if dash && b.Len() > 0 {
			n++
		}
		if b.Len()+n > MaxSlugSize {
			break
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	return b.String()
}

// CheckSlug returns an error wrapping ErrBadSlug unless s is a good slug: not
// empty, at most MaxSlugSize bytes of valid UTF-8 in NFC, only letters,
// digits (of any script), '-', '_' and '.', and combining marks after a
// letter or digit; not starting with '.' or '-', and without "..". So a slug
// is safe as a file name and in a path: "../x", "a/b", spaces and control
// characters are all refused. Invisible letters, such as the Hangul fillers,
// are refused too.
func CheckSlug(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: empty", ErrBadSlug)
	case len(s) > MaxSlugSize:
		return fmt.Errorf("%w %s: longer than %d bytes", ErrBadSlug, quote(s), MaxSlugSize)
	case !utf8.ValidString(s):
		return fmt.Errorf("%w %s: not valid UTF-8", ErrBadSlug, quote(s))
	case s[0] == '.' || s[0] == '-':
		return fmt.Errorf("%w %s: starts with %q", ErrBadSlug, quote(s), s[0])
	case strings.Contains(s, ".."):
		return fmt.Errorf("%w %s: contains %q", ErrBadSlug, quote(s), "..")
	}
	mark := false // a combining mark may come next
	for _, r := range s {
		switch {
		case isSlugLetter(r):
			mark = true
		case isSlugMark(r) && mark:
		case r == '-' || r == '_' || r == '.':
			mark = false
		default:
			return fmt.Errorf("%w %s: %#U is not allowed; use letters, digits, '-', '_' and '.'", ErrBadSlug, quote(s), r)
		}
	}
	if !norm.NFC.IsNormalString(s) {
		return fmt.Errorf("%w %s: not in Unicode NFC", ErrBadSlug, quote(s))
	}
	return nil
}

// isSlugLetter reports whether r is a letter or decimal digit a slug may
// hold: any script, but not the invisible ones.
func isSlugLetter(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isIgnorable(r)
}

// isSlugMark reports whether r is a combining mark a slug may hold after a
// letter or digit, as Devanagari, Thai and many other scripts need.
func isSlugMark(r rune) bool {
	return unicode.Is(unicode.M, r) && !isIgnorable(r)
}

// isIgnorable reports whether r is one of the letters and marks Unicode says
// to draw as nothing (Hangul fillers, variation selectors, the combining
// grapheme joiner): two slugs that look the same must be the same.
func isIgnorable(r rune) bool {
	return unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || unicode.Is(unicode.Variation_Selector, r)
}

// SlugFromFileName returns the slug a markdown file's name gives: name is a
// path with forward slashes, such as content/blog/2024-03-01-hello.md, whose
// slug is "hello". The extension .md, .mdx or .markdown (in any case) is
// dropped, then a Jekyll date prefix YYYY-MM-DD-; a file named index or
// _index (a Hugo page bundle) takes its folder's name. The slug is put in NFC,
// as file names from macOS are not, and must pass CheckSlug. A name without a
// markdown extension is an error wrapping ErrBadSlug.
func SlugFromFileName(name string) (string, error) {
	dir, file := path.Split(name)
	stem, ok := trimMarkdownExt(file)
	if !ok {
		return "", fmt.Errorf("%w: %s is not a markdown file (.md, .mdx or .markdown)", ErrBadSlug, quote(name))
	}
	if strings.EqualFold(stem, "index") || strings.EqualFold(stem, "_index") {
		dir = strings.TrimSuffix(dir, "/")
		stem = dir[strings.LastIndexByte(dir, '/')+1:]
		if stem == "" || stem == "." || stem == ".." {
			return "", fmt.Errorf("%w: %s is in no folder to name it", ErrBadSlug, quote(name))
		}
	}
	slug := norm.NFC.String(trimDatePrefix(stem))
	if err := CheckSlug(slug); err != nil {
		return "", err
	}
	return slug, nil
}

// IsMarkdownFile reports whether name, a path with forward slashes, names a
// markdown file: one ending in .md, .mdx or .markdown, in any case. These are
// the names SlugFromFileName reads.
func IsMarkdownFile(name string) bool {
	_, file := path.Split(name)
	_, ok := trimMarkdownExt(file)
	return ok
}

// trimMarkdownExt returns file without its markdown extension, and whether
// it had one.
func trimMarkdownExt(file string) (string, bool) {
	i := strings.LastIndexByte(file, '.')
	if i < 0 {
		return "", false
	}
	switch ext := file[i:]; {
	case strings.EqualFold(ext, ".md"), strings.EqualFold(ext, ".mdx"), strings.EqualFold(ext, ".markdown"):
		return file[:i], true
	}
	return "", false
}

// trimDatePrefix returns s without a Jekyll date prefix, YYYY-MM-DD-.
func trimDatePrefix(s string) string {
	const prefix = "2006-01-02-"
	if len(s) < len(prefix) {
		return s
	}
	for i := range len(prefix) {
		if prefix[i] == '-' && s[i] != '-' || prefix[i] != '-' && !isDigit(s[i]) {
			return s
		}
	}
	return s[len(prefix):]
}
