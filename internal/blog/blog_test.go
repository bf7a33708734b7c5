package blog

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/boltstore"
	"github.com/sshblog/sshblog/internal/store/etcdstore"
	"github.com/sshblog/sshblog/internal/store/etcdtest"
)

// The identities of the tests: an author, another author, a reader, an
// author whose key was taken away (the server then knows them only as a
// reader with a key), and the server's operator.
var (
	ash      = Identity{Author: "ash", Fingerprint: "SHA256:ash"}
	misty    = Identity{Author: "misty", Fingerprint: "SHA256:misty"}
	reader   = Identity{}
	exAuthor = Identity{Fingerprint: "SHA256:gone"}
	operator = Identity{Operator: true, Fingerprint: "SHA256:host"}
)

// clock is a settable time.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	real bool // read time.Now instead of t
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.real {
		return time.Now()
	}
	return c.t
}

// goReal makes the clock read the real time from now on.
func (c *clock) goReal() {
	c.mu.Lock()
	c.real = true
	c.mu.Unlock()
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// newBlog returns a blog over a real bbolt store in a temporary folder,
// whose clock reads 2024-04-01 noon UTC until set.
func newBlog(t testing.TB, cfg Config) (*Service, *boltstore.DB, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC)}
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "blog.db"), boltstore.WithClock(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	return New(db, cfg), db, clk
}

// publish publishes src as id and fails the test on an error.
func publish(t *testing.T, b *Service, id Identity, slug, src string) store.Entry {
	t.Helper()
	e, err := b.Publish(context.Background(), id, []byte(src), PublishOptions{Slug: slug})
	if err != nil {
		t.Fatalf("publish %s: %v", slug, err)
	}
	return e.Entry
}

func rev(n uint64) *uint64 { return &n }

// tarOf returns a tar archive of files, each a name and its text.
func tarOf(t *testing.T, files ...[2]string) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestWritesNeedAnAuthor(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	publish(t, b, ash, "hello", "# Hello\n")
	var buf bytes.Buffer
	for _, id := range []Identity{reader, exAuthor, operator} {
		writes := map[string]func() error{
			"publish": func() error { _, err := b.Publish(ctx, id, []byte("# x\n"), PublishOptions{Slug: "x"}); return err },
			"remove":  func() error { _, err := b.Remove(ctx, id, "hello", nil); return err },
			"rename":  func() error { _, err := b.Rename(ctx, id, "hello", "bye"); return err },
			"revert":  func() error { _, err := b.Revert(ctx, id, "hello", 1); return err },
			"import":  func() error { _, err := b.Import(ctx, id, strings.NewReader(""), ImportOptions{}); return err },
			"export":  func() error { return b.Export(ctx, id, &buf) },
		}
		for name, write := range writes {
			err := write()
			if !errors.Is(err, ErrNotAuthor) || err.Error() != "permission denied: not an author" {
				t.Errorf("%s as %s: err = %v, want permission denied", name, id, err)
			}
		}
	}
	if got, _ := b.Get(ctx, ash, "hello"); got.Rev != 1 {
		t.Errorf("after refused writes, hello is at rev %d, want 1", got.Rev)
	}
	if _, err := b.Get(ctx, ash, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused publish stored a post: %v", err)
	}
}

// TestRevokedAuthorIsRefused is an author whose key was removed while their
// session stayed open: the session's Identity still names them, and every
// change and author-only view is refused from then on.
func TestRevokedAuthorIsRefused(t *testing.T) {
	ctx := context.Background()
	var revoked sync.Map // author name -> true once revoked
	b, _, _ := newBlog(t, Config{Authors: func() int { return 2 }, StillAuthor: func(id Identity) bool {
		_, gone := revoked.Load(id.Author)
		return !gone
	}})
	publish(t, b, ash, "hello", "# Hello\n")
	revoked.Store("ash", true)
	var buf bytes.Buffer
	checks := map[string]func() error{
		"publish":   func() error { _, err := b.Publish(ctx, ash, []byte("# x\n"), PublishOptions{Slug: "x"}); return err },
		"remove":    func() error { _, err := b.Remove(ctx, ash, "hello", nil); return err },
		"rename":    func() error { _, err := b.Rename(ctx, ash, "hello", "bye"); return err },
		"revert":    func() error { _, err := b.Revert(ctx, ash, "hello", 1); return err },
		"import":    func() error { _, err := b.Import(ctx, ash, strings.NewReader(""), ImportOptions{}); return err },
		"export":    func() error { return b.Export(ctx, ash, &buf) },
		"backup":    func() error { _, err := b.Backup(ctx, ash, &buf); return err },
		"proposals": func() error { _, err := b.OpenProposals(ctx, ash); return err },
		"stats":     func() error { _, err := b.Stats(ctx, ash, 5); return err },
	}
	for name, check := range checks {
		if err := check(); !errors.Is(err, ErrNotAuthor) || err.Error() != "permission denied: not an author" {
			t.Errorf("%s after revocation: err = %v, want permission denied", name, err)
		}
	}
	if got, _ := b.Get(ctx, misty, "hello"); got.Rev != 1 {
		t.Errorf("after refused writes, hello is at rev %d, want 1", got.Rev)
	}
	// Another author is not affected.
	publish(t, b, misty, "x", "# X\n")
}

