// Package storetest is the conformance suite every store.Store passes: what
// the program relies on, tested against a real store, the same way for each
// implementation.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// Opener opens a new, empty store whose clock reads now. It closes the store
// itself when the test ends (t.Cleanup).
type Opener func(t *testing.T, now func() time.Time) store.Store

// Run runs the conformance suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		run  func(*testing.T, Opener)
	}{
		{"PutGetList", testPutGetList},
		{"GetMissing", testGetMissing},
		{"IfRevConflict", testIfRevConflict},
		{"ConcurrentPutsLoseNothing", testConcurrentPuts},
		{"RemoveAndRevert", testRemoveAndRevert},
		{"Rename", testRename},
		{"AddAlias", testAddAlias},
		{"AliasesAreNotTakenOver", testAliasesNotTakenOver},
		{"Import", testImport},
		{"PublicFollowsTheClock", testPublic},
		{"ChangedIsClosedOnWrite", testChanged},
		{"PutMany", testPutMany},
		{"Restore", testRestore},
		{"SeedOnlyWhenEmpty", testSeed},
		{"WriteTo", testWriteTo},
		{"ProposalsWaitForReview", testProposalsWaitForReview},
		{"ApproveOnce", testApproveOnce},
		{"Files", testFiles},
		{"BatchIsAllOrNothing", testBatch},
		{"BatchWithFiles", testBatchFiles},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open) })
	}
}

// clock is a settable clock for the stores under test.
type clock struct{ t atomic.Pointer[time.Time] }

func newClock(t time.Time) *clock {
	c := new(clock)
	c.set(t)
	return c
}

func (c *clock) now() time.Time      { return *c.t.Load() }
func (c *clock) set(t time.Time)     { c.t.Store(&t) }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

// start is the time every suite store starts at.
var start = time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)

// Parse parses a small post named slug; it fails the test on error.
func Parse(t testing.TB, slug, src string) *post.Post {
	t.Helper()
	p, err := post.Parse([]byte(src), post.Options{Slug: slug, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// put stores src as slug, failing the test on error.
func put(t *testing.T, s store.Store, slug, src, author string) store.Entry {
	t.Helper()
	e, err := s.Put(context.Background(), store.Change{Post: Parse(t, slug, src), Author: author})
	if err != nil {
		t.Fatalf("put %s: %v", slug, err)
	}
	return e
}

func slugs(es []store.Entry) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Slug)
	}
	return out
}

func testPutGetList(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	put(t, s, "old", "---\ntitle: Old\ndate: 2020-01-01\n---\nold body\n", "ash")
	newer := "---\ntitle: 새 글\ndate: 2024-01-01\n---\n본문\n"
	if e := put(t, s, "new", newer, "ash"); e.Rev != 1 || e.By != "ash" || e.Size != int64(len(newer)) {
		t.Errorf("first put: %+v", e)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(slugs(list)); got != "[new old]" {
		t.Fatalf("list = %s, want [new old] (newest first)", got)
	}
	r, err := s.Get(ctx, "new")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Source) != newer || r.Author != "ash" || r.Action != store.Published || r.Rev != 1 {
		t.Errorf("get = %+v", r)
	}
	e := put(t, s, "new", "---\ntitle: 고친 글\ndate: 2024-01-01\n---\n고친 본문\n", "kim")
	if e.Rev != 2 || e.Title != "고친 글" {
		t.Fatalf("edit: %+v", e)
	}
	if r1, err := s.Revision(ctx, "new", 1); err != nil || string(r1.Source) != newer {
		t.Errorf("revision 1 changed: %q %v", r1.Source, err)
	}
	h, err := s.History(ctx, "new")
	if err != nil || len(h) != 2 || h[0].Action != store.Published || h[1].Action != store.Edited || h[1].Author != "kim" {
		t.Errorf("history = %+v %v", h, err)
	}
	for _, r := range h {
		if r.Source != nil {
			t.Errorf("history carries the source of revision %d", r.Rev)
		}
	}
	if cur, ok := s.Entry("new"); !ok || cur.Rev != 2 {
		t.Errorf("Entry = %+v %v", cur, ok)
	}
	if s.Len() != 2 || len(s.AllEntries()) != 2 {
		t.Errorf("Len = %d, AllEntries has %d; want 2", s.Len(), len(s.AllEntries()))
	}
}

