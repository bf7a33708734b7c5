// Package review is the reader's review screen, for authors of a blog
// that requires a review: the proposals waiting, oldest first; enter shows
// one as a diff against what readers see, with the notes left on it, and
// there a approves it and x rejects it, each after a y to confirm. The
// rules (nobody approves their own proposal) are the blog's.
package review

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// callTimeout bounds one call to the Reviewer.
const callTimeout = 10 * time.Second

// Reviewer is what the review screen asks of the blog, for the session's
// author. Its methods are called from commands, with a time limit; a
// refusal comes back as an error to show.
type Reviewer interface {
	// Open returns the proposals waiting for a review, oldest first.
	Open(ctx context.Context) ([]store.Proposal, error)
	// Diff returns proposal n of slug, with its notes, and a unified diff
	// of it against the post's current revision.
	Diff(ctx context.Context, slug string, n uint64) (store.Proposal, string, error)
	// Approve publishes proposal n of slug and says what it did, in a line.
	Approve(ctx context.Context, slug string, n uint64) (string, error)
	// Reject closes proposal n of slug and says what it did, in a line.
	Reject(ctx context.Context, slug string, n uint64) (string, error)
}

// Keys are the screen's bindings.
type Keys struct {
	Up, Down key.Binding // the cursor on the list of proposals
	Open     key.Binding // show the proposal under the cursor
	Back     key.Binding // from a proposal to the list, from the list to the reader
	Close    key.Binding // from the list to the reader (the key that opened the screen)
	Approve  key.Binding
	Reject   key.Binding
}

// ClosedMsg tells the reader that the screen closed.
type ClosedMsg struct{}

// DecidedMsg tells the reader that a proposal was approved or rejected:
// the list of posts, and its marks, may have changed.
type DecidedMsg struct{}

// Model is the review screen. Make one each time it opens, with [New].
type Model struct {
	reviewer      Reviewer
	author        string // the session's
	title         string // the blog's, for the brand line
	keys          Keys
	st            *theme.Styles
	width, height int

	props   []store.Proposal
	cursor  int
	top     int
	loading bool
	msg     string // the answer to the last decision, or an error

	shown   *store.Proposal // the proposal shown, nil on the list of them
	diff    string          // its diff against what readers see
	confirm string          // "approve" or "reject" while asking for a y
	vp      viewport.Model
}

// The screen's own messages carry the screen that asked, so that an answer
// for a screen since closed is dropped.
type (
	loadedMsg struct {
		to    *Model
		props []store.Proposal
		err   error
	}
	diffMsg struct {
		to   *Model
		prop store.Proposal
		diff string
		err  error
	}
	decidedMsg struct {
		to   *Model
		line string
		err  error
	}
)

// New opens the screen for author, in a window of w by h drawn with st; the
// command reads the proposals.
func New(r Reviewer, author, title string, keys Keys, st *theme.Styles, w, h int) (*Model, tea.Cmd) {
	m := &Model{reviewer: r, author: author, title: title, keys: keys, st: st, loading: true, vp: viewport.New()}
	m.Resize(w, h)
	return m, m.load()
}

// call runs fn against the reviewer in a command, with a time limit.
func (r *Model) call(fn func(ctx context.Context, rv Reviewer) tea.Msg) tea.Cmd {
	rv := r.reviewer
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		return fn(ctx, rv)
	}
}

// load reads the open proposals again.
func (r *Model) load() tea.Cmd {
	return r.call(func(ctx context.Context, rv Reviewer) tea.Msg {
		ps, err := rv.Open(ctx)
		return loadedMsg{to: r, props: ps, err: err}
	})
}

// Update handles a key, or the answer to one of the screen's requests. It
// reports whether the message was the screen's.
func (r *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return r.key(msg), true
	case loadedMsg:
		if msg.to == r {
			r.loading = false
			if msg.err != nil {
				r.msg = theme.ErrorLine(msg.err)
				return nil, true
			}
			r.props = msg.props
			r.cursor = min(r.cursor, max(0, len(r.props)-1))
		}
		return nil, true
	case diffMsg:
		if msg.to == r {
			r.applyDiff(msg)
		}
		return nil, true
	case decidedMsg:
		if msg.to != r {
			return nil, true
		}
		if msg.err != nil {
			r.msg = theme.ErrorLine(msg.err)
			return nil, true
		}
		r.shown, r.msg, r.loading = nil, msg.line, true
		return tea.Batch(r.load(), func() tea.Msg { return DecidedMsg{} }), true
	}
	return nil, false
}

