package server_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/server"
	"github.com/sshblog/sshblog/internal/server/servertest"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

// TestShutdownRightAfterServe stops servers at once after starting them,
// and before: Serve returns ErrServerClosed and Shutdown returns, with no
// race between charm.land/ssh's Serve and Shutdown (run with -race).
func TestShutdownRightAfterServe(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "blog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := blog.New(db, blog.Config{Location: time.UTC})
	for i := range 20 {
		srv, err := server.New(server.Config{Title: "t", HostKey: servertest.NewSigner(t)}, b, render.New(1<<20), nil, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		start := func() { served <- srv.Serve(l) }
		if i%2 == 0 {
			go start() // Shutdown races the start
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("round %d: shutdown: %v", i, err)
		}
		cancel()
		if i%2 == 1 {
			go start() // Serve after Shutdown
		}
		select {
		case err := <-served:
			if !errors.Is(err, ssh.ErrServerClosed) {
				t.Errorf("round %d: serve returned %v", i, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: Serve did not return after Shutdown", i)
		}
	}
}

// replayConn is a connection whose first bytes, already read, are read
// again.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestShutdownServesAHandshakeUnderWay: a client that connected before
// Shutdown and is still in its SSH handshake when it begins is served, and
// Shutdown waits for it (charm.land/ssh alone waits only for connections
// past their handshake: a rolling restart cut such clients).
func TestShutdownServesAHandshakeUnderWay(t *testing.T) {
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "blog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := blog.New(db, blog.Config{Location: time.UTC})
	srv, err := server.New(server.Config{Title: "t", HostKey: servertest.NewSigner(t)}, b, render.New(1<<20), nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The server's version line: it has taken the connection in.
	br := bufio.NewReader(conn)
	version, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(version, "SSH-2.0-") {
		t.Fatalf("version line %q: %v", version, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with a client in its handshake", err)
	case <-time.After(300 * time.Millisecond):
	}

	cfg := &gossh.ClientConfig{User: "reader", Auth: []gossh.AuthMethod{gossh.PublicKeys(servertest.NewSigner(t))}, HostKeyCallback: gossh.InsecureIgnoreHostKey()}
	c, chans, reqs, err := gossh.NewClientConn(&replayConn{Conn: conn, r: io.MultiReader(strings.NewReader(version), br)}, l.Addr().String(), cfg)
	if err != nil {
		t.Fatalf("the handshake under way when Shutdown began: %v", err)
	}
	client := gossh.NewClient(c, chans, reqs)
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.Output("help")
	if err != nil || len(out) == 0 {
		t.Errorf("help on a connection made before Shutdown: %v: %q", err, out)
	}
	client.Close()
	select {
	case err := <-shut:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return once the client had gone")
	}
}