func testGetMissing(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotFound", err)
	}
	if _, err := s.History(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("History: %v, want ErrNotFound", err)
	}
	put(t, s, "a", "# A\n", "x")
	if _, err := s.Revision(ctx, "a", 2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Revision 2 of a one-revision post: %v, want ErrNotFound", err)
	}
	if _, err := s.Remove(ctx, "nope", "x", nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Remove: %v, want ErrNotFound", err)
	}
	if _, err := s.Rename(ctx, "nope", "other", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Rename: %v, want ErrNotFound", err)
	}
	if _, err := s.Put(ctx, store.Change{Post: &post.Post{Meta: post.Meta{Slug: "../etc"}}, Author: "x"}); err == nil {
		t.Errorf("a bad slug was stored")
	}
}

func testIfRevConflict(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	p := Parse(t, "a", "# A\n")
	zero, one := uint64(0), uint64(1)
	if _, err := s.Put(ctx, store.Change{Post: p, Author: "x", IfRev: &zero}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, store.Change{Post: p, Author: "x", IfRev: &zero}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second put with IfRev 0: %v, want ErrConflict", err)
	}
	if e, err := s.Put(ctx, store.Change{Post: p, Author: "x", IfRev: &one}); err != nil || e.Rev != 2 {
		t.Errorf("put with IfRev 1: %+v %v", e, err)
	}
	if _, err := s.Remove(ctx, "a", "x", &one); !errors.Is(err, store.ErrConflict) {
		t.Errorf("remove with a stale IfRev: %v, want ErrConflict", err)
	}
	if e, _ := s.Entry("a"); e.Rev != 2 || e.Removed {
		t.Errorf("a refused write changed the post: %+v", e)
	}
}

