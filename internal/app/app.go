// Package app assembles the blog from its configuration: the store, the
// authors' keys, the blog's rules, the renderer and the front ends that
// serve them. cmd/sshd starts the blog this way, and so does cmd/bench, so
// that what is measured is what runs.
package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"charm.land/ssh"

	"github.com/sshblog/sshblog/internal/authors"
	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/certs"
	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/server"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/boltstore"
	"github.com/sshblog/sshblog/internal/store/etcdstore"
	"github.com/sshblog/sshblog/internal/web"
	"github.com/sshblog/sshblog/posts"
)

// App is one running blog.
type App struct {
	Store    store.Store
	Stats    *stats.Recorder // nil when stats are off
	Blog     *blog.Service
	Renderer *render.Renderer
	SSH      *server.Server
	Web      *web.Server // nil when the web is off
	// Certs gets the web's certificates by ACME; nil without a domain.
	Certs *certs.Manager

	cfg   config.Config
	plain *http.Server // with a domain: the challenges and the redirect on http-addr

	log *slog.Logger
}

// Open opens the store named by cfg (filling an empty one with the
// built-in posts), reads the authors' keys and the host key, and makes the
// front ends; nothing listens until Serve.
func Open(cfg config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.MakeFolders(); err != nil {
		return nil, err
	}
	db, err := openStore(cfg)
	if err != nil {
		return nil, err
	}
	a, err := open(cfg, db, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// OpenStore opens a store named as migrate names them: bolt:PATH (a
// bbolt file) or etcd://HOST:2379[,...] (with cfg's prefix and TLS
// settings).
func OpenStore(spec string, cfg config.Config) (store.Store, error) {
	if path, ok := strings.CutPrefix(spec, "bolt:"); ok && path != "" {
		return boltstore.Open(path)
	}
	if !strings.HasPrefix(spec, "etcd://") {
		return nil, fmt.Errorf("%q is not bolt:PATH or etcd://HOST:2379[,HOST:2379...]", spec)
	}
	cfg.Store = spec
	return openStore(cfg)
}

// OpenBackup reads back a backup for a restore: a bbolt file (a backup of
// a blog kept in one, by `ssh HOST backup` or `sshblog backup`), opened
// read-only, or the JSON lines `ssh HOST backup` gives of a blog in etcd
// (etcdstore.ReadDump), read into memory. release lets it go. A missing
// file is an error wrapping fs.ErrNotExist.
func OpenBackup(path string) (src store.Source, release func() error, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	head := make([]byte, 1)
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if !etcdstore.IsDump(head) {
		db, err := boltstore.OpenReadOnly(path)
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	d, err := etcdstore.ReadDump(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, func() error { return nil }, nil
}

// OpenSource opens a store named as OpenStore names them, to be read: a
// bbolt file is opened read-only (its bytes stay as they were), an etcd
// prefix must hold a blog; nothing is created or written. A missing blog
// is an error wrapping fs.ErrNotExist.
func OpenSource(spec string, cfg config.Config) (store.Store, error) {
	if path, ok := strings.CutPrefix(spec, "bolt:"); ok && path != "" {
		return boltstore.OpenReadOnly(path)
	}
	if !strings.HasPrefix(spec, "etcd://") {
		return nil, fmt.Errorf("%q is not bolt:PATH or etcd://HOST:2379[,HOST:2379...]", spec)
	}
	cfg.Store = spec
	tlsCfg, err := etcdTLS(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), etcdOpenTimeout)
	defer cancel()
	return etcdstore.Open(ctx, etcdstore.Config{Endpoints: cfg.EtcdEndpoints(), Prefix: cfg.StorePrefix, TLS: tlsCfg, Existing: true})
}

// openStore opens the store cfg names: the bbolt file in the data folder,
// or the blog's keys in an etcd cluster.
func openStore(cfg config.Config) (store.Store, error) {
	endpoints := cfg.EtcdEndpoints()
	if endpoints == nil {
		return boltstore.Open(cfg.DatabasePath())
	}
	tlsCfg, err := etcdTLS(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), etcdOpenTimeout)
	defer cancel()
	return etcdstore.Open(ctx, etcdstore.Config{Endpoints: endpoints, Prefix: cfg.StorePrefix, TLS: tlsCfg})
}

// etcdOpenTimeout is how long a start waits for the etcd cluster.
const etcdOpenTimeout = 15 * time.Second

// etcdTLS is the TLS client setup the etcd settings name, or nil.
func etcdTLS(cfg config.Config) (*tls.Config, error) {
	if cfg.EtcdCA == "" && cfg.EtcdCert == "" && cfg.EtcdKey == "" {
		return nil, nil
	}
	if (cfg.EtcdCert == "") != (cfg.EtcdKey == "") {
		return nil, errors.New("settings etcd-cert and etcd-key go together: set both, or neither")
	}
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.EtcdCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.EtcdCert, cfg.EtcdKey)
		if err != nil {
			return nil, fmt.Errorf("etcd-cert: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	if cfg.EtcdCA != "" {
		pem, err := os.ReadFile(cfg.EtcdCA)
		if err != nil {
			return nil, fmt.Errorf("etcd-ca: %w", err)
		}
		t.RootCAs = x509.NewCertPool()
		if !t.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("etcd-ca: %s holds no PEM certificate", cfg.EtcdCA)
		}
	}
	return t, nil
}

// open makes the App over an open store.
func open(cfg config.Config, db store.Store, log *slog.Logger) (*App, error) {
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return nil, errors.New("settings tls-cert and tls-key go together: set both, or neither")
	}
	builtin, err := posts.Load(cfg.Location)
	if err != nil {
		return nil, err
	}
	keys, err := authors.Open(cfg.Keys, log)
	if err != nil {
		return nil, err
	}
	hostKey, err := server.LoadHostKey(cfg.HostKeyPath())
	if err != nil {
		return nil, err
	}
	var counts *stats.Recorder
	if cfg.Stats {
		if st, ok := db.(stats.Store); ok {
			counts = stats.New(st, stats.Options{Location: cfg.Location, Days: cfg.StatsDays})
		} else {
			log.Warn("this store keeps no read statistics; they are off")
		}
	}
	b := blog.New(db, blog.Config{
		Location:    cfg.Location,
		MaxPostSize: cfg.MaxPostSize,
		MaxImport:   cfg.MaxImport,
		MaxFileSize: cfg.MaxFileSize,
		MaxMedia:    cfg.MaxMedia,
		Log:         log,
		Stats:       counts,
		Review:      cfg.Review,
		Authors:     func() int { return len(keys.Names()) },
		StillAuthor: func(id blog.Identity) bool {
			g := keys.Recheck([]byte(id.Key), id.Addr)
			return g.Name == id.Author && !(g.NoPTY && id.Terminal)
		},
	})
	if n, err := b.Seed(context.Background(), builtin); err != nil {
		counts.Close(context.Background())
		return nil, err
	} else if n > 0 {
		log.Info("seeded an empty blog with the built-in posts", "posts", n)
	}
	renderer := render.New(int(min(cfg.RenderCacheBytes(), math.MaxInt)), render.WithConcurrency(cfg.RenderJobs), render.WithHyperlinks(cfg.Hyperlinks))
	srv, err := server.New(server.Config{
		Title:            cfg.Title,
		Description:      cfg.Description,
		HostKey:          hostKey,
		WebHost:          hostOf(cfg.BaseURL),
		HandshakeTimeout: cfg.HandshakeTimeout,
		IdleTimeout:      cfg.IdleTimeout,
		ScreenRelease:    cfg.ScreenRelease,
		ReadingWidth:     cfg.ReadingWidth,
		NoImages:         !cfg.Images,
		Files:            b, // the blog's stored files: the pictures posts show
		MaxSessions:      cfg.MaxSessions,
		MaxSessionsPerIP: cfg.MaxSessionsPerIP,
		ConnectsPerIP:    cfg.ConnectsPerIP,
	}, b, renderer, keys, log)
	if err != nil {
		counts.Close(context.Background())
		return nil, err
	}
	a := &App{Store: db, Stats: counts, Blog: b, Renderer: renderer, SSH: srv, cfg: cfg, log: log}
	go func() { // the search index is built now, not by the first search
		start := time.Now()
		if err := b.IndexPosts(context.Background()); err != nil {
			log.Warn("search index not built; the first search builds it", "err", err)
			return
		}
		log.Info("search index built", "took", time.Since(start).Round(time.Millisecond))
	}()
	if len(cfg.Domains) > 0 {
		if a.Certs, err = newCerts(cfg, db, log); err != nil {
			counts.Close(context.Background())
			return nil, err
		}
	}
	if cfg.HTTPAddr != "" || a.Certs != nil {
		a.Web, err = web.New(b, renderer, web.Config{
			Title: cfg.Title, Description: cfg.Description, BaseURL: cfg.BaseURL, Lang: cfg.Lang,
			SSHAddr: cfg.SSHAddress(), RatePerSecond: cfg.HTTPRate, CacheBytes: cfg.WebCache, Log: log,
		})
		if err != nil {
			counts.Close(context.Background())
			return nil, err
		}
	}
	return a, nil
}

