package editor

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/termtext"
)

// The editor's text is a Bubbles text area, but the text area lays out and
// draws all of its text on every key: a 5,000-line post costs a fifth of a
// second a key, and it holds at most 10,000 lines. So the text area holds
// only a window of the document, the lines around the cursor, and the
// buffer keeps the rest. When the cursor comes near an edge of the window
// that is not an edge of the document, the window moves, and the screen
// stays as it was: the same line on the same row, the cursor where it was.

// maxReach caps the lines kept on either side of the cursor, for windows
// of absurd heights: the text area refuses more than 10,000 lines.
const maxReach = 3000

// buffer is the document being edited: a text area holding the window
// lines[lo:hi], and every line of the document in lines. While the text
// area holds the window, lines[lo:hi] may be out of date; flush brings it
// up to date. lines is never written to, only replaced, so a copy of a
// buffer keeps the document as it was (see guard).
type buffer struct {
	ta     textarea.Model
	lines  []string
	lo, hi int
	height int // the rows the text area shows

	// "Modified" compares the document with base without building it on
	// every key: if the lines outside the window are base's (outsideSame),
	// the document is base exactly when the window's text is baseMid.
	base        string
	outsideSame bool
	baseMid     string
	winText     string // the window's text after the last key
	modified    bool

	// vertical is whether the last key moved the cursor up or down, and
	// aim at least the column a run of such moves aims for: see settle.
	vertical bool
	aim      int
	frames   int // how many times the window was made, for tests

	edits int // counts the changes to the text
}

// newBuffer returns an empty buffer whose text area has no prompt, no line
// numbers and no limits, uses the terminal's cursor (which is where input
// methods draw the syllable being composed), and leaves the clipboard
// alone: the server's clipboard is not the author's, and terminals paste
// with bracketed paste.
func newBuffer() buffer {
	ta := textarea.New()
	ta.Prompt = ""
	ta.ShowLineNumbers = false
	ta.CharLimit = 0 // the size is checked when the post is saved
	ta.MaxHeight = 0 // no limit; the window keeps the text area small
	ta.MaxWidth = 0
	ta.EndOfBufferCharacter = ' '
	ta.KeyMap = newTextKeyMap()
	ta.SetVirtualCursor(false)
	ta.Focus() // with the terminal's cursor, this starts no timer
	b := buffer{ta: ta, lines: []string{""}, hi: 1, height: 1}
	b.ta.SetHeight(1)
	return b
}

// load replaces the document with text, which must be editable (see
// editable), and puts the cursor on line row at rune col, which is also
// the row on screen it shows on, if it can.
func (b *buffer) load(text string, row, col int) {
	b.lines = strings.Split(text, "\n")
	b.lo, b.hi = 0, 0
	b.base = text
	row = min(max(row, 0), len(b.lines)-1)
	b.reframe(row, col, row)
}

// text is the whole document.
func (b *buffer) text() string {
	before, after := b.lines[:b.lo], b.lines[b.hi:]
	n := len(b.winText)
	for _, l := range before {
		n += len(l) + 1
	}
	for _, l := range after {
		n += len(l) + 1
	}
	var s strings.Builder
	s.Grow(n)
	for _, l := range before {
		s.WriteString(l)
		s.WriteByte('\n')
	}
	s.WriteString(b.winText)
	for _, l := range after {
		s.WriteByte('\n')
		s.WriteString(l)
	}
	return s.String()
}

// size is the document's length in bytes.
func (b *buffer) size() int {
	n := len(b.winText)
	for _, l := range b.lines[:b.lo] {
		n += len(l) + 1
	}
	for _, l := range b.lines[b.hi:] {
		n += len(l) + 1
	}
	return n
}

// lineCount is the number of lines in the document.
func (b *buffer) lineCount() int {
	return len(b.lines) - (b.hi - b.lo) + b.ta.LineCount()
}

// position is the cursor's line and column, from 1, the column counted in
// characters.
func (b *buffer) position() (line, col int) {
	return b.lo + b.ta.Line() + 1, b.ta.Column() + 1
}

// rebase makes text the document is compared with: "modified" is whether
// the document differs from it.
func (b *buffer) rebase(text string) {
	b.base = text
	b.compareOutside()
	b.modified = !b.outsideSame || b.winText != b.baseMid
}

