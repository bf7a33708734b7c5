package blog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

// reviewed returns a blog that requires review, with n authors.
func reviewed(t *testing.T, n int) (*Service, *boltstore.DB, *clock) {
	t.Helper()
	return newBlog(t, Config{Review: true, Authors: func() int { return n }})
}

func TestReviewNeedsTwoAuthors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		review  bool
		authors int
		want    bool
	}{{false, 3, false}, {true, 1, false}, {true, 0, false}, {true, 2, true}} {
		b, _, _ := newBlog(t, Config{Review: tc.review, Authors: func() int { return tc.authors }})
		if b.Reviewing() != tc.want {
			t.Errorf("review %v with %d authors: Reviewing = %v", tc.review, tc.authors, !tc.want)
		}
		res, err := b.Publish(ctx, ash, []byte("# 글\n"), PublishOptions{Slug: "p"})
		if err != nil {
			t.Fatal(err)
		}
		if (res.Proposal != nil) != tc.want {
			t.Errorf("review %v with %d authors: proposal = %v", tc.review, tc.authors, res.Proposal)
		}
	}
}

func TestReviewFlow(t *testing.T) {
	ctx := context.Background()
	b, _, _ := reviewed(t, 2)

	res, err := b.Publish(ctx, ash, []byte("---\ntitle: 첫 글\n---\n초안\n"), PublishOptions{Slug: "first"})
	if err != nil || res.Proposal == nil || res.Proposal.N != 1 || res.Rev != 0 {
		t.Fatalf("publish of a new post = %+v %v, want proposal 1", res, err)
	}
	if _, err := b.Get(ctx, reader, "first"); !errors.Is(err, ErrNotFound) {
		t.Errorf("readers see a proposal: %v", err)
	}
	if _, err := b.Get(ctx, misty, "first"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a proposal is the post for authors too: %v", err)
	}
	if _, err := b.OpenProposals(ctx, reader); !errors.Is(err, ErrNotAuthor) {
		t.Errorf("a reader lists proposals: %v", err)
	}
	if _, _, err := b.Approve(ctx, reader, "first", 0); !errors.Is(err, ErrNotAuthor) {
		t.Errorf("a reader approves: %v", err)
	}
	if _, _, err := b.Approve(ctx, ash, "first", 0); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "another author") {
		t.Errorf("self-approval: %v", err)
	}
	if _, err := b.Comment(ctx, misty, "first", 0, "  좋아요,\n제목만 \x1b[31m고쳐 주세요  "); err != nil {
		t.Fatal(err)
	}
	p, diff, err := b.ReviewDiff(ctx, misty, "first", 0)
	if err != nil || !strings.Contains(diff, "+초안") || len(p.Notes) != 1 || p.Notes[0].Text != "좋아요, 제목만 ^[[31m고쳐 주세요" {
		t.Errorf("review diff = %q, notes %+v, %v", diff, p.Notes, err)
	}
	e, prop, err := b.Approve(ctx, misty, "first", 0)
	if err != nil || e.Rev != 1 || prop.N != 1 {
		t.Fatalf("approve = %+v %+v %v", e, prop, err)
	}
	r, err := b.Get(ctx, reader, "first")
	if err != nil || r.Author != "ash" || r.Action != store.Approved || !strings.Contains(string(r.Source), "초안") {
		t.Errorf("after approval readers get %+v %v", r, err)
	}

	// An edit of a published post: readers keep the current revision until
	// a decision; a rejection changes nothing they see.
	res, err = b.Publish(ctx, misty, []byte("---\ntitle: 첫 글\n---\n고침\n"), PublishOptions{Slug: "first", IfRev: rev(1)})
	if err != nil || res.Proposal == nil || res.Proposal.N != 2 || res.Rev != 1 {
		t.Fatalf("an edit = %+v %v", res, err)
	}
	if _, err := b.Publish(ctx, misty, []byte("# x\n"), PublishOptions{Slug: "first", IfRev: rev(0)}); !errors.Is(err, ErrConflict) {
		t.Errorf("--if-rev is not checked for proposals: %v", err)
	}
	if _, err := b.Reject(ctx, ash, "first", 2, "다음에"); err != nil {
		t.Fatal(err)
	}
	if r, _ := b.Get(ctx, reader, "first"); r.Rev != 1 {
		t.Errorf("a rejection moved the post to rev %d", r.Rev)
	}
	if _, _, err := b.Approve(ctx, ash, "first", 2); !errors.Is(err, ErrConflict) {
		t.Errorf("approving a rejected proposal: %v", err)
	}
	if _, _, err := b.Approve(ctx, ash, "first", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("approving with nothing open: %v", err)
	}
	all, err := b.Proposals(ctx, ash, "first")
	if err != nil || len(all) != 2 || all[1].State != store.Rejected || all[1].Notes[0].Text != "다음에" {
		t.Errorf("proposals kept = %+v %v", all, err)
	}
	if kept, err := b.Proposal(ctx, ash, "first", 2); err != nil || !strings.Contains(string(kept.Source), "고침") {
		t.Errorf("a rejected proposal's text was lost: %v", err)
	}
}

