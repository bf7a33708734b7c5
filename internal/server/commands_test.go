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
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

// keyAuthors makes the holders of two keys the authors ash and lee.
type keyAuthors struct{ ash, lee gossh.PublicKey }

// Author returns ash or lee for their keys.
func (a keyAuthors) Author(key gossh.PublicKey) (string, bool) {
	switch {
	case bytes.Equal(key.Marshal(), a.ash.Marshal()):
		return "ash", true
	case a.lee != nil && bytes.Equal(key.Marshal(), a.lee.Marshal()):
		return "lee", true
	}
	return "", false
}

// commandBlog is a real server on loopback with an author and a reader.
type commandBlog struct {
	addr           string
	db             *boltstore.DB
	author, reader *gossh.ClientConfig
	second         *gossh.ClientConfig // the author lee
}

// newSigner makes an ed25519 key.
func newSigner(t *testing.T) gossh.Signer {
	t.Helper()
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

// newCommandBlog serves a blog in a temporary folder on loopback.
func newCommandBlog(t *testing.T) *commandBlog { return newCommandBlogLimited(t, 0) }

// newCommandBlogLimited is newCommandBlog with posts of at most maxPost
// bytes (0: the default).
func newCommandBlogLimited(t *testing.T, maxPost int64) *commandBlog {
	t.Helper()
	cfg := blog.Config{MaxPostSize: maxPost}
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "blog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ashKey, leeKey, readerKey := newSigner(t), newSigner(t), newSigner(t)
	counts := stats.New(db, stats.Options{Location: time.UTC})
	t.Cleanup(func() { counts.Close(context.Background()) })
	cfg.Location, cfg.Stats, cfg.Authors = time.UTC, counts, func() int { return 2 }
	b := blog.New(db, cfg)
	srv, err := New(Config{Title: "테스트 블로그", HostKey: newSigner(t)}, b, render.New(1<<20), keyAuthors{ashKey.PublicKey(), leeKey.PublicKey()}, slog.New(slog.DiscardHandler))
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
	client := func(s gossh.Signer) *gossh.ClientConfig {
		return &gossh.ClientConfig{User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(s)}, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}
	}
	return &commandBlog{addr: l.Addr().String(), db: db, author: client(ashKey), reader: client(readerKey), second: client(leeKey)}
}

// result is what a command printed and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

// do runs cmd as the client cfg with stdin.
func (cb *commandBlog) do(t *testing.T, cfg *gossh.ClientConfig, stdin string, cmd string) result {
	t.Helper()
	return cb.doReader(t, cfg, strings.NewReader(stdin), cmd)
}

// doReader runs cmd as the client cfg with stdin from r.
func (cb *commandBlog) doReader(t *testing.T, cfg *gossh.ClientConfig, r io.Reader, cmd string) result {
	t.Helper()
	client, err := gossh.Dial("tcp", cb.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = r, &out, &errOut
	err = sess.Run(cmd)
	var exit *gossh.ExitError
	code := 0
	switch {
	case errors.As(err, &exit):
		code = exit.ExitStatus()
	case err != nil:
		t.Fatalf("%s: %v", cmd, err)
	}
	return result{out.String(), errOut.String(), code}
}

// ok runs cmd and fails the test unless it succeeds quietly.
func (cb *commandBlog) ok(t *testing.T, cfg *gossh.ClientConfig, stdin, cmd string) string {
	t.Helper()
	r := cb.do(t, cfg, stdin, cmd)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("%s: exit %d, stderr %q", cmd, r.code, r.stderr)
	}
	return r.stdout
}

// fails runs cmd and fails the test unless it exits 1 with stderr exactly
// want (one line) and nothing on stdout.
func (cb *commandBlog) fails(t *testing.T, cfg *gossh.ClientConfig, stdin, cmd, want string) {
	t.Helper()
	r := cb.do(t, cfg, stdin, cmd)
	if r.code != 1 || r.stdout != "" || r.stderr != want+"\n" {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and %q", cmd, r.code, r.stdout, r.stderr, want)
	}
}

const helloV1 = "---\ntitle: 안녕\ndate: 2024-03-01\ntags: [인사]\n---\n첫 글입니다.\n"

// TestCommandsOverSSH checks what the server adds to the commands (which
// package command tests): who the client is, from the key it proved it
// holds; its stdin, stdout and stderr; and the exit status.
func TestCommandsOverSSH(t *testing.T) {
	cb := newCommandBlog(t)
	a, r := cb.author, cb.reader
	if got := cb.ok(t, a, helloV1, "publish hello"); got != "published hello rev 1\n" {
		t.Errorf("publish = %q", got)
	}
	if got := cb.ok(t, r, "", "cat hello"); got != helloV1 {
		t.Errorf("cat hello = %q", got)
	}
	if got := cb.ok(t, r, "", "whoami"); got != "reader\n" {
		t.Errorf("whoami as a reader = %q", got)
	}
	if got := cb.ok(t, a, "", "whoami"); got != "author ash\n" {
		t.Errorf("whoami as an author = %q", got)
	}
	if got := cb.ok(t, cb.second, "", "whoami"); got != "author lee\n" {
		t.Errorf("whoami as the second author = %q", got)
	}
	cb.fails(t, r, "# x\n", "publish x", "sshblog: publish: permission denied: not an author")
	cb.fails(t, r, "", "frobnicate", `sshblog: unknown command "frobnicate"; try `+"`help`")
	cb.fails(t, a, "", "edit hello", "sshblog: edit: needs a terminal: ssh -t HOST edit hello")
}
