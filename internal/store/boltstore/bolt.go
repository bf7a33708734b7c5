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
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

	snap atomic.Pointer[snapshot]
	// snapMu orders writes with the snapshot: a write that patches the
	// snapshot (replace) holds it shared from its commit to its patch; a
	// write that rebuilds the snapshot from the file (reload) holds it
	// exclusively, so no patch is lost under a rebuild.
	snapMu sync.RWMutex

	mu      sync.Mutex    // guards changed
	changed chan struct{} // closed and replaced after each committed write
}

// DB is a store.Store.
var _ store.Store = (*DB)(nil)

// snapshot is an immutable view of the current posts.
type snapshot struct {
	entries []store.Entry          // every post, removed ones included, newest first
	bySlug  map[string]store.Entry // the same, by slug
	aliases map[string]string

	// The lists List and Public().List return, made on first use and
	// shared by every caller: a session that starts does not copy the blog.
	live   func() []store.Entry       // the posts not removed
	public atomic.Pointer[publicList] // the public posts, for a while
}

// publicList is the posts readers see from a time on, until the next
// scheduled post comes due.
type publicList struct {
	entries     []store.Entry
	from, until time.Time // until is zero when nothing is scheduled
}

// newSnapshot returns a snapshot of entries, sorted newest first.
func newSnapshot(entries []store.Entry, bySlug map[string]store.Entry, aliases map[string]string) *snapshot {
	s := &snapshot{entries: entries, bySlug: bySlug, aliases: aliases}
	s.live = sync.OnceValue(func() []store.Entry {
		out := make([]store.Entry, 0, len(s.entries))
		for _, e := range s.entries {
			if !e.Removed {
				out = append(out, e)
			}
		}
		return slices.Clip(out)
	})
	return s
}

// publicAt returns the posts public at time now, and when the next
// scheduled one comes due. The list is made once and kept until then.
func (s *snapshot) publicAt(now time.Time) *publicList {
	if l := s.public.Load(); l != nil && !now.Before(l.from) && (l.until.IsZero() || now.Before(l.until)) {
		return l
	}
	l := &publicList{from: now}
	l.entries, l.until = store.PublicAt(s.entries, now)
	s.public.Store(l)
	return l
}

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
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("store: opening %s: the file is in use by another process", path)
		}
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	db := &DB{bolt: b, now: time.Now, changed: make(chan struct{})}
	for _, o := range opts {
		o(db)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketPosts, bucketRevisions, bucketAliases, bucketMeta, bucketProposals} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get([]byte("schema")); v == nil {
			return meta.Put([]byte("schema"), []byte(schemaVersion))
		} else if string(v) != schemaVersion {
			return fmt.Errorf("unknown schema version %q (this build knows %s)", v, schemaVersion)
		}
		return nil
	})
	if err == nil {
		err = db.reload()
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("store: preparing %s: %w", path, err)
	}
	return db, nil
}

// Close closes the file. Writes in flight finish first.
func (db *DB) Close() error {
	return db.bolt.Close()
}

// reload builds the snapshot from the file.
func (db *DB) reload() error {
	s := &snapshot{bySlug: map[string]store.Entry{}, aliases: map[string]string{}}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		err := tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
			var e store.Entry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decoding post %q: %w", k, err)
			}
			s.bySlug[string(k)] = e
			return nil
		})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketAliases).ForEach(func(k, v []byte) error {
			s.aliases[string(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return err
	}
	s.entries = make([]store.Entry, 0, len(s.bySlug))
	for _, e := range s.bySlug {
		s.entries = append(s.entries, e)
	}
	store.SortEntries(s.entries)
	db.snap.Store(newSnapshot(s.entries, s.bySlug, s.aliases))
	return nil
}

// Changed returns a channel that is closed at the next committed write. One
// goroutine waiting on it serves a whole server: no polling.
func (db *DB) Changed() <-chan struct{} {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.changed
}

// notify wakes everyone waiting on Changed.
func (db *DB) notify() {
	db.mu.Lock()
	close(db.changed)
	db.changed = make(chan struct{})
	db.mu.Unlock()
}

// List returns the current, non-removed posts, newest first, from the
// in-memory snapshot. The slice is shared: callers must not modify it.
func (db *DB) List(ctx context.Context) ([]store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return db.snap.Load().live(), nil
}

// Len reports how many posts the store holds, removed ones included.
func (db *DB) Len() int {
	return len(db.snap.Load().entries)
}

// resolve follows aliases from slug to the post's current slug.
func (s *snapshot) resolve(slug string) string { return store.ResolveAlias(s.aliases, slug) }

// Entry returns the current metadata of slug, following aliases. Removed
// posts are returned too, with Removed set.
func (db *DB) Entry(slug string) (store.Entry, bool) {
	s := db.snap.Load()
	e, ok := s.bySlug[s.resolve(slug)]
	return e, ok
}

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
		b := tx.Bucket(bucketRevisions).Bucket([]byte(slug))
		if b == nil {
			return fmt.Errorf("%w: %s", store.ErrNotFound, slug)
		}
		v := b.Get(revKey(rev))
		if v == nil {
			return fmt.Errorf("%w: %s has no revision %d", store.ErrNotFound, slug, rev)
		}
		var err error
		r, err = store.DecodeRevision(slug, rev, v)
		return err
	})
	return r, err
}

