package store

import (
	"fmt"
	"testing"
	"time"
)

func entry(slug string, rev uint64, day int) Entry {
	e := Entry{Rev: rev, Updated: time.Date(2024, 1, day, 0, 0, 0, 0, time.UTC)}
	e.Slug = slug
	return e
}

func slugsOf(es []Entry) string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%s@%d", e.Slug, e.Rev)
	}
	return fmt.Sprint(out)
}

// TestSnapshotWith: With keeps the list newest first, lets a post shadow
// an alias of its name, and never goes back to an older revision.
func TestSnapshotWith(t *testing.T) {
	s := NewSnapshot([]Entry{entry("a", 1, 1), entry("c", 1, 3)}, map[string]string{"b": "a"})
	s2 := s.With(entry("b", 1, 2))
	if got := slugsOf(s2.All()); got != "[c@1 b@1 a@1]" {
		t.Errorf("after a new post: %s", got)
	}
	if e, ok := s2.Entry("b"); !ok || e.Slug != "b" || len(s2.Aliases()) != 0 {
		t.Errorf("the post did not take its name from the alias: %+v %v", e, s2.Aliases())
	}
	if e, ok := s.Entry("b"); !ok || e.Slug != "a" {
		t.Errorf("the old snapshot changed: %+v", e)
	}
	s3 := s2.With(entry("a", 2, 4))
	if got := slugsOf(s3.All()); got != "[a@2 c@1 b@1]" {
		t.Errorf("after an edit: %s", got)
	}
	if s3.With(entry("a", 1, 1)) != s3 {
		t.Error("an older revision replaced a newer one")
	}
}

// TestRenameAliases: the old name and the aliases that led to it follow a
// rename, and an alias named like the new slug is left to go.
func TestRenameAliases(t *testing.T) {
	got := RenameAliases(map[string]string{"x": "old", "new": "old", "y": "other"}, "old", "new")
	if fmt.Sprint(got) != "map[old:new x:new]" {
		t.Errorf("RenameAliases = %v", got)
	}
}
