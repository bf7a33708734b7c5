// Package boltstore keeps the blog in a single bbolt file: the default store,
// and the only one a blog needs on one machine. Every write is one bbolt
// transaction, committed (fsync'd) before it returns; reads of the list are
// served from an in-memory snapshot replaced after each write. The file's
// layout is in the project README ("A byte on disk").
package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// The buckets of the bbolt file; the project README ("A byte on disk")
// describes the layout.
var (
	bucketPosts     = []byte("posts")     // slug -> JSON store.Entry (current metadata, no body)
	bucketRevisions = []byte("revisions") // slug -> bucket: big-endian uint64 rev -> revision record
	bucketAliases   = []byte("aliases")   // old slug -> new slug
	bucketMeta      = []byte("meta")      // "schema" -> version
	bucketProposals = []byte("proposals") // slug -> bucket: big-endian uint64 n -> proposal record
)

// schemaVersion is written to meta/schema when a file is created.
const schemaVersion = "1"

// DB is the bbolt implementation of the store. It is safe for concurrent
// use. Reads of the post list are served from an in-memory snapshot that is
// replaced after every committed write.
type DB struct {
	bolt *bolt.DB
	now  func() time.Time

	snap atomic.Pointer[store.Snapshot]
	// snapMu orders writes with the snapshot: a write that patches the
	// snapshot (replace) holds it shared from its commit to its patch; a
	// write that rebuilds the snapshot from the file (reload) holds it
	// exclusively, so no patch is lost under a rebuild.
	snapMu sync.RWMutex

	changes store.Signal // notified after each committed write

	files store.FileIndex // the files' entries (files.go)
}

// DB is a store.Store.
var _ store.Store = (*DB)(nil)

// Option configures Open.
type Option func(*DB)

// WithClock makes the store read the time from now instead of time.Now; tests
// use it to control revision times.
func WithClock(now func() time.Time) Option {
	return func(db *DB) { db.now = now }
}

// Open opens (creating if needed) the bbolt file at path. It fails after a
// second if another process holds the file.
func Open(path string, opts ...Option) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: creating data folder: %w", err)
	}
	return openFile(path, false, opts)
}

// OpenReadOnly opens an existing bbolt file for reading only: nothing is
// created or changed, in it or beside it (a backup or a migration's source
// keeps its bytes), and every write fails. A missing file is an error that
// wraps fs.ErrNotExist.
func OpenReadOnly(path string, opts ...Option) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	return openFile(path, true, opts)
}

// openFile opens the file at path, preparing a new one (its buckets and schema
// version) unless readOnly, and checking the schema version of any.
func openFile(path string, readOnly bool, opts []Option) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: readOnly})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("store: opening %s: the file is in use by another process", path)
		}
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	db := &DB{bolt: b, now: time.Now}
	for _, o := range opts {
		o(db)
	}
	if readOnly {
		err = b.View(checkSchema)
	} else {
		err = b.Update(prepare)
	}
	if err == nil {
		err = db.reload()
	}
	if err == nil {
		err = b.View(db.loadFiles)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("store: preparing %s: %w", path, err)
	}
	return db, nil
}

// prepare makes a new file's buckets and schema version; then it checks
// the schema version.
func prepare(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketPosts, bucketRevisions, bucketAliases, bucketMeta, bucketProposals} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	if meta := tx.Bucket(bucketMeta); meta.Get([]byte("schema")) == nil {
		if err := meta.Put([]byte("schema"), []byte(schemaVersion)); err != nil {
			return err
		}
	}
	return checkSchema(tx)
}

// checkSchema checks that the file is an sshblog database of the version
// this build knows.
func checkSchema(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return errors.New("not an sshblog database")
	}
	if v := meta.Get([]byte("schema")); string(v) != schemaVersion {
		return fmt.Errorf("unknown schema version %q (this build knows %s)", v, schemaVersion)
	}
	return nil
}

// Close closes the file. Writes in flight finish first.
func (db *DB) Close() error {
	return db.bolt.Close()
}

