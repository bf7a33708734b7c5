package tui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// storeTimeout bounds one read from the store.
const storeTimeout = 10 * time.Second

// pager is the screen that shows one post: a header (title; date, author and
// tags; the featured image), then the body rendered for the window.
type pager struct {
	seq   int         // the newest open request; older answers are dropped
	entry store.Entry // what the list knew of the post: the header until it loads
	post  *post.Post  // the parsed post; nil until it loads
	rev   store.Revision

	byline  render.Byline // the series the post is in, and its place; from the blog when it loads
	links   []link        // the post's links, in order
	link    int           // the chosen link, or -1
	content string        // what the viewport shows, for finding a link's line
	terms   []string      // the search the post was opened from, if any
	matches []int         // the lines of the content where terms are found
	jumped  bool          // the pager went to the first match once
	keep    bool          // the load in flight is a reload: keep the scroll position
	body    string        // the rendered body
	bodyKey render.Key    // what body (or err) is the outcome of
	busy    bool          // a render is in flight
	err     string        // why the post cannot be shown: one sanitised line

	vp viewport.Model
}

func newPager() pager {
	vp := viewport.New()
	vp.KeyMap = newScrollKeyMap()
	vp.MouseWheelEnabled = false
	return pager{vp: vp}
}

// title is the post's title, sanitised, for the status bar and the header.
func (p *pager) title() string {
	t := p.entry.Title
	if p.post != nil {
		t = p.post.Title
	}
	if t = termtext.SanitizeLine(t); t != "" {
		return t
	}
	return termtext.SanitizeLine(p.slug())
}

// slug is the post's name as the store knows it.
func (p *pager) slug() string {
	if p.post != nil && p.rev.Slug != "" {
		return p.rev.Slug
	}
	return p.entry.Slug
}

// meta is the post's metadata as the header shows it; the list's until the
// post loads.
func (p *pager) meta() post.Meta {
	if p.post != nil {
		return p.post.Meta
	}
	return p.entry.Meta
}

// author is who the header names: the front matter's author, or else the
// revision's, unless that is the system that seeded the blog.
func (p *pager) author() string {
	if a := p.meta().Author; a != "" {
		return a
	}
	by := p.entry.By
	if p.post != nil {
		by = p.rev.Author
	}
	if by == "system" {
		return ""
	}
	return by
}

// loaded answers a request to open a post.
type postMsg struct {
	seq    int
	rev    store.Revision
	post   *post.Post
	byline render.Byline
	links  []link
	err    error
}

// postSource is where the pager reads posts from: the posts the session may
// see, and the blog's word on a post's series.
type postSource struct {
	posts  store.Reader
	loc    *time.Location
	byline BylineFunc
}

// source returns where the session reads posts.
func (m *Model) source() postSource {
	return postSource{posts: m.posts, loc: m.loc, byline: m.byline}
}

// rendered answers a request to render a body.
type renderedMsg struct {
	key render.Key
	out string
	err error
}

// loadPost starts reading the current revision of slug.
func loadPost(src postSource, seq int, slug string) tea.Cmd {
	return func() tea.Msg { return readPost(src, seq, slug) }
}

