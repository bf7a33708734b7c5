package command_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/server/servertest"
)

// TestReviewCommands runs the review commands of a blog that requires
// review, with two authors, and checks each one's output and exit status.
func TestReviewCommands(t *testing.T) {
	cb := servertest.Start(t, blog.Config{Review: true})
	ash, lee, r := cb.Author, cb.Second, cb.Reader

	if got := cb.OK(t, ash, helloV1, "publish hello"); got != "proposed hello rev 1 (needs a review)\n" {
		t.Errorf("publish = %q", got)
	}
	cb.Fails(t, r, "", "cat hello", `sshblog: cat: no post "hello"`)
	cb.Fails(t, r, "", "review", "sshblog: review: permission denied: not an author")
	cb.Fails(t, r, "", "approve hello", "sshblog: approve: permission denied: not an author")
	if got := cb.OK(t, lee, "", "review"); !regexp.MustCompile(`^hello\t1\tash\t\d+s\n$`).MatchString(got) {
		t.Errorf("review = %q, want hello<TAB>1<TAB>ash<TAB>AGE", got)
	}
	if got := cb.OK(t, lee, "", "review hello"); !strings.HasPrefix(got, "hello rev 1 by ash, ") || !strings.Contains(got, "+첫 글입니다.") {
		t.Errorf("review hello = %q", got)
	}
	cb.Fails(t, lee, "", "review hello 7", `sshblog: review: hello has no proposal 7`)
	cb.Fails(t, lee, "", "review hello x", `sshblog: review: "x" is not a proposal number`)
	cb.Fails(t, ash, "", "approve hello", "sshblog: approve: you proposed hello proposal 1: another author must approve it")
	if got := cb.OK(t, lee, "", "comment hello 제목이 좋아요"); got != "commented on hello rev 1 by ash\n" {
		t.Errorf("comment = %q", got)
	}
	cb.Fails(t, lee, "", "comment hello", "sshblog: comment: expected SLUG TEXT...")
	if got := cb.OK(t, lee, "", "approve hello"); got != "approved hello rev 1 by ash: published as rev 1\n" {
		t.Errorf("approve = %q", got)
	}
	if got := cb.OK(t, r, "", "cat hello"); got != helloV1 {
		t.Errorf("after approval cat = %q", got)
	}
	cb.Fails(t, lee, "", "approve hello 1", "sshblog: approve: hello proposal 1 was approved already")

	cb.OK(t, ash, helloV2, "publish hello --if-rev 1")
	if got := cb.OK(t, lee, "", "reject hello 2 --why not yet"); got != "rejected hello rev 2 by ash; hello is unchanged\n" {
		t.Errorf("reject = %q", got)
	}
	if got := cb.OK(t, r, "", "cat hello"); got != helloV1 {
		t.Errorf("after a rejection cat = %q", got)
	}
	hist := cb.OK(t, ash, "", "history hello")
	for _, want := range []string{"-\t", "\tash\tproposed 1", "\tlee\tcommented on 1: 제목이 좋아요", "1\t", "\tash\tapproved 1 (by lee)", "\tlee\trejected 2: not yet"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	if got := cb.OK(t, r, "", "history hello"); strings.Contains(got, "proposed") || strings.Count(got, "\n") != 1 {
		t.Errorf("a reader's history = %q", got)
	}
	if got := cb.OK(t, lee, "", "review"); got != "" {
		t.Errorf("review with nothing open = %q", got)
	}
}

// TestReviewOff: without the setting, publishing needs no review and
// `review` says so.
func TestReviewOff(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	if got := cb.OK(t, cb.Author, helloV1, "publish hello"); got != "published hello rev 1\n" {
		t.Errorf("publish = %q", got)
	}
	r := cb.Do(t, cb.Author, "", "review")
	if r.Code != 0 || r.Stdout != "" || r.Stderr != "sshblog: review is off on this blog: publishing needs no review\n" {
		t.Errorf("review = %+v", r)
	}
}
