// Package searchcost measures what the blog's search costs over
// thousands of posts (-search N).
//
// It fills a store of its own (bbolt, or the same etcd under another
// prefix, as -store says) with the built-in posts and N generated ones,
// opens the blog's service over it (internal/blog, as internal/app does,
// without the front ends), and measures what the search costs: building
// the index as a server does when it starts (IndexPosts: every post read
// from the store, parsed and indexed), the index alone (search.Index over
// the same posts, already parsed) and its memory, the latency of Search
// (the index brought in step with the store, the query, the snippets) over
// a mix of queries, and indexing again after a publish.
package searchcost

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/search"
	"github.com/sshblog/sshblog/internal/store"
)

// searchEdits is how many posts the phase publishes again, timing the
// index's sync after each.
const searchEdits = 20

// QueryKind is a kind of query, with the queries of that kind.
type QueryKind struct {
	Name    string
	Queries []string
	Miss    bool // no post matches
}

// queryKinds are the queries the phase runs, by kind: words of the posts
// servers.OpenSeeded generates and of the built-in ones, and words in
// none.
func queryKinds() []QueryKind {
	return []QueryKind{
		{Name: "Korean, 1 syllable", Queries: []string{"봄", "글", "책", "길", "차"}},
		{Name: "Korean, 2 syllables", Queries: []string{"서울", "회고", "산책", "커피", "도구"}},
		{Name: "Korean, longer", Queries: []string{"성북천을 따라", "터미널에서 읽는 블로그", "성능 측정 방법", "새로운 것을 배우려면", "달리기 기록"}},
		{Name: "English words", Queries: []string{"latency", "terminal", "memory measure", "notes on go", "rendered once per width"}},
		{Name: "misses", Queries: []string{"kubernetes", "zebra crossing", "없는말", "퀀텀컴퓨터", "xylophone"}, Miss: true},
	}
}

// Result is what the search phase measured.
type Result struct {
	Posts      int                // posts in the store
	Build      time.Duration      // IndexPosts on a new service: read, parse and index every post
	BuildHeap  int64              // live heap growth over it, bytes
	IndexOnly  time.Duration      // search.Index.Put of the same posts, already parsed
	IndexHeap  int64              // live heap of that index, bytes
	IndexStats search.Stats       // its own estimate
	Queries    []KindResult       // by kind, as queryKinds
	All        tally.Distribution // every query
	QueryCPU   time.Duration      // the process's CPU time over the queries
	Others     float64            // the machine's other processes' share of its CPUs over the queries
	Sync       tally.Distribution // IndexPosts with nothing changed: what every search pays first
	Reindex    tally.Distribution // IndexPosts after a publish of one post
	FirstAfter tally.Distribution // the first Search after a publish, which syncs the index itself
	Failed     tally.Failures
}

// KindResult is the queries of one kind.
type KindResult struct {
	Kind    QueryKind
	Latency tally.Distribution
	Hits    int // hits returned, in all
	Wrong   int // misses that hit, or words that did not
}

// Config is the search phase's settings.
type Config struct {
	Dir     string // a folder for the phase's bbolt file
	Store   string // the blog's store setting: servers.StoreBolt, or its etcd's etcd://HOST:PORT
	Posts   int    // posts to generate
	Queries int    // searches to run
}

// Run runs the search phase: c.Posts generated posts and c.Queries
// queries, in a store next to the blog's: a bbolt file in c.Dir, or the
// blog's etcd under its own prefix.
func Run(ctx context.Context, c Config) (Result, error) {
	r := Result{}
	cfg := config.Config{Data: filepath.Join(c.Dir, "search"), Location: time.UTC, Store: c.Store, StorePrefix: "/sshblog-search"}
	db, ps, err := servers.OpenSeeded(c.Store, cfg, c.Posts)
	if err != nil {
		return r, err
	}
	defer db.Close()
	r.Posts = db.Len()
	svc := blog.New(db, blog.Config{Location: cfg.Location, MaxPostSize: post.MaxSize})
	pprof.Do(ctx, pprof.Labels("client", "search"), func(ctx context.Context) {
		err = r.measure(ctx, svc, db, ps, c.Queries, c.Posts)
	})
	return r, err
}

// measure runs the measurements on svc, over db holding ps.
func (r *Result) measure(ctx context.Context, svc *blog.Service, db store.Store, ps []*post.Post, queries, generated int) error {
	before, err := proc.SettledMem()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := svc.IndexPosts(ctx); err != nil {
		return fmt.Errorf("building the index: %w", err)
	}
	r.Build = time.Since(start)
	after, err := proc.SettledMem()
	if err != nil {
		return err
	}
	r.BuildHeap = int64(after.HeapLive) - int64(before.HeapLive)
	r.runQueries(ctx, svc, queries)
	if generated > 0 {
		if err := r.edits(ctx, svc, db, generated); err != nil {
			return err
		}
	}
	// Last, so that its garbage does not fall on the figures above.
	return r.indexAlone(ps)
}

