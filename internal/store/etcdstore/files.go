package etcdstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdstore/layout"
)

// Files in etcd (see layout): a file's bytes are written first, in pieces
// of layout.ChunkSize each in a request of its own, under their hash, where
// nothing points at them; then one transaction writes the length key that
// says they are whole, the revision and the path's entry. The entries and
// lengths are held in memory, loaded at Open and kept current by a watch
// of their own (files.go), so that serving a file reads etcd only for its
// bytes.

// filesPerTxn is how many file changes one transaction carries: three
// operations each, under etcd's default limit of 128 per transaction.
const filesPerTxn = 32

// loadFiles reads every file entry and stored length into the index, and
// returns the etcd revision it read at.
func (s *Store) loadFiles(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Txn(ctx).Then(
		clientv3.OpGet(s.keys.FileEntries()+"/", clientv3.WithPrefix()),
		clientv3.OpGet(s.keys.Sizes(), clientv3.WithPrefix()),
	).Commit()
	if err != nil {
		return 0, err
	}
	var es []store.FileEntry
	for _, kv := range resp.Responses[0].GetResponseRange().Kvs {
		e, err := store.DecodeFileEntry(kv.Value)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", kv.Key, err)
		}
		es = append(es, e)
	}
	blobs := map[string]int64{}
	for _, kv := range resp.Responses[1].GetResponseRange().Kvs {
		n, err := strconv.ParseInt(string(kv.Value), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s is damaged", kv.Key)
		}
		blobs[strings.TrimPrefix(string(kv.Key), s.keys.Sizes())] = n
	}
	s.files.Replace(es, blobs)
	return resp.Header.Revision, nil
}

