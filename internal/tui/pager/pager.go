// Package pager is the reader's screen for one post: a header (title; date,
// author and tags; the series; the featured image), the body rendered by
// glamour for the window, and a status bar. It scrolls as less does, moves
// between the post's links and follows those that lead to other posts of
// the blog, goes from match to match of the search the post was opened
// from, and asks the reader (package tui) for the next post of its list.
package pager

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termimage"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// sessionPictureBytes is the cache of pictures of a pager given none.
const sessionPictureBytes = 4 << 20

// readTimeout bounds one read of a post.
const readTimeout = 10 * time.Second

// Renderer renders a post's markdown for the terminal; no line of the result
// may be wider than key.Width. *render.Renderer is one. Sessions share it, so
// it must be safe for concurrent use.
type Renderer interface {
	Render(key render.Key, markdown []byte) (string, error)
	// Cached returns Render's answer for key if it has it at hand, and
	// otherwise false at once.
	Cached(key render.Key) (string, bool)
}

// BylineFunc returns the header of the post p at revision rev, as the
// session's reader sees it (the blog's Byline).
type BylineFunc func(ctx context.Context, p *post.Post, rev store.Revision) (render.Byline, error)

// LinkFunc says which post of the blog a link leads to, if any (the
// blog's ResolveLink for the session's reader).
type LinkFunc func(url string) (slug string, ok bool)

// Options say where the pager reads, renders and counts, and how it asks
// the reader for other posts.
type Options struct {
	Posts    store.Reader   // the posts the session may see
	Renderer Renderer       // renders a post's body
	Byline   BylineFunc     // the blog's word on a post's series; nil: none
	Links    LinkFunc       // where a link leads; nil: links are only shown
	Opened   func(string)   // called once per post and session when it is read; nil: nothing counted
	Location *time.Location // the time zone dates are shown in
	// ReadingWidth is the widest, in columns, a post is laid out, its
	// header too; the text stays at the left. 0: the window's width.
	ReadingWidth int

	// Step moves the reader's list by delta posts and returns the post
	// there, if there is one; Select puts the list on the post called
	// slug, and returns it, if the session may see it. The pager opens
	// what they return.
	// Both also return the words of the list's search, if it shows one, so
	// that a post opened from it starts at its first match.
	Step   func(delta int) (e store.Entry, terms []string, ok bool)
	Select func(slug string) (e store.Entry, terms []string, ok bool)
	// Help draws the pager's keys, grouped in columns, at most width
	// columns wide (the reader's help, shared by its sessions).
	Help func(groups [][]key.Binding, width int) string
	// CanEdit reports whether e opens the editor on the post.
	CanEdit bool

	// Files gives the pager the images of posts, to draw them; nil: no
	// pictures, only the lines that name them.
	Files Files
	// Pictures draws and caches pictures (the server's, shared by its
	// sessions); nil with Files set: the pager makes a small one.
	Pictures *termimage.Renderer
	// NoImages starts with pictures off (the images setting); the Images
	// key turns them on and off.
	NoImages bool
}

// Keys are the pager's bindings, besides scrolling (the viewport's).
type Keys struct {
	ForceQuit, Help, Back key.Binding
	Next, Prev            key.Binding // the next and previous post of the list; from a search, the next match
	PrevMatch             key.Binding
	SeriesNext            key.Binding // the next and previous post of the series
	SeriesPrev            key.Binding
	NextLink, PrevLink    key.Binding
	Follow, History       key.Binding // follow the chosen link; back to the post it was followed from
	Top, Bottom           key.Binding
	Edit                  key.Binding
	Images                key.Binding // pictures on and off
}

// BackMsg tells the reader to show its list again.
type BackMsg struct{}

// GoneMsg tells the reader that the post opened is no longer on the blog.
type GoneMsg struct{}

// EditMsg asks the reader to open the editor on the post called Slug.
type EditMsg struct{ Slug string }

