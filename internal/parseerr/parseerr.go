// Package parseerr words the errors of third-party parsers (YAML, TOML) as
// one line of plain text, safe to show on a terminal: their messages span
// lines to quote the source, and may be coloured.
package parseerr

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
)

// OneLine flattens s to one line: each run of white space becomes one
// space, terminal escape sequences (CSI, such as colours) and other
// characters that do not print are dropped, and the ends are trimmed.
func OneLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\x1b' && i < len(s) && s[i] == '[':
			// ESC [, parameter bytes, a final byte from @ to ~.
			i++
			for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) {
				i++
			}
			i++
			continue
		case unicode.IsSpace(r):
			space = true
			continue
		case r != utf8.RuneError && !unicode.IsPrint(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r) // an invalid byte is written as U+FFFD
	}
	return b.String()
}

// YAML returns the line (0 when unknown) and the one-line message of an
// error of github.com/goccy/go-yaml.
func YAML(err error) (line int, msg string) {
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tk := ye.GetToken(); tk != nil {
			line = tk.Position.Line
		}
		return line, OneLine(ye.GetMessage())
	}
	return 0, OneLine(err.Error())
}
