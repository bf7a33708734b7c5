// Package editor is the screen where an author writes a post in the
// reader: the whole markdown, front matter and all, in a text area, with a
// title bar above and a status line below; or, at the press of a key, the
// post as readers will see it. The reader (package tui) opens it, hands it
// the keys and messages while it is shown, and is told when it saves and
// when it closes.
package editor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// saveTimeout bounds one save; loadTimeout one read of the post.
const (
	saveTimeout = 30 * time.Second
	loadTimeout = 10 * time.Second
)

// Renderer renders a post's body for the preview.
type Renderer interface {
	Render(key render.Key, markdown []byte) (string, error)
}

// SaveFunc parses src, a post's whole markdown, and stores it as the next
// revision of the post named slug, by the session's author. An empty slug
// means a new post, named by its front matter's slug or its title; the
// answer's Slug is the post's name either way.
//
// ifRev is the revision the edit started from: when the post's current
// revision is another, Save stores nothing and returns an error wrapping
// store.ErrConflict. An ifRev of 0 means the post must not exist yet.
// Other errors are shown to the author on one line, sanitised, after "Not
// saved:", so they should say what to fix: a post that does not parse, a
// slug that is not allowed. (The editor words conflicts itself.)
//
// When the blog requires a review, Save stores a proposal instead and says
// so in Saved.Proposed. Save is called from a command, not from Update, one
// call at a time per editor, with a context that ends after a time limit.
type SaveFunc func(ctx context.Context, slug string, src []byte, ifRev uint64) (Saved, error)

// Saved is what a save did.
type Saved struct {
	// Slug is the post's name.
	Slug string
	// Entry is the post's new entry, when the save was published.
	Entry store.Entry
	// Proposed numbers the proposal the save made instead, when the blog
	// requires a review; 0 when the save was published.
	Proposed uint64
	// Missing names the images the post shows that the blog has no file
	// for, as written: the save went through, with a warning.
	Missing []string
	// Unchanged is set when the text was the post's current revision byte
	// for byte: nothing was stored, and Entry is that revision.
	Unchanged bool
}

// Options say where the editor reads, saves and renders.
type Options struct {
	Author     string         // the session's author, for the preview's byline
	Save       SaveFunc       // stores the text
	Posts      store.Reader   // where a post to edit is read from
	Renderer   Renderer       // renders the preview
	Location   *time.Location // the time zone dates are shown in
	ScrollKeys viewport.KeyMap
}

// SavedMsg tells the reader that the editor saved: the list may have
// changed.
type SavedMsg struct{ Slug string }

// ClosedMsg tells the reader that the editor closed. Saved is set when a
// save was published, so the reader shows that post.
type ClosedMsg struct {
	Slug  string
	Saved bool
}

// question is what the editor is asking, if anything.
type question int

const (
	noQuestion question = iota
	askClose            // discard the changes and close the editor?
	askQuit             // discard the changes and end the session?
)

