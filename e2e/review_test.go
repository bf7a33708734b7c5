package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// reviewedBlog starts a blog that requires review, with two authors.
func reviewedBlog(t *testing.T) (b *blog, ash, lee, reader *client) {
	t.Helper()
	b = newBlog(t, "BLOG_REVIEW=required")
	ash, lee, reader = newClient(t, "ash"), newClient(t, "lee"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.addAuthor("lee", lee)
	b.start()
	return b, ash, lee, reader
}

// reviewPost is a small Korean post titled title.
func reviewPost(title string) string {
	return "---\ntitle: " + title + "\ndate: 2024-05-01\n---\n" + title + "의 본문입니다.\n"
}

// TestReviewEveryWritePath: with review required, a publish through stdin,
// scp, sftp, import and the editor is a proposal nobody reads until another
// author approves it; the proposer cannot approve it; a rejection keeps the
// post as it was; comments reach the proposer's history.
func TestReviewEveryWritePath(t *testing.T) {
	b, ash, lee, reader := reviewedBlog(t)
	write := writeFiles(t)
	transfer := func(prog string, stdin string, args ...string) {
		t.Helper()
		if out, err := ash.transfer(b, prog, stdin, args...); err != nil {
			t.Fatalf("%s: %v: %s", prog, err, out)
		}
	}

	if out := ash.must(b, reviewPost("표준 입력"), "publish", "by-stdin"); out != "proposed by-stdin rev 1 (needs a review)\n" {
		t.Errorf("publish said %q", out)
	}
	transfer("scp", "", "-O", write("by-scp.md", reviewPost("에스씨피")), "ash@127.0.0.1:")
	transfer("sftp", "put "+write("by-sftp.md", reviewPost("에스에프티피"))+"\n", "-b", "-", "ash@127.0.0.1")
	if out := ash.must(b, makeTar(t, true, [][2]string{{"content/posts/by-import.md", reviewPost("가져오기")}}), "import"); !strings.Contains(out, "proposed 1") {
		t.Errorf("import said %q", out)
	}
	s := newScreen(t, 80, 24, ash.sshCommandLine(b, "new"))
	s.waitText("New post", "draft: true")
	s.text("by-editor") // the cursor starts in the title
	s.keys("C-s")
	s.waitText("needs a review")

	slugs := []string{"by-stdin", "by-scp", "by-sftp", "by-import", "by-editor"}
	for _, slug := range slugs {
		wantFail(t, "reading a proposal", reader.run(b, "", "cat", slug), "no post")
		if strings.Contains(lee.must(b, "", "ls"), "\t"+slug+"\t") {
			t.Errorf("%s is listed before its review", slug)
		}
	}
	list := lee.must(b, "", "review")
	for _, slug := range slugs {
		if !strings.Contains(list, slug+"\t1\tash\t") {
			t.Errorf("review lacks %s proposed by ash:\n%s", slug, list)
		}
	}
	wantFail(t, "review by a reader", reader.run(b, "", "review"), "permission denied: not an author")
	wantFail(t, "approval by a reader", reader.run(b, "", "approve", "by-stdin"), "permission denied: not an author")
	wantFail(t, "self-approval", ash.run(b, "", "approve", "by-stdin"), "another author must approve it")

	if out := lee.must(b, "", "review", "by-stdin"); !strings.Contains(out, "+title: 표준 입력") || !strings.Contains(out, "by-stdin rev 1 by ash") {
		t.Errorf("review by-stdin:\n%s", out)
	}
	lee.must(b, "", "comment", "by-stdin", "제목이", "좋네요")
	if h := ash.must(b, "", "history", "by-stdin"); !strings.Contains(h, "\tlee\tcommented on 1: 제목이 좋네요") {
		t.Errorf("the proposer's history lacks the comment:\n%s", h)
	}
	for _, slug := range slugs {
		if out := lee.must(b, "", "approve", slug, "1"); !strings.HasPrefix(out, "approved "+slug+" rev 1 by ash: published as rev 1") {
			t.Errorf("approve %s said %q", slug, out)
		}
		who := reader
		if slug == "by-editor" {
			who = lee // the editor's template is a draft: authors only
		}
		if got := who.must(b, "", "cat", slug); !strings.Contains(got, "본문") && !strings.Contains(got, "by-editor") {
			t.Errorf("after approval cat %s = %q", slug, got)
		}
	}
	if h := reader.must(b, "", "history", "by-stdin"); !strings.Contains(h, "1\t") || !strings.Contains(h, "\tash\tapproved") || strings.Contains(h, "proposed") {
		t.Errorf("a reader's history of an approved post:\n%s", h)
	}
	if h := ash.must(b, "", "history", "by-stdin"); !strings.Contains(h, "\tash\tapproved 1 (by lee)") {
		t.Errorf("an author's history does not say who approved:\n%s", h)
	}

	// An edit, rejected: readers keep revision 1.
	if out := ash.must(b, reviewPost("고친 제목"), "publish", "by-stdin", "--if-rev", "1"); out != "proposed by-stdin rev 2 (needs a review)\n" {
		t.Errorf("an edit said %q", out)
	}
	if out := lee.must(b, "", "reject", "by-stdin", "--why", "아직 아니에요"); !strings.HasPrefix(out, "rejected by-stdin rev 2 by ash") {
		t.Errorf("reject said %q", out)
	}
	if got := reader.must(b, "", "cat", "by-stdin"); !strings.Contains(got, "표준 입력") || strings.Contains(got, "고친 제목") {
		t.Errorf("after a rejection readers get %q", got)
	}
	if h := ash.must(b, "", "history", "by-stdin"); !strings.Contains(h, "-\t") || !strings.Contains(h, "\tlee\trejected 2: 아직 아니에요") {
		t.Errorf("history lacks the rejection:\n%s", h)
	}
	wantFail(t, "approving a rejected proposal", lee.run(b, "", "approve", "by-stdin", "2"), "rejected already")
	if out := lee.must(b, "", "review"); out != "" {
		t.Errorf("proposals left open:\n%s", out)
	}
}

// TestReviewInTheReader: the list marks a post waiting for a review, the
// review screen shows the diff, x asks before rejecting, a approves, and the
// proposer cannot approve their own.
func TestReviewInTheReader(t *testing.T) {
	b, ash, lee, reader := reviewedBlog(t)
	ash.must(b, reviewPost("첫 글"), "publish", "tui-post")
	lee.must(b, "", "approve", "tui-post", "1")
	ash.must(b, strings.Replace(reviewPost("첫 글"), "본문입니다.", "본문을 고쳤습니다.", 1), "publish", "tui-post")

	for _, width := range []int{40, 80} {
		s := newScreen(t, width, 24, lee.sshCommandLine(b))
		s.waitText("to review (r)", "to review · 2024-05-01")
		checkScreen(t, fmt.Sprintf("review list %d", width), s.capture(), width)
		s.keys("r")
		s.waitText("1 waiting for a review", "tui-post rev 2")
		s.keys("Enter")
		s.waitText("tui-post rev 2 by ash", "+첫 글의 본문을 고쳤습니다.", "-첫 글의 본문입니다.")
		checkScreen(t, fmt.Sprintf("review diff %d", width), s.capture(), width)
		s.keys("x")
		s.waitText("Reject tui-post rev 2 by ash? y/n")
		s.keys("n")
		s.waitText("Not rejected.")
		if width == 40 {
			s.keys("q", "q")
			continue
		}
		s.keys("a")
		s.waitText("Approve tui-post rev 2 by ash? y/n")
		s.keys("y")
		s.waitText("Approved tui-post rev 2 by ash: published as rev 2.")
		s.waitText("Nothing to review.")
	}
	if got := reader.must(b, "", "cat", "tui-post"); !strings.Contains(got, "본문을 고쳤습니다.") {
		t.Errorf("after approval in the reader, cat = %q", got)
	}

	// The proposer sees "proposed" on the list and may not approve.
	ash.must(b, reviewPost("둘째 글"), "publish", "tui-post")
	lee.must(b, "", "comment", "tui-post", "마지막", "줄을", "봐", "주세요")
	s := newScreen(t, 80, 24, ash.sshCommandLine(b))
	s.waitText("proposed · 2024-05-01")
	s.keys("r")
	s.waitText("tui-post rev 3", "1 note")
	s.keys("Enter")
	s.waitText("lee: commented: 마지막 줄을 봐 주세요")
	s.keys("a")
	s.waitText("You proposed this: another author must approve it.")
}

// TestKillDuringApprovalLosesNothing: the server is killed while a
// reviewer approves proposals. After each restart every proposal is
// either still open with the post as it was, or closed with the post at
// its text: never one without the other, and no acknowledged approval is
// lost.
func TestKillDuringApprovalLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the server several times")
	}
	const rounds, posts = 5, 6
	b := newBlog(t, "BLOG_REVIEW=required")
	ash, lee, reader := newClient(t, "ash"), newClient(t, "lee"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.addAuthor("lee", lee)
	approved := map[string]string{} // slug -> text of the acknowledged approval
	for round := range rounds {
		b.start()
		texts := map[string]string{}
		for i := range posts {
			slug := fmt.Sprintf("kill-%d-%d", round, i)
			texts[slug] = reviewPost(fmt.Sprintf("라운드 %d 글 %d", round, i))
			ash.must(b, texts[slug], "publish", slug)
		}
		var mu sync.Mutex
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := range posts {
				slug := fmt.Sprintf("kill-%d-%d", round, i)
				if r := lee.run(b, "", "approve", slug, "1"); r.code != 0 {
					return // the server died under us
				}
				mu.Lock()
				approved[slug] = texts[slug]
				mu.Unlock()
			}
		})
		time.Sleep(time.Duration(100+rand.IntN(400)) * time.Millisecond)
		b.cmd.Process.Kill()
		b.cmd.Wait()
		wg.Wait()

		b.start()
		open := lee.must(b, "", "review")
		for slug, text := range texts {
			isOpen := strings.Contains(open, slug+"\t1\t")
			r := reader.run(b, "", "cat", slug)
			switch {
			case isOpen && r.code == 0:
				t.Errorf("%s is published and its proposal still open", slug)
			case !isOpen && r.code != 0:
				t.Errorf("%s's proposal is closed and the post is not there: %s", slug, r.stderr)
			case !isOpen && r.stdout != text:
				t.Errorf("%s is %q, want %q", slug, r.stdout, text)
			}
			if want, ok := approved[slug]; ok && r.stdout != want {
				t.Errorf("the acknowledged approval of %s was lost", slug)
			}
		}
		b.stop()
	}
	if len(approved) == 0 {
		t.Error("no approval was acknowledged before a kill; the test proved little")
	}
	t.Logf("%d rounds of SIGKILL during approvals, %d acknowledged approvals, none lost", rounds, len(approved))
}
