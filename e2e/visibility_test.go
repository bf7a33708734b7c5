package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDraftsScheduledAndPages(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start("--timezone", "Asia/Seoul")

	ash.must(b, "---\ntitle: 초안\ndraft: true\n---\n아직\n", "publish", "draft-post")
	ash.must(b, "---\ntitle: Status draft\nstatus: draft\n---\nnot yet\n", "publish", "status-draft")
	ash.must(b, "---\ntitle: 소개\npage: true\n---\n이 블로그는...\n", "publish", "about")
	// Due in a few seconds, written without a zone: in the blog's zone.
	due := time.Now().In(mustZone(t, "Asia/Seoul")).Add(4 * time.Second)
	ash.must(b, fmt.Sprintf("---\ntitle: 예약 글\npub_date: %s\n---\n곧\n", due.Format("2006-01-02 15:04:05")), "publish", "scheduled")

	readerLs := reader.must(b, "", "ls")
	for _, hidden := range []string{"draft-post", "status-draft", "scheduled", "about"} {
		if strings.Contains(readerLs, "\t"+hidden+"\t") {
			t.Errorf("a reader's ls shows %s:\n%s", hidden, readerLs)
		}
	}
	for _, hidden := range []string{"draft-post", "status-draft", "scheduled"} {
		wantFail(t, "reader cat "+hidden, reader.run(b, "", "cat", hidden), "no post")
		wantFail(t, "reader read "+hidden, reader.run(b, "", "read", hidden), "no post")
	}
	if got := reader.must(b, "", "cat", "about"); !strings.Contains(got, "이 블로그는") {
		t.Errorf("a page cannot be read: %q", got)
	}
	authorLs := ash.must(b, "", "ls")
	for _, want := range []string{"\tdraft-post\t(draft) 초안", "\tstatus-draft\t(draft) Status draft", "\tscheduled\t(scheduled) 예약 글"} {
		if !strings.Contains(authorLs, want) {
			t.Errorf("an author's ls lacks %q:\n%s", want, authorLs)
		}
	}

	// The scheduled post appears by itself, without a restart, and in an
	// open reader's screen too.
	s := newScreen(t, 80, 24, reader.sshCommandLine(b))
	s.waitText("24년 3월 회고")
	if strings.Contains(s.capture(), "예약 글") {
		t.Errorf("the scheduled post shows before its time")
	}
	s.waitText("예약 글")
	if got := reader.must(b, "", "ls"); !strings.Contains(got, "\tscheduled\t예약 글") {
		t.Errorf("after its time, ls = %q", got)
	}
}

func TestFrontMatterAliases(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	ash.must(b, "---\ntitle: Moved\naliases: [\"/posts/old-url/\", older]\n---\nhere\n", "publish", "moved")
	for _, old := range []string{"old-url", "older"} {
		if got := ash.must(b, "", "cat", old); !strings.Contains(got, "here") {
			t.Errorf("cat %s = %q", old, got)
		}
	}
}

func TestConcurrentAuthorsLoseNothing(t *testing.T) {
	b := newBlog(t)
	authors := make([]*client, 10)
	for i := range authors {
		authors[i] = newClient(t, fmt.Sprintf("author%d", i))
		b.addAuthor(fmt.Sprintf("author%d", i), authors[i])
	}
	b.start()
	const each = 3
	var wg sync.WaitGroup
	for i, a := range authors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				a.must(b, fmt.Sprintf("# by %d, %d\n", i, j), "publish", "shared")
			}
		}()
	}
	wg.Wait()
	hist := authors[0].must(b, "", "history", "shared")
	if n := strings.Count(hist, "\n"); n != len(authors)*each {
		t.Errorf("history has %d revisions, want %d:\n%s", n, len(authors)*each, hist)
	}
	// --if-rev makes a lost update impossible: of two edits from the same
	// base, one wins and the other is told.
	rev := fmt.Sprint(len(authors) * each)
	results := make([]result, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = authors[i].run(b, fmt.Sprintf("# edit %d\n", i), "publish", "shared", "--if-rev", rev)
		}()
	}
	wg.Wait()
	if (results[0].code == 0) == (results[1].code == 0) {
		t.Errorf("two edits from revision %s: want one success and one conflict, got %+v", rev, results)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestDraftRevisionsStayHidden: a post stored first as a draft, and one
// first dated in the future, then published: anyone, with no key, reads
// neither first revision with cat, diff or history, nor on the web.
func TestDraftRevisionsStayHidden(t *testing.T) {
	b := newBlog(t)
	ash, anyone := newClient(t, "ash"), keylessClient(t)
	b.addAuthor("ash", ash)
	b.start()
	ash.must(b, "---\ntitle: Launch\ndraft: true\n---\nDRAFT NOTES: internal codename BLUEJAY\n", "publish", "launch")
	ash.must(b, "---\ntitle: Launch\ndate: 2024-03-01\n---\nWe launched.\n", "publish", "launch")
	ash.must(b, "---\ntitle: News\ndate: 2999-01-01\n---\nEMBARGOED until 2999\n", "publish", "news")
	ash.must(b, "---\ntitle: News\ndate: 2024-03-01\n---\nThe news.\n", "publish", "news")

	for _, slug := range []string{"launch", "news"} {
		wantFail(t, "cat "+slug+"@1", anyone.run(b, "", "cat", slug+"@1"), "has no revision 1")
		wantFail(t, "diff "+slug+" 1 2", anyone.run(b, "", "diff", slug, "1", "2"), "has no revision 1")
		for _, args := range [][]string{{"diff", slug}, {"history", slug}, {"cat", slug}} {
			if out := anyone.must(b, "", args...); strings.Contains(out, "BLUEJAY") || strings.Contains(out, "EMBARGOED") || strings.HasPrefix(out, "1\t") {
				t.Errorf("%v without a key = %q", args, out)
			}
		}
		for _, path := range []string{"/posts/" + slug, "/posts/" + slug + ".md", "/feed.xml"} {
			if _, body := httpGet(t, b, path); strings.Contains(body, "BLUEJAY") || strings.Contains(body, "EMBARGOED") {
				t.Errorf("%s shows the hidden revision", path)
			}
		}
	}
	if out := ash.must(b, "", "cat", "launch@1"); !strings.Contains(out, "BLUEJAY") {
		t.Errorf("the author's cat launch@1 = %q", out)
	}
}
