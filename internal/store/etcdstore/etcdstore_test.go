package etcdstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdtest"
	"github.com/sshblog/sshblog/internal/store/storetest"
)

// etcd is a real single-node etcd in the test process.
type etcd struct{ *etcdtest.Server }

// startEtcd starts etcd; it stops with the test.
func startEtcd(t testing.TB) etcd { return etcd{etcdtest.Start(t)} }

// stop and start stop etcd and bring it back.
func (e etcd) stop()              { e.Stop() }
func (e etcd) start(t testing.TB) { e.Restart(t) }

// open opens a store on prefix; it closes with the test.
func (e etcd) open(t testing.TB, prefix string, now func() time.Time) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{Endpoints: []string{e.Client}, Prefix: prefix, Now: now, RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	e := startEtcd(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return e.open(t, "/blogs/"+t.Name(), now)
	})
}

// waitFor polls cond for up to a second.
func waitFor(cond func() bool) bool {
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

func TestTwoServersOneBlog(t *testing.T) {
	ctx := context.Background()
	e := startEtcd(t)
	a, b := e.open(t, "/blog", nil), e.open(t, "/blog", nil)
	other := e.open(t, "/other-blog", nil)
	changed := b.Changed()
	if _, err := a.Put(ctx, store.Change{Post: storetest.Parse(t, "hello", "# 안녕\n"), Author: "ash"}); err != nil {
		t.Fatal(err)
	}
	seen := waitFor(func() bool {
		l, _ := b.List(ctx)
		return len(l) == 1 && l[0].Slug == "hello"
	})
	if !seen {
		t.Fatal("the other server did not see the post within a second")
	}
	select {
	case <-changed:
	default:
		t.Error("the other server's Changed was not closed")
	}
	if r, err := b.Get(ctx, "hello"); err != nil || string(r.Source) != "# 안녕\n" {
		t.Errorf("the other server reads %q, %v", r.Source, err)
	}
	if _, err := a.Rename(ctx, "hello", "hi", "ash"); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { e, ok := b.Entry("hello"); return ok && e.Slug == "hi" }) {
		t.Error("the other server did not follow the rename")
	}
	if other.Len() != 0 {
		t.Errorf("another blog on the cluster sees %d posts", other.Len())
	}

	// Both race to edit revision 2 (the rename): exactly one wins.
	const racers = 8
	var wins, conflicts atomic.Int32
	var wg sync.WaitGroup
	for i := range racers {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			rev := uint64(2)
			_, err := s.Put(ctx, store.Change{Post: storetest.Parse(t, "hi", fmt.Sprintf("# %d\n", i)), Author: "x", IfRev: &rev})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, store.ErrConflict):
				conflicts.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != racers-1 {
		t.Errorf("%d wins and %d conflicts, want 1 and %d", wins.Load(), conflicts.Load(), racers-1)
	}
}

func TestEtcdDownAndBack(t *testing.T) {
	ctx := context.Background()
	e := startEtcd(t)
	s := e.open(t, "/blog", nil)
	if _, err := s.Put(ctx, store.Change{Post: storetest.Parse(t, "a", "# a\n"), Author: "x"}); err != nil {
		t.Fatal(err)
	}
	e.stop()
	if l, err := s.List(ctx); err != nil || len(l) != 1 {
		t.Errorf("list with etcd down: %v %v", l, err)
	}
	_, err := s.Put(ctx, store.Change{Post: storetest.Parse(t, "b", "# b\n"), Author: "x"})
	if !errors.Is(err, store.ErrUnavailable) || err.Error() != "the store is away (etcd unreachable); nothing was stored" {
		t.Errorf("put with etcd down: %v", err)
	}
	e.start(t)
	// Another server writes once etcd is back; this one catches up.
	other := e.open(t, "/blog", nil)
	if _, err := other.Put(ctx, store.Change{Post: storetest.Parse(t, "c", "# c\n"), Author: "y"}); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { _, ok := s.Entry("c"); return ok }) {
		// The client may take a few seconds to redial.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, ok := s.Entry("c"); ok {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, ok := s.Entry("c"); !ok {
			t.Fatal("the store did not catch up after etcd came back")
		}
	}
	// Writes are refused at once while the store knows etcd is away; it
	// learns it is back within moments.
	if !waitFor(func() bool { return !s.Unreachable() }) {
		t.Error("the store still takes etcd for away")
	}
	if _, err := s.Put(ctx, store.Change{Post: storetest.Parse(t, "b", "# b\n"), Author: "x"}); err != nil {
		t.Errorf("put after etcd came back: %v", err)
	}
}

func TestLargePostFits(t *testing.T) {
	ctx := context.Background()
	e := startEtcd(t)
	s := e.open(t, "/blog", nil)
	body := "# big\n" + strings.Repeat("가나다라마바사아자차카타파하\n", (1<<20)/43)
	for i := range 2 {
		if _, err := s.Put(ctx, store.Change{Post: storetest.Parse(t, "big", body+fmt.Sprint(i)), Author: "x"}); err != nil {
			t.Fatalf("put %d of a %d-byte post: %v", i, len(body), err)
		}
	}
	if _, err := s.Rename(ctx, "big", "bigger", "x"); err != nil {
		t.Fatalf("renaming a big post: %v", err)
	}
	if h, err := s.History(ctx, "bigger"); err != nil || len(h) != 3 {
		t.Errorf("history = %d revisions, %v", len(h), err)
	}
}