// Model is the editor. Make one per post edited with [New].
type Model struct {
	opts          Options
	st            *theme.Styles
	dark          bool
	width, height int
	keys          Keys
	help          help.Model

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

// The editor's own messages carry the editor that asked, so that an answer
// for an editor since closed is dropped.

// editLoadedMsg answers a request for the post to edit.
type editLoadedMsg struct {
	to  *Model
	seq int
	rev store.Revision
	err error
}

// savedMsg answers a save.
type savedMsg struct {
	to    *Model
	seq   int
	text  string // what was saved
	saved Saved
	err   error
}

// previewMsg answers a request for a preview.
type previewMsg struct {
	to   *Model
	gen  int
	post *post.Post // nil when the text does not parse
	key  render.Key
	out  string
	err  error
}

// New opens an editor on the post named slug, or on a new post (a new page
// if page is set) when slug is empty, in a window of w by h drawn with st.
// With quit set, closing it ends the session. The command reads the post.
func New(opts Options, slug string, page, quit bool, st *theme.Styles, dark bool, w, h int) (*Model, tea.Cmd) {
	if opts.Location == nil {
		opts.Location = time.Local
	}
	e := &Model{opts: opts, st: st, dark: dark, keys: NewKeys(), help: help.New(), quit: quit, slug: slug, page: page, seq: 1, buf: newBuffer()}
	e.help.Styles = st.Help
	e.buf.ta.SetStyles(st.Text)
	e.pv.vp = viewport.New()
	e.pv.vp.KeyMap = opts.ScrollKeys
	e.pv.vp.MouseWheelEnabled = false
	e.Resize(w, h)
	if slug == "" {
		text, row, col := newPostTemplate(time.Now().In(opts.Location), page)
		e.buf.load(text, row, col)
		e.loaded = true
		return e, nil
	}
	e.loading = true
	return e, e.loadSource()
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

// loadSource reads the current revision of the post, for editing.
func (e *Model) loadSource() tea.Cmd {
	posts, seq, slug := e.opts.Posts, e.seq, e.slug
	return func() tea.Msg {
		if posts == nil {
			return editLoadedMsg{to: e, seq: seq, err: store.ErrNotFound}
		}
		ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
		defer cancel()
		rev, err := posts.Get(ctx, slug)
		if err != nil {
			return editLoadedMsg{to: e, seq: seq, err: fmt.Errorf("reading %s: %w", slug, err)}
		}
		return editLoadedMsg{to: e, seq: seq, rev: rev}
	}
}

// applyEditLoad takes the post to edit.
func (e *Model) applyEditLoad(msg editLoadedMsg) tea.Cmd {
	if msg.to != e || msg.seq != e.seq || !e.loading {
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
	text, clash := editable(string(msg.rev.Source), false)
	if clash { // saving would lose them: refuse rather than change what nobody edited
		e.setMsg("This post holds characters (U+100000-U+1000FF) the editor uses itself: edit it elsewhere and publish it.", true)
		return nil
	}
	e.slug, e.rev = msg.rev.Slug, msg.rev.Rev
	e.buf.load(text, 0, 0)
	e.loaded = true
	return nil
}

// setMsg puts a line in the status bar. It stays until the text changes.
func (e *Model) setMsg(s string, isErr bool) {
	e.msg, e.msgErr, e.msgAt = termtext.SanitizeLine(s), isErr, e.buf.edits
}

// key handles a key in the editor.
func (e *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := e.keys
	if e.ask != noQuestion {
		switch {
		case key.Matches(msg, k.Yes):
			if e.ask == askQuit {
				return tea.Quit
			}
			return e.close()
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
		return e.close()
	case !e.loaded:
		return nil
	case key.Matches(msg, k.Save):
		return e.saveEdit()
	case key.Matches(msg, k.Preview) || e.pv.on && msg.Code == tea.KeyEscape:
		return e.togglePreview()
	case e.pv.on:
		e.pv.vp, _ = e.pv.vp.Update(msg)
		return nil
	case key.Matches(msg, k.Tab):
		e.insertText("\t")
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

// paste handles a paste in the editor.
func (e *Model) paste(msg tea.PasteMsg) tea.Cmd {
	if !e.loaded || e.pv.on || e.ask != noQuestion {
		return nil
	}
	e.insertText(msg.Content)
	e.textChanged()
	return nil
}

// insertText puts s at the cursor, or says why it cannot.
func (e *Model) insertText(s string) {
	var err error
	if gerr := e.buf.guard(func() { err = e.buf.insert(s, post.MaxSize) }); gerr != nil {
		err = gerr
	}
	if err != nil {
		e.setMsg("Not pasted: "+err.Error(), true)
	}
}

// textChanged drops a message about an older text.
func (e *Model) textChanged() {
	if e.msg != "" && e.msgAt != e.buf.edits {
		e.msg, e.msgErr = "", false
	}
}

// dirty reports whether closing the editor would lose something.
func (e *Model) dirty() bool {
	return e.loaded && e.buf.modified
}

// saveEdit saves the text as the post's next revision, based on the
// revision the editing started from (or the last save), so that a
// revision saved meanwhile by someone else is a conflict, not lost.
func (e *Model) saveEdit() tea.Cmd {
	switch {
	case e.saving:
		return nil
	case e.slug != "" && !e.buf.modified:
		e.setMsg("No changes to save.", false)
		return nil
	}
	e.seq++
	e.saving = true
	e.msg = ""
	seq, save, slug, rev, text := e.seq, e.opts.Save, e.slug, e.rev, e.buf.text()
	return func() (msg tea.Msg) {
		defer func() {
			if v := recover(); v != nil {
				msg = savedMsg{to: e, seq: seq, text: text, err: fmt.Errorf("saving: panic: %v", v)}
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
		defer cancel()
		saved, err := save(ctx, slug, []byte(restore(text)), rev)
		return savedMsg{to: e, seq: seq, text: text, saved: saved, err: err}
	}
}

// applySaved takes the answer to a save.
func (e *Model) applySaved(msg savedMsg) tea.Cmd {
	if msg.to != e || msg.seq != e.seq || !e.saving {
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
		return e.savedCmd()
	}
	e.rev, e.newer = msg.saved.Entry.Rev, 0
	if msg.saved.Unchanged {
		e.setMsg(fmt.Sprintf("Unchanged: %s rev %d already has this text; nothing was stored.", e.slug, e.rev), false)
		return nil
	}
	entry := msg.saved.Entry
	e.saved = &entry
	if m := msg.saved.Missing; len(m) > 0 {
		e.setMsg(fmt.Sprintf("Saved %s rev %d. Warning: no file for %d image(s): %s", e.slug, e.rev, len(m), termtext.SanitizeLine(strings.Join(m, ", "))), false)
		return e.savedCmd()
	}
	e.setMsg(fmt.Sprintf("Saved %s rev %d.", e.slug, e.rev), false)
	return e.savedCmd()
}

// savedCmd tells the reader that the editor saved.
func (e *Model) savedCmd() tea.Cmd {
	msg := SavedMsg{Slug: e.slug}
	return func() tea.Msg { return msg }
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

// close ends the editor: the session, if it was started in the editor;
// else back to the reader, told by ClosedMsg.
func (e *Model) close() tea.Cmd {
	if e.quit {
		return tea.Quit
	}
	msg := ClosedMsg{Slug: e.slug, Saved: e.saved != nil}
	return func() tea.Msg { return msg }
}

// NoticeNewer tells the author when the list shows that someone else saved
// the post being edited: saving will then be refused.
func (e *Model) NoticeNewer(entries []store.Entry) {
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
func (e *Model) togglePreview() tea.Cmd {
	pv := &e.pv
	if pv.on {
		pv.on = false
		return nil
	}
	text := restore(e.buf.text())
	pv.on = true
	pv.gen++
	if text != pv.text || pv.post == nil {
		pv.text, pv.post, pv.body, pv.key, pv.err = text, nil, "", render.Key{}, ""
	}
	pv.busy = false // an answer in flight is for an older generation
	e.setPreviewContent(false)
	return e.requestPreview()
}

// previewKey is the render the preview needs: its width and style. The ID
// comes with the parsed body.
func (e *Model) previewKey() render.Key {
	style := render.Dark
	if !e.dark {
		style = render.Light
	}
	return render.Key{Width: render.WidthFor(e.pv.vp.Width()), Style: style}
}

// requestPreview starts the render the preview needs, unless it has it or
// one is in flight.
func (e *Model) requestPreview() tea.Cmd {
	pv := &e.pv
	want := e.previewKey()
	if !pv.on || pv.busy || pv.vp.Width() < 1 || pv.err != "" && pv.post == nil ||
		pv.key.Width == want.Width && pv.key.Style == want.Style {
		return nil
	}
	pv.busy = true
	slug := e.slug
	if slug == "" {
		slug = "new"
	}
	return renderPreview(e, e.opts.Renderer, pv.gen, pv.text, pv.post, slug, e.opts.Location, want)
}

// renderPreview parses text, unless it is given parsed, and renders its
// body. The render's ID is the hash of the body, so drafts share nothing
// with revisions in the render cache, and identical drafts share one entry.
func renderPreview(to *Model, r Renderer, gen int, text string, parsed *post.Post, slug string, loc *time.Location, k render.Key) tea.Cmd {
	return func() (msg tea.Msg) {
		defer func() {
			if v := recover(); v != nil {
				msg = previewMsg{to: to, gen: gen, post: parsed, key: k, err: fmt.Errorf("preview: panic: %v", v)}
			}
		}()
		if parsed == nil {
			p, err := post.Parse([]byte(text), post.Options{Slug: slug, Location: loc})
			if err != nil {
				return previewMsg{to: to, gen: gen, key: k, err: err}
			}
			parsed = p
		}
		sum := sha256.Sum256(parsed.Body)
		k.ID = "draft:" + hex.EncodeToString(sum[:16])
		if r == nil {
			return previewMsg{to: to, gen: gen, post: parsed, key: k, err: errors.New("rendering: no renderer")}
		}
		out, err := r.Render(k, parsed.Body)
		if err != nil {
			return previewMsg{to: to, gen: gen, post: parsed, key: k, err: fmt.Errorf("rendering: %w", err)}
		}
		return previewMsg{to: to, gen: gen, post: parsed, key: k, out: out}
	}
}

// applyPreview takes a rendered preview.
func (e *Model) applyPreview(msg previewMsg) tea.Cmd {
	if msg.to != e || msg.gen != e.pv.gen {
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
	e.setPreviewContent(true)
	return e.requestPreview()
}

// setPreviewContent lays out the preview: the header the pager would show,
// then the body, an error, or "Rendering…".
func (e *Model) setPreviewContent(keep bool) {
	pv := &e.pv
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
			author = e.opts.Author
		}
		title := termtext.SanitizeLine(meta.Title)
		if title == "" {
			title = "(no title)"
		}
		b.WriteString(strings.Join(theme.PostHeader(e.st, e.opts.Location, w, title, meta, author, ""), "\n"))
		b.WriteByte('\n')
	}
	inner := w - 2*theme.MarginWidth(w)
	switch {
	case pv.err != "":
		b.WriteString("\n" + theme.Margin(w) + e.st.Notice.Render(termtext.Truncate("Cannot preview: "+pv.err, inner, theme.Ellipsis)) + "\n")
	case pv.body == "":
		b.WriteString("\n" + theme.Margin(w) + e.st.PostMeta.Render(termtext.Truncate("Rendering…", inner, theme.Ellipsis)) + "\n")
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

// Resize lays the editor out for a window of w by h: the title bar and the
// status line take a row each, the text or the preview the rest. The text
// leaves the last column for the cursor at the end of a full line.
func (e *Model) Resize(w, h int) tea.Cmd {
	e.width, e.height = max(0, w), max(0, h)
	rows := max(1, e.height-2)
	if err := e.buf.guard(func() { e.buf.setSize(e.width-1, rows) }); err != nil {
		e.setMsg(err.Error(), true)
	}
	vp := &e.pv.vp
	if vp.Width() == e.width && vp.Height() == rows {
		return nil
	}
	vp.SetWidth(e.width)
	vp.SetHeight(rows)
	if !e.pv.on {
		return nil
	}
	e.setPreviewContent(true)
	return e.requestPreview()
}

// View draws the editor: the title bar, the text or the preview, and
// the status line.
func (e *Model) View() string {
	w, h := e.width, e.height
	lines := []string{e.titleBar(w)}
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
		lines = append(lines, e.statusLine(w))
	}
	return strings.Join(lines, "\n")
}

// Cursor is where the terminal's cursor goes: in the text, unless the
// text is not shown.
func (e *Model) Cursor() *tea.Cursor {
	if e == nil || !e.loaded || e.pv.on || e.ask != noQuestion || e.height < 3 || e.width < 2 {
		return nil
	}
	c := e.buf.cursorView()
	if c == nil {
		return nil
	}
	c.Position.Y++ // under the title bar
	if c.Position.Y < 1 || c.Position.Y > e.height-2 {
		return nil
	}
	c.Position.X = min(max(c.Position.X, 0), e.width-1)
	return c
}

// name is what the title bar calls the post.
func (e *Model) name() string {
	switch {
	case e.slug != "":
		return termtext.SanitizeLine(e.slug)
	case e.page:
		return "New page"
	}
	return "New post"
}

// WindowTitle is what the terminal's window is called while editing.
func (e *Model) WindowTitle() string {
	if e.slug == "" {
		return e.name()
	}
	return "Editing " + e.name()
}

// titleBar is the editor's top line: the post's slug and revision, and
// whether the text is modified, or that this is the preview; on the right,
// where the cursor is, or how far into the preview. When the window is too
// narrow, the right goes first, then the revision, then the slug is cut;
// "modified" stays.
func (e *Model) titleBar(w int) string {
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
	return e.st.BarTitle.Render(name) + e.st.Bar.Render(info) + e.st.BarModified.Render(tail) +
		e.st.Bar.Render(strings.Repeat(" ", gap)) + e.st.BarPercent.Render(right)
}

// statusLine is the editor's bottom line: a question, a message, or the
// keys.
func (e *Model) statusLine(w int) string {
	k := e.keys
	switch {
	case e.ask == askClose:
		return e.st.Notice.Render(askLine("Discard your changes?", w))
	case e.ask == askQuit:
		return e.st.Notice.Render(askLine("Quit and discard your changes?", w))
	case e.saving:
		return e.st.Status.Render(termtext.Truncate("Saving…", w, theme.Ellipsis))
	case e.loading:
		return e.st.Status.Render(termtext.Truncate("Loading…", w, theme.Ellipsis))
	case e.msg != "" && e.msgErr:
		return e.st.Notice.Render(termtext.Truncate(e.msg, w, theme.Ellipsis))
	case e.msg != "":
		return e.st.Info.Render(termtext.Truncate(e.msg, w, theme.Ellipsis))
	}
	var keys []key.Binding
	switch {
	case !e.loaded:
		keys = []key.Binding{k.Close, k.Quit}
	case e.pv.on:
		keys = []key.Binding{withHelp(k.Preview, "ctrl+r/esc", "edit"), e.opts.ScrollKeys.Down, k.Save, withHelp(k.Close, "ctrl+q", "close")}
	default:
		keys = []key.Binding{k.Save, k.Preview, k.Close}
	}
	h := e.help
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

// Update handles a message for the editor: a key or a paste while it is
// shown, or the answer to one of its own requests. It reports whether the
// message was the editor's.
func (e *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return e.key(msg), true
	case tea.PasteMsg:
		return e.paste(msg), true
	case editLoadedMsg:
		return e.applyEditLoad(msg), true
	case savedMsg:
		return e.applySaved(msg), true
	case previewMsg:
		return e.applyPreview(msg), true
	}
	return nil, false
}

// SetStyles draws the editor with st, for a dark or light background; an
// open preview is rendered again to match.
func (e *Model) SetStyles(st *theme.Styles, dark bool) tea.Cmd {
	e.st, e.dark = st, dark
	e.help.Styles = st.Help
	e.buf.ta.SetStyles(st.Text)
	if !e.pv.on {
		return nil
	}
	e.setPreviewContent(true)
	return e.requestPreview()
}

// Text is the text being edited.
func (e *Model) Text() string { return restore(e.buf.text()) }

// Asking reports whether the editor waits for a yes or a no.
func (e *Model) Asking() bool { return e.ask != noQuestion }
