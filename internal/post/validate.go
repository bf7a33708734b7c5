package post

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Errors of validation, each returned wrapped in a message naming the line
// it was found on.
var (
	// ErrInvalidUTF8 means a post is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrNUL means a post holds a NUL byte.
	ErrNUL = errors.New("NUL byte")
	// ErrControl means a post holds a bidirectional control (an embedding,
	// override or isolate), or a front matter field holds any control
	// character other than tab, line feed or carriage return.
	ErrControl = errors.New("control character")
)

// validate checks that src is valid UTF-8 without NUL bytes or
// bidirectional controls. Other control characters (C0 but NUL, DEL, C1)
// are what the author wrote, such as the U+0001 javap prints in a code
// block: they are kept, and every front end shows them harmlessly
// (package termtext, and escaping on the web).
func validate(src []byte) error {
	for i := 0; i < len(src); {
		if c := src[i]; c < utf8.RuneSelf {
			if c == 0 {
				return fmt.Errorf("%w on line %d", ErrNUL, lineAt(src, i))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("%w on line %d (byte %d)", ErrInvalidUTF8, lineAt(src, i), i)
		}
		if isBidiControl(r) {
			return controlError(r, lineAt(src, i))
		}
		i += size
	}
	return nil
}

// isBidiControl reports whether r is a bidirectional embedding, override
// or isolate (U+202A-U+202E, U+2066-U+2069), which can make text on a
// reader's terminal read differently from what is stored, invisibly.
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// isControl reports whether r is a control character a front matter field
// may not hold: C0 but tab, LF and CR; DEL; C1; and the bidirectional
// controls. Fields are shown on one line everywhere, titles in lists and
// pages' heads, so they stay plain text.
func isControl(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r == 0x7f:
		return true
	case isBidiControl(r):
		return true
	}
	return r >= 0x80 && r <= 0x9f
}

// controlError returns ErrControl wrapped in a message naming r and the line.
func controlError(r rune, line int) error {
	return fmt.Errorf("%w %U on line %d", ErrControl, r, line)
}

// lineAt returns the 1-based number of the line holding src[off].
func lineAt(src []byte, off int) int {
	return bytes.Count(src[:off], []byte{'\n'}) + 1
}
