package etcdstore

import (
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sshblog/sshblog/internal/store"
)

// snapshot is an immutable view of the blog's posts and aliases.
type snapshot struct {
	items   map[string]item
	aliases map[string]string
	all     []store.Entry // every post, removed ones included, newest first
	live    []store.Entry // the posts not removed

	public atomic.Pointer[publicList] // the public posts, for a while
}

// publicList is the posts readers see from a time on, until the next
// scheduled post comes due (zero: none).
type publicList struct {
	entries     []store.Entry
	from, until time.Time
}

func newSnapshot(items map[string]item, aliases map[string]string) *snapshot {
	s := &snapshot{items: items, aliases: aliases, all: make([]store.Entry, 0, len(items))}
	for _, it := range items {
		s.all = append(s.all, it.Entry)
	}
	slices.SortFunc(s.all, func(a, b store.Entry) int {
		if c := sortTime(b).Compare(sortTime(a)); c != 0 {
			return c
		}
		return strings.Compare(a.Slug, b.Slug)
	})
	s.live = make([]store.Entry, 0, len(s.all))
	for _, e := range s.all {
		if !e.Removed {
			s.live = append(s.live, e)
		}
	}
	s.live = slices.Clip(s.live)
	return s
}

// sortTime is the time a post is listed under: its date, else when its
// current revision was written.
func sortTime(e store.Entry) time.Time {
	if !e.Date.IsZero() {
		return e.Date
	}
	return e.Updated
}

// resolve follows aliases from slug to the post's current slug.
func (s *snapshot) resolve(slug string) string { return store.ResolveAlias(s.aliases, slug) }

// lookup returns the post named slug, following aliases.
func (s *snapshot) lookup(slug string) (item, bool) {
	it, ok := s.items[s.resolve(slug)]
	return it, ok
}

// publicAt returns the posts public at now, and when the next scheduled one
// comes due. The list is made once and kept until then.
func (s *snapshot) publicAt(now time.Time) ([]store.Entry, time.Time) {
	if l := s.public.Load(); l != nil && !now.Before(l.from) && (l.until.IsZero() || now.Before(l.until)) {
		return l.entries, l.until
	}
	l := &publicList{from: now}
	l.entries, l.until = store.PublicAt(s.all, now)
	s.public.Store(l)
	return l.entries, l.until
}
