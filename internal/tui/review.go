package tui

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

// The review screen (r): an author's list of the proposals waiting for a
// review, oldest first; enter shows one as a diff against what readers see,
// with the comments left on it, and there a approves it and x rejects it,
// each after a y to confirm. The list of posts marks the posts with a
// proposal waiting.

// Reviewer is what the review screen asks of the blog, for the session's
// author. Its methods are called from commands, with a time limit; the
// rules (nobody approves their own proposal) are the blog's, and a refusal
// comes back as an error to show.
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

// reviewScreen is what the review screen holds.
type reviewScreen struct {
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

// proposalsMsg answers a request for the open proposals.
type proposalsMsg struct {
	props []store.Proposal
	err   error
}

// proposalDiffMsg answers a request for one proposal's diff.
type proposalDiffMsg struct {
	prop store.Proposal
	diff string
	err  error
}

// decidedMsg answers an approval or a rejection.
type decidedMsg struct {
	line string
	err  error
}

// canReview reports whether the session may open the review screen.
func (m *Model) canReview() bool { return m.author != "" && m.reviewer != nil }

// reviewCall runs fn against the reviewer in a command, with a time limit.
func (m *Model) reviewCall(fn func(ctx context.Context, r Reviewer) tea.Msg) tea.Cmd {
	r := m.reviewer
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		return fn(ctx, r)
	}
}

// openReview shows the review screen and reads the proposals.
func (m *Model) openReview() tea.Cmd {
	if !m.canReview() {
		return nil
	}
	m.screen = reviewView
	m.review = reviewScreen{vp: m.review.vp, loading: true}
	return m.loadProposals()
}

// loadProposals reads the open proposals again.
func (m *Model) loadProposals() tea.Cmd {
	return m.reviewCall(func(ctx context.Context, r Reviewer) tea.Msg {
		ps, err := r.Open(ctx)
		return proposalsMsg{props: ps, err: err}
	})
}

// applyProposals takes the open proposals: for the review screen, and for
// the marks on the list of posts.
func (m *Model) applyProposals(msg proposalsMsg) tea.Cmd {
	if msg.err == nil {
		m.markProposals(msg.props)
	}
	if m.screen != reviewView {
		return nil
	}
	rv := &m.review
	rv.loading = false
	if msg.err != nil {
		rv.msg = theme.ErrorLine(msg.err)
		return nil
	}
	rv.props = msg.props
	rv.cursor = min(rv.cursor, max(0, len(rv.props)-1))
	return nil
}

// markProposals marks on the list the posts with a proposal waiting: "to
// review" when someone else made it, "proposed" when this author did.
func (m *Model) markProposals(ps []store.Proposal) {
	marks := make(map[string]string, len(ps))
	for _, p := range ps {
		if p.Author != m.author {
			marks[p.Slug] = "to review"
		} else if marks[p.Slug] == "" {
			marks[p.Slug] = "proposed"
		}
	}
	m.toReview = 0
	for _, mark := range marks {
		if mark == "to review" {
			m.toReview++
		}
	}
	m.delegate.marks = marks
}

// reviewKey handles a key on the review screen.
func (m *Model) reviewKey(msg tea.KeyPressMsg) tea.Cmd {
	rv := &m.review
	if rv.confirm != "" {
		action := rv.confirm
		rv.confirm = ""
		if msg.Text != "y" && msg.Text != "Y" {
			rv.msg = "Not " + strings.TrimSuffix(action, "e") + "ed."
			return nil
		}
		return m.decide(action, *rv.shown)
	}
	if rv.shown != nil {
		return m.proposalKey(msg)
	}
	lk := m.list.KeyMap
	switch {
	case key.Matches(msg, m.keys.Back), key.Matches(msg, m.keys.Review):
		m.screen = listScreen
		m.review = reviewScreen{vp: m.review.vp}
	case key.Matches(msg, lk.CursorUp):
		rv.cursor = max(0, rv.cursor-1)
	case key.Matches(msg, lk.CursorDown):
		rv.cursor = max(0, min(len(rv.props)-1, rv.cursor+1))
	case key.Matches(msg, m.keys.Open) && len(rv.props) > 0:
		p := rv.props[rv.cursor]
		rv.msg = ""
		return m.reviewCall(func(ctx context.Context, r Reviewer) tea.Msg {
			prop, diff, err := r.Diff(ctx, p.Slug, p.N)
			return proposalDiffMsg{prop: prop, diff: diff, err: err}
		})
	}
	return nil
}

// proposalKey handles a key while one proposal is shown.
func (m *Model) proposalKey(msg tea.KeyPressMsg) tea.Cmd {
	rv := &m.review
	switch {
	case key.Matches(msg, m.keys.Back):
		rv.shown, rv.msg = nil, ""
		return nil
	case key.Matches(msg, m.keys.Approve):
		if rv.shown.Author == m.author {
			rv.msg = "You proposed this: another author must approve it."
			return nil
		}
		rv.confirm = "approve"
		return nil
	case key.Matches(msg, m.keys.Reject):
		rv.confirm = "reject"
		return nil
	}
	rv.vp, _ = rv.vp.Update(msg)
	return nil
}

// decide approves or rejects p.
func (m *Model) decide(action string, p store.Proposal) tea.Cmd {
	m.review.msg = "Working…"
	return m.reviewCall(func(ctx context.Context, r Reviewer) tea.Msg {
		var line string
		var err error
		if action == "approve" {
			line, err = r.Approve(ctx, p.Slug, p.N)
		} else {
			line, err = r.Reject(ctx, p.Slug, p.N)
		}
		return decidedMsg{line: line, err: err}
	})
}