// setSize gives the text area w columns and h rows. The cursor stays on its
// row of the screen, and the screen's top line stays, if the width allows.
func (b *buffer) setSize(w, h int) {
	w, h = max(w, 1), max(h, 1)
	if w == b.ta.Width() && h == b.height {
		return
	}
	row, col, screenRow := b.cursor()
	b.ta.SetWidth(w)
	b.height = h
	b.ta.SetHeight(h)
	b.flush()
	b.reframe(row, col, screenRow)
}

// cursor is where the cursor is in the document, and the screen row it is
// on.
func (b *buffer) cursor() (row, col, screenRow int) {
	screenRow = 0
	if c := b.ta.Cursor(); c != nil {
		screenRow = c.Position.Y
	}
	return b.lo + b.ta.Line(), b.ta.Column(), screenRow
}

// cursorView is the text area's cursor, or nil if it cannot say where it
// is.
func (b *buffer) cursorView() (c *tea.Cursor) {
	defer func() {
		if recover() != nil {
			c = nil
		}
	}()
	return b.ta.Cursor()
}

// update passes a key to the text area, then moves the window if the
// cursor came near its edge.
func (b *buffer) update(msg tea.KeyPressMsg) {
	if msg.Text != "" {
		// An input method commits syllables in NFC already; other input
		// (decomposed jamo, combining accents) is made NFC here, since it
		// is how the post is stored.
		msg.Text = norm.NFC.String(msg.Text)
	}
	km := &b.ta.KeyMap
	b.vertical = key.Matches(msg, km.LineNext, km.LinePrevious, km.PageUp, km.PageDown)
	if b.vertical {
		b.aim = max(b.aim, b.ta.LineInfo().CharOffset)
	} else {
		b.aim = 0
	}
	b.ta, _ = b.ta.Update(msg)
	b.settle()
}

// settle moves the window if the cursor is too near one of its edges (or
// the window grew too big), and notes whether the document is modified.
//
// Moving the window makes the text area forget the column a run of moves
// up and down aims for, so between its soft and hard margins the window
// moves only when that column is not needed: after other keys, or when the
// cursor is in that column.
func (b *buffer) settle() {
	if v := b.ta.Value(); v != b.winText {
		b.winText = v
		b.edits++
	}
	hard, soft, reach := b.margins()
	r, n := b.ta.Line(), b.ta.LineCount()
	near := func(margin int) bool {
		return (b.lo > 0 && r < margin) || (b.hi < len(b.lines) && n-1-r < margin)
	}
	if near(hard) || n > 2*reach+soft ||
		near(soft) && (!b.vertical || b.ta.LineInfo().CharOffset >= b.aim) {
		row, col, screenRow := b.cursor()
		b.flush()
		b.reframe(row, col, screenRow)
		return // reframe settles
	}
	b.modified = !b.outsideSame || b.winText != b.baseMid
}

// margins are how near the cursor may come to an edge of the window before
// the window must move (hard) or should (soft), and how many lines it then
// keeps on either side of the cursor (reach). A key moves the cursor at
// most a screen's height (page up and down) and the screen follows it, so
// the hard margin is a screen's height: the text area never needs a line
// outside its window. The cost of a key grows with the window, so the rest
// is kept small.
func (b *buffer) margins() (hard, soft, reach int) {
	h := min(b.height, maxReach/3)
	hard = h + 2
	soft = hard + h/2 + 4
	return hard, soft, soft + h/2 + 8
}

// insert puts s at the cursor, as a paste does, and leaves the cursor after
// it. s is made editable first. It fails, changing nothing, if the document
// would grow past limit bytes.
func (b *buffer) insert(s string, limit int) error {
	s, _ = editable(s, true)
	if s == "" {
		return nil
	}
	if size := b.size(); size+len(s) > limit {
		return fmt.Errorf("too large: the post would be %s, over the limit of %s", post.FormatSize(int64(size+len(s))), post.FormatSize(int64(limit)))
	}
	row, col, screenRow := b.cursor()
	b.flush()
	line := b.lines[row]
	at := byteOffset(line, col)
	parts := strings.Split(s, "\n")
	last := len(parts) - 1
	newCol := utf8.RuneCountInString(parts[last])
	if last == 0 {
		newCol += col
	}
	parts[last] += line[at:]
	parts[0] = line[:at] + parts[0]
	b.lines = replaceLines(b.lines, row, row+1, parts)
	b.edits++
	b.reframe(row+last, newCol, screenRow+last)
	return nil
}

