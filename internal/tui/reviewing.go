package tui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/tui/review"
)

// The reader's side of the review screen (package review): opening it with
// r, and the marks on the list of the posts with a proposal waiting.

// Reviewer is what the review screen asks of the blog: see
// [review.Reviewer].
type Reviewer = review.Reviewer

// canReview reports whether the session may open the review screen.
func (m *Model) canReview() bool { return m.author != "" && m.reviewer != nil }

// openReview shows the review screen.
func (m *Model) openReview() tea.Cmd {
	if !m.canReview() {
		return nil
	}
	keys := review.Keys{
		Up: m.list.KeyMap.CursorUp, Down: m.list.KeyMap.CursorDown, Open: m.keys.Open,
		Back: m.keys.Back, Close: m.keys.Review, Approve: m.keys.Approve, Reject: m.keys.Reject,
	}
	r, cmd := review.New(m.reviewer, m.author, m.title, keys, m.st, m.width, m.height)
	m.showPanel(r, "review")
	return cmd
}

// marksMsg answers a request for the open proposals, for the list's marks.
type marksMsg struct {
	props []store.Proposal
	err   error
}

// loadMarks reads the open proposals, for the marks on the list.
func (m *Model) loadMarks() tea.Cmd {
	r := m.reviewer
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		ps, err := r.Open(ctx)
		return marksMsg{props: ps, err: err}
	}
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
	m.delegate.Marks = marks
}
