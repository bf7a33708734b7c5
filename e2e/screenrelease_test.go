package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// TestScreenRelease drives two blogs with the same keys, one whose sessions
// forget their screen after 150 ms of drawing nothing (and so repaint it in
// full on the next key) and one that keeps it. Between keys both sit idle
// past the release; after each key the two screens, read with their colours
// and attributes, must be the same.
func TestScreenRelease(t *testing.T) {
	const release = 150 * time.Millisecond
	forgets, keeps := newBlog(t), newBlog(t)
	forgets.start("--screen-release", release.String())
	keeps.start("--screen-release", "0")
	c := newClient(t, "visitor")
	a := newScreen(t, 80, 24, c.sshCommandLine(forgets))
	b := newScreen(t, 80, 24, c.sshCommandLine(keeps))
	a.waitText("24년 3월 회고")
	b.waitText("24년 3월 회고")

	for _, step := range screenSteps {
		time.Sleep(3 * release) // both idle: one forgets its screen
		a.keys(step.keys...)
		b.keys(step.keys...)
		a.waitText(step.want)
		sameScreens(t, strings.Join(step.keys, " "), a, b, 80, 24)
	}

	// A window resized while its session holds no copy of the screen.
	for _, s := range []*screen{a, b} {
		s.waitFor("the filter to close", func(s string) bool { return !strings.Contains(s, "Filter:") })
	}
	time.Sleep(3 * release)
	a.keys("Enter")
	b.keys("Enter")
	a.waitText("요즘은")
	time.Sleep(3 * release)
	a.resize(100, 30)
	b.resize(100, 30)
	a.waitFor("the post at 100 columns", func(s string) bool { return maxWidth(s) > 80 })
	sameScreens(t, "a resize", a, b, 100, 30)
}

// screenSteps are keys that go through the reader's screens, each with
// text the screen shows after them.
var screenSteps = []struct {
	keys []string
	want string
}{
	{[]string{"Enter"}, "요즘은"},
	{[]string{"Space"}, "%"},
	{[]string{"g"}, "요즘은"},
	{[]string{"q"}, "24년 3월 회고"},
	{[]string{"?"}, "filter"},
	{[]string{"?"}, "24년 3월 회고"},
	{[]string{"/"}, "Filter"},
	{[]string{"Escape"}, "24년 3월 회고"},
}

// TestFirstFrameKept opens two sessions on one blog, one after the other,
// alike: the second is sent the bytes of the first's first frame, kept by
// the server (tea.FirstFrames), instead of drawing it, and holds no copy
// of the screen afterwards, so its next frame is a full repaint. After the
// first frame and after each key the two screens must be the same.
func TestFirstFrameKept(t *testing.T) {
	b := newBlog(t)
	b.start("--screen-release", "0")
	c := newClient(t, "visitor")
	drawn := newScreen(t, 80, 24, c.sshCommandLine(b))
	drawn.waitText("24년 3월 회고")
	kept := newScreen(t, 80, 24, c.sshCommandLine(b))
	kept.waitText("24년 3월 회고")
	sameScreens(t, "the first frame", drawn, kept, 80, 24)

	// What each writes from here on: the kept session's next frame erases
	// the screen and paints it in full, the drawn one's writes what changed.
	out := map[*screen]string{}
	for _, s := range []*screen{drawn, kept} {
		out[s] = filepath.Join(t.TempDir(), "output")
		s.tmux("pipe-pane", "-o", "-t", s.name, "cat > "+out[s])
	}
	for i, step := range screenSteps {
		drawn.keys(step.keys...)
		kept.keys(step.keys...)
		drawn.waitText(step.want)
		sameScreens(t, strings.Join(step.keys, " "), drawn, kept, 80, 24)
		if i > 0 {
			continue
		}
		erased := func(s *screen) bool {
			b, _ := os.ReadFile(out[s])
			return strings.Contains(string(b), ansi.EraseEntireScreen)
		}
		for deadline := time.Now().Add(5 * time.Second); !erased(kept) && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		if !erased(kept) || erased(drawn) {
			t.Fatalf("after the first key the second session repainted in full: %v, the first: %v; want only the second, sent the kept first frame", erased(kept), erased(drawn))
		}
	}
}

// sameScreens waits until a and b look the same, cell by cell, colours and
// attributes included, and fails the test with both after 15 seconds.
func sameScreens(t *testing.T, after string, a, b *screen, width, height int) {
	t.Helper()
	var sa, sb, diff string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		sa = a.tmux("capture-pane", "-p", "-e", "-t", a.name)
		sb = b.tmux("capture-pane", "-p", "-e", "-t", b.name)
		if diff = lookDifferent(sa, sb, width, height); diff == "" {
			return
		}
	}
	t.Fatalf("after %s, the screen drawn afresh differs from the one diffed: %s\n%q\n%q", after, diff, sa, sb)
}

// lookDifferent compares two screens captured with their escape sequences
// as a reader sees them, and says where they first differ, or returns "".
// A blank cell's foreground colour and text attributes cannot be seen, and
// tmux keeps what a renderer happened to write there, so they are left out.
func lookDifferent(a, b string, width, height int) string {
	ca, cb := uv.NewScreenBuffer(width, height), uv.NewScreenBuffer(width, height)
	uv.NewStyledString(a).Draw(ca, ca.Bounds())
	uv.NewStyledString(b).Draw(cb, cb.Bounds())
	for y := range height {
		for x := range width {
			if sa, sb := seen(ca.CellAt(x, y)), seen(cb.CellAt(x, y)); sa != sb {
				return fmt.Sprintf("row %d column %d: %s and %s", y+1, x+1, sa, sb)
			}
		}
	}
	return ""
}

// seen describes what a reader sees of a cell.
func seen(c *uv.Cell) string {
	if c == nil {
		return "nothing"
	}
	st := c.Style
	if strings.TrimSpace(c.Content) == "" {
		st.Fg = nil
		st.Attrs &= uv.AttrReverse
	}
	return fmt.Sprintf("%q %s", c.Content, st.String())
}

// TestLookDifferent checks the comparison TestScreenRelease relies on.
func TestLookDifferent(t *testing.T) {
	base := "\x1b[38;5;252m회고\x1b[39m  \x1b[48;5;63m tag \x1b[49m\n\x1b[38;5;252m   \x1b[39m"
	for _, c := range []struct {
		other string
		same  bool
	}{
		{base, true},
		{"\x1b[38;5;252m회고\x1b[39m  \x1b[48;5;63m tag \x1b[49m\n", true},   // a blank line's colour
		{"\x1b[38;5;250m회고\x1b[39m  \x1b[48;5;63m tag \x1b[49m\n", false},  // a letter's colour
		{"\x1b[38;5;252m회고\x1b[39m  \x1b[48;5;64m tag \x1b[49m\n", false},  // a background
		{"\x1b[1;38;5;252m회고\x1b[0m  \x1b[48;5;63m tag \x1b[49m\n", false}, // bold
		{"\x1b[38;5;252m회교\x1b[39m  \x1b[48;5;63m tag \x1b[49m\n", false},  // a letter
		{"\x1b[38;5;252m회고\x1b[39m   \x1b[48;5;63m tag \x1b[49m\n", false}, // a shift
	} {
		if got := lookDifferent(base, c.other, 20, 3) == ""; got != c.same {
			t.Errorf("lookDifferent(%q, %q): same=%v, want %v", base, c.other, got, c.same)
		}
	}
}
