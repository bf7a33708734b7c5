package etcdstore

import (
	"context"
	"strings"
	"testing"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/storetest"
)

// TestDumpReadsBack: what WriteTo writes, ReadDump reads back as the same
// blog (store.Verify: every post, revision, alias and proposal), with a
// rename's alias and a removed post.
func TestDumpReadsBack(t *testing.T) {
	ctx := context.Background()
	e := startEtcd(t)
	s := e.open(t, "/blog", nil)
	for _, c := range []struct{ slug, src string }{{"a", "# a\n"}, {"a", "# a2\n"}, {"b", "# b\n"}} {
		if _, err := s.Put(ctx, store.Change{Post: storetest.Parse(t, c.slug, c.src), Author: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Rename(ctx, "a", "c", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(ctx, "b", "x", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Propose(ctx, store.Change{Post: storetest.Parse(t, "c", "# c3\n"), Author: "y"}); err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	if _, err := s.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if !IsDump([]byte(buf.String())) {
		t.Error("IsDump does not know a dump")
	}
	d, err := ReadDump(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.AllEntries()) != 2 || len(d.Aliases()) != 1 {
		t.Errorf("the dump holds %d posts and %d aliases, want 2 and 1", len(d.AllEntries()), len(d.Aliases()))
	}
	if err := store.Verify(ctx, s, d); err != nil {
		t.Errorf("the dump is not the blog: %v", err)
	}
	if err := store.Verify(ctx, d, s); err != nil {
		t.Errorf("the blog is not the dump: %v", err)
	}
	if h, err := d.History(ctx, "a"); err != nil || len(h) != 3 || h[0].Source != nil {
		t.Errorf("the history by the old name: %d revisions, %v", len(h), err)
	}
}

// TestDumpRefusesDamage: a file that is not a dump, or a damaged one, is
// one error, never a panic.
func TestDumpRefusesDamage(t *testing.T) {
	head := `{"etcd_revision":7,"prefix":"/blog/","schema":"1"}` + "\n"
	for name, in := range map[string]string{
		"empty":           "",
		"not json":        "hello\n",
		"no schema":       `{"prefix":"/blog/"}` + "\n",
		"another schema":  `{"prefix":"/blog/","schema":"9"}` + "\n",
		"a damaged line":  head + "{\"key\":\n",
		"a damaged post":  head + `{"key":"posts/a","value":"bm9wZQ=="}` + "\n",
		"a damaged rev":   head + `{"key":"revisions/x/zz","value":""}` + "\n",
		"value not bytes": head + `{"key":"posts/a","value":"!!"}` + "\n",
	} {
		if d, err := ReadDump(strings.NewReader(in)); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, %v; want one line of error", name, d, err)
		}
	}
	// A post whose revisions are missing reads as an error, not a panic.
	d, err := ReadDump(strings.NewReader(head + `{"key":"posts/a","value":"` + "eyJzbHVnIjoiYSIsInJldiI6MiwiaWQiOiJ4In0=" + `"}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Revision(context.Background(), "a", 2); err == nil {
		t.Error("a revision the dump lacks was read")
	}
	if _, err := d.History(context.Background(), "a"); err == nil || !strings.Contains(err.Error(), "lacks revisions of a") {
		t.Errorf("the history of a post without its revisions: %v", err)
	}
}
