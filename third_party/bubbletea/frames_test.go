package tea

import (
	"sync/atomic"
	"testing"
	"time"
)

// countingRenderer counts flushes and the frames they drew, and does
// nothing else. A flush draws only when a frame is due (draw).
type countingRenderer struct {
	nilRenderer
	due     atomic.Bool
	flushes atomic.Int32
	draws   atomic.Int32
}

func (r *countingRenderer) flush(bool) (bool, error) {
	r.flushes.Add(1)
	if r.due.Swap(false) {
		r.draws.Add(1)
		return true, nil
	}
	return false, nil
}

// draw gives the renderer a frame to draw and wakes it, as render does.
func (r *countingRenderer) draw(p *Program) {
	r.due.Store(true)
	p.wakeRenderer()
}

// TestRendererDrawsAtStart checks sshblog's change to the renderer loop:
// the first frame is drawn as soon as the renderer starts, not at its first
// tick, and without drawAtStart (upstream's way) it waits for the tick.
func TestRendererDrawsAtStart(t *testing.T) {
	const fps = 2 // a tick every 500ms

	p := NewProgram(nil, WithFPS(fps))
	p.fps = fps // what Run would set from the option
	r := &countingRenderer{}
	r.due.Store(true) // Run renders the first view before it starts the renderer
	p.renderer = r
	start := time.Now()
	p.startRenderer()
	defer p.stopRenderer(true)
	waitFor(t, func() bool { return r.draws.Load() == 1 })
	if took := time.Since(start); took > 250*time.Millisecond {
		t.Errorf("the first frame took %v, want it before the first tick (500ms)", took)
	}

	q := NewProgram(nil, WithFPS(fps))
	q.fps = fps
	q.drawAtStart = false
	s := &countingRenderer{}
	s.due.Store(true)
	q.renderer = s
	q.startRenderer()
	defer q.stopRenderer(true)
	time.Sleep(250 * time.Millisecond)
	if n := s.flushes.Load(); n != 0 {
		t.Errorf("without drawAtStart the renderer flushed %d times before its first tick", n)
	}
	waitFor(t, func() bool { return s.draws.Load() == 1 })
}

// waitFor polls ok for up to five seconds.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("timed out")
}
