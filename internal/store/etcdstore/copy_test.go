package etcdstore

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

// TestCopyBoltToEtcdAndBack copies a blog with edits, a rename, a removal
// and aliases from a bbolt file to etcd and back to another file, checks
// every revision, and that a copy taken up again skips what is there.
func TestCopyBoltToEtcdAndBack(t *testing.T) {
	ctx := context.Background()
	from, err := store.Open(filepath.Join(t.TempDir(), "blog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	put := func(slug, src string) {
		t.Helper()
		p, err := post.Parse([]byte(src), post.Options{Slug: slug, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := from.Put(ctx, store.Change{Post: p, Author: "ash"}); err != nil {
			t.Fatal(err)
		}
	}
	put("hello", "# 안녕\n\n첫 글\n")
	put("hello", "# 안녕\n\n고친 글\n")
	put("gone", "# gone\n")
	if _, err := from.Remove(ctx, "gone", "misty", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := from.Rename(ctx, "hello", "greetings", "misty"); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		put(fmt.Sprintf("post-%02d", i), "# post\n\n본문\n")
	}

	e := startEtcd(t)
	mid := e.open(t, "/copy", nil)
	res, err := store.Copy(ctx, from, mid)
	if err != nil {
		t.Fatalf("bolt to etcd: %v", err)
	}
	if res.Copied != 32 || res.Aliases != 1 {
		t.Errorf("bolt to etcd: %+v", res)
	}
	again, err := store.Copy(ctx, from, mid)
	if err != nil || again.Copied != 0 || again.Skipped != 32 {
		t.Errorf("copying again: %+v, %v", again, err)
	}
	back, err := store.Open(filepath.Join(t.TempDir(), "back.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := store.Copy(ctx, mid, back); err != nil {
		t.Fatalf("etcd to bolt: %v", err)
	}
	if err := store.Verify(ctx, from, back); err != nil {
		t.Errorf("the round trip: %v", err)
	}
	if r, err := back.Get(ctx, "hello"); err != nil || r.Slug != "greetings" || !strings.Contains(string(r.Source), "고친 글") {
		t.Errorf("the alias after the round trip: %+v, %v", r, err)
	}
	// A target that went its own way is refused, not overwritten.
	p, _ := post.Parse([]byte("# other\n"), post.Options{Slug: "greetings", Location: time.UTC})
	if _, err := back.Put(ctx, store.Change{Post: p, Author: "kim"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Copy(ctx, from, back); err == nil || !strings.Contains(err.Error(), "revision") {
		t.Errorf("copying onto a post at another revision: %v", err)
	}
}
