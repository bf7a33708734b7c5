package uv

import "sync"

// screenCopies recycles the buffers in which renderers keep their copy of
// the screen, for every renderer in the process: [TerminalRenderer.Forget]
// gives its copy back and the next renderer that needs one takes it, blank.
// (sshblog's fork: a server runs one renderer per SSH session, and each new
// session allocated a copy, about 200 KiB at 80x24, while sessions that had
// gone idle or ended let theirs go.)
var screenCopies renderBufferPool

// renderBufferPool is a pool of render buffers of any size.
type renderBufferPool struct{ pool sync.Pool }

// get returns a blank buffer of width by height cells with no line
// touched, as [NewRenderBuffer] makes.
func (p *renderBufferPool) get(width, height int) *RenderBuffer {
	b, ok := p.pool.Get().(*RenderBuffer)
	if !ok {
		return NewRenderBuffer(width, height)
	}
	b.Resize(width, height)
	b.Clear()
	clear(b.Touched)
	if len(b.Touched) != height {
		b.Touched = make([]*LineData, height)
	}
	return b
}

// put gives b back. Nothing may use it afterwards.
func (p *renderBufferPool) put(b *RenderBuffer) {
	if b != nil && b.Buffer != nil {
		p.pool.Put(b)
	}
}
