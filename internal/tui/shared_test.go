package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/sshblog/sshblog/internal/tui/items"
	"github.com/sshblog/sshblog/internal/tui/theme"
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
	if got := a.postItems[0].(*items.Item).Title(); got != "방금 올린 글" {
		t.Errorf("the newest item is %q", got)
	}
	if &models[0].postItems[0] == &a.postItems[0] {
		t.Error("the old list's items were reused for the new list")
	}
	// The posts that did not change keep their items; a new revision gets
	// a new one.
	old := map[string]*items.Item{}
	for _, li := range models[0].postItems {
		old[li.(*items.Item).Entry.Slug] = li.(*items.Item)
	}
	for _, li := range a.postItems[1:] {
		if it := li.(*items.Item); old[it.Entry.Slug] != it {
			t.Errorf("the unchanged post %q got a new item", it.Entry.Slug)
		}
	}
	st.put(t, "hello", mdPost("Hello again", "2024-01-02", nil, "# Hello\n"))
	c := open()
	for _, li := range c.postItems {
		it := li.(*items.Item)
		switch prev := old[it.Entry.Slug]; {
		case it.Entry.Slug == "hello" && (it == prev || it.Title() != "Hello again"):
			t.Errorf("the edited post kept its old item (%q)", it.Title())
		case it.Entry.Slug == seedSlug && it != prev:
			t.Error("the seed post got a new item when another post was edited")
		}
	}

	// Another time zone shows other dates: nothing is shared with it.
	m := New(Options{Title: blogTitle, Posts: st, Renderer: newRenderer(t), Location: time.FixedZone("KST", 9*3600), Width: 80, Height: 24, Shared: sh})
	if &m.postItems[0] == &a.postItems[0] {
		t.Error("sessions in two time zones share items")
	}
}

// TestSharedHelp checks that sessions sharing a Shared draw a help line
// once, that it is the line a session without one draws, and that what
// changes the line (a key turned off, the width, the background, full or
// short) changes its key.
func TestSharedHelp(t *testing.T) {
	st := newFakeStore()
	st.put(t, seedSlug, seed(t))
	sh := NewShared()
	opts := Options{Title: blogTitle, Posts: st, Renderer: newRenderer(t), Location: time.UTC, Width: 80, Height: 24, Shared: sh}
	a, b := New(opts), New(opts)
	opts.Shared = nil
	alone := New(opts)

	keys := a.listHelp()
	draws := 0
	draw := func() string { draws++; return theme.DrawHelp(a.help, keys.short, keys.full, false, 78) }
	k := theme.HelpKey(keys.short, keys.full, false, 78, a.dark)
	sh.help.m = nil
	first := sh.helpLine(k, draw)
	if got := b.shared.helpLine(theme.HelpKey(b.listHelp().short, b.listHelp().full, false, 78, b.dark), draw); got != first || draws != 1 {
		t.Errorf("a second session drew the help again (%d draws) or got another line", draws)
	}
	if want := alone.helpView(alone.listHelp(), false, 78); first != want {
		t.Errorf("shared help %q, a session alone draws %q", first, want)
	}

	off := a.listHelp()
	off.short = slices.Clone(off.short)
	off.short[0].SetEnabled(false)
	for what, other := range map[string]string{
		"a key off":     theme.HelpKey(off.short, off.full, false, 78, a.dark),
		"another width": theme.HelpKey(keys.short, keys.full, false, 40, a.dark),
		"light":         theme.HelpKey(keys.short, keys.full, false, 78, !a.dark),
		"the full help": theme.HelpKey(keys.short, keys.full, true, 78, a.dark),
	} {
		if other == k {
			t.Errorf("%s: same help key %q", what, k)
		}
	}

	for i := range helpCacheSize + 10 {
		sh.helpLine(fmt.Sprint(i), func() string { return "x" })
	}
	if n := sh.help.len(); n > helpCacheSize {
		t.Errorf("the help cache holds %d lines, more than %d", n, helpCacheSize)
	}
}

// TestSharedFirstView checks that sessions as New leaves them on the same
// list share one first frame, the one a session alone draws, and that a
// session changed before its first frame, an author, another size or
// another list each get their own.
func TestSharedFirstView(t *testing.T) {
	st := newFakeStore()
	st.put(t, seedSlug, seed(t))
	sh := NewShared()
	opts := Options{Title: blogTitle, Posts: st, Renderer: newRenderer(t), Location: time.UTC, Width: 80, Height: 24, Shared: sh}
	first := New(opts).View()
	if sh.views.len() != 1 {
		t.Fatalf("after one session's first frame the cache holds %d", sh.views.len())
	}
	second := New(opts)
	if got, want := second.View(), second.draw(); got.Content != want.Content || got.WindowTitle != want.WindowTitle || got.Content != first.Content {
		t.Fatalf("a second session's first frame is not the one it draws:\n%s\n%s", got.Content, want.Content)
	}
	alone := opts
	alone.Shared = nil
	if want := New(alone).View(); first.Content != want.Content {
		t.Errorf("the shared first frame differs from a session's alone:\n%s\n%s", first.Content, want.Content)
	}

	moved := New(opts)
	moved.Update(tea.WindowSizeMsg{Width: 80, Height: 24}) // the size it has: still as New left it
	moved.Update(keyPress("?"))
	if got := moved.View(); got.Content == first.Content || got.Content != moved.draw().Content {
		t.Errorf("a session that showed the full help before its first frame got the shared frame:\n%s", got.Content)
	}
	if next := moved.View(); next.Content != moved.draw().Content {
		t.Errorf("a later frame is not the one the session draws")
	}

	author := opts
	author.Author, author.Save = "ash", func(context.Context, string, []byte, uint64) (Saved, error) { return Saved{}, nil }
	narrow := opts
	narrow.Width = 30
	for what, o := range map[string]Options{"an author": author, "30 columns": narrow} {
		m := New(o)
		if got := m.View(); got.Content != m.draw().Content {
			t.Errorf("%s: the first frame is not the one the session draws:\n%s", what, got.Content)
		}
	}
	if sh.views.len() != 3 {
		t.Errorf("after three kinds of first frame the cache holds %d", sh.views.len())
	}

	st.put(t, "newer", mdPost("더 새 글", "2024-06-01", nil, "새 글.\n"))
	newer := New(opts)
	if got := newer.View(); !strings.Contains(got.Content, "더 새 글") || got.Content != newer.draw().Content {
		t.Errorf("after a publish a new session's first frame lacks the new post:\n%s", got.Content)
	}

	for i := range firstViewCacheSize + 10 {
		sh.firstView(firstViewKey{build: uint64(i + 100)}, func() tea.View { return tea.NewView("x") })
	}
	if n := sh.views.len(); n > firstViewCacheSize {
		t.Errorf("the first-frame cache holds %d frames, more than %d", n, firstViewCacheSize)
	}
}