// History returns every revision of slug, oldest first, without their
// sources.
func (db *DB) History(ctx context.Context, slug string) ([]store.Revision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	slug = db.snap.Load().resolve(slug)
	var out []store.Revision
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRevisions).Bucket([]byte(slug))
		if b == nil {
			return fmt.Errorf("%w: %s", store.ErrNotFound, slug)
		}
		return b.ForEach(func(k, v []byte) error {
			r, err := store.DecodeRevision(slug, binary.BigEndian.Uint64(k), v)
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
	if c.Post == nil {
		return store.Entry{}, errors.New("store: put: no post")
	}
	if err := post.CheckSlug(c.Post.Slug); err != nil {
		return store.Entry{}, fmt.Errorf("store: put: %w", err)
	}
	return db.write(ctx, "writing "+c.Post.Slug, c.Post.Slug, c.IfRev, func(cur *store.Entry) (store.Entry, store.Revision, error) {
		action := c.ActionFor(cur != nil)
		e, r := db.newRevision(c.Post, cur, c.Author, action)
		return e, r, nil
	})
}

// Remove hides slug behind a tombstone revision. Nothing is erased: an
// earlier revision can be made current again with Put and Action Reverted.
func (db *DB) Remove(ctx context.Context, slug, author string, ifRev *uint64) (store.Entry, error) {
	slug = db.snap.Load().resolve(slug)
	return db.write(ctx, "removing "+slug, slug, ifRev, func(cur *store.Entry) (store.Entry, store.Revision, error) {
		if cur == nil || cur.Removed {
			return store.Entry{}, store.Revision{}, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
		}
		now := db.now()
		e := *cur
		e.Rev, e.Updated, e.By, e.Removed, e.Size = cur.Rev+1, now, author, true, 0
		return e, store.Revision{Slug: slug, Rev: e.Rev, Author: author, Time: now, Action: store.Removed}, nil
	})
}

// Rename moves the post oldSlug, with all its history, to newSlug, and keeps
// oldSlug as an alias of it. The move is recorded as a revision.
func (db *DB) Rename(ctx context.Context, oldSlug, newSlug, author string) (store.Entry, error) {
	if err := post.CheckSlug(newSlug); err != nil {
		return store.Entry{}, fmt.Errorf("store: rename: %w", err)
	}
	oldSlug = db.snap.Load().resolve(oldSlug)
	if oldSlug == newSlug {
		return store.Entry{}, fmt.Errorf("store: rename: %s already has that name", oldSlug)
	}
	var e store.Entry
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		posts, allRevs, aliases := tx.Bucket(bucketPosts), tx.Bucket(bucketRevisions), tx.Bucket(bucketAliases)
		v := posts.Get([]byte(oldSlug))
		if v == nil {
			return fmt.Errorf("%w: %s", store.ErrNotFound, oldSlug)
		}
		if posts.Get([]byte(newSlug)) != nil {
			return fmt.Errorf("%w: %s already exists", store.ErrConflict, newSlug)
		}
		var cur store.Entry
		if err := json.Unmarshal(v, &cur); err != nil {
			return fmt.Errorf("decoding post %q: %w", oldSlug, err)
		}
		if cur.Removed {
			return fmt.Errorf("%w: %s", store.ErrNotFound, oldSlug)
		}
		from := allRevs.Bucket([]byte(oldSlug))
		to, err := allRevs.CreateBucket([]byte(newSlug))
		if err != nil {
			return fmt.Errorf("moving history: %w", err)
		}
		var last []byte
		err = from.ForEach(func(k, v []byte) error {
			last = v
			return to.Put(bytes.Clone(k), bytes.Clone(v))
		})
		if err != nil {
			return fmt.Errorf("moving history: %w", err)
		}
		prev, err := store.DecodeRevision(oldSlug, cur.Rev, last)
		if err != nil {
			return err
		}
		now := db.now()
		e = cur
		e.Slug, e.Rev, e.Updated, e.By = newSlug, cur.Rev+1, now, author
		r := store.Revision{Slug: newSlug, Rev: e.Rev, Author: author, Time: now, Action: store.Renamed, Source: prev.Source}
		if err := appendRevisions(tx, e, r); err != nil {
			return err
		}
		if err := posts.Delete([]byte(oldSlug)); err != nil {
			return fmt.Errorf("dropping the old name: %w", err)
		}
		if err := allRevs.DeleteBucket([]byte(oldSlug)); err != nil {
			return fmt.Errorf("dropping the old history: %w", err)
		}
		// The old name becomes an alias, and aliases that led to the old
		// name follow it.
		if err := aliases.Put([]byte(oldSlug), []byte(newSlug)); err != nil {
			return err
		}
		return aliases.ForEach(func(k, v []byte) error {
			if string(v) == oldSlug {
				return aliases.Put(bytes.Clone(k), []byte(newSlug))
			}
			return nil
		})
	})
	if err != nil {
		return store.Entry{}, writeError("renaming "+oldSlug, err)
	}
	if err := db.reload(); err != nil {
		return e, fmt.Errorf("store: renaming %s: %w", oldSlug, err)
	}
	db.notify()
	return e, nil
}

