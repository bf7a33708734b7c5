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
	"github.com/sshblog/sshblog/internal/post"
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

func TestReadFromStopsAtTheFirstByteOverTheLimit(t *testing.T) {
	var bufs uploadBuffers
	for _, tc := range []struct {
		name    string
		size    int64
		limit   int64
		tooBig  bool
		wantErr string
	}{
		{name: "empty", size: 0, limit: 10},
		{name: "under", size: 9, limit: 10},
		{name: "at the limit", size: 10, limit: 10},
		{name: "past a small buffer", size: smallUpload + 1, limit: post.MaxSize},
		{name: "at the largest post", size: post.MaxSize, limit: post.MaxSize},
		{name: "over by one", size: 11, limit: 10, tooBig: true, wantErr: "post is too large: the limit is 10 bytes"},
		{name: "far over", size: 1 << 20, limit: 10, tooBig: true},
		{name: "zero limit", size: 1, limit: 0, tooBig: true},
		{name: "a MiB over a MiB", size: 2 << 20, limit: post.MaxSize, tooBig: true, wantErr: "the limit is 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := make([]byte, tc.size)
			for i := range want {
				want[i] = byte('a' + i%23)
			}
			src := bytes.NewReader(want)
			data, release, err := bufs.readAll(src, tc.limit)
			if tc.tooBig {
				if !errors.Is(err, post.ErrTooLarge) || data != nil || release != nil {
					t.Fatalf("readAll = %d bytes, release %v, %v; want post.ErrTooLarge", len(data), release != nil, err)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %q does not say %q", err, tc.wantErr)
				}
				if read := tc.size - int64(src.Len()); read != tc.limit+1 {
					t.Errorf("read %d bytes of %d; want it to stop at limit+1 = %d", read, tc.size, tc.limit+1)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("read %d bytes, not the %d sent", len(data), tc.size)
			}
			release()
		})
	}
}

func TestReadFromPassesOnReadErrors(t *testing.T) {
	var bufs uploadBuffers
	boom := errors.New("boom")
	_, _, err := bufs.readAll(io.MultiReader(strings.NewReader("abc"), iotestErrReader{boom}), 10)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "reading an upload") {
		t.Errorf("err = %v, want it to wrap %v", err, boom)
	}
	if _, _, err := bufs.readAll(strings.NewReader(""), -1); err == nil {
		t.Error("a negative limit was accepted")
	}
}

// iotestErrReader fails every read with err.
type iotestErrReader struct{ err error }

// Read returns the error.
func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestUploadsNeverShowAFormerUpload(t *testing.T) {
	var bufs uploadBuffers
	first := &upload{limit: 64, bufs: &bufs}
	if _, err := first.WriteAt([]byte("secret draft"), 0); err != nil {
		t.Fatal(err)
	}
	first.TransferError(errors.New("torn")) // gives its buffer back
	// The pool may hand the same buffer to the next upload, which writes
	// only past the start.
	second := &upload{limit: 64, bufs: &bufs}
	if _, err := second.WriteAt([]byte("end"), 20); err != nil {
		t.Fatal(err)
	}
	if want := append(make([]byte, 20), "end"...); !bytes.Equal(second.data.b, want) {
		t.Errorf("the second upload holds %q, want %q", second.data.b, want)
	}
}

func TestUploadsMoveToALargerBufferIntact(t *testing.T) {
	var bufs uploadBuffers
	u := &upload{limit: post.MaxSize, bufs: &bufs}
	head := bytes.Repeat([]byte("0123456789"), smallUpload/10)
	if _, err := u.WriteAt(head, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := u.WriteAt([]byte("tail"), 2*smallUpload); err != nil {
		t.Fatal(err)
	}
	want := append(append(head, make([]byte, 2*smallUpload-len(head))...), "tail"...)
	if !bytes.Equal(u.data.b, want) {
		t.Errorf("after moving to a large buffer the upload is %d bytes, not the %d written", len(u.data.b), len(want))
	}
	if _, err := u.WriteAt([]byte("x"), post.MaxSize); err == nil || u.data.b != nil {
		t.Errorf("a write past the limit: %v, and %d bytes still held", err, len(u.data.b))
	}
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
