package store

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// IsPublic reports whether readers may see the post at time now: it is not
// removed, not a draft, and its date is not in the future.
func (e Entry) IsPublic(now time.Time) bool {
	return !e.Removed && !e.Draft && !e.Date.After(now)
}

// IsScheduled reports whether the post will become public by itself later.
func (e Entry) IsScheduled(now time.Time) bool {
	return !e.Removed && !e.Draft && e.Date.After(now)
}

// publicAt returns the entries of es that are public at now, in their
// order, and when the earliest scheduled one among them comes due (zero
// when none is): until then the list stays as it is.
func publicAt(es []Entry, now time.Time) (public []Entry, until time.Time) {
	for _, e := range es {
		switch {
		case e.IsPublic(now):
			public = append(public, e)
		case e.IsScheduled(now) && (until.IsZero() || e.Date.Before(until)):
			until = e.Date
		}
	}
	return slices.Clip(public), until
}

// PublicView is the blog as readers see it, for a store whose current posts
// are in the snapshots snapshot returns: drafts and posts dated in the
// future (by c.Now) are left out of List and are ErrNotFound to Get, which
// reads bodies with c.Revision.
func PublicView(snapshot func() *Snapshot, c Catalog) Reader {
	return publicView{snapshot, c}
}

// publicView is what PublicView returns.
type publicView struct {
	snapshot func() *Snapshot
	c        Catalog
}

func (v publicView) List(ctx context.Context) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l, _ := v.snapshot().Public(v.c.Now())
	return l, nil
}

func (v publicView) Get(ctx context.Context, slug string) (Revision, error) {
	e, ok := v.snapshot().Entry(slug)
	if !ok || !e.IsPublic(v.c.Now()) {
		return Revision{}, fmt.Errorf("%w: %s", ErrNotFound, slug)
	}
	return v.c.Revision(ctx, e.Slug, e.Rev)
}
