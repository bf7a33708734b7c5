package boltstore

import (
	"context"
	"fmt"
	"time"

	"github.com/sshblog/sshblog/internal/store"
)

// Public is the blog as readers see it: drafts and posts dated in the future
// are left out of List and are ErrNotFound to Get.
func (db *DB) Public() store.Reader { return publicView{db} }

// publicView filters a DB for readers.
type publicView struct{ db *DB }

func (v publicView) List(ctx context.Context) ([]store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return v.db.snap.Load().publicAt(v.db.now()).entries, nil
}

func (v publicView) Get(ctx context.Context, slug string) (store.Revision, error) {
	e, ok := v.db.Entry(slug)
	if !ok || !e.IsPublic(v.db.now()) {
		return store.Revision{}, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
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
