package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"charm.land/ssh"

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
