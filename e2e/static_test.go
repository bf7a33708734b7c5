package e2e

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaticBinaryRunsAsNobody builds the binary the way the Dockerfile
// does and runs it as an unprivileged user from an empty folder, as the
// container does.
func TestStaticBinaryRunsAsNobody(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to switch to an unprivileged user")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("needs setpriv (util-linux)")
	}
	// Not t.TempDir: its parent is closed to other users.
	dir, err := os.MkdirTemp("", "sshblog-static-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sshblog")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "../cmd/sshd")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("static build: %v: %s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("the binary asks for a dynamic loader: it is not static")
		}
	}
	f.Close()

	work := filepath.Join(dir, "empty")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(work, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	nobody := func(args ...string) *exec.Cmd {
		cmd := exec.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args...)...)
		cmd.Dir = work
		return cmd
	}
	if out, err := nobody("--version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "sshblog ") {
		t.Errorf("--version as nobody: %v: %s", err, out)
	}
	b := &blog{t: t, dir: work, data: filepath.Join(work, "data"), keys: filepath.Join(work, "keys")}
	b.cmd = nil
	// Start it as nobody on a free port and read a post back.
	startAs(b, nobody("--addr", "127.0.0.1:0"))
	c := newClient(t, "visitor")
	if got := c.must(b, "", "ls"); !strings.Contains(got, seedSlug) {
		t.Errorf("ls from the static binary: %q", got)
	}
	info, err := os.Stat(filepath.Join(work, "data", "host_ed25519"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("host key: %v %v", info, err)
	}
}
