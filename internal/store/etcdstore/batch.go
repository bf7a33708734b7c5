package etcdstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdstore/layout"
)

// Batch applies ops in order in one etcd transaction, at one instant: if
// any is refused or etcd fails, nothing of them is stored. A batch larger
// than one transaction may hold (maxTxnOps operations, maxTxnBytes bytes)
// is store.ErrBatchTooLarge, and stores nothing.
func (s *Store) Batch(ctx context.Context, ops []store.Op) ([]store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Files' bytes go first, where nothing points at them until the
	// transaction writes their length.
	var files []store.FileChange
	for _, op := range ops {
		if op.Kind == store.OpFile {
			files = append(files, op.File)
		}
	}
	if err := s.putChunks(ctx, files); err != nil {
		return nil, s.writeError("batch", err)
	}
	return untilWon(s, "batch", func() ([]store.Entry, bool, error) { return s.batchOnce(ctx, ops) })
}

// staged is a batch's view of the posts and aliases it touches: what it
// read from etcd, changed by the operations so far.
type staged struct {
	s       *Store
	ctx     context.Context
	posts   map[string]*layout.Record // nil: no post of that name
	mods    map[string]int64          // each post key read: its ModRevision then
	aliases map[string]string         // read once, at the first rename
	aliasAt int64                     // the revision the aliases were read at
	sources map[string][]byte         // the current source of posts written in the batch
	revs    []stagedRev
	gone    map[string]bool
	alias   map[string]string // aliases written ("" deletes)
	cmps    []clientv3.Cmp
	// The files the batch changes: each path's entry as the batch sees it,
	// the ModRevision of its key when read, and what to write.
	files    map[string]*store.FileEntry
	fileMods map[string]int64
	fileOps  []clientv3.Op
	fileSize int
	written  []store.FileEntry
	newBlobs map[string]int64
}

// file stages the change c of one of the blog's files.
func (st *staged) file(c store.FileChange, now time.Time) (store.FileEntry, error) {
	cur, ok := st.files[c.Path]
	if !ok {
		resp, err := st.s.cli.Get(st.ctx, st.s.keys.FileEntry(c.Path))
		if err != nil {
			return store.FileEntry{}, err
		}
		st.fileMods[c.Path] = 0
		if len(resp.Kvs) > 0 {
			e, err := store.DecodeFileEntry(resp.Kvs[0].Value)
			if err != nil {
				return store.FileEntry{}, fmt.Errorf("%s: %w", c.Path, err)
			}
			cur, st.fileMods[c.Path] = &e, resp.Kvs[0].ModRevision
		}
		st.files[c.Path] = cur
	}
	e, r, unchanged, err := store.NextFileRevision(c, cur, now)
	if err != nil || unchanged {
		return e, err
	}
	if !e.Removed && !st.s.files.HasBlob(e.Hash) {
		if _, ok := st.newBlobs[e.Hash]; !ok {
			if c.Data == nil {
				return store.FileEntry{}, fmt.Errorf("%w: %s: no bytes %.12s", store.ErrNoFile, c.Path, e.Hash)
			}
			st.newBlobs[e.Hash] = e.Size
			st.fileOps = append(st.fileOps, clientv3.OpPut(st.s.keys.Size(e.Hash), strconv.FormatInt(e.Size, 10)))
		}
	}
	rev, ent := store.EncodeFileRevision(r), store.EncodeFileEntry(e)
	st.fileSize += len(rev) + len(ent)
	st.fileOps = append(st.fileOps,
		clientv3.OpPut(st.s.keys.FileRevision(c.Path, r.Rev), string(rev)),
		clientv3.OpPut(st.s.keys.FileEntry(c.Path), string(ent)))
	ee := e
	st.files[c.Path] = &ee
	st.written = append(st.written, e)
	return e, nil
}

type stagedRev struct {
	rec layout.Record
	rev store.Revision
}

// post returns slug's record as the batch sees it.
func (st *staged) post(slug string) (*layout.Record, error) {
	if r, ok := st.posts[slug]; ok {
		return r, nil
	}
	cur, mod, err := st.s.current(st.ctx, slug)
	if err != nil {
		return nil, err
	}
	st.posts[slug], st.mods[slug] = cur, mod
	return cur, nil
}

