package etcdstore

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/stats"
)

// TestReadCountsOfTwoServers counts reads through two stores on one etcd
// prefix (two front ends), and reads the sums, renames and prunes.
func TestReadCountsOfTwoServers(t *testing.T) {
	ctx := context.Background()
	e := startEtcd(t)
	a, b := e.open(t, "/counts", nil), e.open(t, "/counts", nil)
	now := func() time.Time { return time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC) }
	ra := stats.New(a, stats.Options{Location: time.UTC, Now: now})
	rb := stats.New(b, stats.Options{Location: time.UTC, Now: now})
	for i := range 5 {
		ra.Record(stats.Event{Slug: "hello", Source: stats.SSH, Fingerprint: "SHA256:one"})
		rb.Record(stats.Event{Slug: "hello", Source: stats.Web, Addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), Referer: "https://news.example/item"})
	}
	for _, r := range []*stats.Recorder{ra, rb} {
		if err := r.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	day := stats.DayOf(now(), time.UTC)
	counts, err := a.StatCounts(ctx, day, day, "hello")
	if err != nil {
		t.Fatal(err)
	}
	reads, uniques := 0, 0
	for _, c := range counts {
		reads += c.Reads
		uniques += c.Uniques
	}
	if reads != 10 || uniques != 2 {
		t.Errorf("reads %d, uniques %d: want 10 reads by 2 readers (one key; one /24)", reads, uniques)
	}
	if err := a.RenameStats(ctx, "hello", "greetings"); err != nil {
		t.Fatal(err)
	}
	if c, _ := b.StatCounts(ctx, day, day, "hello"); len(c) != 0 {
		t.Errorf("counts left under the old name: %+v", c)
	}
	if c, _ := b.StatCounts(ctx, day, day, ""); len(c) != 2 || c[0].Slug != "greetings" {
		t.Errorf("after the rename: %+v", c)
	}
	if err := a.PruneStats(ctx, day+1); err != nil {
		t.Fatal(err)
	}
	if c, _ := a.StatCounts(ctx, 0, day+10, ""); len(c) != 0 {
		t.Errorf("after pruning: %+v", c)
	}
}