func TestExportIsOneRevision(t *testing.T) {
	ctx := context.Background()
	e := startEtcd(t)
	s := e.open(t, "/blog", nil)
	for _, slug := range []string{"a", "b"} {
		if _, err := s.Put(ctx, store.Change{Post: storetest.Parse(t, slug, "# "+slug+"\n"), Author: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	var buf strings.Builder
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var head struct {
		Rev    int64  `json:"etcd_revision"`
		Prefix string `json:"prefix"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &head); err != nil || head.Rev == 0 || head.Prefix != "/blog/" {
		t.Fatalf("export header %q: %v", lines[0], err)
	}
	keys := map[string]bool{}
	for _, l := range lines[1:] {
		var kv struct{ Key string }
		if err := json.Unmarshal([]byte(l), &kv); err != nil {
			t.Fatal(err)
		}
		keys[kv.Key] = true
	}
	// meta/schema, two posts and their two revisions.
	if len(keys) != 5 || !keys["posts/a"] || !keys["posts/b"] || !keys["meta/schema"] {
		t.Errorf("exported keys %v", keys)
	}
}

// TestProposalsReachOtherServers: a proposal made through one server wakes
// the other (whose readers' lists mark it), which lists it and can approve
// it; the approval reaches the first.
func TestProposalsReachOtherServers(t *testing.T) {
	ctx := context.Background()
	e := startEtcd(t)
	a, b := e.open(t, "/blog", nil), e.open(t, "/blog", nil)
	changed := b.Changed()
	p, err := a.Propose(ctx, store.Change{Post: storetest.Parse(t, "new", "# 제안\n"), Author: "ash"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(time.Second):
		t.Error("the other server was not woken by a proposal")
	}
	open, err := b.OpenProposals(ctx)
	if err != nil || len(open) != 1 || open[0].Slug != "new" || open[0].Author != "ash" {
		t.Fatalf("the other server's open proposals: %+v, %v", open, err)
	}
	if _, err := b.Approve(ctx, p.N, "lee", store.Change{Post: storetest.Parse(t, "new", "# 제안\n"), Author: "ash"}); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { _, ok := a.Entry("new"); return ok }) {
		t.Error("the approval did not reach the first server")
	}
	if open, _ := a.OpenProposals(ctx); len(open) != 0 {
		t.Errorf("still open after the approval: %+v", open)
	}
}

// An import that etcd cannot take in one transaction and that stops part
// way says exactly how many of its writes were stored.
func TestImportStoppedSaysWhere(t *testing.T) {
	e := startEtcd(t)
	s := e.open(t, "/blog", nil)
	const n = 400
	var in store.Import
	for i := range n {
		in.Changes = append(in.Changes, store.Change{Post: storetest.Parse(t, fmt.Sprintf("p-%03d", i), fmt.Sprintf("# %d\n", i)), Author: "ash"})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := s.Changed()
	go func() { // the client leaves at the first write that is committed
		<-changed
		cancel()
	}()
	out, err := s.Import(ctx, in)
	stored := len(s.AllEntries())
	var stopped *store.ImportStopped
	switch {
	case err == nil:
		if stored != n {
			t.Errorf("an import that did not stop stored %d of %d", stored, n)
		}
	case errors.As(err, &stopped):
		if stopped.Done != stored || stopped.Total != n || !errors.Is(err, context.Canceled) {
			t.Errorf("stopped: %v; %d posts stored", err, stored)
		}
		written := 0
		for _, o := range out.Changes {
			if o.Entry.Rev != 0 {
				written++
			}
		}
		if written != stored {
			t.Errorf("the outcome says %d written, %d are stored", written, stored)
		}
		t.Logf("%v", err)
	default:
		t.Errorf("import: %v", err)
	}
}

// TestFilesReachOtherServers: a file stored through one server is listed
// and read on another, and on one opened later.
func TestFilesReachOtherServers(t *testing.T) {
	ctx := context.Background()
	e := startEtcd(t)
	a, b := e.open(t, "/blog", nil), e.open(t, "/blog", nil)
	data := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 400_000) // 1.6 MB: four pieces
	f := store.File{Hash: store.HashOf(data), Size: int64(len(data)), Type: "image/png"}
	if _, err := a.PutFiles(ctx, []store.FileChange{{Path: "/assets/x.png", Author: "ash", File: f, Data: data}}); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { _, ok := b.FileEntry("/assets/x.png"); return ok }) {
		t.Fatal("the other server did not hear of the file")
	}
	if b.MediaSize() != int64(len(data)) {
		t.Errorf("the other server counts %d bytes of media, want %d", b.MediaSize(), len(data))
	}
	got, err := b.FileData(ctx, f.Hash)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the other server read %d bytes, %v", len(got), err)
	}
	c := e.open(t, "/blog", nil)
	if fe, ok := c.FileEntry("/assets/x.png"); !ok || fe.Hash != f.Hash || c.MediaSize() != int64(len(data)) {
		t.Errorf("a server opened later: %+v, %v, media %d", fe, ok, c.MediaSize())
	}
}
