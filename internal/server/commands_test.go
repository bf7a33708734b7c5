package server_test

import (
	"testing"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/server/servertest"
)

const helloV1 = "---\ntitle: 안녕\ndate: 2024-03-01\ntags: [인사]\n---\n첫 글입니다.\n"

// TestCommandsOverSSH checks what the server adds to the commands (whose
// output package command's tests check, through this server too): who the
// client is, from the key it proved it holds; its stdin, stdout and stderr;
// and the exit status.
func TestCommandsOverSSH(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	if got := cb.OK(t, a, helloV1, "publish hello"); got != "published hello rev 1\n" {
		t.Errorf("publish = %q", got)
	}
	if got := cb.OK(t, r, "", "cat hello"); got != helloV1 {
		t.Errorf("cat hello = %q", got)
	}
	if got := cb.OK(t, r, "", "whoami"); got != "reader\n" {
		t.Errorf("whoami as a reader = %q", got)
	}
	if got := cb.OK(t, a, "", "whoami"); got != "author ash\n" {
		t.Errorf("whoami as an author = %q", got)
	}
	if got := cb.OK(t, cb.Second, "", "whoami"); got != "author lee\n" {
		t.Errorf("whoami as the second author = %q", got)
	}
	cb.Fails(t, r, "# x\n", "publish x", "sshblog: publish: permission denied: not an author")
	cb.Fails(t, r, "", "frobnicate", `sshblog: unknown command "frobnicate"; try `+"`help`")
	cb.Fails(t, a, "", "edit hello", "sshblog: edit: needs a terminal: ssh -t HOST edit hello")
}
