package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sshblog/sshblog/internal/store"
)

// The files' buckets (see store.Files):
//
//	files     path -> JSON store.FileEntry (its current state)
//	filerevs  path -> bucket: big-endian uint64 rev -> JSON store.FileRevision
//	blobs     hex SHA-256 -> the bytes
//
// A file written before these buckets existed cannot be: they are made
// when the file is opened for writing; a file opened read only may lack
// them, and then holds no files.
var (
	bucketFiles    = []byte("files")
	bucketFileRevs = []byte("filerevs")
	bucketBlobs    = []byte("blobs")
)

// loadFiles fills the file index from the file: every entry, and the
// length of every blob.
func (db *DB) loadFiles(tx *bolt.Tx) error {
	var es []store.FileEntry
	if b := tx.Bucket(bucketFiles); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			e, err := store.DecodeFileEntry(v)
			if err != nil {
				return fmt.Errorf("file %s: %w", k, err)
			}
			es = append(es, e)
			return nil
		})
		if err != nil {
			return err
		}
	}
	blobs := map[string]int64{}
	if b := tx.Bucket(bucketBlobs); b != nil {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			blobs[string(k)] = int64(len(v))
		}
	}
	db.files.Replace(es, blobs)
	return nil
}

// Files returns every path that has had a file, sorted by path.
func (db *DB) Files() []store.FileEntry { return db.files.Files() }

// FileEntry returns the current state of path.
func (db *DB) FileEntry(path string) (store.FileEntry, bool) { return db.files.Entry(path) }

// MediaSize is the length of all the distinct bytes stored.
func (db *DB) MediaSize() int64 { return db.files.Media() }

// FileData returns the bytes whose SHA-256 is hash.
func (db *DB) FileData(ctx context.Context, hash string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketBlobs); b != nil {
			if v := b.Get([]byte(hash)); v != nil {
				out = bytes.Clone(v)
				return nil
			}
		}
		return fmt.Errorf("%w: no bytes %.12s", store.ErrNoFile, hash)
	})
	return out, err
}

// HasFileData reports whether the bytes whose SHA-256 is hash are stored.
func (db *DB) HasFileData(ctx context.Context, hash string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return db.files.HasBlob(hash), nil
}

// FileHistory returns every revision of path, oldest first.
func (db *DB) FileHistory(ctx context.Context, path string) ([]store.FileRevision, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.FileRevision
	err := db.bolt.View(func(tx *bolt.Tx) error {
		all := tx.Bucket(bucketFileRevs)
		if all == nil || all.Bucket([]byte(path)) == nil {
			return fmt.Errorf("%w: %s", store.ErrNoFile, path)
		}
		return all.Bucket([]byte(path)).ForEach(func(_, v []byte) error {
			r, err := store.DecodeFileRevision(v)
			out = append(out, r)
			return err
		})
	})
	return out, err
}

// PutFiles stores changes in one transaction. See store.Files.
func (db *DB) PutFiles(ctx context.Context, changes []store.FileChange) ([]store.FileEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var w fileWrite
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		w = fileWrite{}
		return w.apply(tx, changes, db.now())
	})
	if err != nil {
		return nil, writeError("storing files", err)
	}
	db.committed(w)
	return w.out, nil
}

// fileWrite is what one transaction did to the files.
type fileWrite struct {
	out     []store.FileEntry          // each change's entry, index for index
	written []store.FileEntry          // the entries written
	added   []store.File               // the bytes stored that were not there
	seen    map[string]store.FileEntry // paths changed earlier in this write
}

// apply stores changes in tx.
func (w *fileWrite) apply(tx *bolt.Tx, changes []store.FileChange, now time.Time) error {
	w.out = make([]store.FileEntry, len(changes))
	for i, c := range changes {
		e, err := w.one(tx, c, now)
		if err != nil {
			return err
		}
		w.out[i] = e
	}
	return nil
}

