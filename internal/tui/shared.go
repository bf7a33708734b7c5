package tui

import (
	"sync"
	"time"

	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/tui/items"
)

// Shared is what the sessions of one server share: the list's items (see
// [items.Shared]), the help lines drawn at the foot of the screen, and the
// first frame of sessions that open alike. Make one with [NewShared] and give it to every session in [Options]; it is
// safe for concurrent use. A nil *Shared shares nothing.
type Shared struct {
	list  items.Shared                      // the list's items
	help  drawnOnce[string, string]         // drawn help by what it shows: see helpLine
	views drawnOnce[firstViewKey, tea.View] // sessions' first frames: see firstView
}

// drawnOnce keeps what was drawn, by what it depends on, for every session
// that needs the same. When it holds max things it starts again. It is safe
// for concurrent use.
type drawnOnce[K comparable, V any] struct {
	mu  sync.Mutex
	max int
	m   map[K]V
}

// get returns what draw draws for key, drawing it only if it is not kept.
func (c *drawnOnce[K, V]) get(key K, draw func() V) V {
	c.mu.Lock()
	v, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = draw()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[K]V)
	}
	c.m[key] = v
	return v
}

// len returns how many things c keeps.
func (c *drawnOnce[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// NewShared returns an empty Shared.
func NewShared() *Shared {
	s := &Shared{}
	s.help.max, s.views.max = helpCacheSize, firstViewCacheSize
	return s
}

// items returns the list's items of entries and the number of the build
// they come from (0: not shared): see [items.Shared].
func (s *Shared) items(entries []store.Entry, loc *time.Location) (posts, pages []list.Item, build uint64) {
	if s == nil {
		posts, pages = items.Split(entries, loc)
		return posts, pages, 0
	}
	return s.list.Split(entries, loc)
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
	return s.help.get(key, draw)
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
	return s.views.get(key, draw)
}
