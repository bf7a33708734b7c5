package web

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/s2"
)

// DefaultCacheBytes is the default bound of the pages kept (Config.CacheBytes).
const DefaultCacheBytes = 256 << 20

// buildFunc builds a page for the blog at base (its absolute address, no
// trailing slash). It takes no request, so that a page can be built again
// in the background when the blog changes.
type buildFunc func(ctx context.Context, base string) (*page, error)

// page is one response as kept: built once per change of what it shows,
// compressed once. A page kept holds its body twice compressed, never as
// it is: gzipped, for the clients that take gzip (nearly all), and in S2
// (github.com/klauspost/compress/s2), which unpacks some ten times faster
// than gzip, for the rest. Both together take less than the body: a third
// of it for pages of highlighted code, four fifths for plain prose. A page
// built for one request and not kept is sent as it is: gzipping it would
// cost about as much as building it.
type page struct {
	status   int
	ctype    string
	body     []byte // as it is; nil once kept
	gz       []byte // body gzipped; nil until kept
	s2       []byte // body in S2; nil until kept
	etag     string
	modified time.Time // zero when unknown
	lastMod  string    // modified as Last-Modified says it; "" when unknown
	rev      uint64    // the revision of the post it shows; 0: not one post's
	// since is closed at the first change of the blog after the page
	// began to be built, or after the change feed last found that it
	// still shows what it did; a list (lists) may be out of date from then
	// on (see fresh).
	since atomic.Pointer[<-chan struct{}]
	lists bool
	// deps is what the page shows besides itself: depPost, depSeries,
	// depTag, depTagFeed, depLists, depFeed, depSitemap; a change of any
	// drops the page.
	deps []string
}

// What pages show, which a change of the blog drops them for.
const (
	depLists   = "lists"   // what lists posts: the index, /tags/, the feed, the sitemap
	depFeed    = "feed"    // the feed, which holds the newest posts whole
	depSitemap = "sitemap" // the sitemap, which has each post's time of change
)

func depPost(slug string) string   { return "post " + slug }
func depFile(path string) string   { return "file " + path }
func depTag(tag string) string     { return "tag " + strings.ToLower(tag) }
func depTagFeed(tag string) string { return "tag feed " + strings.ToLower(tag) }
func isListDep(dep string) bool    { return dep == depLists || strings.HasPrefix(dep, "tag ") }

// depSeries is what shows a post's place in a series; none for no series.
func depSeries(name string) string {
	if name == "" {
		return ""
	}
	return "series " + strings.ToLower(name)
}

// newPage makes a page of body.
func newPage(status int, ctype string, body []byte, modified time.Time) *page {
	sum := sha256.Sum256(body)
	p := &page{status: status, ctype: ctype, body: body, modified: modified,
		etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
	if !modified.IsZero() {
		p.lastMod = modified.UTC().Format(http.TimeFormat)
	}
	return p
}

// of notes that p shows revision rev of its post.
func (p *page) of(rev uint64) *page {
	p.rev = rev
	return p
}

// on notes what p shows, for dropping it when that changes.
func (p *page) on(deps ...string) *page {
	for _, d := range deps {
		if d != "" {
			p.deps = append(p.deps, d)
		}
		p.lists = p.lists || isListDep(d)
	}
	return p
}

// fresh reports whether p shows revision rev of its post (any page shows
// revision 0) and, for a list, whether the blog has not changed since it
// began to be built.
func (p *page) fresh(rev uint64) bool {
	if rev != 0 && p.rev != rev {
		return false
	}
	if since := p.since.Load(); p.lists && since != nil {
		select {
		case <-*since:
			return false
		default:
		}
	}
	return true
}

// compress makes the page's compressed copies and drops its body, once,
// before it is kept.
func (p *page) compress() {
	if p.body == nil {
		return
	}
	p.gz, p.s2 = gzipBytes(p.body), s2Bytes(p.body)
	p.body = nil
}

// gzipBytes returns b gzipped.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression) // the level is valid
	zw.Write(b)
	zw.Close()
	return bytes.Clone(buf.Bytes()) // no spare capacity kept
}

// s2Bytes returns b in S2.
func s2Bytes(b []byte) []byte { return bytes.Clone(s2.Encode(nil, b)) }

// unpack returns the page's body; buf, if large enough, holds it.
func (p *page) unpack(buf []byte) ([]byte, error) {
	if p.s2 == nil {
		return p.body, nil
	}
	b, err := s2.Decode(buf, p.s2)
	if err != nil {
		return nil, fmt.Errorf("unpacking a kept page: %w", err)
	}
	return b, nil
}

// size is what the page counts against the cache's bound: its copies and
// about what keeping it costs besides.
func (p *page) size() int { return len(p.body) + len(p.gz) + len(p.s2) + 256 }

// cache keeps pages, up to a bound in bytes, dropping the least recently
// used to make room, and those a change of the blog touches.
type cache struct {
	max   int
	mu    sync.Mutex
	items map[string]*list.Element // of *item
	lru   list.List                // most recently used first
	bytes int
	gen   uint64 // counts drops: a page built before one may be stale
}

