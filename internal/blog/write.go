package blog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// PublishOptions say how Publish names and checks a post.
type PublishOptions struct {
	// Slug names the post; empty means the front matter's slug, else one
	// made from the title.
	Slug string
	// IfRev, when set, makes Publish store nothing unless the post is at
	// that revision (0: the post must not exist yet).
	IfRev *uint64
}

// Publish parses src, a post's whole markdown, and stores it as the next
// revision of its post, by id's author. Aliases in its front matter are made
// to lead to it. When the blog requires a review (see Reviewing) it stores a
// proposal instead, and readers see nothing new until it is approved.
// Source identical to the post's current revision stores nothing: the
// result says Unchanged.
func (b *Service) Publish(ctx context.Context, id Identity, src []byte, opts PublishOptions) (Published, error) {
	if err := b.author(id); err != nil {
		return Published{}, err
	}
	p, err := b.parse(src, opts.Slug)
	if err != nil {
		return Published{}, err
	}
	if cur, ok := b.unchanged(ctx, p, opts.IfRev); ok {
		b.log.Info("write", "action", "unchanged", "slug", cur.Slug, "rev", cur.Rev, "author", id.Author)
		return Published{Entry: cur, Unchanged: true}, nil
	}
	if b.Reviewing() {
		return b.propose(ctx, id, p, opts.IfRev)
	}
	e, err := b.st.Put(ctx, store.Change{Post: p, Author: id.Author, IfRev: opts.IfRev})
	if err != nil {
		return Published{}, b.storeError("publishing", p.Slug, err)
	}
	b.log.Info("write", "action", "publish", "slug", e.Slug, "rev", e.Rev, "author", id.Author)
	b.addAliases(ctx, e.Slug, p.Aliases)
	return Published{Entry: e}, nil
}

// unchanged returns the entry of p's post when p's source is exactly its
// current revision's (and ifRev, if set, is that revision): publishing it
// again would store a revision, or a proposal, that changes nothing.
func (b *Service) unchanged(ctx context.Context, p *post.Post, ifRev *uint64) (store.Entry, bool) {
	e, ok := b.st.Entry(p.Slug)
	if !ok || e.Removed || e.Slug != p.Slug || (ifRev != nil && *ifRev != e.Rev) {
		return store.Entry{}, false
	}
	cur, err := b.st.Revision(ctx, e.Slug, e.Rev)
	if err != nil || !bytes.Equal(cur.Source, p.Source) {
		return store.Entry{}, false
	}
	return e, true
}

// parse reads src as a post named slug (empty: named by its front matter
// or title), within the blog's limits.
func (b *Service) parse(src []byte, slug string) (*post.Post, error) {
	if len(bytes.TrimSpace(src)) == 0 {
		return nil, refuse(ErrInvalid, "the post is empty: nothing to publish")
	}
	if slug != "" {
		if err := post.CheckSlug(slug); err != nil {
			return nil, invalid(err)
		}
	}
	p, err := post.Parse(src, post.Options{Slug: slug, Location: b.cfg.Location, MaxSize: int(b.cfg.MaxPostSize)})
	if err != nil {
		return nil, invalid(err)
	}
	if p.Slug == "" {
		return nil, refuse(ErrInvalid, "no slug: name one, or give the post a title or a slug in its front matter")
	}
	if err := post.CheckSlug(p.Slug); err != nil {
		return nil, invalid(err)
	}
	return p, nil
}

// parseStored parses src, a revision or a proposal the blog stored, as the
// post slug. The size limit is not checked again: a post stored before the
// limit was lowered still reads.
func (b *Service) parseStored(src []byte, slug string) (*post.Post, error) {
	return post.Parse(src, post.Options{Slug: slug, Location: b.cfg.Location})
}

// addAliases makes the front matter's aliases lead to slug. Hugo writes them
// as paths ("/posts/old-name/"): the last part is the old slug. An alias
// that names an existing post is left alone.
func (b *Service) addAliases(ctx context.Context, slug string, aliases []string) {
	for _, a := range b.newAliases(slug, aliases) {
		if err := b.st.AddAlias(ctx, a, slug); err != nil {
			b.log.Warn("alias not added", "alias", a, "slug", slug, "err", err)
		}
	}
}

