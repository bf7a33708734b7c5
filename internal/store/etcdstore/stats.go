package etcdstore

import (
	"context"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
)

// Read counts live in the blog's prefix as in the bbolt file
// (layout.Keys.Stats), numbers only, no reader named. Several front ends add to the same keys,
// so each write compares the versions it read and tries again if another
// front end wrote in between.

var _ stats.Store = (*Store)(nil)

// statsTxnOps bounds the keys one transaction of counts touches.
const statsTxnOps = 100

// AddStatCounts adds counts to the stored ones, in transactions of at most
// statsTxnOps keys, each retried while another front end wins the race.
func (s *Store) AddStatCounts(ctx context.Context, counts []stats.Count) error {
	merged := map[string]stats.Count{}
	var keys []string
	for _, c := range counts {
		if err := store.CheckCount(c); err != nil {
			return fmt.Errorf("etcdstore: adding read counts: %w", err)
		}
		k := s.keys.Stats(c.Slug) + string(store.StatKey(c.Day, c.Source))
		if old, ok := merged[k]; ok {
			old.Add(c)
			c = old
		} else {
			keys = append(keys, k)
		}
		merged[k] = c
	}
	if err := s.writable(); err != nil {
		return err
	}
	for len(keys) > 0 {
		n := min(len(keys), statsTxnOps)
		if err := s.addCounts(ctx, keys[:n], merged); err != nil {
			return fmt.Errorf("etcdstore: adding read counts: %w", err)
		}
		keys = keys[n:]
	}
	return nil
}

// addCounts adds the counts of keys in one transaction, read and compared.
func (s *Store) addCounts(ctx context.Context, keys []string, add map[string]stats.Count) error {
	for attempt := 0; ; attempt++ {
		var cmps []clientv3.Cmp
		var ops []clientv3.Op
		for _, k := range keys {
			rctx, cancel := context.WithTimeout(ctx, s.timeout)
			resp, err := s.cli.Get(rctx, k)
			cancel()
			if err != nil {
				return s.readError(k, err)
			}
			var stored []byte
			held := clientv3.Compare(clientv3.CreateRevision(k), "=", 0)
			if len(resp.Kvs) > 0 {
				stored = resp.Kvs[0].Value
				held = clientv3.Compare(clientv3.ModRevision(k), "=", resp.Kvs[0].ModRevision)
			}
			v, err := store.AddCount(stored, add[k])
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			cmps = append(cmps, held)
			ops = append(ops, clientv3.OpPut(k, string(v)))
		}
		wctx, cancel := context.WithTimeout(ctx, s.timeout)
		resp, err := s.cli.Txn(wctx).If(cmps...).Then(ops...).Commit()
		cancel()
		if err != nil {
			return s.writeError("adding read counts", err)
		}
		if resp.Succeeded {
			return nil
		}
		if attempt >= 20 {
			return fmt.Errorf("%w: the counts kept changing", store.ErrConflict)
		}
	}
}

// StatCounts returns the counts of the days from to to (inclusive) of the
// post slug, or of every post when slug is "".
func (s *Store) StatCounts(ctx context.Context, from, to stats.Day, slug string) ([]stats.Count, error) {
	if err := s.readable("read counts"); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 4*s.timeout)
	defer cancel()
	prefix := s.keys.Stats(slug)
	resp, err := s.cli.Get(ctx, prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, s.readError("read counts", err)
	}
	var out []stats.Count
	for _, kv := range resp.Kvs {
		rest := strings.TrimPrefix(string(kv.Key), s.keys.Stats(""))
		i := strings.Index(rest, "/")
		if i < 0 {
			continue
		}
		day, src, err := store.ParseStatKey([]byte(rest[i+1:]))
		if err != nil {
			return nil, fmt.Errorf("etcdstore: reading read counts: %w", err)
		}
		if day < from || day > to {
			continue
		}
		c, err := store.DecodeCount(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("etcdstore: reading read counts of %s: %w", rest[:i], err)
		}
		c.Day, c.Slug, c.Source = day, rest[:i], src
		out = append(out, c)
	}
	return out, nil
}

// PruneStats deletes the counts of the days before before.
func (s *Store) PruneStats(ctx context.Context, before stats.Day) error {
	if err := s.writable(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 4*s.timeout)
	defer cancel()
	resp, err := s.cli.Get(ctx, s.keys.Stats(""), clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return s.readError("read counts", err)
	}
	var ops []clientv3.Op
	flush := func() error {
		if len(ops) == 0 {
			return nil
		}
		_, err := s.cli.Txn(ctx).Then(ops...).Commit()
		ops = ops[:0]
		return err
	}
	for _, kv := range resp.Kvs {
		rest := strings.TrimPrefix(string(kv.Key), s.keys.Stats(""))
		i := strings.Index(rest, "/")
		if i < 0 {
			continue
		}
		if day, _, err := store.ParseStatKey([]byte(rest[i+1:])); err == nil && day < before {
			ops = append(ops, clientv3.OpDelete(string(kv.Key)))
			if len(ops) == statsTxnOps {
				if err := flush(); err != nil {
					return s.writeError("pruning read counts", err)
				}
			}
		}
	}
	if err := flush(); err != nil {
		return s.writeError("pruning read counts", err)
	}
	return nil
}

// RenameStats moves the counts of oldSlug to newSlug, adding them to those
// newSlug already has.
func (s *Store) RenameStats(ctx context.Context, oldSlug, newSlug string) error {
	if oldSlug == newSlug || oldSlug == "" || newSlug == "" {
		return nil
	}
	counts, err := s.StatCounts(ctx, 0, 1<<30, oldSlug)
	if err != nil {
		return err
	}
	for i := range counts {
		counts[i].Slug = newSlug
	}
	if err := s.AddStatCounts(ctx, counts); err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if _, err := s.cli.Delete(dctx, s.keys.Stats(oldSlug), clientv3.WithPrefix()); err != nil {
		return s.writeError("moving read counts", err)
	}
	return nil
}
