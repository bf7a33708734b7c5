package termimage

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/png"
	"math"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/kitty"
	"github.com/charmbracelet/x/ansi/sixel"
)

// Protocol is how a picture is drawn in a terminal.
type Protocol int

// The protocols, from the plainest.
const (
	// Blocks256 is Unicode upper half blocks (▀), each cell two pixels
	// (the foreground above, the background below), in the 256 colours
	// of xterm. It is plain text with colours: any terminal shows it.
	Blocks256 Protocol = iota
	// Blocks24 is Blocks256 in 24-bit colour.
	Blocks24
	// Kitty is the kitty graphics protocol: a PNG sent to the terminal,
	// shown in a TUI by Unicode placeholders (U+10EEEE), which are text
	// and scroll with it.
	Kitty
	// Sixel is DEC sixel graphics.
	Sixel
)

// String names p.
func (p Protocol) String() string {
	switch p {
	case Blocks256:
		return "blocks-256"
	case Blocks24:
		return "blocks-24bit"
	case Kitty:
		return "kitty"
	case Sixel:
		return "sixel"
	}
	return "protocol(" + strconv.Itoa(int(p)) + ")"
}

// The size assumed of a terminal's cell, in pixels, for kitty and sixel
// (a cell is about twice as tall as it is wide). A half-block cell is 1 x
// 2 pixels.
const (
	CellWidth  = 10
	CellHeight = 20
)

// Request is the box a picture is drawn in, and how.
type Request struct {
	Cols     int      // the reading width, in columns
	MaxRows  int      // at most this many rows (about half the screen)
	Protocol Protocol // how it is drawn
}

// fit returns the picture's size in pixels and in cells for an image of
// natural size nat: as wide as the request allows, but no wider than the
// image at CellWidth pixels a column, and at most MaxRows tall, keeping
// the aspect.
func (q Request) fit(nat Size) (pw, ph, cols, rows int) {
	cw, ch := CellWidth, CellHeight
	if q.Protocol == Blocks24 || q.Protocol == Blocks256 {
		cw, ch = 1, 2
	}
	aspect := float64(nat.H) / float64(nat.W)
	cols = max(1, min(q.Cols, (nat.W+CellWidth-1)/CellWidth))
	pw = cols * cw
	ph = max(1, int(math.Round(float64(pw)*aspect)))
	if maxH := q.MaxRows * ch; ph > maxH {
		ph = maxH
		pw = max(1, int(math.Round(float64(ph)/aspect)))
		cols = (pw + cw - 1) / cw
	}
	rows = (ph + ch - 1) / ch
	return pw, ph, cols, rows
}

// Picture is an image encoded for one protocol and box.
type Picture struct {
	Protocol   Protocol
	Cols, Rows int      // the cells it covers
	lines      []string // half blocks: the rows of text
	payload    string   // kitty: the PNG in base64; sixel: the whole DCS sequence
}

// size is what p counts against a cache's limit, in bytes.
func (p *Picture) size() int {
	n := len(p.payload) + 64
	for _, l := range p.lines {
		n += len(l) + 16
	}
	return n
}

// Lines returns the picture as rows of text, each exactly Cols columns
// wide, to put between the lines of a text: the half blocks themselves,
// or for kitty the placeholders of the image the terminal knows as id (1
// to 255, sent with [Picture.KittyTransmit]). Sixel has no text form: nil.
func (p *Picture) Lines(id int) []string {
	switch p.Protocol {
	case Blocks24, Blocks256:
		return p.lines
	case Kitty:
		return placeholders(id, p.Cols, p.Rows)
	}
	return nil
}

// Shape returns p without its image data: enough for [Picture.Lines] of
// a kitty picture the terminal already has.
func (p *Picture) Shape() *Picture {
	return &Picture{Protocol: p.Protocol, Cols: p.Cols, Rows: p.Rows, lines: p.lines}
}

// KittyTransmit returns the sequence that gives the terminal p's image as
// id (1 to 255), with a virtual placement of Cols x Rows cells for
// [Picture.Lines] to show, asking for no reply. It is empty for the other
// protocols.
func (p *Picture) KittyTransmit(id int) string {
	if p.Protocol != Kitty {
		return ""
	}
	return kittyChunks(p.payload, fmt.Sprintf("a=T,U=1,f=100,t=d,q=2,i=%d,c=%d,r=%d", id, p.Cols, p.Rows))
}

// Inline returns the picture as it is written to a terminal's stream (the
// read command): the half-block rows with newlines, the kitty image shown
// at the cursor, or the sixel sequence; each leaves the cursor on the
// line under the picture.
func (p *Picture) Inline() string {
	switch p.Protocol {
	case Kitty:
		return kittyChunks(p.payload, fmt.Sprintf("a=T,f=100,t=d,q=2,c=%d", p.Cols)) + "\n"
	case Sixel:
		return p.payload + "\n"
	}
	return strings.Join(p.lines, "\n") + "\n"
}

// kittyChunkSize is the most base64 a kitty graphics command carries.
const kittyChunkSize = 4096

// kittyChunks splits a base64 payload into kitty graphics commands of at
// most kittyChunkSize bytes each, the first with keys.
func kittyChunks(payload, keys string) string {
	var b strings.Builder
	for first := true; first || payload != ""; first = false {
		chunk := payload[:min(len(payload), kittyChunkSize)]
		payload = payload[len(chunk):]
		more := "m=0"
		if payload != "" {
			more = "m=1"
		}
		b.WriteString("\x1b_G")
		if first {
			b.WriteString(keys + ",")
		}
		b.WriteString(more + ";" + chunk + "\x1b\\")
	}
	return b.String()
}

