package uv

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unsafe"
)

// TestKeysTableShared checks that readers with the default settings share
// one key table, equal to the one buildKeysTable makes, and that other
// settings still get their own.
func TestKeysTableShared(t *testing.T) {
	a := NewTerminalReader(strings.NewReader(""), "xterm-256color")
	b := NewTerminalReader(strings.NewReader(""), "dumb")
	if len(a.table) == 0 {
		t.Fatal("the default key table is empty")
	}
	if !sameMap(a.table, b.table) {
		t.Error("two readers with the default settings built two key tables")
	}
	want := buildKeysTable(0, "", false)
	if len(want) != len(a.table) {
		t.Fatalf("shared table has %d keys, buildKeysTable %d", len(a.table), len(want))
	}
	for seq, k := range want {
		if a.table[seq] != k {
			t.Errorf("shared table: %q is %v, want %v", seq, a.table[seq], k)
		}
	}
	if own := keysTable(flagCtrlAt, "xterm", false); sameMap(own, a.table) {
		t.Error("a reader with legacy flags got the shared default table")
	}
}

// sameMap reports whether a and b are the same map, not equal ones.
func sameMap(a, b map[string]Key) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// TestForget checks that a renderer that forgot the screen holds no copy of
// it, repaints the whole frame on its next render, and afterwards diffs as
// a renderer that never forgot.
func TestForget(t *testing.T) {
	frames := []string{"ABC\nDEF\nGHI", "ABC\nDXF\nGHI", "ABC\nDXF\nGHJ"}
	render := func(s *TerminalRenderer, buf *bytes.Buffer, frame string) string {
		t.Helper()
		scr := NewScreenBuffer(10, 3)
		NewStyledString(frame).Draw(scr, scr.Bounds())
		buf.Reset()
		s.Render(scr.RenderBuffer)
		if err := s.Flush(); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		return buf.String()
	}
	newRenderer := func(buf *bytes.Buffer) *TerminalRenderer {
		s := NewTerminalRenderer(buf, []string{"TERM=xterm-256color"})
		s.SetFullscreen(true)
		s.SetRelativeCursor(false)
		s.EnterAltScreen()
		return s
	}

	var kept, forgot bytes.Buffer
	k, f := newRenderer(&kept), newRenderer(&forgot)
	first := render(k, &kept, frames[0])
	if got := render(f, &forgot, frames[0]); got != first {
		t.Fatalf("first frames differ: %q and %q", first, got)
	}

	f.Forget()
	if f.curbuf != nil {
		t.Fatal("Forget kept the copy of the screen")
	}
	// The same frame again: the renderer that kept the screen writes
	// nothing, the one that forgot it paints it all.
	if got := render(k, &kept, frames[0]); got != "" {
		t.Errorf("unchanged frame wrote %q", got)
	}
	repaint := render(f, &forgot, frames[0])
	if !strings.HasPrefix(repaint, "\x1b[H\x1b[2J") || !strings.Contains(repaint, "ABC\r\nDEF\r\nGHI") {
		t.Errorf("after Forget: want an erase and the whole frame, got %q", repaint)
	}

	// From then on both renderers diff alike.
	for _, frame := range frames[1:] {
		want := render(k, &kept, frame)
		if got := render(f, &forgot, frame); got != want {
			t.Errorf("frame %q after Forget: got %q, a renderer that kept the screen wrote %q", frame, got, want)
		}
	}
}

// TestScreenCopiesAreBlank checks the pool Forget gives copies back to: a
// copy taken from it is blank, of the size asked, with no line touched,
// whatever its last renderer left in it.
func TestScreenCopiesAreBlank(t *testing.T) {
	var pool renderBufferPool
	reused := 0
	for i := range 20 {
		scr := NewScreenBuffer(10, 3)
		NewStyledString("\x1b[1;31mABCDEFGHIJ\nKLM\x1b[m").Draw(scr, scr.Bounds())
		dirty := scr.RenderBuffer
		dirty.TouchLine(0, 1, 5)
		pool.put(dirty)
		w, h := 5+i%2*10, 2+i%3
		got := pool.get(w, h)
		if got == dirty {
			reused++
		}
		if got.Width() != w || got.Height() != h || len(got.Touched) != h {
			t.Fatalf("asked for %dx%d, got %dx%d with %d touched rows", w, h, got.Width(), got.Height(), len(got.Touched))
		}
		for y := range h {
			if got.Touched[y] != nil {
				t.Errorf("row %d of a recycled copy is touched", y)
			}
			for x := range w {
				if c := got.CellAt(x, y); c == nil || !c.Equal(&EmptyCell) {
					t.Fatalf("cell %d,%d of a recycled copy is %#v, not blank", x, y, c)
				}
			}
		}
	}
	if reused == 0 {
		t.Error("the pool never gave a copy back")
	}

	// A renderer takes its copy from the pool, and Forget puts it back.
	var buf bytes.Buffer
	s := NewTerminalRenderer(&buf, []string{"TERM=xterm-256color"})
	s.SetFullscreen(true)
	scr := NewScreenBuffer(10, 3)
	NewStyledString("ABC").Draw(scr, scr.Bounds())
	s.Render(scr.RenderBuffer)
	if s.curbuf == nil {
		t.Fatal("no copy of the screen after a render")
	}
	s.Forget()
	if s.curbuf != nil {
		t.Fatal("Forget kept the copy")
	}
}

// TestCellsKeepNoFrame checks that the cells drawn from a styled string do
// not point into it: a renderer's copy of the screen would keep every frame
// one of its cells came from.
func TestCellsKeepNoFrame(t *testing.T) {
	frame := strings.Repeat("\x1b[1mab 회고 é\x1b[m 👍🏽 x\n", 3)
	lo := uintptr(unsafe.Pointer(unsafe.StringData(frame)))
	hi := lo + uintptr(len(frame))
	scr := NewScreenBuffer(20, 3)
	NewStyledString(frame).Draw(scr, scr.Bounds())
	seen := 0
	for y := range 3 {
		for x := range 20 {
			c := scr.CellAt(x, y)
			if c == nil || c.Content == "" {
				continue
			}
			seen++
			if p := uintptr(unsafe.Pointer(unsafe.StringData(c.Content))); p >= lo && p < hi {
				t.Errorf("cell %d,%d (%q) points into the frame it was drawn from", x, y, c.Content)
			}
		}
	}
	if seen < 3*10 {
		t.Fatalf("only %d cells drawn", seen)
	}
	if got := scr.CellAt(3, 0).Content; got != "회" {
		t.Errorf("cell 3,0 is %q, want 회", got)
	}
}