// Model is the pager. A session has one for its whole life: it keeps the
// posts counted and the links followed.
type Model struct {
	opts          Options
	keys          Keys
	st            *theme.Styles
	dark          bool
	width, height int
	showHelp      bool
	note          string          // one line for the status bar, until the next key
	history       []string        // the posts links were followed from, last last
	counted       map[string]bool // posts read in this session, counted once

	open  bool        // a post is shown
	seq   int         // the newest open request; older answers are dropped
	entry store.Entry // what the list knew of the post: the header until it loads
	post  *post.Post  // the parsed post; nil until it loads
	rev   store.Revision

	byline  render.Byline // the series the post is in, and its place; from the blog when it loads
	links   []link        // the post's links, in order
	link    int           // the chosen link, or -1
	lines   []string      // what the viewport shows, by line, for finding matches and links
	terms   []string      // the words of the search the post was opened from, if any
	needles []string      // what terms match in the text (see matchNeedles)
	found   []span        // the matches of needles in lines, in order
	cur     int           // the current match, or -1
	jumped  bool          // the pager went to the first match once

	linkSpan  span       // where the chosen link's text is shown
	linkShown bool       // linkSpan is found
	keep      bool       // the load in flight is a reload: keep the scroll position
	body      string     // the rendered body
	bodyKey   render.Key // what body (or err) is the outcome of
	busy      bool       // a render is in flight
	err       string     // why the post cannot be shown: one sanitised line

	img imageState // the open post's pictures, and how the terminal draws them

	vp viewport.Model
}

// New returns a pager with nothing open, scrolling with scroll.
func New(opts Options, keys Keys, scroll viewport.KeyMap, st *theme.Styles, dark bool) *Model {
	if opts.Location == nil {
		opts.Location = time.Local
	}
	vp := viewport.New()
	vp.KeyMap = scroll
	vp.MouseWheelEnabled = false
	if opts.Files != nil && opts.Pictures == nil {
		opts.Pictures = termimage.NewRenderer(termimage.Limits{}, sessionPictureBytes)
	}
	m := &Model{opts: opts, keys: keys, st: st, dark: dark, vp: vp, link: -1, cur: -1}
	m.img.off = opts.NoImages
	return m
}

// Open shows the post e (as the list knows it), opened from a search for
// terms if any. It reads the post at once; the body follows unless its
// render is cached.
func (p *Model) Open(e store.Entry, terms []string) tea.Cmd {
	p.open = true
	p.seq++
	p.entry, p.post, p.rev = e, nil, store.Revision{}
	p.keep, p.body, p.err = false, "", ""
	p.bodyKey = render.Key{}
	p.terms, p.needles, p.found, p.cur, p.jumped = terms, matchNeedles(terms), nil, -1, false
	p.links, p.link = nil, -1
	p.img.refs, p.img.pics = nil, nil
	p.setContent(false)
	// Reading the post here rather than in a command, with its render when
	// it is cached, shows it in the next frame instead of "Loading…" first.
	return p.applyPost(readPost(p.source(), p.seq, e.Slug))
}

// Close lets go of the post (its source, its render, its lines): a reader
// idle on the list holds none of it.
func (p *Model) Close() {
	p.open = false
	p.seq++ // drop the answer to a read in flight
	p.post, p.rev, p.body, p.err = nil, store.Revision{}, "", ""
	p.bodyKey = render.Key{}
	p.lines, p.found, p.linkShown = nil, nil, false
	p.img.refs, p.img.pics = nil, nil
	p.vp.SetContent("")
}

// Reload reads the open post again, keeping the place in it, if entries
// (the list as it is now) has a newer revision of it.
func (p *Model) Reload(entries []store.Entry) tea.Cmd {
	if !p.open || p.post == nil {
		return nil
	}
	for _, e := range entries {
		if e.Slug == p.rev.Slug && e.Rev != p.rev.Rev {
			p.seq++
			p.keep = true
			return loadPost(p.source(), p.seq, e.Slug)
		}
	}
	return nil
}

// Redraw lays the post out again for the window, after another screen was
// shown over it, and reads it again if current (what the list knows of a
// post) has a newer revision.
func (p *Model) Redraw(current func(slug string) (store.Entry, bool)) tea.Cmd {
	p.setContent(true)
	cmd := p.requestRender()
	if p.post != nil {
		if en, ok := current(p.rev.Slug); ok && en.Rev != p.rev.Rev {
			p.seq++
			p.keep = true
			cmd = tea.Batch(cmd, loadPost(p.source(), p.seq, p.rev.Slug))
		}
	}
	return cmd
}

// SetSize sizes the pager for a window of w by h, leaving the post as it
// is laid out; Resize lays it out again too.
func (p *Model) SetSize(w, h int) {
	p.width, p.height = max(0, w), max(0, h)
	p.layout()
}

