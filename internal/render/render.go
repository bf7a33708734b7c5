// Package render turns markdown into text for a terminal of a given width,
// with Glamour, and caches the result for every session to share.
//
// Output is made to be written to a terminal as is: no line is wider than
// the width asked for, as [termtext.Width] measures it, and no byte of the
// document can become a control sequence. The only escape sequences are
// Glamour's own styling.
package render

import (
	"container/list"
	"fmt"
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"
)

// Widths outside [MinWidth, MaxWidth] are rendered at the nearest bound.
const (
	MinWidth = 20
	MaxWidth = 500
)

// Style is a look for rendered markdown.
type Style uint8

// The styles.
const (
	// Plain is text without any escape sequence, for output that is not a
	// terminal: Glamour's "notty" style, with every escape removed.
	Plain Style = iota
	// Dark is Glamour's standard style for dark backgrounds.
	Dark
	// Light is Glamour's standard style for light backgrounds.
	Light
)

// String returns the style's name in lower case, or Style(n) for an
// unknown style.
func (s Style) String() string {
	switch s {
	case Plain:
		return "plain"
	case Dark:
		return "dark"
	case Light:
		return "light"
	}
	return "Style(" + strconv.Itoa(int(s)) + ")"
}

// Key identifies one rendering of one document.
type Key struct {
	// ID identifies an immutable document, such as "slug@rev": two calls
	// with the same ID must pass the same markdown.
	ID string
	// Width is the terminal width in columns.
	Width int
	// Style is the look.
	Style Style
}

// Stats are a [Renderer]'s counters.
type Stats struct {
	// Hits counts calls answered without rendering: from the cache, or by
	// sharing a render another call had in progress.
	Hits uint64
	// Misses counts renders.
	Misses uint64
	// Bytes is the size of the cache: the bytes of its outputs and IDs.
	Bytes int
	// Entries is the number of outputs in the cache.
	Entries int
}

// A Renderer renders markdown and caches the results in memory, least
// recently used out first. It is safe for concurrent use, and concurrent
// calls for the same key render once.
type Renderer struct {
	maxBytes int
	flight   singleflight.Group

	mu      sync.Mutex
	entries map[Key]*list.Element // values are *entry
	lru     list.List             // most recently used at the front
	bytes   int
	hits    uint64
	misses  uint64
}

// entry is one cached output.
type entry struct {
	key Key
	out string
}

// size is what e counts against the cache's limit.
func (e *entry) size() int {
	return len(e.out) + len(e.key.ID)
}

// New returns a Renderer whose cache holds at most maxBytes bytes of
// output. If maxBytes is not positive nothing is cached, but concurrent
// calls for one key still render once.
func New(maxBytes int) *Renderer {
	return &Renderer{
		maxBytes: maxBytes,
		entries:  make(map[Key]*list.Element),
	}
}

// Render returns markdown rendered for key.Width columns in key.Style,
// from the cache if it can. key.Width is first brought within [MinWidth,
// MaxWidth]; every line of the result is then at most that many columns
// wide.
//
// Before rendering, markdown passes through [termtext.Sanitize], and
// Glamour's output is checked again, so whatever the document holds, the
// only escape sequences in the result are Glamour's styling: SGR and OSC 8
// hyperlinks, and none at all for [Plain].
func (r *Renderer) Render(key Key, markdown []byte) (string, error) {
	key.Width = min(max(key.Width, MinWidth), MaxWidth)
	if key.Style > Light {
		return "", fmt.Errorf("render %q: unknown style %v", key.ID, key.Style)
	}
	if out, ok := r.lookup(key, true); ok {
		return out, nil
	}
	rendered := false
	v, err, _ := r.flight.Do(flightKey(key), func() (any, error) {
		// A flight for key may have filled the cache since the lookup.
		if out, ok := r.lookup(key, false); ok {
			return out, nil
		}
		rendered = true
		out, err := markdownToTerminal(markdown, key.Width, key.Style)
		if err != nil {
			return "", err
		}
		r.add(key, out)
		return out, nil
	})
	if rendered || err == nil {
		r.count(rendered)
	}
	if err != nil {
		return "", fmt.Errorf("render %q as %v at %d columns: %w", key.ID, key.Style, key.Width, err)
	}
	return v.(string), nil
}

// Cached returns what [Renderer.Render] would return for key if it is in
// the cache, without rendering anything: a caller can then skip going
// through a goroutine to wait for it.
func (r *Renderer) Cached(key Key) (string, bool) {
	key.Width = min(max(key.Width, MinWidth), MaxWidth)
	return r.lookup(key, true)
}

// Stats returns r's counters.
func (r *Renderer) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Stats{Hits: r.hits, Misses: r.misses, Bytes: r.bytes, Entries: len(r.entries)}
}

// flightKey returns the singleflight key for key. Width and style are
// numbers, so the ID, last, cannot make two keys collide.
func flightKey(key Key) string {
	return strconv.Itoa(key.Width) + "/" + strconv.Itoa(int(key.Style)) + "/" + key.ID
}

// count counts a miss if rendered, else a hit.
func (r *Renderer) count(rendered bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rendered {
		r.misses++
	} else {
		r.hits++
	}
}

// lookup returns the cached output for key and marks it recently used.
// If hit is set and there is one, it also counts a hit.
func (r *Renderer) lookup(key Key, hit bool) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	el, ok := r.entries[key]
	if !ok {
		return "", false
	}
	if hit {
		r.hits++
	}
	r.lru.MoveToFront(el)
	return el.Value.(*entry).out, true
}

// add caches out for key, evicting the least recently used outputs to
// make room. An output bigger than the whole cache is not cached.
func (r *Renderer) add(key Key, out string) {
	e := &entry{key: key, out: out}
	if r.maxBytes <= 0 || e.size() > r.maxBytes {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if el, ok := r.entries[key]; ok {
		r.remove(el)
	}
	for r.bytes+e.size() > r.maxBytes && r.lru.Len() > 0 {
		r.remove(r.lru.Back())
	}
	r.entries[key] = r.lru.PushFront(e)
	r.bytes += e.size()
}

// remove drops el from the cache. r.mu must be held.
func (r *Renderer) remove(el *list.Element) {
	e := r.lru.Remove(el).(*entry)
	delete(r.entries, e.key)
	r.bytes -= e.size()
}
