package etcdstore

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdtest"
	"github.com/sshblog/sshblog/internal/store/storetest"
)

// openOn opens a store on the members of a cluster, with a request
// timeout of 1 s; it closes with the test.
func openOn(t *testing.T, members []*etcdtest.Server) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{Endpoints: strings.Split(etcdtest.Endpoints(members), ","), Prefix: "/blog", RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestAwayServesWhatItHolds takes the quorum of a three-member cluster
// away under a server that learnt of a post from etcd (not by writing it):
// its history and every revision are served from memory; what needs etcd
// (read counts, a backup, proposals) fails at once with ErrAway, and a
// write at once with ErrUnavailable.
func TestAwayServesWhatItHolds(t *testing.T) {
	ctx := context.Background()
	members := etcdtest.StartCluster(t, 3)
	w := openOn(t, members)
	for _, src := range []string{"# a\n", "# b\n", "# c\n"} {
		if _, err := w.Put(ctx, store.Change{Post: storetest.Parse(t, "a", src), Author: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	s := openOn(t, members)
	it, _ := s.mirror.Snapshot().Item("a")
	if !waitFor(func() bool { _, ok := s.history.get(it.ID, "a", 3); return ok }) {
		t.Fatal("the history was not read ahead")
	}
	members[1].Stop()
	members[2].Stop()
	if !waitFor(func() bool { return s.Unreachable() }) && !waitFor(func() bool { return s.Unreachable() }) && !waitFor(func() bool { return s.Unreachable() }) {
		t.Fatal("the store did not notice etcd was away")
	}
	start := time.Now()
	h, err := s.History(ctx, "a")
	if err != nil || len(h) != 3 || h[2].Rev != 3 || h[0].Slug != "a" || h[0].Source != nil {
		t.Errorf("history with etcd away: %+v, %v", h, err)
	}
	for rev := uint64(1); rev <= 3; rev++ {
		if r, err := s.Revision(ctx, "a", rev); err != nil || len(r.Source) == 0 {
			t.Errorf("revision %d with etcd away: %v", rev, err)
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("reads from memory took %v", d)
	}
	// A history it does not hold is refused at once, saying why.
	s.history.mu.Lock()
	delete(s.history.byID, it.ID)
	s.history.mu.Unlock()
	start = time.Now()
	if _, err := s.History(ctx, "a"); !errors.Is(err, store.ErrAway) || time.Since(start) > 100*time.Millisecond {
		t.Errorf("a history not held, with etcd known away: %v after %v, want ErrAway at once", err, time.Since(start))
	}
	for what, do := range map[string]func() error{
		"read counts": func() error { _, err := s.StatCounts(ctx, 0, stats.Day(1<<30), ""); return err },
		"backup":      func() error { _, err := s.WriteTo(io.Discard); return err },
		"proposals":   func() error { _, err := s.OpenProposals(ctx); return err },
	} {
		start := time.Now()
		err := do()
		if d := time.Since(start); !errors.Is(err, store.ErrAway) || d > 100*time.Millisecond {
			t.Errorf("%s with etcd known away: %v after %v, want ErrAway at once", what, err, d)
		}
	}
	start = time.Now()
	_, err = s.Put(ctx, store.Change{Post: storetest.Parse(t, "b", "# b\n"), Author: "x"})
	d := time.Since(start)
	t.Logf("a write with etcd known away failed after %v", d)
	if !errors.Is(err, store.ErrUnavailable) || d > 100*time.Millisecond {
		t.Errorf("put with etcd known away: %v after %v, want ErrUnavailable at once", err, d)
	}
}

// TestFirstWriteFindsOut: a write that finds the cluster without a quorum
// waits its timeout, and the next one is refused at once, before any
// heartbeat.
func TestFirstWriteFindsOut(t *testing.T) {
	ctx := context.Background()
	members := etcdtest.StartCluster(t, 3)
	s := openOn(t, members)
	members[1].Stop()
	members[2].Stop()
	// Stopping members takes a while: the store's own check may find the
	// outage first, and then no write is the one to find out.
	knewFirst := s.Unreachable()
	start := time.Now()
	_, err := s.Put(ctx, store.Change{Post: storetest.Parse(t, "a", "# a\n"), Author: "x"})
	first := time.Since(start)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("first put: %v", err)
	}
	start = time.Now()
	_, err = s.Put(ctx, store.Change{Post: storetest.Parse(t, "a", "# a\n"), Author: "x"})
	second := time.Since(start)
	t.Logf("the first write failed after %v, the second after %v", first, second)
	if !errors.Is(err, store.ErrUnavailable) || second > 100*time.Millisecond {
		t.Errorf("second put: %v after %v, want ErrUnavailable at once", err, second)
	}
	switch {
	case knewFirst:
		t.Logf("the store's check found the outage before the first write")
	case first < 500*time.Millisecond:
		t.Errorf("the first write gave up after %v, before its timeout", first)
	}
}
