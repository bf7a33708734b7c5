package main

// The search phase: -search N.
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

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"text/tabwriter"
	"time"

	"github.com/sshblog/sshblog/internal/app"
	blogpkg "github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/search"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/posts"
)

// The search targets (issue 14, as BenchmarkBuild and BenchmarkSearch in
// internal/search judge them).
const (
	searchBuildTarget   = 2 * time.Second
	searchP99Target     = 10 * time.Millisecond
	searchReindexTarget = 5 * time.Millisecond
)

// searchEdits is how many posts the phase publishes again, timing the
// index's sync after each.
const searchEdits = 20

// queryKind is a kind of query, with the queries of that kind.
type queryKind struct {
	name    string
	queries []string
	miss    bool // no post matches
}

// searchQueries are the queries the phase runs, by kind: words of the
// generated posts (posts.go) and of the built-in ones, and words in none.
var searchQueries = []queryKind{
	{name: "Korean, 1 syllable", queries: []string{"봄", "글", "책", "길", "차"}},
	{name: "Korean, 2 syllables", queries: []string{"서울", "회고", "산책", "커피", "도구"}},
	{name: "Korean, longer", queries: []string{"성북천을 따라", "터미널에서 읽는 블로그", "성능 측정 방법", "새로운 것을 배우려면", "달리기 기록"}},
	{name: "English words", queries: []string{"latency", "terminal", "memory measure", "notes on go", "rendered once per width"}},
	{name: "misses", queries: []string{"kubernetes", "zebra crossing", "없는말", "퀀텀컴퓨터", "xylophone"}, miss: true},
}

// searchResult is what the search phase measured.
type searchResult struct {
	Posts      int           // posts in the store
	Build      time.Duration // IndexPosts on a new service: read, parse and index every post
	BuildHeap  int64         // live heap growth over it, bytes
	IndexOnly  time.Duration // search.Index.Put of the same posts, already parsed
	IndexHeap  int64         // live heap of that index, bytes
	IndexStats search.Stats  // its own estimate
	Queries    []kindResult  // by kind, as searchQueries
	All        distribution  // every query
	QueryCPU   time.Duration // the process's CPU time over the queries
	Others     float64       // the machine's other processes' share of its CPUs over the queries
	Sync       distribution  // IndexPosts with nothing changed: what every search pays first
	Reindex    distribution  // IndexPosts after a publish of one post
	FirstAfter distribution  // the first Search after a publish, which syncs the index itself
	Failed     failures
}

// kindResult is the queries of one kind.
type kindResult struct {
	kind    queryKind
	latency distribution
	hits    int // hits returned, in all
	wrong   int // misses that hit, or words that did not
}

// runSearch runs the search phase with n generated posts and queries
// queries, in a store next to the blog's: a bbolt file in dir, or the
// blog's etcd (storeSetting) under its own prefix.
func runSearch(ctx context.Context, dir, storeSetting string, n, queries int) (searchResult, error) {
	r := searchResult{}
	cfg := config.Config{Data: filepath.Join(dir, "search"), Location: time.UTC, Store: storeSetting, StorePrefix: "/sshblog-search"}
	spec := storeSetting
	if storeSetting == storeBolt {
		spec = "bolt:" + cfg.DatabasePath()
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return r, err
		}
	}
	gen, err := generatePosts(n, cfg.Location)
	if err != nil {
		return r, err
	}
	db, err := app.OpenStore(spec, cfg)
	if err != nil {
		return r, err
	}
	defer db.Close()
	builtin, err := posts.Load(cfg.Location)
	if err != nil {
		return r, err
	}
	if err := fill(db, builtin, gen); err != nil {
		return r, err
	}
	r.Posts = db.Len()
	svc := blogpkg.New(db, blogpkg.Config{Location: cfg.Location, MaxPostSize: post.MaxSize})
	pprof.Do(ctx, pprof.Labels("client", "search"), func(ctx context.Context) {
		err = r.measure(ctx, svc, db, append(builtin, gen...), queries, n)
	})
	return r, err
}

