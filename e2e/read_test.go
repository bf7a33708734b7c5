package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/sshblog/sshblog/internal/termtext"
)

const seedSlug = "march-2024-retrospective"

// seedSource is the built-in Korean post, byte for byte.
func seedSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "posts", seedSlug+".md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hasHangul reports whether s holds at least one Hangul syllable.
func hasHangul(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Hangul, r) {
			return true
		}
	}
	return false
}

func TestPlainCommands(t *testing.T) {
	b := newBlog(t)
	b.start()
	c := newClient(t, "visitor")

	t.Run("ls", func(t *testing.T) {
		got := c.must(b, "", "ls")
		want := "2024-04-14\t" + seedSlug + "\t24년 3월 회고\n"
		if got != want {
			t.Errorf("ls = %q, want %q", got, want)
		}
	})
	t.Run("cat", func(t *testing.T) {
		if got := c.must(b, "", "cat", seedSlug); got != seedSource(t) {
			t.Errorf("cat differs from the seed file:\n%s", got)
		}
	})
	t.Run("read", func(t *testing.T) {
		for _, width := range []int{40, 80, 30} {
			got := c.must(b, "", "read", seedSlug, "--width", strconv.Itoa(width))
			if strings.ContainsRune(got, 0x1b) {
				t.Errorf("read --width %d without a PTY has escape sequences", width)
			}
			if strings.ContainsRune(got, '\uFFFD') {
				t.Errorf("read --width %d has U+FFFD", width)
			}
			if !strings.Contains(got, "달리기") || !strings.Contains(got, "테크블로그 개편") {
				t.Errorf("read --width %d lacks the post's headings:\n%s", width, got)
			}
			for i, line := range strings.Split(got, "\n") {
				if w := termtext.Width(line); w > width {
					t.Errorf("read --width %d: line %d is %d columns: %q", width, i+1, w, line)
				}
			}
		}
	})
	t.Run("help", func(t *testing.T) {
		got := c.must(b, "", "help")
		for _, cmd := range []string{"ls", "cat SLUG", "read SLUG", "help"} {
			if !strings.Contains(got, cmd) {
				t.Errorf("help lacks %q:\n%s", cmd, got)
			}
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		r := c.run(b, "", "frobnicate", "\x1b[2J")
		if r.code == 0 {
			t.Errorf("exit status 0 for an unknown command")
		}
		if r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "unknown command") {
			t.Errorf("want one line on stderr and nothing on stdout; got stdout %q stderr %q", r.stdout, r.stderr)
		}
	})
	t.Run("unknown slug", func(t *testing.T) {
		for _, cmd := range []string{"cat", "read"} {
			r := c.run(b, "", cmd, "no-such-post")
			if r.code == 0 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "no post") {
				t.Errorf("%s no-such-post: exit %d stdout %q stderr %q", cmd, r.code, r.stdout, r.stderr)
			}
		}
	})
	t.Run("bad width", func(t *testing.T) {
		r := c.run(b, "", "read", seedSlug, "--width", "5")
		if r.code == 0 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("read --width 5: exit %d stderr %q", r.code, r.stderr)
		}
	})
	t.Run("no command, no terminal", func(t *testing.T) {
		r := c.run(b, "")
		if r.code != 0 || !strings.Contains(r.stdout, seedSlug) || !strings.Contains(r.stderr, "ssh -t") {
			t.Errorf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("still serving", func(t *testing.T) {
		c.must(b, "", "ls")
	})
}

func TestReadWithPTYIsStyled(t *testing.T) {
	b := newBlog(t)
	b.start()
	c := newClient(t, "visitor")
	// -tt forces a PTY even though our stdin is not a terminal.
	args := append(c.sshArgs(b), "-tt", "reader@127.0.0.1", "read", seedSlug, "--width", "60")
	out, err := exec.Command("ssh", args...).Output()
	if err != nil {
		t.Fatalf("ssh -tt read: %v", err)
	}
	if !strings.ContainsRune(string(out), 0x1b) {
		t.Errorf("read with a PTY has no styling")
	}
	if !hasHangul(string(out)) {
		t.Errorf("read with a PTY lacks Hangul")
	}
}

func TestKeylessLogin(t *testing.T) {
	b := newBlog(t)
	b.start()
	c := keylessClient(t)
	if got := c.must(b, "", "whoami"); got != "reader\n" {
		t.Errorf("whoami without a key = %q, want reader", got)
	}
	if got := c.must(b, "", "ls"); !strings.Contains(got, seedSlug) {
		t.Errorf("ls without a key = %q", got)
	}
}

func TestRestartKeepsHostKeyAndPosts(t *testing.T) {
	b := newBlog(t)
	b.start()
	c := newClient(t, "visitor")
	before := c.must(b, "", "ls")
	b.stop()

	info, err := os.Stat(filepath.Join(b.data, "host_ed25519"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("host key mode %v, want 0600", info.Mode().Perm())
	}
	if !strings.Contains(b.log.String(), "seeded") {
		t.Errorf("first start did not log seeding:\n%s", b.log)
	}

	b.start()
	// The known_hosts file from the first run must still match.
	args := append(c.sshArgs(b), "-o", "StrictHostKeyChecking=yes", "-T", "reader@127.0.0.1", "ls")
	out, err := exec.Command("ssh", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("host key changed across a restart: %v: %s", err, out)
	}
	if string(out) != before {
		t.Errorf("posts after restart = %q, want %q", out, before)
	}
	if strings.Contains(b.log.String(), "seeded") {
		t.Errorf("second start seeded again:\n%s", b.log)
	}
}

func TestStartsInEmptyFolderWithDefaults(t *testing.T) {
	dir := t.TempDir()
	b := &blog{t: t, dir: dir, data: filepath.Join(dir, "data"), keys: filepath.Join(dir, "keys")}
	// Only the address is set (a free port); data and keys take their
	// defaults, relative to the working directory.
	b.env = []string{"BLOG_ADDR=127.0.0.1:0", "BLOG_TITLE=Env Title"}
	b.startRaw()
	if _, err := os.Stat(filepath.Join(dir, "data", "blog.db")); err != nil {
		t.Errorf("no database under ./data: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "host_ed25519")); err != nil {
		t.Errorf("no host key under ./data: %v", err)
	}
	c := newClient(t, "visitor")
	c.must(b, "", "ls")
}

// TestBatchModeNeedsAKey pins what the README tells a reader without a
// key: BatchMode=yes rules out keyboard-interactive, the way a keyless
// reader logs in, so ssh gives up; any key at all (ssh-keygen, registered
// nowhere) reads in BatchMode.
func TestBatchModeNeedsAKey(t *testing.T) {
	b := newBlog(t)
	b.start()
	keyless := keylessClient(t)
	args := append(keyless.sshArgs(b), "-o", "BatchMode=yes", "-T", "reader@127.0.0.1", "ls")
	out, err := exec.Command("ssh", args...).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Permission denied") {
		t.Errorf("ssh -o BatchMode=yes without a key: %v: %s; want Permission denied", err, out)
	}
	anyKey := newClient(t, "anyone") // its sshArgs have BatchMode=yes
	if got := anyKey.must(b, "", "ls"); !strings.Contains(got, seedSlug) {
		t.Errorf("ls in BatchMode with an unregistered key = %q", got)
	}
}
