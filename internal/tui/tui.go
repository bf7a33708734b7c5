// Package tui is the blog's reader for terminals, a Bubble Tea program with
// two screens: the list of posts, newest first, with a filter (and the
// standing pages, a key away); and a pager that shows one post rendered for
// the window. For the blog's authors there is a third: an editor for a
// post's markdown, with a preview.
//
// Each SSH session gets its own [Model]. What sessions share (the store and
// the render cache) is behind [Options.Posts] and [Options.Renderer]. A
// session does nothing while its reader does nothing: no timers, no
// goroutines of its own. The list never reads a body; the open post's is
// read when it opens (or gets a new revision) and rendered again only when
// the window's width or the background changes.
package tui

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termimage"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/editor"
	"github.com/sshblog/sshblog/internal/tui/items"
	"github.com/sshblog/sshblog/internal/tui/pager"
	"github.com/sshblog/sshblog/internal/tui/reads"
	"github.com/sshblog/sshblog/internal/tui/review"
	"github.com/sshblog/sshblog/internal/tui/tags"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// Renderer renders a post's markdown for the terminal: see
// [pager.Renderer].
type Renderer = pager.Renderer

// LinkFunc says which post of the blog a link leads to: see
// [pager.LinkFunc].
type LinkFunc = pager.LinkFunc

// Options configure a [Model].
type Options struct {
	Title    string         // the blog's title, at the head of the list
	Posts    store.Reader   // the posts; for an author, drafts too: the editor reads from it
	Renderer Renderer       // renders a post's body
	Location *time.Location // the time zone dates are shown in; nil is time.Local
	Width    int            // the window's width at the start, if known
	Height   int            // the window's height at the start, if known
	Shared   *Shared        // what the server's sessions share; nil for none

	// Author is the name of the author at the keyboard, or empty for a
	// reader. Posts can be edited when Author and Save are both set; a
	// reader is not shown the keys to edit, and they do nothing.
	Author string
	// Save stores an author's edit; see [SaveFunc].
	Save SaveFunc
	// Start is the screen the session opens on: the list, unless it asks
	// for the editor (which only an author gets).
	Start Start

	// Byline, when set, says which series an opened post is in and where:
	// the pager shows "series NAME, 2 of 5" and [ and ] move within it.
	Byline BylineFunc
	// Opened, when set, is told the first time in the session that each
	// post is opened (read counting). It must not block.
	Opened func(slug string)
	// Stats gives an author's session the stats screen (s); see StatsFunc.
	Stats StatsFunc
	// Review gives an author's session the review screen (r) and the
	// marks on the list of the posts with a proposal waiting.
	Review Reviewer
	// Search, when set, makes the list's filter find posts by their bodies
	// too; see SearchFunc.
	Search SearchFunc
	// Links, when set, lets enter follow a link of a post to another post
	// of the blog; see LinkFunc.
	Links LinkFunc
	// Unreachable, when set, says whether the blog's store is away; the
	// list then says so on its status line.
	Unreachable func() bool
	// ReadingWidth is the widest, in columns, the pager lays a post out,
	// its header too, however wide the window; the text stays at the
	// left, with its margin, as glow does. 0: the window's width.
	ReadingWidth int

	// Files, when set, gives the pager the images posts refer to, and it
	// draws them: see [Files]. nil: no pictures, only the lines that
	// name them.
	Files Files
	// Pictures decodes and caches pictures for the server's sessions (see
	// [termimage.Renderer]); nil with Files set: each session has a small
	// one of its own.
	Pictures *termimage.Renderer
	// NoImages starts sessions with pictures off (the images setting,
	// off); the pager's i key turns them on and off.
	NoImages bool
	// Truecolor says the terminal shows 24-bit colour (from its
	// environment: see [termimage.Truecolor]); pictures in half blocks
	// are then drawn in it rather than in 256 colours. The colour profile
	// the program reports can say so too.
	Truecolor bool
}

// Files gives the pager the blog's stored files, to draw a post's images.
type Files interface {
	// ImageFile returns the bytes of the image a post refers to: slug is the
	// post, ref the reference as written in its markdown or front matter
	// ("/assets/x.svg", "pic.png", "https://..."). key changes whenever the
	// bytes do (a content hash). A remote or unknown reference is an error
	// wrapping fs.ErrNotExist; a remote one is never fetched.
	ImageFile(ctx context.Context, slug, ref string) (key string, data []byte, err error)
}

