package blog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aymanbagabas/go-udiff"
	"golang.org/x/text/unicode/norm"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
)

// Review: with the review setting on and two authors or more, an author's
// publish (from every front end: a command, scp, sftp, the editor, import)
// stores a proposal instead of a revision. Another author approves it,
// which writes it as the post's next revision, or rejects it; anyone may
// comment. Renames, removals and reverts are not reviewed.

// lastShown remembers, for each author and post, the proposal `review`
// last showed them, so that an approval that names no proposal approves
// only the text its reviewer read. It lives in memory, per Service: after
// a restart, a reviewer reviews again before approving by default.
type lastShown struct {
	mu sync.Mutex
	m  map[reviewKey]uint64
}

// reviewKey is a reviewer and a post.
type reviewKey struct{ author, slug string }

// saw notes that author was shown proposal n of slug.
func (r *lastShown) saw(author, slug string, n uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[reviewKey]uint64{}
	}
	r.m[reviewKey{author, slug}] = n
}

// last returns the proposal of slug author was last shown (0: none).
func (r *lastShown) last(author, slug string) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[reviewKey{author, slug}]
}

// MaxComment is the longest comment kept, in bytes; longer ones are cut.
const MaxComment = 2000

// Published is what Publish did: stored the post's next revision, or, when
// the blog requires a review, a proposal.
type Published struct {
	// Entry is the post's entry after the publish: its new revision, or
	// when proposed the revision readers still see (zero for a new post).
	store.Entry
	// Proposal is set when the change waits for a review.
	Proposal *store.Proposal
	// Unchanged is set when the source was the post's current revision
	// byte for byte: nothing was stored, and Entry is that revision.
	Unchanged bool
}

// Reviewing reports whether authors' changes wait for a review: the review
// setting is on and the blog has two authors or more (with one, nobody
// could approve).
func (b *Service) Reviewing() bool {
	return b.cfg.Review && b.cfg.Authors != nil && b.cfg.Authors() >= 2
}

// propose stores p as a proposal by id's author.
func (b *Service) propose(ctx context.Context, id Identity, p *post.Post, ifRev *uint64) (Published, error) {
	prop, err := b.st.Propose(ctx, store.Change{Post: p, Author: id.Author, IfRev: ifRev})
	if err != nil {
		return Published{}, b.storeError("proposing", p.Slug, err)
	}
	b.log.Info("write", "action", "propose", "slug", prop.Slug, "proposal", prop.N, "author", id.Author)
	e, _ := b.st.Entry(p.Slug)
	return Published{Entry: e, Proposal: &prop}, nil
}

// OpenProposals returns the proposals waiting for a review, oldest first,
// without their text. Only authors may see them.
func (b *Service) OpenProposals(ctx context.Context, id Identity) ([]store.Proposal, error) {
	if err := b.author(id); err != nil {
		return nil, err
	}
	ps, err := b.st.OpenProposals(ctx)
	if err != nil {
		return nil, b.storeError("reading", "the proposals", err)
	}
	return ps, nil
}

// Proposals returns every proposal made for slug, open or closed, with
// their notes, oldest first, without their text. Only authors may see them.
func (b *Service) Proposals(ctx context.Context, id Identity, slug string) ([]store.Proposal, error) {
	if err := b.author(id); err != nil {
		return nil, err
	}
	ps, err := b.st.Proposals(ctx, slug)
	if err != nil {
		return nil, b.storeError("reading the proposals of", slug, err)
	}
	return ps, nil
}

// Proposal returns proposal n of slug with its text; n 0 means the newest
// open one. Only authors may see it.
func (b *Service) Proposal(ctx context.Context, id Identity, slug string, n uint64) (store.Proposal, error) {
	if err := b.author(id); err != nil {
		return store.Proposal{}, err
	}
	if n == 0 {
		ps, err := b.Proposals(ctx, id, slug)
		if err != nil {
			return store.Proposal{}, err
		}
		for _, p := range ps {
			if p.Open() {
				n = p.N // the newest open one: ps is oldest first
			}
		}
		if n == 0 {
			return store.Proposal{}, refuse(ErrNotFound, "%s has no open proposal", slug)
		}
	}
	p, err := b.st.Proposal(ctx, slug, n)
	if errors.Is(err, store.ErrNotFound) {
		return store.Proposal{}, refuse(ErrNotFound, "%s has no proposal %d", slug, n)
	}
	if err != nil {
		return store.Proposal{}, b.storeError("reading a proposal of", slug, err)
	}
	return p, nil
}

