package post

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Front matter keys read for the date and the image, in order of preference.
var (
	dateKeys  = [...]string{"pub_date", "pubDate", "date", "publishDate"}
	imageKeys = [...]string{"featured_image", "featuredImage", "heroImage", "image", "cover"}
)

// setFrontMatter sets m's fields from decoded front matter, leniently, as
// static site generators read it: values of the wrong type are ignored, and
// numbers and booleans read as text where text is wanted. Dates without a
// zone are in loc. It does not set the slug when the front matter has none.
func (m *Meta) setFrontMatter(fm map[string]any, loc *time.Location) error {
	r := fieldReader{fm: fm}
	m.Title = r.text("title")
	m.Description = r.text("description", "summary")
	m.Author = r.author("author")
	m.Tags = r.list("tags")
	m.Date = r.date(loc, dateKeys[:]...)
	m.Image = r.image(imageKeys[:]...)
	m.Category = r.first("category", "categories")
	m.Series = r.first("series")
	m.Slug = r.text("slug")
	m.Aliases = r.list("aliases")
	m.Draft = r.flag("draft") || strings.EqualFold(r.text("status"), "draft") || r.isFalse("published")
	m.Page = r.flag("page")
	m.Lang = r.text("lang", "language")
	return r.err
}

// fieldReader reads fields from decoded front matter. The first error it
// meets is kept in err; after it every read returns a zero value.
type fieldReader struct {
	fm  map[string]any
	err error
}

// text returns the first non-empty text among keys.
func (r *fieldReader) text(keys ...string) string {
	for _, k := range keys {
		if s := r.textOf(k, r.fm[k]); s != "" {
			return s
		}
	}
	return ""
}

// first returns the first non-empty text among keys, each text or a list
// whose first text is taken.
func (r *fieldReader) first(keys ...string) string {
	for _, k := range keys {
		vs, ok := r.fm[k].([]any)
		if !ok {
			vs = []any{r.fm[k]}
		}
		for _, v := range vs {
			if s := r.textOf(k, v); s != "" {
				return s
			}
		}
	}
	return ""
}

// list returns the texts of key, a list or a comma-separated string:
// trimmed, the empty ones dropped, each once, in the order written.
func (r *fieldReader) list(key string) []string {
	vs, ok := r.fm[key].([]any)
	if !ok {
		s, _ := text(r.fm[key])
		for part := range strings.SplitSeq(s, ",") {
			vs = append(vs, part)
		}
	}
	var out []string
	seen := make(map[string]bool)
	for _, v := range vs {
		if s := r.textOf(key, v); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// author returns key as an author: text, a mapping with a name, or a list
// of either, joined with ", ".
func (r *fieldReader) author(key string) string {
	vs, ok := r.fm[key].([]any)
	if !ok {
		vs = []any{r.fm[key]}
	}
	var names []string
	for _, v := range vs {
		if m, ok := v.(map[string]any); ok {
			v = m["name"]
		}
		if s := r.textOf(key, v); s != "" {
			names = append(names, s)
		}
	}
	return strings.Join(names, ", ")
}

// image returns the first image among keys: a URL, or a mapping with the URL
// under src, url or image.
func (r *fieldReader) image(keys ...string) string {
	for _, k := range keys {
		vs := []any{r.fm[k]}
		if m, ok := r.fm[k].(map[string]any); ok {
			vs = []any{m["src"], m["url"], m["image"]}
		}
		for _, v := range vs {
			if s := r.textOf(k, v); s != "" {
				return s
			}
		}
	}
	return ""
}

// textOf returns v, the value of key or an element of it, as a clean
// one-line text; "" if it is not text.
func (r *fieldReader) textOf(key string, v any) string {
	s, ok := text(v)
	if !ok {
		return ""
	}
	return r.clean(key, s)
}

// date returns the date under the first of keys present, null and blank
// values aside; an error if it is not a date.
func (r *fieldReader) date(loc *time.Location, keys ...string) time.Time {
	if r.err != nil {
		return time.Time{}
	}
	for _, k := range keys {
		v := r.fm[k]
		if v == nil {
			continue
		}
		if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
			continue
		}
		t, err := dateOf(v, loc)
		if err != nil {
			r.err = fmt.Errorf("%w: %s: %w", ErrFrontMatter, k, err)
			return time.Time{}
		}
		return t
	}
	return time.Time{}
}

// dateOf returns v, a decoded front matter value, as a date.
func dateOf(v any, loc *time.Location) (time.Time, error) {
	switch v := v.(type) {
	case string:
		return ParseDate(v, loc)
	case time.Time:
		// TOML's local dates and times come in zones of these names, with
		// the machine's offset: they are wall-clock times, here in loc.
		switch v.Location().String() {
		case "date-local", "datetime-local":
			return time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), loc), nil
		case "time-local":
			return time.Time{}, fmt.Errorf("%s is a time of day, not a date", v.Format("15:04:05"))
		}
		if v.IsZero() {
			return time.Time{}, errors.New("not a date")
		}
		return v, nil
	}
	if s, ok := text(v); ok {
		return time.Time{}, fmt.Errorf("%s is not a date", quote(s))
	}
	return time.Time{}, errors.New("a list or mapping is not a date")
}

