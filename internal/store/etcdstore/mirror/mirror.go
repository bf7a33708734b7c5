// Package mirror keeps in memory the posts and aliases of a blog in etcd,
// loaded at Start and kept current by a watch, so that the etcd store
// serves lists and lookups without asking etcd: a write through another
// server shows here within moments and closes Changed. When etcd cannot be
// reached, the mirror keeps what it has, says so (Unreachable), and resumes
// the watch (loading everything again if etcd compacted past it) when etcd
// comes back.
package mirror

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdstore/layout"
)

// Config says what to mirror.
type Config struct {
	Client *clientv3.Client
	Keys   layout.Keys // the blog
	// Timeout bounds each request; loading the whole blog may take four
	// times as long.
	Timeout time.Duration
	// Seen, when not nil, is told of the records of posts loaded or
	// changed (the store reads their current revisions ahead).
	Seen func([]layout.Record)
}

// Mirror is a blog's posts and aliases as this server last heard of them.
// It is safe for concurrent use.
type Mirror struct {
	cfg Config

	snap    atomic.Pointer[Snapshot]
	mu      sync.Mutex   // serializes snapshot updates
	changes store.Signal // notified after each change seen

	cancel context.CancelFunc // stops the watch
	done   chan struct{}      // closed when the watch has stopped

	down atomic.Bool // the watch is broken and etcd has not answered since
}

// Item is a post as the mirror holds it.
type Item struct {
	layout.Record
	Mod int64 // the etcd ModRevision of its key
}

// Start loads the blog's posts and aliases and keeps them current until
// Close.
func Start(ctx context.Context, cfg Config) (*Mirror, error) {
	m := &Mirror{cfg: cfg, done: make(chan struct{})}
	rev, err := m.load(ctx)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go m.watch(wctx, rev)
	go m.heartbeat(wctx)
	return m, nil
}

// Close stops the watch.
func (m *Mirror) Close() {
	m.cancel()
	<-m.done
}

// Snapshot returns the posts and aliases as last heard of.
func (m *Mirror) Snapshot() *Snapshot { return m.snap.Load() }

// Changed returns a channel closed at the next change, made here or by
// another server, or when etcd goes away or comes back.
func (m *Mirror) Changed() <-chan struct{} { return m.changes.Changed() }

// Notify closes the channels Changed returned, for a change the mirror
// does not hold (a proposal).
func (m *Mirror) Notify() { m.changes.Notify() }

// Unreachable reports whether etcd has been out of reach since the watch
// broke or the last heartbeat went unanswered.
func (m *Mirror) Unreachable() bool { return m.down.Load() }

// Lost notes that a request found etcd out of reach, so that the next
// ones fail at once instead of waiting their timeout; the heartbeat says
// when it is back.
func (m *Mirror) Lost() {
	if !m.down.Swap(true) {
		m.changes.Notify()
	}
}

// heartbeatEvery is how often the mirror asks etcd whether it is there, so
// that readers learn soon that it is not (and that it is back); while it
// is away, it asks every awayEvery, as writes are refused until it is back.
const (
	heartbeatEvery = 2 * time.Second
	awayEvery      = 250 * time.Millisecond
)

// heartbeat notes whether etcd answers, and tells the watchers when that
// changes, until ctx ends.
func (m *Mirror) heartbeat(ctx context.Context) {
	for {
		wait := heartbeatEvery
		if m.down.Load() {
			wait = awayEvery
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		// The same limit either way: a cluster that is slow, not away,
		// is found back.
		rctx, cancel := context.WithTimeout(ctx, heartbeatEvery/2)
		_, err := m.cfg.Client.Get(rctx, m.cfg.Keys.Schema())
		cancel()
		if ctx.Err() != nil {
			return
		}
		if down := err != nil; m.down.Swap(down) != down {
			m.changes.Notify()
		}
	}
}

// load reads every post record and alias at one etcd revision into a new
// snapshot, and returns that revision.
func (m *Mirror) load(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 4*m.cfg.Timeout)
	defer cancel()
	keys := m.cfg.Keys
	from, to := keys.Watched()
	resp, err := m.cfg.Client.Get(ctx, from, clientv3.WithRange(to))
	if err != nil {
		return 0, err
	}
	items := make(map[string]Item)
	aliases := make(map[string]string)
	for _, kv := range resp.Kvs {
		k := string(kv.Key)
		switch {
		case strings.HasPrefix(k, keys.Posts()):
			var r layout.Record
			if err := json.Unmarshal(kv.Value, &r); err != nil {
				return 0, fmt.Errorf("decoding %s: %w", k, err)
			}
			items[r.Slug] = Item{Record: r, Mod: kv.ModRevision}
		case strings.HasPrefix(k, keys.Aliases()):
			aliases[strings.TrimPrefix(k, keys.Aliases())] = string(kv.Value)
		}
	}
	m.mu.Lock()
	m.snap.Store(newSnapshot(items, aliases))
	m.mu.Unlock()
	records := make([]layout.Record, 0, len(items))
	for _, it := range items {
		records = append(records, it.Record)
	}
	m.seen(records)
	return resp.Header.Revision, nil
}