// BylineFunc returns the header of a post, as the session's reader sees it:
// see [pager.BylineFunc].
type BylineFunc = pager.BylineFunc

// SaveFunc stores an author's edit: see [editor.SaveFunc].
type SaveFunc = editor.SaveFunc

// Saved is what a save did: see [editor.Saved].
type Saved = editor.Saved

// Start says which screen a session opens on. The zero value is the list.
// The editor opened this way ends the session when it closes, as an
// editor started from a shell does.
type Start struct {
	Edit string // open the editor on the post with this slug
	New  bool   // open the editor on a new post
}

// ReloadMsg tells a [Model] that the posts changed: it reads the list again,
// keeping the cursor on the same post where it can, and reloads the open
// post if it has a new revision. An open editor keeps its text and its
// place; if someone else saved the post it edits, it says so. Send it with
// tea.Program.Send.
type ReloadMsg struct{}

// ShutdownMsg tells a [Model] that the server is going away: the program
// quits and gives the terminal back.
type ShutdownMsg struct{}

// screen is what the model shows.
type screen int

const (
	listScreen screen = iota
	pagerScreen
	editorScreen
	panelScreen // a screen of its own package: the stats or the review screen (see panel)
)

// storeTimeout bounds one read from the store.
const storeTimeout = 10 * time.Second

// Model is the reader: a [tea.Model] with a list screen and a pager screen,
// and for authors an editor. Make one per session with [New]; its methods
// are called by one Bubble Tea program.
type Model struct {
	title      string // the blog's, sanitised
	posts      store.Reader
	byline     BylineFunc
	opened     func(slug string)
	statsFn    StatsFunc
	reviewer   Reviewer
	panel      panel  // the screen shown on panelScreen, else nil
	panelTitle string // its name, for the window's title
	toReview   int    // posts with a proposal by someone else waiting
	search     SearchFunc
	resolve    LinkFunc
	away       func() bool // the blog's store is away (etcd)
	tag        string      // the list shows only the posts with this tag, if any
	renderer   Renderer
	loc        *time.Location
	author     string
	save       SaveFunc
	shared     *Shared
	startCmd   tea.Cmd // what Init starts besides reading the list

	width, height int
	dark          bool          // the terminal's background, dark until it says
	st            *theme.Styles // shared: see stylesFor
	keys          keyMap
	help          help.Model

	screen        screen
	showListHelp  bool
	showPagerHelp bool

	list       list.Model
	delegate   *items.Delegate
	listReady  bool   // the store has answered once
	listSeq    int    // the newest request for the list
	listOnView int    // the request whose answer is shown
	notice     string // a one-line error on the list's status line, until the next key
	preFilter  string // the post under the cursor when the filter was opened

	// The list shows the dated posts or the pages.
	postItems   []list.Item
	pageItems   []list.Item
	showPages   bool
	kindSlug    [2]string // by kind (posts, pages): the post under the cursor when last shown
	pendingSlug string    // the post to put the cursor on when the list is read again

	pager *pager.Model // the post screen; kept for the session

	edit     *editor.Model // nil but on the editor screen
	editBack screen        // where closing the editor goes

	// The last frame, drawn again only after a message that may change it.
	frame tea.View
	stale bool // a message since the last frame may have changed it

	// Pictures: whether to ask the terminal what it draws, and what it said.
	files     Files
	asked     bool // the terminal was asked what it draws (askTerminal)
	caps      termimage.Caps
	truecolor bool

	listBuild uint64 // the build of the list's items: see Shared.items
	pristine  bool   // as New left it, on the list, not yet drawn: see firstView
}

