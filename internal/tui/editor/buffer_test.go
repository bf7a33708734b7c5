package editor

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

// docText is a document of n lines of up to words words, mixing Hangul
// and ASCII, and some lines four times as long.
func docText(rng *rand.Rand, n, words int) string {
	dict := []string{"달리기를", "시작했다.", "hello", "world", "회고", "a", "markdown", "가나다라마바사", "—", "x"}
	lines := make([]string, n)
	for i := range lines {
		k := rng.IntN(words)
		if rng.IntN(10) == 0 {
			k = 4 * words
		}
		ws := make([]string, k)
		for j := range ws {
			ws[j] = dict[rng.IntN(len(dict))]
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
	for _, size := range [][3]int{{40, 4, 12}, {13, 3, 2}, {7, 2, 2}} {
		t.Run(fmt.Sprint(size[:2]), func(t *testing.T) {
			t.Parallel()
			w, h := size[0], size[1]
			rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
			text := docText(rng, 70, size[2])
			ref := plainTextarea(w, h, text)
			b := newBuffer()
			b.setSize(w, h)
			b.load(text, 0, 0)
			windows := map[[2]int]bool{}
			for i := range 150 {
				windows[[2]int{b.lo, b.hi}] = true
				k := diffKeys[rng.IntN(len(diffKeys))]
				if rng.IntN(3) > 0 { // drift down, then up, through the document
					drift := []rune{tea.KeyDown, tea.KeyPgDown}
					if i > 75 {
						drift = []rune{tea.KeyUp, tea.KeyPgUp}
					}
					k = tea.KeyPressMsg{Code: drift[rng.IntN(len(drift))]}
				}
				ref, _ = ref.Update(k)
				frames := b.frames
				b.update(k)
				if b.frames != frames {
					// Moving the window forgets the column a run of
					// moves up and down aims for; so does the reference.
					ref.SetCursorColumn(ref.Column())
				}
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
			t.Logf("the window was in %d places, made %d times", len(windows), b.frames)
			if len(windows) < 3 {
				t.Errorf("the window was in %d places: the test tests little", len(windows))
			}
		})
	}
}

func TestBufferGuard(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	text := docText(rng, 200, 6)
	b := newBuffer()
	b.setSize(30, 5)
	b.load(text, 0, 0)
	for range 60 {
		b.update(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	b.update(tea.KeyPressMsg{Code: '한', Text: "한"})
	before := b.text()
	row, col, _ := b.cursor()
	err := b.guard(func() {
		b.update(tea.KeyPressMsg{Code: 'x', Text: "xyz"})
		b.flush()
		b.lines = append(b.lines, "more")
		b.jump(true)
		panic("the text area broke")
	})
	if err == nil || !strings.Contains(err.Error(), "the text area broke") {
		t.Errorf("guard returned %v", err)
	}
	if b.text() != before {
		t.Error("after a failure the text is not what it was")
	}
	if r, c, _ := b.cursor(); r != row || c != col {
		t.Errorf("after a failure the cursor is at %d:%d, want %d:%d", r, c, row, col)
	}
	b.update(tea.KeyPressMsg{Code: '글', Text: "글"})
	if !strings.Contains(b.text(), "한글") {
		t.Error("the buffer does not work after a failure")
	}
}

// BenchmarkWholeTextarea is a key typed and the frame drawn after it in the
// middle of a text area holding a whole document of 5,000 lines: what the
// buffer's window saves (tui.BenchmarkKeystroke is the same in the editor).
func BenchmarkWholeTextarea(b *testing.B) {
	src := docText(rand.New(rand.NewPCG(1, 2)), 5000, 8)
	ta := plainTextarea(99, 38, src[:len(src)/2])
	ta.InsertString(src[len(src)/2:])
	b.ResetTimer()
	for b.Loop() {
		ta, _ = ta.Update(tea.KeyPressMsg{Code: '한', Text: "한"})
		_ = ta.View()
	}
}
