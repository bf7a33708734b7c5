package blog

import (
	"context"
	"testing"
)

// slugsOf lists the slugs of hits, best first.
func slugsOf(hits []SearchHit) []string {
	out := make([]string, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.Slug)
	}
	return out
}

// TestSearchFollowsEveryChange: the index follows publishes, edits,
// renames and removals at once, keeps drafts from readers, and searches
// without a write in between need no sync.
func TestSearchFollowsEveryChange(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{})
	find := func(id Identity, q string) []string {
		t.Helper()
		hits, err := b.Search(ctx, id, q, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return slugsOf(hits)
	}
	same := func(got []string, want ...string) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
		return true
	}
	publish(t, b, ash, "run", "---\ntitle: 달리기\n---\n아침에 달리기를 했다.\n")
	publish(t, b, ash, "walk", "---\ntitle: 산책\n---\n성북천을 걸었다.\n")
	if got := find(reader, "달리기"); !same(got, "run") {
		t.Errorf("달리기 = %v", got)
	}
	if got := find(reader, "달리기"); !same(got, "run") { // no write between: no sync
		t.Errorf("달리기 again = %v", got)
	}
	publish(t, b, ash, "walk", "---\ntitle: 산책\n---\n성북천을 걷다가 달리기도 했다.\n")
	if got := find(reader, "달리기"); !same(got, "run", "walk") {
		t.Errorf("after an edit 달리기 = %v", got)
	}
	if _, err := b.Rename(ctx, ash, "walk", "stroll"); err != nil {
		t.Fatal(err)
	}
	if got := find(reader, "성북천"); !same(got, "stroll") {
		t.Errorf("after a rename 성북천 = %v", got)
	}
	if _, err := b.Remove(ctx, ash, "run", nil); err != nil {
		t.Fatal(err)
	}
	if got := find(reader, "아침"); len(got) != 0 {
		t.Errorf("a removed post is found: %v", got)
	}
	publish(t, b, ash, "secret", "---\ntitle: 비밀\ndraft: true\n---\n아침 이야기\n")
	if got := find(reader, "아침"); len(got) != 0 {
		t.Errorf("a reader finds a draft: %v", got)
	}
	if got := find(ash, "아침"); !same(got, "secret") {
		t.Errorf("an author's search for their draft = %v", got)
	}
}
