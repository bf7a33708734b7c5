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
	"github.com/sshblog/sshblog/internal/config"
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
	db       *store.DB
	renderer *render.Renderer // the server's render cache
	srv      *server.Server
	addr     string
	web      string // the web front end's address
	hostKey  gossh.PublicKey
	author   gossh.Signer // a key in the keys folder: authors[0]'s
	authors  []blogAuthor // every author in the keys folder, one key each
	dbPath   string       // the store's file
	conns    *connCounter // the connections the server accepted

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

// startBlog starts the blog as cmd/sshd does (app.Open), in dir: a bbolt
// store seeded with the built-in posts and generated ones, a host key, a
// keys folder with nAuthors generated authors (at least one), and the
// render cache; and serves it on a loopback port. The server logs to logTo.
func startBlog(dir string, generated, nAuthors int, cacheBytes int64, logTo io.Writer) (*blog, error) {
	loc := time.UTC
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
		RenderCache:      cacheBytes,
		HTTPAddr:         "127.0.0.1:0", // the web runs too, as cmd/sshd's default
		Lang:             "en",
		Hyperlinks:       true,
		Stats:            true, // as cmd/sshd's default: reads are counted
		StatsDays:        400,
	}
	b := &blog{dbPath: cfg.DatabasePath(), conns: &connCounter{}, served: make(chan error, 1)}
	if err := seed(cfg.DatabasePath(), generated, loc); err != nil {
		return nil, err
	}
	authors, err := writeAuthors(cfg.Keys, max(nAuthors, 1))
	if err != nil {
		return nil, err
	}
	b.authors, b.author = authors, authors[0].signer
	a, err := app.Open(cfg, slog.New(slog.NewTextHandler(logTo, nil)))
	if err != nil {
		return nil, err
	}
	db, ok := a.Store.(*store.DB)
	if !ok {
		a.Close()
		return nil, errors.New("the bench runs on the bbolt store")
	}
	b.app, b.db, b.renderer, b.srv = a, db, a.Renderer, a.SSH
	if err := b.serve(); err != nil {
		a.Close()
		return nil, err
	}
	return b, nil
}

// seed fills a new store at path with the built-in posts and generated
// ones, before the blog opens it.
func seed(path string, generated int, loc *time.Location) error {
	builtin, err := posts.Load(loc)
	if err != nil {
		return err
	}
	gen, err := generatePosts(generated, loc)
	if err != nil {
		return err
	}
	db, err := store.Open(path)
	if err != nil {
		return err
	}
	_, err = db.Seed(context.Background(), append(builtin, gen...), "sshblog")
	return errors.Join(err, db.Close())
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
// closes the store.
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
	return errors.Join(err, b.db.Close())
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
