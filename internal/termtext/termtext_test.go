package termtext

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"가", 2},
		{"24년 3월 회고", 13},
		{"─…“①", 4},
		{"\x1b[1;31m가나\x1b[0m", 4},
		{"\x1b]8;;https://example.com\a링크\x1b]8;;\a", 4},
		{"\u1100\u1161\u11a8", 2}, // 각 as conjoining jamo: one cluster
		{"e\u0301", 1},
		{"👨\u200d👩\u200d👧", 2},
		{"🇰🇷", 2},
		{"😋", 2},
	}
	for _, tt := range tests {
		if got := Width(tt.s); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s     string
		width int
		tail  string
		want  string
	}{
		{"가나다", 6, "…", "가나다"},
		{"가나다", 5, "…", "가나…"},
		{"가나다", 4, "…", "가…"}, // 가나 + … would be 5
		{"가나다", 4, "", "가나"},
		{"가나다", 3, "", "가"}, // no half of 나, no padding
		{"가나다", 1, "", ""},
		{"가나다", 1, "…", "…"},
		{"가나다", 0, "", ""},
		{"가나다", -3, "…", ""},
		{"abcd", 2, "...", ""}, // tail wider than width
		{"abcd", 2, "……", "……"},
		{"abcdef", 4, "...", "a..."},
		{"\x1b[1m가나다\x1b[0m", 4, "", "\x1b[1m가나\x1b[0m"},
		{"\x1b[1m가나다\x1b[0m", 5, "…", "\x1b[1m가나…\x1b[0m"},
		{"e\u0301e\u0301e\u0301", 2, "", "e\u0301e\u0301"},
		{"👨\u200d👩\u200d👧👨\u200d👩\u200d👧", 3, "", "👨\u200d👩\u200d👧"},
		{"🇰🇷🇯🇵", 3, "", "🇰🇷"},
		{"a\xffb가", 3, "", "a?b"},
		{"가나다", 5, "\xfe", "가나?"},
	}
	for _, tt := range tests {
		got := Truncate(tt.s, tt.width, tt.tail)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d, %q) = %q, want %q", tt.s, tt.width, tt.tail, got, tt.want)
		}
	}
}

// TestTruncateHangulEveryWidth checks, at every width a terminal can have,
// that Truncate fills the line as far as whole characters allow.
func TestTruncateHangulEveryWidth(t *testing.T) {
	const s = "요즘은 러닝이라고 하던데 달리기를 시작했다. 길게 달리진 못하고 어쨌든 숨이 차게 유산소 운동을 잘 안하는 스타일이라 매일 하루를 그렇게 시작해보고자 성북천을 매일 아침 7-8시에 뛰었다."
	full := Width(s)
	for width := 0; width <= 250; width++ {
		for _, tail := range []string{"", "…"} {
			got := Truncate(s, width, tail)
			w := Width(got)
			if w > width {
				t.Fatalf("Truncate(s, %d, %q) is %d columns: %q", width, tail, w, got)
			}
			if width >= full {
				if got != s {
					t.Fatalf("Truncate(s, %d, %q) changed a string that fits: %q", width, tail, got)
				}
				continue
			}
			if !strings.HasPrefix(got, strings.TrimSuffix(got, tail)) || !strings.HasPrefix(s, strings.TrimSuffix(got, tail)) {
				t.Fatalf("Truncate(s, %d, %q) = %q is not a prefix of s plus the tail", width, tail, got)
			}
			if width >= Width(tail) && w < width-1 {
				t.Fatalf("Truncate(s, %d, %q) = %q wastes %d columns", width, tail, got, width-w)
			}
		}
	}
}

func FuzzTruncate(f *testing.F) {
	f.Add("가나다라마바사", 5, "…")
	f.Add("\x1b[1m굵게\x1b[0m 보통", 3, "")
	f.Add("👨\u200d👩\u200d👧🇰🇷e\u0301", 4, "..")
	f.Add("a\xffb\xc0가", 2, "\xfe")
	f.Add("\x1b]8;;http://x\a링크\x1b]8;;\a", 1, "…")
	f.Fuzz(func(t *testing.T, s string, width int, tail string) {
		width %= 300
		got := Truncate(s, width, tail)
		if !utf8.ValidString(got) {
			t.Fatalf("Truncate(%q, %d, %q) = %q: invalid UTF-8", s, width, tail, got)
		}
		if w := Width(got); w > max(width, 0) {
			t.Fatalf("Truncate(%q, %d, %q) = %q: %d columns", s, width, tail, got, w)
		}
	})
}

func TestWrap(t *testing.T) {
	if err := Pin(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in    string
		width int
		want  []string
	}{
		{"", 10, nil},
		{"abc", 0, nil},
		{"hello world", 5, []string{"hello", "world"}},
		{"삼월회고삼월회고", 6, []string{"삼월회", "고삼월", "회고"}},
		{"삼월 회고를 씁니다", 7, []string{"삼월", "회고를", "씁니다"}},
		{"a ─ b", 3, []string{"a ─", "b"}},
	} {
		got := Wrap(c.in, c.width)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Wrap(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
		for _, l := range got {
			if Width(l) > c.width {
				t.Errorf("Wrap(%q, %d): %q is %d columns", c.in, c.width, l, Width(l))
			}
		}
	}
}

func TestAgo(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:         "0s",
		45 * time.Second:     "45s",
		12 * time.Minute:     "12m",
		5 * time.Hour:        "5h",
		47 * time.Hour:       "47h",
		72 * time.Hour:       "3d",
		400 * 24 * time.Hour: "400d",
	} {
		if got := Ago(d); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
}
