package tea

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// firstFramesTerm is a renderer as a program sets one up, writing to out.
func firstFramesTerm(c *FirstFrames, out *bytes.Buffer, width int) *cursedRenderer {
	r := newCursedRenderer(out, []string{"TERM=xterm-256color"}, width, 3)
	r.firstFrames = c
	r.start()
	r.queue(ansi.RequestBackgroundColor)
	return r
}

// draw renders content on the alternate screen and returns what r wrote.
func draw(t *testing.T, r *cursedRenderer, out *bytes.Buffer, content string) string {
	t.Helper()
	v := NewView(content)
	v.AltScreen = true
	v.WindowTitle = "blog"
	out.Reset()
	r.render(v)
	if _, err := r.flush(false); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestFirstFramesWriteWhatWasDrawn checks sshblog's FirstFrames: a program
// whose first frame another drew writes the same bytes as it and as a
// program without the cache; it then holds no copy of the screen, so its
// next frame erases and paints everything, and the one after is a diff.
func TestFirstFramesWriteWhatWasDrawn(t *testing.T) {
	t.Parallel()
	const first = "first line\nsecond line\nthird line"
	c := NewFirstFrames(4)
	var outA, outB, outC bytes.Buffer
	a, b, plain := firstFramesTerm(c, &outA, 20), firstFramesTerm(c, &outB, 20), firstFramesTerm(nil, &outC, 20)

	drawn := draw(t, a, &outA, first)
	if len(c.frames) != 1 {
		t.Fatalf("after one first frame the cache holds %d", len(c.frames))
	}
	if want := draw(t, plain, &outC, first); drawn != want {
		t.Fatalf("the first frame drawn with the cache differs from one drawn without it:\n%q\n%q", drawn, want)
	}
	if !strings.Contains(drawn, ansi.RequestBackgroundColor) || !strings.Contains(drawn, "second line") {
		t.Fatalf("the first frame lacks the queued query or the content: %q", drawn)
	}
	if kept := draw(t, b, &outB, first); kept != drawn {
		t.Fatalf("the kept first frame differs from the one drawn:\n%q\n%q", kept, drawn)
	}
	if b.scr.Buffered() != 0 {
		t.Fatalf("the queued query is still queued after the kept frame")
	}

	next := "first line\nsecond LINE\nthird line"
	if diff := draw(t, a, &outA, next); strings.Contains(diff, "first line") {
		t.Errorf("after a drawn first frame, a one-word change repainted the screen: %q", diff)
	}
	repaint := draw(t, b, &outB, next)
	for _, want := range []string{ansi.CursorHomePosition, ansi.EraseEntireScreen, "first line", "second LINE", "third line"} {
		if !strings.Contains(repaint, want) {
			t.Errorf("after a kept first frame, the next frame is not a full repaint (no %q): %q", want, repaint)
		}
	}
	if strings.Contains(repaint, ansi.RequestBackgroundColor) || strings.Contains(repaint, ansi.SetModeAltScreenSaveCursor) {
		t.Errorf("after a kept first frame, the next frame sets the terminal up again: %q", repaint)
	}
	if diff := draw(t, b, &outB, "first LINE\nsecond LINE\nthird line"); strings.Contains(diff, "third line") {
		t.Errorf("the frame after the repaint is not a diff: %q", diff)
	}
}

// TestFirstFramesKeepOnlyWhatTheyMay checks which first frames are kept:
// not a second frame, not one with a cursor; another terminal or nothing
// queued is another frame; and the cache holds no more than its bound.
func TestFirstFramesKeepOnlyWhatTheyMay(t *testing.T) {
	t.Parallel()
	c := NewFirstFrames(2)
	var out bytes.Buffer
	r := firstFramesTerm(c, &out, 20)
	draw(t, r, &out, "one")
	draw(t, r, &out, "two")
	if len(c.frames) != 1 {
		t.Fatalf("two frames of one program: the cache holds %d, want the first only", len(c.frames))
	}

	r = firstFramesTerm(c, &out, 20)
	v := NewView("with a cursor")
	v.AltScreen = true
	v.Cursor = NewCursor(1, 1)
	r.render(v)
	if _, err := r.flush(false); err != nil {
		t.Fatal(err)
	}
	if len(c.frames) != 1 {
		t.Fatalf("a frame with a cursor was kept: the cache holds %d", len(c.frames))
	}

	c = NewFirstFrames(8)
	draw(t, firstFramesTerm(c, &out, 20), &out, "one")
	other := newCursedRenderer(&out, []string{"TERM=xterm"}, 20, 3)
	other.firstFrames = c
	other.start()
	other.queue(ansi.RequestBackgroundColor)
	draw(t, other, &out, "one")
	unqueued := newCursedRenderer(&out, []string{"TERM=xterm-256color"}, 20, 3)
	unqueued.firstFrames = c
	unqueued.start()
	draw(t, unqueued, &out, "one")
	if len(c.frames) != 3 {
		t.Fatalf("another terminal and nothing queued: the cache holds %d frames, want 3", len(c.frames))
	}

	c = NewFirstFrames(2)
	for _, width := range []int{30, 40, 50} {
		draw(t, firstFramesTerm(c, &out, width), &out, "one")
	}
	if len(c.frames) != 2 {
		t.Fatalf("the cache holds %d frames, want its bound, 2", len(c.frames))
	}

	none := NewFirstFrames(0)
	draw(t, firstFramesTerm(none, &out, 20), &out, "one")
	if len(none.frames) != 0 {
		t.Fatalf("a cache of 0 frames holds %d", len(none.frames))
	}
}

// TestFirstFramesCloseAlike checks that a program that wrote a kept first
// frame leaves the terminal as one that drew it: the same bytes on close.
func TestFirstFramesCloseAlike(t *testing.T) {
	t.Parallel()
	c := NewFirstFrames(4)
	var outA, outB bytes.Buffer
	a, b := firstFramesTerm(c, &outA, 20), firstFramesTerm(c, &outB, 20)
	draw(t, a, &outA, "x\ny\nz")
	draw(t, b, &outB, "x\ny\nz")
	outA.Reset()
	outB.Reset()
	if err := a.close(); err != nil {
		t.Fatal(err)
	}
	if err := b.close(); err != nil {
		t.Fatal(err)
	}
	if outA.String() != outB.String() || !strings.Contains(outA.String(), ansi.ResetModeAltScreenSaveCursor) {
		t.Errorf("closing after a drawn first frame wrote %q, after a kept one %q", outA.String(), outB.String())
	}
}