// measure runs the measurements on svc, over db holding ps.
func (r *searchResult) measure(ctx context.Context, svc *blogpkg.Service, db store.Store, ps []*post.Post, queries, generated int) error {
	before, err := settledMem()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := svc.IndexPosts(ctx); err != nil {
		return fmt.Errorf("building the index: %w", err)
	}
	r.Build = time.Since(start)
	after, err := settledMem()
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
func (r *searchResult) indexAlone(ps []*post.Post) error {
	before, err := settledMem()
	if err != nil {
		return err
	}
	start := time.Now()
	x := search.New()
	for _, p := range ps {
		x.Put(search.Doc{Slug: p.Slug, Rev: 1, Title: p.Title, Tags: p.Tags, Body: string(p.Body)})
	}
	r.IndexOnly = time.Since(start)
	after, err := settledMem()
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
func (r *searchResult) runQueries(ctx context.Context, svc *blogpkg.Service, n int) {
	type q struct{ kind, i int }
	var order []q
	for k, kind := range searchQueries {
		for i := range kind.queries {
			order = append(order, q{k, i})
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	lat := make([][]time.Duration, len(searchQueries))
	r.Queries = make([]kindResult, len(searchQueries))
	busy0, _ := machineBusy()
	cpu0, _ := cpuTime()
	began := time.Now()
	defer func() {
		busy1, err1 := machineBusy()
		cpu1, err2 := cpuTime()
		if err1 == nil && err2 == nil {
			r.QueryCPU = cpu1 - cpu0
			r.Others = max(busy1-busy0-r.QueryCPU, 0).Seconds() / (time.Since(began).Seconds() * float64(runtime.NumCPU()))
		}
	}()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		o := order[i%len(order)]
		kind, res := searchQueries[o.kind], &r.Queries[o.kind]
		start := time.Now()
		hits, err := svc.Search(ctx, blogpkg.Identity{}, kind.queries[o.i], 20, 80)
		d := time.Since(start)
		if err != nil {
			r.Failed.add(err)
			continue
		}
		lat[o.kind] = append(lat[o.kind], d)
		r.All = append(r.All, d)
		res.hits += len(hits)
		if (len(hits) == 0) != kind.miss {
			res.wrong++
		}
	}
	for k := range r.Queries {
		r.Queries[k].kind, r.Queries[k].latency = searchQueries[k], newDistribution(lat[k])
	}
	r.All = newDistribution(r.All)
}

// edits publishes searchEdits generated posts again with a paragraph
// added, one at a time through the service, and after each times the
// index's sync (IndexPosts, which indexes that post again); then it
// publishes another and times the first search after it, which syncs the
// index itself; then the sync with nothing changed.
func (r *searchResult) edits(ctx context.Context, svc *blogpkg.Service, db store.Store, generated int) error {
	var reindex, first, sync []time.Duration
	timed := func(into *[]time.Duration, f func() error) error {
		start := time.Now()
		err := f()
		*into = append(*into, time.Since(start))
		return err
	}
	index := func() error { return svc.IndexPosts(ctx) }
	find := func() error {
		_, err := svc.Search(ctx, blogpkg.Identity{}, "추가한 문단", 20, 80)
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
	r.Reindex, r.FirstAfter, r.Sync = newDistribution(reindex), newDistribution(first), newDistribution(sync)
	return nil
}

// editPost publishes slug again, as an author would, with a paragraph
// added.
func editPost(ctx context.Context, svc *blogpkg.Service, db store.Store, slug string, i int) error {
	e, ok := db.Entry(slug)
	if !ok {
		return fmt.Errorf("no post %s to edit", slug)
	}
	rev, err := db.Revision(ctx, e.Slug, e.Rev)
	if err != nil {
		return err
	}
	src := append(rev.Source, fmt.Sprintf("\n추가한 문단 %d: an edit for the search phase.\n", i)...)
	if _, err := svc.Publish(ctx, blogpkg.Identity{Author: authorName}, src, blogpkg.PublishOptions{Slug: e.Slug}); err != nil {
		return fmt.Errorf("publishing %s again: %w", e.Slug, err)
	}
	return nil
}

// print writes the search phase's table.
func (r searchResult) print(out io.Writer, generated int) {
	fmt.Fprintf(out, "\nsearch: %d posts (%d generated, Korean and English), through the blog's service, one query at a time\n", r.Posts, generated)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "measure\tfigure\ttarget\tmet\n")
	fmt.Fprintf(w, "index built as a server starts (read, parse, index every post)\t%v, heap +%s\t< %v\t%s\n",
		r.Build.Round(time.Millisecond), mib(r.BuildHeap), searchBuildTarget, yes(r.Build < searchBuildTarget))
	fmt.Fprintf(w, "  the index alone, posts already parsed\t%v, heap +%s (its estimate %s; %d terms, %d postings)\t\t\n",
		r.IndexOnly.Round(time.Millisecond), mib(r.IndexHeap), mib(int64(r.IndexStats.Bytes)), r.IndexStats.Terms, r.IndexStats.Postings)
	fmt.Fprintf(w, "query p50 / p99 / max (%d queries)\t%s\t p99 < %v\t%s\n", len(r.All), spread(r.All), searchP99Target, yes(r.All.quantile(0.99) < searchP99Target && r.Failed.N == 0))
	fmt.Fprintf(w, "  process CPU per query (mean); other processes meanwhile\t%s; %.0f%% of the machine\t\t\n", ms(r.QueryCPU/time.Duration(max(len(r.All), 1))), 100*r.Others)
	for _, k := range r.Queries {
		wrong := ""
		if k.wrong > 0 {
			wrong = fmt.Sprintf(", %d unexpected", k.wrong)
		}
		fmt.Fprintf(w, "  %s (%q...; %.1f hits each%s)\t%s\t\t\n", k.kind.name, k.kind.queries[0], float64(k.hits)/float64(max(len(k.latency), 1)), wrong, spread(k.latency))
	}
	fmt.Fprintf(w, "one post indexed again after a publish, p50 / max (%d)\t%s / %s\t< %v\t%s\n",
		len(r.Reindex), ms(r.Reindex.quantile(0.5)), ms(r.Reindex.quantile(1)), searchReindexTarget, yes(r.Reindex.quantile(0.5) < searchReindexTarget))
	fmt.Fprintf(w, "  the first search after a publish, p50 / max\t%s / %s\t\t\n", ms(r.FirstAfter.quantile(0.5)), ms(r.FirstAfter.quantile(1)))
	fmt.Fprintf(w, "  the index's sync with nothing changed (before every search), p50 / max\t%s / %s\t\t\n", ms(r.Sync.quantile(0.5)), ms(r.Sync.quantile(1)))
	w.Flush()
	if r.Failed.N > 0 {
		fmt.Fprintf(out, "search: %d failed; the first: %v\n", r.Failed.N, r.Failed.First)
	}
}
