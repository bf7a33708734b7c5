package blog

import (
	"context"
	"fmt"

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
// to authors.
func (b *Service) Revision(ctx context.Context, id Identity, ref Ref) (store.Revision, error) {
	if ref.Rev == 0 {
		return b.Get(ctx, id, ref.Slug)
	}
	e, err := b.Entry(id, ref.Slug)
	if err != nil {
		return store.Revision{}, err
	}
	r, err := b.st.Revision(ctx, e.Slug, ref.Rev)
	if err != nil {
		return store.Revision{}, noRevision(e.Slug, ref.Rev)
	}
	return r, nil
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

// History returns every revision of a post id may see, oldest first,
// without their bodies.
func (b *Service) History(ctx context.Context, id Identity, slug string) ([]store.Revision, error) {
	e, err := b.Entry(id, slug)
	if err != nil {
		return nil, err
	}
	revs, err := b.st.History(ctx, e.Slug)
	if err != nil {
		return nil, b.storeError("reading the history of", e.Slug, err)
	}
	return revs, nil
}

// Diff returns a unified diff of revision from against revision to of a
// post id may see. A to of 0 means the current revision; a from of 0 means
// the one before to (nothing, for a post's first revision). The diff is for
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
	if from == 0 {
		from = to - 1
	}
	var texts [2]string
	for i, rev := range [2]uint64{from, to} {
		if rev == 0 { // before the post's first revision: nothing
			continue
		}
		r, err := b.st.Revision(ctx, e.Slug, rev)
		if err != nil {
			return "", noRevision(e.Slug, rev)
		}
		texts[i] = string(r.Source)
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
