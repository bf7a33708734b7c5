package pager

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/termimage"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// Pictures in the pager: a post's featured image under its header and each
// image of its body above the line that names it ("Image: ALT → PATH",
// which is thus the alt text under the picture), at most about half the
// window tall and the reading width wide. They are text lines of the
// content like any other, so they scroll with it: half blocks, or kitty
// Unicode placeholders (whose image is sent to the terminal once, with
// tea.Raw) when the terminal answered the kitty query. Sixel is not text,
// so the pager draws half blocks in terminals that have only sixel (read
// draws sixel). Images load one at a time, after the body, each showing
// when it is drawn.

// Files gives the pager a post's image files; see tui.Files, which is the
// same interface.
type Files interface {
	ImageFile(ctx context.Context, slug, ref string) (key string, data []byte, err error)
}

// imageTimeout bounds reading and drawing one picture.
const imageTimeout = 10 * time.Second

// picture is one of the open post's images, as far as it is drawn.
type picture struct {
	ref string             // as written in the markdown or the front matter
	req termimage.Request  // what it was drawn for
	pic *termimage.Picture // nil until drawn, or if it cannot be
	key string             // the file's content key
	err error              // why it is not shown
}

// imageMsg answers a request to draw one picture of the open post.
type imageMsg struct {
	seq int // the post's open request it is for
	ref string
	req termimage.Request
	key string
	pic *termimage.Picture
	err error
}

// imageState is what the pager knows of pictures for the session.
type imageState struct {
	off       bool           // the reader turned them off
	caps      termimage.Caps // what the terminal said it draws
	truecolor bool           // the terminal shows 24-bit colour
	refs      []string       // the open post's images, featured first
	pics      map[string]*picture
	loading   bool           // a picture is being drawn
	kittyIDs  map[string]int // kitty ids by file key and box, for the session
	kittyByID map[int]string // and the other way
	nextID    int
	// waitUntil is when to stop waiting for the terminal's answers to
	// the query (AwaitCaps) before drawing in half blocks; waiting is set
	// while a capsWaitMsg is on its way.
	waitUntil time.Time
	waiting   bool
}

// capsWaitMsg ends the wait for the terminal's answers.
type capsWaitMsg struct{}

// AwaitCaps says the terminal was just asked what it draws: pictures wait
// for its answers (SetCaps with Answered), at most d, so that a kitty
// terminal is not first sent half blocks.
func (p *Model) AwaitCaps(d time.Duration) {
	p.img.waitUntil = time.Now().Add(d)
}

// SetCaps says what the terminal draws (its answers to termimage.Query)
// and whether it shows 24-bit colour; the open post's pictures are drawn
// again if that changes how.
func (p *Model) SetCaps(caps termimage.Caps, truecolor bool) tea.Cmd {
	before, answered := p.protocol(), p.img.caps.Answered
	p.img.caps, p.img.truecolor = caps, truecolor
	if p.protocol() == before && (answered || !caps.Answered) {
		return nil
	}
	return p.requestImages()
}

// Pictures reports, for each image of the open post (the featured one
// first), whether its picture is drawn for the current window.
func (p *Model) Pictures() []bool {
	req, ok := p.imageRequest()
	out := make([]bool, len(p.img.refs))
	for i, ref := range p.img.refs {
		pc := p.img.pics[ref]
		out[i] = ok && pc != nil && pc.pic != nil && pc.req == req
	}
	return out
}

// ImagesOn reports whether the pager draws pictures.
func (p *Model) ImagesOn() bool { return p.opts.Files != nil && !p.img.off }

// protocol is how pictures are drawn in this terminal.
func (p *Model) protocol() termimage.Protocol {
	return p.img.caps.Best(p.img.truecolor, false)
}

// toggleImages turns pictures off or on.
func (p *Model) toggleImages() tea.Cmd {
	if p.opts.Files == nil {
		p.note = "this blog shows no pictures here"
		return nil
	}
	p.img.off = !p.img.off
	if p.img.off {
		p.note = "pictures off"
	} else {
		p.note = "pictures on"
	}
	p.setContent(true)
	return p.requestImages()
}

// imageRequest is the box the open post's pictures are drawn in: the
// column's width less its margins, at most half the window's height.
func (p *Model) imageRequest() (termimage.Request, bool) {
	w := p.columnWidth()
	cols := w - 2*theme.MarginWidth(w)
	rows := max(1, p.height/2)
	if cols < 4 || p.height < 4 {
		return termimage.Request{}, false
	}
	return termimage.Request{Cols: cols, MaxRows: rows, Protocol: p.protocol()}, true
}

// requestImages starts drawing the next picture of the open post that is
// not drawn for the current box, one at a time.
func (p *Model) requestImages() tea.Cmd {
	if !p.ImagesOn() || p.post == nil || p.img.loading || p.body == "" {
		return nil
	}
	if wait := time.Until(p.img.waitUntil); !p.img.caps.Answered && wait > 0 {
		if p.img.waiting {
			return nil
		}
		p.img.waiting = true
		return tea.Tick(wait, func(time.Time) tea.Msg { return capsWaitMsg{} })
	}
	req, ok := p.imageRequest()
	if !ok {
		return nil
	}
	for _, ref := range p.img.refs {
		pc := p.img.pics[ref]
		if pc != nil && pc.req == req {
			continue
		}
		p.img.loading = true
		return loadImage(p.opts.Files, p.opts.Pictures, p.seq, p.rev.Slug, ref, req)
	}
	return nil
}

