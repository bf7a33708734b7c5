package etcdstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdstore/layout"
)

// Bounds of one transaction of a bulk write: etcd refuses more than 128
// operations (--max-txn-ops) or 1.5 MiB (--max-request-bytes) by default.
const (
	maxTxnOps   = 120
	maxTxnBytes = 1 << 20
)

// PutMany stores many changes in transactions of bounded size. A change
// whose source equals its post's current source writes nothing. It returns
// one outcome per change, in order; an error only when the store fails.
func (s *Store) PutMany(ctx context.Context, changes []store.Change) ([]store.Outcome, error) {
	out := make([]store.Outcome, len(changes))
	if err := s.writable(); err != nil {
		return out, err
	}
	bt := &bulkTxn{s: s, changes: changes, out: out}
	for i, c := range changes {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if err := store.CheckPost(c.Post); err != nil {
			out[i].Err = err
			continue
		}
		if c.IfRev != nil || len(c.Post.Source) > maxTxnBytes/2 {
			if err := bt.flush(ctx); err != nil {
				return out, s.writeError("bulk write", err)
			}
			o, err := s.putOne(ctx, c)
			if err != nil {
				return out, err
			}
			out[i] = o
			continue
		}
		if err := bt.add(ctx, i); err != nil {
			return out, err
		}
	}
	if err := bt.flush(ctx); err != nil {
		return out, s.writeError("bulk write", err)
	}
	return out, nil
}

// bulkTxn gathers the changes of a PutMany into transactions of at most
// maxTxnOps operations and maxTxnBytes bytes.
type bulkTxn struct {
	s       *Store
	changes []store.Change
	out     []store.Outcome

	batch     []bulkChange
	ops, size int
}

// bulkChange is one change waiting in a bulk transaction.
type bulkChange struct {
	i   int // its index in changes
	rec layout.Record
	ops []clientv3.Op
	cmp clientv3.Cmp
}

// add puts change i in the transaction, flushing first if it would not
// fit; a change to a post with the same source is answered at once.
func (bt *bulkTxn) add(ctx context.Context, i int) error {
	s, c := bt.s, bt.changes[i]
	cur, unchanged, err := s.unchanged(ctx, c.Post)
	if err != nil {
		return s.writeError("bulk write", err)
	}
	if unchanged {
		bt.out[i] = store.Outcome{Entry: cur.Entry, Unchanged: true}
		return nil
	}
	var mod int64
	if it, ok := s.mirror.Snapshot().Item(c.Post.Slug); ok {
		mod = it.Mod
	}
	rec, rev := s.newRevision(c.Post, cur, c.Author, c.ActionFor(cur != nil))
	o, err := s.appendOps(rec, rev)
	if err != nil {
		return err
	}
	if bt.ops+len(o) > maxTxnOps || bt.size+len(c.Post.Source) > maxTxnBytes {
		if err := bt.flush(ctx); err != nil {
			return s.writeError("bulk write", err)
		}
	}
	bt.batch = append(bt.batch, bulkChange{i: i, rec: rec, ops: o, cmp: clientv3.Compare(clientv3.ModRevision(s.keys.Post(c.Post.Slug)), "=", mod)})
	bt.ops += len(o)
	bt.size += len(c.Post.Source) + 512
	return nil
}

