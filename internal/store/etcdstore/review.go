package etcdstore

import (
	"context"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdstore/layout"
)

// Propose stores c.Post as a new open proposal of its slug. See
// store.Reviews.
func (s *Store) Propose(ctx context.Context, c store.Change) (store.Proposal, error) {
	if err := store.CheckPost(c.Post); err != nil {
		return store.Proposal{}, fmt.Errorf("etcdstore: propose: %w", err)
	}
	p, err := untilWon(s, "proposing "+c.Post.Slug, func() (store.Proposal, bool, error) { return s.proposeOnce(ctx, c) })
	if err != nil {
		return store.Proposal{}, err
	}
	s.mirror.Notify()
	return p, nil
}

func (s *Store) proposeOnce(ctx context.Context, c store.Change) (store.Proposal, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	slug := c.Post.Slug
	cur, mod, err := s.current(ctx, slug)
	if err != nil {
		return store.Proposal{}, false, err
	}
	last, err := s.lastProposal(ctx, slug)
	if err != nil {
		return store.Proposal{}, false, err
	}
	p, err := store.NewProposal(c, entryOf(cur), last, s.now())
	if err != nil {
		return store.Proposal{}, false, err
	}
	key := s.keys.Proposal(slug, p.N)
	resp, err := s.cli.Txn(ctx).If(
		clientv3.Compare(clientv3.ModRevision(s.keys.Post(slug)), "=", mod),
		clientv3.Compare(clientv3.CreateRevision(key), "=", 0),
	).Then(
		clientv3.OpPut(key, string(store.EncodeProposal(p))),
		clientv3.OpPut(s.keys.Open(slug, p.N), ""),
	).Commit()
	if err != nil {
		return store.Proposal{}, false, err
	}
	if !resp.Succeeded && c.IfRev != nil {
		return store.Proposal{}, false, fmt.Errorf("%w: %s changed meanwhile", store.ErrConflict, slug)
	}
	return p, !resp.Succeeded, nil
}

// lastProposal returns the number of slug's latest proposal, 0 if none.
func (s *Store) lastProposal(ctx context.Context, slug string) (uint64, error) {
	resp, err := s.cli.Get(ctx, s.keys.Proposals(slug), clientv3.WithPrefix(), clientv3.WithKeysOnly(),
		clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend), clientv3.WithLimit(1))
	if err != nil || len(resp.Kvs) == 0 {
		return 0, err
	}
	return layout.Number(string(resp.Kvs[0].Key))
}

// OpenProposals returns every open proposal, oldest first, without sources.
func (s *Store) OpenProposals(ctx context.Context) ([]store.Proposal, error) {
	if err := s.readable("proposals"); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Get(ctx, s.keys.Opens(), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, s.readError("proposals", err)
	}
	var out []store.Proposal
	for _, kv := range resp.Kvs {
		rest := strings.TrimPrefix(string(kv.Key), s.keys.Opens())
		slug, _, _ := strings.Cut(rest, "/")
		n, err := layout.Number(rest)
		if err != nil {
			return nil, err
		}
		p, _, err := s.proposal(ctx, slug, n, false)
		if err != nil {
			return nil, err
		}
		if p.Open() {
			out = append(out, p)
		}
	}
	store.SortProposals(out)
	return out, nil
}

// Proposals returns every proposal of slug ("": of the blog), oldest
// first, without sources.
func (s *Store) Proposals(ctx context.Context, slug string) ([]store.Proposal, error) {
	if err := s.readable("proposals"); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Get(ctx, s.keys.Proposals(slug), clientv3.WithPrefix())
	if err != nil {
		return nil, s.readError(slug, err)
	}
	out := make([]store.Proposal, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		key := strings.TrimPrefix(string(kv.Key), s.keys.Proposals(""))
		name, _, _ := strings.Cut(key, "/")
		n, err := layout.Number(key)
		if err != nil {
			return nil, err
		}
		p, err := store.DecodeProposal(name, n, kv.Value, false)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	store.SortProposals(out)
	return out, nil
}

// RestoreProposal stores p as another store kept it. See store.Reviews.
func (s *Store) RestoreProposal(ctx context.Context, p store.Proposal) error {
	if err := post.CheckSlug(p.Slug); err != nil {
		return fmt.Errorf("etcdstore: restoring a proposal: %w", err)
	}
	if err := s.writable(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	key, v := s.keys.Proposal(p.Slug, p.N), string(store.EncodeProposal(p))
	ops := []clientv3.Op{clientv3.OpPut(key, v)}
	if p.Open() {
		ops = append(ops, clientv3.OpPut(s.keys.Open(p.Slug, p.N), ""))
	}
	resp, err := s.cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).Then(ops...).Else(clientv3.OpGet(key)).Commit()
	if err != nil {
		return s.writeError("restoring a proposal of "+p.Slug, err)
	}
	if !resp.Succeeded {
		if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) == 1 && string(kvs[0].Value) != v {
			return fmt.Errorf("%w: %s has another proposal %d", store.ErrConflict, p.Slug, p.N)
		}
		return nil
	}
	s.mirror.Notify()
	return nil
}

