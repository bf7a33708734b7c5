package tui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// saveTimeout bounds one save.
const saveTimeout = 30 * time.Second

// question is what the editor is asking, if anything.
type question int

const (
	noQuestion question = iota
	askClose            // discard the changes and close the editor?
	askQuit             // discard the changes and end the session?
)

// editor is the screen where an author writes a post: the whole markdown,
// front matter and all, in a text area, with a title bar above and a status
// line below; or, at the press of a key, the post as readers will see it.
type editor struct {
	back screen // where closing goes: the list or the pager
	quit bool   // closing ends the session: it was started in the editor
	slug string // the post's; empty for a new post until its first save
	rev  uint64 // the revision the text is based on; 0 for a new post
	page bool   // a new page rather than a post, for the title
	seq  int    // the newest load or save; older answers are dropped

	loading bool         // the post is being read
	loaded  bool         // the text is there to edit
	saving  bool         // a save is in flight
	saved   *store.Entry // the last save's answer, if any
	newer   uint64       // a newer revision someone else saved, once seen

	buf    buffer
	msg    string // one line for the status bar, sanitised
	msgErr bool   // msg is an error
	msgAt  int    // the text's edits when msg was set: it goes with the next
	ask    question

	pv preview
}

// preview is the post as readers will see it, rendered from the text.
type preview struct {
	on   bool
	gen  int        // counts the times preview was turned on
	text string     // the text shown
	post *post.Post // text, parsed; nil until it is, or if it does not parse
	body string     // post's body, rendered
	key  render.Key // what body is the outcome of
	busy bool       // a render is in flight
	err  string     // why there is no preview: one sanitised line
	vp   viewport.Model
}

// editLoadedMsg answers a request for the post to edit.
type editLoadedMsg struct {
	seq int
	rev store.Revision
	err error
}

// savedMsg answers a save.
type savedMsg struct {
	seq   int
	text  string // what was saved
	saved Saved
	err   error
}

// previewMsg answers a request for a preview.
type previewMsg struct {
	gen  int
	post *post.Post // nil when the text does not parse
	key  render.Key
	out  string
	err  error
}

// canEdit reports whether the session is an author's, with somewhere to
// save to.
func (m *Model) canEdit() bool {
	return m.author != "" && m.save != nil
}

// openEditor opens the editor on the post named slug, or on a new post (a
// new page if page is set) when slug is empty. Closing it goes back to
// back.
func (m *Model) openEditor(slug string, page bool, back screen) tea.Cmd {
	if !m.canEdit() {
		return nil
	}
	m.editSeq++
	e := &editor{back: back, slug: slug, page: page, seq: m.editSeq, buf: newBuffer()}
	e.buf.ta.SetStyles(m.st.Text)
	e.pv.vp = viewport.New()
	e.pv.vp.KeyMap = newScrollKeyMap()
	e.pv.vp.MouseWheelEnabled = false
	m.edit = e
	m.screen = editorScreen
	m.layoutEditor()
	if slug == "" {
		text, row, col := newPostTemplate(time.Now().In(m.loc), page)
		e.buf.load(text, row, col)
		e.loaded = true
		return nil
	}
	e.loading = true
	return loadSource(m.posts, e.seq, slug)
}

// newPostTemplate is the text of a new post: front matter with an empty
// title (the cursor goes between its quotes), today's date and no tags; or
// for a page, no date. It is a draft until the author says otherwise.
func newPostTemplate(today time.Time, page bool) (text string, row, col int) {
	lines := []string{"---", `title: ""`}
	if page {
		lines = append(lines, "page: true")
	} else {
		lines = append(lines, "date: "+today.Format(theme.DateLayout), "tags: []")
	}
	lines = append(lines, "draft: true", "---", "", "")
	return strings.Join(lines, "\n"), 1, len(`title: "`)
}

