// Package servertest serves a blog in a temporary folder through the real
// SSH server on a loopback port, for tests that run its commands with an
// x/crypto/ssh client: as the author ash, the author lee, or a reader.
package servertest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/authors"
	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/server"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store/boltstore"
	"github.com/sshblog/sshblog/internal/tui"
)

// Blog is a real server on loopback over a bbolt store in a temporary
// folder, and clients holding the keys of its authors and of a reader.
type Blog struct {
	Addr   string              // where the server listens
	DB     *boltstore.DB       // the store, for checking what was written
	Author *gossh.ClientConfig // ash, an author
	Second *gossh.ClientConfig // lee, another author
	Reader *gossh.ClientConfig // a key that is no author's
}

// Result is what a command printed and its exit status.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Title is the blog's title, which `help` prints.
const Title = "테스트 블로그"

// ReadingWidth is the blog's reading width, the reading-width setting's
// default.
const ReadingWidth = 100

// Start serves a blog with the rules in cfg; its location is UTC, it counts
// reads, and it has the two authors ash and lee. The server stops, and the
// store closes, when the test ends.
func Start(t testing.TB, cfg blog.Config) *Blog {
	t.Helper()
	return StartFiles(t, cfg, nil)
}

// StartFiles is Start with files: the images the reader and read draw
// (see tui.Files); nil is none.
func StartFiles(t testing.TB, cfg blog.Config, files tui.Files) *Blog {
	t.Helper()
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "blog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ash, lee, reader := NewSigner(t), NewSigner(t), NewSigner(t)
	counts := stats.New(db, stats.Options{Location: time.UTC})
	t.Cleanup(func() { counts.Close(context.Background()) })
	cfg.Location, cfg.Stats, cfg.Authors = time.UTC, counts, func() int { return 2 }
	authors := keyAuthors{"ash": ash.PublicKey(), "lee": lee.PublicKey()}
	srv, err := server.New(server.Config{Title: Title, HostKey: NewSigner(t), ReadingWidth: ReadingWidth, Files: files}, blog.New(db, cfg), render.New(1<<20), authors, slog.New(slog.DiscardHandler))
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
	return &Blog{Addr: l.Addr().String(), DB: db, Author: client(ash), Second: client(lee), Reader: client(reader)}
}

// Do runs cmd as the client cfg with stdin.
func (b *Blog) Do(t testing.TB, cfg *gossh.ClientConfig, stdin, cmd string) Result {
	t.Helper()
	return b.DoReader(t, cfg, strings.NewReader(stdin), cmd)
}

// DoReader runs cmd as the client cfg with stdin read from r.
func (b *Blog) DoReader(t testing.TB, cfg *gossh.ClientConfig, r io.Reader, cmd string) Result {
	t.Helper()
	return b.run(t, cfg, r, cmd, 0)
}

// DoTerminal runs cmd as the client cfg with a terminal of width columns
// (as `ssh -t` does) and no input.
func (b *Blog) DoTerminal(t testing.TB, cfg *gossh.ClientConfig, cmd string, width int) Result {
	t.Helper()
	return b.run(t, cfg, nil, cmd, width)
}

// DoAnswering runs cmd as the client cfg with a terminal of width
// columns that answers a query it is sent (the bytes query, seen anywhere
// in what it is sent) with answer, as a terminal answers on its input.
func (b *Blog) DoAnswering(t testing.TB, cfg *gossh.ClientConfig, cmd string, width int, query, answer string) Result {
	t.Helper()
	pr, pw := io.Pipe()
	// The client waits for its input to end: it ends after the answer,
	// or after a while if the query never comes.
	stop := time.AfterFunc(5*time.Second, func() { pw.Close() })
	defer stop.Stop()
	out := &answering{query: query, answer: answer, w: pw}
	return b.runTo(t, cfg, pr, out, cmd, width)
}

// answering is a terminal's screen that answers a query: what it is sent
// is kept, and once query is among it, answer is written to w.
type answering struct {
	mu            sync.Mutex
	buf           bytes.Buffer
	query, answer string
	w             *io.PipeWriter
	answered      bool
}

func (a *answering) Write(p []byte) (int, error) {
	a.mu.Lock()
	a.buf.Write(p)
	send := !a.answered && a.query != "" && strings.Contains(a.buf.String(), a.query)
	a.answered = a.answered || send
	a.mu.Unlock()
	if send {
		go func() {
			_, _ = io.WriteString(a.w, a.answer)
			a.w.Close()
		}()
	}
	return len(p), nil
}

func (a *answering) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.buf.String()
}

// run runs cmd as the client cfg with stdin read from r, and with a
// terminal of width columns if width is positive.
func (b *Blog) run(t testing.TB, cfg *gossh.ClientConfig, r io.Reader, cmd string, width int) Result {
	t.Helper()
	return b.runTo(t, cfg, r, nil, cmd, width)
}

// runTo is run with stdout written to out (nil: kept in a buffer).
func (b *Blog) runTo(t testing.TB, cfg *gossh.ClientConfig, r io.Reader, out interface {
	io.Writer
	String() string
}, cmd string, width int) Result {
	t.Helper()
	client, err := gossh.Dial("tcp", b.Addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if width > 0 {
		if err := sess.RequestPty("xterm-256color", 40, width, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
	}
	var errOut bytes.Buffer
	if out == nil {
		out = &bytes.Buffer{}
	}
	sess.Stdin, sess.Stdout, sess.Stderr = r, out, &errOut
	err = sess.Run(cmd)
	var exit *gossh.ExitError
	code := 0
	switch {
	case errors.As(err, &exit):
		code = exit.ExitStatus()
	case err != nil:
		t.Fatalf("%s: %v", cmd, err)
	}
	return Result{out.String(), errOut.String(), code}
}

// OK runs cmd and fails the test unless it succeeds with nothing on stderr.
// It returns what cmd printed.
func (b *Blog) OK(t testing.TB, cfg *gossh.ClientConfig, stdin, cmd string) string {
	t.Helper()
	r := b.Do(t, cfg, stdin, cmd)
	if r.Code != 0 || r.Stderr != "" {
		t.Fatalf("%s: exit %d, stderr %q", cmd, r.Code, r.Stderr)
	}
	return r.Stdout
}

// Fails runs cmd and fails the test unless it exits 1 with stderr exactly
// the line want and nothing on stdout.
func (b *Blog) Fails(t testing.TB, cfg *gossh.ClientConfig, stdin, cmd, want string) {
	t.Helper()
	r := b.Do(t, cfg, stdin, cmd)
	if r.Code != 1 || r.Stdout != "" || r.Stderr != want+"\n" {
		t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 and %q", cmd, r.Code, r.Stdout, r.Stderr, want)
	}
}

// keyAuthors names the holders of keys authors.
type keyAuthors map[string]gossh.PublicKey

// Lookup returns the name of the author who holds key.
func (a keyAuthors) Lookup(key gossh.PublicKey, _ netip.Addr) authors.Grant {
	for name, k := range a {
		if bytes.Equal(key.Marshal(), k.Marshal()) {
			return authors.Grant{Name: name}
		}
	}
	return authors.Grant{}
}

// NewSigner makes an ed25519 key, for a host or a client.
func NewSigner(t testing.TB) gossh.Signer {
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

// client is a client that logs in with s and trusts any host key.
func client(s gossh.Signer) *gossh.ClientConfig {
	return &gossh.ClientConfig{
		User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(s)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
	}
}