func TestReviewedImportProposesEachPost(t *testing.T) {
	ctx := context.Background()
	b, _, _ := reviewed(t, 2)
	if _, err := b.Publish(ctx, ash, []byte("# same\n"), PublishOptions{Slug: "same"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Approve(ctx, misty, "same", 1); err != nil {
		t.Fatal(err)
	}
	res, err := b.Import(ctx, ash, tarOf(t,
		[2]string{"content/posts/one.md", "---\ntitle: One\n---\n하나\n"},
		[2]string{"content/posts/same.md", "# same\n"},
		[2]string{"content/posts/bad.md", "---\ntitle: [\n---\n"},
	), ImportOptions{})
	if err != nil || res.Proposed != 1 || res.Imported != 0 || len(res.Skipped) != 2 {
		t.Fatalf("import = %+v %v", res, err)
	}
	if _, err := b.Get(ctx, reader, "one"); !errors.Is(err, ErrNotFound) {
		t.Errorf("an imported post skipped the review: %v", err)
	}
	if open, _ := b.OpenProposals(ctx, misty); len(open) != 1 || open[0].Slug != "one" {
		t.Errorf("open proposals = %+v", open)
	}
}

// TestApproveAfterARename: a proposal to edit a post that was renamed since
// is refused (it would start a new post under the old name); the post is
// left as it is.
func TestApproveAfterARename(t *testing.T) {
	ctx := context.Background()
	b, _, _ := reviewed(t, 2)
	if _, err := b.Publish(ctx, ash, []byte("# 처음\n"), PublishOptions{Slug: "old"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Approve(ctx, misty, "old", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publish(ctx, ash, []byte("# 고침\n"), PublishOptions{Slug: "old"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Rename(ctx, misty, "old", "new"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.Approve(ctx, misty, "old", 2); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "renamed to new") {
		t.Errorf("approving an edit of a renamed post: %v", err)
	}
	if r, err := b.Get(ctx, reader, "new"); err != nil || !strings.Contains(string(r.Source), "처음") {
		t.Errorf("the renamed post is %q, %v", r.Source, err)
	}
}

// TestApproveOnlyWhatWasReviewed: two proposals against the same revision
// cannot both be approved (the second would silently undo the first);
// approve without a number refuses when more than one proposal is open or
// when the open one is not the one its reviewer was shown.
func TestApproveOnlyWhatWasReviewed(t *testing.T) {
	ctx := context.Background()
	b, _, _ := reviewed(t, 2)
	propose := func(src string) uint64 {
		t.Helper()
		res, err := b.Publish(ctx, ash, []byte(src), PublishOptions{Slug: "hello"})
		if err != nil || res.Proposal == nil {
			t.Fatalf("publish = %+v, %v", res, err)
		}
		return res.Proposal.N
	}
	first := propose("# 하나\n")
	if _, _, err := b.Approve(ctx, misty, "hello", first); err != nil {
		t.Fatal(err)
	}
	a, bb := propose("# A\n"), propose("# B\n")
	if _, _, err := b.Approve(ctx, misty, "hello", 0); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "2 open proposals") {
		t.Errorf("approve without a number, two open: %v", err)
	}
	if _, _, err := b.Approve(ctx, misty, "hello", bb); err != nil {
		t.Fatal(err)
	}
	_, _, err := b.Approve(ctx, misty, "hello", a)
	want := fmt.Sprintf("hello changed since proposal %d was made (now rev 2); ask for a fresh proposal", a)
	if !errors.Is(err, ErrConflict) || err.Error() != want {
		t.Errorf("approving a stale proposal: %v; want %q", err, want)
	}
	if r, _ := b.Get(ctx, reader, "hello"); string(r.Source) != "# B\n" || r.Rev != 2 {
		t.Errorf("readers see rev %d %q, want B at rev 2", r.Rev, r.Source)
	}
	if _, err := b.Reject(ctx, misty, "hello", a, ""); err != nil {
		t.Fatal(err)
	}

	// misty reviews one proposal; ash proposes another before she approves.
	seen := propose("# C\n")
	if _, _, err := b.Approve(ctx, misty, "hello", 0); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "review hello first") {
		t.Errorf("approve before any review: %v", err)
	}
	if _, _, err := b.ReviewDiff(ctx, misty, "hello", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Reject(ctx, ash, "hello", seen, "다시"); err != nil {
		t.Fatal(err)
	}
	newer := propose("# D\n")
	if _, _, err := b.Approve(ctx, misty, "hello", 0); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), fmt.Sprintf("proposal %d came after the one you reviewed (%d)", newer, seen)) {
		t.Errorf("approve of a proposal made after the review: %v", err)
	}
	if _, _, err := b.ReviewDiff(ctx, misty, "hello", 0); err != nil {
		t.Fatal(err)
	}
	if e, p, err := b.Approve(ctx, misty, "hello", 0); err != nil || p.N != newer || e.Rev != 3 {
		t.Errorf("approve after reviewing = rev %d, proposal %d, %v", e.Rev, p.N, err)
	}
}