// loadSource reads the current revision of slug, for editing.
func loadSource(posts store.Reader, seq int, slug string) tea.Cmd {
	return func() tea.Msg {
		if posts == nil {
			return editLoadedMsg{seq: seq, err: store.ErrNotFound}
		}
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		rev, err := posts.Get(ctx, slug)
		if err != nil {
			return editLoadedMsg{seq: seq, err: fmt.Errorf("reading %s: %w", slug, err)}
		}
		return editLoadedMsg{seq: seq, rev: rev}
	}
}

// applyEditLoad takes the post to edit.
func (m *Model) applyEditLoad(msg editLoadedMsg) tea.Cmd {
	e := m.edit
	if e == nil || msg.seq != e.seq || !e.loading {
		return nil
	}
	e.loading = false
	if msg.err != nil {
		if errors.Is(msg.err, store.ErrNotFound) {
			e.setMsg(fmt.Sprintf("There is no post %q to edit.", termtext.SanitizeLine(e.slug)), true)
		} else {
			e.setMsg(theme.ErrorLine(msg.err), true)
		}
		return nil
	}
	text, tabs, dropped := editable(string(msg.rev.Source))
	e.slug, e.rev = msg.rev.Slug, msg.rev.Rev
	e.buf.load(text, 0, 0)
	e.loaded = true
	switch {
	case dropped:
		e.setMsg("Characters that cannot be edited (U+FFFD) are left out; saving leaves them out.", false)
	case tabs:
		e.setMsg("Tabs are spaces here: saving writes spaces.", false)
	}
	return nil
}

// setMsg puts a line in the status bar. It stays until the text changes.
func (e *editor) setMsg(s string, isErr bool) {
	e.msg, e.msgErr, e.msgAt = termtext.SanitizeLine(s), isErr, e.buf.edits
}

