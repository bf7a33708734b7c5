package tea

import (
	"sync"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// frameBuffers lends the buffers frames are drawn into, to every program in
// the process. (sshblog's fork: a server runs a program per session, and a
// buffer per program that only matters while a frame is drawn was most of
// an idle session's memory.)
var frameBuffers bufferPool

// bufferPool is a pool of screen buffers of any size.
type bufferPool struct{ pool sync.Pool }

// get returns a buffer of width by height cells that measures with method.
// Its cells are whatever the last user left: clear it.
func (p *bufferPool) get(width, height int, method ansi.Method) uv.ScreenBuffer {
	b, ok := p.pool.Get().(uv.ScreenBuffer)
	if !ok {
		b = uv.NewScreenBuffer(width, height)
	} else if b.Width() != width || b.Height() != height {
		b.Touched = nil
		b.Resize(width, height)
	}
	b.Method = method
	return b
}

// put gives b back. Nothing may use it afterwards.
func (p *bufferPool) put(b uv.ScreenBuffer) {
	clear(b.Touched) // a new user starts with no line touched but by its Clear
	p.pool.Put(b)
}
