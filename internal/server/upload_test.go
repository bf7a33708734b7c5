package server_test

import (
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/server/servertest"
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

func TestOversizedPublishIsRefusedAndStoresNothing(t *testing.T) {
	const limit = 4 << 10
	cb := servertest.Start(t, blog.Config{MaxPostSize: limit})

	// An endless upload is refused while it streams: the server reads
	// limit+1 bytes and the client gets no further than the channel's
	// window (2 MiB) past them.
	in := &endless{}
	r := cb.DoReader(t, cb.Author, in, "publish big")
	if r.Code != 1 || !strings.Contains(r.Stderr, "too large: the limit is 4 KiB") {
		t.Errorf("an endless publish: %+v; want exit 1 and too large", r)
	}
	if sent := in.read.Load(); sent > 4<<20 {
		t.Errorf("the client sent %d bytes before the refusal", sent)
	}
	if n := len(cb.DB.AllEntries()); n != 0 {
		t.Errorf("a refused upload left %d posts", n)
	}

	// One byte over is refused too, and exactly the limit is published
	// intact, from the buffer the refusals gave back.
	exact := "# big\n" + strings.Repeat("가", (limit-6)/3) + strings.Repeat("\n", (limit-6)%3)
	if len(exact) != limit {
		t.Fatalf("the post is %d bytes, not %d", len(exact), limit)
	}
	if r := cb.Do(t, cb.Author, exact+"\n", "publish big"); r.Code != 1 || !strings.Contains(r.Stderr, "too large") {
		t.Errorf("a post one byte over: %+v", r)
	}
	cb.OK(t, cb.Author, exact, "publish big")
	if got := cb.OK(t, cb.Reader, "", "cat big"); got != exact {
		t.Errorf("cat big is %d bytes, want the %d published", len(got), len(exact))
	}
}