// key handles a key.
func (r *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if r.confirm != "" {
		action := r.confirm
		r.confirm = ""
		if msg.Text != "y" && msg.Text != "Y" {
			r.msg = "Not " + strings.TrimSuffix(action, "e") + "ed."
			return nil
		}
		return r.decide(action, *r.shown)
	}
	if r.shown != nil {
		return r.proposalKey(msg)
	}
	switch {
	case key.Matches(msg, r.keys.Back), key.Matches(msg, r.keys.Close):
		return func() tea.Msg { return ClosedMsg{} }
	case key.Matches(msg, r.keys.Up):
		r.cursor = max(0, r.cursor-1)
	case key.Matches(msg, r.keys.Down):
		r.cursor = max(0, min(len(r.props)-1, r.cursor+1))
	case key.Matches(msg, r.keys.Open) && len(r.props) > 0:
		p := r.props[r.cursor]
		r.msg = ""
		return r.call(func(ctx context.Context, rv Reviewer) tea.Msg {
			prop, diff, err := rv.Diff(ctx, p.Slug, p.N)
			return diffMsg{to: r, prop: prop, diff: diff, err: err}
		})
	}
	return nil
}

// proposalKey handles a key while one proposal is shown.
func (r *Model) proposalKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, r.keys.Back):
		r.shown, r.msg = nil, ""
		return nil
	case key.Matches(msg, r.keys.Approve):
		if r.shown.Author == r.author {
			r.msg = "You proposed this: another author must approve it."
			return nil
		}
		r.confirm = "approve"
		return nil
	case key.Matches(msg, r.keys.Reject):
		r.confirm = "reject"
		return nil
	}
	r.vp, _ = r.vp.Update(msg)
	return nil
}

// decide approves or rejects p.
func (r *Model) decide(action string, p store.Proposal) tea.Cmd {
	r.msg = "Working…"
	return r.call(func(ctx context.Context, rv Reviewer) tea.Msg {
		var line string
		var err error
		if action == "approve" {
			line, err = rv.Approve(ctx, p.Slug, p.N)
		} else {
			line, err = rv.Reject(ctx, p.Slug, p.N)
		}
		return decidedMsg{to: r, line: line, err: err}
	})
}

// applyDiff shows one proposal.
func (r *Model) applyDiff(msg diffMsg) {
	if msg.err != nil {
		r.msg = theme.ErrorLine(msg.err)
		return
	}
	r.shown, r.diff = &msg.prop, msg.diff
	r.relayout()
	r.vp.GotoTop()
}

// Resize lays the screen out for a window of w by h.
func (r *Model) Resize(w, h int) {
	r.width, r.height = max(0, w), max(0, h)
	r.relayout()
}

// SetStyles draws the screen with st.
func (r *Model) SetStyles(st *theme.Styles) {
	r.st = st
	r.relayout()
}

// relayout lays the shown proposal's diff out for the window.
func (r *Model) relayout() {
	if r.shown == nil {
		return
	}
	r.layoutView()
	r.vp.SetContent(r.diffLines(r.diff))
}

// layoutView sizes the viewport under a shown proposal's header.
func (r *Model) layoutView() {
	r.vp.SetWidth(r.width)
	r.vp.SetHeight(max(1, r.height-len(r.proposalHeader())))
}