// New returns a reader for one session. It reads the list of posts, so
// that the first frame shows them; the rest waits for Init.
func New(opts Options) *Model {
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	m := &Model{
		title:     termtext.SanitizeLine(opts.Title),
		posts:     opts.Posts,
		byline:    opts.Byline,
		opened:    opts.Opened,
		statsFn:   opts.Stats,
		reviewer:  opts.Review,
		search:    opts.Search,
		resolve:   opts.Links,
		away:      opts.Unreachable,
		renderer:  opts.Renderer,
		loc:       loc,
		author:    opts.Author,
		save:      opts.Save,
		shared:    opts.Shared,
		dark:      true,
		keys:      newKeyMap(),
		help:      help.New(),
		files:     opts.Files,
		truecolor: opts.Truecolor,
	}
	m.delegate = &items.Delegate{}

	items.Init(&m.list, m.delegate)

	m.setStyles(true)
	m.pager = pager.New(pager.Options{
		Posts: m.posts, Renderer: m.renderer, Byline: m.byline, Links: m.resolve, Opened: m.opened,
		Location: m.loc, ReadingWidth: opts.ReadingWidth, Step: m.step, Select: m.selectForPager, CanEdit: m.canEdit(),
		Files: opts.Files, Pictures: opts.Pictures, NoImages: opts.NoImages,
		Help: func(groups [][]key.Binding, width int) string {
			return m.helpView(helpKeys{full: groups}, true, width)
		},
	}, m.pagerKeys(), pager.ScrollKeys(), m.st, m.dark)
	m.pager.SetCaps(m.caps, m.truecolor)
	m.resize(opts.Width, opts.Height)
	if opts.Start.Edit != "" || opts.Start.New {
		if m.canEdit() {
			m.startCmd = m.openEditor(opts.Start.Edit, false, true, listScreen)
		} else {
			m.notice = "Only the blog's authors can edit posts."
		}
	}
	m.stale = true
	// The list is a snapshot in memory: reading it here rather than in a
	// command saves drawing an empty list first.
	m.listSeq++
	if cmd := m.applyList(readList(m.posts, m.listSeq)); cmd != nil {
		m.startCmd = tea.Batch(cmd, m.startCmd)
	}
	m.pristine = m.screen == listScreen && m.edit == nil && m.notice == ""
	return m
}

// Init asks the terminal for its background colour, and reads the post to
// edit if the session starts in the editor.
func (m *Model) Init() tea.Cmd {
	cmd := m.startCmd
	m.startCmd = nil
	if m.canReview() {
		cmd = tea.Batch(cmd, m.loadMarks()) // the marks on the list
	}
	return tea.Batch(tea.RequestBackgroundColor, cmd)
}

// askTerminal asks the terminal, once a session and when it first opens a
// post, which graphics it draws (see [termimage.Query]), when the session
// draws pictures. Not at the start: a reader who never opens a post is
// asked nothing, and every session's first frame stays alike (the server
// sends a kept copy of it, tea.WithFirstFrames).
func (m *Model) askTerminal() tea.Cmd {
	if m.files == nil || m.asked {
		return nil
	}
	m.asked = true
	m.pager.AwaitCaps(time.Second)
	return tea.Raw(termimage.Query)
}

// terminalAnswer takes the terminal's answers to termimage.Query, and
// the colour profile, and reports whether msg was one.
func (m *Model) terminalAnswer(msg tea.Msg) (tea.Cmd, bool) {
	caps, truecolor := m.caps, m.truecolor
	switch msg := msg.(type) {
	case uv.KittyGraphicsEvent: // how the program reads the kitty answer
		if msg.Options.ID != termimage.QueryID || string(msg.Payload) != "OK" {
			return nil, true
		}
		caps.Kitty = true
	case uv.UnknownApcEvent: // the same, from a decoder that does not know it
		if !termimage.KittyAnswer(string(msg)) {
			return nil, true
		}
		caps.Kitty = true
	case uv.PrimaryDeviceAttributesEvent:
		caps.Sixel = caps.Sixel || termimage.DA1Sixel(msg)
		caps.Answered = true
	case tea.ColorProfileMsg:
		truecolor = m.truecolor || msg.Profile == colorprofile.TrueColor
	default:
		return nil, false
	}
	if caps == m.caps && truecolor == m.truecolor {
		return nil, true
	}
	m.caps, m.truecolor = caps, truecolor
	return m.pager.SetCaps(caps, truecolor), true
}

// Update handles a message and returns the command to run next.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if !m.quiet(msg) {
		m.stale = true
	}
	if !m.unchanged(msg) {
		m.pristine = false
	}
	return m.update(msg)
}

