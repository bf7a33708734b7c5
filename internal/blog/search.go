package blog

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/sshblog/sshblog/internal/search"
	"github.com/sshblog/sshblog/internal/store"
)

// finder keeps the search index in step with the store.
type finder struct {
	mu    sync.Mutex // one sync at a time; guards what follows
	index *search.Index

	// The posts by slug as of the last sync, and the store's change
	// channel taken before it: while that is open, nothing was written
	// since, and a search needs no sync. The map is never changed.
	entries map[string]store.Entry
	changed <-chan struct{}
}

// SearchHit is a post that matches a search, with where it matched.
type SearchHit struct {
	store.Entry
	search.Hit
}

// Search returns the posts id may see that match query, best first, at
// most limit of them (0: 20), with a snippet of at most width columns (0:
// 80) around the first match. Drafts and scheduled posts are found for
// authors only, as everywhere.
func (b *Service) Search(ctx context.Context, id Identity, query string, limit, width int) ([]SearchHit, error) {
	entries, err := b.syncIndex(ctx)
	if err != nil {
		return nil, err
	}
	hits := b.find.index.Search(query, search.Options{
		Limit:        limit,
		SnippetWidth: width,
		Visible: func(slug string) bool {
			e, ok := entries[slug]
			return ok && b.CanSee(id, e)
		},
	})
	out := make([]SearchHit, 0, len(hits))
	for _, h := range hits {
		out = append(out, SearchHit{Entry: entries[h.Slug], Hit: h})
	}
	return out, nil
}

// IndexPosts brings the search index up to date now, rather than at the
// first search: a server calls it as it starts.
func (b *Service) IndexPosts(ctx context.Context) error {
	_, err := b.syncIndex(ctx)
	return err
}

// syncIndex brings the index in step with the store's current posts: a
// post whose revision changed is indexed again, one removed or renamed
// away is dropped. It runs before every search, and costs nothing when no
// write was committed since the last (an unchanged post costs a map lookup
// otherwise); it returns the posts by slug, a map nobody may change.
func (b *Service) syncIndex(ctx context.Context) (map[string]store.Entry, error) {
	b.find.mu.Lock()
	defer b.find.mu.Unlock()
	if b.find.changed != nil {
		select {
		case <-b.find.changed:
		default:
			return b.find.entries, nil
		}
	}
	changed := b.st.Changed() // before reading: a write after this closes it
	all := b.st.AllEntries()
	entries := make(map[string]store.Entry, len(all))
	var stale []store.Entry
	for _, e := range all {
		if e.Removed {
			continue
		}
		entries[e.Slug] = e
		if rev, ok := b.find.index.Rev(e.Slug); !ok || rev != e.Rev {
			stale = append(stale, e)
		}
	}
	docs, err := b.searchDocs(ctx, stale)
	if err != nil {
		return nil, err
	}
	b.find.index.PutMany(docs)
	for _, slug := range b.find.index.Slugs() {
		if _, ok := entries[slug]; !ok {
			b.find.index.Delete(slug)
		}
	}
	b.find.entries, b.find.changed = entries, changed
	return entries, nil
}

// searchDocs reads and parses the posts of entries for the index, on every
// CPU at once.
func (b *Service) searchDocs(ctx context.Context, entries []store.Entry) ([]search.Doc, error) {
	docs := make([]search.Doc, len(entries))
	var next atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	for range min(runtime.GOMAXPROCS(0), len(entries)) {
		g.Go(func() error {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(entries) || ctx.Err() != nil {
					return ctx.Err()
				}
				e := entries[i]
				r, err := b.st.Revision(ctx, e.Slug, e.Rev)
				if err != nil {
					return fmt.Errorf("indexing %s: %w", e.Slug, err)
				}
				p, err := b.parseStored(r.Source, e.Slug)
				if err != nil { // stored posts parse; index the source if one does not
					docs[i] = search.Doc{Slug: e.Slug, Rev: e.Rev, Title: e.Title, Tags: e.Tags, Body: string(r.Source)}
					continue
				}
				docs[i] = search.Doc{Slug: e.Slug, Rev: e.Rev, Title: p.Title, Tags: p.Tags, Body: string(p.Body)}
			}
		})
	}
	return docs, g.Wait()
}
