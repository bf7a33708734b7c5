package render

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"

	"github.com/sshblog/sshblog/internal/termtext"
)

// seedPath is the built-in post the tests render.
var seedPath = filepath.Join("..", "..", "posts", "march-2024-retrospective.md")

// seedBody returns the body of the seed post: the markdown after its front
// matter.
func seedBody(tb testing.TB) []byte {
	tb.Helper()
	doc, err := os.ReadFile(seedPath)
	if err != nil {
		tb.Fatal(err)
	}
	body := stripFrontMatter(doc)
	if len(body) == len(doc) {
		tb.Fatalf("%s has no front matter", seedPath)
	}
	return body
}

// stripFrontMatter returns doc without a leading YAML front matter block,
// from a first line "---" to the next line "---". It stands in for the
// real parser in internal/post.
func stripFrontMatter(doc []byte) []byte {
	rest, ok := bytes.CutPrefix(doc, []byte("---\n"))
	if !ok {
		return doc
	}
	if after, ok := bytes.CutPrefix(rest, []byte("---\n")); ok {
		return after // empty front matter
	}
	_, body, ok := bytes.Cut(rest, []byte("\n---\n"))
	if !ok {
		return doc
	}
	return body
}

// widthStep is the step for tests that try every width: 1, or 7 with
// -short.
func widthStep() int {
	if testing.Short() {
		return 7
	}
	return 1
}

// hangul returns the Hangul syllables of s, in order.
func hangul(s string) []rune {
	var rs []rune
	for _, r := range s {
		if r >= 0xAC00 && r <= 0xD7A3 {
			rs = append(rs, r)
		}
	}
	return rs
}

// checkOutput fails t unless out is fit to write to a terminal of width
// columns: valid UTF-8 without U+FFFD or tabs, no line wider than width,
// no control character but newline, and as escape sequences only SGR and
// OSC 8 hyperlinks, or none at all for Plain. It checks with x/ansi's
// parser rather than the code under test.
func checkOutput(t testing.TB, out string, width int, style Style) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("%v at %d: invalid UTF-8", style, width)
	}
	if strings.ContainsRune(out, utf8.RuneError) {
		t.Fatalf("%v at %d: has U+FFFD", style, width)
	}
	if style == Plain && strings.IndexByte(out, ansi.ESC) >= 0 {
		t.Fatalf("plain at %d: has ESC", width)
	}
	for i, line := range strings.Split(out, "\n") {
		if w := termtext.Width(line); w > width {
			t.Fatalf("%v at %d: line %d is %d columns: %q", style, width, i+1, w, line)
		}
		for rest := line; rest != ""; {
			seq, _, n, _ := ansi.DecodeSequence(rest, ansi.NormalState, nil)
			rest = rest[n:]
			if err := checkSequence(seq); err != nil {
				t.Fatalf("%v at %d: line %d: %v: %q", style, width, i+1, err, line)
			}
		}
	}
}

// checkSequence returns an error if seq, one grapheme cluster, control
// character or escape sequence, may not appear in rendered output.
func checkSequence(seq string) error {
	switch {
	case strings.HasPrefix(seq, "\x1b["):
		if !strings.HasSuffix(seq, "m") || strings.Trim(seq[2:len(seq)-1], "0123456789;:") != "" {
			return fmt.Errorf("CSI other than SGR %q", seq)
		}
	case strings.HasPrefix(seq, "\x1b]"):
		if !strings.HasPrefix(seq, "\x1b]8;") {
			return fmt.Errorf("OSC other than a hyperlink %q", seq)
		}
	case seq[0] == ansi.ESC:
		return fmt.Errorf("escape sequence %q", seq)
	case seq == "\t":
		return fmt.Errorf("tab")
	}
	for _, r := range seq {
		if r < ' ' && !strings.HasPrefix(seq, "\x1b") || r >= 0x7f && r <= 0x9f {
			return fmt.Errorf("control character %U", r)
		}
		if r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069' {
			return fmt.Errorf("bidi control %U", r)
		}
		if unicode.Is(unicode.Cs, r) {
			return fmt.Errorf("surrogate %U", r)
		}
	}
	return nil
}
