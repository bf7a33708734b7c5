package archive

import (
	"bytes"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store"
)

// TestWriteReadRoundTrip: what a Writer writes, Read reads back.
func TestWriteReadRoundTrip(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	revs := []store.Revision{
		{Slug: "hello", Rev: 1, Author: "ash", Time: t0, Action: store.Published, Source: []byte("# 안녕\n")},
		{Slug: "hello", Rev: 2, Author: "misty", Time: t0.Add(time.Hour), Action: store.Published, Source: []byte("# 안녕하세요\n")},
		{Slug: "gone", Rev: 1, Author: "ash", Time: t0, Action: store.Published, Source: []byte("# gone\n")},
		{Slug: "gone", Rev: 2, Author: "ash", Time: t0.Add(time.Hour), Action: store.Removed},
	}
	write := func() []byte {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for _, r := range revs {
			if err := w.WriteRevision(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.WritePost("hello", revs[1].Source, revs[1].Time); err != nil {
			t.Fatal(err)
		}
		if err := w.WriteAliases([][2]string{{"hi", "hello"}}, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	data := write()
	if !bytes.Equal(data, write()) {
		t.Error("two archives of the same posts differ")
	}
	c := read(t, data, Options{})
	if len(c.Posts) != 1 || c.Posts[0].Path != "posts/hello.md" || c.Posts[0].Slug != "hello" || !bytes.Equal(c.Posts[0].Source, revs[1].Source) {
		t.Errorf("posts = %+v", c.Posts)
	}
	got := append(c.Histories["hello"], c.Histories["gone"]...)
	if len(c.Histories) != 2 || len(got) != len(revs) {
		t.Fatalf("histories = %+v", c.Histories)
	}
	for i, r := range revs {
		g := got[i]
		if g.Slug != r.Slug || g.Rev != r.Rev || g.Author != r.Author || !g.Time.Equal(r.Time) || g.Action != r.Action || !bytes.Equal(g.Source, r.Source) {
			t.Errorf("revision %d: wrote %+v, read %+v", i, r, g)
		}
	}
	if len(c.Aliases) != 1 || c.Aliases[0] != [2]string{"hi", "hello"} {
		t.Errorf("aliases = %q", c.Aliases)
	}
	if len(c.Skipped) != 0 || c.Ignored != 0 {
		t.Errorf("skipped %q, ignored %d", c.Skipped, c.Ignored)
	}
}
