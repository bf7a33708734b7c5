package termimage

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/singleflight"
)

// Renderer turns image files into pictures for terminals, within its
// limits, and caches them. Sessions share one; it is safe for concurrent
// use.
type Renderer struct {
	limits Limits
	sem    chan struct{} // one slot per decode running
	cache  *cache
	flight singleflight.Group // sessions asking for the same picture at once share one decode
}

// DefaultCacheBytes is a good cache size for a server: 32 MiB.
const DefaultCacheBytes = 32 << 20

// NewRenderer returns a Renderer with limits (zero fields: defaults) and
// a cache of at most cacheBytes bytes.
func NewRenderer(limits Limits, cacheBytes int) *Renderer {
	l := limits.withDefaults()
	return &Renderer{limits: l, sem: make(chan struct{}, l.Concurrency), cache: newCache(cacheBytes)}
}

// Limits returns the limits r decodes within.
func (r *Renderer) Limits() Limits { return r.limits }

// Cached returns the picture of file key for req if the cache has it (or
// the error drawing it gave).
func (r *Renderer) Cached(key string, req Request) (*Picture, error, bool) {
	if req, ok := req.normal(); ok {
		return r.cache.get(CacheKey{File: key, Req: req})
	}
	return nil, errEmptyTarget, true
}

// CacheSize returns the bytes and the pictures the cache holds.
func (r *Renderer) CacheSize() (bytes, pictures int) { return r.cache.size() }

// normal brings a request within what protocols can draw.
func (q Request) normal() (Request, bool) {
	if q.Cols < 1 || q.MaxRows < 1 {
		return q, false
	}
	q.Cols = min(q.Cols, MaxPlaceholder)
	q.MaxRows = min(q.MaxRows, MaxPlaceholder)
	return q, true
}

// Picture returns the image file data, whose content key is key, drawn
// for req: from the cache, or decoded, scaled and encoded within the
// limits. A file that cannot be drawn gives an error (cached too, so that
// a hostile file costs its decode once).
func (r *Renderer) Picture(ctx context.Context, key string, data []byte, req Request) (*Picture, error) {
	req, ok := req.normal()
	if !ok {
		return nil, errEmptyTarget
	}
	ck := CacheKey{File: key, Req: req}
	if pic, err, ok := r.cache.get(ck); ok {
		return pic, err
	}
	flightKey := fmt.Sprintf("%q %d %d %d", key, req.Cols, req.MaxRows, req.Protocol)
	v, err, _ := r.flight.Do(flightKey, func() (any, error) {
		pic, err := r.Draw(ctx, data, req)
		if err != nil && (errors.Is(err, ErrBusy) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			return nil, err // not the file's fault: try again next time
		}
		r.cache.put(ck, pic, err)
		return pic, err
	})
	pic, _ := v.(*Picture)
	return pic, err
}

// Draw decodes, scales and encodes data for req, within r's limits, with
// no cache.
func (r *Renderer) Draw(ctx context.Context, data []byte, req Request) (*Picture, error) {
	req, ok := req.normal()
	if !ok {
		return nil, errEmptyTarget
	}
	return run(ctx, r.sem, r.limits.Timeout, func() (*Picture, error) {
		src, err := r.limits.open(data)
		if err != nil {
			return nil, err
		}
		pw, ph, cols, rows := req.fit(src.size)
		img, err := src.draw(pw, ph)
		if err != nil {
			return nil, fmt.Errorf("drawing at %dx%d: %w", pw, ph, err)
		}
		return encode(img, req.Protocol, cols, rows)
	})
}