// applyProposalDiff shows one proposal.
func (m *Model) applyProposalDiff(msg proposalDiffMsg) tea.Cmd {
	if m.screen != reviewView {
		return nil
	}
	rv := &m.review
	if msg.err != nil {
		rv.msg = theme.ErrorLine(msg.err)
		return nil
	}
	rv.shown, rv.diff = &msg.prop, msg.diff
	m.relayoutProposal()
	rv.vp.GotoTop()
	return nil
}

// relayoutProposal lays the shown proposal's diff out for the window.
func (m *Model) relayoutProposal() {
	if m.review.shown == nil {
		return
	}
	m.layoutReview()
	m.review.vp.SetContent(m.diffLines(m.review.diff))
}

// applyDecided takes the answer to a decision: back to the list of
// proposals, read again, with the answer on its status line.
func (m *Model) applyDecided(msg decidedMsg) tea.Cmd {
	if m.screen != reviewView {
		return nil
	}
	rv := &m.review
	if msg.err != nil {
		rv.msg = theme.ErrorLine(msg.err)
		return nil
	}
	rv.shown, rv.msg, rv.loading = nil, msg.line, true
	return tea.Batch(m.loadProposals(), m.loadList())
}

// layoutReview sizes the viewport under a shown proposal's header.
func (m *Model) layoutReview() {
	rv := &m.review
	rv.vp.SetWidth(m.width)
	rv.vp.SetHeight(max(1, m.height-len(m.proposalHeader())))
}

// diffLines styles a unified diff for the window: additions and removals
// coloured, every line sanitised and cut to the width.
func (m *Model) diffLines(diff string) string {
	w := max(1, m.width)
	var b strings.Builder
	for line := range strings.Lines(diff) {
		line = termtext.Truncate(termtext.SanitizeLine(strings.TrimSuffix(line, "\n")), w, theme.Ellipsis)
		switch {
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"), strings.HasPrefix(line, "@@"):
			line = m.st.PostMeta.Render(line)
		case strings.HasPrefix(line, "+"):
			line = m.st.Added.Render(line)
		case strings.HasPrefix(line, "-"):
			line = m.st.Removed.Render(line)
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
func (m *Model) proposalHeader() []string {
	rv := &m.review
	p := rv.shown
	w := max(1, m.width)
	cut := func(s string) string { return termtext.Truncate(termtext.SanitizeLine(s), w, theme.Ellipsis) }
	lines := []string{m.st.PostTitle.Render(cut(fmt.Sprintf("%s rev %d by %s · %s ago", p.Slug, p.N, p.Author, ago(time.Since(p.Time)))))}
	for _, n := range p.Notes {
		lines = append(lines, m.st.PostMeta.Render(cut(n.Author+": "+noteText(n))))
	}
	status := "a approve · x reject · esc back"
	switch {
	case rv.confirm == "approve":
		status = fmt.Sprintf("Approve %s rev %d by %s? y/n", p.Slug, p.N, p.Author)
	case rv.confirm == "reject":
		status = fmt.Sprintf("Reject %s rev %d by %s? y/n", p.Slug, p.N, p.Author)
	case rv.msg != "":
		status = rv.msg
	}
	style := m.st.Status
	if rv.confirm != "" {
		style = m.st.Notice
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

// ago words how long ago something was: 45s, 12m, 5h, 3d.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// reviewContent draws the review screen.
func (m *Model) reviewContent() string {
	rv := &m.review
	if rv.shown != nil {
		m.layoutReview()
		return strings.Join(append(m.proposalHeader(), rv.vp.View()), "\n")
	}
	mw := theme.ListMargin(m.width)
	iw := max(0, m.width-2*mw)
	status := fmt.Sprintf("%d waiting for a review · enter shows one · esc back", len(rv.props))
	switch {
	case rv.loading:
		status = "Reading the proposals…"
	case rv.msg != "":
		status = rv.msg
	}
	lines := []string{theme.BrandLine(m.st, m.title, iw), m.st.Status.Render(termtext.Truncate(status, iw, theme.Ellipsis)), ""}
	if !rv.loading && len(rv.props) == 0 {
		lines = append(lines, m.st.Empty.Render(termtext.Truncate("Nothing to review.", iw, theme.Ellipsis)))
	}
	room := max(1, (m.height-len(lines))/2)
	rv.top = min(rv.top, rv.cursor)
	if rv.cursor >= rv.top+room {
		rv.top = rv.cursor - room + 1
	}
	for i := rv.top; i < len(rv.props) && i < rv.top+room; i++ {
		p := rv.props[i]
		name := termtext.Truncate(termtext.SanitizeLine(fmt.Sprintf("%s rev %d", p.Slug, p.N)), max(1, iw-2), theme.Ellipsis)
		meta := fmt.Sprintf("by %s · %s ago", p.Author, ago(time.Since(p.Time)))
		switch len(p.Notes) {
		case 0:
		case 1:
			meta += " · 1 note"
		default:
			meta += fmt.Sprintf(" · %d notes", len(p.Notes))
		}
		meta = termtext.Truncate(termtext.SanitizeLine(meta), max(1, iw-2), theme.Ellipsis)
		if i == rv.cursor {
			lines = append(lines, m.st.Gutter.Render("│")+" "+m.st.SelTitle.Render(name), m.st.Gutter.Render("│")+" "+m.st.SelMeta.Render(meta))
		} else {
			lines = append(lines, "  "+m.st.Title.Render(name), "  "+m.st.Meta.Render(meta))
		}
	}
	return theme.Indent(strings.Join(lines, "\n"), mw)
}