func TestBackupIsForAuthorsAndTheOperator(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	for _, id := range []Identity{ash, operator} {
		var buf bytes.Buffer
		n, err := b.Backup(ctx, id, &buf)
		if err != nil || n == 0 || int64(buf.Len()) != n {
			t.Errorf("backup as %s: %d bytes, err %v", id, n, err)
		}
	}
	if _, err := b.Backup(ctx, reader, io.Discard); !errors.Is(err, ErrNotAuthor) {
		t.Errorf("backup as a reader: err = %v", err)
	}
}

func TestReadersSeeOnlyPublicPosts(t *testing.T) {
	ctx := context.Background()
	b, _, clk := newBlog(t, Config{})
	publish(t, b, ash, "public", "---\ntitle: Public\ndate: 2024-03-01\n---\nbody\n")
	publish(t, b, ash, "draft", "---\ntitle: Draft\ndraft: true\n---\nbody\n")
	publish(t, b, ash, "later", "---\ntitle: Later\ndate: 2024-05-01\n---\nbody\n")
	publish(t, b, ash, "gone", "---\ntitle: Gone\ndate: 2024-02-01\n---\nbody\n")
	if _, err := b.Remove(ctx, ash, "gone", nil); err != nil {
		t.Fatal(err)
	}

	slugs := func(id Identity) string {
		es, err := b.List(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Slug)
		}
		return strings.Join(out, " ")
	}
	if got := slugs(reader); got != "public" {
		t.Errorf("a reader lists %q, want public", got)
	}
	if got := slugs(ash); got != "later draft public" && got != "draft later public" {
		t.Errorf("an author lists %q, want the draft and the scheduled post too", got)
	}
	for _, slug := range []string{"draft", "later", "gone", "nothing"} {
		if _, err := b.Get(ctx, reader, slug); !errors.Is(err, ErrNotFound) {
			t.Errorf("a reader got %s: err = %v", slug, err)
		}
		if _, err := b.Entry(reader, slug); !errors.Is(err, ErrNotFound) {
			t.Errorf("a reader saw the entry of %s: err = %v", slug, err)
		}
		if _, err := b.History(ctx, reader, slug); !errors.Is(err, ErrNotFound) {
			t.Errorf("a reader saw the history of %s: err = %v", slug, err)
		}
		if _, err := b.Revision(ctx, reader, Ref{Slug: slug, Rev: 1}); !errors.Is(err, ErrNotFound) {
			t.Errorf("a reader read %s@1: err = %v", slug, err)
		}
		if _, err := b.Diff(ctx, reader, slug, 0, 0); !errors.Is(err, ErrNotFound) {
			t.Errorf("a reader diffed %s: err = %v", slug, err)
		}
	}
	// The same refusal for a draft and for nothing at all: a reader cannot
	// tell that a draft exists.
	_, errDraft := b.Get(ctx, reader, "draft")
	_, errNone := b.Get(ctx, reader, "nothing")
	if strings.Replace(errDraft.Error(), "draft", "X", 1) != strings.Replace(errNone.Error(), "nothing", "X", 1) {
		t.Errorf("a draft and a missing post are refused differently: %q, %q", errDraft, errNone)
	}
	for _, slug := range []string{"draft", "later"} {
		if _, err := b.Get(ctx, ash, slug); err != nil {
			t.Errorf("an author cannot read %s: %v", slug, err)
		}
	}
	if r, err := b.Revision(ctx, ash, Ref{Slug: "gone", Rev: 1}); err != nil || !strings.Contains(string(r.Source), "Gone") {
		t.Errorf("an author cannot read a removed post's old revision: %v", err)
	}

	clk.set(time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC))
	if got := slugs(reader); got != "later public" {
		t.Errorf("after its date, a reader lists %q, want later too", got)
	}
}

func TestPublishChecks(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{MaxPostSize: 1 << 10})
	cases := []struct {
		name, slug, src string
		kind            error
	}{
		{"bad front matter", "x", "---\ntitle: [unclosed\n---\nbody\n", ErrInvalid},
		{"a bad slug", "../etc", "# x\n", ErrInvalid},
		{"no slug and no title", "", "just text\n", ErrInvalid},
		{"too large", "big", "# big\n" + strings.Repeat("가", 1<<10), ErrTooLarge},
		{"invalid UTF-8", "bad", "# bad \xff\n", ErrInvalid},
		{"a bidi override", "rtl", "# rtl \u202e\n", ErrInvalid},
	}
	for _, c := range cases {
		_, err := b.Publish(ctx, ash, []byte(c.src), PublishOptions{Slug: c.slug})
		if !errors.Is(err, c.kind) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.kind)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\n\x1b") {
			t.Errorf("%s: the error is not one clean line: %q", c.name, err)
		}
	}
	if es, _ := b.List(ctx, ash); len(es) != 0 {
		t.Errorf("refused posts were stored: %+v", es)
	}
	e := publish(t, b, ash, "", "---\ntitle: 제목 있는 글\nslug: titled\n---\nbody\n")
	if e.Slug != "titled" {
		t.Errorf("the front matter's slug was not used: %q", e.Slug)
	}
}

