package tea

import (
	"sync/atomic"
	"testing"
	"time"
)

// countingRenderer counts flushes and does nothing else.
type countingRenderer struct {
	nilRenderer
	flushes atomic.Int32
}

func (r *countingRenderer) flush(bool) error {
	r.flushes.Add(1)
	return nil
}

// frames says every flush drew.
func (r *countingRenderer) frames() uint64 { return uint64(r.flushes.Load()) }

// TestRendererDrawsOnDemand checks sshblog's change to the renderer loop:
// it sleeps until a frame is asked for, draws the first request at once,
// and draws a burst of requests as one more frame.
func TestRendererDrawsOnDemand(t *testing.T) {
	p := NewProgram(nil, WithFPS(20))
	p.fps = 20 // what Run would set from the option
	r := &countingRenderer{}
	p.renderer = r
	p.startRenderer()
	defer p.stopRenderer(true)

	time.Sleep(200 * time.Millisecond) // four frames' time
	if n := r.flushes.Load(); n != 0 {
		t.Fatalf("an idle renderer flushed %d times, want 0", n)
	}

	p.requestFrame()
	waitFor(t, func() bool { return r.flushes.Load() == 1 })

	for range 10 {
		p.requestFrame()
	}
	waitFor(t, func() bool { return r.flushes.Load() >= 2 })
	time.Sleep(200 * time.Millisecond)
	if n := r.flushes.Load(); n != 2 {
		t.Fatalf("a burst of 10 requests made %d frames, want 1", n-1)
	}
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
