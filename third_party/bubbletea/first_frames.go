package tea

import (
	"fmt"
	"strings"
	"sync"

	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// FirstFrames keeps the bytes programs wrote for their first frame, so that
// a program whose first frame is one another program already drew, on a
// terminal set up alike, writes those bytes instead of drawing the frame
// cell by cell. A server that runs one program per connection, where most
// connections open on the same screen, pays for that screen's first paint
// once instead of once a connection. (sshblog's fork: see PATCHES.md.)
//
// Only a first frame on the alternate screen, with no cursor, terminal
// colours, progress bar or program status, is kept. A program that wrote
// kept bytes holds no copy of the screen afterwards, as after
// [WithScreenRelease], so its next frame is painted in full.
//
// A FirstFrames is safe for concurrent use. Give the same one to every
// program with [WithFirstFrames].
type FirstFrames struct {
	mu     sync.Mutex
	max    int
	frames map[firstFrameKey][]byte // never written to once kept
}

// Bounds of what FirstFrames keeps.
const (
	maxFirstFrameContent = 64 << 10  // the longest view content kept
	maxFirstFrameBytes   = 256 << 10 // the most bytes one frame may have written
)

// NewFirstFrames returns a FirstFrames that keeps at most n frames; it
// keeps none if n is not positive.
func NewFirstFrames(n int) *FirstFrames {
	return &FirstFrames{max: n, frames: make(map[firstFrameKey][]byte, max(n, 0))}
}

// WithFirstFrames makes the program write its first frame from c when c has
// it, and keep it there when not. See [FirstFrames].
func WithFirstFrames(c *FirstFrames) ProgramOption {
	return func(p *Program) {
		p.firstFrames = c
	}
}

// firstFrameKey is everything a renderer's first frame depends on.
type firstFrameKey struct {
	content, title string
	env, queued    string // the environment, NUL-separated; what was queued before the frame
	width, height  int
	changes        int // resizes and clears before the frame
	profile        colorprofile.Profile
	method         ansi.Method
	mouse          MouseMode
	keyboard       KeyboardEnhancements

	noBracketedPaste, reportFocus                                      bool
	hardTabs, backspace, mapnl, syncd, noInput, starting, pendingErase bool
}

// get returns the bytes kept for k.
func (c *FirstFrames) get(k firstFrameKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out, ok := c.frames[k]
	return out, ok
}

// put keeps out as the bytes of the frame k, in place of some other frame
// when c is full. Nothing may write to out afterwards.
func (c *FirstFrames) put(k firstFrameKey, out []byte) {
	if c.max <= 0 || len(out) > maxFirstFrameBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.frames[k]; !ok && len(c.frames) >= c.max {
		for old := range c.frames {
			delete(c.frames, old)
			break
		}
	}
	c.frames[k] = out
}

// firstFrameKey returns the key of the frame view, and whether it is one
// FirstFrames keeps: the renderer's first, on the alternate screen, with
// nothing the key leaves out. queued is what was queued to go with it. The
// caller holds s.mu.
func (s *cursedRenderer) firstFrameKey(view *View, queued string) (firstFrameKey, bool) {
	if s.lastView != nil || !view.AltScreen || view.Cursor != nil ||
		view.ForegroundColor != nil || view.BackgroundColor != nil ||
		view.ProgressBar != nil || view.ProgramStatus != nil ||
		len(view.Content) > maxFirstFrameContent {
		return firstFrameKey{}, false
	}
	return firstFrameKey{
		content:          view.Content,
		title:            view.WindowTitle,
		env:              strings.Join(s.env, "\x00"),
		queued:           queued,
		width:            s.width,
		height:           s.height,
		changes:          s.changes,
		profile:          s.profile,
		method:           s.method,
		mouse:            view.MouseMode,
		keyboard:         view.KeyboardEnhancements,
		noBracketedPaste: view.DisableBracketedPasteMode,
		reportFocus:      view.ReportFocus,
		hardTabs:         s.hardTabs,
		backspace:        s.backspace,
		mapnl:            s.mapnl,
		syncd:            s.syncdUpdates,
		noInput:          s.noInput,
		starting:         s.starting,
		pendingErase:     s.pendingErase,
	}, true
}

// writeFirstFrame writes out, the kept bytes of the first frame view, and
// leaves the renderer as drawing it would, but holding no copy of the
// screen: the screen is set up for the alternate screen, to be erased and
// painted in full on the next frame, with the cursor where the bytes left
// it, which the renderer does not know. The caller holds s.mu.
func (s *cursedRenderer) writeFirstFrame(view View, area uv.Rectangle, out []byte) error {
	s.starting = false
	s.pendingErase = false
	s.area = area
	enterAltScreen(s, false)
	s.scr.Forget()
	s.scr.SetPosition(-1, -1)
	s.buf.Reset() // the queued sequences are in out
	if s.logger != nil {
		s.logger.Printf("output: %q", out)
	}
	if _, err := s.w.Write(out); err != nil {
		return fmt.Errorf("bubbletea: error writing a kept first frame: %w", err)
	}
	s.lastView = &view
	return nil
}
