package termtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// replacement stands in for what cannot be shown: an invalid UTF-8 byte,
// U+FFFD, or a C1 control character. It is ASCII so that no terminal
// renders it as anything else.
const replacement = '?'

// Sanitize returns s made safe to write to a terminal, keeping its tabs
// and newlines:
//
//   - C0 control characters other than tab and newline, ESC among them,
//     and DEL are shown in caret notation, as cat -v does: ESC becomes "^[",
//     BEL "^G", NUL "^@", DEL "^?". An escape sequence smuggled into a post
//     thus shows up as harmless text instead of acting, or vanishing.
//   - A carriage return directly before a newline is dropped, so CRLF line
//     ends become LF; any other carriage return becomes "^M".
//   - C1 control characters (U+0080–U+009F), bytes that are not valid
//     UTF-8 and U+FFFD itself become '?', one for each byte or rune.
//   - Bidirectional embeddings, overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069), which can make text read differently from what it
//     is, are removed. They are invisible, so there is nothing to show.
//
// Everything else, printable Unicode of every script, passes unchanged.
// When nothing needs changing, Sanitize returns s itself without
// allocating.
func Sanitize(s string) string {
	i := firstUnsafe(s, false)
	if i < 0 {
		return s
	}
	return string(sanitize(s, i, false))
}

// SanitizeLine is [Sanitize] for text shown on one line, such as a title,
// tag, slug or author name, and the window's title. In addition, every run
// of tabs, newlines and carriage returns, together with the spaces around
// it, becomes a single space, and leading and trailing white space is
// trimmed; and Unicode format characters (category Cf: zero-width spaces
// and joiners, U+2060, U+FEFF, LRM and RLM, U+FFF9–U+FFFB, the tag
// characters of U+E0000–U+E007F...) are removed, since they are invisible
// and make one name look like another. A zero-width joiner between two
// emoji (👩‍💻) is kept. When nothing needs changing, SanitizeLine returns
// s itself without allocating.
func SanitizeLine(s string) string {
	i := firstUnsafe(s, true)
	if i < 0 {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(string(sanitize(s, i, true)))
}

// firstUnsafe returns the index of the first byte of s that Sanitize, or
// SanitizeLine if line is set, must change, or -1 if there is none.
func firstUnsafe(s string, line bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isC0(c) && (line || c != '\t' && c != '\n') {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || isC1(r) || isBidiControl(r) || line && unicode.Is(unicode.Cf, r) {
			return i
		}
		i += size
	}
	return -1
}

// sanitize does the work of Sanitize and SanitizeLine, except the final
// trim, for an s whose first i bytes need no change.
func sanitize(s string, i int, line bool) []byte {
	b := make([]byte, 0, len(s)+8)
	b = append(b, s[:i]...)
	for i < len(s) {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError || isC1(r):
				b = append(b, replacement)
			case isBidiControl(r):
				// dropped
			case line && unicode.Is(unicode.Cf, r):
				if r == zwj && joinsEmoji(b, s[i+size:]) {
					b = append(b, s[i:i+size]...)
				}
			default:
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		switch {
		case line && (c == '\t' || c == '\n' || c == '\r'):
			for len(b) > 0 && b[len(b)-1] == ' ' {
				b = b[:len(b)-1]
			}
			b = append(b, ' ')
			for i++; i < len(s) && isLineBreakOrSpace(s[i]); i++ {
			}
			continue
		case c == '\t' || c == '\n':
			b = append(b, c)
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// CRLF: the newline that follows is kept.
		case isC0(c):
			b = append(b, '^', c^0x40)
		default:
			b = append(b, c)
		}
		i++
	}
	return b
}

// isC0 reports whether c is an ASCII control character: C0 or DEL.
func isC0(c byte) bool {
	return c < 0x20 || c == 0x7f
}

// isC1 reports whether r is a C1 control character.
func isC1(r rune) bool {
	return r >= 0x80 && r <= 0x9f
}

// isBidiControl reports whether r is a bidirectional embedding, override
// or isolate.
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// zwj is the zero-width joiner, which joins emoji into one (👩‍💻).
const zwj = '\u200d'

// joinsEmoji reports whether a zero-width joiner between the text before
// (as written so far) and after it joins two emoji: a symbol, or one
// followed by a variation selector or a skin tone, before it, and a symbol
// after it.
func joinsEmoji(before []byte, after string) bool {
	prev, _ := utf8.DecodeLastRune(before)
	next, _ := utf8.DecodeRuneInString(after)
	emojiEnd := unicode.Is(unicode.So, prev) || prev == '\ufe0f' || prev >= 0x1f3fb && prev <= 0x1f3ff
	return emojiEnd && unicode.Is(unicode.So, next)
}

// isLineBreakOrSpace reports whether c is one of the bytes SanitizeLine
// folds into a single space.
func isLineBreakOrSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}
