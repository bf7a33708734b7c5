package store

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The actions of a revision written by a review, and of the notes a
// proposal gathers.
const (
	Proposed  Action = "proposed"  // a proposal was made
	Approved  Action = "approved"  // a proposal became the post's next revision
	Rejected  Action = "rejected"  // a proposal was closed without publishing it
	Commented Action = "commented" // an author left a note on a proposal
)

// ErrClosed is returned when a proposal that was already approved or
// rejected is approved or rejected again.
var ErrClosed = errors.New("the proposal is closed")

// Proposal is a change that waits for another author's review before
// readers see it. It is kept apart from the post's revisions, never changes
// its source, and is never deleted: approving it writes its source as the
// post's next revision (Action Approved, by the proposer), rejecting it
// closes it, and both are recorded in its notes.
type Proposal struct {
	Slug string
	// N numbers the proposals of a post from 1, above every revision the
	// post had when it was made: it is the revision the proposal becomes
	// when it is approved before anything else is written.
	N      uint64
	Author string
	Time   time.Time
	Base   uint64 // the post's revision when it was proposed; 0 for a new post
	State  Action // Proposed while open, then Approved or Rejected
	Notes  []Note // comments and the decision, oldest first
	Source []byte // the proposed markdown; empty where a list leaves it out
}

// Open reports whether p still waits for a review.
func (p Proposal) Open() bool { return p.State == Proposed }

// Note is a comment on a proposal, or the decision that closed it.
type Note struct {
	Author string    `json:"author"`
	Time   time.Time `json:"time"`
	Action Action    `json:"action"`         // Commented, Approved or Rejected
	Text   string    `json:"text,omitempty"` // the comment, or why it was rejected
	Rev    uint64    `json:"rev,omitempty"`  // for Approved: the revision written
}

// Reviews keeps proposals. Both stores implement it; each change is one
// transaction.
type Reviews interface {
	// Propose stores c.Post as a new open proposal for its slug, by
	// c.Author, without changing what readers see. c.IfRev is checked
	// against the post's current revision, as Put checks it.
	Propose(ctx context.Context, c Change) (Proposal, error)
	// OpenProposals returns every open proposal of the blog, oldest first,
	// without sources.
	OpenProposals(ctx context.Context) ([]Proposal, error)
	// Proposals returns every proposal of slug, open or closed, oldest
	// first, without sources; slug "" means every proposal of the blog.
	Proposals(ctx context.Context, slug string) ([]Proposal, error)
	// Proposal returns proposal n of slug with its source.
	Proposal(ctx context.Context, slug string, n uint64) (Proposal, error)
	// Annotate adds a note to proposal n of slug. A note with Action
	// Rejected closes it (ErrClosed if it is closed already); a comment may
	// be left on any proposal.
	Annotate(ctx context.Context, slug string, n uint64, note Note) (Proposal, error)
	// Approve writes c (the proposal's post, by its proposer) as the next
	// revision of the post, with Action Approved, and closes proposal n of
	// c.Post.Slug with a note by approver, in one transaction: either both
	// are stored or neither. c.IfRev is checked as Put checks it.
	Approve(ctx context.Context, n uint64, approver string, c Change) (Entry, error)
	// RestoreProposal stores p, with its state and notes, as it was kept in
	// another store (migrate). A proposal already there byte for byte is
	// left alone; one that differs is ErrConflict.
	RestoreProposal(ctx context.Context, p Proposal) error
}

// proposalHeader is the JSON line that starts a stored proposal; the
// markdown follows after a newline, unencoded, as in a revision record.
type proposalHeader struct {
	Author string    `json:"author"`
	Time   time.Time `json:"time"`
	Base   uint64    `json:"base"`
	State  Action    `json:"state"`
	Notes  []Note    `json:"notes,omitempty"`
}

// EncodeProposal lays out a proposal record as every store keeps it.
func EncodeProposal(p Proposal) []byte {
	h, _ := json.Marshal(proposalHeader{Author: p.Author, Time: p.Time, Base: p.Base, State: p.State, Notes: p.Notes}) // cannot fail: plain fields
	out := make([]byte, 0, len(h)+1+len(p.Source))
	out = append(out, h...)
	out = append(out, '\n')
	return append(out, p.Source...)
}

// DecodeProposal reads a record written by EncodeProposal as proposal n of
// slug; with source false it leaves the markdown out. The source is copied.
func DecodeProposal(slug string, n uint64, v []byte, source bool) (Proposal, error) {
	head, src, ok := bytes.Cut(v, []byte{'\n'})
	if !ok {
		return Proposal{}, fmt.Errorf("proposal %d of %s is damaged: no header", n, slug)
	}
	var h proposalHeader
	if err := json.Unmarshal(head, &h); err != nil {
		return Proposal{}, fmt.Errorf("proposal %d of %s is damaged: %w", n, slug, err)
	}
	p := Proposal{Slug: slug, N: n, Author: h.Author, Time: h.Time, Base: h.Base, State: h.State, Notes: h.Notes}
	if source {
		p.Source = bytes.Clone(src)
	}
	return p, nil
}

// NewProposal returns c as a new open proposal made at now, for the post
// whose entry is cur (nil: a new post). last is the number of the post's
// latest proposal (0: none): a proposal is numbered above it and above the
// post's current revision. c.IfRev is checked as Put checks it.
func NewProposal(c Change, cur *Entry, last uint64, now time.Time) (Proposal, error) {
	slug := c.Post.Slug
	if err := CheckIfRev(slug, cur, c.IfRev); err != nil {
		return Proposal{}, err
	}
	var base uint64
	if cur != nil {
		base = cur.Rev
	}
	return Proposal{Slug: slug, N: max(base, last) + 1, Author: c.Author, Time: now, Base: base, State: Proposed, Source: c.Post.Source}, nil
}

// Approval returns what approving p as c does at now: the entry and
// revision that make c.Post, by c.Author, the next revision of its post
// (Action Approved), and p closed by a note of approver. cur is the post's
// entry (nil: a new post), against which c.IfRev is checked. A closed
// proposal is ErrClosed.
func Approval(p Proposal, c Change, cur *Entry, approver string, now time.Time) (Entry, Revision, Proposal, error) {
	if !p.Open() {
		return Entry{}, Revision{}, p, fmt.Errorf("%w: proposal %d of %s was %s", ErrClosed, p.N, p.Slug, p.State)
	}
	if err := CheckIfRev(c.Post.Slug, cur, c.IfRev); err != nil {
		return Entry{}, Revision{}, p, err
	}
	e, r := NextRevision(c.Post, cur, c.Author, Approved, now)
	p, err := CloseProposal(p, Note{Author: approver, Time: now, Action: Approved, Rev: e.Rev})
	return e, r, p, err
}

// CloseProposal returns p with note added, checking that a decision closes
// an open proposal only.
func CloseProposal(p Proposal, note Note) (Proposal, error) {
	switch note.Action {
	case Commented:
	case Approved, Rejected:
		if !p.Open() {
			return p, fmt.Errorf("%w: proposal %d of %s was %s", ErrClosed, p.N, p.Slug, p.State)
		}
		p.State = note.Action
	default:
		return p, fmt.Errorf("a note cannot be %q", note.Action)
	}
	p.Notes = append(slices.Clip(p.Notes), note)
	return p, nil
}

// SortProposals orders proposals oldest first; ties by slug and number.
func SortProposals(ps []Proposal) {
	slices.SortFunc(ps, func(a, b Proposal) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		if c := strings.Compare(a.Slug, b.Slug); c != 0 {
			return c
		}
		return cmp.Compare(a.N, b.N)
	})
}
