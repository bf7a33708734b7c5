// Package etcdstore keeps the blog's posts in an etcd cluster, so several
// sshblog servers can serve one blog, and several blogs can share a cluster.
//
// # Layout
//
// Every key lies under the blog's prefix; package layout names them. A
// post's history is kept under a stable id given when the post is first
// written, not under its slug. A rename is then one transaction whatever the
// length of the history: it writes the record under the new slug (same id),
// appends the Renamed revision, deletes the old slug's record and points the
// old slug (and the aliases that led to it) at the new one. No rename is ever
// half-visible, and no transaction carries more than one post body, so a
// post of post.MaxSize fits etcd's default request limit of 1.5 MiB.
// Restoring a long history writes the revisions first, in transactions of
// bounded size under a fresh id nothing points at yet, then the slug in one
// last transaction: an interrupted restore leaves only unreachable keys.
// An import (or a restore of a backup) puts short histories several to one
// transaction, all of each or nothing.
//
// # Writes
//
// Each write is one etcd transaction that compares the post record's
// ModRevision with the one the write was computed from. A write that lost a
// race is retried from the new state, unless it asked for a revision
// (Change.IfRev): then it is store.ErrConflict, the same --if-rev conflict
// the bbolt store gives.
//
// # Reads
//
// The list of posts and the aliases are held in memory by package mirror,
// loaded at Open and kept current by a watch on the prefix, so a write
// through another server shows here within moments and closes Changed.
// Bodies are read from etcd, and kept (bodies.go). When etcd cannot be
// reached, the in-memory list keeps serving, writes fail with
// store.ErrUnavailable, and the watch resumes when etcd comes back.
package etcdstore

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdstore/layout"
	"github.com/sshblog/sshblog/internal/store/etcdstore/mirror"
)

// Config says how to reach the cluster and where the blog lives in it.
type Config struct {
	Endpoints   []string      // the cluster's client URLs, e.g. "127.0.0.1:2379"
	Prefix      string        // the blog's key prefix, e.g. "/sshblog/main"; no trailing slash needed
	TLS         *tls.Config   // the client TLS settings; nil for plain connections
	DialTimeout time.Duration // how long Open waits for the cluster; 0 means 5 s
	// RequestTimeout bounds each request a write or read makes; past it
	// the store is taken as unreachable. 0 means 5 s.
	RequestTimeout time.Duration
	// Now is the store's clock; nil means time.Now.
	Now func() time.Time
	// Existing opens only a blog that is there: a prefix with no schema
	// key is an error wrapping fs.ErrNotExist, and nothing is written (a
	// migration's source).
	Existing bool
}

// Store is a store.Store kept in etcd. It is safe for concurrent use.
type Store struct {
	cli     *clientv3.Client
	keys    layout.Keys
	timeout time.Duration
	now     func() time.Time

	mirror  *mirror.Mirror // the posts and aliases, kept current
	bodies  *bodies        // revisions read, and every current one
	history *histories     // the histories read, and every post's

	files     store.FileIndex    // the files' entries and stored lengths (files.go)
	filesStop context.CancelFunc // ends watchFiles
	filesDone chan struct{}      // closed when watchFiles has ended
}

var _ store.Store = (*Store)(nil)

// entryOf returns the entry of r, or nil when r is nil (no post).
func entryOf(r *layout.Record) *store.Entry {
	if r == nil {
		return nil
	}
	return &r.Entry
}

// idOf returns the id of r, or a fresh one when r is nil (a new post).
func idOf(r *layout.Record) string {
	if r == nil {
		return layout.NewID()
	}
	return r.ID
}