// source returns the current source of the post r.
func (st *staged) source(r *layout.Record) ([]byte, error) {
	if src, ok := st.sources[r.Slug]; ok {
		return src, nil
	}
	rev, err := st.s.revision(st.ctx, *r, r.Rev)
	if err != nil {
		return nil, err
	}
	return rev.Source, nil
}

// readAliases reads every alias once.
func (st *staged) readAliases() error {
	if st.aliases != nil {
		return nil
	}
	resp, err := st.s.cli.Get(st.ctx, st.s.keys.Aliases(), clientv3.WithPrefix())
	if err != nil {
		return err
	}
	st.aliases = make(map[string]string, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		st.aliases[strings.TrimPrefix(string(kv.Key), st.s.keys.Aliases())] = string(kv.Value)
	}
	st.aliasAt = resp.Header.Revision
	return nil
}

// put makes r current, with rev its new revision.
func (st *staged) put(r layout.Record, rev store.Revision) {
	rr := r
	st.posts[r.Slug] = &rr
	delete(st.gone, r.Slug)
	st.revs = append(st.revs, stagedRev{r, rev})
	if rev.Action != store.Removed {
		st.sources[r.Slug] = rev.Source
	}
	st.alias[r.Slug] = "" // a post shadows an alias of its name
	if st.aliases != nil {
		delete(st.aliases, r.Slug)
	}
}

func (s *Store) batchOnce(ctx context.Context, ops []store.Op) ([]store.Entry, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	now := s.now()
	st := &staged{s: s, ctx: ctx, posts: map[string]*layout.Record{}, mods: map[string]int64{},
		sources: map[string][]byte{}, gone: map[string]bool{}, alias: map[string]string{},
		files: map[string]*store.FileEntry{}, fileMods: map[string]int64{}, newBlobs: map[string]int64{}}
	out := make([]store.Entry, len(ops))
	for i, op := range ops {
		switch op.Kind {
		case store.OpFile:
			c := op.File
			c.IfRev = op.IfRev
			fe, err := st.file(c, now)
			if err != nil {
				return nil, false, err
			}
			out[i] = store.FileOpEntry(fe)
		case store.OpPut:
			p := op.Change.Post
			if err := store.CheckPost(p); err != nil {
				return nil, false, err
			}
			cur, err := st.post(p.Slug)
			if err != nil {
				return nil, false, err
			}
			if err := store.CheckIfRev(p.Slug, entryOf(cur), op.IfRev); err != nil {
				return nil, false, err
			}
			if cur != nil && !cur.Removed {
				src, err := st.source(cur)
				if err != nil {
					return nil, false, err
				}
				if bytes.Equal(src, p.Source) {
					out[i] = cur.Entry
					continue
				}
			}
			next := layout.Record{ID: idOf(cur)}
			var rev store.Revision
			next.Entry, rev = store.NextRevision(p, entryOf(cur), op.Change.Author, op.Change.ActionFor(cur != nil), now)
			st.put(next, rev)
			out[i] = next.Entry
		case store.OpRemove:
			cur, err := st.post(op.Slug)
			if err != nil {
				return nil, false, err
			}
			if err := store.CheckIfRev(op.Slug, entryOf(cur), op.IfRev); err != nil {
				return nil, false, err
			}
			e, rev, err := store.Tombstone(op.Slug, entryOf(cur), op.Author, now)
			if err != nil {
				return nil, false, err
			}
			next := layout.Record{Entry: e, ID: cur.ID}
			st.put(next, rev)
			out[i] = e
		case store.OpRename:
			if err := store.CheckRename(op.Slug, op.NewSlug); err != nil {
				return nil, false, err
			}
			cur, err := st.post(op.Slug)
			if err != nil {
				return nil, false, err
			}
			if cur == nil {
				return nil, false, fmt.Errorf("%w: %s", store.ErrNotFound, op.Slug)
			}
			if err := store.CheckIfRev(op.Slug, entryOf(cur), op.IfRev); err != nil {
				return nil, false, err
			}
			if taken, err := st.post(op.NewSlug); err != nil {
				return nil, false, err
			} else if taken != nil {
				return nil, false, fmt.Errorf("%w: %s already exists", store.ErrConflict, op.NewSlug)
			}
			if err := st.readAliases(); err != nil {
				return nil, false, err
			}
			to, isAlias := st.aliases[op.NewSlug]
			if err := store.CheckAliasFree(op.NewSlug, to, isAlias, op.Slug); err != nil {
				return nil, false, err
			}
			src, err := st.source(cur)
			if err != nil {
				return nil, false, err
			}
			next := layout.Record{ID: cur.ID}
			var rev store.Revision
			if next.Entry, rev, err = store.Renaming(cur.Entry, op.NewSlug, op.Author, now, src); err != nil {
				return nil, false, err
			}
			follow := store.RenameAliases(st.aliases, op.Slug, op.NewSlug)
			st.posts[op.Slug] = nil
			st.gone[op.Slug] = true
			delete(st.sources, op.Slug)
			st.put(next, rev)
			for a, to := range follow {
				st.aliases[a], st.alias[a] = to, to
			}
			out[i] = next.Entry
		default:
			return nil, false, fmt.Errorf("unknown batch operation %d", op.Kind)
		}
	}
	txOps, cmps, size, err := st.txn()
	if err != nil {
		return nil, false, err
	}
	txOps, size = append(txOps, st.fileOps...), size+st.fileSize
	for path, mod := range st.fileMods {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(s.keys.FileEntry(path)), "=", mod))
	}
	if len(txOps) == 0 {
		return out, false, nil
	}
	if len(txOps) > maxTxnOps || size > maxTxnBytes {
		return nil, false, store.ErrBatchTooLarge
	}
	resp, err := s.cli.Txn(ctx).If(cmps...).Then(txOps...).Commit()
	if err != nil {
		return nil, false, err
	}
	if !resp.Succeeded {
		for _, op := range ops {
			if op.IfRev != nil {
				return nil, false, fmt.Errorf("%w: a post of the batch changed meanwhile", store.ErrConflict)
			}
		}
		return nil, true, nil
	}
	for h, n := range st.newBlobs {
		s.files.AddBlob(h, n)
	}
	if len(st.written) > 0 {
		s.files.Set(st.written...)
	}
	var put []layout.Record
	seen := map[string]bool{}
	for _, r := range st.revs {
		if cur := st.posts[r.rec.Slug]; cur != nil && !seen[r.rec.Slug] {
			seen[r.rec.Slug] = true
			put = append(put, *cur)
		}
	}
	for _, r := range st.revs {
		s.kept(r.rec, r.rev)
	}
	var gone []string
	for slug := range st.gone {
		gone = append(gone, slug)
	}
	s.mirror.Commit(resp.Header.Revision, put, gone, maps.Clone(st.alias))
	return out, false, nil
}

