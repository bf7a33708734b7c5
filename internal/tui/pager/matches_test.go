package pager

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestLineSpans(t *testing.T) {
	for _, tt := range []struct {
		line  string
		words []string
		want  string
	}{
		{"요즘 달리기를 시작했다.", []string{"달리기"}, "[[5 11]]"},                   // Hangul: two columns a syllable
		{"달리다 and 기리", []string{"달리기"}, "[[0 4]]"},                       // a pair matches alone
		{"Running, RUN, run", []string{"run"}, "[[0 3] [9 12] [14 17]]"}, // any case
		{"ＡＢＣ abc", []string{"abc"}, "[[0 6] [7 10]]"},                   // full-width letters match as the index folds them
		{"ﬁne fine", []string{"fine"}, "[[0 3] [4 8]]"},                  // a ligature is one cell
		{"나는 go언어를", []string{"go언어"}, "[[5 11]]"},                       // "go", then 언어 touching it: one run
		{"nothing here", []string{"달리기"}, "[]"},
	} {
		got := fmt.Sprint(lineSpans(tt.line, matchNeedles(tt.words)))
		if got != tt.want {
			t.Errorf("lineSpans(%q, %q) = %s, want %s", tt.line, tt.words, got, tt.want)
		}
	}
}

// FuzzFindSpans: any line and any search give spans within the line's
// cells, in order, without a panic.
func FuzzFindSpans(f *testing.F) {
	f.Add("요즘 \x1b[1m달리기\x1b[m를", "달리기")
	f.Add("ﬁ\u0301x", "fi")
	f.Fuzz(func(t *testing.T, line, query string) {
		spans := findSpans([]string{line}, matchNeedles([]string{query}))
		w := ansi.StringWidth(ansi.Strip(line))
		last := 0
		for _, s := range spans {
			if s.start < last || s.end <= s.start || s.end > w {
				t.Fatalf("span %v of %q (%d columns) for %q", s, line, w, query)
			}
			last = s.end
		}
	})
}