// Resize lays the pager out for a window of w by h, and renders the open
// post for the new width.
func (p *Model) Resize(w, h int) tea.Cmd {
	p.SetSize(w, h)
	if !p.open {
		return nil
	}
	p.setContent(true)
	return tea.Batch(p.requestRender(), p.requestImages())
}

// layout sizes the viewport: the window less the status bar and the help.
func (p *Model) layout() {
	ph := 0
	if p.showHelp {
		ph = lipgloss.Height(p.helpView())
	}
	p.vp.SetWidth(p.width)
	p.vp.SetHeight(max(0, p.height-1-ph))
	p.vp.SetYOffset(p.vp.YOffset()) // back in range if the viewport grew
}

// SetStyles draws the pager with st, for a dark or a light background, and
// renders the open post again in the matching style.
func (p *Model) SetStyles(st *theme.Styles, dark bool) tea.Cmd {
	p.st, p.dark = st, dark
	if !p.open {
		return nil
	}
	p.setContent(true)
	return p.requestRender()
}

// Title is the open post's title, sanitised.
func (p *Model) Title() string { return p.title() }

// Revision is the revision shown, once it is read.
func (p *Model) Revision() store.Revision { return p.rev }

// Holding reports whether the pager holds anything of a post: its source,
// its render or its lines. After Close it holds none.
func (p *Model) Holding() bool {
	return p.post != nil || len(p.rev.Source) != 0 || p.body != "" || p.vp.TotalLineCount() > 1 || len(p.lines) > 0
}

// Content is the open post as it is laid out, by line: its header, its
// pictures and its body, with their escape sequences.
func (p *Model) Content() []string { return p.lines }

// Offset is the first line of the post shown.
func (p *Model) Offset() int { return p.vp.YOffset() }

// Update handles a key (the reader passes them while the pager is shown) or
// the answer to one of the pager's requests. It reports whether the
// message was the pager's.
func (p *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return p.key(msg), true
	case postMsg:
		return p.applyPost(msg), true
	case renderedMsg:
		return p.applyRender(msg), true
	case imageMsg:
		return p.applyImage(msg), true
	case capsWaitMsg:
		p.img.waiting = false
		return p.requestImages(), true
	}
	return nil, false
}