func TestIfRev(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	if _, err := b.Publish(ctx, ash, []byte("# one\n"), PublishOptions{Slug: "p", IfRev: rev(0)}); err != nil {
		t.Fatalf("if-rev 0 on a new post: %v", err)
	}
	_, err := b.Publish(ctx, misty, []byte("# again\n"), PublishOptions{Slug: "p", IfRev: rev(0)})
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "fetch it again") {
		t.Errorf("if-rev 0 on an existing post: err = %v", err)
	}
	if _, err := b.Publish(ctx, misty, []byte("# two\n"), PublishOptions{Slug: "p", IfRev: rev(1)}); err != nil {
		t.Errorf("if-rev 1 at rev 1: %v", err)
	}
	if _, err := b.Publish(ctx, ash, []byte("# three\n"), PublishOptions{Slug: "p", IfRev: rev(1)}); !errors.Is(err, ErrConflict) {
		t.Errorf("if-rev 1 at rev 2: err = %v", err)
	}
	if _, err := b.Remove(ctx, ash, "p", rev(1)); !errors.Is(err, ErrConflict) {
		t.Errorf("rm --if-rev 1 at rev 2: err = %v", err)
	}
	r, _ := b.Get(ctx, ash, "p")
	if r.Rev != 2 || r.Author != "misty" || string(r.Source) != "# two\n" {
		t.Errorf("after the conflicts: rev %d by %s: %q", r.Rev, r.Author, r.Source)
	}
}

func TestRemoveRevertRenameKeepEverything(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	publish(t, b, ash, "hello", "---\ntitle: Hello\ndate: 2024-01-01\n---\n첫 글\n")
	publish(t, b, misty, "hello", "---\ntitle: Hello\ndate: 2024-01-01\n---\n고친 글\n")
	e, err := b.Remove(ctx, ash, "hello", nil)
	if err != nil || e.Rev != 3 || !e.Removed {
		t.Fatalf("remove: %+v, %v", e, err)
	}
	if _, err := b.Remove(ctx, ash, "hello", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("removing twice: err = %v", err)
	}
	if _, err := b.Revert(ctx, ash, "hello", 3); !errors.Is(err, ErrInvalid) {
		t.Errorf("reverting to a removal: err = %v", err)
	}
	if _, err := b.Revert(ctx, ash, "hello", 9); !errors.Is(err, ErrNotFound) {
		t.Errorf("reverting to a missing revision: err = %v", err)
	}
	e, err = b.Revert(ctx, misty, "hello", 1)
	if err != nil || e.Rev != 4 || e.Removed {
		t.Fatalf("revert: %+v, %v", e, err)
	}
	r, _ := b.Get(ctx, reader, "hello")
	if !strings.Contains(string(r.Source), "첫 글") || r.Author != "misty" || r.Action != store.Reverted {
		t.Errorf("after revert: %+v", r)
	}

	if _, err := b.Rename(ctx, ash, "hello", "hello"); !errors.Is(err, ErrInvalid) {
		t.Errorf("renaming to the same name: err = %v", err)
	}
	publish(t, b, ash, "taken", "# Taken\n")
	if _, err := b.Rename(ctx, ash, "hello", "taken"); !errors.Is(err, ErrConflict) {
		t.Errorf("renaming onto a post: err = %v", err)
	}
	if _, err := b.Rename(ctx, ash, "hello", "a/b"); !errors.Is(err, ErrInvalid) {
		t.Errorf("renaming to a bad slug: err = %v", err)
	}
	if _, err := b.Rename(ctx, ash, "hello", "greetings"); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Resolve(reader, "hello"); err != nil || got != "greetings" {
		t.Errorf("the old name leads to %q, %v", got, err)
	}
	if hist, err := b.History(ctx, reader, "hello"); err != nil || len(hist) != 4 || hist[2].Action != store.Reverted {
		t.Errorf("a reader's history after rename: %+v, %v; want it without the removal", hist, err)
	}
	hist, err := b.History(ctx, ash, "hello")
	if err != nil || len(hist) != 5 {
		t.Fatalf("history after rename: %d revisions, %v", len(hist), err)
	}
	var who []string
	for _, h := range hist {
		who = append(who, h.Author+" "+string(h.Action))
	}
	want := "ash published, misty edited, ash removed, misty reverted, ash renamed"
	if strings.Join(who, ", ") != want {
		t.Errorf("history = %s, want %s", strings.Join(who, ", "), want)
	}
	d, err := b.Diff(ctx, reader, "greetings", 1, 2)
	if err != nil || !strings.Contains(d, "-첫 글") || !strings.Contains(d, "+고친 글") || !strings.Contains(d, "greetings@1") {
		t.Errorf("diff 1 2 = %q, %v", d, err)
	}
}

func TestFrontMatterAliases(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	publish(t, b, ash, "other", "# Other\n")
	publish(t, b, ash, "new-name", "---\ntitle: New\naliases: [/posts/old-name/, other, ../x]\n---\nbody\n")
	if got, err := b.Resolve(reader, "old-name"); err != nil || got != "new-name" {
		t.Errorf("old-name leads to %q, %v", got, err)
	}
	if got, err := b.Resolve(reader, "other"); err != nil || got != "other" {
		t.Errorf("an alias took over an existing post: other leads to %q, %v", got, err)
	}
	r, err := b.Get(ctx, reader, "old-name")
	if err != nil || r.Slug != "new-name" {
		t.Errorf("get by alias: %+v, %v", r, err)
	}
}

