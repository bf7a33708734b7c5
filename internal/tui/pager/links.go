package pager

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"golang.org/x/text/unicode/norm"

	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// Links in the pager: tab and shift+tab go from link to link of the post,
// the status bar shows where the chosen one leads, enter follows a link to
// another post of the blog, and backspace comes back, like a browser's
// history.

// link is a link of a post: its text and where it leads.
type link struct {
	text, url string
}

// maxLinks bounds the links the pager keeps of one post.
const maxLinks = 500

// postLinks returns the links of a post's markdown, in order.
func postLinks(body []byte) []link {
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	src := []byte(termtext.Sanitize(string(body)))
	doc := md.Parser().Parse(text.NewReader(src))
	var out []link
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering || len(out) >= maxLinks {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			out = append(out, link{text: nodeText(n, src), url: string(n.Destination)})
		case *ast.AutoLink:
			u := string(n.URL(src))
			out = append(out, link{text: u, url: u})
		}
		return ast.WalkContinue, nil
	})
	return out
}

// nodeText is the plain text under n.
func nodeText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// moveLink chooses the next (dir 1) or previous (dir -1) link of the open
// post, and scrolls to where it is shown.
func (p *Model) moveLink(dir int) {
	if len(p.links) == 0 {
		return
	}
	switch {
	case p.link < 0 && dir > 0:
		p.link = 0
	case p.link < 0:
		p.link = len(p.links) - 1
	default:
		p.link = (p.link + dir + len(p.links)) % len(p.links)
	}
	l := p.links[p.link]
	needle := theme.Fold(norm.NFC.String(strings.TrimSpace(l.text)))
	if needle == "" {
		return
	}
	if lines := matchLines(p.content, []string{needle}); len(lines) > 0 {
		// The first line at or after the view's top, else the first.
		target := lines[0]
		for _, ln := range lines {
			if ln >= p.vp.YOffset() {
				target = ln
				break
			}
		}
		if target < p.vp.YOffset() || target >= p.vp.YOffset()+p.vp.Height() {
			p.vp.SetYOffset(max(0, target-matchContext))
		}
	}
}

// followLink opens the post the chosen link leads to, keeping the one
// open in the history; a link outside the blog is only shown.
func (p *Model) followLink() (tea.Cmd, bool) {
	if p.link < 0 || p.link >= len(p.links) || p.opts.Links == nil {
		return nil, false
	}
	slug, ok := p.opts.Links(p.links[p.link].url)
	if !ok {
		p.note = "outside the blog: " + termtext.SanitizeLine(p.links[p.link].url)
		return nil, true
	}
	from := p.slug()
	cmd := p.openSlug(slug)
	if cmd != nil || p.slug() == slug {
		p.history = append(p.history, from)
	}
	return cmd, true
}

// goBack opens the post the reader followed a link from.
func (p *Model) goBack() tea.Cmd {
	if len(p.history) == 0 {
		return nil
	}
	slug := p.history[len(p.history)-1]
	p.history = p.history[:len(p.history)-1]
	return p.openSlug(slug)
}