// jump moves the cursor to the start of the document, or to its end.
func (b *buffer) jump(end bool) {
	b.flush()
	if !end {
		b.reframe(0, 0, 0)
		return
	}
	last := len(b.lines) - 1
	b.reframe(last, utf8.RuneCountInString(b.lines[last]), b.height-1)
}

// flush writes the window's text back into lines.
func (b *buffer) flush() {
	win := strings.Split(b.ta.Value(), "\n")
	b.lines = replaceLines(b.lines, b.lo, b.hi, win)
	b.hi = b.lo + len(win)
}

// replaceLines returns a new slice of lines with lines[i:j] replaced by
// with; lines itself is left as it was.
func replaceLines(lines []string, i, j int, with []string) []string {
	out := make([]string, 0, len(lines)-(j-i)+len(with))
	out = append(out, lines[:i]...)
	out = append(out, with...)
	return append(out, lines[j:]...)
}

// guard runs f, which changes the buffer. The text area is not ours, and
// a session must outlive any input it fails on: if f panics, the buffer
// goes back to the document it had before, and guard returns the panic as
// an error.
func (b *buffer) guard(f func()) (err error) {
	saved := *b // lines is replaced, never written to: see buffer
	row, col, screenRow := b.cursor()
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		err = fmt.Errorf("the text area failed: %v", v)
		// The text area's own state may be broken, and shares memory with
		// the copy: the window is made again from the document.
		*b = saved
		b.lines = replaceLines(saved.lines, saved.lo, saved.hi, strings.Split(saved.winText, "\n"))
		b.hi = b.lo + strings.Count(saved.winText, "\n") + 1
		b.reframe(row, col, screenRow)
	}()
	f()
	return nil
}

// view draws the text area. If it fails, the window's lines are drawn
// plainly instead, from the cursor's line down.
func (b *buffer) view() (s string) {
	defer func() {
		if recover() != nil {
			lines := strings.Split(b.winText, "\n")
			lines = lines[min(b.ta.Line(), len(lines)-1):]
			lines = lines[:min(len(lines), b.height)]
			for i, l := range lines {
				lines[i] = termtext.Truncate(l, b.ta.Width(), "")
			}
			s = drawn(strings.Join(lines, "\n"))
		}
	}()
	return drawn(b.ta.View())
}

// reframe gives the text area a new window around the document's line row,
// with the cursor on it at rune col and on screenRow of the screen, if the
// text above allows. lines must be up to date.
func (b *buffer) reframe(row, col, screenRow int) {
	_, _, reach := b.margins()
	row = min(max(row, 0), len(b.lines)-1)
	b.lo = max(0, row-reach)
	b.hi = min(len(b.lines), row+reach+1)
	b.place(row-b.lo, col, min(max(screenRow, 0), b.height-1))
	b.frames++
	b.compareOutside()
	b.winText = b.ta.Value()
	b.modified = !b.outsideSame || b.winText != b.baseMid
}

// place fills the text area with the window and puts the cursor on the
// window's line r at rune c, scrolled so that the cursor is on screenRow.
//
// The text area has no call to move its cursor or to scroll, so place uses
// what it has. Inserting the text before the cursor at the start of the
// text after it leaves the cursor in place, with the view at the top. The
// text area then scrolls as little as it can to keep its cursor in view;
// so the cursor goes first to the row that must be at the bottom, then
// back up, to a place on the screen found by its coordinates.
func (b *buffer) place(r, c, screenRow int) {
	win := b.lines[b.lo:b.hi]
	line := win[r]
	at := byteOffset(line, c)
	c = utf8.RuneCountInString(line[:at])
	head := strings.Join(win[:r], "\n")
	if r > 0 {
		head += "\n"
	}
	head += line[:at]
	tail := line[at:]
	if r+1 < len(win) {
		tail += "\n" + strings.Join(win[r+1:], "\n")
	}
	b.ta.SetValue(tail)
	b.ta.MoveToBegin()
	b.ta.InsertString(head)

	v := 0 // the cursor's row in the whole window; the view is at the top
	if cur := b.ta.Cursor(); cur != nil {
		v = cur.Position.Y
	}
	if top := v - screenRow; top > 0 {
		b.ta.BeginSelection(0, top+b.height-1)
		b.ta.EndSelection()
		_ = b.ta.View() // the text area's viewport learns the new text, which bounds its scrolling
		b.ta.SetHeight(b.height)
		b.ta.BeginSelection(0, v-b.ta.ScrollYOffset())
		b.ta.EndSelection()
		if b.ta.Line() == r {
			b.ta.SetCursorColumn(c)
		} else {
			// Not where expected: put the cursor right, wherever the
			// screen ends up.
			b.ta.SetValue(tail)
			b.ta.MoveToBegin()
			b.ta.InsertString(head)
		}
	}
	_ = b.ta.View()
	b.ta.SetHeight(b.height) // in view, whatever happened
}