func testConcurrentPuts(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	const writers, each = 4, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range each {
				if _, err := s.Put(ctx, store.Change{Post: Parse(t, "shared", "# shared\n"), Author: string(rune('a' + w))}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	h, err := s.History(ctx, "shared")
	if err != nil || len(h) != writers*each {
		t.Errorf("history has %d revisions (%v), want %d", len(h), err, writers*each)
	}
	if e, _ := s.Entry("shared"); e.Rev != writers*each {
		t.Errorf("current revision %d, want %d", e.Rev, writers*each)
	}
}

func testRemoveAndRevert(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	src := "---\ntitle: A\n---\nbody\n"
	put(t, s, "a", src, "x")
	two := uint64(1)
	e, err := s.Remove(ctx, "a", "kim", &two)
	if err != nil || e.Rev != 2 || !e.Removed || e.By != "kim" {
		t.Fatalf("remove: %+v %v", e, err)
	}
	if _, err := s.Get(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a removed post: %v, want ErrNotFound", err)
	}
	if list, _ := s.List(ctx); len(list) != 0 {
		t.Errorf("a removed post is listed: %v", slugs(list))
	}
	if all := s.AllEntries(); len(all) != 1 || !all[0].Removed {
		t.Errorf("AllEntries = %+v, want the tombstone", all)
	}
	if _, err := s.Remove(ctx, "a", "kim", nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing twice: %v, want ErrNotFound", err)
	}
	r1, err := s.Revision(ctx, "a", 1)
	if err != nil {
		t.Fatal(err)
	}
	cur := uint64(2)
	e, err = s.Put(ctx, store.Change{Post: Parse(t, "a", string(r1.Source)), Author: "ash", IfRev: &cur, Action: store.Reverted})
	if err != nil || e.Rev != 3 || e.Removed {
		t.Fatalf("revert: %+v %v", e, err)
	}
	r, err := s.Get(ctx, "a")
	if err != nil || string(r.Source) != src || r.Action != store.Reverted {
		t.Errorf("after revert: %+v %v", r, err)
	}
	h, _ := s.History(ctx, "a")
	if len(h) != 3 || h[1].Action != store.Removed {
		t.Errorf("history = %+v", h)
	}
}

func testRename(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	put(t, s, "first", "# one\n", "x")
	put(t, s, "first", "# two\n", "x")
	put(t, s, "other", "# other\n", "x")
	if _, err := s.Rename(ctx, "first", "other", "x"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("rename onto a post: %v, want ErrConflict", err)
	}
	if _, err := s.Rename(ctx, "first", "first", "x"); err == nil {
		t.Errorf("rename to the same name succeeded")
	}
	if _, err := s.Rename(ctx, "first", "Bad Slug", "x"); err == nil {
		t.Errorf("rename to a bad slug succeeded")
	}
	e, err := s.Rename(ctx, "first", "second", "kim")
	if err != nil || e.Slug != "second" || e.Rev != 3 {
		t.Fatalf("rename: %+v %v", e, err)
	}
	h, err := s.History(ctx, "second")
	if err != nil || len(h) != 3 || h[2].Action != store.Renamed || h[2].Author != "kim" {
		t.Fatalf("history after rename = %+v %v", h, err)
	}
	if r, err := s.Revision(ctx, "second", 1); err != nil || string(r.Source) != "# one\n" {
		t.Errorf("revision 1 after rename: %q %v", r.Source, err)
	}
	// The old name leads to the post.
	r, err := s.Get(ctx, "first")
	if err != nil || r.Slug != "second" || string(r.Source) != "# two\n" {
		t.Errorf("get by the old name: %+v %v", r, err)
	}
	if got := fmt.Sprint(s.Aliases()); got != "[[first second]]" {
		t.Errorf("aliases = %s", got)
	}
	// Aliases follow a second rename.
	if _, err := s.Rename(ctx, "first", "third", "kim"); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(s.Aliases()); got != "[[first third] [second third]]" {
		t.Errorf("aliases after a second rename = %s", got)
	}
	if e, ok := s.Entry("first"); !ok || e.Slug != "third" {
		t.Errorf("Entry(first) = %+v %v", e, ok)
	}
	if list, _ := s.List(ctx); fmt.Sprint(slugs(list)) != "[other third]" && fmt.Sprint(slugs(list)) != "[third other]" {
		t.Errorf("list after renames = %v", slugs(list))
	}
	// A new post under an alias's name takes the name over.
	put(t, s, "first", "# new first\n", "x")
	if r, err := s.Get(ctx, "first"); err != nil || string(r.Source) != "# new first\n" {
		t.Errorf("a post named like an alias: %q %v", r.Source, err)
	}
	if got := fmt.Sprint(s.Aliases()); got != "[[second third]]" {
		t.Errorf("aliases after the name was taken = %s", got)
	}
	// A post renamed back to a name it had takes it over from its alias.
	if _, err := s.Rename(ctx, "third", "second", "kim"); err != nil {
		t.Fatalf("renaming back: %v", err)
	}
	if got := fmt.Sprint(s.Aliases()); got != "[[third second]]" {
		t.Errorf("aliases after renaming back = %s", got)
	}
	if e, ok := s.Entry("third"); !ok || e.Slug != "second" || e.Rev != 5 {
		t.Errorf("Entry(third) after renaming back = %+v %v", e, ok)
	}
}

func testAddAlias(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	put(t, s, "a", "# A\n", "x")
	put(t, s, "b", "# B\n", "x")
	if err := s.AddAlias(ctx, "b", "a"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("alias over a post: %v, want ErrConflict", err)
	}
	if err := s.AddAlias(ctx, "Not A Slug", "a"); err == nil {
		t.Errorf("a bad alias was stored")
	}
	if err := s.AddAlias(ctx, "old-a", "a"); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Get(ctx, "old-a"); err != nil || r.Slug != "a" {
		t.Errorf("get through the alias: %+v %v", r, err)
	}
}

// An alias that leads to one post is not another's to take, by a rename
// onto it or by a new alias; the refusal changes nothing.
func testAliasesNotTakenOver(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	put(t, s, "a", "# A\n", "ash")
	put(t, s, "b", "# B\n", "misty")
	if _, err := s.Rename(ctx, "a", "a2", "ash"); err != nil { // "a" now leads to a2
		t.Fatal(err)
	}
	if err := s.AddAlias(ctx, "old-a", "a2"); err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprint(s.Aliases())
	if _, err := s.Rename(ctx, "b", "a", "misty"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("renaming b onto a2's alias a: %v, want ErrConflict", err)
	}
	if _, err := s.Rename(ctx, "b", "old-a", "misty"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("renaming b onto a2's alias old-a: %v, want ErrConflict", err)
	}
	if err := s.AddAlias(ctx, "a", "b"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("an alias of b over a2's alias a: %v, want ErrConflict", err)
	}
	if got := fmt.Sprint(s.Aliases()); got != before {
		t.Errorf("aliases after refusals = %s, want %s", got, before)
	}
	if r, err := s.Get(ctx, "a"); err != nil || r.Slug != "a2" {
		t.Errorf("a leads to %+v %v, want a2", r, err)
	}
	if e, ok := s.Entry("b"); !ok || e.Slug != "b" || e.Rev != 1 {
		t.Errorf("b after refusals = %+v %v", e, ok)
	}
	// The same alias again, and the post's own old name, are fine.
	if err := s.AddAlias(ctx, "old-a", "a2"); err != nil {
		t.Errorf("the same alias again: %v", err)
	}
	if _, err := s.Rename(ctx, "a2", "a", "ash"); err != nil {
		t.Errorf("renaming a2 back to its old name: %v", err)
	}
}

// Import stores histories, changes and aliases, and reports the parts
// refused one by one without stopping the rest.
func testImport(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	put(t, s, "taken", "# Taken\n", "x")
	if err := s.AddAlias(ctx, "old-taken", "taken"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	hist := []store.Revision{
		{Slug: "restored", Rev: 1, Author: "kim", Time: now, Action: store.Published, Source: []byte("# one\n")},
		{Slug: "restored", Rev: 2, Author: "kim", Time: now, Action: store.Edited, Source: []byte("# two\n")},
	}
	in := store.Import{
		Restores: []store.Restoring{
			{Slug: "restored", Revs: hist, Meta: Parse(t, "restored", "# two\n").Meta},
			{Slug: "taken", Revs: hist, Meta: Parse(t, "taken", "# two\n").Meta},
		},
		Changes: []store.Change{
			{Post: Parse(t, "new", "# new\n"), Author: "x"},
			{Post: Parse(t, "taken", "# Taken\n"), Author: "x"},
		},
		Aliases: [][2]string{{"old-new", "new"}, {"old-taken", "new"}, {"new", "taken"}},
	}
	out, err := s.Import(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if out.Restored[0] != nil || !errors.Is(out.Restored[1], store.ErrConflict) {
		t.Errorf("restores: %v", out.Restored)
	}
	if out.Changes[0].Err != nil || out.Changes[0].Entry.Rev != 1 || !out.Changes[1].Unchanged {
		t.Errorf("changes: %+v", out.Changes)
	}
	if out.Aliases[0] != nil || !errors.Is(out.Aliases[1], store.ErrConflict) || !errors.Is(out.Aliases[2], store.ErrConflict) {
		t.Errorf("aliases: %v", out.Aliases)
	}
	if h, err := s.History(ctx, "restored"); err != nil || len(h) != 2 {
		t.Errorf("the restored history: %+v %v", h, err)
	}
	for alias, want := range map[string]string{"old-new": "new", "old-taken": "taken", "new": "new"} {
		if r, err := s.Get(ctx, alias); err != nil || r.Slug != want {
			t.Errorf("%s leads to %+v %v, want %s", alias, r, err, want)
		}
	}
}

func testPublic(t *testing.T, open Opener) {
	ctx := context.Background()
	c := newClock(start)
	s := open(t, c.now)
	put(t, s, "past", "---\ntitle: past\ndate: 2024-12-31\n---\n", "ash")
	put(t, s, "soon", "---\ntitle: soon\ndate: 2025-01-01 10:00\n---\n", "ash")
	put(t, s, "draft", "---\ntitle: draft\ndraft: true\n---\n", "ash")
	public := func() string {
		list, err := s.Public().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(slugs(list))
	}
	if got := public(); got != "[past]" {
		t.Errorf("at 09:00 readers see %s, want [past]", got)
	}
	for _, slug := range []string{"soon", "draft"} {
		if _, err := s.Public().Get(ctx, slug); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("readers can read %s: %v", slug, err)
		}
	}
	if _, err := s.Public().Get(ctx, "past"); err != nil {
		t.Errorf("readers cannot read past: %v", err)
	}
	next, ok := s.NextScheduled(c.now())
	if !ok || !next.Equal(start.Add(time.Hour)) {
		t.Errorf("NextScheduled = %v %v", next, ok)
	}
	c.add(time.Hour - time.Nanosecond)
	if got := public(); got != "[past]" {
		t.Errorf("a moment before 10:00 readers see %s, want [past]", got)
	}
	c.add(time.Nanosecond)
	if got := public(); got != "[soon past]" {
		t.Errorf("at 10:00 readers see %s, want [soon past]", got)
	}
	if _, ok := s.NextScheduled(c.now()); ok {
		t.Errorf("nothing is scheduled after 10:00")
	}
	if all, _ := s.List(ctx); len(all) != 3 {
		t.Errorf("authors see %d posts, want 3 with the draft", len(all))
	}
	if !s.Now().Equal(c.now()) {
		t.Errorf("Now = %v, want the store's clock %v", s.Now(), c.now())
	}
}

// waitClosed reports whether ch is closed within d.
func waitClosed(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

func testChanged(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	ch := s.Changed()
	if waitClosed(ch, 10*time.Millisecond) {
		t.Fatal("closed before any write")
	}
	put(t, s, "a", "# A\n", "x")
	if !waitClosed(ch, 2*time.Second) {
		t.Fatal("not closed after a put")
	}
	ch = s.Changed()
	if _, err := s.Rename(ctx, "a", "b", "x"); err != nil {
		t.Fatal(err)
	}
	if !waitClosed(ch, 2*time.Second) {
		t.Fatal("not closed after a rename")
	}
}

func testPutMany(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	put(t, s, "kept", "# kept\n", "x")
	var changes []store.Change
	changes = append(changes, store.Change{Post: Parse(t, "kept", "# kept\n"), Author: "y"})
	changes = append(changes, store.Change{Post: &post.Post{Meta: post.Meta{Slug: "Bad Slug"}}, Author: "y"})
	changes = append(changes, store.Change{Author: "y"})
	const n = 300 // more than one bounded transaction
	for i := range n {
		changes = append(changes, store.Change{Post: Parse(t, fmt.Sprintf("p%03d", i), fmt.Sprintf("# %d\n", i)), Author: "y"})
	}
	out, err := s.PutMany(ctx, changes)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(changes) {
		t.Fatalf("%d outcomes for %d changes", len(out), len(changes))
	}
	if !out[0].Unchanged || out[0].Err != nil || out[0].Entry.Rev != 1 {
		t.Errorf("an unchanged post: %+v", out[0])
	}
	if out[1].Err == nil || out[2].Err == nil {
		t.Errorf("bad changes were accepted: %+v %+v", out[1], out[2])
	}
	for i, o := range out[3:] {
		if o.Err != nil || o.Unchanged || o.Entry.Rev != 1 {
			t.Fatalf("change %d: %+v", i, o)
		}
	}
	if s.Len() != n+1 {
		t.Errorf("Len = %d, want %d", s.Len(), n+1)
	}
	if r, err := s.Get(ctx, "p299"); err != nil || string(r.Source) != "# 299\n" || r.Author != "y" {
		t.Errorf("p299 = %+v %v", r, err)
	}
	if h, _ := s.History(ctx, "kept"); len(h) != 1 {
		t.Errorf("an unchanged post has %d revisions, want 1", len(h))
	}
}

func testRestore(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	when := time.Date(2023, 5, 1, 12, 0, 0, 0, time.UTC)
	p := Parse(t, "back", "---\ntitle: 돌아온 글\ndate: 2023-05-01\n---\n본문\n")
	revs := []store.Revision{
		{Rev: 1, Author: "a", Time: when, Action: store.Published, Source: []byte("# first\n")},
		{Rev: 2, Author: "b", Time: when.Add(time.Hour), Action: store.Edited, Source: p.Source},
	}
	e, err := s.Restore(ctx, "back", revs, p.Meta)
	if err != nil || e.Rev != 2 || e.By != "b" || !e.Updated.Equal(when.Add(time.Hour)) || e.Title != "돌아온 글" {
		t.Fatalf("restore: %+v %v", e, err)
	}
	h, err := s.History(ctx, "back")
	if err != nil || len(h) != 2 || h[0].Author != "a" || !h[0].Time.Equal(when) {
		t.Errorf("history = %+v %v", h, err)
	}
	if r, err := s.Get(ctx, "back"); err != nil || !bytes.Equal(r.Source, p.Source) {
		t.Errorf("get = %q %v", r.Source, err)
	}
	if _, err := s.Restore(ctx, "back", revs, p.Meta); !errors.Is(err, store.ErrConflict) {
		t.Errorf("restoring over a post: %v, want ErrConflict", err)
	}
	if _, err := s.Restore(ctx, "gap", revs[1:], p.Meta); err == nil {
		t.Errorf("a history with a gap was restored")
	}
	if _, err := s.Restore(ctx, "none", nil, p.Meta); err == nil {
		t.Errorf("an empty history was restored")
	}
}

func testSeed(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	seed := []*post.Post{Parse(t, "hello", "# Hello\n"), Parse(t, "안녕", "# 안녕\n")}
	if n, err := s.Seed(ctx, seed, "sshblog"); err != nil || n != 2 {
		t.Fatalf("seed = %d, %v", n, err)
	}
	if r, err := s.Get(ctx, "hello"); err != nil || r.Author != "sshblog" || r.Action != store.Published {
		t.Errorf("seeded post: %+v %v", r, err)
	}
	if n, err := s.Seed(ctx, seed, "sshblog"); err != nil || n != 0 {
		t.Errorf("second seed = %d, %v; want 0", n, err)
	}
}

func testWriteTo(t *testing.T, open Opener) {
	s := open(t, time.Now)
	put(t, s, "a", "# 가나다\n", "x")
	var buf bytes.Buffer
	n, err := s.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Errorf("WriteTo reported %d bytes and wrote %d", n, buf.Len())
	}
}

// testBatch: a batch (a git push) writes puts, removals and renames in
// order at one instant, or, when one of them is refused, none of them.
func testBatch(t *testing.T, open Opener) {
	ctx := context.Background()
	clk := newClock(time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC))
	s := open(t, clk.now)
	bt, ok := s.(store.Batcher)
	if !ok {
		t.Skip("this store has no batches")
	}
	put(t, s, "keep", "# keep\n", "x")
	put(t, s, "gone", "# gone\n", "x")
	put(t, s, "old", "# old\n", "x")
	clk.add(time.Minute)
	rev := func(n uint64) *uint64 { return &n }
	// Refused at the last operation: nothing is stored.
	refused := []store.Op{
		{Kind: store.OpPut, Change: store.Change{Post: Parse(t, "keep", "# kept\n"), Author: "y"}, IfRev: rev(1)},
		{Kind: store.OpRemove, Slug: "gone", Author: "y", IfRev: rev(1)},
		{Kind: store.OpRename, Slug: "old", NewSlug: "keep", Author: "y", IfRev: rev(1)},
	}
	if _, err := bt.Batch(ctx, refused); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a batch renaming onto a post: %v, want ErrConflict", err)
	}
	for _, slug := range []string{"keep", "gone", "old"} {
		if e, ok := s.Entry(slug); !ok || e.Rev != 1 || e.Removed {
			t.Errorf("after a refused batch, %s is %+v", slug, e)
		}
	}
	stale := []store.Op{{Kind: store.OpPut, Change: store.Change{Post: Parse(t, "keep", "# kept\n"), Author: "y"}, IfRev: rev(7)}}
	if _, err := bt.Batch(ctx, stale); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a batch at the wrong revision: %v, want ErrConflict", err)
	}
	// Accepted: all of it, in order, at one instant.
	ops := []store.Op{
		{Kind: store.OpPut, Change: store.Change{Post: Parse(t, "keep", "# kept\n"), Author: "y"}, IfRev: rev(1)},
		{Kind: store.OpPut, Change: store.Change{Post: Parse(t, "new", "# new\n"), Author: "y"}, IfRev: rev(0)},
		{Kind: store.OpRemove, Slug: "gone", Author: "y", IfRev: rev(1)},
		{Kind: store.OpRename, Slug: "old", NewSlug: "moved", Author: "y", IfRev: rev(1)},
		{Kind: store.OpPut, Change: store.Change{Post: Parse(t, "moved", "# moved and edited\n"), Author: "y"}},
	}
	es, err := bt.Batch(ctx, ops)
	if err != nil || len(es) != len(ops) {
		t.Fatalf("batch: %v %v", es, err)
	}
	if es[0].Rev != 2 || es[1].Rev != 1 || !es[2].Removed || es[3].Slug != "moved" || es[4].Rev != 3 {
		t.Errorf("batch entries: %+v", es)
	}
	at := clk.now()
	for _, slug := range []string{"keep", "new", "moved"} {
		r, err := s.Get(ctx, slug)
		if err != nil || !r.Time.Equal(at) || r.Author != "y" {
			t.Errorf("%s after the batch: %+v %v", slug, r, err)
		}
	}
	if r, err := s.Get(ctx, "old"); err != nil || r.Slug != "moved" || string(r.Source) != "# moved and edited\n" {
		t.Errorf("the old name after the batch: %+v %v", r, err)
	}
	h, err := s.History(ctx, "moved")
	if err != nil || len(h) != 3 || h[1].Action != store.Renamed || h[1].From != "old" {
		t.Errorf("history of the moved post: %+v %v", h, err)
	}
	if _, err := s.Get(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the removed post: %v", err)
	}
}

