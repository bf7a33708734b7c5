package termtext

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"ascii", "hello, world", "hello, world"},
		{"hangul", "24년 3월 회고 😋", "24년 3월 회고 😋"},
		{"tab and newline kept", "a\tb\nc\n", "a\tb\nc\n"},
		{"CSI", "\x1b[2Jcleared", "^[[2Jcleared"},
		{"OSC 52", "\x1b]52;c;aGVsbG8=\a", "^[]52;c;aGVsbG8=^G"},
		{"NUL and DEL", "a\x00b\x7fc", "a^@b^?c"},
		{"other C0", "\x01\x08\x0b\x0c\x1c\x1f", "^A^H^K^L^\\^_"},
		{"CRLF", "a\r\nb\r\n", "a\nb\n"},
		{"lone CR", "overwrite\rme", "overwrite^Mme"},
		{"CR at end", "a\r", "a^M"},
		{"C1", "a\u0085b\u009b2Jc", "a?b?2Jc"},
		{"raw C1 byte", "a\x9b2J", "a?2J"},
		{"invalid UTF-8", "a\xffb\xe2\x82c", "a?b??c"},
		{"U+FFFD", "a\uFFFDb", "a?b"},
		{"bidi override", "abc\u202edcba\u202c", "abcdcba"},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", "abc"},
		{"marks kept", "a\u200eb\u200fc\u200dd", "a\u200eb\u200fc\u200dd"},
		{"nbsp kept", "a\u00a0b", "a\u00a0b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizeLine(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "24년 3월 회고", "24년 3월 회고"},
		{"trim", "  회고 \t", "회고"},
		{"trim unicode space", "\u3000회고\u3000", "회고"},
		{"newline", "first\nsecond", "first second"},
		{"CRLF", "first\r\nsecond", "first second"},
		{"tab", "a\tb", "a b"},
		{"run with spaces", "a  \n\t\r\n  b", "a b"},
		{"inner spaces kept", "a  b", "a  b"},
		{"only breaks", "\n\t\r", ""},
		{"ESC", "slug\x1b[2J", "slug^[[2J"},
		{"C1", "\u009b31m", "?31m"},
		{"bidi", "\u202etxt.exe", "txt.exe"},
		{"tag characters", "ad\U000E0041\U000E0042min", "admin"},
		{"zero width", "a\u200bd\u200cm\u200di\u2060n\ufeff", "admin"},
		{"LRM RLM", "\u200eadmin\u200f", "admin"},
		{"annotation", "\ufff9ad\ufffamin\ufffb", "admin"},
		{"soft hyphen", "ad\u00admin", "admin"},
		{"ZWJ in emoji kept", "👩\u200d💻 coder 👨🏽\u200d🚀", "👩\u200d💻 coder 👨🏽\u200d🚀"},
		{"ZWJ between letters", "a\u200d💻", "a💻"},
		{"only format", "\u200b\u2060", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SanitizeLine(tt.in); got != tt.want {
				t.Errorf("SanitizeLine(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizeNoAllocation(t *testing.T) {
	const s = "요즘은 러닝이라고 하던데 달리기를 시작했다.\n\t- 목록 ─ “인용” ①"
	var got string
	if n := testing.AllocsPerRun(100, func() { got = Sanitize(s) }); n != 0 {
		t.Errorf("Sanitize of clean text allocates %v times", n)
	}
	if got != s {
		t.Errorf("Sanitize changed clean text: %q", got)
	}
	const line = "24년 3월 회고"
	if n := testing.AllocsPerRun(100, func() { got = SanitizeLine(line) }); n != 0 {
		t.Errorf("SanitizeLine of a clean line allocates %v times", n)
	}
	if got != line {
		t.Errorf("SanitizeLine changed a clean line: %q", got)
	}
}

// checkSafe fails t if s holds anything Sanitize must remove.
func checkSafe(t *testing.T, fn, in, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s(%q) = %q: invalid UTF-8", fn, in, s)
	}
	for _, r := range s {
		switch {
		case r == 0x1b:
			t.Fatalf("%s(%q) = %q: has ESC", fn, in, s)
		case r < 0x20 && r != '\t' && r != '\n', r == 0x7f:
			t.Fatalf("%s(%q) = %q: has control %U", fn, in, s, r)
		case isC1(r):
			t.Fatalf("%s(%q) = %q: has C1 control %U", fn, in, s, r)
		case isBidiControl(r):
			t.Fatalf("%s(%q) = %q: has bidi control %U", fn, in, s, r)
		case r == utf8.RuneError:
			t.Fatalf("%s(%q) = %q: has U+FFFD", fn, in, s)
		}
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"", "plain", "24년 3월 회고", "a\r\nb\rc", "\x1b]52;c;aGVsbG8=\a\x1b[2J",
		"\u009b2J\u202e\u2066", "\xff\xfe\xc0\x80", "\uFFFD", "  \t제목\n ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s := Sanitize(in)
		checkSafe(t, "Sanitize", in, s)
		if again := Sanitize(s); again != s {
			t.Fatalf("Sanitize is not idempotent: %q -> %q -> %q", in, s, again)
		}
		if firstUnsafe(in, false) < 0 && s != in {
			t.Fatalf("Sanitize changed safe text %q to %q", in, s)
		}

		l := SanitizeLine(in)
		checkSafe(t, "SanitizeLine", in, l)
		if strings.ContainsAny(l, "\t\n\r") {
			t.Fatalf("SanitizeLine(%q) = %q: has a line break or tab", in, l)
		}
		if l != strings.TrimSpace(l) {
			t.Fatalf("SanitizeLine(%q) = %q: not trimmed", in, l)
		}
		if again := SanitizeLine(l); again != l {
			t.Fatalf("SanitizeLine is not idempotent: %q -> %q -> %q", in, l, again)
		}
	})
}
