package etcdstore

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/storetest"
)

// BenchmarkPublish measures publishes (one new revision each, fsync'd by a
// single-node etcd) from 8 concurrent writers.
func BenchmarkPublish(b *testing.B) {
	e := startEtcd(b)
	s := e.open(b, "/bench", nil)
	ctx := context.Background()
	var n atomic.Int64
	b.SetParallelism(max(1, 8/runtimeProcs()))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			p := storetest.Parse(b, fmt.Sprintf("post-%d", i%64), fmt.Sprintf("---\ntitle: %d\n---\nbody %d\n", i, i))
			if _, err := s.Put(ctx, store.Change{Post: p, Author: "bench"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "publishes/s")
}

// BenchmarkOpen10k measures opening a store on a prefix of 10,000 posts.
func BenchmarkOpen10k(b *testing.B) {
	e := startEtcd(b)
	s := e.open(b, "/bench", nil)
	ctx := context.Background()
	changes := make([]store.Change, 10000)
	for i := range changes {
		p, err := post.Parse([]byte(fmt.Sprintf("---\ntitle: 글 %d\ndate: 2024-01-01\n---\n본문 %d\n", i, i)), post.Options{Slug: fmt.Sprintf("post-%05d", i), Location: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		changes[i] = store.Change{Post: p, Author: "bench"}
	}
	if _, err := s.PutMany(ctx, changes); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		o, err := Open(ctx, Config{Endpoints: []string{e.Client}, Prefix: "/bench"})
		if err != nil {
			b.Fatal(err)
		}
		if o.Len() != 10000 {
			b.Fatalf("opened %d posts", o.Len())
		}
		o.Close()
	}
}

// runtimeProcs is GOMAXPROCS, which RunParallel multiplies the parallelism by.
func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