// Open connects to the cluster, loads the blog's posts under cfg.Prefix and
// starts watching them. Close releases it.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("etcdstore: no endpoints")
	}
	s := &Store{
		keys:    layout.New(cfg.Prefix),
		timeout: orDefault(cfg.RequestTimeout, 5*time.Second),
		now:     cfg.Now,
		bodies:  newBodies(bodiesBytes),
		history: newHistories(),
	}
	prefix := s.keys.Prefix()
	if s.now == nil {
		s.now = time.Now
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   cfg.Endpoints,
		TLS:         cfg.TLS,
		DialTimeout: orDefault(cfg.DialTimeout, 5*time.Second),
		Context:     context.WithoutCancel(ctx),
		Logger:      zap.NewNop(),
		// A post of post.MaxSize and its record fit in one request.
		MaxCallSendMsgSize: 4 << 20,
		MaxCallRecvMsgSize: 64 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: connecting to %s: %w", strings.Join(cfg.Endpoints, ","), err)
	}
	s.cli = cli
	prepare := s.prepare
	if cfg.Existing {
		prepare = s.check
	}
	if err := prepare(ctx); err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcdstore: opening %s on %s: %w", prefix, strings.Join(cfg.Endpoints, ","), err)
	}
	s.mirror, err = mirror.Start(ctx, mirror.Config{Client: cli, Keys: s.keys, Timeout: s.timeout, Seen: s.prefetch})
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("etcdstore: loading %s: %w", prefix, err)
	}
	rev, err := s.loadFiles(ctx)
	if err != nil {
		s.mirror.Close()
		cli.Close()
		return nil, fmt.Errorf("etcdstore: loading the files of %s: %w", prefix, err)
	}
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.filesStop, s.filesDone = stop, make(chan struct{})
	go s.watchFiles(wctx, rev)
	return s, nil
}

// orDefault returns d, or def when d is not positive.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// CertKeys returns the store's client and the folder under the blog's
// prefix where the web's certificates are kept (layout.Keys.TLS), for
// package certstore. The client is the store's: Close closes it.
func (s *Store) CertKeys() (*clientv3.Client, string) { return s.cli, s.keys.TLS() }

// Close stops the watch and the connection.
func (s *Store) Close() error {
	s.filesStop()
	<-s.filesDone
	s.mirror.Close()
	if err := s.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("etcdstore: closing: %w", err)
	}
	return nil
}

// check checks the schema version of a blog that must be there.
func (s *Store) check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Get(ctx, s.keys.Schema())
	if err != nil {
		return err
	}
	if len(resp.Kvs) == 0 {
		return fmt.Errorf("no blog under this prefix: %w", fs.ErrNotExist)
	}
	if v := string(resp.Kvs[0].Value); v != layout.SchemaVersion {
		return fmt.Errorf("unknown schema version %q (this build knows %s)", v, layout.SchemaVersion)
	}
	return nil
}

// prepare writes the schema version to a new prefix, or checks it.
func (s *Store) prepare(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	key := s.keys.Schema()
	resp, err := s.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, layout.SchemaVersion)).
		Else(clientv3.OpGet(key)).
		Commit()
	if err != nil {
		return err
	}
	if resp.Succeeded {
		return nil
	}
	if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) == 1 && string(kvs[0].Value) != layout.SchemaVersion {
		return fmt.Errorf("unknown schema version %q (this build knows %s)", kvs[0].Value, layout.SchemaVersion)
	}
	return nil
}

// Changed returns a channel closed at the next change, made here or by
// another server.
func (s *Store) Changed() <-chan struct{} { return s.mirror.Changed() }

// view returns the current snapshot's list.
func (s *Store) view() *store.Snapshot { return s.mirror.Snapshot().Snapshot }

// List returns the current, non-removed posts, newest first.
func (s *Store) List(ctx context.Context) ([]store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.view().Live(), nil
}

// Len reports how many posts the store holds, removed ones included.
func (s *Store) Len() int { return s.view().Len() }

// AllEntries returns every post, removed ones included, newest first.
func (s *Store) AllEntries() []store.Entry { return s.view().All() }

// Aliases returns every alias and the slug it leads to, sorted by alias.
func (s *Store) Aliases() [][2]string { return s.view().Aliases() }

// Entry returns the current metadata of slug, following aliases.
func (s *Store) Entry(slug string) (store.Entry, bool) { return s.view().Entry(slug) }

// Unreachable reports whether the store has lost etcd: it then serves what
// it has read, and refuses writes, until etcd answers again.
func (s *Store) Unreachable() bool { return s.mirror.Unreachable() }

// Now returns the store's clock's time.
func (s *Store) Now() time.Time { return s.now() }

// NextScheduled returns the earliest date after now at which a scheduled
// post becomes public.
func (s *Store) NextScheduled(now time.Time) (time.Time, bool) {
	_, next := s.view().Public(now)
	return next, !next.IsZero()
}

// Public is the blog as readers see it: no drafts, nothing scheduled.
func (s *Store) Public() store.Reader { return store.PublicView(s.view, s) }

