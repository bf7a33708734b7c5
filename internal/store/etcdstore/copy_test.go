package etcdstore

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

// TestCopyBoltToEtcdAndBack copies a blog with edits, a rename, a removal
// and aliases from a bbolt file to etcd and back to another file, checks
// every revision, and that a copy taken up again skips what is there.
func TestCopyBoltToEtcdAndBack(t *testing.T) {
	ctx := context.Background()
	from, err := boltstore.Open(filepath.Join(t.TempDir(), "blog.db"))
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
	// Proposals: one open for a new post, one approved with a comment, one
	// rejected.
	propose := func(slug, src, author string) store.Proposal {
		t.Helper()
		p, _ := post.Parse([]byte(src), post.Options{Slug: slug, Location: time.UTC})
		prop, err := from.Propose(ctx, store.Change{Post: p, Author: author})
		if err != nil {
			t.Fatal(err)
		}
		return prop
	}
	propose("new-one", "# 새 글\n", "ash")
	ok := propose("post-00", "# post\n\n고침\n", "ash")
	if _, err := from.Annotate(ctx, "post-00", ok.N, store.Note{Author: "misty", Action: store.Commented, Text: "좋아요"}); err != nil {
		t.Fatal(err)
	}
	p, _ := post.Parse([]byte("# post\n\n고침\n"), post.Options{Slug: "post-00", Location: time.UTC})
	if _, err := from.Approve(ctx, ok.N, "misty", store.Change{Post: p, Author: "ash"}); err != nil {
		t.Fatal(err)
	}
	no := propose("post-01", "# no\n", "misty")
	if _, err := from.Annotate(ctx, "post-01", no.N, store.Note{Author: "ash", Action: store.Rejected, Text: "아니요"}); err != nil {
		t.Fatal(err)
	}

	// Files: one edited then removed, one large (several etcd pieces).
	file := func(path string, data []byte, action store.Action) {
		t.Helper()
		c := store.FileChange{Path: path, Author: "ash", Action: action, Data: data,
			File: store.File{Hash: store.HashOf(data), Size: int64(len(data)), Type: "image/png"}}
		if action != "" {
			c.Data, c.File = nil, store.File{}
		}
		if _, err := from.PutFiles(ctx, []store.FileChange{c}); err != nil {
			t.Fatal(err)
		}
	}
	file("/assets/a.png", []byte("one"), "")
	file("/assets/a.png", []byte("two"), "")
	file("/assets/a.png", nil, store.Removed)
	file("/assets/big.png", bytes.Repeat([]byte("그림"), 200_000), "")

	e := startEtcd(t)
	mid := e.open(t, "/copy", nil)
	res, err := store.Copy(ctx, from, mid)
	if err != nil {
		t.Fatalf("bolt to etcd: %v", err)
	}
	if res.Files != 2 {
		t.Errorf("bolt to etcd copied %d files, want 2", res.Files)
	}
	if h, err := mid.FileHistory(ctx, "/assets/a.png"); err != nil || len(h) != 3 || h[2].Action != store.Removed {
		t.Errorf("a file's history on etcd: %+v, %v", h, err)
	}
	var dump bytes.Buffer
	if _, err := mid.WriteTo(&dump); err != nil {
		t.Fatal(err)
	}
	d, err := ReadDump(&dump)
	if err != nil {
		t.Fatal(err)
	}
	fromDump, err := boltstore.Open(filepath.Join(t.TempDir(), "dump.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer fromDump.Close()
	if _, err := store.Copy(ctx, d, fromDump); err != nil {
		t.Errorf("an etcd backup restored to bbolt: %v", err)
	}
	if res.Copied != 32 || res.Aliases != 1 || res.Proposals != 3 {
		t.Errorf("bolt to etcd: %+v", res)
	}
	again, err := store.Copy(ctx, from, mid)
	if err != nil || again.Copied != 0 || again.Skipped != 32 {
		t.Errorf("copying again: %+v, %v", again, err)
	}
	back, err := boltstore.Open(filepath.Join(t.TempDir(), "back.db"))
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
	if open, err := back.OpenProposals(ctx); err != nil || len(open) != 1 || open[0].Slug != "new-one" {
		t.Errorf("open proposals after the round trip: %+v, %v", open, err)
	}
	if open, err := mid.OpenProposals(ctx); err != nil || len(open) != 1 || open[0].Slug != "new-one" {
		t.Errorf("open proposals on etcd: %+v, %v", open, err)
	}
	if all, _ := back.Proposals(ctx, "post-01"); len(all) != 1 || all[0].State != store.Rejected || all[0].Notes[0].Text != "아니요" {
		t.Errorf("the rejected proposal after the round trip: %+v", all)
	}
	if r, err := back.Get(ctx, "hello"); err != nil || r.Slug != "greetings" || !strings.Contains(string(r.Source), "고친 글") {
		t.Errorf("the alias after the round trip: %+v, %v", r, err)
	}
	// A target that went its own way is refused, not overwritten.
	p, _ = post.Parse([]byte("# other\n"), post.Options{Slug: "greetings", Location: time.UTC})
	if _, err := back.Put(ctx, store.Change{Post: p, Author: "kim"}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Copy(ctx, from, back); err == nil || !strings.Contains(err.Error(), "revision") {
		t.Errorf("copying onto a post at another revision: %v", err)
	}
}
