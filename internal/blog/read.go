package blog

import (
	"context"
	"fmt"
	"time"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
)

// Reader returns the posts as id sees them: every post for an author, the
// public ones for anyone else. Its lists are shared: they must not be
// modified.
func (b *Service) Reader(id Identity) store.Reader {
	if id.IsAuthor() {
		return b.st
	}
	return b.st.Public()
}

// List returns the posts id may see, newest first, without their bodies.
// The slice is shared and must not be modified.
func (b *Service) List(ctx context.Context, id Identity) ([]store.Entry, error) {
	es, err := b.Reader(id).List(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing posts: %w", err)
	}
	return es, nil
}

// CanSee reports whether id may see the post e.
func (b *Service) CanSee(id Identity, e store.Entry) bool {
	return id.IsAuthor() || e.IsPublic(b.st.Now())
}

// Entry returns the current metadata of the post named slug, or of the post
// slug is an alias of, if id may see it.
func (b *Service) Entry(id Identity, slug string) (store.Entry, error) {
	e, ok := b.st.Entry(slug)
	if !ok || !b.CanSee(id, e) {
		return store.Entry{}, notFound(slug)
	}
	return e, nil
}

// Get returns the current revision of the post named slug (following
// aliases), if id may see it. A removed post is not found.
func (b *Service) Get(ctx context.Context, id Identity, slug string) (store.Revision, error) {
	r, err := b.Reader(id).Get(ctx, slug)
	if err != nil {
		return store.Revision{}, b.storeError("reading", slug, err)
	}
	return r, nil
}

// Revision returns the revision ref names (the current one when ref.Rev is
// 0) of a post id may see. Old revisions of a removed post stay readable
// to authors. A reader reads an old revision only if it was public when it
// was written (see Readable).
func (b *Service) Revision(ctx context.Context, id Identity, ref Ref) (store.Revision, error) {
	if ref.Rev == 0 {
		return b.Get(ctx, id, ref.Slug)
	}
	e, err := b.Entry(id, ref.Slug)
	if err != nil {
		return store.Revision{}, err
	}
	r, err := b.st.Revision(ctx, e.Slug, ref.Rev)
	if err != nil || !b.readable(id, e, r) {
		return store.Revision{}, noRevision(e.Slug, ref.Rev)
	}
	return r, nil
}

// readable is the one rule of which revisions of a post id may read, r
// being a revision of the post whose current entry is e (which id may
// see), with its source. Authors read every revision. A reader reads the
// current revision of a public post, and an older one only if it was
// public when it was written: not a removal, not a draft, and not dated
// after the time it was written (an embargo). What was once a draft or
// scheduled stays unseen even after the post is published.
func (b *Service) readable(id Identity, e store.Entry, r store.Revision) bool {
	switch {
	case id.IsAuthor():
		return true
	case r.Rev == e.Rev:
		return e.IsPublic(b.st.Now())
	case r.Action == store.Removed:
		return false
	}
	p, err := b.parseStored(r.Source, e.Slug)
	if err != nil {
		return false
	}
	return !p.Draft && !p.Date.After(r.Time)
}

// Post returns the current revision of slug parsed, for front ends that
// show it rather than print its bytes.
func (b *Service) Post(ctx context.Context, id Identity, slug string) (*post.Post, store.Revision, error) {
	r, err := b.Get(ctx, id, slug)
	if err != nil {
		return nil, store.Revision{}, err
	}
	p, err := b.parseStored(r.Source, r.Slug)
	if err != nil {
		return nil, store.Revision{}, fmt.Errorf("reading %s: %w", r.Slug, err)
	}
	return p, r, nil
}

// History returns the revisions of a post id may see, oldest first,
// without their bodies: every one for an author; for a reader only those
// it may read (see Revision), the ones that were public when written.
func (b *Service) History(ctx context.Context, id Identity, slug string) ([]store.Revision, error) {
	e, err := b.Entry(id, slug)
	if err != nil {
		return nil, err
	}
	revs, err := b.st.History(ctx, e.Slug)
	if err != nil {
		return nil, b.storeError("reading the history of", e.Slug, err)
	}
	if id.IsAuthor() {
		return revs, nil
	}
	var seen []store.Revision
	for _, h := range revs {
		r, err := b.st.Revision(ctx, e.Slug, h.Rev)
		if err != nil {
			return nil, b.storeError("reading the history of", e.Slug, err)
		}
		if b.readable(id, e, r) {
			seen = append(seen, h)
		}
	}
	return seen, nil
}

// FirstPublic returns when readers could first see the post slug, which
// id may see: when its first revision that was ever public became so
// (written, or come due), a draft never. A feed names a post by it: no
// later edit or rename changes it, and it tells nothing of drafts.
func (b *Service) FirstPublic(ctx context.Context, id Identity, slug string) (time.Time, error) {
	e, err := b.Entry(id, slug)
	if err != nil {
		return time.Time{}, err
	}
	revs, err := b.st.History(ctx, e.Slug)
	if err != nil {
		return time.Time{}, b.storeError("reading the history of", e.Slug, err)
	}
	now := b.st.Now()
	for i, h := range revs {
		until := now // the current revision is public until now
		if i+1 < len(revs) {
			until = revs[i+1].Time
		}
		if h.Action == store.Removed {
			continue
		}
		r, err := b.st.Revision(ctx, e.Slug, h.Rev)
		if err != nil {
			return time.Time{}, b.storeError("reading the history of", e.Slug, err)
		}
		p, err := b.parseStored(r.Source, e.Slug)
		if err != nil || p.Draft {
			continue
		}
		became := h.Time
		if p.Date.After(became) {
			became = p.Date
		}
		if became.Before(until) || i+1 == len(revs) && !became.After(now) {
			return became, nil
		}
	}
	return e.Updated, nil
}

// Diff returns a unified diff of revision from against revision to of a
// post id may see. A to of 0 means the current revision; a from of 0 means
// the one before to that id may read (nothing, for a post's first).
// Either revision must be one id may read (see Revision). The diff is for
// reading: control characters a post holds are shown, as
// [termtext.Sanitize] shows them, never written raw.
func (b *Service) Diff(ctx context.Context, id Identity, slug string, from, to uint64) (string, error) {
	e, err := b.Entry(id, slug)
	if err != nil {
		return "", err
	}
	if to == 0 {
		to = e.Rev
	}
	read := func(rev uint64) (store.Revision, bool) {
		r, err := b.st.Revision(ctx, e.Slug, rev)
		return r, err == nil && b.readable(id, e, r)
	}
	var texts [2]string
	r, ok := read(to)
	if !ok {
		return "", noRevision(e.Slug, to)
	}
	texts[1] = string(r.Source)
	if from == 0 {
		for from = to - 1; from > 0; from-- { // the last one before to that id may read
			if r, ok = read(from); ok {
				break
			}
		}
	} else if r, ok = read(from); !ok {
		return "", noRevision(e.Slug, from)
	}
	if from > 0 { // else: before the post's first revision, nothing
		texts[0] = string(r.Source)
	}
	label := func(rev uint64) string { return fmt.Sprintf("%s@%d", e.Slug, rev) }
	return termtext.Sanitize(udiff.Unified(label(from), label(to), texts[0], texts[1])), nil
}

// Resolve returns the name of the post slug leads to, following aliases,
// if id may see it: a front end with addresses redirects an old name to it.
func (b *Service) Resolve(id Identity, slug string) (string, error) {
	e, err := b.Entry(id, slug)
	if err != nil {
		return "", err
	}
	return e.Slug, nil
}