// placeholders returns rows of kitty Unicode placeholders for image id:
// its number is the foreground colour (256-colour, which no colour
// profile changes), each cell's row and column are diacritics.
func placeholders(id, cols, rows int) []string {
	out := make([]string, rows)
	var b strings.Builder
	for r := range rows {
		b.Reset()
		b.WriteString("\x1b[38;5;" + strconv.Itoa(id) + "m")
		for c := range cols {
			b.WriteRune(kitty.Placeholder)
			b.WriteRune(kitty.Diacritic(r))
			b.WriteRune(kitty.Diacritic(c))
		}
		b.WriteString("\x1b[39m")
		out[r] = b.String()
	}
	return out
}

// MaxPlaceholder is the most rows or columns kitty placeholders can number.
const MaxPlaceholder = 297

// encode encodes img (drawn at the picture's size) for the protocol.
func encode(img *image.RGBA, proto Protocol, cols, rows int) (*Picture, error) {
	p := &Picture{Protocol: proto, Cols: cols, Rows: rows}
	switch proto {
	case Blocks24, Blocks256:
		p.lines = blocks(img, proto == Blocks24)
		p.Rows = len(p.lines)
	case Kitty:
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("encoding a png for kitty: %w", err)
		}
		p.payload = base64.StdEncoding.EncodeToString(buf.Bytes())
	case Sixel:
		var buf bytes.Buffer
		if err := (&sixel.Encoder{}).Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("encoding sixel: %w", err)
		}
		p.payload = ansi.SixelGraphics(0, 1, 0, buf.Bytes())
	default:
		return nil, fmt.Errorf("encoding for %v: no such protocol", proto)
	}
	return p, nil
}

// blocks draws img as rows of upper half blocks: each cell's foreground is
// the pixel above, its background the pixel below. A transparent pixel
// leaves the terminal's own background. Each row is exactly as many
// columns wide as img is pixels, and ends with its colours reset.
func blocks(img *image.RGBA, truecolor bool) []string {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	rows := (h + 1) / 2
	out := make([]string, rows)
	var sb strings.Builder
	for r := range rows {
		sb.Reset()
		var lastFg, lastBg string
		for x := range w {
			top := pixel(img, x, 2*r)
			bot := rgb{} // not shown
			if 2*r+1 < h {
				bot = pixel(img, x, 2*r+1)
			}
			var fg, bg, glyph string
			switch {
			case top.a && bot.a:
				fg, bg, glyph = top.sgr(true, truecolor), bot.sgr(false, truecolor), "▀"
			case top.a:
				fg, bg, glyph = top.sgr(true, truecolor), "49", "▀"
			case bot.a:
				fg, bg, glyph = bot.sgr(true, truecolor), "49", "▄"
			default:
				fg, bg, glyph = lastFg, "49", " "
			}
			if fg != lastFg || bg != lastBg {
				sb.WriteString("\x1b[")
				switch {
				case fg != lastFg && bg != lastBg:
					sb.WriteString(fg + ";" + bg)
				case fg != lastFg:
					sb.WriteString(fg)
				default:
					sb.WriteString(bg)
				}
				sb.WriteByte('m')
				lastFg, lastBg = fg, bg
			}
			sb.WriteString(glyph)
		}
		sb.WriteString("\x1b[m")
		out[r] = sb.String()
	}
	return out
}

// rgb is a pixel: its colour, and whether it is shown (a: mostly opaque).
type rgb struct {
	r, g, b uint8
	a       bool
}

// pixel reads img at x, y. Colours are premultiplied in RGBA; a pixel
// more than half transparent is not shown, the rest is unpremultiplied.
func pixel(img *image.RGBA, x, y int) rgb {
	i := img.PixOffset(x+img.Rect.Min.X, y+img.Rect.Min.Y)
	p := img.Pix[i : i+4 : i+4]
	if p[3] < 128 {
		return rgb{}
	}
	if p[3] == 255 {
		return rgb{p[0], p[1], p[2], true}
	}
	un := func(c uint8) uint8 { return uint8(min(255, int(c)*255/int(p[3]))) }
	return rgb{un(p[0]), un(p[1]), un(p[2]), true}
}

// sgr is the SGR parameters that set c as the foreground (fg) or
// background colour.
func (c rgb) sgr(fg, truecolor bool) string {
	base := "48"
	if fg {
		base = "38"
	}
	if truecolor {
		return base + ";2;" + strconv.Itoa(int(c.r)) + ";" + strconv.Itoa(int(c.g)) + ";" + strconv.Itoa(int(c.b))
	}
	return base + ";5;" + strconv.Itoa(xterm256(c))
}

// xterm256 is the nearest of xterm's 6x6x6 cube and 24 greys to c.
func xterm256(c rgb) int {
	levels := [6]int{0, 95, 135, 175, 215, 255}
	near := func(v uint8) int {
		best, bd := 0, 1<<30
		for i, l := range levels {
			if d := (int(v) - l) * (int(v) - l); d < bd {
				best, bd = i, d
			}
		}
		return best
	}
	ri, gi, bi := near(c.r), near(c.g), near(c.b)
	dist := func(r, g, b int) int {
		dr, dg, db := int(c.r)-r, int(c.g)-g, int(c.b)-b
		return dr*dr + dg*dg + db*db
	}
	cube := 16 + 36*ri + 6*gi + bi
	cd := dist(levels[ri], levels[gi], levels[bi])
	avg := (int(c.r) + int(c.g) + int(c.b)) / 3
	gi2 := max(0, min(23, (avg-8+5)/10))
	gv := 8 + 10*gi2
	if dist(gv, gv, gv) < cd {
		return 232 + gi2
	}
	return cube
}
