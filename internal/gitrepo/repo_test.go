package gitrepo

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

// clock is a store clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) tick() {
	c.mu.Lock()
	c.t = c.t.Add(time.Minute)
	c.mu.Unlock()
}

// testBlog is a blog over a real bbolt file, at a clock the test moves.
func testBlog(t *testing.T) (*blog.Service, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC)}
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "blog.db"), boltstore.WithClock(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return blog.New(db, blog.Config{Location: time.UTC}), clk
}

var ash = blog.Identity{Author: "ash"}

// history writes the same history into b: posts, an edit, a draft, a
// post scheduled for later, a rename, a removal.
func history(t *testing.T, b *blog.Service, clk *clock) {
	t.Helper()
	ctx := context.Background()
	pub := func(slug, src string) {
		clk.tick()
		if _, err := b.Publish(ctx, ash, []byte(src), blog.PublishOptions{Slug: slug}); err != nil {
			t.Fatalf("publishing %s: %v", slug, err)
		}
	}
	pub("hello", "---\ntitle: Hello\ndate: 2024-01-01\n---\nhello\n")
	pub("other", "---\ntitle: Other\ndate: 2024-01-01\n---\nother\n")
	pub("hello", "---\ntitle: Hello\ndate: 2024-01-01\n---\nhello again\n")
	pub("secret", "---\ntitle: Secret\ndraft: true\n---\nsecret words\n")
	pub("later", "---\ntitle: Later\ndate: 2099-01-01\n---\nfuture words\n")
	pub("once-draft", "---\ntitle: Once\ndraft: true\ndate: 2024-01-01\n---\nonce a draft\n")
	pub("once-draft", "---\ntitle: Once\ndate: 2024-01-01\n---\nnow public\n")
	clk.tick()
	if _, err := b.Rename(ctx, ash, "other", "renamed"); err != nil {
		t.Fatal(err)
	}
	pub("doomed", "---\ntitle: Doomed\ndate: 2024-01-01\n---\ndoomed words\n")
	clk.tick()
	if _, err := b.Remove(ctx, ash, "doomed", nil); err != nil {
		t.Fatal(err)
	}
}

// unpack writes v's whole pack and reads it back.
func unpack(t *testing.T, b *blog.Service, id blog.Identity, v *View, have int) map[Hash]object {
	t.Helper()
	var buf bytes.Buffer
	if _, err := v.WritePack(context.Background(), b, id, &buf, have); err != nil {
		t.Fatal(err)
	}
	objs, err := readPack(&buf, 1<<30, func(Hash) (object, bool) { return object{}, false })
	if err != nil {
		t.Fatalf("reading the pack back: %v", err)
	}
	return objs
}