// unchanged reports whether msg leaves the model's state as it is: those a
// program sends as it starts, when they say what the model assumed.
func (m *Model) unchanged(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return msg.Width == m.width && msg.Height == m.height
	case tea.BackgroundColorMsg:
		return msg.IsDark() == m.dark
	case tea.ColorProfileMsg, tea.EnvMsg, tea.KeyboardEnhancementsMsg, tea.ModeReportMsg:
		return true
	case uv.KittyGraphicsEvent, uv.UnknownApcEvent, uv.PrimaryDeviceAttributesEvent:
		return m.screen != pagerScreen // what the terminal draws: pictures, only in the pager
	}
	return false
}

// quiet reports whether msg leaves the screen as it is, so that View can
// return the last frame without drawing it again. Most messages may change
// it. Those a program sends as it starts (the size it was made with, the
// colour profile, the environment) do not; a reload only starts reading the
// list; and a new list is not on the pager's screen: with many readers, a
// post published by an author is drawn only by those who see the list.
func (m *Model) quiet(msg tea.Msg) bool {
	switch msg.(type) {
	case ReloadMsg, list.FilterMatchesMsg:
		return true
	case listMsg:
		return m.screen == pagerScreen
	}
	return m.unchanged(msg)
}

// update is Update but for the frame's staleness.
func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := m.terminalAnswer(msg); ok && m.files != nil {
		return m, cmd
	}
	if m.edit != nil { // the editor's keys, pastes and answers
		if cmd, ok := m.edit.Update(msg); ok {
			return m, cmd
		}
	}
	if _, isKey := msg.(tea.KeyPressMsg); !isKey {
		if cmd, ok := m.pager.Update(msg); ok { // the pager's answers
			return m, cmd
		}
	}
	if k, isKey := msg.(tea.KeyPressMsg); m.panel != nil && !(isKey && key.Matches(k, m.keys.ForceQuit)) {
		if cmd, ok := m.panel.Update(msg); ok { // the panel's keys and answers
			return m, cmd
		}
	}
	if cmd, ok := m.fromScreen(msg); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width == m.width && msg.Height == m.height {
			return m, nil // the size it has: a program starts with one
		}
		return m, m.resize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		return m, m.setDark(msg.IsDark())
	case ReloadMsg:
		return m, m.loadList()
	case ShutdownMsg:
		return m, tea.Quit
	case listMsg:
		return m, m.applyList(msg)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.ForceQuit):
			return m, tea.Quit
		case m.screen == pagerScreen:
			cmd, _ := m.pager.Update(msg)
			return m, cmd
		}
		return m, m.listKey(msg)
	case tea.PasteMsg:
		switch m.screen {
		case pagerScreen:
			return m, nil
		}
	case list.FilterMatchesMsg:
		// The list filters in a command; the model filters as the filter
		// is typed (see updateList), so this answer is late, maybe for an
		// older filter.
		return m, nil
	case tea.ColorProfileMsg, tea.EnvMsg, tea.KeyboardEnhancementsMsg, tea.ModeReportMsg:
		// What the terminal is: nothing for the list, whose Update takes
		// and returns all of it (29 KiB) by value.
		return m, nil
	}
	// The rest (a paste into the filter, the filter's cursor) is the list's.
	return m, m.updateList(msg)
}

// fromScreen handles what the screens report to the reader: the pager,
// the editor and the panels say when they close, save or decide. It
// reports whether msg was such a report.
func (m *Model) fromScreen(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case pager.BackMsg:
		m.screen = listScreen
		m.layout()
		return nil, true
	case pager.GoneMsg:
		m.closePager()
		m.notice = "That post is no longer on the blog."
		return m.loadList(), true
	case pager.EditMsg:
		return m.openEditor(msg.Slug, false, false, pagerScreen), true
	case editor.SavedMsg:
		return m.loadList(), true
	case editor.ClosedMsg:
		return m.closeEditor(msg), true
	case marksMsg:
		if msg.err == nil {
			m.markProposals(msg.props)
		}
		return nil, true
	case tags.ChosenMsg:
		m.closePanel()
		m.showTag(msg.Tag)
		return nil, true
	case review.ClosedMsg, reads.ClosedMsg, tags.ClosedMsg:
		m.closePanel()
		return nil, true
	case review.DecidedMsg:
		return m.loadList(), true
	}
	return nil, false
}

// closePager goes back to the list, as it was left. The pager lets go of
// the post (its source, its render, its lines): a reader idle on the list
// holds none of it.
func (m *Model) closePager() {
	m.pager.Close()
	m.screen = listScreen
	m.layout()
}

