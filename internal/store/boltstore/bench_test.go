package boltstore

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// benchStore is a store holding n posts of about 2 KB, one a day from 1990.
func benchStore(b *testing.B, n int) *DB {
	b.Helper()
	db, err := Open(filepath.Join(b.TempDir(), "blog.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	start := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	body := strings.Repeat("동네를 달리며 생각한 것들. Notes on Go and SSH.\n\n", 30)
	changes := make([]store.Change, n)
	for i := range changes {
		src := fmt.Sprintf("---\ntitle: 서울의 봄 %d\ndate: %s\ntags: [go, 회고]\n---\n%s", i, start.AddDate(0, 0, i).Format(time.DateOnly), body)
		p, err := post.Parse([]byte(src), post.Options{Slug: fmt.Sprintf("post-%05d", i), Location: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		changes[i] = store.Change{Post: p, Author: "ash"}
	}
	if _, err := db.PutMany(context.Background(), changes); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkPublicList is what every new reader's session asks first.
func BenchmarkPublicList(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) {
			r := benchStore(b, n).Public()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if l, err := r.List(ctx); err != nil || len(l) != n {
					b.Fatalf("List: %d posts, %v", len(l), err)
				}
			}
		})
	}
}

// BenchmarkGet reads a post's current revision from the file, as opening
// it does.
func BenchmarkGet(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) {
			r := benchStore(b, n).Public()
			ctx := context.Background()
			slug := fmt.Sprintf("post-%05d", n/2)
			b.ReportAllocs()
			for b.Loop() {
				if rev, err := r.Get(ctx, slug); err != nil || len(rev.Source) == 0 {
					b.Fatalf("Get: %v", err)
				}
			}
		})
	}
}

// BenchmarkOpen opens a store of 10,000 posts, as a server starts.
func BenchmarkOpen(b *testing.B) {
	db := benchStore(b, 10000)
	path := db.bolt.Path()
	db.Close()
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if db.Len() != 10000 {
			b.Fatalf("%d posts", db.Len())
		}
		db.Close()
	}
}
