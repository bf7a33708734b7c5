package items

import (
	"sync"
	"time"

	"charm.land/bubbles/v2/list"

	"github.com/sshblog/sshblog/internal/store"
)

// Shared is the list's items built once from a list of posts for every
// session that reads the same list: items are never changed once built, so
// sessions share them. Without it each session builds its own, which for a
// blog of 10,000 posts is megabytes a session. The zero value is empty and
// ready; it is safe for concurrent use.
type Shared struct {
	mu      sync.Mutex
	loc     *time.Location
	entries []store.Entry // the list the items were built from
	posts   []list.Item
	pages   []list.Item
	build   uint64 // counts the builds of posts and pages
}

// Split returns the list's items of entries, as [Split] makes them, and the
// number of the build they come from (from 1). When entries are the posts,
// in the same order and at the same revisions, as the last call's, it
// returns that call's items and build.
func (s *Shared) Split(entries []store.Entry, loc *time.Location) (posts, pages []list.Item, build uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.build == 0 || s.loc != loc || !sameRevisions(s.entries, entries) {
		var reuse map[string]*Item
		if s.loc == loc {
			reuse = itemsBySlug(s.posts, s.pages)
		}
		s.loc, s.entries = loc, entries
		s.posts, s.pages = SplitReusing(entries, loc, reuse)
		s.build++
	}
	return s.posts, s.pages, s.build
}

// itemsBySlug indexes the items of the last build by slug, for the next
// build to take those whose post has not changed: a publish changes one
// post, and rebuilding every item for it made garbage of the rest, and of
// memory that sessions still held the old items in, holes.
func itemsBySlug(lists ...[]list.Item) map[string]*Item {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	m := make(map[string]*Item, n)
	for _, l := range lists {
		for _, li := range l {
			if it, ok := li.(*Item); ok {
				m[it.Entry.Slug] = it
			}
		}
	}
	return m
}

// sameRevisions reports whether a and b list the same revisions of the same
// posts in the same order. A revision never changes, and an entry is made
// from its revision, so the entries are then equal.
func sameRevisions(a, b []store.Entry) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true // the store hands out one slice per list
	}
	for i := range a {
		if a[i].Slug != b[i].Slug || a[i].Rev != b[i].Rev || a[i].Removed != b[i].Removed {
			return false
		}
	}
	return true
}
