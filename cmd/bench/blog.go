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
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/authors"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/server"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/posts"
)

// The settings the blog runs with: those of cmd/sshd's defaults.
const (
	renderCacheBytes = 64 << 20
	handshakeTimeout = 20 * time.Second
	idleTimeout      = 30 * time.Minute
	maxImport        = 256 << 20
)

// authorName is the name of the benchmark's author, keys/NAME.pub.
const authorName = "bench"

// blogTitle is the blog's title.
const blogTitle = "sshblog bench"

// blog is the real blog server running in this process on a loopback port,
// with its store in a temporary folder.
type blog struct {
	db       *store.DB
	renderer *render.Renderer // the server's render cache
	srv      *server.Server
	addr     string
	hostKey  gossh.PublicKey
	author   gossh.Signer // a key in the keys folder

	newest     store.Entry // the newest public post, first in the list
	bodyMarker string      // a word that shows the newest post is open
	posts      int         // public posts in the list

	served chan error // Serve's result
}

// startBlog assembles the server as cmd/sshd does, in dir: a bbolt store
// seeded with the built-in posts and generated ones, a host key, a keys
// folder with one generated author, and the render cache; and serves it on
// a loopback port. The server logs to logTo.
func startBlog(dir string, generated int, logTo io.Writer) (*blog, error) {
	loc := time.UTC
	db, err := store.Open(filepath.Join(dir, "data", "blog.db"))
	if err != nil {
		return nil, err
	}
	b := &blog{db: db, served: make(chan error, 1)}
	if err := b.start(dir, generated, loc, logTo); err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

// start seeds the store, writes the keys and starts serving; see startBlog.
func (b *blog) start(dir string, generated int, loc *time.Location, logTo io.Writer) error {
	ctx := context.Background()
	builtin, err := posts.Load(loc)
	if err != nil {
		return err
	}
	gen, err := generatePosts(generated, loc)
	if err != nil {
		return err
	}
	if _, err := b.db.Seed(ctx, append(builtin, gen...), "sshblog"); err != nil {
		return err
	}
	if err := b.findNewest(ctx); err != nil {
		return err
	}

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	if b.author, err = gossh.NewSignerFromKey(priv); err != nil {
		return err
	}
	keys := filepath.Join(dir, "keys")
	if err := os.MkdirAll(keys, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(keys, authorName+".pub"), gossh.MarshalAuthorizedKey(b.author.PublicKey()), 0o600); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(logTo, nil))
	folder, err := authors.Open(keys, log)
	if err != nil {
		return err
	}
	hostKey, err := server.LoadHostKey(filepath.Join(dir, "data", "host_key"))
	if err != nil {
		return err
	}
	b.hostKey = hostKey.PublicKey()
	b.renderer = render.New(renderCacheBytes)
	b.srv, err = server.New(server.Config{
		Title:            blogTitle,
		Location:         loc,
		HostKey:          hostKey,
		HandshakeTimeout: handshakeTimeout,
		IdleTimeout:      idleTimeout,
		MaxImport:        maxImport,
	}, b.db, b.renderer, folder, log)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	b.addr = l.Addr().String()
	// Every goroutine the server starts inherits the label, so a CPU
	// profile can be narrowed to the blog with -tagfocus=server=blog.
	go pprof.Do(ctx, pprof.Labels("server", "blog"), func(context.Context) {
		b.served <- b.srv.Serve(l)
	})
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
