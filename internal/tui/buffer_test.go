package tui

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
)

// plainTextarea is a text area configured as the buffer's, holding the
// whole document: what the buffer must behave like.
func plainTextarea(w, h int, text string) textarea.Model {
	b := newBuffer()
	ta := b.ta
	ta.SetWidth(w)
	ta.SetHeight(h)
	ta.SetValue(text)
	ta.MoveToBegin()
	return ta
}

// docText is a document of n lines mixing Hangul, ASCII and long lines.
func docText(rng *rand.Rand, n int) string {
	words := []string{"달리기를", "시작했다.", "hello", "world", "회고", "a", "markdown", "가나다라마바사", "—", "x"}
	lines := make([]string, n)
	for i := range lines {
		k := rng.IntN(12)
		if rng.IntN(10) == 0 {
			k = 40
		}
		ws := make([]string, k)
		for j := range ws {
			ws[j] = words[rng.IntN(len(words))]
		}
		lines[i] = strings.Join(ws, " ")
	}
	return strings.Join(lines, "\n")
}

var diffKeys = []tea.KeyPressMsg{
	{Code: tea.KeyUp}, {Code: tea.KeyDown}, {Code: tea.KeyLeft}, {Code: tea.KeyRight},
	{Code: tea.KeyUp}, {Code: tea.KeyDown}, {Code: tea.KeyUp}, {Code: tea.KeyDown},
	{Code: tea.KeyPgUp}, {Code: tea.KeyPgDown}, {Code: tea.KeyHome}, {Code: tea.KeyEnd},
	{Code: tea.KeyEnter}, {Code: tea.KeyBackspace}, {Code: tea.KeyDelete},
	{Code: 'k', Mod: tea.ModCtrl}, {Code: 'u', Mod: tea.ModCtrl}, {Code: 'w', Mod: tea.ModCtrl},
	{Code: 'f', Mod: tea.ModAlt}, {Code: 'b', Mod: tea.ModAlt},
	{Code: '한', Text: "한"}, {Code: 'a', Text: "a"}, {Code: ' ', Text: " "}, {Code: '글', Text: "글자"},
}

// TestBufferMatchesTextarea checks the window against a text area holding
// the whole document: after every key the text, the cursor and the screen
// must be the same.
func TestBufferMatchesTextarea(t *testing.T) {
	for _, size := range [][2]int{{40, 4}, {13, 3}, {7, 2}} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(size[0]), uint64(size[1])))
			text := docText(rng, 80)
			w, h := size[0], size[1]
			ref := plainTextarea(w, h, text)
			b := newBuffer()
			b.setSize(w, h)
			b.load(text, 0, 0)
			windows := map[[2]int]bool{}
			for i := range 400 {
				windows[[2]int{b.lo, b.hi}] = true
				k := diffKeys[rng.IntN(len(diffKeys))]
				if rng.IntN(4) == 0 { // drift down, then up, through the document
					k = tea.KeyPressMsg{Code: tea.KeyDown}
					if i > 250 {
						k = tea.KeyPressMsg{Code: tea.KeyUp}
					}
				}
				ref, _ = ref.Update(k)
				b.update(k)
				row, col, _ := b.cursor()
				if got, want := b.text(), ref.Value(); got != want {
					t.Fatalf("step %d (%v): text differs", i, k)
				}
				if row != ref.Line() || col != ref.Column() {
					t.Fatalf("step %d (%v): cursor at %d:%d, want %d:%d", i, k, row, col, ref.Line(), ref.Column())
				}
				if got, want := b.ta.View(), ref.View(); got != want {
					t.Fatalf("step %d (%v): screen differs (window %d-%d of %d)\ngot:\n%s\nwant:\n%s", i, k, b.lo, b.hi, len(b.lines), got, want)
				}
			}
			if len(windows) < 3 {
				t.Errorf("the window was in %d places: the test tests little", len(windows))
			}
		})
	}
}
