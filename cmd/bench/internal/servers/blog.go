// Package servers starts the servers the bench drives, in this process on
// loopback ports: the real blog, assembled as cmd/sshd assembles it
// (internal/app) in a temporary folder, on a store seeded with generated
// posts, a bbolt file or an embedded etcd; and the bare server, the floor
// it is measured against.
package servers

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
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/app"
	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/server"
	"github.com/sshblog/sshblog/internal/store"
)

// The settings the blog runs with: those of cmd/sshd's defaults.
const (
	// ScreenRelease is how long an idle session of the blog keeps its
	// copy of the screen.
	ScreenRelease    = 10 * time.Second
	handshakeTimeout = 20 * time.Second // the bare server's too
	idleTimeout      = 30 * time.Minute
	maxImport        = 256 << 20
)

// AuthorName is the name of the blog's first author, keys/NAME.pub. The
// others, when there are more, are NAME-2, NAME-3 and so on.
const AuthorName = "bench"

// Title is the blog's title.
const Title = "sshblog bench"

// stopLimit bounds Stop's wait for the blog's sessions.
const stopLimit = 5 * time.Second

// Blog is the real blog server running in this process on a loopback
// port, with its store in a temporary folder.
type Blog struct {
	DB       store.Store
	Renderer *render.Renderer // the server's render cache
	Addr     string           // the SSH server's address
	WebAddr  string           // the web's address
	HostKey  gossh.PublicKey
	Authors  []Author     // every author in the keys folder, one key each; AuthorName's first
	Conns    *ConnCounter // the connections the SSH server accepted

	Newest     store.Entry // the newest public post, first in the list
	BodyMarker string      // a word that shows the newest post is open
	Posts      int         // public posts in the list

	app    *app.App
	srv    *server.Server
	cfg    config.Config // what the blog was opened with
	dbSpec string        // the store as app.OpenStore names it: bolt:PATH or etcd://HOST:PORT
	served chan error    // Serve's result
}

// Author is one of the blog's authors as a client sees it: the name of
// its key file and the key.
type Author struct {
	Name   string
	Key    ed25519.PrivateKey
	Signer gossh.Signer
}

// Setup is what StartBlog makes.
type Setup struct {
	Dir        string    // the temporary folder the blog lives in
	Store      string    // the store setting: StoreBolt, or etcd://HOST:PORT (see StartStore)
	Generated  int       // posts generated on top of the built-in ones
	Authors    int       // authors with a key each, at least one
	CacheBytes int64     // the render cache's bound
	LogTo      io.Writer // the server's log
	// Limits keeps cmd/sshd's default connection limits; without it they
	// are lifted, for the bench's many connections from one address.
	Limits bool
	// BaseURL is the blog's base-url setting; empty: none.
	BaseURL string
	// WebCache is the web-cache setting, in bytes; 0: its default.
	WebCache int64
}

// StartBlog starts the blog as cmd/sshd does (app.Open), in s.Dir: a store
// (the bbolt file, or the etcd s.Store names) seeded with the built-in
// posts and generated ones, a host key, a keys folder with generated
// authors, and the render cache; and serves it on a loopback port.
func StartBlog(s Setup) (*Blog, error) {
	dir := s.Dir
	cfg := config.Config{
		Data:             filepath.Join(dir, "data"),
		Keys:             filepath.Join(dir, "keys"),
		HostKey:          filepath.Join(dir, "data", "host_key"),
		Title:            Title,
		Location:         time.UTC,
		HandshakeTimeout: handshakeTimeout,
		IdleTimeout:      idleTimeout,
		ScreenRelease:    ScreenRelease,
		MaxImport:        maxImport,
		RenderCache:      s.CacheBytes,
		HTTPAddr:         "127.0.0.1:0", // the web runs too, as cmd/sshd's default
		Lang:             "en",
		Hyperlinks:       true,
		Stats:            true, // as cmd/sshd's default: reads are counted
		StatsDays:        400,
		Store:            s.Store,
		StorePrefix:      "/sshblog", // the setting's default
		BaseURL:          s.BaseURL,
		WebCache:         s.WebCache,
	}
	if s.Limits {
		d, err := config.Load(nil, func(string) string { return "" }, io.Discard)
		if err != nil {
			return nil, fmt.Errorf("reading the default settings: %w", err)
		}
		cfg.MaxSessions, cfg.MaxSessionsPerIP, cfg.ConnectsPerIP = d.MaxSessions, d.MaxSessionsPerIP, d.ConnectsPerIP
	}
	b := &Blog{cfg: cfg, dbSpec: storeSpec(s.Store, cfg), Conns: &ConnCounter{}, served: make(chan error, 1)}
	if err := cfg.MakeFolders(); err != nil {
		return nil, fmt.Errorf("making the blog's folders: %w", err)
	}
	db, _, err := OpenSeeded(s.Store, cfg, s.Generated)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil {
		return nil, fmt.Errorf("closing the seeded store: %w", err)
	}
	if b.Authors, err = writeAuthors(cfg.Keys, max(s.Authors, 1)); err != nil {
		return nil, fmt.Errorf("writing the authors' keys: %w", err)
	}
	a, err := app.Open(cfg, slog.New(slog.NewTextHandler(s.LogTo, nil)))
	if err != nil {
		return nil, fmt.Errorf("opening the blog: %w", err)
	}
	b.app, b.DB, b.Renderer, b.srv = a, a.Store, a.Renderer, a.SSH
	if err := b.serve(); err != nil {
		a.Close()
		return nil, err
	}
	return b, nil
}

