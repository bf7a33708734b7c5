package stats_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

// seoul is the blog's zone in these tests: a day there starts at 15:00 UTC.
var seoul = time.FixedZone("KST", 9*60*60)

// clock is a clock the tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// openStore opens a bbolt store in a temporary folder.
func openStore(t testing.TB) (*boltstore.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "blog.db")
	db, err := boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// newRecorder returns a recorder on st in Seoul's zone that writes only
// when told to (Flush), closed at the end of the test.
func newRecorder(t testing.TB, st stats.Store, clk *clock, o stats.Options) *stats.Recorder {
	t.Helper()
	o.Location = seoul
	o.Now = clk.Now
	if o.Interval == 0 {
		o.Interval = time.Hour
	}
	r := stats.New(st, o)
	t.Cleanup(func() { r.Close(context.Background()) })
	return r
}

// countingStore counts the writes that reach the real store it wraps.
type countingStore struct {
	*boltstore.DB
	adds   atomic.Int64
	counts atomic.Int64
}

func (s *countingStore) AddStatCounts(ctx context.Context, cs []stats.Count) error {
	s.adds.Add(1)
	s.counts.Add(int64(len(cs)))
	return s.DB.AddStatCounts(ctx, cs)
}

// stored returns the stored totals of slug (every post when "") over every
// day, and its referrers.
func stored(t testing.TB, db *boltstore.DB, slug string) (stats.Totals, map[string]int) {
	t.Helper()
	cs, err := db.StatCounts(context.Background(), 0, 1<<30, slug)
	if err != nil {
		t.Fatal(err)
	}
	var tot stats.Totals
	refs := map[string]int{}
	for _, c := range cs {
		tot.Reads += c.Reads
		tot.Uniques += c.Uniques
		tot.Bots += c.Bots
		for d, n := range c.Referrers {
			refs[d] += n
		}
	}
	return tot, refs
}

// storedOn returns the stored totals of slug on day d.
func storedOn(t testing.TB, db *boltstore.DB, slug string, d stats.Day) stats.Totals {
	t.Helper()
	cs, err := db.StatCounts(context.Background(), d, d, slug)
	if err != nil {
		t.Fatal(err)
	}
	var tot stats.Totals
	for _, c := range cs {
		if c.Day != d {
			t.Fatalf("asked for %s, got a count of %s", d, c.Day)
		}
		tot.Reads += c.Reads
		tot.Uniques += c.Uniques
		tot.Bots += c.Bots
	}
	return tot
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func flush(t testing.TB, r *stats.Recorder) {
	t.Helper()
	if err := r.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
}