// Get returns the current revision of slug, following aliases.
func (s *Store) Get(ctx context.Context, slug string) (store.Revision, error) {
	it, ok := s.mirror.Snapshot().Lookup(slug)
	if !ok || it.Removed {
		return store.Revision{}, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
	}
	return s.revision(ctx, it.Record, it.Rev)
}

// Revision returns revision rev of the post named slug (no alias lookup).
func (s *Store) Revision(ctx context.Context, slug string, rev uint64) (store.Revision, error) {
	it, ok := s.mirror.Snapshot().Item(slug)
	if !ok {
		return store.Revision{}, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
	}
	return s.revision(ctx, it.Record, rev)
}

// revision reads revision rev of the post r.
func (s *Store) revision(ctx context.Context, r layout.Record, rev uint64) (store.Revision, error) {
	key := s.keys.Revision(r.ID, rev)
	if v, ok := s.bodies.get(key); ok {
		return store.DecodeRevision(r.Slug, rev, v)
	}
	if err := s.readable(r.Slug); err != nil {
		return store.Revision{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.cli.Get(ctx, key)
	if err != nil {
		return store.Revision{}, s.readError(r.Slug, err)
	}
	if len(resp.Kvs) == 0 {
		return store.Revision{}, fmt.Errorf("%w: %s has no revision %d", store.ErrNotFound, r.Slug, rev)
	}
	s.bodies.put(key, resp.Kvs[0].Value)
	return store.DecodeRevision(r.Slug, rev, resp.Kvs[0].Value)
}

// History returns every revision of slug, oldest first, without sources.
// A history read once is kept (histories), and every post's is read ahead.
func (s *Store) History(ctx context.Context, slug string) ([]store.Revision, error) {
	it, ok := s.mirror.Snapshot().Lookup(slug)
	if !ok {
		return nil, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
	}
	if revs, ok := s.history.get(it.ID, it.Slug, it.Rev); ok {
		return revs, nil
	}
	if err := s.readable("the history of " + it.Slug); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	out, err := s.readHistory(ctx, it.Record)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Source = nil
	}
	return out, nil
}

// readHistory reads every revision of the post r from etcd, with their
// sources, and keeps the history and the revisions (bodies).
func (s *Store) readHistory(ctx context.Context, r layout.Record) ([]store.Revision, error) {
	resp, err := s.cli.Get(ctx, s.keys.Revisions(r.ID), clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
	if err != nil {
		return nil, s.readError("the history of "+r.Slug, err)
	}
	out := make([]store.Revision, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		rev, err := layout.Number(string(kv.Key))
		if err != nil {
			return nil, fmt.Errorf("etcdstore: reading the history of %s: %w", r.Slug, err)
		}
		h, err := store.DecodeRevision(r.Slug, rev, kv.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	s.history.put(r.ID, out)
	// The current revision last, so that it is the last one the bodies
	// let go of.
	for i := len(out) - 1; i >= 0; i-- {
		if out[i].Rev != r.Rev {
			s.bodies.put(s.keys.Revision(r.ID, out[i].Rev), resp.Kvs[i].Value)
		}
	}
	for i, h := range out {
		if h.Rev == r.Rev {
			s.bodies.put(s.keys.Revision(r.ID, h.Rev), resp.Kvs[i].Value)
		}
	}
	return out, nil
}

// kept notes a revision this server wrote, so that neither it nor the
// post's history has to be read back.
func (s *Store) kept(r layout.Record, rev store.Revision) {
	s.bodies.put(s.keys.Revision(r.ID, rev.Rev), store.EncodeRevision(rev))
	s.history.add(r.ID, rev)
}

// readError describes a failed read: ErrAway when etcd was out of reach,
// which the next requests then learn at once (Mirror.Lost).
func (s *Store) readError(slug string, err error) error {
	if unreachable(err) {
		s.mirror.Lost()
		return fmt.Errorf("reading %s: %w", slug, store.ErrAway)
	}
	return fmt.Errorf("etcdstore: reading %s: %w", slug, err)
}

// readable is ErrAway, at once, while etcd is known to be out of reach:
// a read that needs it would only wait its timeout.
func (s *Store) readable(what string) error {
	if s.mirror.Unreachable() {
		return fmt.Errorf("reading %s: %w", what, store.ErrAway)
	}
	return nil
}

// writable is ErrUnavailable, at once, while etcd is known to be out of
// reach; the first write that finds it away waits its timeout.
func (s *Store) writable() error {
	if s.mirror.Unreachable() {
		return store.ErrUnavailable
	}
	return nil
}

// unreachable reports whether err means etcd could not be reached in time.
func unreachable(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || clientv3.IsConnCanceled(err) ||
		errors.Is(err, rpctypes.ErrNoLeader) || errors.Is(err, rpctypes.ErrGRPCNoLeader) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	}
	return false
}

// writeError describes a failed write for the writer, who may be an SSH
// client: ErrUnavailable when etcd was out of reach (the next writes then
// fail at once: Mirror.Lost), refusals (store.IsRefusal) as they are.
func (s *Store) writeError(what string, err error) error {
	switch {
	case store.IsRefusal(err), errors.Is(err, context.Canceled), errors.Is(err, store.ErrUnavailable):
		return err
	case unreachable(err):
		s.mirror.Lost()
		return store.ErrUnavailable
	}
	return fmt.Errorf("etcdstore: %s: %w", what, err)
}

// current reads the record of slug from etcd, with its ModRevision (0 and
// nil when there is none).
func (s *Store) current(ctx context.Context, slug string) (*layout.Record, int64, error) {
	resp, err := s.cli.Get(ctx, s.keys.Post(slug))
	if err != nil {
		return nil, 0, err
	}
	if len(resp.Kvs) == 0 {
		return nil, 0, nil
	}
	r := new(layout.Record)
	if err := json.Unmarshal(resp.Kvs[0].Value, r); err != nil {
		return nil, 0, fmt.Errorf("decoding post %s: %w", slug, err)
	}
	return r, resp.Kvs[0].ModRevision, nil
}

// appendOps are the operations that append rev to the post r and make r
// current: the one way a post changes. A post of that name shadows an
// alias of the same name, so the alias goes.
func (s *Store) appendOps(r layout.Record, revs ...store.Revision) ([]clientv3.Op, error) {
	v, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encoding post %s: %w", r.Slug, err)
	}
	ops := make([]clientv3.Op, 0, len(revs)+2)
	for _, rv := range revs {
		ops = append(ops, clientv3.OpPut(s.keys.Revision(r.ID, rv.Rev), string(store.EncodeRevision(rv))))
	}
	return append(ops, clientv3.OpPut(s.keys.Post(r.Slug), string(v)), clientv3.OpDelete(s.keys.Alias(r.Slug))), nil
}

// write reads slug's current record, checks ifRev, lets change build the
// next record and revision, and commits them in one transaction that holds
// only if the record did not move meanwhile; if it did, write starts over,
// or is ErrConflict when ifRev was given.
func (s *Store) write(ctx context.Context, what, slug string, ifRev *uint64, change func(cur *layout.Record) (layout.Record, store.Revision, error)) (store.Entry, error) {
	if err := ctx.Err(); err != nil {
		return store.Entry{}, err
	}
	return untilWon(s, what, func() (store.Entry, bool, error) { return s.writeOnce(ctx, slug, ifRev, change) })
}

// untilWon runs once until it did not lose a race with another write
// (once reports lost), and describes its failure with writeError. While
// etcd is known to be away it fails at once.
func untilWon[T any](s *Store, what string, once func() (v T, lost bool, err error)) (T, error) {
	for {
		if err := s.writable(); err != nil {
			var zero T
			return zero, err
		}
		v, lost, err := once()
		if err != nil {
			var zero T
			return zero, s.writeError(what, err)
		}
		if !lost {
			return v, nil
		}
	}
}

func (s *Store) writeOnce(ctx context.Context, slug string, ifRev *uint64, change func(cur *layout.Record) (layout.Record, store.Revision, error)) (store.Entry, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cur, mod, err := s.current(ctx, slug)
	if err != nil {
		return store.Entry{}, false, err
	}
	if err := store.CheckIfRev(slug, entryOf(cur), ifRev); err != nil {
		return store.Entry{}, false, err
	}
	next, rev, err := change(cur)
	if err != nil {
		return store.Entry{}, false, err
	}
	ops, err := s.appendOps(next, rev)
	if err != nil {
		return store.Entry{}, false, err
	}
	resp, err := s.cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(s.keys.Post(slug)), "=", mod)).Then(ops...).Commit()
	if err != nil {
		return store.Entry{}, false, err
	}
	if !resp.Succeeded {
		if ifRev != nil {
			return store.Entry{}, false, fmt.Errorf("%w: %s changed meanwhile", store.ErrConflict, slug)
		}
		return store.Entry{}, true, nil
	}
	s.kept(next, rev)
	s.mirror.Commit(resp.Header.Revision, []layout.Record{next}, nil, map[string]string{slug: ""})
	return next.Entry, false, nil
}