// ReviewDiff returns proposal n of slug (0: the newest open one) and a
// unified diff of it against the post's current revision: what approving
// it would change, with control characters shown as [termtext.Sanitize]
// shows them. It is what this reviewer has now seen of the post.
func (b *Service) ReviewDiff(ctx context.Context, id Identity, slug string, n uint64) (store.Proposal, string, error) {
	p, err := b.Proposal(ctx, id, slug, n)
	if err != nil {
		return store.Proposal{}, "", err
	}
	var cur string
	from := slug + "@0"
	if e, ok := b.st.Entry(slug); ok && !e.Removed {
		r, err := b.st.Revision(ctx, e.Slug, e.Rev)
		if err != nil {
			return p, "", b.storeError("reading", slug, err)
		}
		cur, from = string(r.Source), fmt.Sprintf("%s@%d", e.Slug, e.Rev)
	}
	to := fmt.Sprintf("%s (proposal %d by %s)", slug, p.N, p.Author)
	b.seen.saw(id.Author, slug, p.N)
	return p, termtext.Sanitize(udiff.Unified(from, to, cur, string(p.Source))), nil
}

// Approve publishes proposal n of slug as the post's next revision, by its
// proposer, and closes it. An author may not approve their own proposal,
// nor one made against a revision that is no longer the current one: it
// would silently undo what was written since. With n 0 it approves the
// post's one open proposal, and only if it is the one ReviewDiff last
// showed this reviewer.
func (b *Service) Approve(ctx context.Context, id Identity, slug string, n uint64) (store.Entry, store.Proposal, error) {
	if n == 0 && id.IsAuthor() {
		var err error
		if n, err = b.reviewedProposal(ctx, id, slug); err != nil {
			return store.Entry{}, store.Proposal{}, err
		}
	}
	p, err := b.Proposal(ctx, id, slug, n)
	if err != nil {
		return store.Entry{}, p, err
	}
	if p.Author == id.Author {
		return store.Entry{}, p, refuse(ErrInvalid, "you proposed %s proposal %d: another author must approve it", slug, p.N)
	}
	if !p.Open() {
		return store.Entry{}, p, refuse(ErrConflict, "%s proposal %d was %s already", slug, p.N, p.State)
	}
	// A proposal to edit a post renamed since leads nowhere; a new post
	// under a name that is now an alias takes the name, as a publish does.
	if e, ok := b.st.Entry(slug); ok && e.Slug != slug && p.Base != 0 {
		return store.Entry{}, p, refuse(ErrConflict, "%s was renamed to %s after proposal %d: propose it again there", slug, e.Slug, p.N)
	}
	if stale := b.staleProposal(p); stale != nil {
		return store.Entry{}, p, stale
	}
	parsed, err := b.parseStored(p.Source, slug)
	if err != nil {
		return store.Entry{}, p, &Error{Kind: ErrInvalid, Msg: fmt.Sprintf("%s proposal %d: %v", slug, p.N, err), Err: err}
	}
	base := p.Base // checked again in the approval's transaction
	e, err := b.st.Approve(ctx, p.N, id.Author, store.Change{Post: parsed, Author: p.Author, IfRev: &base})
	if errors.Is(err, store.ErrClosed) {
		return store.Entry{}, p, refuse(ErrConflict, "%s proposal %d was closed meanwhile", slug, p.N)
	}
	if errors.Is(err, store.ErrConflict) {
		if stale := b.staleProposal(p); stale != nil {
			return store.Entry{}, p, stale
		}
	}
	if err != nil {
		return store.Entry{}, p, b.storeError("approving", slug, err)
	}
	b.log.Info("write", "action", "approve", "slug", e.Slug, "rev", e.Rev, "proposal", p.N, "author", id.Author)
	b.addAliases(ctx, e.Slug, parsed.Aliases)
	return e, p, nil
}

