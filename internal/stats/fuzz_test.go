package stats_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sshblog/sshblog/internal/stats"
)

// FuzzRefererDomain checks that any Referer gives a bare, lower-case host
// or nothing.
func FuzzRefererDomain(f *testing.F) {
	for _, s := range []string{"https://Example.org/a?b#c", "http://[::1]:80/", "https://한국.kr/", "https://%zz/", "https://a..b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		d := stats.RefererDomain(ref)
		if d == "" {
			return
		}
		if !utf8.ValidString(d) || strings.ContainsAny(d, "/?#:@ \t\r\n[]%()") || d != strings.ToLower(d) || len(d) > 253 {
			t.Errorf("RefererDomain(%q) = %q", ref, d)
		}
		if !strings.Contains(strings.ToLower(ref), d) && !strings.Contains(ref, "%") {
			t.Errorf("RefererDomain(%q) = %q, not in the referer", ref, d)
		}
	})
}

// FuzzSparkline checks that any values draw within width, without panic.
func FuzzSparkline(f *testing.F) {
	f.Add([]byte{0, 1, 200, 3}, 3)
	f.Fuzz(func(t *testing.T, raw []byte, width int) {
		values := make([]int, len(raw))
		for i, b := range raw {
			values[i] = int(int8(b)) * 1_000_003
		}
		s := stats.Sparkline(values, width)
		if n := utf8.RuneCountInString(s); n > max(width, 0) || (width > 0 && n != min(width, len(values))) {
			t.Errorf("Sparkline(%v, %d) = %q", values, width, s)
		}
	})
}
