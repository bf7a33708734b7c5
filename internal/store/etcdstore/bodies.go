package etcdstore

import (
	"container/list"
	"context"
	"sync"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdstore/layout"
)

// bodiesBytes bounds the revisions a store keeps in memory.
const bodiesBytes = 64 << 20

// bodies keeps revisions read from etcd, least recently used out first.
// Revisions never change once written, so a kept one is never stale; and a
// server that loses etcd goes on serving the posts it has: every current
// revision is fetched as soon as the server learns of it.
type bodies struct {
	max   int
	mu    sync.Mutex
	byKey map[string]*list.Element // values are *body
	lru   list.List
	bytes int
}

// body is one kept revision record.
type body struct {
	key   string
	value []byte
}

func newBodies(max int) *bodies {
	return &bodies{max: max, byKey: map[string]*list.Element{}}
}

// get returns the record kept under key.
func (b *bodies) get(key string) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	el, ok := b.byKey[key]
	if !ok {
		return nil, false
	}
	b.lru.MoveToFront(el)
	return el.Value.(*body).value, true
}

// put keeps the record value of key.
func (b *bodies) put(key string, value []byte) {
	size := len(key) + len(value)
	if size > b.max {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.byKey[key]; ok {
		return
	}
	for b.bytes+size > b.max && b.lru.Len() > 0 {
		old := b.lru.Remove(b.lru.Back()).(*body)
		delete(b.byKey, old.key)
		b.bytes -= len(old.key) + len(old.value)
	}
	b.byKey[key] = b.lru.PushFront(&body{key: key, value: value})
	b.bytes += size
}

// prefetch reads the history and revisions of records into memory, in the
// background: the server then has them if etcd goes away (a post, its
// history, the feed's entries). A post whose history is kept up to the
// revision before its current one has only that revision read.
func (s *Store) prefetch(records []layout.Record) {
	if len(records) == 0 {
		return
	}
	go func() {
		for _, r := range records {
			key := s.keys.Revision(r.ID, r.Rev)
			if _, ok := s.history.get(r.ID, r.Slug, r.Rev); ok {
				if _, ok := s.bodies.get(key); ok || r.Removed {
					continue
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
			if _, ok := s.history.get(r.ID, r.Slug, r.Rev-1); ok && r.Rev > 1 {
				if resp, err := s.cli.Get(ctx, key); err == nil && len(resp.Kvs) > 0 {
					if rev, err := store.DecodeRevision(r.Slug, r.Rev, resp.Kvs[0].Value); err == nil {
						s.bodies.put(key, resp.Kvs[0].Value)
						s.history.add(r.ID, rev)
					}
				}
			} else {
				_, _ = s.readHistory(ctx, r) // a read ahead: what fails is read again when asked
			}
			cancel()
		}
	}()
}