// item is a kept page, and how to build it again.
type item struct {
	key   string
	p     *page
	base  string
	build buildFunc // nil: not built again in the background
}

func newCache(max int) *cache { return &cache{max: max, items: map[string]*list.Element{}} }

// get returns the page kept under key.
func (c *cache) get(key string) (*page, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*item).p, true
}

// has reports whether a page is kept under key, without using it.
func (c *cache) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.items[key]
	return ok
}

// generation returns the count of drops so far, for put.
func (c *cache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps it.p under it.key, unless something was dropped since gen
// (the page may show what changed) or the page is larger than the whole
// bound; the least recently used pages make room. It reports whether it
// kept the page.
func (c *cache) put(it *item, gen uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	size := it.p.size()
	if gen != c.gen || size > c.max {
		return false
	}
	if el, ok := c.items[it.key]; ok {
		c.remove(el)
	}
	for c.bytes+size > c.max {
		c.remove(c.lru.Back())
	}
	c.items[it.key] = c.lru.PushFront(it)
	c.bytes += size
	return true
}

// remove drops el; the lock is held.
func (c *cache) remove(el *list.Element) {
	it := c.lru.Remove(el).(*item)
	delete(c.items, it.key)
	c.bytes -= it.p.size()
}

// drop drops every page that shows any of deps and returns them, most
// recently used first.
func (c *cache) drop(deps map[string]bool) []*item {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	var out []*item
	for el := c.lru.Front(); el != nil; {
		next := el.Next()
		it := el.Value.(*item)
		for _, d := range it.p.deps {
			if deps[d] {
				c.remove(el)
				out = append(out, it)
				break
			}
		}
		el = next
	}
	return out
}

// confirmLists notes that the lists kept show what they did before the
// change that closed their since channel: since is now next.
func (c *cache) confirmLists(next <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for el := c.lru.Front(); el != nil; el = el.Next() {
		if p := el.Value.(*item).p; p.lists {
			p.since.Store(&next)
		}
	}
}

// clear drops every page.
func (c *cache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.items = map[string]*list.Element{}
	c.lru.Init()
	c.bytes = 0
}

// usage returns the pages kept and the bytes they count.
func (c *cache) usage() (pages, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.bytes
}

// write sends p, answering 304 to a request that has it already, the
// gzipped copy to clients that take gzip and the S2 copy unpacked (in a
// buffer from bufs) to the rest.
func (p *page) write(w http.ResponseWriter, r *http.Request, bufs *sync.Pool) {
	h := w.Header()
	h.Set("Content-Type", p.ctype)
	h.Set("Cache-Control", "no-cache") // revalidate: a change shows at once
	h.Add("Vary", "Accept, Accept-Encoding, User-Agent")
	if p.status == http.StatusOK {
		h.Set("ETag", p.etag)
		if p.lastMod != "" {
			h.Set("Last-Modified", p.lastMod)
		}
		if notModified(r, p) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := p.body
	switch {
	case p.gz != nil && acceptsGzip(r):
		body = p.gz
		h.Set("Content-Encoding", "gzip")
	case p.s2 != nil:
		buf, _ := bufs.Get().(*[]byte)
		if buf == nil {
			buf = new([]byte)
		}
		defer bufs.Put(buf)
		var err error
		if body, err = p.unpack(*buf); err != nil {
			http.Error(w, "the blog could not answer; try again later", http.StatusInternalServerError)
			return
		}
		*buf = body[:0]
	}
	h.Set("Content-Length", itoa(len(body)))
	w.WriteHeader(p.status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// notModified reports whether the client's copy of p is current.
func notModified(r *http.Request, p *page) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			if t := strings.TrimSpace(tag); t == p.etag || t == "W/"+p.etag || t == "*" {
				return true
			}
		}
		return false
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" && !p.modified.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !p.modified.Truncate(time.Second).After(t) {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether the client takes gzip.
func acceptsGzip(r *http.Request) bool {
	for rest := r.Header.Get("Accept-Encoding"); rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// maxHosts is how many hosts (without base-url) have their pages kept.
const maxHosts = 8

// hostSet is the hosts whose pages are kept: the first maxHosts that asked
// since the server started. A request naming another is answered with a
// page built for it alone, and the first such request of each run is
// logged: set base-url.
type hostSet struct {
	mu     sync.Mutex
	hosts  map[string]bool
	warned bool
	log    func(host string)
}

// allow reports whether the pages of host are kept, noting it if there
// is room.
func (h *hostSet) allow(host string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hosts[host] {
		return true
	}
	if len(h.hosts) < maxHosts {
		if h.hosts == nil {
			h.hosts = map[string]bool{}
		}
		h.hosts[host] = true
		return true
	}
	if !h.warned && h.log != nil {
		h.warned = true
		h.log(host)
	}
	return false
}
