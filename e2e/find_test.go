package e2e

import (
	"strings"
	"testing"
)

// TestSearchAndTags finds a word of the seed post's body with `search` and
// in the reader, and lists tags, through the real binary and ssh.
func TestSearchAndTags(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	ash.must(b, "---\ntitle: 서울 여행\ndate: 2024-02-01\ntags: [여행]\n---\n서울에서 달리기는 처음이다.\n", "publish", "trip")

	got := reader.must(b, "", "search", "성북천")
	if !strings.HasPrefix(got, "2024-04-14\t"+seedSlug+"\t24년 3월 회고\t") || !strings.Contains(got, "성북천") {
		t.Errorf("search 성북천 = %q", got)
	}
	if got := reader.must(b, "", "search", "달리기"); strings.Count(got, "\n") != 2 {
		t.Errorf("search 달리기 = %q, want both posts", got)
	}
	if got := reader.must(b, "", "tags"); !strings.Contains(got, "회고\t1\n") || !strings.Contains(got, "여행\t1\n") {
		t.Errorf("tags = %q", got)
	}

	for _, width := range []int{40, 80} {
		s := newScreen(t, width, 24, reader.sshCommandLine(b))
		s.waitText("24년 3월 회고")
		s.keys("/")
		s.text("성북천")
		s.keys("Enter")
		s.waitText("성북천을") // the line where it matched, under the title
		checkScreen(t, "search results", s.capture(), width)
		s.keys("Enter")
		s.waitText("성북천을 매일") // the pager, at the match
		checkScreen(t, "the post at its match", s.capture(), width)
		s.keys("q", "q")
	}
}

// TestFollowALinkToAnImportedPost follows the seed post's link to its
// sibling on the blog it was imported from (ash84.io/2024/03/10/...) to the
// post imported here, and comes back, through real ssh and tmux.
func TestFollowALinkToAnImportedPost(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	archive := makeTar(t, false, [][2]string{{"_posts/2024-03-10-february-2024-retrospective.md", "---\ntitle: 24년 2월 회고\ndate: 2024-03-10\n---\n이월의 회고입니다.\n"}})
	ash.must(b, archive, "import")

	s := newScreen(t, 80, 24, reader.sshCommandLine(b))
	s.waitText("24년 3월 회고")
	s.keys("/")
	s.text("3월 회고")
	s.keys("Enter", "Enter")
	s.waitText("달리기")
	s.keys("BTab") // the last link: 24년 2월 회고
	s.waitText("→ https://ash84.io/2024/03/10/february-2024-retrospective/")
	s.keys("Enter")
	s.waitText("이월의 회고입니다.")
	s.keys("BSpace")
	s.waitText("달리기")
}

// TestTagsAndSeriesScreens opens the tags screen and a post of a series in
// the reader at 40 and 80 columns.
func TestTagsAndSeriesScreens(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	ash.must(b, "---\ntitle: 1월 회고\ndate: 2024-01-31\nseries: 24년 회고\ntags: [회고]\n---\n일월.\n", "publish", "jan")
	ash.must(b, "---\ntitle: 2월 회고\ndate: 2024-02-29\nseries: 24년 회고\ntags: [회고]\n---\n이월.\n", "publish", "feb")
	if got := reader.must(b, "", "read", "feb", "--width", "40"); !strings.Contains(got, "series 24년 회고, 2 of 2") {
		t.Errorf("read's series line: %q", got)
	}
	for _, width := range []int{40, 80} {
		s := newScreen(t, width, 24, reader.sshCommandLine(b))
		s.waitText("24년 3월 회고")
		s.keys("t")
		s.waitText("#회고 3")
		checkScreen(t, "tags", s.capture(), width)
		s.keys("Enter")
		s.waitText("#회고 · 3 posts")
		s.keys("/")
		s.text("2월")
		s.keys("Enter", "Enter")
		s.waitText("series 24년 회고, 2 of 2")
		checkScreen(t, "a post of a series", s.capture(), width)
		s.keys("[")
		s.waitText("일월.")
		s.keys("q", "q")
	}
}
