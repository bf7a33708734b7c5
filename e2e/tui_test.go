package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sshblog/sshblog/internal/termtext"
)

// checkScreen fails the test if the captured screen has a line wider than
// width, a U+FFFD, or no Hangul.
func checkScreen(t *testing.T, what, screen string, width int) {
	t.Helper()
	for i, line := range strings.Split(screen, "\n") {
		if w := termtext.Width(line); w > width {
			t.Errorf("%s: line %d is %d columns wide in a %d-column window: %q", what, i+1, w, width, line)
		}
	}
	if strings.ContainsRune(screen, '\uFFFD') {
		t.Errorf("%s: the screen shows U+FFFD:\n%s", what, screen)
	}
	if !hasHangul(screen) {
		t.Errorf("%s: no Hangul on the screen:\n%s", what, screen)
	}
}

func TestReaderTUI(t *testing.T) {
	b := newBlog(t)
	b.start("--title", "나의 블로그")
	c := newClient(t, "visitor")
	for _, width := range []int{40, 80, 200} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			s := newScreen(t, width, 24, c.sshCommandLine(b))
			list := s.waitText("나의 블로그", "24년 3월 회고")
			checkScreen(t, "list", list, width)

			s.keys("?")
			s.waitText("filter")
			s.keys("?")

			// Open the seed post: its header, then its body.
			s.keys("Enter")
			post := s.waitText("ash84", "달리기", "요즘은")
			checkScreen(t, "post", post, width)
			if !strings.Contains(post, "image:") {
				t.Errorf("the featured image link is not shown:\n%s", post)
			}
			if strings.Contains(post, "pub_date") || strings.Contains(post, "featured_image") {
				t.Errorf("the front matter is shown raw:\n%s", post)
			}

			// Scroll down a page, then to the end.
			s.keys("Space")
			scrolled := s.waitFor("the pager to scroll", func(screen string) bool {
				return screen != post && !strings.Contains(screen, "요즘은 러닝이라고")
			})
			checkScreen(t, "scrolled", scrolled, width)
			s.keys("G")
			end := s.waitText("100%", "24년 2월 회고")
			checkScreen(t, "end", end, width)
			s.keys("g")
			s.waitText("요즘은")

			// Resize: the post is rendered again for the new width.
			narrow := width/2 + 10
			s.resize(narrow, 20)
			resized := s.waitFor("a re-render at the new width", func(screen string) bool {
				return strings.Contains(screen, "요즘은") && maxWidth(screen) <= narrow
			})
			checkScreen(t, "resized", resized, narrow)
			s.resize(width, 24)
			s.waitFor("a re-render at the old width", func(screen string) bool {
				return strings.Contains(screen, "요즘은") && maxWidth(screen) > narrow
			})

			// Back to the list, then filter it in Korean.
			s.keys("q")
			s.waitText("나의 블로그", "24년 3월 회고")
			s.keys("/")
			s.text("회고")
			s.keys("Enter")
			filtered := s.waitText("24년 3월 회고")
			checkScreen(t, "filtered", filtered, width)
			s.keys("Enter")
			s.waitText("달리기")
			s.keys("Escape")
			s.waitText("나의 블로그")
			s.keys("q")
		})
	}
}

// maxWidth is the widest line of a screen.
func maxWidth(screen string) int {
	w := 0
	for _, line := range strings.Split(screen, "\n") {
		w = max(w, termtext.Width(line))
	}
	return w
}

func TestTUISeesNewPostsLive(t *testing.T) {
	b := newBlog(t)
	ash, visitor := newClient(t, "ash"), newClient(t, "visitor")
	b.addAuthor("ash", ash)
	b.start()
	s := newScreen(t, 80, 24, visitor.sshCommandLine(b))
	s.waitText("24년 3월 회고")
	ash.must(b, "---\ntitle: 새로운 소식\ndate: 2099-01-01\n---\n미래\n", "publish", "future")
	ash.must(b, "---\ntitle: 방금 쓴 글\n---\n본문\n", "publish", "fresh")
	screen := s.waitText("방금 쓴 글")
	if strings.Contains(screen, "새로운 소식") {
		t.Errorf("a reader sees a post scheduled for 2099:\n%s", screen)
	}
	ash.must(b, "", "rm", "fresh")
	s.waitFor("the removed post to go", func(screen string) bool { return !strings.Contains(screen, "방금 쓴 글") })
}
