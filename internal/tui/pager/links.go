package pager

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/sshblog/sshblog/internal/search"
	"github.com/sshblog/sshblog/internal/termtext"
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
// post, marks it, and scrolls to where it is shown.
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
	if !p.findLink() {
		return
	}
	if l := p.linkSpan.line; l < p.vp.YOffset() || l >= p.vp.YOffset()+p.vp.Height() {
		p.vp.SetYOffset(max(0, l-matchContext))
	}
}

// findLink finds where the chosen link's text is shown, for marking it,
// and reports whether it did. A link whose text another link before it
// has too is taken to be that text's next occurrence.
func (p *Model) findLink() bool {
	p.linkShown = false
	if p.link < 0 || p.link >= len(p.links) {
		return false
	}
	needle := linkNeedle(p.links[p.link])
	if needle == "" {
		return false
	}
	nth := 0
	for _, l := range p.links[:p.link] {
		if linkNeedle(l) == needle {
			nth++
		}
	}
	spans := findSpans(p.lines, []string{needle})
	if len(spans) == 0 {
		return false
	}
	p.linkSpan, p.linkShown = spans[min(nth, len(spans)-1)], true
	return true
}

// linkNeedle is a link's text as findSpans looks for it.
func linkNeedle(l link) string {
	return search.Normalize(strings.TrimSpace(termtext.SanitizeLine(l.text)))
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