// writeAuthors makes n authors with keys of their own in the keys folder.
func writeAuthors(keys string, n int) ([]Author, error) {
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return nil, err
	}
	out := make([]Author, 0, n)
	for i := range n {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		a := Author{Name: AuthorName, Key: priv}
		if i > 0 {
			a.Name = fmt.Sprintf("%s-%d", AuthorName, i+1)
		}
		if a.Signer, err = gossh.NewSignerFromKey(priv); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(keys, a.Name+".pub"), gossh.MarshalAuthorizedKey(a.Signer.PublicKey()), 0o600); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// serve notes what the clients need and serves the blog on a loopback port.
func (b *Blog) serve() error {
	ctx := context.Background()
	if err := b.findNewest(ctx); err != nil {
		return fmt.Errorf("finding the newest post: %w", err)
	}
	b.HostKey = b.srv.HostKey()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening for SSH: %w", err)
	}
	b.Addr = l.Addr().String()
	// Every goroutine the server starts inherits the label, so a CPU
	// profile can be narrowed to the blog with -tagfocus=server=blog.
	go pprof.Do(ctx, pprof.Labels("server", "blog"), func(context.Context) {
		b.served <- b.srv.Serve(countingListener{Listener: l, n: b.Conns})
	})
	if b.app.Web != nil {
		wl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("listening for the web: %w", err)
		}
		b.WebAddr = wl.Addr().String()
		go pprof.Do(ctx, pprof.Labels("server", "blog"), func(context.Context) {
			_ = b.app.Web.Serve(wl, "", "")
		})
	}
	return nil
}

// Service returns the blog the servers serve.
func (b *Blog) Service() *blog.Service { return b.app.Blog }

// Identity returns the identity of the i-th author, as the SSH server
// would make it for their key.
func (b *Blog) Identity(i int) blog.Identity {
	a := b.Authors[i]
	return blog.Identity{Author: a.Name, Key: string(a.Signer.PublicKey().Marshal())}
}

// findNewest notes the post a reader's list starts with, as a reader sees
// it, and a word of its body.
func (b *Blog) findNewest(ctx context.Context) error {
	entries, err := b.DB.Public().List(ctx)
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
	b.Newest, b.Posts = listed[0], len(listed)
	rev, err := b.DB.Public().Get(ctx, b.Newest.Slug)
	if err != nil {
		return err
	}
	if b.BodyMarker, err = bodyMarker(rev.Source, entries); err != nil {
		return fmt.Errorf("post %s: %w", b.Newest.Slug, err)
	}
	return nil
}

// Shutdown stops the server, waiting for sessions until ctx is done, and
// closes the blog: its read counts are written and its store closed.
func (b *Blog) Shutdown(ctx context.Context) error {
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

// Stop is Shutdown with a few seconds for the sessions to end.
func (b *Blog) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), stopLimit)
	defer cancel()
	return b.Shutdown(ctx)
}

// ReopenStore opens the blog's store again, after Shutdown, as the blog
// opened it.
func (b *Blog) ReopenStore() (store.Store, error) {
	db, err := app.OpenStore(b.dbSpec, b.cfg)
	if err != nil {
		return nil, fmt.Errorf("reopening the store: %w", err)
	}
	return db, nil
}