// testBatchFiles: files' changes in a batch (a git push with an image)
// are written with the posts', at their instant, or not at all.
func testBatchFiles(t *testing.T, open Opener) {
	ctx := context.Background()
	clk := newClock(time.Date(2024, 4, 1, 12, 0, 0, 0, time.UTC))
	s := open(t, clk.now)
	bt, ok := s.(store.Batcher)
	if !ok {
		t.Skip("this store has no batches")
	}
	put(t, s, "keep", "# keep\n", "x")
	old := []byte("old bytes")
	if _, err := s.PutFiles(ctx, []store.FileChange{{Path: "/old.txt", Author: "x", Data: old,
		File: store.File{Hash: store.HashOf(old), Size: int64(len(old)), Type: "text/plain"}}}); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	rev := func(n uint64) *uint64 { return &n }
	data := []byte("new bytes")
	file := store.FileChange{Path: "/assets/new.txt", Author: "y", Data: data,
		File: store.File{Hash: store.HashOf(data), Size: int64(len(data)), Type: "text/plain"}}
	// A post refused: the file is not stored either.
	refused := []store.Op{
		{Kind: store.OpFile, File: file, IfRev: rev(0)},
		{Kind: store.OpFile, File: store.FileChange{Path: "/old.txt", Author: "y", Action: store.Removed}, IfRev: rev(1)},
		{Kind: store.OpPut, Change: store.Change{Post: Parse(t, "keep", "# kept\n"), Author: "y"}, IfRev: rev(9)},
	}
	if _, err := bt.Batch(ctx, refused); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a batch with a stale post: %v, want ErrConflict", err)
	}
	if _, ok := s.FileEntry("/assets/new.txt"); ok {
		t.Error("a refused batch stored its file")
	}
	if e, ok := s.FileEntry("/old.txt"); !ok || e.Removed || e.Rev != 1 {
		t.Errorf("a refused batch changed a file: %+v", e)
	}
	// A file at the wrong revision: nothing is stored.
	stale := []store.Op{
		{Kind: store.OpPut, Change: store.Change{Post: Parse(t, "keep", "# kept\n"), Author: "y"}, IfRev: rev(1)},
		{Kind: store.OpFile, File: store.FileChange{Path: "/old.txt", Author: "y", Action: store.Removed}, IfRev: rev(4)},
	}
	if _, err := bt.Batch(ctx, stale); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a batch with a stale file: %v, want ErrConflict", err)
	}
	if e, _ := s.Entry("keep"); e.Rev != 1 {
		t.Errorf("a batch refused for its file stored its post: %+v", e)
	}
	// Accepted: the posts and the files, at one instant.
	ops := []store.Op{
		{Kind: store.OpFile, File: file, IfRev: rev(0)},
		{Kind: store.OpFile, File: store.FileChange{Path: "/old.txt", Author: "y", Action: store.Removed}, IfRev: rev(1)},
		{Kind: store.OpPut, Change: store.Change{Post: Parse(t, "keep", "# kept\n"), Author: "y"}, IfRev: rev(1)},
	}
	es, err := bt.Batch(ctx, ops)
	if err != nil || len(es) != 3 {
		t.Fatalf("batch: %v %v", es, err)
	}
	if es[0].Slug != "/assets/new.txt" || es[0].Rev != 1 || es[1].Rev != 2 || !es[1].Removed || es[2].Rev != 2 {
		t.Errorf("batch entries: %+v", es)
	}
	at := clk.now()
	if e, ok := s.FileEntry("/assets/new.txt"); !ok || e.Rev != 1 || !e.Updated.Equal(at) || e.By != "y" {
		t.Errorf("the new file: %+v", e)
	}
	if got, err := s.FileData(ctx, store.HashOf(data)); err != nil || string(got) != string(data) {
		t.Errorf("the new file's bytes: %q %v", got, err)
	}
	h, err := s.FileHistory(ctx, "/old.txt")
	if err != nil || len(h) != 2 || h[1].Action != store.Removed || !h[1].Time.Equal(at) {
		t.Errorf("the removed file's history: %+v %v", h, err)
	}
	if r, err := s.Get(ctx, "keep"); err != nil || !r.Time.Equal(at) {
		t.Errorf("the post: %+v %v", r, err)
	}
}