// flush commits the gathered changes in one transaction; if another
// server wrote one of their posts meanwhile, they go one at a time.
func (bt *bulkTxn) flush(ctx context.Context) error {
	if len(bt.batch) == 0 {
		return nil
	}
	s := bt.s
	var cmps []clientv3.Cmp
	var all []clientv3.Op
	for _, p := range bt.batch {
		cmps = append(cmps, p.cmp)
		all = append(all, p.ops...)
	}
	// A commit under way is not cut short by ctx: the outcomes then say
	// exactly what was stored.
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	resp, err := s.cli.Txn(tctx).If(cmps...).Then(all...).Commit()
	cancel()
	if err != nil {
		return err
	}
	if resp.Succeeded {
		recs := make([]layout.Record, 0, len(bt.batch))
		gone := map[string]string{}
		for _, p := range bt.batch {
			bt.out[p.i] = store.Outcome{Entry: p.rec.Entry}
			recs = append(recs, p.rec)
			gone[p.rec.Slug] = ""
		}
		s.mirror.Commit(resp.Header.Revision, recs, nil, gone)
	} else {
		for _, p := range bt.batch {
			o, err := s.putOne(ctx, bt.changes[p.i])
			if err != nil {
				return err
			}
			bt.out[p.i] = o
		}
	}
	bt.batch, bt.ops, bt.size = bt.batch[:0], 0, 0
	return nil
}

// putOne is one change of a bulk write on its own.
func (s *Store) putOne(ctx context.Context, c store.Change) (store.Outcome, error) {
	if _, unchanged, err := s.unchanged(ctx, c.Post); err != nil {
		return store.Outcome{}, s.writeError("bulk write", err)
	} else if unchanged {
		e, _ := s.Entry(c.Post.Slug)
		return store.Outcome{Entry: e, Unchanged: true}, nil
	}
	e, err := s.Put(ctx, c)
	if errors.Is(err, store.ErrConflict) {
		return store.Outcome{Err: err}, nil
	}
	if err != nil {
		return store.Outcome{}, err
	}
	return store.Outcome{Entry: e}, nil
}

// unchanged returns p's post as the snapshot has it, and whether its current
// source is p's.
func (s *Store) unchanged(ctx context.Context, p *post.Post) (*layout.Record, bool, error) {
	it, ok := s.mirror.Snapshot().Item(p.Slug)
	if !ok {
		return nil, false, nil
	}
	if it.Removed || it.Size != int64(len(p.Source)) {
		return &it.Record, false, nil
	}
	r, err := s.revision(ctx, it.Record, it.Rev)
	if err != nil {
		return nil, false, err
	}
	return &it.Record, bytes.Equal(r.Source, p.Source), nil
}

// Restore writes a post's whole history, as exported. The post must not
// exist yet. The revisions go first, in bounded transactions under a fresh
// id nothing points at; the post's record last, in one transaction.
func (s *Store) Restore(ctx context.Context, slug string, revs []store.Revision, meta post.Meta) (store.Entry, error) {
	e, err := store.RestoredEntry(slug, revs, meta)
	if err != nil {
		return store.Entry{}, fmt.Errorf("etcdstore: restore: %w", err)
	}
	if err := s.writable(); err != nil {
		return store.Entry{}, err
	}
	if s.exists(ctx, slug) {
		return store.Entry{}, fmt.Errorf("%w: %s already exists", store.ErrConflict, slug)
	}
	rec, last := layout.Record{ID: layout.NewID(), Entry: e}, revs[len(revs)-1]
	var ops []clientv3.Op
	size := 0
	put := func() error {
		if len(ops) == 0 {
			return nil
		}
		tctx, cancel := context.WithTimeout(ctx, s.timeout)
		defer cancel()
		_, err := s.cli.Txn(tctx).Then(ops...).Commit()
		ops, size = ops[:0], 0
		return err
	}
	for _, r := range revs[:len(revs)-1] {
		if len(ops) >= maxTxnOps || size+len(r.Source) > maxTxnBytes {
			if err := put(); err != nil {
				return store.Entry{}, s.writeError("restoring "+slug, err)
			}
		}
		ops = append(ops, clientv3.OpPut(s.keys.Revision(rec.ID, r.Rev), string(store.EncodeRevision(r))))
		size += len(r.Source) + 256
	}
	if err := put(); err != nil {
		return store.Entry{}, s.writeError("restoring "+slug, err)
	}
	final, err := s.appendOps(rec, last)
	if err != nil {
		return store.Entry{}, err
	}
	tctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Txn(tctx).If(clientv3.Compare(clientv3.CreateRevision(s.keys.Post(slug)), "=", 0)).Then(final...).Commit()
	if err != nil {
		return store.Entry{}, s.writeError("restoring "+slug, err)
	}
	if !resp.Succeeded {
		return store.Entry{}, fmt.Errorf("%w: %s already exists", store.ErrConflict, slug)
	}
	s.mirror.Commit(resp.Header.Revision, []layout.Record{rec}, nil, map[string]string{slug: ""})
	return rec.Entry, nil
}