// newRevision builds the record and revision that make p current
// (store.NextRevision); a new post gets a new id.
func (s *Store) newRevision(p *post.Post, cur *layout.Record, author string, action store.Action) (layout.Record, store.Revision) {
	r := layout.Record{ID: idOf(cur)}
	var rev store.Revision
	r.Entry, rev = store.NextRevision(p, entryOf(cur), author, action, s.now())
	return r, rev
}

// Put stores c.Post as the next revision of its post.
func (s *Store) Put(ctx context.Context, c store.Change) (store.Entry, error) {
	if err := store.CheckPost(c.Post); err != nil {
		return store.Entry{}, fmt.Errorf("etcdstore: put: %w", err)
	}
	return s.write(ctx, "writing "+c.Post.Slug, c.Post.Slug, c.IfRev, func(cur *layout.Record) (layout.Record, store.Revision, error) {
		r, rev := s.newRevision(c.Post, cur, c.Author, c.ActionFor(cur != nil))
		return r, rev, nil
	})
}

// Remove hides slug behind a tombstone revision.
func (s *Store) Remove(ctx context.Context, slug, author string, ifRev *uint64) (store.Entry, error) {
	slug = s.mirror.Snapshot().Resolve(slug)
	return s.write(ctx, "removing "+slug, slug, ifRev, func(cur *layout.Record) (layout.Record, store.Revision, error) {
		e, rev, err := store.Tombstone(slug, entryOf(cur), author, s.now())
		if err != nil {
			return layout.Record{}, store.Revision{}, err
		}
		return layout.Record{Entry: e, ID: cur.ID}, rev, nil
	})
}

