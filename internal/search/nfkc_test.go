package search

import (
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestNFKCAsNorm: nfkc gives what norm.NFKC does, on text that mixes
// ASCII, Hangul syllables and jamo, combining marks, full-width forms,
// ligatures and compatibility characters in every order.
func TestNFKCAsNorm(t *testing.T) {
	pieces := []string{"a", "e", "Z", " ", "\u0301", "\u0308", "\u0327", "한", "글", "가", "\u1100", "\u1161", "\u11a8",
		"\uac00\u11a8", "ＡＢＣ", "ﬁ", "①", "㈜", "㎏", "é", "ё", "\u3131", "ｶ", "\u3099", "か", "Å", "\u212b", "·", "→", "\U0001d400", "\xff", "\xe0\x80"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := nfkc(s), norm.NFKC.String(s); got != want {
			t.Fatalf("nfkc(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzNFKC(f *testing.F) {
	f.Add("e\u0301 한\u11a8 ＡＢＣ")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := nfkc(s), norm.NFKC.String(s); got != want {
			t.Fatalf("nfkc(%q) = %q, want %q", s, got, want)
		}
	})
}
