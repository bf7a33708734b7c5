// Package web serves the blog over HTTP: every post as a page, the posts
// newest first, tags, an Atom feed of everything and of each tag, a
// sitemap, and, for a terminal (curl, Wget, HTTPie, or any request that
// does not ask for HTML), the text that `ssh HOST read SLUG` prints.
//
// It is a front end like the SSH server: what a visitor may see is decided
// by the blog (internal/blog), as for an SSH reader with no key. Pages are
// built ahead of requests, kept up to a bound in bytes, built again in the
// background when what they show changes, and served, with ETags,
// gzipped to clients that take it. Every response forbids scripts and
// framing; the server bounds headers, bodies and time, and limits requests
// per address.
package web

import (
	"context"
	"crypto/tls"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/render"
)

//go:embed assets
var assets embed.FS

// Config holds the web front end's settings.
type Config struct {
	Title       string // the blog's title
	Description string // the blog's one-line description
	// BaseURL is the blog's address on the web, such as
	// https://blog.example, used for absolute links (feeds, canonical
	// links, OpenGraph). Empty: the address each request was made to.
	BaseURL string
	// Lang is the blog's language for <html lang>, such as en or ko; a
	// post's front matter lang overrides it. Empty means en.
	Lang string
	// SSHAddr is where readers reach the SSH front end (host:port), for the
	// line on each page that says how to read it in a terminal. A host of
	// its own is kept; an empty host is the web's.
	SSHAddr string
	// CacheBytes bounds the pages kept, in bytes (each page once as it is
	// and once gzipped); the least recently used make room. 0 means
	// DefaultCacheBytes.
	CacheBytes int64
	// RatePerSecond is how many requests a second one address may make,
	// with bursts of twice that; 0 is no limit.
	RatePerSecond float64
	// Log receives one line per request; nil discards them.
	Log *slog.Logger
}

// Server is the web front end of one blog.
type Server struct {
	blog     *blog.Service
	renderer *render.Renderer
	cfg      Config
	log      *slog.Logger
	body     *bodyHTML
	pages    *template.Template // layout with every page's content, cloned per kind
	kinds    map[string]*template.Template
	css      []byte
	cache    *cache
	hosts    hostSet // without base-url, the hosts whose pages are kept
	limits   *limiter
	// bodyRenders counts the posts' bodies converted to HTML, the costly
	// part of a page, and pageBuilds the pages built (tests count them).
	bodyRenders atomic.Int64
	pageBuilds  atomic.Int64
	flights     singleflight.Group // builds under way, by key
	bufs        sync.Pool          // of *[]byte: pages unpacked to be sent
	// warmPasses counts the passes of keepWarm that built what was
	// missing (tests wait for them).
	warmPasses atomic.Int64
	http       *http.Server
}

// Timeouts and sizes of the HTTP server.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 16 << 10
)

// New makes the web front end of b; renderer renders posts for terminals.
func New(b *blog.Service, renderer *render.Renderer, cfg Config) (*Server, error) {
	if cfg.Lang == "" {
		cfg.Lang = "en"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{blog: b, renderer: renderer, cfg: cfg, log: log, body: newBodyHTML(), kinds: map[string]*template.Template{}}
	layout, err := template.New("layout").Funcs(template.FuncMap{
		"rfc3339": func(t time.Time) string { return t.Format(time.RFC3339) },
	}).ParseFS(assets, "assets/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: reading the templates: %w", err)
	}
	for _, kind := range []string{"list", "post", "tags", "notfound"} {
		t, err := template.Must(layout.Clone()).ParseFS(assets, "assets/"+kind+".html")
		if err != nil {
			return nil, fmt.Errorf("web: reading the templates: %w", err)
		}
		s.kinds[kind] = t
	}
	css, err := assets.ReadFile("assets/style.css")
	if err != nil {
		return nil, fmt.Errorf("web: reading the stylesheet: %w", err)
	}
	s.css = append(css, codeCSS()...)
	size := cfg.CacheBytes
	if size <= 0 {
		size = DefaultCacheBytes
	}
	s.cache = newCache(int(min(size, math.MaxInt)))
	s.hosts.log = func(host string) {
		log.Warn("web: pages for more hosts than are kept; set base-url", "kept", maxHosts, "host", host)
	}
	s.limits = newLimiter(cfg.RatePerSecond)
	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Serve serves HTTP on l until Shutdown; with certFile and keyFile, HTTPS.
// Meanwhile it builds every page in the background (with base-url; without
// it, every post's body), and after each change of the blog drops the
// pages that show what changed and builds them again (see keepWarm).
func (s *Server) Serve(l net.Listener, certFile, keyFile string) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.keepWarm(ctx, s.blog.WatchReaders(ctx))
	var err error
	if certFile != "" {
		err = s.http.ServeTLS(l, certFile, keyFile)
	} else {
		err = s.http.Serve(l)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// ServeTLS serves HTTPS on l with conf (certificates got by ACME, see
// package certs) until Shutdown. Pages kept are dropped whenever the blog
// changes.
func (s *Server) ServeTLS(l net.Listener, conf *tls.Config) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.blog.Watch(ctx, s.cache.clear)
	err := s.http.Serve(tls.NewListener(l, conf))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests and waits for those under way until
// ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

// Handler returns the routes, wrapped in what every response gets: its
// security headers, the rate limit, and a log line.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("GET /posts/{name}", s.post)
	mux.HandleFunc("GET /posts/{name}/{$}", withoutSlash)
	mux.HandleFunc("GET /pages/{name}/{$}", withoutSlash)
	mux.HandleFunc("GET /tags/{tag}/{$}", withoutSlash)
	mux.HandleFunc("GET /pages/{name}", s.page)
	mux.HandleFunc("GET /tags/{$}", s.tags)
	mux.HandleFunc("GET /tags/{tag}", s.tag)
	mux.HandleFunc("GET /tags/{tag}/feed.xml", s.tagFeed)
	mux.HandleFunc("GET /search", s.search)
	mux.HandleFunc("GET /feed.xml", s.feed)
	mux.HandleFunc("GET /sitemap.xml", s.sitemap)
	mux.HandleFunc("GET /robots.txt", s.robots)
	mux.HandleFunc("GET /style.css", s.style)
	mux.HandleFunc("/", s.notFound)
	return s.logged(s.secured(s.limited(mux)))
}

// withoutSlash answers a post's, page's or tag's address with a trailing
// slash, as Hugo and Astro write their links, with a permanent redirect to
// the address without it (the query kept).
func withoutSlash(w http.ResponseWriter, r *http.Request) {
	target := strings.TrimSuffix(r.URL.EscapedPath(), "/")
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusMovedPermanently)
}

// secured sets the headers every response has.
func (s *Server) secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src * data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			// Served over HTTPS by this server: browsers are to come
			// back over HTTPS only, for two years.
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}

// limited answers 429 to an address over its rate.
func (s *Server) limited(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.limits.allow(clientAddr(r).String()) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "too many requests; slow down", http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter notes a response's status and size for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += n
	return n, err
}

// logged writes one line per request: the client's address (behind a
// trusted load balancer, the one its PROXY header gave), method, path
// (never the query), status, bytes and time taken.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.log.Info("http", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path, "status", sw.status, "bytes", sw.bytes, "took", time.Since(start).Round(time.Microsecond))
	})
}
