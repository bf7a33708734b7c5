package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store"
)

// propose stores src as a proposal for slug, failing the test on error.
func propose(t *testing.T, s store.Store, slug, src, author string) store.Proposal {
	t.Helper()
	p, err := s.Propose(context.Background(), store.Change{Post: Parse(t, slug, src), Author: author})
	if err != nil {
		t.Fatalf("propose %s: %v", slug, err)
	}
	return p
}

// testProposalsWaitForReview: a proposal changes nothing readers see until
// it is approved; approval writes it as the next revision, by its proposer,
// and closes it; rejection closes it and writes nothing; nothing is deleted.
func testProposalsWaitForReview(t *testing.T, open Opener) {
	ctx := context.Background()
	clk := newClock(start)
	s := open(t, clk.now)

	changed := s.Changed()
	fresh := propose(t, s, "new", "---\ntitle: 새 글\n---\n제안\n", "ash")
	if fresh.N != 1 || fresh.Base != 0 || !fresh.Open() || fresh.Author != "ash" {
		t.Errorf("first proposal of a new post = %+v", fresh)
	}
	if !waitClosed(changed, 5*time.Second) {
		t.Error("Changed was not closed by a proposal")
	}
	if _, err := s.Get(ctx, "new"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a proposed new post can be read: %v", err)
	}
	if list, _ := s.List(ctx); len(list) != 0 {
		t.Errorf("a proposed new post is listed: %v", slugs(list))
	}

	put(t, s, "a", "---\ntitle: A\n---\none\n", "kim")
	put(t, s, "a", "---\ntitle: A\n---\ntwo\n", "kim")
	clk.add(time.Minute)
	p3 := propose(t, s, "a", "---\ntitle: A\n---\nthree\n", "ash")
	clk.add(time.Minute)
	p4 := propose(t, s, "a", "---\ntitle: A\n---\nfour\n", "lee")
	if p3.N != 3 || p3.Base != 2 || p4.N != 4 || p4.Base != 2 {
		t.Fatalf("proposals numbered %d (base %d) and %d (base %d), want 3 and 4 on base 2", p3.N, p3.Base, p4.N, p4.Base)
	}
	if r, _ := s.Get(ctx, "a"); string(r.Source) != "---\ntitle: A\n---\ntwo\n" {
		t.Errorf("readers see %q while proposals wait", r.Source)
	}
	conflict := uint64(1)
	if _, err := s.Propose(ctx, store.Change{Post: Parse(t, "a", "x"), Author: "ash", IfRev: &conflict}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("propose with a stale IfRev: %v, want a conflict", err)
	}

	openList, err := s.OpenProposals(ctx)
	if err != nil || len(openList) != 3 || openList[0].Slug != "new" || openList[1].N != 3 || openList[2].N != 4 {
		t.Fatalf("OpenProposals = %+v %v", openList, err)
	}
	for _, p := range openList {
		if p.Source != nil {
			t.Errorf("OpenProposals carries the source of %s %d", p.Slug, p.N)
		}
	}
	if _, err := s.Annotate(ctx, "a", 4, store.Note{Author: "kim", Time: clk.now(), Action: store.Commented, Text: "좋아요, 제목만 고쳐 주세요"}); err != nil {
		t.Fatal(err)
	}

	checkDecisions(t, s, clk)
}

// checkDecisions is testProposalsWaitForReview's second half: proposal 4 of
// "a" (commented) is approved and proposal 3 rejected; both are kept with
// their notes, and numbering goes on after them.
func checkDecisions(t *testing.T, s store.Store, clk *clock) {
	ctx := context.Background()
	e, err := s.Approve(ctx, 4, "kim", store.Change{Post: Parse(t, "a", "---\ntitle: A\n---\nfour\n"), Author: "lee"})
	if err != nil || e.Rev != 3 || e.By != "lee" {
		t.Fatalf("approve = %+v %v, want rev 3 by the proposer", e, err)
	}
	r, _ := s.Get(ctx, "a")
	if string(r.Source) != "---\ntitle: A\n---\nfour\n" || r.Action != store.Approved || r.Author != "lee" {
		t.Errorf("after approval readers get %+v", r)
	}
	if _, err := s.Approve(ctx, 4, "kim", store.Change{Post: Parse(t, "a", "four"), Author: "lee"}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("approving twice: %v, want ErrClosed", err)
	}
	if _, err := s.Annotate(ctx, "a", 3, store.Note{Author: "kim", Time: clk.now(), Action: store.Rejected, Text: "superseded"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Annotate(ctx, "a", 3, store.Note{Author: "kim", Time: clk.now(), Action: store.Rejected}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("rejecting twice: %v, want ErrClosed", err)
	}
	if h, _ := s.History(ctx, "a"); len(h) != 3 {
		t.Errorf("history has %d revisions, want 3 (rejection writes none)", len(h))
	}

	all, err := s.Proposals(ctx, "a")
	if err != nil || len(all) != 2 {
		t.Fatalf("Proposals(a) = %+v %v", all, err)
	}
	if all[0].State != store.Rejected || len(all[0].Notes) != 1 || all[0].Notes[0].Text != "superseded" {
		t.Errorf("rejected proposal = %+v", all[0])
	}
	if all[1].State != store.Approved || len(all[1].Notes) != 2 || all[1].Notes[0].Action != store.Commented ||
		all[1].Notes[1].Author != "kim" || all[1].Notes[1].Rev != 3 {
		t.Errorf("approved proposal = %+v", all[1])
	}
	full, err := s.Proposal(ctx, "a", 3)
	if err != nil || string(full.Source) != "---\ntitle: A\n---\nthree\n" {
		t.Errorf("a rejected proposal's source was not kept: %q %v", full.Source, err)
	}
	if openList, _ := s.OpenProposals(ctx); len(openList) != 1 || openList[0].Slug != "new" {
		t.Errorf("open after the decisions: %+v", openList)
	}
	if p5 := propose(t, s, "a", "five", "ash"); p5.N != 5 {
		t.Errorf("next proposal numbered %d, want 5", p5.N)
	}
	if _, err := s.Proposal(ctx, "a", 9); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing proposal: %v", err)
	}
}

// testApproveOnce: two reviewers approving one proposal at once write one
// revision.
func testApproveOnce(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t, time.Now)
	put(t, s, "a", "one", "kim")
	propose(t, s, "a", "two", "ash")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = s.Approve(ctx, 2, "kim", store.Change{Post: Parse(t, "a", "two"), Author: "ash"})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrClosed):
			t.Errorf("approve: %v", err)
		}
	}
	if h, _ := s.History(ctx, "a"); ok != 1 || len(h) != 2 {
		t.Errorf("%d approvals succeeded and the history has %d revisions; want 1 and 2", ok, len(h))
	}
}
