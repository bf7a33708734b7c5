package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// cacheBytes bounds the pages kept, gzipped copies included.
const cacheBytes = 64 << 20

// page is one response as kept: rendered once per change of the blog.
type page struct {
	status   int
	ctype    string
	body     []byte
	etag     string
	modified time.Time // zero when unknown

	gzipOnce sync.Once
	gz       []byte // body gzipped, made on first request that takes it
	// unkept marks a page built for one request and not kept: it is sent
	// as it is, since gzipping it would cost about as much as building it.
	unkept bool
}

// newPage makes a page of body.
func newPage(status int, ctype string, body []byte, modified time.Time) *page {
	sum := sha256.Sum256(body)
	return &page{status: status, ctype: ctype, body: body, modified: modified,
		etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`}
}

// gzipped returns the page's body gzipped.
func (p *page) gzipped() []byte {
	p.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		zw.Write(p.body)
		zw.Close()
		p.gz = buf.Bytes()
	})
	return p.gz
}

// size is what the page counts against the cache's bound.
func (p *page) size() int { return 2 * len(p.body) }

// cache keeps pages until the blog changes.
type cache struct {
	max   int
	mu    sync.Mutex
	pages map[string]*page
	bytes int
}

func newCache(max int) *cache { return &cache{max: max, pages: map[string]*page{}} }

// get returns the page kept under key.
func (c *cache) get(key string) (*page, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pages[key]
	return p, ok
}

// put keeps p under key, unless the cache is full.
func (c *cache) put(key string, p *page) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bytes+p.size() > c.max {
		return
	}
	if old, ok := c.pages[key]; ok {
		c.bytes -= old.size()
	}
	c.pages[key] = p
	c.bytes += p.size()
}

// clear drops every page: the blog changed.
func (c *cache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pages = map[string]*page{}
	c.bytes = 0
}

// write sends p, answering 304 to a request that has it already and
// gzipping for clients that take it.
func (p *page) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", p.ctype)
	h.Set("Cache-Control", "no-cache") // revalidate: a change shows at once
	h.Add("Vary", "Accept, Accept-Encoding, User-Agent")
	if p.status == http.StatusOK {
		h.Set("ETag", p.etag)
		if !p.modified.IsZero() {
			h.Set("Last-Modified", p.modified.UTC().Format(http.TimeFormat))
		}
		if notModified(r, p) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	body := p.body
	if len(body) > 512 && !p.unkept && acceptsGzip(r) {
		body = p.gzipped()
		h.Set("Content-Encoding", "gzip")
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
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
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