// txn returns the operations and comparisons of a staged batch: each key
// written once, and every key read held to what was read.
func (st *staged) txn() ([]clientv3.Op, []clientv3.Cmp, int, error) {
	var ops []clientv3.Op
	size := 0
	written := map[string]bool{}
	for _, r := range st.revs {
		enc := store.EncodeRevision(r.rev)
		size += len(enc)
		ops = append(ops, clientv3.OpPut(st.s.keys.Revision(r.rec.ID, r.rev.Rev), string(enc)))
		written[r.rec.Slug] = true
	}
	for slug := range written {
		r := st.posts[slug]
		if r == nil {
			continue // renamed away later in the batch
		}
		v, err := json.Marshal(*r)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("encoding post %s: %w", slug, err)
		}
		size += len(v)
		ops = append(ops, clientv3.OpPut(st.s.keys.Post(slug), string(v)))
	}
	for slug := range st.gone {
		if st.posts[slug] == nil {
			ops = append(ops, clientv3.OpDelete(st.s.keys.Post(slug)))
		}
	}
	for a, to := range st.alias {
		if to == "" || st.posts[a] != nil {
			ops = append(ops, clientv3.OpDelete(st.s.keys.Alias(a)))
			st.alias[a] = ""
		} else {
			ops = append(ops, clientv3.OpPut(st.s.keys.Alias(a), to))
		}
	}
	var cmps []clientv3.Cmp
	for slug, mod := range st.mods {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(st.s.keys.Post(slug)), "=", mod))
	}
	if st.aliases != nil {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(st.s.keys.Aliases()), "<", st.aliasAt+1).WithPrefix())
	}
	return ops, cmps, size, nil
}
