package termimage

import (
	"bytes"
	"strconv"
	"strings"
)

// Asking the terminal. A terminal says which graphics it has only when
// asked: [Query] is a kitty graphics query (a one-pixel image the terminal
// checks and does not keep, answered "OK" by one that speaks the protocol
// and ignored by the rest) followed by a request for the primary device
// attributes (DA1), which every terminal answers, listing 4 when it has
// sixel. DA1's answer thus comes last, and ends the wait.

// QueryID is the image id of the kitty query; its answer names it.
const QueryID = 7311

// Query is what is written to a terminal to ask what it draws.
const Query = "\x1b_Gi=7311,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\" + "\x1b[c"

// Caps is what a terminal said it draws.
type Caps struct {
	Kitty bool // it answered the kitty graphics query with OK
	Sixel bool // its device attributes list sixel (4)
	// Answered is set once its device attributes came: every answer
	// there is to wait for is in.
	Answered bool
}

// Best is the protocol for a terminal with caps, in a full-screen
// program (the pager) or a stream (read, inline): kitty if it said so,
// then sixel (in a stream only: a sixel image is not text, and the
// pager's screen is), and half blocks in 24-bit or 256 colours
// otherwise.
func (c Caps) Best(truecolor, inline bool) Protocol {
	switch {
	case c.Kitty:
		return Kitty
	case c.Sixel && inline:
		return Sixel
	case truecolor:
		return Blocks24
	}
	return Blocks256
}

// KittyAnswer reports whether apc, a whole APC sequence from the terminal
// (ESC _ ... ESC \), is a good answer to [Query].
func KittyAnswer(apc string) bool {
	s := strings.TrimPrefix(apc, "\x1b_")
	s = strings.TrimPrefix(s, "\x9f")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "\x1b\\"), "\x9c")
	if !strings.HasPrefix(s, "G") {
		return false
	}
	keys, msg, ok := strings.Cut(s[1:], ";")
	if !ok || msg != "OK" {
		return false
	}
	for _, kv := range strings.Split(keys, ",") {
		if kv == "i="+strconv.Itoa(QueryID) {
			return true
		}
	}
	return false
}

// DA1Sixel reports whether device attributes list sixel graphics (4).
func DA1Sixel(attrs []int) bool {
	for _, a := range attrs {
		if a == 4 {
			return true
		}
	}
	return false
}

// Truecolor reports whether the terminal's environment says it shows
// 24-bit colour (COLORTERM, TERM, TERM_PROGRAM). Hints only choose the
// colours of half blocks: no graphics protocol is used on a hint.
func Truecolor(colorterm, term, termProgram string) bool {
	switch strings.ToLower(colorterm) {
	case "truecolor", "24bit":
		return true
	}
	t := strings.ToLower(term)
	if strings.Contains(t, "direct") || strings.Contains(t, "kitty") || strings.Contains(t, "ghostty") || strings.Contains(t, "wezterm") || strings.Contains(t, "truecolor") {
		return true
	}
	switch strings.ToLower(termProgram) {
	case "wezterm", "ghostty", "iterm.app", "vscode":
		return true
	}
	return false
}

// Detector reads a terminal's answers to [Query] from its input stream,
// in whatever pieces they come, among other input (keys typed meanwhile)
// and garbage. It keeps at most a few hundred bytes, and gives up after
// reading maxDetectInput bytes.
type Detector struct {
	Caps
	buf  []byte
	seen int
}

// maxDetectInput is the most input a Detector reads before it gives up.
const maxDetectInput = 16 << 10

// maxPending is the most of an unfinished sequence a Detector keeps.
const maxPending = 512

// Done reports whether there is nothing more to wait for: the device
// attributes came, or too much input did.
func (d *Detector) Done() bool { return d.Answered || d.seen >= maxDetectInput }

// Feed reads more of the terminal's input, and reports [Detector.Done].
func (d *Detector) Feed(b []byte) bool {
	if d.Done() {
		return true
	}
	b = b[:min(len(b), maxDetectInput-d.seen)]
	d.seen += len(b)
	d.buf = append(d.buf, b...)
	for !d.Answered {
		i := bytes.IndexByte(d.buf, 0x1b)
		if i < 0 {
			d.buf = d.buf[:0]
			break
		}
		d.buf = d.buf[i:]
		n, complete := d.sequence(d.buf)
		if !complete {
			if len(d.buf) > maxPending {
				d.buf = d.buf[1:] // not a sequence worth waiting for
				continue
			}
			break
		}
		d.buf = d.buf[n:]
	}
	d.buf = append(d.buf[:0:0], d.buf...) // do not keep what was consumed
	return d.Done()
}

// sequence looks at the escape sequence b starts with: it returns its
// length and whether it is complete, taking an answer it recognises. A
// sequence it does not recognise is one byte long (the ESC is skipped).
func (d *Detector) sequence(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	switch b[1] {
	case '_': // APC ... ST
		end := bytes.Index(b, []byte("\x1b\\"))
		if end < 0 {
			return 0, false
		}
		if KittyAnswer(string(b[:end+2])) {
			d.Kitty = true
		}
		return end + 2, true
	case '[': // CSI params final
		i := 2
		for i < len(b) && b[i] >= 0x20 && b[i] <= 0x3f {
			i++
		}
		if i == len(b) {
			return 0, false
		}
		if b[i] == 'c' && i > 2 && b[2] == '?' {
			var attrs []int
			for _, f := range strings.Split(string(b[3:i]), ";") {
				if v, err := strconv.Atoi(f); err == nil {
					attrs = append(attrs, v)
				}
			}
			d.Sixel = d.Sixel || DA1Sixel(attrs)
			d.Answered = true
		}
		return i + 1, true
	}
	return 1, true
}