// diffLines styles a unified diff for the window: additions and removals
// coloured, every line sanitised and cut to the width.
func (r *Model) diffLines(diff string) string {
	w := max(1, r.width)
	var b strings.Builder
	for line := range strings.Lines(diff) {
		line = termtext.Truncate(termtext.SanitizeLine(strings.TrimSuffix(line, "\n")), w, theme.Ellipsis)
		switch {
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"), strings.HasPrefix(line, "@@"):
			line = r.st.PostMeta.Render(line)
		case strings.HasPrefix(line, "+"):
			line = r.st.Added.Render(line)
		case strings.HasPrefix(line, "-"):
			line = r.st.Removed.Render(line)
		}
		b.WriteString(line + "\n")
	}
	if b.Len() == 0 {
		return "No changes: the proposal is what readers see."
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// proposalHeader is the lines above a shown proposal's diff: what it is,
// the notes left on it, and the keys or the question being asked.
func (r *Model) proposalHeader() []string {
	p := r.shown
	w := max(1, r.width)
	cut := func(s string) string { return termtext.Truncate(termtext.SanitizeLine(s), w, theme.Ellipsis) }
	lines := []string{r.st.PostTitle.Render(cut(fmt.Sprintf("%s rev %d by %s · %s ago", p.Slug, p.N, p.Author, termtext.Ago(time.Since(p.Time)))))}
	for _, n := range p.Notes {
		lines = append(lines, r.st.PostMeta.Render(cut(n.Author+": "+noteText(n))))
	}
	status := "a approve · x reject · esc back"
	switch {
	case r.confirm == "approve":
		status = fmt.Sprintf("Approve %s rev %d by %s? y/n", p.Slug, p.N, p.Author)
	case r.confirm == "reject":
		status = fmt.Sprintf("Reject %s rev %d by %s? y/n", p.Slug, p.N, p.Author)
	case r.msg != "":
		status = r.msg
	}
	style := r.st.Status
	if r.confirm != "" {
		style = r.st.Notice
	}
	return append(lines, style.Render(cut(status)), "")
}

// noteText words a note on a proposal.
func noteText(n store.Note) string {
	what := string(n.Action)
	if n.Action == store.Approved {
		what = fmt.Sprintf("approved (rev %d)", n.Rev)
	}
	if n.Text != "" {
		what += ": " + n.Text
	}
	return what
}

// View draws the review screen.
func (r *Model) View() string {
	if r.shown != nil {
		r.layoutView()
		return strings.Join(append(r.proposalHeader(), r.vp.View()), "\n")
	}
	mw := theme.ListMargin(r.width)
	iw := max(0, r.width-2*mw)
	status := fmt.Sprintf("%d waiting for a review · enter shows one · esc back", len(r.props))
	switch {
	case r.loading:
		status = "Reading the proposals…"
	case r.msg != "":
		status = r.msg
	}
	lines := []string{theme.BrandLine(r.st, r.title, iw), r.st.Status.Render(termtext.Truncate(status, iw, theme.Ellipsis)), ""}
	if !r.loading && len(r.props) == 0 {
		lines = append(lines, r.st.Empty.Render(termtext.Truncate("Nothing to review.", iw, theme.Ellipsis)))
	}
	room := max(1, (r.height-len(lines))/2)
	r.top = min(r.top, r.cursor)
	if r.cursor >= r.top+room {
		r.top = r.cursor - room + 1
	}
	for i := r.top; i < len(r.props) && i < r.top+room; i++ {
		p := r.props[i]
		name := termtext.Truncate(termtext.SanitizeLine(fmt.Sprintf("%s rev %d", p.Slug, p.N)), max(1, iw-2), theme.Ellipsis)
		meta := fmt.Sprintf("by %s · %s ago", p.Author, termtext.Ago(time.Since(p.Time)))
		switch len(p.Notes) {
		case 0:
		case 1:
			meta += " · 1 note"
		default:
			meta += fmt.Sprintf(" · %d notes", len(p.Notes))
		}
		meta = termtext.Truncate(termtext.SanitizeLine(meta), max(1, iw-2), theme.Ellipsis)
		if i == r.cursor {
			lines = append(lines, r.st.Gutter.Render("│")+" "+r.st.SelTitle.Render(name), r.st.Gutter.Render("│")+" "+r.st.SelMeta.Render(meta))
		} else {
			lines = append(lines, "  "+r.st.Title.Render(name), "  "+r.st.Meta.Render(meta))
		}
	}
	return theme.Indent(strings.Join(lines, "\n"), mw)
}