// watchFiles keeps the index current with the changes other servers make,
// until ctx ends; it reloads after a broken watch.
func (s *Store) watchFiles(ctx context.Context, rev int64) {
	defer close(s.filesDone)
	from, to := s.keys.FileEntries()+"/", s.keys.Sizes()+"\xff"
	for ctx.Err() == nil {
		wch := s.cli.Watch(clientv3.WithRequireLeader(ctx), from, clientv3.WithRange(to), clientv3.WithRev(rev+1))
		for resp := range wch {
			if resp.Canceled || resp.Err() != nil {
				break
			}
			s.applyFiles(resp.Events)
			rev = resp.Header.Revision
		}
		for ctx.Err() == nil {
			r, err := s.loadFiles(ctx)
			if err == nil {
				rev = r
				s.mirror.Notify()
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
}

// applyFiles brings watch events into the index.
func (s *Store) applyFiles(events []*clientv3.Event) {
	changed := false
	for _, ev := range events {
		if ev.Type != clientv3.EventTypePut {
			continue // entries and lengths are never deleted
		}
		k := string(ev.Kv.Key)
		switch {
		case strings.HasPrefix(k, s.keys.Sizes()):
			if n, err := strconv.ParseInt(string(ev.Kv.Value), 10, 64); err == nil {
				s.files.AddBlob(strings.TrimPrefix(k, s.keys.Sizes()), n)
			}
		case strings.HasPrefix(k, s.keys.FileEntries()):
			if e, err := store.DecodeFileEntry(ev.Kv.Value); err == nil {
				s.files.Set(e)
				changed = true
			}
		}
	}
	if changed {
		s.mirror.Notify()
	}
}

// Files returns every path that has had a file, sorted by path.
func (s *Store) Files() []store.FileEntry { return s.files.Files() }

// FileEntry returns the current state of path.
func (s *Store) FileEntry(path string) (store.FileEntry, bool) { return s.files.Entry(path) }

// MediaSize is the length of all the distinct bytes stored.
func (s *Store) MediaSize() int64 { return s.files.Media() }

// HasFileData reports whether the bytes whose SHA-256 is hash are stored.
func (s *Store) HasFileData(ctx context.Context, hash string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return s.files.HasBlob(hash), nil
}

// FileData returns the bytes whose SHA-256 is hash, read from etcd.
func (s *Store) FileData(ctx context.Context, hash string) ([]byte, error) {
	if err := s.readable("a file"); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Txn(ctx).Then(
		clientv3.OpGet(s.keys.Size(hash)),
		clientv3.OpGet(s.keys.Chunks(hash), clientv3.WithPrefix()),
	).Commit()
	if err != nil {
		return nil, s.readError("a file", err)
	}
	size := resp.Responses[0].GetResponseRange().Kvs
	if len(size) == 0 {
		return nil, fmt.Errorf("%w: no bytes %.12s", store.ErrNoFile, hash)
	}
	n, err := strconv.ParseInt(string(size[0].Value), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: the length of %.12s is damaged", hash)
	}
	out := make([]byte, 0, n)
	for _, kv := range resp.Responses[1].GetResponseRange().Kvs {
		out = append(out, kv.Value...)
	}
	if int64(len(out)) != n || store.HashOf(out) != hash {
		return nil, fmt.Errorf("etcdstore: the bytes %.12s are damaged", hash)
	}
	return out, nil
}

// FileHistory returns every revision of path, oldest first.
func (s *Store) FileHistory(ctx context.Context, path string) ([]store.FileRevision, error) {
	if err := s.readable(path); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Get(ctx, s.keys.FileRevisions(path), clientv3.WithPrefix())
	if err != nil {
		return nil, s.readError(path, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, fmt.Errorf("%w: %s", store.ErrNoFile, path)
	}
	out := make([]store.FileRevision, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		r, err := store.DecodeFileRevision(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("etcdstore: %s: %w", path, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// PutFiles stores changes. etcd bounds a transaction, so a write of more
// than filesPerTxn changes is stored in several, in order: an error part
// way leaves the earlier ones stored. See store.Files.
func (s *Store) PutFiles(ctx context.Context, changes []store.FileChange) ([]store.FileEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]store.FileEntry, 0, len(changes))
	for start := 0; start < len(changes); start += filesPerTxn {
		batch := changes[start:min(start+filesPerTxn, len(changes))]
		if err := s.putChunks(ctx, batch); err != nil {
			return nil, s.writeError("storing files", err)
		}
		es, err := untilWon(s, "storing files", func() ([]store.FileEntry, bool, error) { return s.putFilesOnce(ctx, batch) })
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}

// putChunks writes the pieces of every change's new bytes not stored yet.
func (s *Store) putChunks(ctx context.Context, changes []store.FileChange) error {
	for _, c := range changes {
		if c.Data == nil || s.files.HasBlob(c.File.Hash) {
			continue
		}
		if store.HashOf(c.Data) != c.File.Hash {
			return fmt.Errorf("%s: the bytes are not the ones described", c.Path)
		}
		for n, off := 0, 0; off < len(c.Data) || n == 0; n, off = n+1, off+layout.ChunkSize {
			piece := c.Data[off:min(off+layout.ChunkSize, len(c.Data))]
			if err := s.put(ctx, s.keys.Chunk(c.File.Hash, n), string(piece)); err != nil {
				return err
			}
		}
	}
	return nil
}

// put writes one key, within the store's request timeout.
func (s *Store) put(ctx context.Context, key, value string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := s.cli.Put(ctx, key, value)
	return err
}

// putFilesOnce reads the current entries of the changes' paths and
// commits the changes in one transaction that holds only if none of those
// entries moved meanwhile (lost: try again).
func (s *Store) putFilesOnce(ctx context.Context, changes []store.FileChange) ([]store.FileEntry, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	gets := make([]clientv3.Op, 0, len(changes))
	for _, c := range changes {
		gets = append(gets, clientv3.OpGet(s.keys.FileEntry(c.Path)))
	}
	resp, err := s.cli.Txn(ctx).Then(gets...).Commit()
	if err != nil {
		return nil, false, err
	}
	seen := map[string]store.FileEntry{}
	mods := map[string]int64{}
	for i, c := range changes {
		kvs := resp.Responses[i].GetResponseRange().Kvs
		if len(kvs) == 0 {
			mods[c.Path] = 0
			continue
		}
		e, err := store.DecodeFileEntry(kvs[0].Value)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", c.Path, err)
		}
		seen[c.Path], mods[c.Path] = e, kvs[0].ModRevision
	}
	var (
		out     = make([]store.FileEntry, len(changes))
		ops     []clientv3.Op
		written []store.FileEntry
		blobs   = map[string]int64{}
	)
	now := s.now()
	for i, c := range changes {
		var cur *store.FileEntry
		if e, ok := seen[c.Path]; ok {
			cur = &e
		}
		e, r, unchanged, err := store.NextFileRevision(c, cur, now)
		if err != nil {
			return nil, false, err
		}
		out[i] = e
		if unchanged {
			continue
		}
		if !e.Removed && !s.files.HasBlob(e.Hash) {
			if c.Data == nil {
				return nil, false, fmt.Errorf("%w: %s: no bytes %.12s", store.ErrNoFile, c.Path, e.Hash)
			}
			if _, ok := blobs[e.Hash]; !ok {
				blobs[e.Hash] = e.Size
				ops = append(ops, clientv3.OpPut(s.keys.Size(e.Hash), strconv.FormatInt(e.Size, 10)))
			}
		}
		ops = append(ops,
			clientv3.OpPut(s.keys.FileRevision(c.Path, r.Rev), string(store.EncodeFileRevision(r))),
			clientv3.OpPut(s.keys.FileEntry(c.Path), string(store.EncodeFileEntry(e))))
		seen[c.Path] = e
		written = append(written, e)
	}
	if len(ops) == 0 {
		return out, false, nil
	}
	cmps := make([]clientv3.Cmp, 0, len(mods))
	for path, mod := range mods {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(s.keys.FileEntry(path)), "=", mod))
	}
	tresp, err := s.cli.Txn(ctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return nil, false, err
	}
	if !tresp.Succeeded {
		for _, c := range changes {
			if c.IfRev != nil {
				return nil, false, fmt.Errorf("%w: %s changed meanwhile", store.ErrConflict, c.Path)
			}
		}
		return nil, true, nil
	}
	for h, n := range blobs {
		s.files.AddBlob(h, n)
	}
	s.files.Set(written...)
	s.mirror.Notify()
	return out, false, nil
}

// RestoreFile writes a path's whole history. See store.Files.
func (s *Store) RestoreFile(ctx context.Context, revs []store.FileRevision, data map[string][]byte) error {
	if err := store.CheckFileHistory(revs); err != nil {
		return fmt.Errorf("etcdstore: restoring a file: %w", err)
	}
	if err := s.writable(); err != nil {
		return err
	}
	e := store.EntryOfHistory(revs)
	var ops []clientv3.Op
	blobs := map[string]int64{}
	for _, r := range revs {
		if r.Action == store.Removed || r.Action == store.Renamed || s.files.HasBlob(r.Hash) {
			continue
		}
		if _, ok := blobs[r.Hash]; ok {
			continue
		}
		d, ok := data[r.Hash]
		if !ok {
			return fmt.Errorf("etcdstore: restoring %s: %w: no bytes %.12s", r.Path, store.ErrNoFile, r.Hash)
		}
		if err := s.putChunks(ctx, []store.FileChange{{Path: r.Path, File: r.File, Data: d}}); err != nil {
			return s.writeError("restoring "+r.Path, err)
		}
		blobs[r.Hash] = r.Size
		ops = append(ops, clientv3.OpPut(s.keys.Size(r.Hash), strconv.FormatInt(r.Size, 10)))
	}
	for _, r := range revs {
		ops = append(ops, clientv3.OpPut(s.keys.FileRevision(r.Path, r.Rev), string(store.EncodeFileRevision(r))))
	}
	// The revisions go in transactions of bounded size where nothing
	// points at them yet; the entry last, only if the path has none.
	for len(ops) > 100 {
		if _, err := s.txn(ctx, nil, ops[:100]); err != nil {
			return s.writeError("restoring "+e.Path, err)
		}
		ops = ops[100:]
	}
	ops = append(ops, clientv3.OpPut(s.keys.FileEntry(e.Path), string(store.EncodeFileEntry(e))))
	ok, err := s.txn(ctx, []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(s.keys.FileEntry(e.Path)), "=", 0)}, ops)
	if err != nil {
		return s.writeError("restoring "+e.Path, err)
	}
	if !ok {
		return fmt.Errorf("%w: %s has a file already", store.ErrConflict, e.Path)
	}
	for h, n := range blobs {
		s.files.AddBlob(h, n)
	}
	s.files.Set(e)
	s.mirror.Notify()
	return nil
}

// txn commits ops if cmps hold, within the store's request timeout.
func (s *Store) txn(ctx context.Context, cmps []clientv3.Cmp, ops []clientv3.Op) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Txn(ctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return false, err
	}
	return resp.Succeeded, nil
}
