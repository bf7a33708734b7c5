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

// PublicAt returns the entries of es that are public at now, in their
// order, and when the earliest scheduled one among them comes due (zero
// when none is): until then the list stays as it is.
func PublicAt(es []Entry, now time.Time) (public []Entry, until time.Time) {
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

// Public is the blog as readers see it: drafts and posts dated in the future
// are left out of List and are ErrNotFound to Get.
func (db *DB) Public() Reader { return publicView{db} }

// publicView filters a DB for readers.
type publicView struct{ db *DB }

func (v publicView) List(ctx context.Context) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return v.db.snap.Load().publicAt(v.db.now()).entries, nil
}

func (v publicView) Get(ctx context.Context, slug string) (Revision, error) {
	e, ok := v.db.Entry(slug)
	if !ok || !e.IsPublic(v.db.now()) {
		return Revision{}, fmt.Errorf("%w: %s", ErrNotFound, slug)
	}
	return v.db.Revision(ctx, e.Slug, e.Rev)
}

// NextScheduled returns the earliest date after now at which a scheduled post
// becomes public, so a server can wake its sessions then without polling.
func (db *DB) NextScheduled(now time.Time) (time.Time, bool) {
	next := db.snap.Load().publicAt(now).until
	return next, !next.IsZero()
}

// Now returns the store's clock's time.
func (db *DB) Now() time.Time { return db.now() }
