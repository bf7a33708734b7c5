package server

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
)

// endless is an upload that never ends. It counts what was read from it.
type endless struct{ read atomic.Int64 }

// Read fills p with x.
func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.read.Add(int64(len(p)))
	return len(p), nil
}

// everyoneAuthor makes every key the author ash's.
type everyoneAuthor struct{}

// Author returns ash.
func (everyoneAuthor) Author(gossh.PublicKey) (string, bool) { return "ash", true }

// testServer serves a blog with the given post size limit on loopback and
// returns its store and a client config for an author.
func testServer(t *testing.T, maxPost int64) (addr string, db *store.DB, cfg *gossh.ClientConfig) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "blog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	signer := func() gossh.Signer {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		s, err := gossh.NewSignerFromKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := New(Config{HostKey: signer()}, blog.New(db, blog.Config{MaxPostSize: maxPost}), render.New(1<<20), everyoneAuthor{}, log)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return l.Addr().String(), db, &gossh.ClientConfig{
		User:            "ash",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer())},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	}
}

// run runs cmd with stdin and returns its standard output and error,
// joined, and its exit status.
func run(t *testing.T, addr string, cfg *gossh.ClientConfig, stdin io.Reader, cmd string) (string, int) {
	t.Helper()
	client, err := gossh.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer // written by two goroutines
	sess.Stdin, sess.Stdout, sess.Stderr = stdin, &out, &errOut
	err = sess.Run(cmd)
	var exit *gossh.ExitError
	switch {
	case errors.As(err, &exit):
		return out.String() + errOut.String(), exit.ExitStatus()
	case err != nil:
		t.Fatalf("%s: %v", cmd, err)
	}
	return out.String() + errOut.String(), 0
}

func TestOversizedPublishIsRefusedAndStoresNothing(t *testing.T) {
	const limit = 4 << 10
	addr, db, cfg := testServer(t, limit)

	// An endless upload is refused while it streams: the server reads
	// limit+1 bytes and the client gets no further than the channel's
	// window (2 MiB) past them.
	in := &endless{}
	out, code := run(t, addr, cfg, in, "publish big")
	if code != 1 || !strings.Contains(out, "too large: the limit is 4 KiB") {
		t.Errorf("an endless publish: exit %d, %q; want exit 1 and too large", code, out)
	}
	if sent := in.read.Load(); sent > 4<<20 {
		t.Errorf("the client sent %d bytes before the refusal", sent)
	}
	if n := len(db.AllEntries()); n != 0 {
		t.Errorf("a refused upload left %d posts", n)
	}

	// One byte over is refused too, and exactly the limit is published
	// intact, from the buffer the refusals gave back.
	exact := "# big\n" + strings.Repeat("가", (limit-6)/3) + strings.Repeat("\n", (limit-6)%3)
	if len(exact) != limit {
		t.Fatalf("the post is %d bytes, not %d", len(exact), limit)
	}
	if out, code := run(t, addr, cfg, strings.NewReader(exact+"\n"), "publish big"); code != 1 || !strings.Contains(out, "too large") {
		t.Errorf("a post one byte over: exit %d, %q", code, out)
	}
	if out, code := run(t, addr, cfg, strings.NewReader(exact), "publish big"); code != 0 {
		t.Fatalf("a post at the limit: exit %d, %q", code, out)
	}
	if got, _ := run(t, addr, cfg, nil, "cat big"); got != exact {
		t.Errorf("cat big is %d bytes, want the %d published", len(got), len(exact))
	}
}
