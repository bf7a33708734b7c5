package tui

import (
	"sync"
	"testing"
	"time"
)

func TestSharedItems(t *testing.T) {
	st := newFakeStore()
	st.put(t, seedSlug, seed(t))
	st.put(t, "hello", mdPost("Hello, world", "2024-01-02", nil, "# Hello\n"))
	sh := NewShared()
	open := func() *Model {
		return New(Options{Title: blogTitle, Posts: st, Renderer: newRenderer(t), Location: time.UTC, Width: 80, Height: 24, Shared: sh})
	}

	// Sessions that start at once read the same list and share its items.
	models := make([]*Model, 8)
	var wg sync.WaitGroup
	for i := range models {
		wg.Go(func() { models[i] = open() })
	}
	wg.Wait()
	for _, m := range models[1:] {
		if len(m.postItems) != 2 || &m.postItems[0] != &models[0].postItems[0] {
			t.Fatalf("a session has its own items (%d posts)", len(m.postItems))
		}
	}

	// A new post makes new items, shared again.
	st.put(t, "brand-new", mdPost("방금 올린 글", "2024-06-01", nil, "new\n"))
	a, b := open(), open()
	if len(a.postItems) != 3 || &a.postItems[0] != &b.postItems[0] {
		t.Fatalf("after a new post: %d and %d posts, shared: %v", len(a.postItems), len(b.postItems), &a.postItems[0] == &b.postItems[0])
	}
	if got := a.postItems[0].(*item).title; got != "방금 올린 글" {
		t.Errorf("the newest item is %q", got)
	}
	if &models[0].postItems[0] == &a.postItems[0] {
		t.Error("the old list's items were reused for the new list")
	}

	// Another time zone shows other dates: nothing is shared with it.
	m := New(Options{Title: blogTitle, Posts: st, Renderer: newRenderer(t), Location: time.FixedZone("KST", 9*3600), Width: 80, Height: 24, Shared: sh})
	if &m.postItems[0] == &a.postItems[0] {
		t.Error("sessions in two time zones share items")
	}
}