// newAliases returns the old slugs of front matter aliases that are to
// lead to slug: not slug itself, not a bad slug, and not a name that leads
// somewhere already (a post or another alias).
func (b *Service) newAliases(slug string, aliases []string) []string {
	var out []string
	for _, a := range aliases {
		a = path.Base(strings.Trim(a, "/"))
		if a == slug || post.CheckSlug(a) != nil {
			continue
		}
		if _, exists := b.st.Entry(a); exists {
			continue
		}
		out = append(out, a)
	}
	return out
}

// Remove hides a post behind a tombstone revision; Revert restores it.
// With ifRev set, it removes nothing unless the post is at that revision.
func (b *Service) Remove(ctx context.Context, id Identity, slug string, ifRev *uint64) (store.Entry, error) {
	if err := b.author(id); err != nil {
		return store.Entry{}, err
	}
	e, err := b.st.Remove(ctx, slug, id.Author, ifRev)
	if err != nil {
		return store.Entry{}, b.storeError("removing", slug, err)
	}
	b.log.Info("write", "action", "remove", "slug", e.Slug, "rev", e.Rev, "author", id.Author)
	return e, nil
}

// Rename moves a post, with its history, to a new slug; the old one keeps
// leading to it.
func (b *Service) Rename(ctx context.Context, id Identity, oldSlug, newSlug string) (store.Entry, error) {
	if err := b.author(id); err != nil {
		return store.Entry{}, err
	}
	if err := post.CheckSlug(newSlug); err != nil {
		return store.Entry{}, invalid(err)
	}
	from := oldSlug // the post's own name, if oldSlug is an alias
	if cur, ok := b.st.Entry(oldSlug); ok {
		if cur.Slug == newSlug {
			return store.Entry{}, refuse(ErrInvalid, "%s already has that name", newSlug)
		}
		from = cur.Slug
	}
	e, err := b.st.Rename(ctx, oldSlug, newSlug, id.Author)
	switch {
	case errors.Is(err, store.ErrConflict):
		msg := fmt.Sprintf("%q already exists", newSlug)
		if other, ok := b.st.Entry(newSlug); ok && other.Slug != newSlug {
			msg = fmt.Sprintf("%q is an old name of %s and leads there; choose another name", newSlug, other.Slug)
		}
		return store.Entry{}, &Error{Kind: ErrConflict, Msg: msg, Err: err}
	case err != nil:
		return store.Entry{}, b.storeError("renaming", oldSlug, err)
	}
	b.log.Info("write", "action", "rename", "from", oldSlug, "slug", e.Slug, "rev", e.Rev, "author", id.Author)
	b.renameStats(ctx, from, e.Slug)
	return e, nil
}

// Revert makes revision rev of a post current again, as a new revision. It
// also brings back a removed post.
func (b *Service) Revert(ctx context.Context, id Identity, slug string, rev uint64) (store.Entry, error) {
	if err := b.author(id); err != nil {
		return store.Entry{}, err
	}
	e, ok := b.st.Entry(slug)
	if !ok {
		return store.Entry{}, notFound(slug)
	}
	old, err := b.st.Revision(ctx, e.Slug, rev)
	if err != nil {
		return store.Entry{}, noRevision(e.Slug, rev)
	}
	if old.Action == store.Removed {
		return store.Entry{}, refuse(ErrInvalid, "revision %d of %s is a removal; revert to the one before it", rev, e.Slug)
	}
	p, err := b.parseStored(old.Source, e.Slug)
	if err != nil {
		return store.Entry{}, &Error{Kind: ErrInvalid, Msg: fmt.Sprintf("revision %d of %s: %v", rev, e.Slug, err), Err: err}
	}
	cur := e.Rev
	ne, err := b.st.Put(ctx, store.Change{Post: p, Author: id.Author, IfRev: &cur, Action: store.Reverted})
	if err != nil {
		return store.Entry{}, b.storeError("reverting", e.Slug, err)
	}
	b.log.Info("write", "action", "revert", "slug", ne.Slug, "rev", ne.Rev, "to", rev, "author", id.Author)
	return ne, nil
}