// one stores the change c in tx and returns the path's entry.
func (w *fileWrite) one(tx *bolt.Tx, c store.FileChange, now time.Time) (store.FileEntry, error) {
	cur, err := fileEntry(tx, c.Path, w.seen)
	if err != nil {
		return store.FileEntry{}, err
	}
	e, r, unchanged, err := store.NextFileRevision(c, cur, now)
	if err != nil || unchanged {
		return e, err
	}
	if !e.Removed {
		n, err := putBlob(tx, e.File, c.Data)
		if err != nil {
			return e, fmt.Errorf("%s: %w", c.Path, err)
		}
		if n > 0 {
			w.added = append(w.added, e.File)
		}
	}
	if err := putFileRevision(tx, e, r); err != nil {
		return e, fmt.Errorf("%s: %w", c.Path, err)
	}
	if w.seen == nil {
		w.seen = map[string]store.FileEntry{}
	}
	w.seen[c.Path] = e
	w.written = append(w.written, e)
	return e, nil
}

// committed brings a committed fileWrite into the index.
func (db *DB) committed(w fileWrite) {
	for _, f := range w.added {
		db.files.AddBlob(f.Hash, f.Size)
	}
	if len(w.written) > 0 {
		db.files.Set(w.written...)
		db.changes.Notify()
	}
}

// RestoreFile writes a path's whole history. See store.Files.
func (db *DB) RestoreFile(ctx context.Context, revs []store.FileRevision, data map[string][]byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := store.CheckFileHistory(revs); err != nil {
		return fmt.Errorf("store: restoring a file: %w", err)
	}
	e := store.EntryOfHistory(revs)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if cur, err := fileEntry(tx, e.Path, nil); err != nil {
			return err
		} else if cur != nil {
			return fmt.Errorf("%w: %s has a file already", store.ErrConflict, e.Path)
		}
		for _, r := range revs {
			if r.Action == store.Removed || r.Action == store.Renamed {
				continue
			}
			if _, err := putBlob(tx, r.File, data[r.Hash]); err != nil {
				return fmt.Errorf("%s revision %d: %w", r.Path, r.Rev, err)
			}
		}
		for _, r := range revs {
			if err := putFileRevision(tx, e, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return writeError("restoring "+e.Path, err)
	}
	for _, r := range revs {
		if r.Action != store.Removed && r.Action != store.Renamed {
			db.files.AddBlob(r.Hash, r.Size)
		}
	}
	db.files.Set(e)
	db.changes.Notify()
	return nil
}

// fileEntry returns the current entry of path as this transaction sees it
// (seen: what it changed already), or nil.
func fileEntry(tx *bolt.Tx, path string, seen map[string]store.FileEntry) (*store.FileEntry, error) {
	if e, ok := seen[path]; ok {
		return &e, nil
	}
	b := tx.Bucket(bucketFiles)
	if b == nil {
		return nil, nil
	}
	v := b.Get([]byte(path))
	if v == nil {
		return nil, nil
	}
	e, err := store.DecodeFileEntry(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &e, nil
}

// putBlob stores data under f.Hash unless it is there, and returns how
// many bytes that added. With data nil, the bytes must be there already.
func putBlob(tx *bolt.Tx, f store.File, data []byte) (int64, error) {
	b, err := tx.CreateBucketIfNotExists(bucketBlobs)
	if err != nil {
		return 0, err
	}
	if b.Get([]byte(f.Hash)) != nil {
		return 0, nil
	}
	if data == nil {
		return 0, fmt.Errorf("%w: no bytes %.12s", store.ErrNoFile, f.Hash)
	}
	return int64(len(data)), b.Put([]byte(f.Hash), data)
}

// putFileRevision appends r to its path's history and makes e its entry.
func putFileRevision(tx *bolt.Tx, e store.FileEntry, r store.FileRevision) error {
	all, err := tx.CreateBucketIfNotExists(bucketFileRevs)
	if err != nil {
		return err
	}
	revs, err := all.CreateBucketIfNotExists([]byte(r.Path))
	if err != nil {
		return err
	}
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], r.Rev)
	if err := revs.Put(k[:], store.EncodeFileRevision(r)); err != nil {
		return err
	}
	files, err := tx.CreateBucketIfNotExists(bucketFiles)
	if err != nil {
		return err
	}
	return files.Put([]byte(e.Path), store.EncodeFileEntry(e))
}