// reload builds the snapshot from the file.
func (db *DB) reload() error {
	var entries []store.Entry
	aliases := map[string]string{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
			var e store.Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decoding post %q: %w", k, err)
			}
			entries = append(entries, e)
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketAliases).ForEach(func(k, v []byte) error {
			aliases[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return err
	}
	db.snap.Store(store.NewSnapshot(entries, aliases))
	return nil
}

// Changed returns a channel that is closed at the next committed write. One
// goroutine waiting on it serves a whole server: no polling.
func (db *DB) Changed() <-chan struct{} { return db.changes.Changed() }

// List returns the current, non-removed posts, newest first, from the
// in-memory snapshot. The slice is shared: callers must not modify it.
func (db *DB) List(ctx context.Context) ([]store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return db.snap.Load().Live(), nil
}

// Len reports how many posts the store holds, removed ones included.
func (db *DB) Len() int { return db.snap.Load().Len() }

// Entry returns the current metadata of slug, following aliases. Removed
// posts are returned too, with Removed set.
func (db *DB) Entry(slug string) (store.Entry, bool) { return db.snap.Load().Entry(slug) }

// Public is the blog as readers see it: drafts and posts dated in the future
// are left out of List and are ErrNotFound to Get.
func (db *DB) Public() store.Reader { return store.PublicView(db.snap.Load, db) }

// NextScheduled returns the earliest date after now at which a scheduled post
// becomes public, so a server can wake its sessions then without polling.
func (db *DB) NextScheduled(now time.Time) (time.Time, bool) {
	_, next := db.snap.Load().Public(now)
	return next, !next.IsZero()
}

// Now returns the store's clock's time.
func (db *DB) Now() time.Time { return db.now() }

// Get returns the current revision of slug, following aliases. A removed
// post is ErrNotFound.
func (db *DB) Get(ctx context.Context, slug string) (store.Revision, error) {
	e, ok := db.Entry(slug)
	if !ok || e.Removed {
		return store.Revision{}, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
	}
	return db.Revision(ctx, e.Slug, e.Rev)
}

// Revision returns revision rev of the post named slug (no alias lookup).
func (db *DB) Revision(ctx context.Context, slug string, rev uint64) (store.Revision, error) {
	if err := ctx.Err(); err != nil {
		return store.Revision{}, err
	}
	var r store.Revision
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		r, err = revisionInTx(tx, slug, rev)
		return err
	})
	return r, err
}

// revisionInTx reads revision rev of the post named slug inside tx.
func revisionInTx(tx *bolt.Tx, slug string, rev uint64) (store.Revision, error) {
	b := tx.Bucket(bucketRevisions).Bucket([]byte(slug))
	if b == nil {
		return store.Revision{}, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
	}
	v := b.Get(revKey(rev))
	if v == nil {
		return store.Revision{}, fmt.Errorf("%w: %s has no revision %d", store.ErrNotFound, slug, rev)
	}
	return store.DecodeRevision(slug, rev, v)
}