// TestSameHistorySameIDs: two blogs with the same history give the same
// commits, for authors and for readers, and a view kept current change by
// change equals one built at once.
func TestSameHistorySameIDs(t *testing.T) {
	ctx := context.Background()
	b1, c1 := testBlog(t)
	b2, c2 := testBlog(t)
	r1 := New(b1, nil)
	// r1 follows the history as it is written; r2 builds it at the end.
	if _, err := r1.View(ctx, ash); err != nil {
		t.Fatal(err)
	}
	history(t, b1, c1)
	history(t, b2, c2)
	r2 := New(b2, nil)
	for _, id := range []blog.Identity{ash, {}} {
		v1, err := r1.View(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := r2.View(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if v1.Tip() != v2.Tip() || v1.Len() != v2.Len() || v1.Tip().IsZero() {
			t.Errorf("%s: tips %s (%d commits) and %s (%d)", id, v1.Tip(), v1.Len(), v2.Tip(), v2.Len())
		}
		fresh, err := New(b1, nil).View(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if fresh.Tip() != v1.Tip() {
			t.Errorf("%s: a view built at once has tip %s, the one kept current %s", id, fresh.Tip(), v1.Tip())
		}
	}
	av, _ := r1.View(ctx, ash)
	if av.Len() != 10 {
		t.Errorf("the author's view has %d commits, want one per revision, 10", av.Len())
	}
	// The commits say who, when and what.
	objs := unpack(t, b1, ash, av, -1)
	c := objs[av.Tip()]
	if !strings.Contains(string(c.data), "author ash <ash@sshblog> 1711973400 +0000") || !strings.HasSuffix(string(c.data), "\n\nremoved doomed (rev 2)\n") {
		t.Errorf("the last commit:\n%s", c.data)
	}
}

// TestReaderView: a reader's repository holds only what a reader may
// cat: no drafts, nothing scheduled, no removed post, no revision that was
// a draft when written; its tip is what readers see now.
func TestReaderView(t *testing.T) {
	ctx := context.Background()
	b, clk := testBlog(t)
	history(t, b, clk)
	r := New(b, nil)
	v, err := r.View(ctx, blog.Identity{})
	if err != nil {
		t.Fatal(err)
	}
	objs := unpack(t, b, blog.Identity{}, v, -1)
	var all bytes.Buffer
	for _, o := range objs {
		all.Write(o.data)
	}
	for _, hidden := range []string{"secret", "future words", "doomed", "once a draft"} {
		if bytes.Contains(all.Bytes(), []byte(hidden)) {
			t.Errorf("the reader's pack holds %q", hidden)
		}
	}
	// The tip's posts are exactly the public ones, as cat gives them.
	root, _ := parseCommit(objs[v.Tip()].data)
	rootEntries, _ := parseTree(objs[root.tree].data)
	posts, _ := parseTree(objs[rootEntries[0].hash].data)
	var names []string
	for _, e := range posts {
		names = append(names, e.name)
		rev, err := b.Revision(ctx, blog.Identity{}, blog.Ref{Slug: strings.TrimSuffix(e.name, ".md")})
		if err != nil || !bytes.Equal(objs[e.hash].data, rev.Source) {
			t.Errorf("%s: %q, cat gives %q (%v)", e.name, objs[e.hash].data, rev.Source, err)
		}
	}
	if got := strings.Join(names, " "); got != "hello.md once-draft.md renamed.md" {
		t.Errorf("the reader's tip has %s", got)
	}
	// A post renamed while it was a draft: readers see it move when it is
	// public again, and its old name leaves their tree.
	pub := func(slug, src string) {
		clk.tick()
		if _, err := b.Publish(ctx, ash, []byte(src), blog.PublishOptions{Slug: slug}); err != nil {
			t.Fatal(err)
		}
	}
	pub("shown", "---\ntitle: Shown\ndate: 2024-01-01\n---\nshown\n")
	pub("shown", "---\ntitle: Shown\ndraft: true\ndate: 2024-01-01\n---\nhidden again\n")
	clk.tick()
	if _, err := b.Rename(ctx, ash, "shown", "moved"); err != nil {
		t.Fatal(err)
	}
	pub("moved", "---\ntitle: Moved\ndate: 2024-01-01\n---\nmoved\n")
	v, err = r.View(ctx, blog.Identity{})
	if err != nil {
		t.Fatal(err)
	}
	objs = unpack(t, b, blog.Identity{}, v, -1)
	root, _ = parseCommit(objs[v.Tip()].data)
	rootEntries, _ = parseTree(objs[root.tree].data)
	posts, _ = parseTree(objs[rootEntries[0].hash].data)
	names = names[:0]
	for _, e := range posts {
		names = append(names, e.name)
	}
	if got := strings.Join(names, " "); got != "hello.md moved.md once-draft.md renamed.md" {
		t.Errorf("after a rename while a draft, the reader's tip has %s", got)
	}
	if msg := string(objs[v.Tip()].data); !strings.HasSuffix(msg, "edited moved (rev 4, was shown)\n") {
		t.Errorf("the last commit:\n%s", msg)
	}
	// An author's view has the drafts and the removal.
	av, _ := r.View(ctx, ash)
	if av.Len() <= v.Len() {
		t.Errorf("author's view %d commits, reader's %d", av.Len(), v.Len())
	}
}

// TestIncrementalPack: a fetch after one more publish is one commit, its
// two trees and one blob; a pack whose trees are deltas reads back whole.
func TestIncrementalPack(t *testing.T) {
	ctx := context.Background()
	b, clk := testBlog(t)
	for i := range 120 {
		clk.tick()
		src := "---\ntitle: Post\ndate: 2024-01-01\n---\nbody " + strings.Repeat("x", i) + "\n"
		slug := "post-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if _, err := b.Publish(ctx, ash, []byte(src), blog.PublishOptions{Slug: slug}); err != nil {
			t.Fatal(err)
		}
	}
	r := New(b, nil)
	v, _ := r.View(ctx, ash)
	objs := unpack(t, b, ash, v, -1)
	if len(objs) != 120*4 {
		t.Errorf("a clone of 120 revisions has %d objects, want 480", len(objs))
	}
	have := v.Len() - 1
	clk.tick()
	if _, err := b.Publish(ctx, ash, []byte("---\ntitle: New\n---\nnew\n"), blog.PublishOptions{Slug: "new"}); err != nil {
		t.Fatal(err)
	}
	v2, _ := r.View(ctx, ash)
	var buf bytes.Buffer
	st, err := v2.WritePack(ctx, b, ash, &buf, have)
	if err != nil {
		t.Fatal(err)
	}
	if st.Commits != 1 || st.Trees != 2 || st.Blobs != 1 {
		t.Errorf("an incremental pack holds %+v", st)
	}
}

// TestWatchKeepsViewsCurrent: after a publish, the change feed brings a
// view someone asked for up to date before anyone asks again.
func TestWatchKeepsViewsCurrent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, clk := testBlog(t)
	history(t, b, clk)
	r := New(b, nil)
	v, err := r.View(ctx, blog.Identity{})
	if err != nil {
		t.Fatal(err)
	}
	go r.Watch(ctx)
	clk.tick()
	if _, err := b.Publish(ctx, ash, []byte("---\ntitle: New\ndate: 2024-01-01\n---\nnew\n"), blog.PublishOptions{Slug: "new"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.Lock()
		now, stale, author := r.views[0], r.stale[0], r.views[1]
		r.mu.Unlock()
		if now != v && !stale {
			if now.Len() != v.Len()+1 {
				t.Errorf("the reader's view went from %d to %d commits", v.Len(), now.Len())
			}
			if author != nil {
				t.Error("the change feed built an author's view nobody asked for")
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the reader's view was not brought up to date")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExportImportSameIDs: a blog exported and imported into an empty
// one, renames included, gives the same commits.
func TestExportImportSameIDs(t *testing.T) {
	ctx := context.Background()
	b1, c1 := testBlog(t)
	history(t, b1, c1)
	var tar bytes.Buffer
	if err := b1.Export(ctx, ash, &tar); err != nil {
		t.Fatal(err)
	}
	b2, _ := testBlog(t)
	if _, err := b2.Import(ctx, ash, &tar, blog.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	v1, err := New(b1, nil).View(ctx, ash)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := New(b2, nil).View(ctx, ash)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Tip() != v2.Tip() {
		t.Errorf("exported and imported: tip %s (%d commits), was %s (%d)", v2.Tip(), v2.Len(), v1.Tip(), v1.Len())
	}
}
