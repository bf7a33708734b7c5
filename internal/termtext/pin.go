package termtext

import (
	"fmt"
	"os"

	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"
	"github.com/rivo/uniseg"
)

// widthProbes are characters whose width Pin checks in every engine: East
// Asian Ambiguous characters, which a CJK locale would widen, and a Hangul
// syllable, which is wide everywhere.
var widthProbes = [...]struct {
	s     string
	width int
}{
	{"─", 1}, // U+2500 box drawing: borders, rules
	{"…", 1}, // U+2026: the truncation tail
	{"“", 1}, // U+201C: quotation marks in prose
	{"①", 1}, // U+2460: enclosed numbers
	{"가", 2}, // a Hangul syllable
}

// Pin makes every width engine in the process measure text the same way,
// whatever the locale the server was started in: East Asian Ambiguous
// characters (─ … “ ①) are one column, Hangul syllables two. A layout
// measured on the server then matches what clients draw, and one width
// rule serves every reader.
//
// Three engines are in use. github.com/charmbracelet/x/ansi, behind Lip
// Gloss, Glamour and [Width], is narrow by default but reads
// RUNEWIDTH_EASTASIAN once at start-up into options no caller can change;
// if that variable made it wide, Pin returns an error asking the operator
// to unset it. github.com/mattn/go-runewidth, behind the Bubbles text
// input and text area, reads LC_ALL, LC_CTYPE and LANG at start-up and
// turns wide under a CJK locale such as ko_KR.UTF-8: Pin sets its
// DefaultCondition (and the package defaults new conditions copy) back to
// narrow and rebuilds its lookup table if one was built with the old
// setting. github.com/rivo/uniseg, also behind the text area, is set to
// narrow too. Pin then checks every engine against known widths.
//
// Pin writes to those libraries' package variables, which is the only way
// to configure them, so it must run once, early in main, before any
// goroutine measures text. Calling it again is harmless.
func Pin() error {
	runewidth.EastAsianWidth = false
	runewidth.StrictEmojiNeutral = true
	c := runewidth.DefaultCondition
	c.EastAsianWidth = false
	c.StrictEmojiNeutral = true
	// A lookup table built earlier, under a CJK locale, still answers with
	// the old widths; CreateLUT rebuilds it for the new setting. Without a
	// table the condition reads its flags directly and needs nothing.
	if c.RuneWidth('─') != 1 {
		c.CreateLUT()
	}
	uniseg.EastAsianAmbiguousWidth = 1

	for _, p := range widthProbes {
		if w := ansi.StringWidth(p.s); w != p.width {
			return fmt.Errorf("pinning terminal widths: x/ansi measures %q as %d columns, want %d; "+
				"it read RUNEWIDTH_EASTASIAN=%q at start-up: unset RUNEWIDTH_EASTASIAN and restart",
				p.s, w, p.width, os.Getenv("RUNEWIDTH_EASTASIAN"))
		}
		if w := c.StringWidth(p.s); w != p.width {
			return fmt.Errorf("pinning terminal widths: go-runewidth measures %q as %d columns, want %d", p.s, w, p.width)
		}
		if w := uniseg.StringWidth(p.s); w != p.width {
			return fmt.Errorf("pinning terminal widths: uniseg measures %q as %d columns, want %d", p.s, w, p.width)
		}
	}
	return nil
}
