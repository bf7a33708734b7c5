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

// TestRendererDrawsAtOnce checks sshblog's change to the renderer loop: a
// change made when nothing was drawn for a frame's time is drawn at once,
// not at the next tick (the first frame too: Run renders it before the
// renderer starts), one made sooner waits for the tick, and without
// drawAtOnce (upstream's way) every change waits for a tick.
func TestRendererDrawsAtOnce(t *testing.T) {
	const (
		fps  = 2                      // a tick every 500ms
		soon = 250 * time.Millisecond // well before a tick
	)

	p := NewProgram(nil, WithFPS(fps))
	p.fps = fps // what Run would set from the option
	r := &countingRenderer{}
	p.renderer = r
	r.draw(p) // as Run renders the first view before the renderer starts
	start := time.Now()
	p.startRenderer()
	defer p.stopRenderer(true)
	waitFor(t, func() bool { return r.draws.Load() == 1 })
	if took := time.Since(start); took > soon {
		t.Errorf("the first frame took %v, want it before the first tick (500ms)", took)
	}

	// A change right after a frame waits for the tick.
	start = time.Now()
	r.draw(p)
	time.Sleep(soon / 2)
	if n := r.draws.Load(); n != 1 {
		t.Errorf("a change within a frame of the last was drawn at once (%d frames)", n)
	}
	waitFor(t, func() bool { return r.draws.Load() == 2 })
	if took := time.Since(start); took < soon {
		t.Errorf("a change within a frame of the last was drawn after %v, want at the tick", took)
	}

	// A change after a frame's time without a frame is drawn at once.
	time.Sleep(time.Second / fps)
	start = time.Now()
	r.draw(p)
	waitFor(t, func() bool { return r.draws.Load() == 3 })
	if took := time.Since(start); took > soon {
		t.Errorf("a change after a pause took %v, want it drawn at once", took)
	}

	q := NewProgram(nil, WithFPS(fps))
	q.fps = fps
	q.drawAtOnce = false
	s := &countingRenderer{}
	q.renderer = s
	s.draw(q)
	q.startRenderer()
	defer q.stopRenderer(true)
	time.Sleep(soon)
	if n := s.flushes.Load(); n != 0 {
		t.Errorf("without drawAtOnce the renderer flushed %d times before its first tick", n)
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
