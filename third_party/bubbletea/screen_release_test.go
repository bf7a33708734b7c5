package tea

import (
	"bytes"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// forgettingRenderer counts flushes and forgotten screens.
type forgettingRenderer struct {
	countingRenderer
	forgets atomic.Int32
}

func (r *forgettingRenderer) forgetScreen() { r.forgets.Add(1) }

// TestScreenReleaseTimer checks sshblog's WithScreenRelease in the renderer
// loop: the screen is forgotten once the program has drawn nothing for the
// given time, once per idle spell, and never without the option.
func TestScreenReleaseTimer(t *testing.T) {
	const after = 50 * time.Millisecond
	p := NewProgram(nil, WithScreenRelease(after))
	p.fps = defaultFPS
	r := &forgettingRenderer{}
	p.renderer = r
	r.draw(p) // the first frame
	p.startRenderer()
	defer p.stopRenderer(true)

	waitFor(t, func() bool { return r.draws.Load() == 1 })
	waitFor(t, func() bool { return r.forgets.Load() >= 1 })
	time.Sleep(4 * after)
	if n := r.forgets.Load(); n != 1 {
		t.Fatalf("an idle renderer forgot the screen %d times, want once until the next frame", n)
	}
	r.draw(p)
	waitFor(t, func() bool { return r.draws.Load() == 2 })
	waitFor(t, func() bool { return r.forgets.Load() == 2 })

	q := NewProgram(nil)
	q.fps = defaultFPS
	kept := &forgettingRenderer{}
	q.renderer = kept
	kept.draw(q)
	q.startRenderer()
	defer q.stopRenderer(true)
	waitFor(t, func() bool { return kept.draws.Load() == 1 })
	time.Sleep(4 * after)
	if n := kept.forgets.Load(); n != 0 {
		t.Errorf("without WithScreenRelease the screen was forgotten %d times", n)
	}
}

// TestCursedRendererForgetScreen checks what forgetting costs and keeps: on
// the alternate screen the next frame erases and paints everything, the
// frames after it are diffs again, and an inline frame is never forgotten.
func TestCursedRendererForgetScreen(t *testing.T) {
	t.Parallel()

	for _, alt := range []bool{true, false} {
		var out bytes.Buffer
		r := newCursedRenderer(&out, []string{"TERM=xterm-256color"}, 20, 3)
		r.start()
		draw := func(content string) string {
			t.Helper()
			v := NewView(content)
			v.AltScreen = alt
			out.Reset()
			r.render(v)
			if _, err := r.flush(false); err != nil {
				t.Fatal(err)
			}
			return out.String()
		}

		draw("first line\nsecond line\nthird line")
		if diff := draw("first line\nsecond LINE\nthird line"); strings.Contains(diff, "first line") {
			t.Fatalf("alt=%v: a one-word change repainted the screen: %q", alt, diff)
		}
		r.forgetScreen()
		repaint := draw("first line\nsecond LINE\nthird LINE")
		full := strings.Contains(repaint, ansi.EraseEntireScreen) && strings.Contains(repaint, "first line") &&
			strings.Contains(repaint, "second LINE") && strings.Contains(repaint, "third LINE")
		if alt && !full {
			t.Errorf("alt screen: the frame after forgetScreen is not a full repaint: %q", repaint)
		}
		if !alt && strings.Contains(repaint, "first line") {
			t.Errorf("inline: forgetScreen made a repaint: %q", repaint)
		}
		if diff := draw("first LINE\nsecond LINE\nthird LINE"); strings.Contains(diff, "third LINE") {
			t.Errorf("alt=%v: the frame after the repaint is not a diff: %q", alt, diff)
		}
	}
}
