package boltstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// bulkChunk is how many posts one transaction of a bulk write holds: large
// enough that an import of thousands of posts takes few fsyncs, small enough
// that one transaction stays a few megabytes.
const bulkChunk = 256

// PutMany stores many changes with few transactions. A change whose source
// equals its post's current source writes nothing. It returns one outcome per
// change, in order; an error is returned only when the store itself fails.
func (db *DB) PutMany(ctx context.Context, changes []store.Change) ([]store.Outcome, error) {
	out := make([]store.Outcome, len(changes))
	for start := 0; start < len(changes); start += bulkChunk {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		end := min(start+bulkChunk, len(changes))
		var written []store.Entry
		db.snapMu.RLock()
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			written = written[:0]
			for i := start; i < end; i++ {
				o, err := db.putInTx(tx, changes[i], db.now())
				if err != nil {
					return err
				}
				out[i] = o
				if o.Err == nil && !o.Unchanged {
					written = append(written, o.Entry)
				}
			}
			return nil
		})
		if err == nil {
			for _, e := range written {
				db.replace(e)
			}
		}
		db.snapMu.RUnlock()
		if err != nil {
			return out, writeError("bulk write", err)
		}
		if len(written) > 0 {
			db.changes.Notify()
		}
	}
	return out, nil
}

// putInTx applies one change inside tx. Problems with the change itself are
// reported in the outcome; only store failures are returned as errors.
func (db *DB) putInTx(tx *bolt.Tx, c store.Change, now time.Time) (store.Outcome, error) {
	if err := store.CheckPost(c.Post); err != nil {
		return store.Outcome{Err: err}, nil
	}
	cur, err := currentEntry(tx, c.Post.Slug)
	if err != nil {
		return store.Outcome{}, err
	}
	if err := store.CheckIfRev(c.Post.Slug, cur, c.IfRev); err != nil {
		return store.Outcome{Err: err}, nil
	}
	if cur != nil && !cur.Removed {
		if r, err := revisionInTx(tx, c.Post.Slug, cur.Rev); err == nil && bytes.Equal(r.Source, c.Post.Source) {
			return store.Outcome{Entry: *cur, Unchanged: true}, nil
		}
	}
	e, r := store.NextRevision(c.Post, cur, c.Author, c.ActionFor(cur != nil), now)
	if err := appendRevisions(tx, e, r); err != nil {
		return store.Outcome{}, err
	}
	return store.Outcome{Entry: e}, nil
}

// Restore writes a post's whole history, as exported, into the store. The
// post must not exist yet. revs must be numbered 1, 2, 3... in order; meta is
// the metadata of the last revision that is not a removal.
func (db *DB) Restore(ctx context.Context, slug string, revs []store.Revision, meta post.Meta) (store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return store.Entry{}, err
	}
	e, err := store.RestoredEntry(slug, revs, meta)
	if err != nil {
		return store.Entry{}, fmt.Errorf("store: restore: %w", err)
	}
	db.snapMu.RLock()
	defer db.snapMu.RUnlock()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketPosts).Get([]byte(slug)) != nil {
			return fmt.Errorf("%w: %s already exists", store.ErrConflict, slug)
		}
		return appendRevisions(tx, e, revs...)
	})
	if err != nil {
		return store.Entry{}, writeError("restoring "+slug, err)
	}
	db.replace(e)
	db.changes.Notify()
	return e, nil
}

// Aliases returns every alias and the slug it leads to, sorted by alias.
func (db *DB) Aliases() [][2]string { return db.snap.Load().Aliases() }

// AddAlias makes alias lead to slug, unless a post is named alias or alias
// leads to another post (store.CheckAliasFree).
func (db *DB) AddAlias(ctx context.Context, alias, slug string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := post.CheckSlug(alias); err != nil {
		return fmt.Errorf("store: alias: %w", err)
	}
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	err := db.bolt.Update(func(tx *bolt.Tx) error { return aliasInTx(tx, alias, slug) })
	if err != nil {
		return writeError("adding the alias "+alias, err)
	}
	if err := db.reload(); err != nil {
		return fmt.Errorf("store: adding the alias %s: %w", alias, err)
	}
	db.changes.Notify()
	return nil
}

// aliasInTx makes alias lead to slug in tx, unless a post is named alias
// or alias leads to another post (ErrConflict).
func aliasInTx(tx *bolt.Tx, alias, slug string) error {
	if err := post.CheckSlug(alias); err != nil {
		return fmt.Errorf("alias: %w", err)
	}
	if tx.Bucket(bucketPosts).Get([]byte(alias)) != nil {
		return fmt.Errorf("%w: a post is named %s", store.ErrConflict, alias)
	}
	to := tx.Bucket(bucketAliases).Get([]byte(alias))
	if err := store.CheckAliasFree(alias, string(to), to != nil, slug); err != nil {
		return err
	}
	return tx.Bucket(bucketAliases).Put([]byte(alias), []byte(slug))
}