// Rename moves the post oldSlug to newSlug in one transaction, keeping
// oldSlug as an alias; aliases that led to oldSlug follow.
func (s *Store) Rename(ctx context.Context, oldSlug, newSlug, author string) (store.Entry, error) {
	oldSlug = s.mirror.Snapshot().Resolve(oldSlug)
	if err := store.CheckRename(oldSlug, newSlug); err != nil {
		return store.Entry{}, fmt.Errorf("etcdstore: rename: %w", err)
	}
	return untilWon(s, "renaming "+oldSlug, func() (store.Entry, bool, error) { return s.renameOnce(ctx, oldSlug, newSlug, author) })
}

func (s *Store) renameOnce(ctx context.Context, oldSlug, newSlug, author string) (store.Entry, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	cur, mod, err := s.current(ctx, oldSlug)
	if err != nil {
		return store.Entry{}, false, err
	}
	if cur == nil {
		return store.Entry{}, false, fmt.Errorf("%w: %s", store.ErrNotFound, oldSlug)
	}
	prev, err := s.revision(ctx, *cur, cur.Rev)
	if err != nil {
		return store.Entry{}, false, err
	}
	next := layout.Record{ID: cur.ID}
	var rev store.Revision
	if next.Entry, rev, err = store.Renaming(cur.Entry, newSlug, author, s.now(), prev.Source); err != nil {
		return store.Entry{}, false, err
	}
	ops, err := s.appendOps(next, rev)
	if err != nil {
		return store.Entry{}, false, err
	}
	cmps := []clientv3.Cmp{
		clientv3.Compare(clientv3.ModRevision(s.keys.Post(oldSlug)), "=", mod),
		clientv3.Compare(clientv3.CreateRevision(s.keys.Post(newSlug)), "=", 0),
	}
	follow, aliasCmps, err := s.renameAliases(ctx, oldSlug, newSlug)
	if err != nil {
		return store.Entry{}, false, err
	}
	cmps = append(cmps, aliasCmps...)
	ops = append(ops, clientv3.OpDelete(s.keys.Post(oldSlug)))
	for alias, slug := range follow {
		ops = append(ops, clientv3.OpPut(s.keys.Alias(alias), slug))
	}
	resp, err := s.cli.Txn(ctx).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return store.Entry{}, false, err
	}
	if !resp.Succeeded {
		if s.exists(ctx, newSlug) {
			return store.Entry{}, false, fmt.Errorf("%w: %s already exists", store.ErrConflict, newSlug)
		}
		return store.Entry{}, true, nil
	}
	follow[newSlug] = "" // appendOps deleted the alias of the new name
	s.kept(next, rev)
	s.mirror.Commit(resp.Header.Revision, []layout.Record{next}, []string{oldSlug}, follow)
	return next.Entry, false, nil
}

