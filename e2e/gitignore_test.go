package e2e

import (
	"os/exec"
	"testing"
)

// TestDataAndKeysAreIgnored: `go run ./cmd/sshd` in a clone makes ./data
// (the database and the host key) and reads ./keys (authors' keys); git
// must not offer to commit either.
func TestDataAndKeysAreIgnored(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	for _, path := range []string{"data/blog.db", "data/host_ed25519", "keys/ash.pub"} {
		cmd := exec.Command("git", "check-ignore", "-q", "--no-index", path)
		cmd.Dir = ".."
		if err := cmd.Run(); err != nil {
			t.Errorf("git check-ignore %s: %v: not ignored", path, err)
		}
	}
}
