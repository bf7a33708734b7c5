package command

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/termimage"
)

// Pictures in read: at a terminal (ssh -t), read asks the terminal what
// it draws (termimage.Query) and waits a moment for its answers; it then
// draws each of the post's images above the line that names it, and the
// featured image under the header, as the pager does: kitty graphics or
// sixel if the terminal said it has them, half blocks otherwise. Without
// a terminal it prints the lines only, as before.

// askTimeout bounds the wait for the terminal's answers.
const askTimeout = 1500 * time.Millisecond

// readMargin is the left margin of read's body, the renderer's.
const readMargin = 2

// drawsPictures reports whether read draws pictures in this session.
func (c *call) drawsPictures() bool {
	return c.Terminal && c.Files != nil && !c.NoImages
}

// askTerminal writes the query to the terminal and reads its answers
// from the session's input, for at most askTimeout. A terminal that does
// not answer has half blocks. The reader of the input may outlive the
// call, blocked, until the session ends.
func (c *call) askTerminal() termimage.Caps {
	if _, err := io.WriteString(c.Stdout, termimage.Query); err != nil || c.Stdin == nil {
		return termimage.Caps{}
	}
	answers := make(chan []byte, 8)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(answers)
		for {
			buf := make([]byte, 256)
			n, err := c.Stdin.Read(buf)
			if n > 0 {
				select {
				case answers <- buf[:n]:
				case <-stop:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	var d termimage.Detector
	timer := time.NewTimer(askTimeout)
	defer timer.Stop()
	for !d.Done() {
		select {
		case b, ok := <-answers:
			if !ok {
				return d.Caps
			}
			d.Feed(b)
		case <-timer.C:
			return d.Caps
		case <-c.ctx.Done():
			return d.Caps
		}
	}
	return d.Caps
}

// withPictures returns read's header and body with the post's pictures
// drawn in: featured (if any) under the header, the body's images above
// the lines that name them. A picture that cannot be drawn is left out.
func (c *call) withPictures(slug, featured string, body []byte, header, out string, w int) (string, string) {
	refs := render.ImageRefs(featured, body)
	if len(refs) == 0 {
		return header, out
	}
	r := c.Pictures
	if r == nil {
		r = termimage.NewRenderer(termimage.Limits{}, 0)
	}
	caps := c.askTerminal()
	rows := 20
	if c.Height > 0 {
		rows = max(1, c.Height/2)
	}
	req := termimage.Request{Cols: w - 2*readMargin, MaxRows: rows, Protocol: caps.Best(c.Truecolor, true)}
	draw := func(ref string) string {
		ctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
		defer cancel()
		key, data, err := c.Files.ImageFile(ctx, slug, ref)
		if err != nil {
			return ""
		}
		pic, err := r.Picture(ctx, key, data, req)
		if err != nil {
			return ""
		}
		margin := strings.Repeat(" ", readMargin)
		s := strings.TrimSuffix(pic.Inline(), "\n")
		if pic.Protocol == termimage.Blocks24 || pic.Protocol == termimage.Blocks256 {
			return margin + strings.ReplaceAll(s, "\n", "\n"+margin)
		}
		return margin + s
	}
	if featured != "" && strings.TrimSpace(featured) == refs[0] {
		if pic := draw(refs[0]); pic != "" {
			header += pic + "\n"
		}
		refs = refs[1:]
	}
	lines := strings.Split(out, "\n")
	at := map[int]string{}
	from := 0
	for _, ref := range refs {
		i := render.ImageLine(lines, from, ref)
		if i < 0 {
			continue
		}
		from = i + 1
		if pic := draw(ref); pic != "" {
			at[i] += pic + "\n"
		}
	}
	if len(at) == 0 {
		return header, out
	}
	var b strings.Builder
	for i, l := range lines {
		b.WriteString(at[i])
		b.WriteString(l)
		if i < len(lines)-1 {
			b.WriteByte('\n')
		}
	}
	return header, b.String()
}