func TestParseRef(t *testing.T) {
	for in, want := range map[string]Ref{"a": {"a", 0}, "a@3": {"a", 3}, "회고@12": {"회고", 12}} {
		got, err := ParseRef(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParseRef(%q) = %+v, %v", in, got, err)
		}
	}
	for _, in := range []string{"a@", "a@x", "a@0", "a@-1"} {
		if _, err := ParseRef(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseRef(%q): err = %v", in, err)
		}
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	publish(t, b, ash, "hello", "---\ntitle: Hello\ndate: 2024-01-01\n---\n첫 글\n")
	publish(t, b, misty, "hello", "---\ntitle: Hello\ndate: 2024-01-01\n---\n고친 글\n")
	publish(t, b, ash, "gone", "# Gone\n")
	if _, err := b.Remove(ctx, ash, "gone", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Rename(ctx, ash, "hello", "greetings"); err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	if err := b.Export(ctx, ash, &archive); err != nil {
		t.Fatal(err)
	}

	b2, _, _ := newBlog(t, Config{})
	var progress []ImportProgress
	confirmed := false
	res, err := b2.Import(ctx, misty, bytes.NewReader(archive.Bytes()), ImportOptions{
		Progress:      func(p ImportProgress) { progress = append(progress, p) },
		ProgressEvery: time.Nanosecond,
		Confirm:       func() error { confirmed = true; return nil },
	})
	if err != nil || res.Imported != 2 || len(res.Skipped) != 0 || !confirmed {
		t.Fatalf("import: %+v, %v (confirmed %v)", res, err, confirmed)
	}
	if len(progress) == 0 || progress[len(progress)-1].Bytes == 0 || progress[len(progress)-1].Posts == 0 {
		t.Errorf("no progress reported: %+v", progress)
	}
	for _, slug := range []string{"greetings", "gone"} {
		h1, _ := b.History(ctx, ash, slug)
		h2, err := b2.History(ctx, ash, slug)
		if err != nil || len(h1) != len(h2) {
			t.Fatalf("%s: %d revisions exported, %d imported (%v)", slug, len(h1), len(h2), err)
		}
		for i := range h1 {
			if h1[i].Author != h2[i].Author || h1[i].Action != h2[i].Action || !h1[i].Time.Equal(h2[i].Time) {
				t.Errorf("%s rev %d: %+v became %+v", slug, i+1, h1[i], h2[i])
			}
		}
	}
	if got, err := b2.Resolve(reader, "hello"); err != nil || got != "greetings" {
		t.Errorf("the alias did not survive: %q, %v", got, err)
	}
	if _, err := b2.Get(ctx, reader, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a removed post came back: %v", err)
	}
	var again bytes.Buffer
	if err := b2.Export(ctx, misty, &again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(archive.Bytes(), again.Bytes()) {
		t.Errorf("an export of the import differs from the export")
	}

	// A failed confirmation stores nothing.
	b3, _, _ := newBlog(t, Config{})
	_, err = b3.Import(ctx, ash, bytes.NewReader(archive.Bytes()), ImportOptions{Confirm: func() error { return errors.New("gone") }})
	if err == nil {
		t.Error("an unconfirmed import succeeded")
	}
	if es, _ := b3.List(ctx, ash); len(es) != 0 {
		t.Errorf("an unconfirmed import stored %d posts", len(es))
	}
}

func TestImportSkipsBadFilesAndKeepsTheLimit(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{MaxImport: 16 << 10, MaxPostSize: 1 << 10})
	res, err := b.Import(ctx, ash, tarOf(t,
		[2]string{"content/posts/good.md", "---\ntitle: Good\n---\n좋은 글\n"},
		[2]string{"content/posts/bad.md", "---\ntitle: [\n---\n"},
		[2]string{"content/posts/rtl.md", "# \u202ered\n"},
		[2]string{"content/posts/big.md", "# big\n" + strings.Repeat("x", 2<<10)},
		[2]string{"static/logo.png", "\x89PNG"},
	), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The PNG that is not one is skipped with its reason, as the bad posts are.
	if res.Imported != 1 || len(res.Skipped) != 4 || res.Ignored != 0 || res.Files != 0 ||
		!slices.Contains(res.Skipped, "static/logo.png: /static/logo.png: the bytes are not image/png (they look like text/plain)") {
		t.Errorf("import = %+v", res)
	}
	if _, err := b.Get(ctx, reader, "good"); err != nil {
		t.Errorf("the good post was not imported: %v", err)
	}
	_, err = b.Import(ctx, ash, tarOf(t, [2]string{"huge.md", string(make([]byte, 64<<10))}), ImportOptions{})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "the archive is larger than 16 KiB (the import limit)" {
		t.Errorf("an archive over the limit: err = %v", err)
	}
	_, err = b.Import(ctx, ash, strings.NewReader(strings.Repeat("not a tar ", 100)), ImportOptions{})
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "reading the archive: ") {
		t.Errorf("text for an archive: err = %v", err)
	}
}

func TestWatch(t *testing.T) {
	b, _, clk := newBlog(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}, 16)
	done := make(chan struct{})
	go func() {
		b.Watch(ctx, func() { calls <- struct{}{} })
		close(done)
	}()
	publish(t, b, ash, "now", "# Now\n")
	select {
	case <-calls:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not report a publish")
	}
	// A scheduled post coming due is a change too, with no write: the
	// post is dated a second or two ahead of the (now real) clock (front
	// matter dates are in whole seconds).
	clk.goReal()
	due := time.Now().Truncate(time.Second).Add(2 * time.Second)
	publish(t, b, ash, "soon", "---\ntitle: Soon\ndate: "+due.UTC().Format(time.RFC3339)+"\n---\nx\n")
	<-calls // the publish itself
	select {
	case <-calls:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not report a scheduled post coming due")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not return when its context ended")
	}
}

