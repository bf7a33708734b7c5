package blog

import (
	"context"
	"slices"
	"strings"

	"github.com/sshblog/sshblog/internal/store"
)

// Change is what one or more changes of the blog did to what readers see.
type Change struct {
	// Before and After are the posts that changed for readers (edited,
	// renamed, removed, published, come due), as readers saw them before
	// and see them now: a post new to readers is in After alone, one they
	// no longer see in Before alone. Each is sorted by slug.
	Before, After []store.Entry
	// Files are the paths of the files stored, changed or removed, sorted.
	Files []string
}

// Slugs returns the slugs of the posts that changed, each once, sorted.
func (c Change) Slugs() []string {
	var out []string
	for _, e := range c.Before {
		out = append(out, e.Slug)
	}
	for _, e := range c.After {
		out = append(out, e.Slug)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ReaderWatch follows what changes for readers (an [Identity] with no
// key): see [Service.WatchReaders].
type ReaderWatch struct {
	b     *Service
	seen  map[string]store.Entry
	files map[string]store.FileEntry
}

// WatchReaders notes the posts readers see now and returns the watch of
// what changes for them from here on; its Run reports each change.
func (b *Service) WatchReaders(ctx context.Context) *ReaderWatch {
	return &ReaderWatch{b: b, seen: b.readerEntries(ctx), files: b.fileEntries()}
}

// Run calls fn with what changed for readers since WatchReaders, or since
// the last call, after every change of the blog that readers can see and
// whenever a scheduled post comes due, until ctx is done; a change readers
// cannot see (a draft, a proposal) calls nothing. It is [Service.Watch]
// with the posts that changed, for front ends that keep what they made of
// each post. fn must not block for long. Run returns when ctx is done.
func (w *ReaderWatch) Run(ctx context.Context, fn func(Change)) {
	w.b.Watch(ctx, func() {
		now := w.b.readerEntries(ctx)
		if now == nil { // not listed: the next change tries again
			return
		}
		files := w.b.fileEntries()
		c := changed(w.seen, now)
		c.Files = changedFiles(w.files, files)
		if len(c.Before)+len(c.After)+len(c.Files) > 0 {
			fn(c)
		}
		w.seen, w.files = now, files
	})
}

// readerEntries is the posts a reader sees, by slug.
func (b *Service) readerEntries(ctx context.Context) map[string]store.Entry {
	es, err := b.List(ctx, Identity{})
	if err != nil {
		b.log.Warn("listing the posts for the change feed", "err", err)
		return nil
	}
	out := make(map[string]store.Entry, len(es))
	for _, e := range es {
		out[e.Slug] = e
	}
	return out
}

// fileEntries is the files' entries, by path.
func (b *Service) fileEntries() map[string]store.FileEntry {
	all := b.st.Files()
	out := make(map[string]store.FileEntry, len(all))
	for _, e := range all {
		out[e.Path] = e
	}
	return out
}

// changedFiles is the paths whose file differs between two views, sorted.
func changedFiles(before, after map[string]store.FileEntry) []string {
	var out []string
	for p, e := range after {
		if old, ok := before[p]; !ok || old.Rev != e.Rev {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// changed is what differs between two views of the posts.
func changed(before, after map[string]store.Entry) Change {
	var c Change
	for slug, old := range before {
		if e, ok := after[slug]; !ok || e.Rev != old.Rev || !e.Updated.Equal(old.Updated) {
			c.Before = append(c.Before, old)
		}
	}
	for slug, e := range after {
		if old, ok := before[slug]; !ok || e.Rev != old.Rev || !e.Updated.Equal(old.Updated) {
			c.After = append(c.After, e)
		}
	}
	bySlug := func(x, y store.Entry) int { return strings.Compare(x.Slug, y.Slug) }
	slices.SortFunc(c.Before, bySlug)
	slices.SortFunc(c.After, bySlug)
	return c
}