// compareOutside works out whether the lines outside the window are
// base's, and which part of base the window must then equal.
func (b *buffer) compareOutside() {
	b.outsideSame, b.baseMid = false, ""
	base := b.base
	start := 0
	for _, l := range b.lines[:b.lo] {
		end := start + len(l)
		if end >= len(base) || base[start:end] != l || base[end] != '\n' {
			return
		}
		start = end + 1
	}
	end := len(base)
	for i := len(b.lines) - 1; i >= b.hi; i-- {
		l := b.lines[i]
		from := end - len(l)
		if from-1 < start || base[from:end] != l || base[from-1] != '\n' {
			return
		}
		end = from - 1
	}
	b.outsideSame, b.baseMid = true, base[start:end]
}

// The text area holds neither tabs, nor carriage returns, nor control
// characters: it would turn a tab into four spaces and drop the rest. So
// each of them stands in the text area as a rune of the Supplementary
// Private Use Area-B, U+100000 plus its own value (U+FFFD, which it drops
// too, as U+1000FF), drawn on screen as its control picture (␉, ␍, ␛, ...),
// and turns back into itself when the text leaves the editor: bytes the
// author did not edit are saved exactly as they were.
const (
	standInBase = 0x100000
	standInFFFD = standInBase + 0xff
)

// needsStandIn reports whether the text area cannot hold r as it is.
func needsStandIn(r rune) bool {
	return r == '\t' || r == '\r' || r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f || r == utf8.RuneError
}

// isStandIn reports whether r is one of the editor's stand-ins.
func isStandIn(r rune) bool { return r >= standInBase && r <= standInFFFD }

// standIn returns the stand-in of r, which needs one.
func standIn(r rune) rune {
	if r == utf8.RuneError {
		return standInFFFD
	}
	return standInBase + r
}

// original returns the rune the stand-in r stands for.
func original(r rune) rune {
	if r == standInFFFD {
		return utf8.RuneError
	}
	return r - standInBase
}

// picture returns what the stand-in r is drawn as: one column, like r.
func picture(r rune) rune {
	switch c := original(r); {
	case c < 0x20:
		return 0x2400 + c // ␀ to ␟
	case c == 0x7f:
		return '␡' // ␡
	}
	return '␦' // ␦: a C1 control or U+FFFD
}

// editable returns s as the text area holds it: NFC, with stand-ins for
// tabs, carriage returns and control characters. For a paste, line ends
// become LF. The stand-ins themselves cannot be edited here: clash reports
// whether s held any (they are left out).
func editable(s string, paste bool) (text string, clash bool) {
	if paste {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	if !strings.ContainsFunc(s, func(r rune) bool { return needsStandIn(r) || isStandIn(r) }) {
		return norm.NFC.String(s), false
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for _, r := range s {
		switch {
		case isStandIn(r):
			clash = true
		case needsStandIn(r):
			b.WriteRune(standIn(r))
		default:
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String()), clash
}

// restore returns the text the editable text stands for.
func restore(text string) string {
	if !strings.ContainsFunc(text, isStandIn) {
		return text
	}
	return strings.Map(func(r rune) rune {
		if isStandIn(r) {
			return original(r)
		}
		return r
	}, text)
}

// drawn returns the text area's drawing with every stand-in shown as its
// picture.
func drawn(view string) string {
	if !strings.ContainsFunc(view, isStandIn) {
		return view
	}
	return strings.Map(func(r rune) rune {
		if isStandIn(r) {
			return picture(r)
		}
		return r
	}, view)
}

// byteOffset is the offset in s of its rune number n, or len(s).
func byteOffset(s string, n int) int {
	if n <= 0 {
		return 0
	}
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