func TestSeriesAndByline(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	part := func(slug, date, extra string) string {
		return "---\ntitle: " + slug + "\ndate: " + date + "\nseries: 회고\n" + extra + "---\nbody\n"
	}
	publish(t, b, ash, "jan", part("jan", "2024-01-31", ""))
	publish(t, b, ash, "mar", part("mar", "2024-03-31", "author: 김작가\n"))
	publish(t, b, misty, "feb", part("feb", "2024-02-29", ""))
	publish(t, b, ash, "apr", part("apr", "2024-04-30", "draft: true\n"))
	publish(t, b, ash, "other", "---\ntitle: other\n---\nbody\n")

	byline := func(id Identity, slug string) render.Byline {
		t.Helper()
		p, r, err := b.Post(ctx, id, slug)
		if err != nil {
			t.Fatal(err)
		}
		bl, err := b.Byline(ctx, id, p, r)
		if err != nil {
			t.Fatal(err)
		}
		return bl
	}
	if bl := byline(reader, "feb"); bl.Series != "회고" || bl.SeriesIndex != 2 || bl.SeriesLen != 3 || bl.Prev != "jan" || bl.Next != "mar" || bl.Author != "misty" {
		t.Errorf("feb as a reader: %+v", bl)
	}
	if bl := byline(reader, "mar"); bl.SeriesIndex != 3 || bl.Next != "" || bl.Author != "김작가" {
		t.Errorf("mar as a reader: %+v (the draft must not count, the front matter's author wins)", bl)
	}
	if bl := byline(ash, "mar"); bl.SeriesLen != 4 || bl.Next != "apr" {
		t.Errorf("mar as an author: %+v (authors see the draft)", bl)
	}
	if bl := byline(reader, "other"); bl.Series != "" || bl.SeriesIndex != 0 {
		t.Errorf("a post in no series: %+v", bl)
	}
	posts, err := b.Series(ctx, reader, "회고")
	if err != nil || len(posts) != 3 || posts[0].Slug != "jan" || posts[2].Slug != "mar" {
		t.Errorf("Series = %+v, %v", posts, err)
	}
}

func TestStorageErrorsNameNoPath(t *testing.T) {
	b, _, _ := newBlog(t, Config{})
	full := fmt.Errorf("store: writing hello: %w", &os.PathError{Op: "write", Path: "/srv/secret/data/blog.db", Err: syscall.ENOSPC})
	err := b.storeError("publishing", "hello", full)
	if !errors.Is(err, ErrStorage) || err.Error() != "the server's disk is full; nothing was stored" {
		t.Errorf("a full disk: %v", err)
	}
	other := fmt.Errorf("store: writing hello: %w", &os.PathError{Op: "write", Path: "/srv/secret/data/blog.db", Err: syscall.EIO})
	err = b.storeError("publishing", "hello", other)
	if !errors.Is(err, ErrStorage) || strings.Contains(err.Error(), "/srv") {
		t.Errorf("another failure: %v", err)
	}
}

func TestTags(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	publish(t, b, ash, "a", "---\ntitle: a\ndate: 2024-01-01\ntags: [회고, Go]\n---\nx\n")
	publish(t, b, ash, "b", "---\ntitle: b\ndate: 2024-02-01\ntags: [go]\n---\nx\n")
	publish(t, b, ash, "c", "---\ntitle: c\ntags: [회고, secret]\ndraft: true\n---\nx\n")
	publish(t, b, ash, "about", "---\ntitle: about\npage: true\ntags: [Go]\n---\nx\n")
	tags, err := b.Tags(ctx, reader)
	if err != nil || len(tags) != 2 || !strings.EqualFold(tags[0].Name, "go") || tags[0].Posts != 2 || tags[1] != (Tag{"회고", 1}) {
		t.Errorf("Tags = %+v, %v", tags, err)
	}
	if tags, _ := b.Tags(ctx, ash); len(tags) != 3 {
		t.Errorf("an author's tags = %+v, want the draft's too", tags)
	}
	es, err := b.Tagged(ctx, reader, "GO")
	if err != nil || len(es) != 2 || es[0].Slug != "b" || es[1].Slug != "a" {
		t.Errorf("Tagged(GO) = %+v, %v", es, err)
	}
}

func TestResolveLink(t *testing.T) {
	b, _, _ := newBlog(t, Config{})
	publish(t, b, ash, "january-2024-retrospective", "---\ntitle: 1월\ndate: 2024-02-01\n---\nx\n")
	publish(t, b, ash, "about", "---\ntitle: about\npage: true\n---\nx\n")
	publish(t, b, ash, "secret", "---\ntitle: s\ndraft: true\n---\nx\n")
	for link, want := range map[string]string{
		"https://ash84.io/2024/02/01/january-2024-retrospective/": "january-2024-retrospective", // the old blog's address
		"/posts/january-2024-retrospective":                       "january-2024-retrospective",
		"january-2024-retrospective":                              "january-2024-retrospective",
		"../january-2024-retrospective/":                          "january-2024-retrospective",
		"https://blog.example/pages/about":                        "about",
		"https://ash84.io/blog/january-2024-retrospective.html":   "january-2024-retrospective",
		"https://github.com/x/about":                              "", // another site's page called about
		"https://blog.example/posts/secret":                       "", // a draft, for a reader
		"mailto:a@b.c":                                            "",
		"javascript:alert(1)":                                     "",
		"/posts/nothing":                                          "",
	} {
		got, ok := b.ResolveLink(reader, link, "blog.example")
		if got != want || ok != (want != "") {
			t.Errorf("ResolveLink(%q) = %q, %v; want %q", link, got, ok, want)
		}
	}
}

