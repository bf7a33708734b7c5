package store

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Snapshot is an immutable view of a store's current posts and aliases.
// Both stores serve lists and lookups from one, without reading their
// database, and replace it after each write they see.
type Snapshot struct {
	all     []Entry           // every post, removed ones included, newest first
	index   map[string]int    // where each slug is in all
	aliases map[string]string // old slug -> new slug

	// The lists List and Public().List return, made on first use and
	// shared by every caller: a session that starts does not copy the blog.
	live   func() []Entry             // the posts not removed
	public atomic.Pointer[publicList] // the public posts, for a while
}

// publicList is the posts readers see from a time on, until the next
// scheduled post comes due.
type publicList struct {
	entries     []Entry
	from, until time.Time // until is zero when nothing is scheduled
}

// NewSnapshot returns a snapshot of entries, one a post, which it sorts
// newest first, and of aliases (old slug -> new slug). The snapshot keeps
// both: the caller must not change them afterwards.
func NewSnapshot(entries []Entry, aliases map[string]string) *Snapshot {
	SortEntries(entries)
	return newSnapshot(entries, aliases)
}

// newSnapshot returns a snapshot of entries already sorted.
func newSnapshot(all []Entry, aliases map[string]string) *Snapshot {
	s := &Snapshot{all: all, aliases: aliases, index: make(map[string]int, len(all))}
	for i, e := range all {
		s.index[e.Slug] = i
	}
	s.live = sync.OnceValue(func() []Entry {
		out := make([]Entry, 0, len(s.all))
		for _, e := range s.all {
			if !e.Removed {
				out = append(out, e)
			}
		}
		return slices.Clip(out)
	})
	return s
}

// With returns a snapshot in which e is the current entry of its post and
// no alias bears its name (a post shadows an alias of its name). It
// returns s itself when s holds a later revision of the post: a later
// write got there first.
func (s *Snapshot) With(e Entry) *Snapshot {
	if i, ok := s.index[e.Slug]; ok && s.all[i].Rev > e.Rev {
		return s
	}
	aliases := s.aliases
	if _, ok := aliases[e.Slug]; ok {
		aliases = maps.Clone(aliases)
		delete(aliases, e.Slug)
	}
	all := make([]Entry, 0, len(s.all)+1)
	for _, x := range s.all {
		if x.Slug != e.Slug {
			all = append(all, x)
		}
	}
	i, _ := slices.BinarySearchFunc(all, e, compareEntries)
	return newSnapshot(slices.Insert(all, i, e), aliases)
}

// All returns every post, removed ones included, newest first. The slice
// is shared: callers must not modify it.
func (s *Snapshot) All() []Entry { return s.all }

// Live returns the posts not removed, newest first. The slice is shared:
// callers must not modify it.
func (s *Snapshot) Live() []Entry { return s.live() }

// Len reports how many posts the snapshot holds, removed ones included.
func (s *Snapshot) Len() int { return len(s.all) }

// Resolve follows aliases from slug to the slug of the post it leads to.
func (s *Snapshot) Resolve(slug string) string { return ResolveAlias(s.aliases, slug) }

// Entry returns the current entry of the post named slug, following
// aliases; removed posts too, with Removed set.
func (s *Snapshot) Entry(slug string) (Entry, bool) {
	i, ok := s.index[s.Resolve(slug)]
	if !ok {
		return Entry{}, false
	}
	return s.all[i], true
}

// Aliases returns every alias and the slug it leads to, sorted by alias.
func (s *Snapshot) Aliases() [][2]string {
	out := make([][2]string, 0, len(s.aliases))
	for k, v := range s.aliases {
		out = append(out, [2]string{k, v})
	}
	slices.SortFunc(out, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	return out
}

// Public returns the posts public at time now, newest first, and when the
// next scheduled one comes due (zero when none is). The list is made once
// and kept until then; it is shared: callers must not modify it.
func (s *Snapshot) Public(now time.Time) ([]Entry, time.Time) {
	if l := s.public.Load(); l != nil && !now.Before(l.from) && (l.until.IsZero() || now.Before(l.until)) {
		return l.entries, l.until
	}
	l := &publicList{from: now}
	l.entries, l.until = publicAt(s.all, now)
	s.public.Store(l)
	return l.entries, l.until
}