// setDark restyles for a dark or light background and renders the open post
// again in the matching style.
func (m *Model) setDark(dark bool) tea.Cmd {
	if dark == m.dark {
		return nil
	}
	m.setStyles(dark)
	cmd := m.pager.SetStyles(m.st, dark) // renders the open post again, if any
	switch m.screen {
	case editorScreen:
		return tea.Batch(cmd, m.edit.SetStyles(m.st, dark))
	case panelScreen:
		m.panel.SetStyles(m.st)
	}
	return cmd
}

// setStyles builds the styles for a background and hands them to the
// components that draw with them.
func (m *Model) setStyles(dark bool) {
	m.dark = dark
	m.st = theme.For(dark)
	m.delegate.St = m.st
	m.help.Styles = m.st.Help
	m.list.Styles = m.st.List
	m.list.FilterInput.SetStyles(m.st.FilterInput)
}

// resize takes the window's new size. The open post is laid out again and
// rendered for the new width.
func (m *Model) resize(w, h int) tea.Cmd {
	m.width, m.height = max(0, w), max(0, h)
	m.layout()
	switch m.screen {
	case pagerScreen:
		return m.pager.Resize(m.width, m.height)
	case editorScreen:
		return m.edit.Resize(m.width, m.height)
	case panelScreen:
		m.panel.Resize(m.width, m.height)
	}
	return nil
}

// layout gives the list and the pager the room the window leaves them.
func (m *Model) layout() {
	iw := max(0, m.width-2*theme.ListMargin(m.width))
	helpH := lipgloss.Height(m.helpView(m.listHelp(), m.showListHelp, iw))
	lh := max(0, m.height-listHeaderHeight-listFooterHeight-helpH)
	if m.list.Width() != iw || m.list.Height() != lh {
		m.list.SetSize(iw, lh)
	}
	if m.pager != nil {
		m.pager.SetSize(m.width, m.height)
	}
}

// helpView is the short or the full help, at most width columns wide where
// it can be. Full help's columns go side by side while they fit, and on to
// more rows when they do not.
func (m *Model) helpView(keys helpKeys, full bool, width int) string {
	return m.shared.helpLine(theme.HelpKey(keys.short, keys.full, full, width, m.dark), func() string {
		return theme.DrawHelp(m.help, keys.short, keys.full, full, width)
	})
}

// View returns the screen. No line is wider than the window and there are
// no more lines than it has. It draws only after a message that may have
// changed the screen; otherwise it returns the last frame.
func (m *Model) View() tea.View {
	if m.stale {
		if m.pristine {
			// Sessions as New leaves them on the same list look alike:
			// the first of them draws the frame for all.
			key := firstViewKey{build: m.listBuild, width: m.width, height: m.height, author: m.canEdit(), title: m.title}
			m.frame = m.shared.firstView(key, m.draw)
		} else {
			m.frame = m.draw()
		}
		m.stale, m.pristine = false, false
	}
	return m.frame
}

// draw draws the screen.
func (m *Model) draw() tea.View {
	var content string
	var cursor *tea.Cursor
	title := m.title
	if m.width > 0 && m.height > 0 {
		switch m.screen {
		case pagerScreen:
			content = m.pager.View()
			title = theme.JoinNonEmpty(" · ", m.pager.Title(), m.title)
		case editorScreen:
			content = m.edit.View()
			cursor = m.edit.Cursor()
			title = theme.JoinNonEmpty(" · ", m.edit.WindowTitle(), m.title)
		case panelScreen:
			content = m.panel.View()
			title = theme.JoinNonEmpty(" · ", m.panelTitle, m.title)
		default:
			content = m.listView()
		}
		content = fit(content, m.width, m.height)
	}
	v := tea.NewView(content)
	v.AltScreen = true
	v.WindowTitle = title
	v.Cursor = cursor
	return v
}

// awayNotice is the list's status line while the blog's store is away.
const awayNotice = "The blog's store is away: these are the posts as they were."

// fit cuts s to at most width columns and height lines. It is the last
// guard of the layout: the components are sized to fit, but some (the help,
// the filter input) round in their own ways in very small windows.
func fit(s string, width, height int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		if termtext.Width(l) > width {
			lines[i] = termtext.Truncate(l, width, "")
		}
	}
	return strings.Join(lines, "\n")
}