// restoreGroup writes the histories rs[i] for i in group, each of a post
// that must not exist yet, in one transaction. It reports false, having
// written nothing, when one of them exists or is not a history that
// restores (Restore then says which, post by post).
func (s *Store) restoreGroup(ctx context.Context, rs []store.Restoring, group []int) (bool, error) {
	if err := s.writable(); err != nil {
		return false, err
	}
	var ops []clientv3.Op
	var cmps []clientv3.Cmp
	recs := make([]layout.Record, 0, len(group))
	gone := make(map[string]string, len(group))
	for _, i := range group {
		r := rs[i]
		e, err := store.RestoredEntry(r.Slug, r.Revs, r.Meta)
		if err != nil {
			return false, nil
		}
		rec := layout.Record{ID: layout.NewID(), Entry: e}
		for _, rv := range r.Revs[:len(r.Revs)-1] {
			ops = append(ops, clientv3.OpPut(s.keys.Revision(rec.ID, rv.Rev), string(store.EncodeRevision(rv))))
		}
		final, err := s.appendOps(rec, r.Revs[len(r.Revs)-1])
		if err != nil {
			return false, err
		}
		ops = append(ops, final...)
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(s.keys.Post(r.Slug)), "=", 0))
		recs = append(recs, rec)
		gone[r.Slug] = ""
	}
	tctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Txn(tctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return false, s.writeError("restoring", err)
	}
	if !resp.Succeeded {
		return false, nil
	}
	s.mirror.Commit(resp.Header.Revision, recs, nil, gone)
	return true, nil
}