// loadImage reads and draws one picture.
func loadImage(files Files, r *termimage.Renderer, seq int, slug, ref string, req termimage.Request) tea.Cmd {
	return func() (msg tea.Msg) {
		out := imageMsg{seq: seq, ref: ref, req: req}
		defer func() {
			if v := recover(); v != nil {
				out.err = fmt.Errorf("drawing %s: panic: %v", ref, v)
				msg = out
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), imageTimeout)
		defer cancel()
		key, data, err := files.ImageFile(ctx, slug, ref)
		if err != nil {
			out.err = fmt.Errorf("reading image %s: %w", ref, err)
			return out
		}
		out.key = key
		if pic, err, ok := r.Cached(key, req); ok {
			out.pic, out.err = pic, err
			return out
		}
		out.pic, out.err = r.Picture(ctx, key, data, req)
		if out.err != nil {
			out.err = fmt.Errorf("drawing image %s: %w", ref, out.err)
		}
		return out
	}
}

// applyImage takes a drawn picture, shows it, and starts the next; a
// kitty picture new to the terminal is sent to it first.
func (p *Model) applyImage(msg imageMsg) tea.Cmd {
	p.img.loading = false
	if msg.seq != p.seq || !p.open {
		return p.requestImages() // for a post no longer open
	}
	if p.img.pics == nil {
		p.img.pics = map[string]*picture{}
	}
	pc := &picture{ref: msg.ref, req: msg.req, pic: msg.pic, key: msg.key, err: msg.err}
	var send tea.Cmd
	if msg.pic != nil && msg.pic.Protocol == termimage.Kitty {
		id, fresh := p.kittyID(msg.key, msg.req)
		if fresh {
			send = tea.Raw(msg.pic.KittyTransmit(id))
		}
		// The terminal has the image: the session keeps its shape only.
		pc.pic = msg.pic.Shape()
	}
	p.img.pics[msg.ref] = pc
	if msg.pic != nil && !p.img.off {
		p.setContentAnchored()
	}
	next := p.requestImages()
	switch {
	case send == nil:
		return next
	case next == nil:
		return send
	}
	return tea.Batch(send, next)
}

// kittyID returns the id the terminal knows the picture of file key in
// box req by, and whether it is new (to be sent). Ids are 1 to 255 (a
// 256-colour foreground, which no colour profile changes), given in turn:
// a new picture takes the id given longest ago, which is never one of the
// open post's (at most render.MaxImages of them).
func (p *Model) kittyID(key string, req termimage.Request) (int, bool) {
	k := kittyKey(key, req)
	if id, ok := p.img.kittyIDs[k]; ok {
		return id, false
	}
	if p.img.kittyIDs == nil {
		p.img.kittyIDs, p.img.kittyByID = map[string]int{}, map[int]string{}
	}
	p.img.nextID = p.img.nextID%255 + 1
	if old := p.img.kittyByID[p.img.nextID]; old != "" {
		delete(p.img.kittyIDs, old)
	}
	p.img.kittyIDs[k] = p.img.nextID
	p.img.kittyByID[p.img.nextID] = k
	return p.img.nextID, true
}

// kittyKey names a picture for kittyID.
func kittyKey(key string, req termimage.Request) string {
	return fmt.Sprintf("%s %d %d", key, req.Cols, req.MaxRows)
}

// pictureLines returns the lines of the picture of ref, with the
// column's margin, or nil if it is not drawn (yet) for the current box.
func (p *Model) pictureLines(ref string, w int) []string {
	if !p.ImagesOn() {
		return nil
	}
	pc := p.img.pics[ref]
	req, ok := p.imageRequest()
	if pc == nil || pc.pic == nil || !ok || pc.req != req {
		return nil
	}
	id := 0
	if pc.pic.Protocol == termimage.Kitty {
		id = p.img.kittyIDs[kittyKey(pc.key, pc.req)]
		if id == 0 {
			return nil
		}
	}
	margin := theme.Margin(w)
	lines := pc.pic.Lines(id)
	out := make([]string, 0, len(lines)+1)
	for _, l := range lines {
		out = append(out, margin+l)
	}
	return out
}

// withPictures returns the body's lines with the pictures drawn above the
// lines that name their images, and the featured image's picture (to go
// under the header), if any.
func (p *Model) withPictures(body []string, w int) (featured, out []string) {
	if !p.ImagesOn() || len(p.img.refs) == 0 {
		return nil, body
	}
	refs := p.img.refs
	if f := p.post.Meta.Image; f != "" && strings.TrimSpace(f) == refs[0] {
		if lines := p.pictureLines(refs[0], w); lines != nil {
			featured = append([]string{""}, lines...)
		}
		refs = refs[1:]
	}
	// Each image's line is the next that names it, after the last found.
	at := map[int][]string{}
	from := 0
	for _, ref := range refs {
		if i := render.ImageLine(body, from, ref); i >= 0 {
			if lines := p.pictureLines(ref, w); lines != nil {
				at[i] = append(at[i], lines...)
			}
			from = i + 1
		}
	}
	if len(at) == 0 {
		return featured, body
	}
	out = make([]string, 0, len(body)+len(at)*8)
	for i, l := range body {
		out = append(out, at[i]...)
		out = append(out, l)
	}
	return featured, out
}

// setContentAnchored lays the post out again keeping the line at the top
// of the window at the top, though pictures were added above it.
func (p *Model) setContentAnchored() {
	if p.vp.YOffset() == 0 {
		p.setContent(true)
		return
	}
	top := ""
	if y := p.vp.YOffset(); y < len(p.lines) {
		top = p.lines[y]
	}
	old := p.vp.YOffset()
	p.setContent(true)
	// Find the line that was at the top, nearest below its old place.
	for i := old; i < len(p.lines) && top != ""; i++ {
		if p.lines[i] == top {
			p.vp.SetYOffset(i)
			return
		}
	}
	p.vp.SetYOffset(old)
}
