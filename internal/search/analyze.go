// Package search is a full-text index of the blog's posts in memory, made
// for Korean as much as for English.
//
// Hangul has no reliable word boundaries for a search, and particles stick
// to the nouns they follow (달리기를, 달리기는, 달리기가): a query 달리기
// must find all three. So runs of Hangul, Han and Kana are indexed as
// character bigrams (and single characters, for one-syllable queries), and
// other scripts as words. Text is normalised with NFKC (which also folds
// full-width Latin, ＡＢＣ, to ABC) and lower-cased. A query matches a post
// when every one of its terms does; posts are ranked by BM25, with a title
// hit weighing three times a body hit and a tag hit twice.
//
// Why not Bleve: its CJK analyzer bigrams Han and Kana but not Hangul
// ("서울에서" stays one token, so "서울" finds nothing), so it would need a
// filter of ours anyway, and it brings an index on disk and a large
// dependency for what is, for a blog of thousands of posts, a few tens of
// megabytes of memory built in well under a second (see the benchmarks).
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// token is one term of a text and where it is in the normalised text.
type token struct {
	term       string
	start, end int // byte offsets
}

// normalize returns text as the index sees it: NFKC, lower case.
func normalize(text string) string {
	return lower(nfkc(text))
}

// nfkc is norm.NFKC.String, quicker on text that is mostly ASCII and
// precomposed Hangul, which NFKC leaves as they are: both begin a
// normalisation segment (norm's BoundaryBefore) and compose with nothing
// before them, so only the runs of other characters, each with the
// character before it (a combining mark composes with it), go through
// norm; the package's own quick check costs a table lookup a character.
func nfkc(text string) string {
	if !utf8.ValidString(text) { // never a post's text; norm's own way with broken bytes
		return norm.NFKC.String(text)
	}
	var b []byte
	last := 0 // text[:last] is in b, or nothing is when b is nil
	for i := 0; i < len(text); {
		if text[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if r >= 0xAC00 && r <= 0xD7A3 {
			i += n
			continue
		}
		// A run of other characters, from the character before it to the
		// next ASCII byte or Hangul syllable.
		start := i
		if start > last {
			_, pn := utf8.DecodeLastRuneInString(text[last:start])
			start -= pn
		}
		end := i + n
		for end < len(text) && text[end] >= utf8.RuneSelf {
			r2, n2 := utf8.DecodeRuneInString(text[end:])
			if r2 >= 0xAC00 && r2 <= 0xD7A3 {
				break
			}
			end += n2
		}
		seg := text[start:end]
		if norm.NFKC.IsNormalString(seg) {
			i = end
			continue
		}
		if b == nil {
			b = make([]byte, 0, len(text)+16)
		}
		b = append(b, text[last:start]...)
		b = norm.NFKC.AppendString(b, seg)
		last, i = end, end
	}
	if b == nil {
		return text
	}
	return string(append(b, text[last:]...))
}

// lower is strings.ToLower, quicker on text that is mostly Hangul (which
// has no case) and ASCII: it copies nothing when nothing changes, and
// otherwise lowers ASCII a byte at a time and passes Hangul syllables on
// whole, asking unicode only of the other characters.
func lower(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 { // strings.ToLower replaces it: do as it does
			return strings.ToLower(s)
		}
		if !(r >= 0xAC00 && r <= 0xD7A3) && unicode.ToLower(r) != r {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s)+8)
	copy(b, s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			return strings.ToLower(s)
		case r >= 0xAC00 && r <= 0xD7A3:
			b = append(b, s[i:i+n]...)
		default:
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
		i += n
	}
	return string(b)
}

// isCJK reports whether r is written without spaces between words: Hangul
// syllables and jamo, Han, Hiragana, Katakana.
func isCJK(r rune) bool {
	switch {
	case r < 0x1100: // ASCII, Latin, Greek, Cyrillic...: the most of any text
		return false
	case r >= 0xAC00 && r <= 0xD7A3: // Hangul syllables, the most of Korean text
		return true
	}
	return unicode.In(r, unicode.Hangul, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// isWordRune reports whether r is part of a word of a spaced script.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r)
}

// tokenize splits normalised text into terms. For documents (query false),
// a CJK run gives every character and every pair of neighbours; for a
// query, a run of two or more characters gives only its pairs, and a
// single character itself, so that all of a query's terms must match.
func tokenize(text string, query bool) []token {
	var out []token
	eachToken(text, query, func(t token) { out = append(out, t) })
	return out
}

// eachToken calls f with each term of normalised text, as tokenize
// returns them, without gathering them: indexing a post sees each once.
func eachToken(text string, query bool, f func(token)) {
	var starts []int // reused for every CJK run
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isCJK(r):
			j := i
			starts = starts[:0]
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !isCJK(r2) {
					break
				}
				starts = append(starts, j)
				j += s2
			}
			starts = append(starts, j)
			n := len(starts) - 1
			for k := 0; k < n; k++ {
				if !query || n == 1 {
					f(token{text[starts[k]:starts[k+1]], starts[k], starts[k+1]})
				}
				if k+1 < n {
					f(token{text[starts[k]:starts[k+2]], starts[k], starts[k+2]})
				}
			}
			i = j
		case isWordRune(r):
			j := i
			for j < len(text) {
				r2, s2 := utf8.DecodeRuneInString(text[j:])
				if !isWordRune(r2) || isCJK(r2) {
					break
				}
				j += s2
			}
			f(token{text[i:j], i, j})
			i = j
		default:
			i += size
		}
	}
}

// plainText strips the markdown syntax a reader does not see, keeping the
// text: code fence lines, heading and quote markers, emphasis, link and
// image targets (their text stays), HTML tags.
func plainText(md string) string {
	b := make([]byte, 0, len(md))
	for line := range strings.Lines(md) {
		t := strings.TrimLeft(line, " \t")
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			b = append(b, '\n')
			continue
		}
		t = strings.TrimLeft(t, "#> ")
		b = appendInline(b, t)
	}
	return string(b)
}

// inlineSyntax marks the bytes stripInline looks at; the rest are copied
// as they are, a run at a time.
var inlineSyntax = [256]bool{'*': true, '_': true, '~': true, '`': true, ']': true, '[': true, '!': true, '<': true}

// stripInline removes a line's inline syntax.
func stripInline(s string) string { return string(appendInline(nil, s)) }

// appendInline appends s to b without its inline syntax.
func appendInline(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		j := i
		for j < len(s) && !inlineSyntax[s[j]] {
			j++
		}
		b = append(b, s[i:j]...)
		if i = j; i >= len(s) {
			break
		}
		c := s[i]
		switch c {
		case '*', '_', '~', '`':
			continue
		case ']':
			// [text](target): drop the target.
			if i+1 < len(s) && s[i+1] == '(' {
				if end := strings.IndexByte(s[i+1:], ')'); end >= 0 {
					i += end + 1
					continue
				}
			}
			continue
		case '[', '!':
			if c == '!' && (i+1 >= len(s) || s[i+1] != '[') {
				b = append(b, c)
			}
			continue
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end > 0 && end < 200 {
				i += end
				b = append(b, ' ')
				continue
			}
		}
		b = append(b, c)
	}
	return b
}
