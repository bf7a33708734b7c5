package stats_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/stats"
)

// BenchmarkRecord measures what a read pays: Record from many goroutines
// while the recorder aggregates and writes once a second.
func BenchmarkRecord(b *testing.B) {
	db, _ := openStore(b)
	r := stats.New(db, stats.Options{Location: seoul})
	b.Cleanup(func() { r.Close(ctx) })
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			r.Record(stats.Event{
				Slug:      "hello",
				Source:    stats.Web,
				Addr:      netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 1}),
				UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
				Referer:   "https://news.example/item?id=1",
			})
		}
	})
	b.StopTimer()
	st, err := r.Status(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Dropped)/float64(b.N), "dropped/op")
}

// BenchmarkFlush1000 measures one write of 1,000 pending counts (1,000
// posts read today), each added to the count already stored.
func BenchmarkFlush1000(b *testing.B) {
	db, _ := openStore(b)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	r := newRecorder(b, db, clk, stats.Options{})
	slugs := make([]string, 1000)
	for i := range slugs {
		slugs[i] = fmt.Sprintf("post-number-%d", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i, s := range slugs {
			r.Record(stats.Event{Slug: s, Source: stats.Source(i % 3), Fingerprint: s, Referer: "https://friend.example/"})
		}
		if err := r.Drain(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		flush(b, r)
	}
}

// BenchmarkAggregate measures the recorder's side of a read: taking it from
// the buffer, hashing the reader and counting it. Its inverse is the
// sustained rate of reads counted without drops.
func BenchmarkAggregate(b *testing.B) {
	db, _ := openStore(b)
	clk := newClock(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul))
	const batch = 4096
	r := newRecorder(b, db, clk, stats.Options{Buffer: batch, MaxReaders: 1 << 20})
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		b.StopTimer()
		resume := r.Pause()
		for range batch {
			n++
			r.Record(stats.Event{
				Slug:      "hello",
				Source:    stats.Web,
				Addr:      netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), 1}),
				UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
				Referer:   "https://news.example/item?id=1",
			})
		}
		b.StartTimer()
		resume()
		if err := r.Drain(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/read")
}
