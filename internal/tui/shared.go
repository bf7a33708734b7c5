package tui

import (
	"sync"
	"time"

	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/store"
)

// Shared is what the sessions of one server share: the list's items, built
// once from a list of posts for every session that reads the same list, the
// help lines drawn at the foot of the screen, and the first frame of
// sessions that open alike. Without it each session
// builds its own, which for a blog of 10,000 posts is megabytes a session.
// Make one with [NewShared] and give it to every session in [Options]; it is
// safe for concurrent use. A nil *Shared shares nothing.
type Shared struct {
	mu      sync.Mutex
	loc     *time.Location
	entries []store.Entry // the list the items were built from
	posts   []list.Item   // never changed once built: sessions share them
	pages   []list.Item
	build   uint64 // counts the builds of posts and pages

	helpMu sync.Mutex
	help   map[string]string // drawn help by what it shows: see helpLine

	viewMu sync.Mutex
	views  map[firstViewKey]tea.View // sessions' first frames: see firstView
}

// NewShared returns an empty Shared.
func NewShared() *Shared { return &Shared{} }

// items returns the list's items of entries, as splitKinds does, and the
// number of the build they come from. When entries are the posts, in the
// same order and at the same revisions, as the last call's, it returns that
// call's items and build.
func (s *Shared) items(entries []store.Entry, loc *time.Location) (posts, pages []list.Item, build uint64) {
	if s == nil {
		posts, pages = splitKinds(entries, loc)
		return posts, pages, 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.build == 0 || s.loc != loc || !sameRevisions(s.entries, entries) {
		var reuse map[string]*item
		if s.loc == loc {
			reuse = itemsBySlug(s.posts, s.pages)
		}
		s.loc, s.entries = loc, entries
		s.posts, s.pages = splitKindsReusing(entries, loc, reuse)
		s.build++
	}
	return s.posts, s.pages, s.build
}

// itemsBySlug indexes the items of the last build by slug, for the next
// build to take those whose post has not changed: a publish changes one
// post, and rebuilding every item for it made garbage of the rest, and of
// memory that sessions still held the old items in, holes.
func itemsBySlug(lists ...[]list.Item) map[string]*item {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	m := make(map[string]*item, n)
	for _, l := range lists {
		for _, li := range l {
			if it, ok := li.(*item); ok {
				m[it.entry.Slug] = it
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

// helpCacheSize bounds the help lines a Shared keeps: a handful of key sets
// at the widths readers' windows have. When it is full it starts again.
const helpCacheSize = 256

// helpLine returns draw's help for key, drawn once for all the sessions
// that show the same keys at the same width in the same colours.
func (s *Shared) helpLine(key string, draw func() string) string {
	if s == nil {
		return draw()
	}
	s.helpMu.Lock()
	v, ok := s.help[key]
	s.helpMu.Unlock()
	if ok {
		return v
	}
	v = draw()
	s.helpMu.Lock()
	if s.help == nil || len(s.help) >= helpCacheSize {
		s.help = make(map[string]string)
	}
	s.help[key] = v
	s.helpMu.Unlock()
	return v
}

// firstViewKey is what a session's first frame depends on when the session
// is as New left it, on the list: the build of the list's items, the size,
// whether the reader may edit, and the blog's title.
type firstViewKey struct {
	build         uint64
	width, height int
	author        bool
	title         string
}

// firstViewCacheSize bounds the first frames a Shared keeps: the list at
// the sizes readers' windows have, for readers and authors. When it is full
// it starts again.
const firstViewCacheSize = 32

// firstView returns draw's frame for key, drawn once for all the sessions
// that open on the same list, at the same size, alike.
func (s *Shared) firstView(key firstViewKey, draw func() tea.View) tea.View {
	if s == nil || key.build == 0 {
		return draw()
	}
	s.viewMu.Lock()
	v, ok := s.views[key]
	s.viewMu.Unlock()
	if ok {
		return v
	}
	v = draw()
	s.viewMu.Lock()
	if s.views == nil || len(s.views) >= firstViewCacheSize {
		s.views = make(map[firstViewKey]tea.View)
	}
	s.views[key] = v
	s.viewMu.Unlock()
	return v
}