// staleProposal is the refusal to approve p when its post is no longer at
// the revision p was made against; nil when it is.
func (b *Service) staleProposal(p store.Proposal) error {
	var now uint64
	if e, ok := b.st.Entry(p.Slug); ok && e.Slug == p.Slug { // an alias's post is another one
		now = e.Rev
	}
	if now == p.Base {
		return nil
	}
	return refuse(ErrConflict, "%s changed since proposal %d was made (now rev %d); ask for a fresh proposal", p.Slug, p.N, now)
}

// reviewedProposal returns the number of the open proposal of slug that
// an approval without a number approves: the only one open, if it is the
// one id's author was last shown.
func (b *Service) reviewedProposal(ctx context.Context, id Identity, slug string) (uint64, error) {
	ps, err := b.Proposals(ctx, id, slug)
	if err != nil {
		return 0, err
	}
	var open []string
	var n uint64
	var own bool
	for _, p := range ps {
		if p.Open() {
			open = append(open, strconv.FormatUint(p.N, 10))
			n, own = p.N, p.Author == id.Author
		}
	}
	switch seen := b.seen.last(id.Author, slug); {
	case len(open) == 0:
		return 0, refuse(ErrNotFound, "%s has no open proposal", slug)
	case len(open) == 1 && own: // Approve says why not
	case len(open) > 1:
		return 0, refuse(ErrInvalid, "%s has %d open proposals (%s): name the one you reviewed", slug, len(open), strings.Join(open, ", "))
	case seen == 0:
		return 0, refuse(ErrInvalid, "review %s first: approve approves the proposal you were shown", slug)
	case seen != n:
		return 0, refuse(ErrConflict, "%s proposal %d came after the one you reviewed (%d): review it first", slug, n, seen)
	}
	return n, nil
}

// Reject closes proposal n of slug (0: the newest open one) without
// publishing it; why, if given, is kept with it. Its text is kept too.
func (b *Service) Reject(ctx context.Context, id Identity, slug string, n uint64, why string) (store.Proposal, error) {
	p, err := b.Proposal(ctx, id, slug, n)
	if err != nil {
		return p, err
	}
	p, err = b.annotate(ctx, id, p, store.Rejected, why)
	if err == nil {
		b.log.Info("write", "action", "reject", "slug", slug, "proposal", p.N, "author", id.Author)
	}
	return p, err
}

// Comment adds a note to proposal n of slug (0: the newest open one),
// which its proposer sees in the history and in the reader.
func (b *Service) Comment(ctx context.Context, id Identity, slug string, n uint64, text string) (store.Proposal, error) {
	p, err := b.Proposal(ctx, id, slug, n)
	if err != nil {
		return p, err
	}
	if strings.TrimSpace(text) == "" {
		return p, refuse(ErrInvalid, "the comment is empty")
	}
	return b.annotate(ctx, id, p, store.Commented, text)
}

// annotate adds a note of action by id to p.
func (b *Service) annotate(ctx context.Context, id Identity, p store.Proposal, action store.Action, text string) (store.Proposal, error) {
	note := store.Note{Author: id.Author, Time: b.st.Now(), Action: action, Text: cleanComment(text)}
	out, err := b.st.Annotate(ctx, p.Slug, p.N, note)
	switch {
	case errors.Is(err, store.ErrClosed): // it was open when read
		return p, refuse(ErrConflict, "%s proposal %d was closed meanwhile", p.Slug, p.N)
	case err != nil:
		return p, b.storeError("annotating a proposal of", p.Slug, err)
	}
	return out, nil
}

// cleanComment makes text fit to keep and to print in a terminal: valid
// UTF-8 in NFC, one line without control characters, at most MaxComment
// bytes.
func cleanComment(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = termtext.SanitizeLine(strings.Join(strings.Fields(text), " "))
	text = norm.NFC.String(text)
	if len(text) > MaxComment {
		text = text[:MaxComment]
		for !utf8.ValidString(text) { // a rune cut in two
			text = text[:len(text)-1]
		}
	}
	return text
}