// TestImportKeepsOldAddresses: an imported post answers to the names it had
// on the blog it came from: its front matter's slug when the file named it
// otherwise, and its aliases; so old links lead to it.
func TestImportKeepsOldAddresses(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	archive := tarOf(t,
		[2]string{"_posts/2024-02-01-january-2024-retrospective.md", "---\ntitle: 1월 회고\nslug: jan-2024\n---\n본문\n"},
		[2]string{"content/posts/hugo-post.md", "---\ntitle: Hugo\naliases: [/posts/hugo-old-name/]\n---\nbody\n"},
	)
	if res, err := b.Import(ctx, ash, archive, ImportOptions{}); err != nil || res.Imported != 2 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	for link, want := range map[string]string{
		"https://ash84.io/2024/02/01/jan-2024/":                   "january-2024-retrospective",
		"https://ash84.io/2024/02/01/january-2024-retrospective/": "january-2024-retrospective",
		"https://old.example/posts/hugo-old-name/":                "hugo-post",
		"/posts/hugo-old-name":                                    "hugo-post",
	} {
		if got, ok := b.ResolveLink(reader, link, "blog.example"); !ok || got != want {
			t.Errorf("ResolveLink(%q) = %q, %v; want %q", link, got, ok, want)
		}
	}
}

func TestSeedFillsOnlyAnEmptyBlog(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	seeded, err := post.Parse([]byte("---\ntitle: 안내\ndate: 2024-03-01\n---\n내장 글\n"), post.Options{Slug: "about-this-blog", Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := b.Seed(ctx, []*post.Post{seeded}); n != 1 || err != nil {
		t.Fatalf("Seed of an empty blog = %d, %v; want 1", n, err)
	}
	rev, err := b.Get(ctx, reader, "about-this-blog")
	if err != nil || rev.Author != SeedAuthor {
		t.Fatalf("the built-in post: %+v, %v; want it by %s", rev, err, SeedAuthor)
	}
	p, _ := post.Parse(rev.Source, post.Options{Slug: rev.Slug, Location: time.UTC})
	if bl, err := b.Byline(ctx, reader, p, rev); err != nil || bl.Author != "" {
		t.Errorf("the built-in post's header names %q (%v); want no author", bl.Author, err)
	}

	// Removed, it stays removed when the blog starts again.
	if _, err := b.Remove(ctx, ash, "about-this-blog", nil); err != nil {
		t.Fatal(err)
	}
	if n, err := b.Seed(ctx, []*post.Post{seeded}); n != 0 || err != nil {
		t.Errorf("Seed of a blog that held posts = %d, %v; want 0", n, err)
	}
	if _, err := b.Get(ctx, reader, "about-this-blog"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a removed built-in post came back: %v", err)
	}
}

// TestCountTagsAndHasTagAgree checks the one rule of tags that the reader
// applies to its own list: tags that differ only in case are one, in the
// count and in the filter alike.
func TestCountTagsAndHasTagAgree(t *testing.T) {
	es := []store.Entry{
		{Meta: post.Meta{Slug: "new", Tags: []string{"Go", "회고"}}},
		{Meta: post.Meta{Slug: "old", Tags: []string{"go", "ΣΊΣΥΦΟΣ"}}},
		{Meta: post.Meta{Slug: "older", Tags: []string{"σίσυφος"}}},
		{Meta: post.Meta{Slug: "about", Tags: []string{"go"}, Page: true}},
	}
	got := CountTags(es)
	want := []Tag{{"Go", 2}, {"ΣΊΣΥΦΟΣ", 2}, {"회고", 1}}
	if !slices.Equal(got, want) {
		t.Fatalf("CountTags = %v, want %v", got, want)
	}
	for _, tag := range want {
		n := 0
		for _, e := range es {
			if !e.Page && HasTag(e, tag.Name) {
				n++
			}
		}
		if n != tag.Posts {
			t.Errorf("HasTag finds %d posts tagged %q, CountTags %d", n, tag.Name, tag.Posts)
		}
	}
}

// A revision that was a draft or scheduled when it was written stays
// unseen by readers on every path, even once the post is public and the
// embargo's date has passed; authors see everything.
func TestReadersNeverSeeRevisionsThatWereNotPublic(t *testing.T) {
	ctx := context.Background()
	b, _, clk := newBlog(t, Config{})
	publish(t, b, ash, "leak", "---\ntitle: Leak\ndraft: true\n---\nDRAFT NOTES: internal codename BLUEJAY\n")
	publish(t, b, ash, "leak", "---\ntitle: Leak\ndate: 2024-03-01\n---\npublic body\n")
	publish(t, b, ash, "embargo", "---\ntitle: Embargo\ndate: 2024-05-01\n---\nEMBARGOED until May\n")
	publish(t, b, ash, "embargo", "---\ntitle: Embargo\ndate: 2024-03-01\n---\nthe public version\n")
	publish(t, b, ash, "embargo", "---\ntitle: Embargo\ndate: 2024-03-01\n---\nthe public version, edited\n")
	publish(t, b, ash, "due", "---\ntitle: Due\ndate: 2024-04-15\n---\nscheduled, then due\n")
	clk.set(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)) // every date has passed

	secret := func(s string) bool { return strings.Contains(s, "BLUEJAY") || strings.Contains(s, "EMBARGOED") }
	for _, ref := range []Ref{{"leak", 1}, {"embargo", 1}} {
		if r, err := b.Revision(ctx, reader, ref); !errors.Is(err, ErrNotFound) || secret(string(r.Source)) {
			t.Errorf("a reader read %s: %q %v", ref, r.Source, err)
		}
		if r, err := b.Revision(ctx, ash, ref); err != nil || !secret(string(r.Source)) {
			t.Errorf("an author cannot read %s: %v", ref, err)
		}
	}
	for _, d := range []struct {
		slug     string
		from, to uint64
	}{{"leak", 1, 2}, {"leak", 2, 1}, {"leak", 0, 0}, {"leak", 0, 2}, {"embargo", 1, 3}, {"embargo", 0, 2}, {"embargo", 0, 1}} {
		diff, err := b.Diff(ctx, reader, d.slug, d.from, d.to)
		if secret(diff) {
			t.Errorf("a reader's diff %s %d %d shows the hidden revision: %q", d.slug, d.from, d.to, diff)
		}
		if d.from != 0 && d.to != 0 && !errors.Is(err, ErrNotFound) {
			t.Errorf("a reader's diff %s %d %d: %v, want not found", d.slug, d.from, d.to, err)
		}
	}
	if diff, err := b.Diff(ctx, reader, "embargo", 0, 0); err != nil || !strings.Contains(diff, "embargo@2") || !strings.Contains(diff, "+the public version, edited") {
		t.Errorf("a reader's diff of the last change: %q %v", diff, err)
	}
	if diff, err := b.Diff(ctx, ash, "leak", 1, 2); err != nil || !secret(diff) {
		t.Errorf("an author's diff: %q %v", diff, err)
	}
	revs := func(id Identity, slug string) string {
		h, err := b.History(ctx, id, slug)
		if err != nil {
			t.Fatalf("history of %s: %v", slug, err)
		}
		var out []string
		for _, r := range h {
			out = append(out, fmt.Sprint(r.Rev))
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct{ slug, reader, author string }{
		{"leak", "2", "1 2"}, {"embargo", "2 3", "1 2 3"}, {"due", "1", "1"},
	} {
		if got := revs(reader, c.slug); got != c.reader {
			t.Errorf("a reader's history of %s = %q, want %q", c.slug, got, c.reader)
		}
		if got := revs(ash, c.slug); got != c.author {
			t.Errorf("an author's history of %s = %q, want %q", c.slug, got, c.author)
		}
	}
	// The current revision of a post scheduled when written is read once due.
	if r, err := b.Revision(ctx, reader, Ref{"due", 1}); err != nil || !strings.Contains(string(r.Source), "then due") {
		t.Errorf("a reader cannot read the due post's revision: %v", err)
	}
}

// An import is stored at once, all of it, even when its client goes away
// as soon as the first part would have been written; the outcome is logged.
func TestImportIsAllOrNothing(t *testing.T) {
	var logs syncBuffer
	b, db, _ := newBlog(t, Config{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	const n = 600 // more than the 256 posts one transaction used to hold
	files := make([][2]string, n)
	for i := range files {
		files[i] = [2]string{fmt.Sprintf("posts/post-%03d.md", i), fmt.Sprintf("---\ntitle: Post %d\ndate: 2024-01-01\n---\nbody %d\n", i, i)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := db.Changed()
	go func() { // the client leaves at the first write that is committed
		<-changed
		cancel()
	}()
	res, err := b.Import(ctx, ash, tarOf(t, files...), ImportOptions{})
	stored := len(db.AllEntries())
	if stored != 0 && stored != n {
		t.Fatalf("a partial import: %d of %d posts stored (err %v)", stored, n, err)
	}
	if err != nil || res.Imported != n || stored != n {
		t.Errorf("import: %+v %v; %d stored", res, err, stored)
	}
	if !strings.Contains(logs.String(), "level=INFO msg=write action=import imported=600") {
		t.Errorf("the import is not logged: %s", logs.String())
	}

	// A client gone before anything was stored: nothing is, and it is logged.
	b2, db2, _ := newBlog(t, Config{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	gone, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := b2.Import(gone, ash, tarOf(t, files...), ImportOptions{}); err == nil {
		t.Errorf("an import for a client gone succeeded")
	}
	if got := len(db2.AllEntries()); got != 0 {
		t.Errorf("%d posts stored for a client gone", got)
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"import failed; nothing was stored\" posts=600") {
		t.Errorf("the failed import is not logged: %s", logs.String())
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// FirstPublic, which names a post in feeds, is when readers could first
// see it: not a draft's time, and the same before and after an edit of a
// post that was scheduled when written.
func TestFirstPublicIsStable(t *testing.T) {
	ctx := context.Background()
	b, _, clk := newBlog(t, Config{})
	publish(t, b, ash, "sched", "---\ntitle: S\ndate: 2024-04-15\n---\nv1\n") // written 04-01, due 04-15
	publish(t, b, ash, "plain", "---\ntitle: P\ndate: 2024-03-01\n---\nv1\n")
	publish(t, b, ash, "drafted", "---\ntitle: D\ndraft: true\n---\nv1\n")
	if _, err := b.FirstPublic(ctx, reader, "sched"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FirstPublic of a post not yet due: %v", err)
	}
	clk.set(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC))
	publish(t, b, ash, "drafted", "---\ntitle: D\ndate: 2024-03-01\n---\nv2\n") // published 05-01
	want := map[string]time.Time{
		"sched":   time.Date(2024, 4, 15, 0, 0, 0, 0, time.UTC),
		"plain":   time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC),
		"drafted": time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
	}
	check := func(when string) {
		for slug, w := range want {
			if got, err := b.FirstPublic(ctx, reader, slug); err != nil || !got.Equal(w) {
				t.Errorf("%s: FirstPublic(%s) = %v %v, want %v", when, slug, got, err, w)
			}
		}
	}
	check("before edits")
	clk.set(time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))
	for _, slug := range []string{"sched", "plain", "drafted"} {
		publish(t, b, ash, slug, "---\ntitle: X\ndate: 2024-03-01\n---\nedited\n")
	}
	check("after edits")
}

// On etcd an import is written step by step: one that stops part way, its
// client gone, says how many writes were stored and logs it.
func TestImportStoppedOnEtcdIsToldAndLogged(t *testing.T) {
	srv := etcdtest.Start(t)
	st, err := etcdstore.Open(context.Background(), etcdstore.Config{Endpoints: []string{srv.Client}, Prefix: "/blog", RequestTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var logs syncBuffer
	b := New(st, Config{Location: time.UTC, Log: slog.New(slog.NewTextHandler(&logs, nil))})
	files := make([][2]string, 400)
	for i := range files {
		files[i] = [2]string{fmt.Sprintf("posts/post-%03d.md", i), fmt.Sprintf("# Post %d\n", i)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := st.Changed()
	go func() {
		<-changed
		cancel()
	}()
	_, err = b.Import(ctx, ash, tarOf(t, files...), ImportOptions{})
	stored := len(st.AllEntries())
	if err == nil {
		t.Skipf("the import finished (%d posts) before it could be stopped", stored)
	}
	want := fmt.Sprintf("the import stopped after %d of 400 writes, which stay stored: ", stored)
	if !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q, want it to start %q", err, want)
	}
	if !strings.Contains(logs.String(), fmt.Sprintf("level=WARN msg=\"import stopped part way\" stored=%d of=400", stored)) {
		t.Errorf("not logged: %s", logs.String())
	}
}

// TestWatchReaders checks that each change readers can see is reported
// with the posts it touched, as readers saw them before and see them now,
// and that a draft reports nothing.
func TestWatchReaders(t *testing.T) {
	b, _, _ := newBlog(t, Config{})
	publish(t, b, ash, "one", "# One\n")
	publish(t, b, ash, "two", "---\ntitle: Two\ntags: [a]\n---\nx\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := make(chan Change, 16)
	w := b.WatchReaders(ctx)
	go w.Run(ctx, func(c Change) { changes <- c })
	next := func() Change {
		t.Helper()
		select {
		case c := <-changes:
			return c
		case <-time.After(10 * time.Second):
			t.Fatal("no change reported")
		}
		return Change{}
	}
	publish(t, b, ash, "draft", "---\ntitle: Draft\ndraft: true\n---\nx\n")
	publish(t, b, ash, "two", "---\ntitle: Two\ntags: [b]\n---\ny\n")
	c := next()
	if got := c.Slugs(); !slices.Equal(got, []string{"two"}) {
		t.Fatalf("an edit after a draft reported %v, want [two]", got)
	}
	if len(c.Before) != 1 || !slices.Equal(c.Before[0].Tags, []string{"a"}) || len(c.After) != 1 || !slices.Equal(c.After[0].Tags, []string{"b"}) {
		t.Errorf("before %+v, after %+v", c.Before, c.After)
	}
	publish(t, b, ash, "three", "# Three\n")
	if c := next(); len(c.Before) != 0 || len(c.After) != 1 || c.After[0].Slug != "three" {
		t.Errorf("a new post: before %v, after %v", c.Before, c.After)
	}
	if _, err := b.Rename(ctx, ash, "one", "uno"); err != nil {
		t.Fatal(err)
	}
	if c := next(); !slices.Equal(c.Slugs(), []string{"one", "uno"}) || len(c.Before) != 1 || c.Before[0].Slug != "one" {
		t.Errorf("a rename: %v", c.Slugs())
	}
}

// TestWatchSeesAChangeDuringItsCall checks that a change made while Watch
// runs fn for the one before is reported too, not only at the next one.
func TestWatchSeesAChangeDuringItsCall(t *testing.T) {
	b, _, _ := newBlog(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := make(chan struct{}, 16)
	first := true
	go b.Watch(ctx, func() {
		if first { // a change while this call runs
			first = false
			publish(t, b, ash, "during", "# During\n")
		}
		calls <- struct{}{}
	})
	// Until Watch runs a first call (it may not be watching yet).
	for i := 0; ; i++ {
		publish(t, b, ash, fmt.Sprintf("before-%d", i), "# Before\n")
		select {
		case <-calls:
		case <-time.After(200 * time.Millisecond):
			continue
		}
		break
	}
	select {
	case <-calls:
	case <-time.After(10 * time.Second):
		t.Fatal("the change made during the first call was missed")
	}
}
