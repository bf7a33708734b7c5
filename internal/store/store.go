// Package store keeps the blog's posts and every revision of them.
//
// Posts are never changed in place: each write appends an immutable revision
// and moves the post's current pointer, so nothing is ever lost. Store is
// what the program asks of a store; package boltstore keeps it in a single
// bbolt file, and package etcdstore in an etcd cluster. This package holds
// what both share, so that each keeps only its database's code: the types,
// the record codecs, the rules of a write (write.go: what a revision,
// rename, removal or restore stores, and what it refuses), proposals
// (review.go), the snapshot of the list both serve reads from, its order
// and what readers see at a time, and Copy (migrate). Package storetest
// holds the suite both pass.
package store

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/sshblog/sshblog/internal/post"
)

// Errors returned by the store. Callers test them with errors.Is.
var (
	ErrNotFound = errors.New("no such post")
	ErrConflict = errors.New("revision conflict")
	// ErrDiskFull is returned when a write failed because the server ran
	// out of disk space. Its message is meant for the writer and names no
	// file.
	ErrDiskFull = errors.New("the server's disk is full; nothing was stored")
	// ErrUnavailable is returned by a networked store when it cannot reach
	// its servers: reads go on from memory, writes are refused.
	ErrUnavailable = errors.New("the store is away (etcd unreachable); nothing was stored")
	// ErrAway is returned by a networked store for a read it cannot
	// serve from memory while its servers are out of reach.
	ErrAway = errors.New("the store is away (etcd unreachable); try again soon")
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
	// From is, for a rename, the post's slug before it (empty in
	// revisions stored before renames recorded it).
	From   string
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

// Catalog reads posts and their history, as writers and the admin see them.
type Catalog interface {
	Reader
	// Public is the blog as readers see it: no drafts, nothing scheduled.
	Public() Reader
	// Entry returns the current metadata of slug, following aliases.
	// Removed posts are returned too, with Removed set.
	Entry(slug string) (Entry, bool)
	// Revision returns revision rev of the post named slug (no aliases).
	Revision(ctx context.Context, slug string, rev uint64) (Revision, error)
	// History returns every revision of slug, oldest first, without sources.
	History(ctx context.Context, slug string) ([]Revision, error)
	// Len reports how many posts the store holds, removed ones included.
	Len() int
	// Now is the store's clock, which decides what is scheduled.
	Now() time.Time
}

// Writer changes posts; every change is a new revision.
type Writer interface {
	// Put stores c.Post as the next revision of its post.
	Put(ctx context.Context, c Change) (Entry, error)
	// Remove hides slug behind a tombstone revision.
	Remove(ctx context.Context, slug, author string, ifRev *uint64) (Entry, error)
	// Rename moves a post and its history to newSlug, keeping oldSlug as
	// an alias.
	Rename(ctx context.Context, oldSlug, newSlug, author string) (Entry, error)
	// AddAlias makes alias lead to slug, unless a post is named alias.
	AddAlias(ctx context.Context, alias, slug string) error
}

// Archive is what import, export, seeding and backup need.
type Archive interface {
	// AllEntries returns every post, removed ones included, newest first.
	AllEntries() []Entry
	// Aliases returns every alias and the slug it leads to, by alias.
	Aliases() [][2]string
	// PutMany stores many changes in few transactions.
	PutMany(ctx context.Context, changes []Change) ([]Outcome, error)
	// Import stores a whole import. A bbolt file stores it in one
	// transaction: all of it or, on an error, nothing. etcd limits a
	// transaction's size, so it stores it step by step: an error there is
	// an *ImportStopped saying how much was stored.
	Import(ctx context.Context, in Import) (ImportOutcome, error)
	// Restore writes a post's whole exported history; the post must not
	// exist yet.
	Restore(ctx context.Context, slug string, revs []Revision, meta post.Meta) (Entry, error)
	// Seed stores ps as the first revisions of an empty store.
	Seed(ctx context.Context, ps []*post.Post, author string) (int, error)
	// WriteTo writes a consistent snapshot of the whole store to w.
	WriteTo(w io.Writer) (int64, error)
}

// Watcher tells when to refresh open sessions.
type Watcher interface {
	// Changed returns a channel closed at the next committed write,
	// wherever it was made.
	Changed() <-chan struct{}
	// NextScheduled returns when the next scheduled post becomes public.
	NextScheduled(now time.Time) (time.Time, bool)
}

// Store is everything the program asks of its storage. The bbolt DB and the
// etcd store both implement it.
type Store interface {
	Catalog
	Writer
	Archive
	Watcher
	Reviews
	Files
	io.Closer
}

// Change is one write to the store.
type Change struct {
	Post   *post.Post // the parsed post
	Author string     // who makes the change
	// IfRev, when non-nil, makes the write fail with ErrConflict unless the
	// post's current revision is *IfRev (0: the post must not exist yet).
	IfRev *uint64
	// Action is recorded in the revision; empty means Published for a new
	// post and Edited for an existing one.
	Action Action
}

// ActionFor is what the change records: its Action, or Published for a
// new post (exists false) and Edited for an existing one.
func (c Change) ActionFor(exists bool) Action {
	switch {
	case c.Action != "":
		return c.Action
	case exists:
		return Edited
	}
	return Published
}

// Outcome is what became of one change in a bulk write.
type Outcome struct {
	Entry     Entry // the post's new entry, when stored
	Unchanged bool  // the post already had exactly this source; nothing was written
	Err       error // why the change was refused
}
