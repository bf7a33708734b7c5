package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/app"
	blogpkg "github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/server"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/posts"
)

// The settings the blog runs with: those of cmd/sshd's defaults.
const (
	handshakeTimeout = 20 * time.Second
	idleTimeout      = 30 * time.Minute
	screenRelease    = 10 * time.Second
	maxImport        = 256 << 20
)

// authorName is the name of the benchmark's first author, keys/NAME.pub.
// The others, when there are more, are NAME-2, NAME-3 and so on.
const authorName = "bench"

// blogTitle is the blog's title.
const blogTitle = "sshblog bench"

// blog is the real blog server running in this process on a loopback port,
// with its store in a temporary folder.
type blog struct {
	app      *app.App
	db       store.Store
	renderer *render.Renderer // the server's render cache
	srv      *server.Server
	addr     string
	web      string // the web front end's address
	hostKey  gossh.PublicKey
	author   gossh.Signer  // a key in the keys folder: authors[0]'s
	authors  []blogAuthor  // every author in the keys folder, one key each
	cfg      config.Config // what the blog was opened with
	dbSpec   string        // the store as app.OpenStore names it: bolt:PATH or etcd://HOST:PORT
	conns    *connCounter  // the connections the server accepted

	newest     store.Entry // the newest public post, first in the list
	bodyMarker string      // a word that shows the newest post is open
	posts      int         // public posts in the list

	served chan error // Serve's result
}

// blogAuthor is one of the blog's authors as a client sees it: the name of
// its key file and the key.
type blogAuthor struct {
	name   string
	key    ed25519.PrivateKey
	signer gossh.Signer
}

// blogSetup is what startBlog makes.
type blogSetup struct {
	dir        string    // the temporary folder the blog lives in
	store      string    // the store setting: "bolt", or etcd://HOST:PORT (see startStore)
	generated  int       // posts generated on top of the built-in ones
	authors    int       // authors with a key each, at least one
	cacheBytes int64     // the render cache's bound
	logTo      io.Writer // the server's log
}

// startStore starts what the store named by -store needs: nothing for
// bbolt, an embedded etcd with its data in dir for etcd. It returns the
// blog's store setting and a function that stops what it started, to call
// after the blog is shut down.
func startStore(dir, kind string) (setting string, stop func(), err error) {
	if kind != storeEtcd {
		return storeBolt, func() {}, nil
	}
	e, err := startEtcd(dir)
	if err != nil {
		return "", nil, err
	}
	return e.spec(), e.close, nil
}

// startBlog starts the blog as cmd/sshd does (app.Open), in s.dir: a store
// (the bbolt file, or the etcd s.store names) seeded with the built-in
// posts and generated ones, a host key, a keys folder with generated
// authors, and the render cache; and serves it on a loopback port.
func startBlog(s blogSetup) (*blog, error) {
	dir, loc := s.dir, time.UTC
	cfg := config.Config{
		Data:             filepath.Join(dir, "data"),
		Keys:             filepath.Join(dir, "keys"),
		HostKey:          filepath.Join(dir, "data", "host_key"),
		Title:            blogTitle,
		Location:         loc,
		HandshakeTimeout: handshakeTimeout,
		IdleTimeout:      idleTimeout,
		ScreenRelease:    screenRelease,
		MaxImport:        maxImport,
		RenderCache:      s.cacheBytes,
		HTTPAddr:         "127.0.0.1:0", // the web runs too, as cmd/sshd's default
		Lang:             "en",
		Hyperlinks:       true,
		Stats:            true, // as cmd/sshd's default: reads are counted
		StatsDays:        400,
		Store:            s.store,
		StorePrefix:      "/sshblog", // the setting's default
	}
	b := &blog{cfg: cfg, dbSpec: s.store, conns: &connCounter{}, served: make(chan error, 1)}
	if s.store == storeBolt {
		b.dbSpec = "bolt:" + cfg.DatabasePath()
	}
	if err := cfg.MakeFolders(); err != nil {
		return nil, err
	}
	if err := seed(b.dbSpec, cfg, s.generated); err != nil {
		return nil, err
	}
	authors, err := writeAuthors(cfg.Keys, max(s.authors, 1))
	if err != nil {
		return nil, err
	}
	b.authors, b.author = authors, authors[0].signer
	a, err := app.Open(cfg, slog.New(slog.NewTextHandler(s.logTo, nil)))
	if err != nil {
		return nil, err
	}
	b.app, b.db, b.renderer, b.srv = a, a.Store, a.Renderer, a.SSH
	if err := b.serve(); err != nil {
		a.Close()
		return nil, err
	}
	return b, nil
}

