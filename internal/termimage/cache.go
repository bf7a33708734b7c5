package termimage

import (
	"container/list"
	"sync"
)

// CacheKey names an encoded picture: the file's content key, the box and
// the protocol.
type CacheKey struct {
	File string
	Req  Request
}

// cache keeps encoded pictures, and the errors of files that cannot be
// drawn, least recently used first out, within a budget of bytes. It is
// safe for concurrent use.
type cache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	order    *list.List // of *cacheEntry, most recent first
	entries  map[CacheKey]*list.Element
}

// cacheEntry is one picture, or why there is none.
type cacheEntry struct {
	key CacheKey
	pic *Picture
	err error
	n   int // its size in bytes
}

// newCache returns an empty cache of at most maxBytes bytes; 0 or less
// keeps nothing.
func newCache(maxBytes int) *cache {
	return &cache{maxBytes: maxBytes, order: list.New(), entries: map[CacheKey]*list.Element{}}
}

// get returns the picture (or error) cached for k.
func (c *cache) get(k CacheKey) (*Picture, error, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil, nil, false
	}
	c.order.MoveToFront(e)
	ce := e.Value.(*cacheEntry)
	return ce.pic, ce.err, true
}

// put keeps pic (or err) for k, letting the least recently used go to stay
// within the budget. A picture larger than half the budget is not kept.
func (c *cache) put(k CacheKey, pic *Picture, err error) {
	n := len(k.File) + 128
	if pic != nil {
		n += pic.size()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > c.maxBytes/2 {
		return
	}
	if e, ok := c.entries[k]; ok {
		c.bytes -= e.Value.(*cacheEntry).n
		c.order.Remove(e)
		delete(c.entries, k)
	}
	c.entries[k] = c.order.PushFront(&cacheEntry{key: k, pic: pic, err: err, n: n})
	c.bytes += n
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		ce := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.entries, ce.key)
		c.bytes -= ce.n
	}
}

// size returns the bytes and entries the cache holds.
func (c *cache) size() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes, len(c.entries)
}
