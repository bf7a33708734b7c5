package gitrepo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

// bigBlog is a blog of posts posts and revs revisions in all, each
// revision at a time of its own.
func bigBlog(b *testing.B, posts, revs int) (*blog.Service, store.Store) {
	b.Helper()
	db, err := boltstore.Open(filepath.Join(b.TempDir(), "blog.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	body := make([]byte, 4000)
	for i := range body {
		body[i] = 'a' + byte(i%26)
		if i%80 == 79 {
			body[i] = '\n'
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	var cs []store.Change
	flush := func() {
		if _, err := db.PutMany(ctx, cs); err != nil {
			b.Fatal(err)
		}
		cs = cs[:0]
	}
	for i := range revs {
		n := i
		if i >= posts {
			n = rnd.IntN(posts)
		}
		src := fmt.Sprintf("---\ntitle: Post %d\ndate: 2024-01-01\ntags: [a, b]\n---\n%s\nedit %d\n", n, body, i)
		p, err := post.Parse([]byte(src), post.Options{Slug: fmt.Sprintf("post-%05d", n), Location: time.UTC})
		if err != nil {
			b.Fatal(err)
		}
		cs = append(cs, store.Change{Post: p, Author: "ash"})
		if len(cs) == 500 {
			flush()
		}
	}
	flush()
	return blog.New(db, blog.Config{Location: time.UTC}), db
}

// BenchmarkViews: building the views of a blog of 3,000 posts and 10,000
// revisions, keeping them current after one publish, and writing a whole
// clone's pack.
func BenchmarkViews(b *testing.B) {
	bl, _ := bigBlog(b, 3000, 10000)
	ctx := context.Background()
	r := benchBuild(b, bl)
	n := 0
	b.Run("after-one-publish", func(b *testing.B) {
		for b.Loop() {
			n++
			src := fmt.Sprintf("---\ntitle: New %d\n---\nnew\n", n)
			if _, err := bl.Publish(ctx, ash, []byte(src), blog.PublishOptions{Slug: fmt.Sprintf("new-%d", n)}); err != nil {
				b.Fatal(err)
			}
			if _, err := r.View(ctx, ash); err != nil {
				b.Fatal(err)
			}
			if _, err := r.View(ctx, blog.Identity{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("clone-pack", func(b *testing.B) {
		v, _ := r.View(ctx, ash)
		for b.Loop() {
			st, err := v.WritePack(ctx, bl, ash, io.Discard, -1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(st.Bytes)/(1<<20), "MiB")
		}
	})
}

// BenchmarkViewsWithFiles: the views and a clone's pack of a blog of 3,000
// posts and 10,000 revisions that also keeps 1,000 files of 20 KiB in 20
// folders, stored ten at a time, then one more file stored.
func BenchmarkViewsWithFiles(b *testing.B) {
	bl, _ := bigBlog(b, 3000, 10000)
	ctx := context.Background()
	rnd := rand.New(rand.NewPCG(3, 4))
	data := func() []byte {
		d := make([]byte, 20<<10)
		for i := range d {
			d[i] = 'a' + byte(rnd.IntN(26))
		}
		return d
	}
	for i := 0; i < 1000; i += 10 {
		var fs []blog.NewFile
		for j := i; j < i+10; j++ {
			fs = append(fs, blog.NewFile{Path: fmt.Sprintf("/assets/f%02d/%04d.txt", j%20, j), Data: data()})
		}
		if _, err := bl.PutFiles(ctx, ash, fs); err != nil {
			b.Fatal(err)
		}
	}
	r := benchBuild(b, bl)
	n := 0
	b.Run("after-one-file", func(b *testing.B) {
		for b.Loop() {
			n++
			if _, err := bl.PutFiles(ctx, ash, []blog.NewFile{{Path: fmt.Sprintf("/assets/new/%d.txt", n), Data: data()}}); err != nil {
				b.Fatal(err)
			}
			if _, err := r.View(ctx, ash); err != nil {
				b.Fatal(err)
			}
			if _, err := r.View(ctx, blog.Identity{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("clone-pack", func(b *testing.B) {
		v, _ := r.View(ctx, ash)
		for b.Loop() {
			st, err := v.WritePack(ctx, bl, ash, io.Discard, -1)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(st.Bytes)/(1<<20), "MiB")
		}
	})
}

// benchBuild measures building both views of bl from nothing, then
// returns a repository with both built.
func benchBuild(b *testing.B, bl *blog.Service) *Repo {
	ctx := context.Background()
	views := func() *Repo {
		r := New(bl, nil)
		if _, err := r.View(ctx, ash); err != nil {
			b.Fatal(err)
		}
		if _, err := r.View(ctx, blog.Identity{}); err != nil {
			b.Fatal(err)
		}
		return r
	}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			views()
		}
	})
	return views()
}
