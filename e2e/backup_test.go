package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// sshblog runs the binary with args and returns its output.
func sshblog(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(binary, args...).CombinedOutput()
	return string(out), err
}

// restore starts a blog whose data folder holds only the given database.
func restore(t *testing.T, db string) *blog {
	t.Helper()
	r := newBlog(t)
	if err := os.MkdirAll(r.data, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.data, "blog.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	r.start()
	return r
}

func TestBackupWhilePublishingAndRestore(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	dir := t.TempDir()

	// Publish in the background while backups are taken.
	ash.must(b, "# 글\n", "publish", "post-0")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ash.must(b, fmt.Sprintf("# 글 %d\n", i), "publish", fmt.Sprintf("post-%d", i%5))
		}
	}()
	live := filepath.Join(dir, "live.db")
	out, err := sshblog(t, "backup", live, "--data", b.data, "--addr", b.addr)
	if err != nil || !strings.Contains(out, "from the running server") {
		t.Fatalf("sshblog backup while running: %v: %s", err, out)
	}
	viaSSH := ash.must(b, "", "backup")
	wantFail(t, "backup by a reader", reader.run(b, "", "backup"), "permission denied: not an author")
	close(stop)
	wg.Wait()

	// Each live copy opens as a blog of its own.
	for name, db := range map[string]string{"sshblog backup": live, "ssh backup": writeFile(t, dir, "ssh.db", viaSSH)} {
		r := restore(t, db)
		if ls := reader.must(r, "", "ls"); !strings.Contains(ls, seedSlug) || !strings.Contains(ls, "post-0") {
			t.Errorf("%s restored: ls = %q", name, ls)
		}
		r.stop()
	}

	// Stopped: the copy is read from the file, and restores everything.
	final := reader.must(b, "", "ls")
	history := reader.must(b, "", "history", "post-1")
	b.stop()
	cold := filepath.Join(dir, "cold.db")
	out, err = sshblog(t, "backup", cold, "--data", b.data, "--addr", b.addr)
	if err != nil || !strings.Contains(out, "no server was running") {
		t.Fatalf("sshblog backup while stopped: %v: %s", err, out)
	}
	r := restore(t, cold)
	if got := reader.must(r, "", "ls"); got != final {
		t.Errorf("restored ls = %q, want %q", got, final)
	}
	if got := reader.must(r, "", "history", "post-1"); got != history {
		t.Errorf("restored history = %q, want %q", got, history)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHealthAndGracefulStop(t *testing.T) {
	b := newBlog(t)
	b.start()
	if out, err := sshblog(t, "health", "--addr", b.addr); err != nil || out != "ok\n" {
		t.Errorf("health of a running blog: %v: %q", err, out)
	}
	// A reader is in the TUI when the server is told to stop.
	s := newScreen(t, 80, 24, newClient(t, "visitor").sshCommandLine(b))
	s.waitText("24년 3월 회고")
	start := time.Now()
	b.cmd.Process.Signal(syscall.SIGTERM)
	if err := b.cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("SIGTERM took %v to stop the server", d)
	}
	s.waitText("restarting")
	if out, err := sshblog(t, "health", "--addr", b.addr); err == nil {
		t.Errorf("health of a stopped blog succeeded: %q", out)
	}
}

// TestBackupOfNoBlogCreatesNothing backs up a data folder that holds no
// blog: it made WRONGDIR/blog.db and a new host key, backed up the empty
// blog and said it had. It must fail, saying there is no blog, and create
// nothing.
func TestBackupOfNoBlogCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	for _, data := range []string{filepath.Join(dir, "missing"), dir} {
		out := filepath.Join(t.TempDir(), "blog.db")
		got, err := sshblog(t, "backup", out, "--data", data, "--addr", "127.0.0.1:1")
		if err == nil || !strings.Contains(got, "no blog at "+data) {
			t.Errorf("backup of %s: %v, %q; want it to fail with \"no blog at %s\"", data, err, got, data)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("backup of %s wrote %s", data, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); err == nil {
		t.Error("backup created the data folder")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("backup created files in an empty data folder: %v", entries)
	}
}