// indexAlone times a search.Index of ps, already parsed, and weighs it.
func (r *Result) indexAlone(ps []*post.Post) error {
	before, err := proc.SettledMem()
	if err != nil {
		return err
	}
	start := time.Now()
	x := search.New()
	for _, p := range ps {
		x.Put(search.Doc{Slug: p.Slug, Rev: 1, Title: p.Title, Tags: p.Tags, Body: string(p.Body)})
	}
	r.IndexOnly = time.Since(start)
	after, err := proc.SettledMem()
	if err != nil {
		return err
	}
	r.IndexHeap = int64(after.HeapLive) - int64(before.HeapLive)
	r.IndexStats = x.Stats()
	runtime.KeepAlive(x)
	return nil
}

// runQueries runs n searches, the kinds' queries in turn in an order the
// same on every run, as a reader would: one at a time, 20 hits at most,
// snippets 80 columns wide.
func (r *Result) runQueries(ctx context.Context, svc *blog.Service, n int) {
	type q struct{ kind, i int }
	var order []q
	kinds := queryKinds()
	for k, kind := range kinds {
		for i := range kind.Queries {
			order = append(order, q{k, i})
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	lat := make([][]time.Duration, len(kinds))
	r.Queries = make([]KindResult, len(kinds))
	cpu := proc.MarkCPU()
	began := time.Now()
	defer func() {
		if self, others, ok := cpu.Since(); ok {
			r.QueryCPU = self
			r.Others = others.Seconds() / (time.Since(began).Seconds() * float64(runtime.NumCPU()))
		}
	}()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		o := order[i%len(order)]
		kind, res := kinds[o.kind], &r.Queries[o.kind]
		start := time.Now()
		hits, err := svc.Search(ctx, blog.Identity{}, kind.Queries[o.i], 20, 80)
		d := time.Since(start)
		if err != nil {
			r.Failed.Add(err)
			continue
		}
		lat[o.kind] = append(lat[o.kind], d)
		r.All = append(r.All, d)
		res.Hits += len(hits)
		if (len(hits) == 0) != kind.Miss {
			res.Wrong++
		}
	}
	for k := range r.Queries {
		r.Queries[k].Kind, r.Queries[k].Latency = kinds[k], tally.NewDistribution(lat[k])
	}
	r.All = tally.NewDistribution(r.All)
}

// edits publishes searchEdits generated posts again with a paragraph
// added, one at a time through the service, and after each times the
// index's sync (IndexPosts, which indexes that post again); then it
// publishes another and times the first search after it, which syncs the
// index itself; then the sync with nothing changed.
func (r *Result) edits(ctx context.Context, svc *blog.Service, db store.Store, generated int) error {
	var reindex, first, sync []time.Duration
	timed := func(into *[]time.Duration, f func() error) error {
		start := time.Now()
		err := f()
		*into = append(*into, time.Since(start))
		return err
	}
	index := func() error { return svc.IndexPosts(ctx) }
	find := func() error {
		_, err := svc.Search(ctx, blog.Identity{}, "추가한 문단", 20, 80)
		return err
	}
	for i := range searchEdits {
		if err := editPost(ctx, svc, db, fmt.Sprintf("bench-%04d", (2*i*97)%generated), i); err != nil {
			return err
		}
		if err := timed(&reindex, index); err != nil {
			return err
		}
		if err := editPost(ctx, svc, db, fmt.Sprintf("bench-%04d", (2*i*97+1)%generated), i); err != nil {
			return err
		}
		if err := timed(&first, find); err != nil {
			return err
		}
		if err := timed(&sync, index); err != nil {
			return err
		}
	}
	r.Reindex, r.FirstAfter, r.Sync = tally.NewDistribution(reindex), tally.NewDistribution(first), tally.NewDistribution(sync)
	return nil
}

// editPost publishes slug again, as an author would, with a paragraph
// added.
func editPost(ctx context.Context, svc *blog.Service, db store.Store, slug string, i int) error {
	e, ok := db.Entry(slug)
	if !ok {
		return fmt.Errorf("no post %s to edit", slug)
	}
	rev, err := db.Revision(ctx, e.Slug, e.Rev)
	if err != nil {
		return err
	}
	src := append(rev.Source, fmt.Sprintf("\n추가한 문단 %d: an edit for the search phase.\n", i)...)
	if _, err := svc.Publish(ctx, blog.Identity{Author: servers.AuthorName}, src, blog.PublishOptions{Slug: e.Slug}); err != nil {
		return fmt.Errorf("publishing %s again: %w", e.Slug, err)
	}
	return nil
}
