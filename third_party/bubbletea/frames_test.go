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

func (r *countingRenderer) flush(bool) (bool, error) {
	r.flushes.Add(1)
	return true, nil
}

// TestRendererDrawsOnDemand checks sshblog's change to the renderer loop:
// it sleeps until a frame is asked for, draws a request at once, and keeps a
// flood of requests to fps frames a second (after a burst of frameBurst).
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

	// A request every millisecond for a second.
	for start := time.Now(); time.Since(start) < time.Second; time.Sleep(time.Millisecond) {
		p.requestFrame()
	}
	time.Sleep(100 * time.Millisecond) // let the last one land
	if n := r.flushes.Load() - 1; n < 10 || n > 20+frameBurst+2 {
		t.Errorf("a second of requests at 20 frames/s made %d frames", n)
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
