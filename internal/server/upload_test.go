package server

import (
	"strings"
	"sync/atomic"
	"testing"
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
	cb := newCommandBlogLimited(t, limit)

	// An endless upload is refused while it streams: the server reads
	// limit+1 bytes and the client gets no further than the channel's
	// window (2 MiB) past them.
	in := &endless{}
	r := cb.doReader(t, cb.author, in, "publish big")
	if r.code != 1 || !strings.Contains(r.stderr, "too large: the limit is 4 KiB") {
		t.Errorf("an endless publish: %+v; want exit 1 and too large", r)
	}
	if sent := in.read.Load(); sent > 4<<20 {
		t.Errorf("the client sent %d bytes before the refusal", sent)
	}
	if n := len(cb.db.AllEntries()); n != 0 {
		t.Errorf("a refused upload left %d posts", n)
	}

	// One byte over is refused too, and exactly the limit is published
	// intact, from the buffer the refusals gave back.
	exact := "# big\n" + strings.Repeat("가", (limit-6)/3) + strings.Repeat("\n", (limit-6)%3)
	if len(exact) != limit {
		t.Fatalf("the post is %d bytes, not %d", len(exact), limit)
	}
	if r := cb.do(t, cb.author, exact+"\n", "publish big"); r.code != 1 || !strings.Contains(r.stderr, "too large") {
		t.Errorf("a post one byte over: %+v", r)
	}
	cb.ok(t, cb.author, exact, "publish big")
	if got := cb.ok(t, cb.reader, "", "cat big"); got != exact {
		t.Errorf("cat big is %d bytes, want the %d published", len(got), len(exact))
	}
}