// Listeners are where the front ends listen.
type Listeners struct {
	SSH net.Listener
	Web net.Listener // nil: no web; with a domain, HTTPS (https-addr)
	// HTTP is, with a domain, plain HTTP (http-addr): the CA's challenges
	// and the redirect to HTTPS; nil without a domain or with http-addr
	// empty.
	HTTP net.Listener
}

// Listen opens the listeners cfg names.
func (a *App) Listen() (Listeners, error) {
	var ls Listeners
	var err error
	if ls.SSH, err = Listen(a.cfg.Addr, a.cfg.ProxyProtocol, a.log); err != nil {
		return Listeners{}, err
	}
	webAddr := a.cfg.HTTPAddr
	if a.Certs != nil {
		webAddr = a.cfg.HTTPSAddr
		if a.cfg.HTTPAddr != "" {
			if ls.HTTP, err = Listen(a.cfg.HTTPAddr, a.cfg.ProxyProtocol, a.log); err != nil {
				ls.SSH.Close()
				return Listeners{}, err
			}
		}
	}
	if a.Web != nil {
		if ls.Web, err = Listen(webAddr, a.cfg.ProxyProtocol, a.log); err != nil {
			ls.SSH.Close()
			if ls.HTTP != nil {
				ls.HTTP.Close()
			}
			return Listeners{}, err
		}
	}
	return ls, nil
}