// readPost reads and parses the current revision of slug, as the answer to
// request seq. It is the only place a body is read.
func readPost(src postSource, seq int, slug string) postMsg {
	if src.posts == nil {
		return postMsg{seq: seq, err: store.ErrNotFound}
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	rev, err := src.posts.Get(ctx, slug)
	if err != nil {
		return postMsg{seq: seq, err: fmt.Errorf("reading %s: %w", slug, err)}
	}
	p, err := post.Parse(rev.Source, post.Options{Slug: rev.Slug, Location: src.loc})
	if err != nil {
		return postMsg{seq: seq, err: fmt.Errorf("reading %s: %w", rev.Slug, err)}
	}
	msg := postMsg{seq: seq, rev: rev, post: p, links: postLinks(p.Body)}
	if src.byline != nil && p.Series != "" {
		if bl, err := src.byline(ctx, p, rev); err == nil {
			msg.byline = bl
		}
	}
	return msg
}

// renderBody renders a post's markdown. A renderer that panics fails this
// post, not the session.
func renderBody(r Renderer, key render.Key, markdown []byte) tea.Cmd {
	return func() (msg tea.Msg) {
		defer func() {
			if v := recover(); v != nil {
				msg = renderedMsg{key: key, err: fmt.Errorf("rendering %s: panic: %v", key.ID, v)}
			}
		}()
		if r == nil {
			return renderedMsg{key: key, err: errors.New("rendering: no renderer")}
		}
		out, err := r.Render(key, markdown)
		if err != nil {
			return renderedMsg{key: key, err: fmt.Errorf("rendering %s: %w", key.ID, err)}
		}
		return renderedMsg{key: key, out: out}
	}
}

// renderKey is the render the pager needs now: the open revision at the
// viewport's width in the session's style. ok is false while the post is
// loading or when there is no room to render into.
func (m *Model) renderKey() (k render.Key, ok bool) {
	p := &m.pager
	if p.post == nil || p.vp.Width() < 1 {
		return render.Key{}, false
	}
	style := render.Dark
	if !m.dark {
		style = render.Light
	}
	return render.Key{
		ID:    fmt.Sprintf("%s@%d", p.rev.Slug, p.rev.Rev),
		Width: render.WidthFor(p.vp.Width()),
		Style: style,
	}, true
}

// requestRender starts the render the pager needs, unless it has it; a
// cached render is taken at once, with no command. One render at a time is
// in flight: when it lands, the next is started if the
// window or the style changed meanwhile, so a resize drag costs two renders,
// not one per step.
func (m *Model) requestRender() tea.Cmd {
	p := &m.pager
	k, ok := m.renderKey()
	if !ok || p.busy || k == p.bodyKey {
		return nil
	}
	if m.renderer != nil {
		if out, ok := m.renderer.Cached(k); ok {
			return m.applyRender(renderedMsg{key: k, out: out})
		}
	}
	p.busy = true
	return renderBody(m.renderer, k, p.post.Body)
}

// applyPost takes a loaded post.
func (m *Model) applyPost(msg postMsg) tea.Cmd {
	p := &m.pager
	if msg.seq != p.seq {
		return nil // an older request; a newer one is on its way
	}
	keep := p.keep
	p.keep = false
	if msg.err != nil {
		if errors.Is(msg.err, store.ErrNotFound) && !keep {
			// The post went away since the list was read: say so on a list
			// that no longer shows it.
			m.closePager()
			m.notice = "That post is no longer on the blog."
			return m.loadList()
		}
		p.err = theme.ErrorLine(msg.err)
		m.setPagerContent(keep)
		return nil
	}
	if !keep || p.link >= len(msg.links) {
		p.link = -1
	}
	p.post, p.rev, p.byline, p.links, p.err = msg.post, msg.rev, msg.byline, msg.links, ""
	if m.opened != nil && !m.counted[msg.rev.Slug] {
		if m.counted == nil {
			m.counted = map[string]bool{}
		}
		m.counted[msg.rev.Slug] = true
		m.opened(msg.rev.Slug)
	}
	if !keep {
		p.body = "" // a new revision keeps showing the old until it renders
	}
	p.bodyKey = render.Key{}
	m.setPagerContent(keep)
	return m.requestRender()
}

// applyRender takes a rendered body.
func (m *Model) applyRender(msg renderedMsg) tea.Cmd {
	p := &m.pager
	p.busy = false
	if m.screen != pagerScreen {
		return nil
	}
	want, ok := m.renderKey()
	if !ok || msg.key.ID != want.ID {
		return m.requestRender() // another post opened meanwhile
	}
	switch {
	case msg.err != nil:
		if msg.key == want {
			p.err = theme.ErrorLine(msg.err)
			p.bodyKey = msg.key
			m.setPagerContent(true)
		}
	case msg.key == want || p.body == "":
		// A render for an older width still beats "Loading…": the viewport
		// cuts its lines until the right one lands.
		p.body, p.bodyKey, p.err = msg.out, msg.key, ""
		m.setPagerContent(true)
		if !p.jumped && len(p.terms) > 0 {
			p.jumped = m.jumpToMatch(0)
		}
	}
	return m.requestRender()
}

// setPagerContent lays out the header and body at the viewport's width. With
// keep, the reader stays at the same place in the post; otherwise the post
// starts at its top.
func (m *Model) setPagerContent(keep bool) {
	p := &m.pager
	atBottom := p.vp.AtBottom() && p.vp.YOffset() > 0
	frac := 0.0
	if total := p.vp.TotalLineCount(); total > 0 {
		frac = float64(p.vp.YOffset()) / float64(total)
	}

	w := p.vp.Width()
	var b strings.Builder
	b.WriteString(strings.Join(m.pagerHeader(w), "\n"))
	b.WriteByte('\n')
	switch {
	case p.err != "":
		b.WriteString("\n" + theme.Margin(w) + m.st.Notice.Render(termtext.Truncate(p.err, w-2*theme.MarginWidth(w), theme.Ellipsis)) + "\n")
	case p.body == "":
		b.WriteString("\n" + theme.Margin(w) + m.st.PostMeta.Render(termtext.Truncate("Loading…", w-2*theme.MarginWidth(w), theme.Ellipsis)) + "\n")
	default:
		b.WriteString(p.body)
	}
	content := b.String()
	p.content = content
	p.vp.SetContent(content)
	p.matches = matchLines(content, p.terms)
	// Sideways only when the body is wider than the window: in windows
	// narrower than the renderer's minimum, and until a resize's render
	// lands.
	wide := p.body != "" && p.bodyKey.Width > w
	p.vp.KeyMap.Left.SetEnabled(wide)
	p.vp.KeyMap.Right.SetEnabled(wide)
	p.vp.SetXOffset(p.vp.XOffset()) // in range for the new content

	switch {
	case !keep:
		p.vp.GotoTop()
	case atBottom:
		p.vp.GotoBottom()
	default:
		p.vp.SetYOffset(int(math.Round(frac * float64(p.vp.TotalLineCount()))))
	}
}

// pagerHeader is the open post's header; see postHeader.
func (m *Model) pagerHeader(w int) []string {
	p := &m.pager
	return theme.PostHeader(m.st, m.loc, w, p.title(), p.meta(), p.author(), p.byline.SeriesLine())
}

// statusBar is the pager's bottom line: the title, how far into the post the
// reader is, and where help is. The parts that do not fit go, right first.
func (m *Model) statusBar(w int) string {
	if w < 1 {
		return ""
	}
	pct := fmt.Sprintf(" %3.f%% ", math.Round(m.pager.vp.ScrollPercent()*100))
	hint := " ? help "
	title := " " + m.pager.title() + " "
	switch p := &m.pager; {
	case m.pagerNote != "":
		title = " " + m.pagerNote + " "
	case p.link >= 0 && p.link < len(p.links):
		title = fmt.Sprintf(" → %s (%d/%d) ", termtext.SanitizeLine(p.links[p.link].url), p.link+1, len(p.links))
	}
	const minTitle = 12
	if lipgloss.Width(pct)+lipgloss.Width(hint)+minTitle > w {
		hint = ""
	}
	if lipgloss.Width(pct)+minTitle > w {
		pct = ""
	}
	room := w - lipgloss.Width(pct) - lipgloss.Width(hint)
	title = termtext.Truncate(title, room, theme.Ellipsis)
	gap := max(0, room-lipgloss.Width(title))
	return m.st.BarTitle.Render(title) +
		m.st.Bar.Render(strings.Repeat(" ", gap)) +
		m.st.BarPercent.Render(pct) +
		m.st.BarHelp.Render(hint)
}