// Proposal returns proposal n of slug with its source.
func (s *Store) Proposal(ctx context.Context, slug string, n uint64) (store.Proposal, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	p, _, err := s.proposal(ctx, slug, n, true)
	return p, err
}

// proposal reads proposal n of slug and its key's ModRevision.
func (s *Store) proposal(ctx context.Context, slug string, n uint64, source bool) (store.Proposal, int64, error) {
	if err := s.readable("a proposal of " + slug); err != nil {
		return store.Proposal{}, 0, err
	}
	resp, err := s.cli.Get(ctx, s.keys.Proposal(slug, n))
	if err != nil {
		return store.Proposal{}, 0, s.readError(slug, err)
	}
	if len(resp.Kvs) == 0 {
		return store.Proposal{}, 0, fmt.Errorf("%w: %s has no proposal %d", store.ErrNotFound, slug, n)
	}
	p, err := store.DecodeProposal(slug, n, resp.Kvs[0].Value, source)
	return p, resp.Kvs[0].ModRevision, err
}

// Annotate adds note to proposal n of slug. See store.Reviews.
func (s *Store) Annotate(ctx context.Context, slug string, n uint64, note store.Note) (store.Proposal, error) {
	p, err := untilWon(s, "annotating a proposal of "+slug, func() (store.Proposal, bool, error) { return s.annotateOnce(ctx, slug, n, note) })
	if err != nil {
		return store.Proposal{}, err
	}
	s.mirror.Notify()
	p.Source = nil
	return p, nil
}

func (s *Store) annotateOnce(ctx context.Context, slug string, n uint64, note store.Note) (store.Proposal, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	old, mod, err := s.proposal(ctx, slug, n, true)
	if err != nil {
		return store.Proposal{}, false, err
	}
	p, err := store.CloseProposal(old, note)
	if err != nil {
		return store.Proposal{}, false, err
	}
	key := s.keys.Proposal(slug, n)
	ops := []clientv3.Op{clientv3.OpPut(key, string(store.EncodeProposal(p)))}
	if !p.Open() {
		ops = append(ops, clientv3.OpDelete(s.keys.Open(slug, n)))
	}
	resp, err := s.cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", mod)).Then(ops...).Commit()
	if err != nil {
		return store.Proposal{}, false, err
	}
	return p, !resp.Succeeded, nil
}

// Approve writes c as the post's next revision and closes proposal n, in
// one transaction. See store.Reviews.
func (s *Store) Approve(ctx context.Context, n uint64, approver string, c store.Change) (store.Entry, error) {
	if err := store.CheckPost(c.Post); err != nil {
		return store.Entry{}, fmt.Errorf("etcdstore: approve: %w", err)
	}
	return untilWon(s, "approving a proposal of "+c.Post.Slug, func() (store.Entry, bool, error) { return s.approveOnce(ctx, n, approver, c) })
}

func (s *Store) approveOnce(ctx context.Context, n uint64, approver string, c store.Change) (store.Entry, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	slug := c.Post.Slug
	p, pmod, err := s.proposal(ctx, slug, n, true)
	if err != nil {
		return store.Entry{}, false, err
	}
	cur, mod, err := s.current(ctx, slug)
	if err != nil {
		return store.Entry{}, false, err
	}
	next := layout.Record{ID: idOf(cur)}
	var rev store.Revision
	if next.Entry, rev, p, err = store.Approval(p, c, entryOf(cur), approver, s.now()); err != nil {
		return store.Entry{}, false, err
	}
	ops, err := s.appendOps(next, rev)
	if err != nil {
		return store.Entry{}, false, err
	}
	key := s.keys.Proposal(slug, n)
	ops = append(ops, clientv3.OpPut(key, string(store.EncodeProposal(p))), clientv3.OpDelete(s.keys.Open(slug, n)))
	resp, err := s.cli.Txn(ctx).If(
		clientv3.Compare(clientv3.ModRevision(s.keys.Post(slug)), "=", mod),
		clientv3.Compare(clientv3.ModRevision(key), "=", pmod),
	).Then(ops...).Commit()
	if err != nil {
		return store.Entry{}, false, err
	}
	if !resp.Succeeded {
		if c.IfRev != nil {
			return store.Entry{}, false, fmt.Errorf("%w: %s changed meanwhile", store.ErrConflict, slug)
		}
		return store.Entry{}, true, nil
	}
	s.mirror.Commit(resp.Header.Revision, []layout.Record{next}, nil, map[string]string{slug: ""})
	return next.Entry, false, nil
}