// renameAliases reads the aliases and returns those a rename of oldSlug to
// newSlug writes (store.RenameAliases), with the comparisons that hold the
// transaction to the aliases as they were read.
func (s *Store) renameAliases(ctx context.Context, oldSlug, newSlug string) (map[string]string, []clientv3.Cmp, error) {
	resp, err := s.cli.Get(ctx, s.keys.Aliases(), clientv3.WithPrefix())
	if err != nil {
		return nil, nil, err
	}
	have := make(map[string]string, len(resp.Kvs))
	mods := make(map[string]int64, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		alias := strings.TrimPrefix(string(kv.Key), s.keys.Aliases())
		have[alias], mods[alias] = string(kv.Value), kv.ModRevision
	}
	to, isAlias := have[newSlug]
	if err := store.CheckAliasFree(newSlug, to, isAlias, oldSlug); err != nil {
		return nil, nil, err
	}
	follow := store.RenameAliases(have, oldSlug, newSlug)
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(s.keys.Alias(newSlug)), "=", mods[newSlug])} // the new name's alias, or none, as checked
	for alias := range follow {
		if mod, ok := mods[alias]; ok {
			cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(s.keys.Alias(alias)), "=", mod))
		}
	}
	return follow, cmps, nil
}

// exists reports whether a post is named slug in etcd.
func (s *Store) exists(ctx context.Context, slug string) bool {
	resp, err := s.cli.Get(ctx, s.keys.Post(slug), clientv3.WithCountOnly())
	return err == nil && resp.Count > 0
}

// AddAlias makes alias lead to slug, unless a post is named alias or alias
// leads to another post (store.CheckAliasFree).
func (s *Store) AddAlias(ctx context.Context, alias, slug string) error {
	if err := post.CheckSlug(alias); err != nil {
		return fmt.Errorf("etcdstore: alias: %w", err)
	}
	if err := s.writable(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	have, err := s.cli.Get(ctx, s.keys.Alias(alias))
	if err != nil {
		return s.writeError("adding the alias "+alias, err)
	}
	var mod int64
	if len(have.Kvs) > 0 {
		mod = have.Kvs[0].ModRevision
		if err := store.CheckAliasFree(alias, string(have.Kvs[0].Value), true, slug); err != nil {
			return err
		}
	}
	resp, err := s.cli.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(s.keys.Post(alias)), "=", 0),
			clientv3.Compare(clientv3.ModRevision(s.keys.Alias(alias)), "=", mod)).
		Then(clientv3.OpPut(s.keys.Alias(alias), slug)).
		Commit()
	if err != nil {
		return s.writeError("adding the alias "+alias, err)
	}
	if !resp.Succeeded {
		return fmt.Errorf("%w: a post is named %s, or the alias changed meanwhile", store.ErrConflict, alias)
	}
	s.mirror.Commit(resp.Header.Revision, nil, nil, map[string]string{alias: slug})
	return nil
}

// WriteTo writes every key of the blog, as it was at one etcd revision, to
// w: a JSON header line, then one JSON line per key with the key (under the
// prefix) and its value.
func (s *Store) WriteTo(w io.Writer) (int64, error) {
	if err := s.readable("the blog"); err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*s.timeout)
	defer cancel()
	cw := &countWriter{w: w}
	enc := json.NewEncoder(cw)
	var rev int64
	key, end := s.keys.Prefix(), clientv3.GetPrefixRangeEnd(s.keys.Prefix())
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(256), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.cli.Get(ctx, key, opts...)
		if err != nil {
			return cw.n, s.readError("the blog", err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
			if err := enc.Encode(map[string]any{"etcd_revision": rev, "prefix": s.keys.Prefix(), "schema": layout.SchemaVersion}); err != nil {
				return cw.n, fmt.Errorf("etcdstore: exporting: %w", err)
			}
		}
		for _, kv := range resp.Kvs {
			line := struct {
				Key   string `json:"key"`
				Value []byte `json:"value"`
			}{strings.TrimPrefix(string(kv.Key), s.keys.Prefix()), kv.Value}
			if err := enc.Encode(line); err != nil {
				return cw.n, fmt.Errorf("etcdstore: exporting: %w", err)
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return cw.n, nil
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}

// countWriter counts what passes through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