// flag reports whether key is true: the boolean, or the text true or yes.
func (r *fieldReader) flag(key string) bool {
	switch v := r.fm[key].(type) {
	case bool:
		return v
	case string:
		v = strings.TrimSpace(v)
		return strings.EqualFold(v, "true") || strings.EqualFold(v, "yes")
	}
	return false
}

// isFalse reports whether key is false: the boolean, or the text false or
// no. A missing key is not false.
func (r *fieldReader) isFalse(key string) bool {
	switch v := r.fm[key].(type) {
	case bool:
		return !v
	case string:
		v = strings.TrimSpace(v)
		return strings.EqualFold(v, "false") || strings.EqualFold(v, "no")
	}
	return false
}

// clean makes s, the text of key, a clean one-line field: NFC (escapes in
// YAML and TOML strings can write any text), line breaks and tabs collapsed
// to a space, trimmed. A control character is an error: escapes must not
// smuggle in what the post itself may not hold.
func (r *fieldReader) clean(key, s string) string {
	if r.err != nil {
		return ""
	}
	s = singleLine(norm.NFC.String(s))
	for _, c := range s {
		if isControl(c) {
			r.err = fmt.Errorf("%w: %s: %w %U", ErrFrontMatter, key, ErrControl, c)
			return ""
		}
	}
	if !utf8.ValidString(s) {
		r.err = fmt.Errorf("%w: %s: %w", ErrFrontMatter, key, ErrInvalidUTF8)
		return ""
	}
	return s
}

// text returns v, a decoded front matter value, as text: strings, numbers
// and booleans are text; lists, mappings, dates and nulls are not.
func text(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case float64:
		if math.Abs(v) < 1e21 {
			return strconv.FormatFloat(v, 'f', -1, 64), true
		}
		return strconv.FormatFloat(v, 'g', -1, 64), true
	}
	return "", false
}

// singleLine returns s on one line: each run of spaces holding a tab or a
// line break (LF, CR, U+2028, U+2029) becomes one space; other runs of
// spaces are kept. The ends are trimmed of white space.
func singleLine(s string) string {
	if !strings.ContainsAny(s, "\t\n\r\u2028\u2029") {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		j, broken := i, false
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if r != ' ' && r != '\t' && r != '\n' && r != '\r' && r != '\u2028' && r != '\u2029' {
				break
			}
			broken = broken || r != ' '
			j += n
		}
		switch {
		case j > i && broken:
			b.WriteByte(' ')
		case j > i:
			b.WriteString(s[i:j])
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			j = i + n
			b.WriteString(s[i:j])
		}
		i = j
	}
	return strings.TrimSpace(b.String())
}
