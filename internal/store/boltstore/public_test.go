package boltstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

func TestListsAreShared(t *testing.T) {
	ctx := context.Background()
	db, err := Open(filepath.Join(t.TempDir(), "blog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put := func(slug string) {
		p, err := post.Parse([]byte("---\ntitle: "+slug+"\ndate: 2024-12-31\n---\n"), post.Options{Slug: slug, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Put(ctx, store.Change{Post: p, Author: "ash"}); err != nil {
			t.Fatal(err)
		}
	}
	put("one")
	for name, r := range map[string]store.Reader{"list": db, "public-list": db.Public()} {
		a, _ := r.List(ctx)
		b, _ := r.List(ctx)
		if len(a) == 0 || &a[0] != &b[0] {
			t.Errorf("%s: two calls made two lists of %d and %d posts", name, len(a), len(b))
		}
		put(name)
		c, _ := r.List(ctx)
		if len(c) != len(a)+1 {
			t.Errorf("%s: after a new post: %d posts, want %d", name, len(c), len(a)+1)
		}
	}
}
