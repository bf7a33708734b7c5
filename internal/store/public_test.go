package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
)

func TestPublicFollowsTheClock(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	db, err := Open(filepath.Join(t.TempDir(), "blog.db"), WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	put := func(slug, src string) {
		p, err := post.Parse([]byte(src), post.Options{Slug: slug, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Put(ctx, Change{Post: p, Author: "ash"}); err != nil {
			t.Fatal(err)
		}
	}
	put("past", "---\ntitle: past\ndate: 2024-12-31\n---\n")
	put("soon", "---\ntitle: soon\ndate: 2025-01-01 10:00\n---\n")
	put("draft", "---\ntitle: draft\ndraft: true\n---\n")
	slugs := func() []string {
		list, err := db.Public().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range list {
			out = append(out, e.Slug)
		}
		return out
	}
	if got := slugs(); len(got) != 1 || got[0] != "past" {
		t.Errorf("at 09:00 readers see %v, want [past]", got)
	}
	if _, err := db.Public().Get(ctx, "soon"); err == nil {
		t.Errorf("a scheduled post can be read before its time")
	}
	next, ok := db.NextScheduled(now)
	if !ok || !next.Equal(time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("NextScheduled = %v %v", next, ok)
	}
	now = now.Add(time.Hour - time.Nanosecond)
	if got := slugs(); len(got) != 1 {
		t.Errorf("a moment before 10:00 readers see %v, want [past]", got)
	}
	now = now.Add(time.Nanosecond)
	if got := slugs(); len(got) != 2 || got[0] != "soon" {
		t.Errorf("at 10:00 readers see %v, want [soon past]", got)
	}
	if _, ok := db.NextScheduled(now); ok {
		t.Errorf("nothing is scheduled after 10:00")
	}
	if all, _ := db.List(ctx); len(all) != 3 {
		t.Errorf("authors see %d posts, want 3 with the draft", len(all))
	}
	// A clock set back is believed too.
	now = now.Add(-time.Hour)
	if got := slugs(); len(got) != 1 {
		t.Errorf("back at 09:00 readers see %v, want [past]", got)
	}
}

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
		if _, err := db.Put(ctx, Change{Post: p, Author: "ash"}); err != nil {
			t.Fatal(err)
		}
	}
	put("one")
	for name, r := range map[string]Reader{"list": db, "public-list": db.Public()} {
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
