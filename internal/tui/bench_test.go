package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

// benchBlog is a real store holding n posts, a Korean title and a few
// paragraphs each, one a day from 1990.
func benchBlog(b *testing.B, n int) *boltstore.DB {
	b.Helper()
	db, err := boltstore.Open(filepath.Join(b.TempDir(), "blog.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	start := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	body := strings.Repeat("동네를 달리며 생각한 것들. Notes on Go and SSH.\n\n", 20)
	changes := make([]store.Change, n)
	for i := range changes {
		src := mdPost(fmt.Sprintf("서울의 봄 %d: notes", i), start.AddDate(0, 0, i).Format(time.DateOnly), []string{"go", "회고"}, body)
		p, err := post.Parse(src, post.Options{Slug: fmt.Sprintf("post-%05d", i), Location: time.UTC})
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

// BenchmarkFirstFrame is a new session's model up to its first frame: New
// (which reads the list) and View, with the items shared between sessions
// as the server shares them. The figure should not grow with the blog.
func BenchmarkFirstFrame(b *testing.B) {
	for _, n := range []int{1, 100, 10000} {
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) {
			db := benchBlog(b, n)
			opts := Options{Title: blogTitle, Posts: db.Public(), Renderer: render.New(16 << 20), Location: time.UTC, Width: 80, Height: 24, Shared: NewShared()}
			want := fmt.Sprintf("서울의 봄 %d", n-1)
			b.ReportAllocs()
			for b.Loop() {
				if v := New(opts).View(); !strings.Contains(v.Content, want) {
					b.Fatalf("the first frame lacks the newest post:\n%s", v.Content)
				}
			}
		})
	}
}

// BenchmarkOpenPost is Enter on the newest post, its render cached, until
// the frame that shows it.
func BenchmarkOpenPost(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) {
			db := benchBlog(b, n)
			opts := Options{Title: blogTitle, Posts: db.Public(), Renderer: render.New(16 << 20), Location: time.UTC, Width: 80, Height: 24, Shared: NewShared()}
			// A first session renders the post into the cache.
			warm := New(opts)
			_, cmd := warm.Update(keyPress("enter"))
			for cmd != nil {
				_, cmd = warm.Update(cmd())
			}
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				m := New(opts)
				b.StartTimer()
				m.Update(keyPress("enter"))
				if v := m.View(); !strings.Contains(v.Content, "동네를") {
					b.Fatalf("the frame after enter lacks the post:\n%s", v.Content)
				}
			}
		})
	}
}