// seen tells Config.Seen of records.
func (m *Mirror) seen(records []layout.Record) {
	if m.cfg.Seen != nil && len(records) > 0 {
		m.cfg.Seen(records)
	}
}

// watch keeps the snapshot current from etcd revision rev on, until ctx
// ends. When the watch breaks (etcd compacted past it, or it was cut) it
// loads everything again and resumes from there.
func (m *Mirror) watch(ctx context.Context, rev int64) {
	defer close(m.done)
	from, to := m.cfg.Keys.Watched()
	for ctx.Err() == nil {
		wch := m.cfg.Client.Watch(clientv3.WithRequireLeader(ctx), from,
			clientv3.WithRange(to), clientv3.WithRev(rev+1), clientv3.WithPrevKV())
		for resp := range wch {
			if resp.Canceled || resp.Err() != nil {
				break
			}
			m.apply(resp.Events)
			rev = resp.Header.Revision
		}
		// Reload until etcd answers, then watch from what was loaded.
		for ctx.Err() == nil {
			r, err := m.load(ctx)
			if err == nil {
				rev = r
				m.down.Store(false)
				m.changes.Notify()
				break
			}
			if !m.down.Swap(true) {
				m.changes.Notify() // readers are told the store is away
			}
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
}

// apply brings watch events into the snapshot.
func (m *Mirror) apply(events []*clientv3.Event) {
	if len(events) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.snap.Load()
	items, aliases := maps.Clone(old.items), maps.Clone(old.aliases)
	changed := false
	var fetch []layout.Record
	keys := m.cfg.Keys
	for _, ev := range events {
		k := string(ev.Kv.Key)
		switch {
		case strings.HasPrefix(k, keys.Posts()):
			r, ok := applyPost(items, strings.TrimPrefix(k, keys.Posts()), ev)
			if ok && r != nil {
				fetch = append(fetch, *r)
			}
			changed = changed || ok
		case strings.HasPrefix(k, keys.Opens()):
			changed = true // a proposal was made or closed: authors' lists show it
		case strings.HasPrefix(k, keys.Aliases()):
			alias := strings.TrimPrefix(k, keys.Aliases())
			if ev.Type == clientv3.EventTypeDelete {
				if _, ok := aliases[alias]; ok {
					delete(aliases, alias)
					changed = true
				}
			} else if aliases[alias] != string(ev.Kv.Value) {
				aliases[alias] = string(ev.Kv.Value)
				changed = true
			}
		}
	}
	if changed {
		m.snap.Store(newSnapshot(items, aliases))
		m.changes.Notify()
	}
	m.seen(fetch)
}

// applyPost brings an event of the record of slug into items, and reports
// whether it changed them; the record it stored, if any, is returned.
func applyPost(items map[string]Item, slug string, ev *clientv3.Event) (*layout.Record, bool) {
	have, ok := items[slug]
	if ev.Type == clientv3.EventTypeDelete {
		if ok && have.Mod < ev.Kv.ModRevision {
			delete(items, slug)
			return nil, true
		}
		return nil, false
	}
	if ok && have.Mod >= ev.Kv.ModRevision {
		return nil, false // already applied by the write that made it
	}
	var r layout.Record
	if err := json.Unmarshal(ev.Kv.Value, &r); err != nil {
		return nil, false // not a record this build can read; leave it out
	}
	items[slug] = Item{Record: r, Mod: ev.Kv.ModRevision}
	return &r, true
}

// Commit records in the snapshot what a successful write of this server
// did at etcd revision mod, before the watch brings it: put holds the new
// records, gone the slugs deleted, and aliases the alias changes (""
// deletes).
func (m *Mirror) Commit(mod int64, put []layout.Record, gone []string, aliases map[string]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.snap.Load()
	items, al := maps.Clone(old.items), old.aliases
	for _, r := range put {
		if have, ok := items[r.Slug]; ok && have.Mod >= mod {
			continue // a later write is already in
		}
		items[r.Slug] = Item{Record: r, Mod: mod}
	}
	m.seen(put)
	for _, slug := range gone {
		if have, ok := items[slug]; ok && have.Mod < mod {
			delete(items, slug)
		}
	}
	if len(aliases) > 0 {
		al = maps.Clone(al)
		for k, v := range aliases {
			if v == "" {
				delete(al, k)
			} else {
				al[k] = v
			}
		}
	}
	m.snap.Store(newSnapshot(items, al))
	m.changes.Notify()
}
