package editor

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// TestStandInsRoundTrip: every text a post may hold comes back byte for
// byte from the text area's form, and that form holds nothing the text
// area would turn into spaces or drop, nor anything a terminal obeys.
func TestStandInsRoundTrip(t *testing.T) {
	var all strings.Builder
	for r := rune(1); r < 0xa0; r++ {
		all.WriteRune(r)
	}
	for _, s := range []string{
		"", "plain\n", "a\tb\r\nc  \n\ttail", "\x01Ljava/lang/Object;\x1b[2J\x7f\u0085\uFFFD", all.String(), "한글\t탭\r\n",
	} {
		text, clash := editable(s, false)
		if clash {
			t.Errorf("editable(%q) clashed", s)
		}
		if got := restore(text); got != norm.NFC.String(s) {
			t.Errorf("restore(editable(%q)) = %q", s, got)
		}
		for _, r := range text {
			if r != '\n' && needsStandIn(r) {
				t.Errorf("editable(%q) holds %U", s, r)
			}
		}
		if v := drawn(text); strings.ContainsFunc(v, func(r rune) bool { return r != '\n' && (needsStandIn(r) || isStandIn(r)) }) {
			t.Errorf("drawn(editable(%q)) = %q holds a control or a stand-in", s, v)
		}
	}
	if _, clash := editable("x\U00100009y", false); !clash {
		t.Error("a text holding a stand-in did not clash")
	}
	if text, _ := editable("a\r\nb\rc\td", true); restore(text) != "a\nb\nc\td" {
		t.Errorf("a paste's line ends: %q", restore(text))
	}
}