// History returns every revision of slug, oldest first, without their
// sources.
func (db *DB) History(ctx context.Context, slug string) ([]store.Revision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slug = db.snap.Load().Resolve(slug)
	var out []store.Revision
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRevisions).Bucket([]byte(slug))
		if b == nil {
			return fmt.Errorf("%w: %s", store.ErrNotFound, slug)
		}
		return b.ForEach(func(k, v []byte) error {
			r, err := store.DecodeRevisionHeader(slug, binary.BigEndian.Uint64(k), v)
			if err != nil {
				return err
			}
			r.Source = nil
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

// Put stores c.Post as the next revision of the post named c.Post.Slug and
// returns the post's new entry. The revision is committed (fsync'd) before
// Put returns.
func (db *DB) Put(ctx context.Context, c store.Change) (store.Entry, error) {
	if err := store.CheckPost(c.Post); err != nil {
		return store.Entry{}, fmt.Errorf("store: put: %w", err)
	}
	return db.write(ctx, "writing "+c.Post.Slug, c.Post.Slug, c.IfRev, func(cur *store.Entry) (store.Entry, store.Revision, error) {
		e, r := store.NextRevision(c.Post, cur, c.Author, c.ActionFor(cur != nil), db.now())
		return e, r, nil
	})
}

// Remove hides slug behind a tombstone revision. Nothing is erased: an
// earlier revision can be made current again with Put and Action Reverted.
func (db *DB) Remove(ctx context.Context, slug, author string, ifRev *uint64) (store.Entry, error) {
	slug = db.snap.Load().Resolve(slug)
	return db.write(ctx, "removing "+slug, slug, ifRev, func(cur *store.Entry) (store.Entry, store.Revision, error) {
		return store.Tombstone(slug, cur, author, db.now())
	})
}

// Rename moves the post oldSlug, with all its history, to newSlug, and keeps
// oldSlug as an alias of it. The move is recorded as a revision.
func (db *DB) Rename(ctx context.Context, oldSlug, newSlug, author string) (store.Entry, error) {
	oldSlug = db.snap.Load().Resolve(oldSlug)
	if err := store.CheckRename(oldSlug, newSlug); err != nil {
		return store.Entry{}, fmt.Errorf("store: rename: %w", err)
	}
	var e store.Entry
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		cur, err := currentEntry(tx, oldSlug)
		if err != nil {
			return err
		}
		if cur == nil {
			return fmt.Errorf("%w: %s", store.ErrNotFound, oldSlug)
		}
		if tx.Bucket(bucketPosts).Get([]byte(newSlug)) != nil {
			return fmt.Errorf("%w: %s already exists", store.ErrConflict, newSlug)
		}
		to := tx.Bucket(bucketAliases).Get([]byte(newSlug))
		if err := store.CheckAliasFree(newSlug, string(to), to != nil, oldSlug); err != nil {
			return err
		}
		prev, err := revisionInTx(tx, oldSlug, cur.Rev)
		if err != nil {
			return err
		}
		var r store.Revision
		if e, r, err = store.Renaming(*cur, newSlug, author, db.now(), prev.Source); err != nil {
			return err
		}
		return moveTo(tx, oldSlug, e, r)
	})
	if err != nil {
		return store.Entry{}, writeError("renaming "+oldSlug, err)
	}
	if err := db.reload(); err != nil {
		return e, fmt.Errorf("store: renaming %s: %w", oldSlug, err)
	}
	db.changes.Notify()
	return e, nil
}

// moveTo moves the post oldSlug, with its history, to e.Slug, appends r
// there, and leaves the old name as an alias (store.RenameAliases).
func moveTo(tx *bolt.Tx, oldSlug string, e store.Entry, r store.Revision) error {
	allRevs, aliases := tx.Bucket(bucketRevisions), tx.Bucket(bucketAliases)
	to, err := allRevs.CreateBucket([]byte(e.Slug))
	if err != nil {
		return fmt.Errorf("moving history: %w", err)
	}
	err = allRevs.Bucket([]byte(oldSlug)).ForEach(func(k, v []byte) error {
		return to.Put(bytes.Clone(k), bytes.Clone(v))
	})
	if err != nil {
		return fmt.Errorf("moving history: %w", err)
	}
	if err := appendRevisions(tx, e, r); err != nil {
		return err
	}
	if err := tx.Bucket(bucketPosts).Delete([]byte(oldSlug)); err != nil {
		return fmt.Errorf("dropping the old name: %w", err)
	}
	if err := allRevs.DeleteBucket([]byte(oldSlug)); err != nil {
		return fmt.Errorf("dropping the old history: %w", err)
	}
	have := map[string]string{}
	err = aliases.ForEach(func(k, v []byte) error {
		have[string(k)] = string(v)
		return nil
	})
	if err != nil {
		return err
	}
	for alias, slug := range store.RenameAliases(have, oldSlug, e.Slug) {
		if err := aliases.Put([]byte(alias), []byte(slug)); err != nil {
			return fmt.Errorf("pointing the alias %s at %s: %w", alias, slug, err)
		}
	}
	return nil
}

