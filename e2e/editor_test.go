package e2e

import (
	"strings"
	"testing"
)

func TestEditorWithKorean(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()

	// Edit the seed post: type Korean at the end, erase two syllables, save.
	s := newScreen(t, 60, 20, ash.sshCommandLine(b, "edit", seedSlug))
	s.waitText(seedSlug, "rev 1")
	s.keys("C-End")
	s.text("새로 쓴 문장입니다 끝끝")
	s.keys("BSpace", "BSpace")
	s.waitText("새로 쓴 문장입니다")
	s.keys("C-s")
	s.waitText("rev 2")
	checkScreen(t, "editor", s.capture(), 60)
	s.keys("Escape")
	got := reader.must(b, "", "cat", seedSlug)
	if !strings.HasSuffix(got, "새로 쓴 문장입니다 \n") && !strings.HasSuffix(got, "새로 쓴 문장입니다 ") {
		t.Errorf("after the edit the post ends %q", got[max(0, len(got)-80):])
	}
	if !strings.HasPrefix(got, seedSource(t)[:200]) {
		t.Errorf("the edit changed the front matter:\n%s", got[:300])
	}
	if hist := reader.must(b, "", "history", seedSlug); !strings.Contains(hist, "2\t") || !strings.Contains(hist, "\tash\tedited") {
		t.Errorf("history after the edit: %q", hist)
	}

	// A new post from the template: the cursor starts in the title.
	s = newScreen(t, 80, 24, ash.sshCommandLine(b, "new"))
	s.waitText("New post", "draft: true")
	s.text("터미널에서 쓴 글")
	s.keys("C-End")
	s.text("본문도 한글로.")
	s.keys("C-s")
	s.waitText("rev 1")
	s.keys("Escape")
	ls := ash.must(b, "", "ls")
	if !strings.Contains(ls, "\t터미널에서-쓴-글\t(draft) 터미널에서 쓴 글") {
		t.Errorf("the new draft is not listed for authors:\n%s", ls)
	}

	// Quitting with unsaved changes asks first.
	s = newScreen(t, 80, 24, ash.sshCommandLine(b, "edit", seedSlug))
	s.waitText("rev 2")
	s.text("버릴 글")
	s.keys("Escape")
	s.waitText("Discard")
	s.keys("n")
	s.keys("Escape")
	s.waitText("Discard")
	s.keys("y")
	if got2 := reader.must(b, "", "cat", seedSlug); got2 != got {
		t.Errorf("discarded text was saved")
	}

	// Readers and terminals-less sessions cannot edit.
	wantFail(t, "reader edit", reader.run(b, "", "edit", seedSlug), "permission denied: not an author")
	wantFail(t, "edit without a terminal", ash.run(b, "", "edit", seedSlug), "needs a terminal")
	wantFail(t, "edit of a missing post", ash.run(b, "", "edit", "nope"), "no post")
}