// Import stores a whole import in one transaction: if the server stops or
// the disk fills part way, nothing of it is stored. A history, change or
// alias refused on its own is reported in the outcome and does not stop
// the rest.
func (db *DB) Import(ctx context.Context, in store.Import) (store.ImportOutcome, error) {
	if err := ctx.Err(); err != nil {
		return store.NewImportOutcome(in), err
	}
	var out store.ImportOutcome
	var files fileWrite
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		out, files = store.NewImportOutcome(in), fileWrite{}
		if err := files.apply(tx, in.Files, db.now()); err != nil {
			return err
		}
		for i, r := range in.Restores {
			e, err := store.RestoredEntry(r.Slug, r.Revs, r.Meta)
			switch {
			case err != nil:
				out.Restored[i] = err
				continue
			case tx.Bucket(bucketPosts).Get([]byte(r.Slug)) != nil:
				out.Restored[i] = fmt.Errorf("%w: %s already exists", store.ErrConflict, r.Slug)
				continue
			}
			if err := appendRevisions(tx, e, r.Revs...); err != nil {
				return err
			}
		}
		for i, c := range in.Changes {
			o, err := db.putInTx(tx, c, db.now())
			if err != nil {
				return err
			}
			out.Changes[i] = o
		}
		for i, a := range in.Aliases {
			if err := aliasInTx(tx, a[0], a[1]); err != nil {
				if !store.IsRefusal(err) && post.CheckSlug(a[0]) == nil {
					return err
				}
				out.Aliases[i] = err
			}
		}
		return nil
	})
	if err != nil {
		return store.NewImportOutcome(in), writeError("import", err)
	}
	out.Files = files.out
	db.committed(files)
	if err := db.reload(); err != nil {
		return out, fmt.Errorf("store: import: %w", err)
	}
	db.changes.Notify()
	return out, nil
}

// AllEntries returns every post, removed ones included, newest first.
func (db *DB) AllEntries() []store.Entry { return db.snap.Load().All() }

// WriteTo writes a consistent copy of the whole database file to w, while
// reads and writes go on. The copy opens as a store of its own.
func (db *DB) WriteTo(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, writeError("backup", err)
	}
	return n, nil
}

// Batch applies ops in order in one transaction, all at one instant,
// files' changes (OpFile) with the posts': if any is refused (a conflict, a missing post, a taken name) or the store
// fails, nothing of them is stored, and the error says which one. A put
// whose source is its post's current one writes nothing.
func (db *DB) Batch(ctx context.Context, ops []store.Op) ([]store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]store.Entry, len(ops))
	db.snapMu.Lock()
	defer db.snapMu.Unlock()
	now := db.now()
	var files fileWrite
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		files = fileWrite{}
		for i, op := range ops {
			if op.Kind == store.OpFile {
				c := op.File
				c.IfRev = op.IfRev
				fe, err := files.one(tx, c, now)
				if err != nil {
					return err
				}
				out[i] = store.FileOpEntry(fe)
				continue
			}
			e, err := db.opInTx(tx, op, now)
			if err != nil {
				return err
			}
			out[i] = e
		}
		return nil
	})
	if err != nil {
		return nil, writeError("batch", err)
	}
	db.committed(files)
	if err := db.reload(); err != nil {
		return out, fmt.Errorf("store: batch: %w", err)
	}
	db.changes.Notify()
	return out, nil
}

// opInTx applies one operation of a batch inside tx.
func (db *DB) opInTx(tx *bolt.Tx, op store.Op, now time.Time) (store.Entry, error) {
	switch op.Kind {
	case store.OpPut:
		c := op.Change
		c.IfRev = op.IfRev
		o, err := db.putInTx(tx, c, now)
		if err != nil {
			return store.Entry{}, err
		}
		return o.Entry, o.Err
	case store.OpRemove, store.OpRename:
		cur, err := currentEntry(tx, op.Slug)
		if err != nil {
			return store.Entry{}, err
		}
		if cur == nil {
			return store.Entry{}, fmt.Errorf("%w: %s", store.ErrNotFound, op.Slug)
		}
		if err := store.CheckIfRev(op.Slug, cur, op.IfRev); err != nil {
			return store.Entry{}, err
		}
		if op.Kind == store.OpRemove {
			e, r, err := store.Tombstone(op.Slug, cur, op.Author, now)
			if err != nil {
				return store.Entry{}, err
			}
			return e, appendRevisions(tx, e, r)
		}
		if err := store.CheckRename(op.Slug, op.NewSlug); err != nil {
			return store.Entry{}, err
		}
		if tx.Bucket(bucketPosts).Get([]byte(op.NewSlug)) != nil {
			return store.Entry{}, fmt.Errorf("%w: %s already exists", store.ErrConflict, op.NewSlug)
		}
		to := tx.Bucket(bucketAliases).Get([]byte(op.NewSlug))
		if err := store.CheckAliasFree(op.NewSlug, string(to), to != nil, op.Slug); err != nil {
			return store.Entry{}, err
		}
		prev, err := revisionInTx(tx, op.Slug, cur.Rev)
		if err != nil {
			return store.Entry{}, err
		}
		e, r, err := store.Renaming(*cur, op.NewSlug, op.Author, now, prev.Source)
		if err != nil {
			return store.Entry{}, err
		}
		return e, moveTo(tx, op.Slug, e, r)
	}
	return store.Entry{}, fmt.Errorf("unknown batch operation %d", op.Kind)
}