// Serve serves the blog on ls until ctx is done or a front end fails; then
// it stops both, giving open sessions and requests up to grace to finish.
func (a *App) Serve(ctx context.Context, ls Listeners, grace time.Duration) error {
	served := make(chan error, 3)
	running := 1
	go func() { served <- a.SSH.Serve(ls.SSH) }()
	switch {
	case a.Certs != nil && ls.Web != nil:
		running += a.serveHTTPS(ls, served)
	case a.Web != nil && ls.Web != nil:
		running++
		go func() { served <- a.Web.Serve(ls.Web, a.cfg.TLSCert, a.cfg.TLSKey) }()
	}
	var err error
	select {
	case err = <-served:
		running--
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	var stops []error
	if err := a.SSH.Shutdown(sctx); err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		stops = append(stops, fmt.Errorf("shutting down SSH: %w", err))
	}
	if a.Web != nil {
		if err := a.Web.Shutdown(sctx); err != nil {
			stops = append(stops, fmt.Errorf("shutting down the web: %w", err))
		}
	}
	if a.plain != nil {
		if err := a.plain.Shutdown(sctx); err != nil {
			stops = append(stops, fmt.Errorf("shutting down plain HTTP: %w", err))
		}
	}
	if a.Certs != nil {
		a.Certs.Stop()
	}
	for range running {
		if e := <-served; e != nil && !errors.Is(e, ssh.ErrServerClosed) && err == nil {
			err = e
		}
	}
	if errors.Is(err, ssh.ErrServerClosed) {
		err = nil
	}
	return errors.Join(append(stops, err)...)
}

// Close writes the read counts not yet written and closes the store. Call
// it after Serve has returned.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := a.Stats.Close(ctx)
	return errors.Join(err, a.Store.Close())
}

// hostOf is the host name of an address such as https://blog.example, or
// "" for none.
func hostOf(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
