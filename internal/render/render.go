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
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Widths outside [MinWidth, MaxWidth] are rendered at the nearest bound.
const (
	MinWidth = 20
	MaxWidth = 500
)

// WidthFor is the width a post is rendered at for a window w columns wide:
// w, within MinWidth and MaxWidth. Below MinWidth the post is wider than
// the window, which scrolls sideways.
func WidthFor(w int) int { return min(max(w, MinWidth), MaxWidth) }

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
//
// Rendering is bounded: at most a few renders run at once (the number of
// CPUs unless [WithConcurrency] says otherwise), a few more wait for their
// turn, and a caller waits at most [Budget]; past that, or with too many
// waiting, it gets the post as plain text (see [MaxDepth] for what keeps
// renders small in the first place). A document that once ran past the
// budget is given as plain text at once, at every width, until its render
// has finished and is cached.
type Renderer struct {
	maxBytes int
	flight   singleflight.Group
	noLinks  bool          // leave out OSC 8 hyperlinks
	slots    chan struct{} // one per render running
	queue    chan struct{} // one per render running or waiting for a slot
	budget   time.Duration

	mu      sync.Mutex
	entries map[Key]*list.Element // values are *entry
	lru     list.List             // most recently used at the front
	bytes   int
	hits    uint64
	misses  uint64
	slow    map[string]int // IDs of documents whose render ran past the budget -> renders still running
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
func New(maxBytes int, opts ...Option) *Renderer {
	r := &Renderer{
		maxBytes: maxBytes,
		entries:  make(map[Key]*list.Element),
		slow:     make(map[string]int),
		budget:   Budget,
	}
	n := runtime.NumCPU()
	for _, o := range opts {
		o(r)
	}
	if r.slots != nil {
		n = cap(r.slots)
	}
	r.slots = make(chan struct{}, n)
	r.queue = make(chan struct{}, queueFactor*n)
	return r
}

// queueFactor is how many renders may be running or waiting per slot;
// past that a caller gets the plain text at once.
const queueFactor = 4

// Option configures a Renderer.
type Option func(*Renderer)

// WithConcurrency sets how many renders run at once; n < 1 means the
// number of CPUs.
func WithConcurrency(n int) Option {
	return func(r *Renderer) {
		if n >= 1 {
			r.slots = make(chan struct{}, n)
		}
	}
}

// WithHyperlinks says whether styled renderings keep Glamour's OSC 8
// hyperlinks, which terminals that know them make clickable (the default)
// and others ignore.
func WithHyperlinks(on bool) Option {
	return func(r *Renderer) { r.noLinks = !on }
}

// withBudget sets how long callers wait (tests shorten it).
func withBudget(d time.Duration) Option {
	return func(r *Renderer) { r.budget = d }
}

// Render is RenderContext with a context that is never done.
func (r *Renderer) Render(key Key, markdown []byte) (string, error) {
	return r.RenderContext(context.Background(), key, markdown)
}

// RenderContext returns markdown rendered for key.Width columns in
// key.Style, from the cache if it can. key.Width is first brought within
// [MinWidth, MaxWidth]; every line of the result is then at most that many
// columns wide.
//
// Before rendering, markdown passes through [termtext.Sanitize], and
// Glamour's output is checked again, so whatever the document holds, the
// only escape sequences in the result are Glamour's styling: SGR and OSC 8
// hyperlinks, and none at all for [Plain].
//
// A render that cannot be done within the budget (see [Renderer]) is
// answered with the markdown as plain text under a note, no error. When
// ctx is done first, RenderContext returns ctx's error at once.
func (r *Renderer) RenderContext(ctx context.Context, key Key, markdown []byte) (string, error) {
	key.Width = min(max(key.Width, MinWidth), MaxWidth)
	if key.Style > Light {
		return "", fmt.Errorf("render %q: unknown style %v", key.ID, key.Style)
	}
	if out, ok := r.lookup(key, true); ok {
		return out, nil
	}
	if r.isSlow(key.ID) {
		return fallback(markdown, key.Width, noteSlow), nil
	}
	rendered := false
	ch := r.flight.DoChan(flightKey(key), func() (any, error) {
		// A flight for key may have filled the cache since the lookup.
		if out, ok := r.lookup(key, false); ok {
			return out, nil
		}
		if err := r.acquire(); err != nil {
			return nil, err
		}
		defer r.release()
		rendered = true
		out, err := markdownToTerminal(markdown, key.Width, key.Style)
		if err != nil {
			return "", err
		}
		if r.noLinks {
			out = withoutHyperlinks(out)
		}
		if len(out) > MaxOutput {
			return nil, errTooLarge
		}
		r.add(key, out)
		return out, nil
	})
	timer := time.NewTimer(r.budget)
	defer timer.Stop()
	var res singleflight.Result
	select {
	case res = <-ch:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-timer.C:
		r.markSlow(key.ID, ch)
		return fallback(markdown, key.Width, noteSlow), nil
	}
	switch {
	case errors.Is(res.Err, errBusy):
		return fallback(markdown, key.Width, noteBusy), nil
	case errors.Is(res.Err, errTooLarge), errors.Is(res.Err, errTooCostly):
		return fallback(markdown, key.Width, noteLarge), nil
	case res.Err != nil:
		return "", fmt.Errorf("render %q as %v at %d columns: %w", key.ID, key.Style, key.Width, res.Err)
	}
	r.count(rendered)
	return res.Val.(string), nil
}

// Why a post is shown as plain text.
const (
	noteSlow  = "this post takes too long to render"
	noteBusy  = "the server is busy rendering other posts"
	noteLarge = "this post is too large to render"
)

var (
	errBusy     = errors.New("too many renders waiting")
	errTooLarge = errors.New("rendering too large")
)

// acquire waits for a render slot, for at most the budget; with too many
// renders waiting already, it fails at once.
func (r *Renderer) acquire() error {
	select {
	case r.queue <- struct{}{}:
	default:
		return errBusy
	}
	timer := time.NewTimer(r.budget)
	defer timer.Stop()
	select {
	case r.slots <- struct{}{}:
		return nil
	case <-timer.C:
		<-r.queue
		return errBusy
	}
}

// release gives a render slot back.
func (r *Renderer) release() {
	<-r.slots
	<-r.queue
}

// isSlow reports whether a render of the document id ran past the budget
// and has not finished.
func (r *Renderer) isSlow(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.slow[id] > 0
}

// markSlow notes that the render of the document id ran past the budget,
// until the render ch delivers.
func (r *Renderer) markSlow(id string, ch <-chan singleflight.Result) {
	r.mu.Lock()
	r.slow[id]++
	r.mu.Unlock()
	go func() {
		<-ch
		r.mu.Lock()
		if r.slow[id]--; r.slow[id] <= 0 {
			delete(r.slow, id)
		}
		r.mu.Unlock()
	}()
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
