package tea

import (
	"testing"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// TestFrameBuffersFitEachFrame checks the pool of sshblog's fork: a buffer
// comes back at the size and width method asked for, whatever its last user
// did with it, and Clear touches each of its lines, so that the terminal
// renderer compares every line with the screen.
func TestFrameBuffersFitEachFrame(t *testing.T) {
	var p bufferPool
	b := p.get(80, 24, ansi.WcWidth)
	b.Clear()
	uv.NewStyledString("hello").Draw(b, b.Bounds())
	b.Lines = b.Lines[2:] // as flush does with a frame taller than the screen
	p.put(b)

	for _, size := range [][2]int{{80, 24}, {200, 50}, {40, 10}, {1, 1}} {
		b := p.get(size[0], size[1], ansi.GraphemeWidth)
		if b.Width() != size[0] || b.Height() != size[1] || b.Method != ansi.GraphemeWidth {
			t.Errorf("asked for %dx%d: got %dx%d, method %v", size[0], size[1], b.Width(), b.Height(), b.Method)
		}
		b.Clear()
		if n := b.TouchedLines(); n != size[1] {
			t.Errorf("%dx%d: Clear touched %d lines", size[0], size[1], n)
		}
		p.put(b)
	}
}
