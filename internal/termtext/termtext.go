// Package termtext measures, cuts and cleans text shown on a terminal.
//
// Every width here is measured by the engine Lip Gloss and Glamour use,
// github.com/charmbracelet/x/ansi, which treats text as grapheme clusters
// and ignores escape sequences. East Asian Ambiguous characters (─ … “ ①)
// count as one column and Hangul syllables as two, whatever the server's
// locale, once [Pin] has run.
//
// Text that came from a user must pass through [Sanitize] or
// [SanitizeLine] before it reaches a terminal: both leave no byte that a
// terminal would read as a command.
package termtext

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Width returns the number of columns s occupies on a terminal. Escape
// sequences take no room; wide characters such as Hangul take two columns.
//
// Control characters, tab and newline included, count as zero columns:
// Width measures one line of sanitized text, and the column a tab reaches
// depends on where it starts.
func Width(s string) int {
	return ansi.StringWidth(s)
}

// Truncate shortens s to at most width columns, tail included, and returns
// it unchanged if it already fits. It cuts only between grapheme clusters:
// a wide character that would straddle the limit is dropped rather than
// halved or replaced by padding, so the result may be a column short of
// width. Escape sequences in s are kept, also those after the cut, so
// styling that s opens is still closed. If tail alone is wider than width,
// or width is not positive, the result is empty.
//
// s and tail should be single lines: Truncate does not know where a
// newline or tab would move the cursor. Invalid UTF-8 bytes become '?', so
// the result is always valid UTF-8.
func Truncate(s string, width int, tail string) string {
	if width <= 0 {
		return ""
	}
	s, tail = validUTF8(s), validUTF8(tail)
	out := ansi.Truncate(s, width, tail)
	// ansi.Truncate and ansi.StringWidth can disagree about a malformed
	// escape sequence, such as an ESC followed by a multi-byte character.
	// Sanitized text never has one, but the guarantee must hold anyway:
	// cut shorter until it does.
	for limit := width - 1; Width(out) > width; limit-- {
		if limit < 0 {
			return ""
		}
		out = ansi.Truncate(s, limit, tail)
	}
	// ansi.Truncate may also cut a multi-byte character in half inside an
	// unterminated escape string (ESC P ... with no terminator): drop the
	// partial bytes, which can only make the result narrower.
	return strings.ToValidUTF8(out, "")
}

// validUTF8 returns s with each byte that is not part of a valid UTF-8
// sequence replaced by '?'. It returns s itself when s is valid.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(replacement)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Wrap breaks one line of text into lines of at most width columns: at
// spaces where it can, and between any two grapheme clusters where it must
// (Hangul written without spaces, a long URL). Trailing spaces are dropped.
// A width that is not positive gives no lines.
func Wrap(s string, width int) []string {
	if s == "" || width <= 0 {
		return nil
	}
	lines := strings.Split(ansi.Wrap(validUTF8(s), width, ""), "\n")
	for i, l := range lines {
		lines[i] = Truncate(strings.TrimRight(l, " "), width, "")
	}
	return lines
}

// Ago words how long ago something was, as lists show ages: 45s, 12m, 5h,
// 3d.
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}