// write runs one change in a bbolt transaction: it checks IfRev, lets change
// build the next entry and revision from the current entry, and commits them
// with appendRevisions. what names the change in errors.
func (db *DB) write(ctx context.Context, what, slug string, ifRev *uint64, change func(cur *store.Entry) (store.Entry, store.Revision, error)) (store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return store.Entry{}, err
	}
	var e store.Entry
	db.snapMu.RLock()
	defer db.snapMu.RUnlock()
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		cur, err := currentEntry(tx, slug)
		if err != nil {
			return err
		}
		if err := store.CheckIfRev(slug, cur, ifRev); err != nil {
			return err
		}
		var r store.Revision
		e, r, err = change(cur)
		if err != nil {
			return err
		}
		return appendRevisions(tx, e, r)
	})
	if err != nil {
		return store.Entry{}, writeError(what, err)
	}
	db.replace(e)
	db.changes.Notify()
	return e, nil
}

// currentEntry reads the current entry of slug, or nil if there is no post
// of that name.
func currentEntry(tx *bolt.Tx, slug string) (*store.Entry, error) {
	v := tx.Bucket(bucketPosts).Get([]byte(slug))
	if v == nil {
		return nil, nil
	}
	e := new(store.Entry)
	if err := json.Unmarshal(v, e); err != nil {
		return nil, fmt.Errorf("decoding post %s: %w", slug, err)
	}
	return e, nil
}

// appendRevisions is the one way a post changes: it appends revs (new
// revision numbers only; a stored revision is never overwritten) to the
// history of e.Slug and moves the post's current pointer to e. A post of
// that name shadows an alias of the same name, so the alias goes.
func appendRevisions(tx *bolt.Tx, e store.Entry, revs ...store.Revision) error {
	slug := []byte(e.Slug)
	b, err := tx.Bucket(bucketRevisions).CreateBucketIfNotExists(slug)
	if err != nil {
		return fmt.Errorf("making the history of %s: %w", e.Slug, err)
	}
	for _, r := range revs {
		k := revKey(r.Rev)
		if b.Get(k) != nil {
			return fmt.Errorf("revision %d of %s already exists", r.Rev, e.Slug)
		}
		if err := b.Put(k, store.EncodeRevision(r)); err != nil {
			return fmt.Errorf("appending revision %d of %s: %w", r.Rev, e.Slug, err)
		}
	}
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding post %s: %w", e.Slug, err)
	}
	if err := tx.Bucket(bucketPosts).Put(slug, v); err != nil {
		return fmt.Errorf("moving the current revision of %s: %w", e.Slug, err)
	}
	if err := tx.Bucket(bucketAliases).Delete(slug); err != nil {
		return fmt.Errorf("dropping the alias %s: %w", e.Slug, err)
	}
	return nil
}

// writeError describes a failed write for whoever made it, who may be an SSH
// client: a full disk is ErrDiskFull, refusals (store.IsRefusal) are
// returned as they are, and file paths are left out of anything else.
func writeError(what string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return store.ErrDiskFull
	case store.IsRefusal(err):
		return err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// replace swaps the snapshot for one with e as the current entry of its slug.
func (db *DB) replace(e store.Entry) {
	for {
		old := db.snap.Load()
		s := old.With(e)
		if s == old || db.snap.CompareAndSwap(old, s) {
			return
		}
	}
}

// Seed stores ps as the first revisions of an empty store, all in one
// transaction, authored by author. It does nothing if the store already holds
// any post, so later starts never overwrite what is stored. It reports how
// many posts it stored.
func (db *DB) Seed(ctx context.Context, ps []*post.Post, author string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	for _, p := range ps {
		if err := store.CheckPost(p); err != nil {
			return 0, fmt.Errorf("store: seeding: %w", err)
		}
	}
	n := 0
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketPosts).Cursor().First(); k != nil {
			return nil
		}
		for _, p := range ps {
			e, r := store.NextRevision(p, nil, author, store.Published, db.now())
			if err := appendRevisions(tx, e, r); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, writeError("seeding", err)
	}
	if n > 0 {
		if err := db.reload(); err != nil {
			return n, fmt.Errorf("store: seeding: %w", err)
		}
		db.changes.Notify()
	}
	return n, nil
}

// revKey is the bbolt key of revision rev: big-endian, so keys sort by
// revision.
func revKey(rev uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, rev)
}