// seed fills the new store spec names (as app.OpenStore names them) with
// the built-in posts, as a new blog is seeded, and then the generated ones
// in bulk, as an import stores them (etcd's seed is one transaction, too
// small for them), before the blog opens it.
func seed(spec string, cfg config.Config, generated int) error {
	builtin, err := posts.Load(cfg.Location)
	if err != nil {
		return err
	}
	gen, err := generatePosts(generated, cfg.Location)
	if err != nil {
		return err
	}
	db, err := app.OpenStore(spec, cfg)
	if err != nil {
		return err
	}
	return errors.Join(fill(db, builtin, gen), db.Close())
}

// fill seeds db with builtin and stores gen after them.
func fill(db store.Store, builtin, gen []*post.Post) error {
	ctx := context.Background()
	if _, err := db.Seed(ctx, builtin, blogpkg.SeedAuthor); err != nil {
		return err
	}
	changes := make([]store.Change, len(gen))
	for i, p := range gen {
		changes[i] = store.Change{Post: p, Author: blogpkg.SeedAuthor}
	}
	outcomes, err := db.PutMany(ctx, changes)
	if err != nil {
		return err
	}
	for i, o := range outcomes {
		if o.Err != nil {
			return fmt.Errorf("storing generated post %s: %w", gen[i].Slug, o.Err)
		}
	}
	return nil
}

// writeAuthors makes n authors with keys of their own in the keys folder.
func writeAuthors(keys string, n int) ([]blogAuthor, error) {
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return nil, err
	}
	out := make([]blogAuthor, 0, n)
	for i := range n {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		a := blogAuthor{name: authorName, key: priv}
		if i > 0 {
			a.name = fmt.Sprintf("%s-%d", authorName, i+1)
		}
		if a.signer, err = gossh.NewSignerFromKey(priv); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(keys, a.name+".pub"), gossh.MarshalAuthorizedKey(a.signer.PublicKey()), 0o600); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// serve notes what the clients need and serves the blog on a loopback port.
func (b *blog) serve() error {
	ctx := context.Background()
	if err := b.findNewest(ctx); err != nil {
		return err
	}
	b.hostKey = b.srv.HostKey()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.addr = l.Addr().String()
	// Every goroutine the server starts inherits the label, so a CPU
	// profile can be narrowed to the blog with -tagfocus=server=blog.
	go pprof.Do(ctx, pprof.Labels("server", "blog"), func(context.Context) {
		b.served <- b.srv.Serve(countingListener{Listener: l, n: b.conns})
	})
	if b.app.Web != nil {
		wl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		b.web = wl.Addr().String()
		go pprof.Do(ctx, pprof.Labels("server", "blog"), func(context.Context) {
			_ = b.app.Web.Serve(wl, "", "")
		})
	}
	return nil
}

// findNewest notes the post a reader's list starts with, as a reader sees
// it, and a word of its body.
func (b *blog) findNewest(ctx context.Context) error {
	entries, err := b.db.Public().List(ctx)
	if err != nil {
		return err
	}
	var listed []store.Entry
	for _, e := range entries {
		if !e.Page {
			listed = append(listed, e)
		}
	}
	if len(listed) == 0 {
		return errors.New("the blog has no public post")
	}
	b.newest, b.posts = listed[0], len(listed)
	rev, err := b.db.Public().Get(ctx, b.newest.Slug)
	if err != nil {
		return err
	}
	if b.bodyMarker, err = bodyMarker(rev.Source, entries); err != nil {
		return fmt.Errorf("post %s: %w", b.newest.Slug, err)
	}
	return nil
}

// shutdown stops the server, waiting for sessions until ctx is done, and
// closes the blog: its read counts are written and its store closed.
func (b *blog) shutdown(ctx context.Context) error {
	if b.app.Web != nil {
		_ = b.app.Web.Shutdown(ctx)
	}
	err := b.srv.Shutdown(ctx)
	if errors.Is(err, ssh.ErrServerClosed) {
		err = nil
	}
	select {
	case serr := <-b.served:
		if !errors.Is(serr, ssh.ErrServerClosed) && err == nil {
			err = serr
		}
	case <-ctx.Done():
	}
	return errors.Join(err, b.app.Close())
}

// connCounter counts the connections a server accepted and those it has
// not closed yet.
type connCounter struct {
	accepted atomic.Int64
	open     atomic.Int64
}

// countingListener counts its connections in n.
type countingListener struct {
	net.Listener
	n *connCounter
}

// Accept returns the next connection, counted until it is closed.
func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.n.accepted.Add(1)
	l.n.open.Add(1)
	return &countedConn{Conn: c, n: l.n}, nil
}

// countedConn uncounts itself on its first Close.
type countedConn struct {
	net.Conn
	n    *connCounter
	once sync.Once
}

// Close closes the connection and counts it closed, once.
func (c *countedConn) Close() error {
	c.once.Do(func() { c.n.open.Add(-1) })
	return c.Conn.Close()
}
