package e2e

import (
	"regexp"
	"strings"
	"testing"
)

// captureStyled returns what the window shows now, with its colours and
// attributes as escape sequences.
func (s *screen) captureStyled() string {
	s.t.Helper()
	return s.tmux("capture-pane", "-p", "-e", "-t", s.name)
}

// TestReaderOverSSH drives the reader through the real ssh on a wide
// terminal: q on the help screen closes the help, not the session; the
// post is laid out at the reading width; a post opened from a search marks
// its matches and says "match 1 of N", n moves on; the link chosen with
// tab is drawn in reverse video.
func TestReaderOverSSH(t *testing.T) {
	b := newBlog(t)
	b.start()
	c := newClient(t, "visitor")
	s := newScreen(t, 200, 40, c.sshCommandLine(b))
	list := s.waitText("24년 3월 회고", "? more")

	s.keys("?")
	s.waitText("last post")
	s.keys("q")
	if got := s.waitText("24년 3월 회고", "? more"); got != list {
		t.Errorf("q did not close the list's help back to the list:\n%s", got)
	}

	s.keys("/")
	s.text("달리기")
	s.keys("Enter")
	s.waitText("“달리기”")
	s.keys("Enter")
	post := s.waitText("match 1 of ")
	lines := strings.Split(strings.TrimRight(post, "\n"), "\n")
	if w := maxWidth(strings.Join(lines[:len(lines)-1], "\n")); w > 100 {
		t.Errorf("the post is %d columns wide in a 200-column window, past the reading width:\n%s", w, post)
	}
	styled := s.captureStyled()
	if !strings.Contains(styled, "48;5;214m달리기") && !strings.Contains(styled, "48;2;255;175;0m달리기") {
		t.Errorf("the current match is not marked:\n%q", styled)
	}
	s.keys("n")
	s.waitText("match 2 of ")
	s.keys("?")
	help := s.waitText("next/previous match")
	if strings.Contains(help, "next post") {
		t.Errorf("the help of a post opened from a search offers n next post:\n%s", help)
	}
	s.keys("Escape")
	s.waitFor("the help to close", func(screen string) bool { return !strings.Contains(screen, "next/previous match") })

	s.keys("Tab") // the post's first link: 황성현
	s.waitText("→ https://twitter.com/0xd669")
	if styled := s.captureStyled(); !regexp.MustCompile(`\x1b\[[0-9;]*\b7m황성현`).MatchString(styled) {
		t.Errorf("the chosen link is not in reverse video:\n%q", styled)
	}
	s.keys("q")
	s.waitText("“달리기”")
}