// title is the post's title, sanitised, for the status bar and the header.
func (p *Model) title() string {
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
func (p *Model) slug() string {
	if p.post != nil && p.rev.Slug != "" {
		return p.rev.Slug
	}
	return p.entry.Slug
}

// meta is the post's metadata as the header shows it; the list's until the
// post loads.
func (p *Model) meta() post.Meta {
	if p.post != nil {
		return p.post.Meta
	}
	return p.entry.Meta
}

// author is who the header names: the blog's word on it (Byline) once the
// post is loaded, the front matter's author before.
func (p *Model) author() string {
	if p.post != nil {
		return p.byline.Author
	}
	return p.meta().Author
}

// postMsg answers a request to open a post.
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
func (p *Model) source() postSource {
	return postSource{posts: p.opts.Posts, loc: p.opts.Location, byline: p.opts.Byline}
}

// renderedMsg answers a request to render a body.
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
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
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
	msg.byline = render.Byline{Author: p.Author}
	if src.byline != nil {
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
func (p *Model) renderKey() (k render.Key, ok bool) {
	if p.post == nil || p.vp.Width() < 1 {
		return render.Key{}, false
	}
	style := render.Dark
	if !p.dark {
		style = render.Light
	}
	return render.Key{
		ID:    fmt.Sprintf("%s@%d", p.rev.Slug, p.rev.Rev),
		Width: render.WidthFor(p.columnWidth()),
		Style: style,
	}, true
}

// columnWidth is the width the post is laid out at: the window's, at most
// the reading width.
func (p *Model) columnWidth() int {
	if w := p.opts.ReadingWidth; w > 0 {
		return min(p.vp.Width(), w)
	}
	return p.vp.Width()
}

// requestRender starts the render the pager needs, unless it has it; a
// cached render is taken at once, with no command. One render at a time is
// in flight: when it lands, the next is started if the window or the style
// changed meanwhile, so a resize drag costs two renders, not one per step.
func (p *Model) requestRender() tea.Cmd {
	k, ok := p.renderKey()
	if !ok || p.busy || k == p.bodyKey {
		return nil
	}
	if p.opts.Renderer != nil {
		if out, ok := p.opts.Renderer.Cached(k); ok {
			return p.applyRender(renderedMsg{key: k, out: out})
		}
	}
	p.busy = true
	return renderBody(p.opts.Renderer, k, p.post.Body)
}

// applyPost takes a loaded post.
func (p *Model) applyPost(msg postMsg) tea.Cmd {
	if msg.seq != p.seq {
		return nil // an older request; a newer one is on its way
	}
	keep := p.keep
	p.keep = false
	if msg.err != nil {
		if errors.Is(msg.err, store.ErrNotFound) && !keep {
			// The post went away since the list was read: the reader
			// says so on a list that no longer shows it.
			p.Close()
			return func() tea.Msg { return GoneMsg{} }
		}
		p.err = theme.ErrorLine(msg.err)
		p.setContent(keep)
		return nil
	}
	if !keep || p.link >= len(msg.links) {
		p.link = -1
	}
	p.post, p.rev, p.byline, p.links, p.err = msg.post, msg.rev, msg.byline, msg.links, ""
	p.img.refs = render.ImageRefs(msg.post.Meta.Image, msg.post.Body)
	if p.opts.Opened != nil && !p.counted[msg.rev.Slug] {
		if p.counted == nil {
			p.counted = map[string]bool{}
		}
		p.counted[msg.rev.Slug] = true
		p.opts.Opened(msg.rev.Slug)
	}
	if !keep {
		p.body = "" // a new revision keeps showing the old until it renders
	}
	p.bodyKey = render.Key{}
	p.setContent(keep)
	return p.requestRender()
}

// applyRender takes a rendered body.
func (p *Model) applyRender(msg renderedMsg) tea.Cmd {
	p.busy = false
	if !p.open {
		return nil
	}
	want, ok := p.renderKey()
	if !ok || msg.key.ID != want.ID {
		return p.requestRender() // another post opened meanwhile
	}
	switch {
	case msg.err != nil:
		if msg.key == want {
			p.err = theme.ErrorLine(msg.err)
			p.bodyKey = msg.key
			p.setContent(true)
		}
	case msg.key == want || p.body == "":
		// A render for an older width still beats "Loading…": the viewport
		// cuts its lines until the right one lands.
		p.body, p.bodyKey, p.err = msg.out, msg.key, ""
		p.setContent(true)
		if !p.jumped && len(p.terms) > 0 {
			p.jumped = p.jumpToMatch(0)
		}
	}
	return tea.Batch(p.requestRender(), p.requestImages())
}

// setContent lays out the header and body at the viewport's width. With
// keep, the reader stays at the same place in the post; otherwise the post
// starts at its top.
func (p *Model) setContent(keep bool) {
	atBottom := p.vp.AtBottom() && p.vp.YOffset() > 0
	frac := 0.0
	if total := p.vp.TotalLineCount(); total > 0 {
		frac = float64(p.vp.YOffset()) / float64(total)
	}

	w := p.columnWidth()
	lines := theme.PostHeader(p.st, p.opts.Location, w, p.title(), p.meta(), p.author(), p.byline.SeriesLine())
	switch {
	case p.err != "":
		lines = append(lines, "", theme.Margin(w)+p.st.Notice.Render(termtext.Truncate(p.err, w-2*theme.MarginWidth(w), theme.Ellipsis)), "")
	case p.body == "":
		lines = append(lines, "", theme.Margin(w)+p.st.PostMeta.Render(termtext.Truncate("Loading…", w-2*theme.MarginWidth(w), theme.Ellipsis)), "")
	default:
		featured, body := p.withPictures(strings.Split(p.body, "\n"), w)
		lines = append(lines, featured...)
		lines = append(lines, body...)
	}
	p.lines = lines
	p.vp.SetContentLines(p.lines)
	p.found = findSpans(p.lines, p.needles)
	if !keep || p.cur >= len(p.found) {
		p.cur = -1
	}
	p.findLink()
	// Sideways only when the body is wider than the window: in windows
	// narrower than the renderer's minimum, and until a resize's render
	// lands.
	wide := p.body != "" && p.bodyKey.Width > p.vp.Width()
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