// newRevision builds the entry and revision that make p current.
func (db *DB) newRevision(p *post.Post, cur *store.Entry, author string, action store.Action) (store.Entry, store.Revision) {
	var rev uint64 = 1
	if cur != nil {
		rev = cur.Rev + 1
	}
	now := db.now()
	e := store.Entry{Meta: p.Meta, Rev: rev, Size: int64(len(p.Source)), Updated: now, By: author}
	e.Slug = p.Slug
	r := store.Revision{Slug: p.Slug, Rev: rev, Author: author, Time: now, Action: action, Source: p.Source}
	return e, r
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
		if err := checkIfRev(slug, cur, ifRev); err != nil {
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
	db.notify()
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
// client: a full disk is ErrDiskFull, conflicts and missing posts are
// returned as they are, and file paths are left out of anything else.
func writeError(what string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return store.ErrDiskFull
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
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
		if have, ok := old.bySlug[e.Slug]; ok && have.Rev > e.Rev {
			return // a later write of the same post got here first
		}
		s := &snapshot{
			bySlug:  make(map[string]store.Entry, len(old.bySlug)+1),
			aliases: old.aliases,
			entries: make([]store.Entry, 0, len(old.entries)+1),
		}
		if _, ok := old.aliases[e.Slug]; ok {
			s.aliases = maps.Clone(old.aliases)
			delete(s.aliases, e.Slug)
		}
		maps.Copy(s.bySlug, old.bySlug)
		s.bySlug[e.Slug] = e
		for _, x := range old.entries {
			if x.Slug != e.Slug {
				s.entries = append(s.entries, x)
			}
		}
		i, _ := slices.BinarySearchFunc(s.entries, e, func(a, b store.Entry) int {
			if c := b.ListedAt().Compare(a.ListedAt()); c != 0 {
				return c
			}
			return strings.Compare(a.Slug, b.Slug)
		})
		s.entries = slices.Insert(s.entries, i, e)
		if db.snap.CompareAndSwap(old, newSnapshot(s.entries, s.bySlug, s.aliases)) {
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
		if p == nil {
			return 0, errors.New("store: seeding: no post")
		}
		if err := post.CheckSlug(p.Slug); err != nil {
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
			e, r := db.newRevision(p, nil, author, store.Published)
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
		db.notify()
	}
	return n, nil
}

// revKey is the bbolt key of revision rev: big-endian, so keys sort by
// revision.
func revKey(rev uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, rev)
}
