package web

import (
	"context"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/store"
)

// bigPass is how many pages built make a pass worth giving memory back
// to the system after.
const bigPass = 500

// progressEvery is how often a long pass of keepWarm logs how far it got.
const progressEvery = 5 * time.Second

// keepWarm builds every page not kept (warm), now and after each change
// of the blog; at each change, first it drops the pages that show what
// changed, at once, and those are built again before the rest. It returns
// when ctx is done.
func (s *Server) keepWarm(ctx context.Context, w *blog.ReaderWatch) {
	var (
		mu      sync.Mutex
		dropped []*item
		wake    = make(chan struct{}, 1)
	)
	go w.Run(ctx, func(c blog.Change) {
		next := s.blog.Changed()
		deps, listsStand := touched(c)
		items := s.cache.drop(deps)
		if listsStand {
			s.cache.confirmLists(next)
		}
		mu.Lock()
		dropped = append(dropped, items...)
		mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	for {
		mu.Lock()
		again := dropped
		dropped = nil
		mu.Unlock()
		s.warm(ctx, again)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		}
	}
}

// touched is what a change of the blog drops: the pages that show the
// files changed (their sizes are in them), and of the posts
// changed, of their series (which show each post's place) and tags, and
// every list. A change of posts' text alone (what lists show of them is
// the same) drops only their pages, the feeds (which hold the text) and
// the sitemap (which has the time of each change); it reports that the
// other lists stand.
func touched(c blog.Change) (deps map[string]bool, listsStand bool) {
	deps, listsStand = touchedPosts(c)
	for _, f := range c.Files {
		deps[depFile(f)] = true
	}
	return deps, listsStand
}

// touchedPosts is what a change of posts drops (see touched).
func touchedPosts(c blog.Change) (deps map[string]bool, listsStand bool) {
	if len(c.Before)+len(c.After) == 0 {
		return map[string]bool{}, true
	}
	if textOnly(c) {
		deps = map[string]bool{depFeed: true, depSitemap: true}
		for _, e := range c.After {
			deps[depPost(e.Slug)] = true
			for _, t := range e.Tags {
				deps[depTagFeed(t)] = true
			}
		}
		return deps, true
	}
	deps = map[string]bool{depLists: true}
	for _, es := range [][]store.Entry{c.Before, c.After} {
		for _, e := range es {
			deps[depPost(e.Slug)] = true
			if e.Series != "" {
				deps[depSeries(e.Series)] = true
			}
			for _, t := range e.Tags {
				deps[depTag(t)] = true
			}
		}
	}
	return deps, false
}

// textOnly reports whether c changed only the text of posts readers saw
// before and see now, none of their front matter.
func textOnly(c blog.Change) bool {
	if len(c.Before) != len(c.After) {
		return false
	}
	for i, b := range c.Before {
		a := c.After[i]
		if a.Slug != b.Slug || a.Removed != b.Removed || !reflect.DeepEqual(a.Meta, b.Meta) {
			return false
		}
	}
	return true
}

// job is a page to build and keep.
type job struct {
	key   string
	base  string
	build buildFunc
}

// warm builds the pages of again (dropped by a change), then every page
// not kept: with base-url every page a crawler reaches (each post, the
// index's pages, the tags, the feeds and the sitemap); without it, the
// pages of again and every post's body, as the host of each page is not
// known before it is asked for. Pages are built by as many workers as
// there are CPUs; a long pass logs its progress.
func (s *Server) warm(ctx context.Context, again []*item) {
	defer s.warmPasses.Add(1)
	var jobs []job
	for _, it := range again {
		if it.build != nil {
			jobs = append(jobs, job{key: it.key, base: it.base, build: it.build})
		}
	}
	jobs = append(jobs, s.allPages(ctx)...)
	start := time.Now()
	var done, built int
	var mu sync.Mutex
	next := make(chan job)
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				ok := s.warmOne(ctx, j)
				mu.Lock()
				done++
				if ok {
					built++
				}
				mu.Unlock()
			}
		}()
	}
	last := start
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		if time.Since(last) >= progressEvery {
			last = time.Now()
			mu.Lock()
			s.log.Info("web: building pages", "done", done, "of", len(jobs))
			mu.Unlock()
		}
	}
	close(next)
	wg.Wait()
	if built > 0 {
		pages, bytes := s.cache.usage()
		s.log.Info("web: pages built", "built", built, "took", time.Since(start).Round(time.Millisecond), "kept", pages, "MiB", bytes>>20)
	}
	if built >= bigPass {
		// Building left about as much garbage as the pages kept: give
		// it back now rather than hold it until the collector's next
		// cycles.
		debug.FreeOSMemory()
	}
}

// warmOne builds the page of j unless it is kept already, and reports
// whether it built it.
func (s *Server) warmOne(ctx context.Context, j job) bool {
	if s.cache.has(j.key) || ctx.Err() != nil {
		return false
	}
	if j.key == "" { // a body, which bodyOf keeps
		_, err := j.build(ctx, j.base)
		return err == nil
	}
	if _, err := s.buildOnce(ctx, j.key, j.base, 0, j.build, true); err != nil {
		if ctx.Err() == nil {
			s.log.Debug("web: building a page ahead", "page", j.key, "err", err)
		}
		return false
	}
	return true
}

// allPages is every page to build ahead: see warm.
func (s *Server) allPages(ctx context.Context) []job {
	es, err := s.blog.List(ctx, anyone)
	if err != nil {
		s.log.Warn("web: listing the posts to build their pages", "err", err)
		return nil
	}
	base := s.cfg.BaseURL
	var jobs []job
	if base == "" {
		for _, e := range es {
			if !s.cache.has(bodyKey(e.Slug, e.Rev)) {
				jobs = append(jobs, job{build: s.bodyAhead(e.Slug)})
			}
		}
		return jobs
	}
	add := func(key string, build buildFunc) {
		if !s.cache.has(key) {
			jobs = append(jobs, job{key: key, base: base, build: build})
		}
	}
	for _, e := range es { // the posts first: most requests are for them
		add(postKey(e.Slug), s.postHTMLOf(e.Slug))
	}
	posts, _ := split(es)
	for n := 1; n == 1 || (n-1)*perPage < len(posts); n++ {
		add(indexKey(n), func(ctx context.Context, base string) (*page, error) { return s.indexHTML(ctx, base, n) })
	}
	add("feed", s.feedXML)
	add("sitemap", s.sitemapXML)
	add("html /tags/", s.tagsHTML)
	if tags, err := s.blog.Tags(ctx, anyone); err == nil {
		for _, t := range tags {
			add("html /tags/"+t.Name, s.tagHTMLOf(t.Name))
			add("feed "+t.Name, s.tagFeedOf(t.Name))
		}
	}
	return jobs
}

// bodyAhead converts the body of the post slug, which bodyOf keeps.
func (s *Server) bodyAhead(slug string) buildFunc {
	return func(ctx context.Context, _ string) (*page, error) {
		p, rev, err := s.blog.Post(ctx, anyone, slug)
		if err != nil {
			return nil, err
		}
		if _, _, err := s.bodyOf(rev.Slug, rev.Rev, p.Body); err != nil {
			return nil, err
		}
		return nil, nil
	}
}