// Seed stores ps as the first revisions of an empty blog, in one
// transaction, authored by author. It does nothing if the blog holds any
// post. It reports how many posts it stored.
func (s *Store) Seed(ctx context.Context, ps []*post.Post, author string) (int, error) {
	if err := s.writable(); err != nil {
		return 0, err
	}
	var ops []clientv3.Op
	var recs []layout.Record
	for _, p := range ps {
		if err := store.CheckPost(p); err != nil {
			return 0, fmt.Errorf("etcdstore: seeding: %w", err)
		}
		rec, rev := s.newRevision(p, nil, author, store.Published)
		o, err := s.appendOps(rec, rev)
		if err != nil {
			return 0, err
		}
		ops = append(ops, o...)
		recs = append(recs, rec)
	}
	if len(ops) > maxTxnOps {
		return 0, fmt.Errorf("etcdstore: seeding: %d posts are too many for one transaction", len(ps))
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	// The compare holds over the whole range: no post exists.
	none := clientv3.Compare(clientv3.CreateRevision(s.keys.Posts()), "=", 0).WithPrefix()
	resp, err := s.cli.Txn(ctx).If(none).Then(ops...).Commit()
	if err != nil {
		return 0, s.writeError("seeding", err)
	}
	if !resp.Succeeded {
		return 0, nil
	}
	s.mirror.Commit(resp.Header.Revision, recs, nil, nil)
	return len(recs), nil
}

// Import stores a whole import step by step: histories, then changes (as
// PutMany), then aliases. etcd bounds a transaction's operations and size,
// so an import is not one; when the cluster fails or ctx is done part way,
// the error is an *store.ImportStopped that says how many writes were
// stored (a write under way when ctx is done is finished first; one under
// way when etcd fails may have been stored too, unknown to the server). A
// history, change or alias refused on its own is reported in the outcome
// and does not stop the rest.
func (s *Store) Import(ctx context.Context, in store.Import) (store.ImportOutcome, error) {
	out := store.NewImportOutcome(in)
	done := 0
	stop := func(err error) (store.ImportOutcome, error) {
		return out, &store.ImportStopped{Done: done, Total: in.Len(), Err: err}
	}
	failed := func(err error) bool {
		return ctx.Err() != nil || errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrDiskFull)
	}
	work := context.WithoutCancel(ctx) // a write under way is finished, so that what was stored is known
	// Files first, a few dozen to a transaction.
	for start := 0; start < len(in.Files); start += filesPerTxn {
		if err := ctx.Err(); err != nil {
			return stop(err)
		}
		es, err := s.PutFiles(work, in.Files[start:min(start+filesPerTxn, len(in.Files))])
		if err != nil {
			return stop(err)
		}
		out.Files = append(out.Files, es...)
		done += len(es)
	}
	// Small histories go several to a transaction (restoreGroup); one
	// that is large, or a group one of whose posts exists, goes post by
	// post (Restore), which says which exists.
	var group []int // indexes in in.Restores
	ops, size := 0, 0
	one := func(i int) error {
		r := in.Restores[i]
		err := ctx.Err()
		if err == nil {
			_, err = s.Restore(work, r.Slug, r.Revs, r.Meta)
		}
		if err != nil {
			if failed(err) {
				return err
			}
			out.Restored[i] = err
			return nil
		}
		done++
		return nil
	}
	// flush writes the group; when the cluster fails, the histories of
	// the group not stored are marked so.
	flush := func() error {
		g := group
		group, ops, size = nil, 0, 0
		if len(g) == 0 {
			return nil
		}
		fail := func(from int, err error) error {
			for _, j := range g[from:] {
				out.Restored[j] = err // not restored
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return fail(0, err)
		}
		ok, err := s.restoreGroup(work, in.Restores, g)
		if err != nil && failed(err) {
			return fail(0, err)
		}
		if ok {
			done += len(g)
			return nil
		}
		for k, i := range g {
			if err := one(i); err != nil {
				return fail(k, err)
			}
		}
		return nil
	}
	stopAt := func(i int, err error) (store.ImportOutcome, error) {
		for j := i; j < len(in.Restores); j++ {
			out.Restored[j] = err // not restored
		}
		return stop(err)
	}
	for i, r := range in.Restores {
		n, size1 := len(r.Revs)+2, 0
		for _, rv := range r.Revs {
			size1 += len(rv.Source) + 256
		}
		if n > maxTxnOps/2 || size1 > maxTxnBytes/2 {
			if err := flush(); err != nil {
				return stopAt(i, err)
			}
			if err := one(i); err != nil {
				return stopAt(i, err)
			}
			continue
		}
		if ops+n > maxTxnOps || size+size1 > maxTxnBytes || slices.ContainsFunc(group, func(j int) bool { return in.Restores[j].Slug == r.Slug }) {
			if err := flush(); err != nil {
				return stopAt(i, err)
			}
		}
		group = append(group, i)
		ops, size = ops+n, size+size1
	}
	if err := flush(); err != nil {
		return stopAt(len(in.Restores), err)
	}
	outcomes, err := s.PutMany(ctx, in.Changes)
	copy(out.Changes, outcomes)
	for _, o := range outcomes {
		if o.Err == nil && !o.Unchanged && o.Entry.Rev != 0 {
			done++
		}
	}
	if err != nil {
		return stop(err)
	}
	for i, a := range in.Aliases {
		err := ctx.Err()
		if err == nil {
			err = s.AddAlias(work, a[0], a[1])
		}
		if err != nil {
			if failed(err) {
				return stop(err)
			}
			out.Aliases[i] = err
			continue
		}
		done++
	}
	return out, nil
}
