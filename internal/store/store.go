// Package store keeps the blog's posts and every revision of them.
//
// Posts are never changed in place: each write appends an immutable revision
// and moves the post's current pointer, so nothing is ever lost. The
// implementation here is a single bbolt file.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/sshblog/sshblog/internal/post"
)

// Errors returned by the store. Callers test them with errors.Is.
var (
	ErrNotFound = errors.New("no such post")
	ErrConflict = errors.New("revision conflict")
)

// Action says what a revision did to its post.
type Action string

// The actions a revision can record.
const (
	Published Action = "published" // the first revision of a post
	Edited    Action = "edited"    // a new body for an existing post
	Renamed   Action = "renamed"   // the post moved to a new slug
	Removed   Action = "removed"   // a tombstone: the post is hidden
	Reverted  Action = "reverted"  // an older revision made current again
)

// Entry is what lists need about a post: its metadata and the revision it is
// at, never its body.
type Entry struct {
	post.Meta
	Rev     uint64    // the current revision number, from 1
	Size    int64     // the length of the current revision's markdown, in bytes
	Updated time.Time // when the current revision was written
	By      string    // who wrote the current revision
	Removed bool      // the current revision is a tombstone
}

// Revision is one immutable version of a post.
type Revision struct {
	Slug   string
	Rev    uint64
	Author string    // the author who wrote it ("system" for built-in posts)
	Time   time.Time // when it was written
	Action Action
	Source []byte // the markdown as stored; empty for a removal
}

// Reader reads posts. It is all a reader's session needs.
type Reader interface {
	// List returns the current, non-removed posts, newest first. It never
	// loads bodies. The slice may be shared with other callers: it must not
	// be modified.
	List(ctx context.Context) ([]Entry, error)
	// Get returns the current revision of the post named slug, following
	// aliases. A removed post is ErrNotFound.
	Get(ctx context.Context, slug string) (Revision, error)
}