// editorKey handles a key in the editor.
func (m *Model) editorKey(msg tea.KeyPressMsg) tea.Cmd {
	e, k := m.edit, m.editKeys
	if e.ask != noQuestion {
		switch {
		case key.Matches(msg, k.Yes):
			if e.ask == askQuit {
				return tea.Quit
			}
			return m.closeEditor()
		case key.Matches(msg, k.No):
			e.ask = noQuestion
		case key.Matches(msg, k.Quit):
			return tea.Quit // asked twice
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		if e.dirty() {
			e.ask = askQuit
			return nil
		}
		return tea.Quit
	case key.Matches(msg, k.Close) && !(e.pv.on && msg.Code == tea.KeyEscape):
		if e.saving {
			e.setMsg("Saving…", false)
			return nil
		}
		if e.dirty() {
			e.ask = askClose
			return nil
		}
		return m.closeEditor()
	case !e.loaded:
		return nil
	case key.Matches(msg, k.Save):
		return m.saveEdit()
	case key.Matches(msg, k.Preview) || e.pv.on && msg.Code == tea.KeyEscape:
		return m.togglePreview()
	case e.pv.on:
		e.pv.vp, _ = e.pv.vp.Update(msg)
		return nil
	case key.Matches(msg, k.Tab):
		_, col := e.buf.position()
		line := e.buf.currentLine()
		w := termtext.Width(line[:byteOffset(line, col-1)])
		m.insertText(strings.Repeat(" ", tabStop-w%tabStop))
	default:
		err := e.buf.guard(func() {
			switch {
			case key.Matches(msg, k.Top):
				e.buf.jump(false)
			case key.Matches(msg, k.Bottom):
				e.buf.jump(true)
			default:
				e.buf.update(msg)
			}
		})
		if err != nil {
			e.setMsg("That key was not applied: "+err.Error(), true)
			return nil
		}
	}
	e.textChanged()
	return nil
}

// editorPaste handles a paste in the editor.
func (m *Model) editorPaste(msg tea.PasteMsg) tea.Cmd {
	e := m.edit
	if !e.loaded || e.pv.on || e.ask != noQuestion {
		return nil
	}
	m.insertText(msg.Content)
	e.textChanged()
	return nil
}

// insertText puts s at the cursor, or says why it cannot.
func (m *Model) insertText(s string) {
	e := m.edit
	var err error
	if gerr := e.buf.guard(func() { err = e.buf.insert(s, post.MaxSize) }); gerr != nil {
		err = gerr
	}
	if err != nil {
		e.setMsg("Not pasted: "+err.Error(), true)
	}
}

// textChanged drops a message about an older text.
func (e *editor) textChanged() {
	if e.msg != "" && e.msgAt != e.buf.edits {
		e.msg, e.msgErr = "", false
	}
}

// dirty reports whether closing the editor would lose something.
func (e *editor) dirty() bool {
	return e.loaded && e.buf.modified
}

// saveEdit saves the text as the post's next revision, based on the
// revision the editing started from (or the last save), so that a
// revision saved meanwhile by someone else is a conflict, not lost.
func (m *Model) saveEdit() tea.Cmd {
	e := m.edit
	switch {
	case e.saving:
		return nil
	case e.slug != "" && !e.buf.modified:
		e.setMsg("No changes to save.", false)
		return nil
	}
	m.editSeq++
	e.seq = m.editSeq
	e.saving = true
	e.msg = ""
	seq, save, slug, rev, text := e.seq, m.save, e.slug, e.rev, e.buf.text()
	return func() (msg tea.Msg) {
		defer func() {
			if v := recover(); v != nil {
				msg = savedMsg{seq: seq, text: text, err: fmt.Errorf("saving: panic: %v", v)}
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
		defer cancel()
		saved, err := save(ctx, slug, []byte(text), rev)
		return savedMsg{seq: seq, text: text, saved: saved, err: err}
	}
}

// applySaved takes the answer to a save.
func (m *Model) applySaved(msg savedMsg) tea.Cmd {
	e := m.edit
	if e == nil || msg.seq != e.seq || !e.saving {
		return nil
	}
	e.saving = false
	if msg.err != nil {
		e.setMsg(saveError(msg.err, e.slug, e.rev), true)
		return nil
	}
	if msg.saved.Slug != "" {
		e.slug = msg.saved.Slug
	}
	e.buf.rebase(msg.text)
	if n := msg.saved.Proposed; n != 0 {
		// Readers still see the revision the edit started from: the next
		// save is another proposal on the same one.
		e.setMsg(fmt.Sprintf("Proposed %s rev %d: it needs a review.", e.slug, n), false)
		return m.loadList()
	}
	e.rev, e.newer = msg.saved.Entry.Rev, 0
	entry := msg.saved.Entry
	e.saved = &entry
	e.setMsg(fmt.Sprintf("Saved %s rev %d.", e.slug, e.rev), false)
	return m.loadList()
}

// saveError words a failed save for the status bar.
func saveError(err error, slug string, rev uint64) string {
	switch {
	case errors.Is(err, store.ErrConflict) && rev == 0:
		return "Not saved: a post with this slug exists. Change the title, or set a slug."
	case errors.Is(err, store.ErrConflict):
		return fmt.Sprintf("Not saved: someone else saved %s after rev %d, which you are editing.", slug, rev)
	case errors.Is(err, context.DeadlineExceeded):
		return "Not saved: the blog did not answer in time. Try again."
	}
	return "Not saved: " + termtext.SanitizeLine(err.Error())
}

// closeEditor leaves the editor for where it was opened from, showing the
// post that was saved, if any.
func (m *Model) closeEditor() tea.Cmd {
	e := m.edit
	if e.quit {
		return tea.Quit
	}
	m.edit = nil
	m.screen = e.back
	if e.saved != nil && !m.selectPost(e.slug) {
		m.pendingSlug = e.slug // the list has not been read since the save
	}
	m.layout()
	if m.screen != pagerScreen {
		return nil
	}
	// The pager was not drawn while the editor was open: the window may
	// have changed, and the post may have a new revision, by this author
	// or another.
	p := &m.pager
	m.setPagerContent(true)
	cmd := m.requestRender()
	if p.post != nil {
		if en, ok := m.entry(p.rev.Slug); ok && en.Rev != p.rev.Rev {
			p.seq++
			p.keep = true
			cmd = tea.Batch(cmd, loadPost(m.source(), p.seq, p.rev.Slug))
		}
	}
	return cmd
}

// entry is what the list knows of the post named slug.
func (m *Model) entry(slug string) (store.Entry, bool) {
	for _, items := range [][]list.Item{m.postItems, m.pageItems} {
		for _, li := range items {
			if it, ok := li.(*item); ok && it.entry.Slug == slug {
				return it.entry, true
			}
		}
	}
	return store.Entry{}, false
}

// noticeNewer tells the author when the list shows that someone else saved
// the post being edited: saving will then be refused.
func (m *Model) noticeNewer(entries []store.Entry) {
	e := m.edit
	if e == nil || e.slug == "" || e.saving || !e.loaded {
		return
	}
	for _, en := range entries {
		if en.Slug == e.slug && en.Rev > e.rev && en.Rev != e.newer {
			e.newer = en.Rev
			by := ""
			if en.By != "" {
				by = " by " + en.By
			}
			e.setMsg(fmt.Sprintf("%s rev %d was saved%s while you edit rev %d: saving will be refused.", e.slug, en.Rev, by, e.rev), true)
		}
	}
}

// togglePreview turns the preview on or off.
func (m *Model) togglePreview() tea.Cmd {
	pv := &m.edit.pv
	if pv.on {
		pv.on = false
		return nil
	}
	text := m.edit.buf.text()
	pv.on = true
	pv.gen++
	if text != pv.text || pv.post == nil {
		pv.text, pv.post, pv.body, pv.key, pv.err = text, nil, "", render.Key{}, ""
	}
	pv.busy = false // an answer in flight is for an older generation
	m.setPreviewContent(false)
	return m.requestPreview()
}

// previewKey is the render the preview needs: its width and style. The ID
// comes with the parsed body.
func (m *Model) previewKey() render.Key {
	style := render.Dark
	if !m.dark {
		style = render.Light
	}
	return render.Key{Width: renderWidth(m.edit.pv.vp.Width()), Style: style}
}

// requestPreview starts the render the preview needs, unless it has it or
// one is in flight.
func (m *Model) requestPreview() tea.Cmd {
	pv := &m.edit.pv
	want := m.previewKey()
	if !pv.on || pv.busy || pv.vp.Width() < 1 || pv.err != "" && pv.post == nil ||
		pv.key.Width == want.Width && pv.key.Style == want.Style {
		return nil
	}
	pv.busy = true
	slug := m.edit.slug
	if slug == "" {
		slug = "new"
	}
	return renderPreview(m.renderer, pv.gen, pv.text, pv.post, slug, m.loc, want)
}

// renderPreview parses text, unless it is given parsed, and renders its
// body. The render's ID is the hash of the body, so drafts share nothing
// with revisions in the render cache, and identical drafts share one entry.
func renderPreview(r Renderer, gen int, text string, parsed *post.Post, slug string, loc *time.Location, k render.Key) tea.Cmd {
	return func() (msg tea.Msg) {
		defer func() {
			if v := recover(); v != nil {
				msg = previewMsg{gen: gen, post: parsed, key: k, err: fmt.Errorf("preview: panic: %v", v)}
			}
		}()
		if parsed == nil {
			p, err := post.Parse([]byte(text), post.Options{Slug: slug, Location: loc})
			if err != nil {
				return previewMsg{gen: gen, key: k, err: err}
			}
			parsed = p
		}
		sum := sha256.Sum256(parsed.Body)
		k.ID = "draft:" + hex.EncodeToString(sum[:16])
		if r == nil {
			return previewMsg{gen: gen, post: parsed, key: k, err: errors.New("rendering: no renderer")}
		}
		out, err := r.Render(k, parsed.Body)
		if err != nil {
			return previewMsg{gen: gen, post: parsed, key: k, err: fmt.Errorf("rendering: %w", err)}
		}
		return previewMsg{gen: gen, post: parsed, key: k, out: out}
	}
}

// applyPreview takes a rendered preview.
func (m *Model) applyPreview(msg previewMsg) tea.Cmd {
	e := m.edit
	if e == nil || msg.gen != e.pv.gen {
		return nil
	}
	pv := &e.pv
	pv.busy = false
	if msg.post != nil {
		pv.post = msg.post
	}
	pv.key = msg.key
	if msg.err != nil {
		pv.err = theme.ErrorLine(msg.err)
	} else {
		pv.body, pv.err = msg.out, ""
	}
	m.setPreviewContent(true)
	return m.requestPreview()
}

// setPreviewContent lays out the preview: the header the pager would show,
// then the body, an error, or "Rendering…".
func (m *Model) setPreviewContent(keep bool) {
	pv := &m.edit.pv
	w := pv.vp.Width()
	frac := 0.0
	if total := pv.vp.TotalLineCount(); total > 0 {
		frac = float64(pv.vp.YOffset()) / float64(total)
	}
	var b strings.Builder
	if pv.post != nil {
		meta := pv.post.Meta
		author := meta.Author
		if author == "" {
			author = m.author
		}
		title := termtext.SanitizeLine(meta.Title)
		if title == "" {
			title = "(no title)"
		}
		b.WriteString(strings.Join(theme.PostHeader(m.st, m.loc, w, title, meta, author, ""), "\n"))
		b.WriteByte('\n')
	}
	inner := w - 2*theme.MarginWidth(w)
	switch {
	case pv.err != "":
		b.WriteString("\n" + theme.Margin(w) + m.st.Notice.Render(termtext.Truncate("Cannot preview: "+pv.err, inner, theme.Ellipsis)) + "\n")
	case pv.body == "":
		b.WriteString("\n" + theme.Margin(w) + m.st.PostMeta.Render(termtext.Truncate("Rendering…", inner, theme.Ellipsis)) + "\n")
	default:
		b.WriteString(pv.body)
	}
	pv.vp.SetContent(b.String())
	wide := pv.body != "" && pv.key.Width > w
	pv.vp.KeyMap.Left.SetEnabled(wide)
	pv.vp.KeyMap.Right.SetEnabled(wide)
	pv.vp.SetXOffset(pv.vp.XOffset())
	if keep {
		pv.vp.SetYOffset(int(math.Round(frac * float64(pv.vp.TotalLineCount()))))
	} else {
		pv.vp.GotoTop()
	}
}

// layoutEditor sizes the editor to the window: the title bar and the
// status line take a row each, the text or the preview the rest. The text
// leaves the last column for the cursor at the end of a full line.
func (m *Model) layoutEditor() tea.Cmd {
	e := m.edit
	if e == nil {
		return nil
	}
	rows := max(1, m.height-2)
	if err := e.buf.guard(func() { e.buf.setSize(m.width-1, rows) }); err != nil {
		e.setMsg(err.Error(), true)
	}
	vp := &e.pv.vp
	if vp.Width() == m.width && vp.Height() == rows {
		return nil
	}
	vp.SetWidth(m.width)
	vp.SetHeight(rows)
	if !e.pv.on {
		return nil
	}
	m.setPreviewContent(true)
	return m.requestPreview()
}

// editorView draws the editor: the title bar, the text or the preview, and
// the status line.
func (m *Model) editorView() string {
	e := m.edit
	w, h := m.width, m.height
	lines := []string{m.editorTitle(w)}
	if rows := h - 2; rows > 0 {
		var body string
		switch {
		case e.pv.on:
			body = e.pv.vp.View()
		case e.loaded:
			body = e.buf.view()
		}
		bl := strings.Split(body, "\n")
		for i := range rows {
			if i < len(bl) {
				lines = append(lines, bl[i])
			} else {
				lines = append(lines, "")
			}
		}
	}
	if h > 1 {
		lines = append(lines, m.editorStatus(w))
	}
	return strings.Join(lines, "\n")
}

// editorCursor is where the terminal's cursor goes: in the text, unless the
// text is not shown.
func (m *Model) editorCursor() *tea.Cursor {
	e := m.edit
	if e == nil || !e.loaded || e.pv.on || e.ask != noQuestion || m.height < 3 || m.width < 2 {
		return nil
	}
	c := e.buf.cursorView()
	if c == nil {
		return nil
	}
	c.Position.Y++ // under the title bar
	if c.Position.Y < 1 || c.Position.Y > m.height-2 {
		return nil
	}
	c.Position.X = min(max(c.Position.X, 0), m.width-1)
	return c
}

// name is what the title bar calls the post.
func (e *editor) name() string {
	switch {
	case e.slug != "":
		return termtext.SanitizeLine(e.slug)
	case e.page:
		return "New page"
	}
	return "New post"
}

// windowTitle is what the terminal's window is called while editing.
func (e *editor) windowTitle() string {
	if e.slug == "" {
		return e.name()
	}
	return "Editing " + e.name()
}

// editorTitle is the editor's top line: the post's slug and revision, and
// whether the text is modified, or that this is the preview; on the right,
// where the cursor is, or how far into the preview. When the window is too
// narrow, the right goes first, then the revision, then the slug is cut;
// "modified" stays.
func (m *Model) editorTitle(w int) string {
	e := m.edit
	if w < 1 {
		return ""
	}
	name := " " + e.name()
	info := ""
	if e.rev > 0 {
		info = fmt.Sprintf(" · rev %d", e.rev)
	}
	tail := " "
	switch {
	case e.pv.on:
		tail = " · preview "
	case e.dirty():
		tail = " · modified "
	}
	right := ""
	switch {
	case e.pv.on:
		right = fmt.Sprintf(" %3.f%% ", math.Round(e.pv.vp.ScrollPercent()*100))
	case e.loaded:
		line, col := e.buf.position()
		right = fmt.Sprintf(" ln %d/%d, col %d ", line, e.buf.lineCount(), col)
	}
	width := func(parts ...string) (n int) {
		for _, p := range parts {
			n += termtext.Width(p)
		}
		return n
	}
	if width(name, info, tail, right) > w {
		right = ""
	}
	if width(name, info, tail) > w {
		info = ""
	}
	if width(name, tail) > w {
		name = termtext.Truncate(name, max(w-width(tail), min(w, 4)), theme.Ellipsis)
	}
	room := w - width(name, info)
	tail = termtext.Truncate(tail, room, "")
	gap := max(0, room-width(tail, right))
	return m.st.BarTitle.Render(name) + m.st.Bar.Render(info) + m.st.BarModified.Render(tail) +
		m.st.Bar.Render(strings.Repeat(" ", gap)) + m.st.BarPercent.Render(right)
}

// editorStatus is the editor's bottom line: a question, a message, or the
// keys.
func (m *Model) editorStatus(w int) string {
	e := m.edit
	k := m.editKeys
	switch {
	case e.ask == askClose:
		return m.st.Notice.Render(askLine("Discard your changes?", w))
	case e.ask == askQuit:
		return m.st.Notice.Render(askLine("Quit and discard your changes?", w))
	case e.saving:
		return m.st.Status.Render(termtext.Truncate("Saving…", w, theme.Ellipsis))
	case e.loading:
		return m.st.Status.Render(termtext.Truncate("Loading…", w, theme.Ellipsis))
	case e.msg != "" && e.msgErr:
		return m.st.Notice.Render(termtext.Truncate(e.msg, w, theme.Ellipsis))
	case e.msg != "":
		return m.st.Info.Render(termtext.Truncate(e.msg, w, theme.Ellipsis))
	}
	var keys []key.Binding
	switch {
	case !e.loaded:
		keys = []key.Binding{k.Close, k.Quit}
	case e.pv.on:
		keys = []key.Binding{withHelp(k.Preview, "ctrl+r/esc", "edit"), m.pager.vp.KeyMap.Down, k.Save, withHelp(k.Close, "ctrl+q", "close")}
	default:
		keys = []key.Binding{k.Save, k.Preview, k.Close}
	}
	h := m.help
	h.SetWidth(w)
	return h.ShortHelpView(keys)
}

// askLine is a yes-or-no question cut to width, the answers kept.
func askLine(q string, width int) string {
	const answers = " y/n"
	if termtext.Width(q+answers) <= width {
		return q + answers
	}
	return termtext.Truncate(termtext.Truncate(q, width-len(answers), theme.Ellipsis)+answers, width, "")
}
