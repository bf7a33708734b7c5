package authors

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// newKey returns a fresh public key and its authorized_keys line.
func newKey(t testing.TB) (gossh.PublicKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k)))
}

// logTo makes a logger writing text lines to w.
func logTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFolder(t *testing.T) {
	dir := t.TempDir()
	ash, ashLine := newKey(t)
	ash2, ash2Line := newKey(t)
	kim, kimLine := newKey(t)
	stranger, _ := newKey(t)
	write(t, filepath.Join(dir, "ash.pub"), "# Ash's keys\n"+ashLine+" laptop\nnot a key at all\n\n"+ash2Line+"\n")
	var logs strings.Builder
	f, err := Open(dir, logTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  gossh.PublicKey
		want string
	}{{ash, "ash"}, {ash2, "ash"}, {kim, ""}, {stranger, ""}} {
		got, ok := f.Author(tc.key, local)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("Author = %q %v, want %q", got, ok, tc.want)
		}
	}
	if !strings.Contains(logs.String(), "file=ash.pub line=3") {
		t.Errorf("the malformed line was not logged with file and line:\n%s", logs.String())
	}

	// Adding a file takes effect on the next lookup.
	write(t, filepath.Join(dir, "kim.pub"), kimLine+"\n")
	if got, _ := f.Author(kim, local); got != "kim" {
		t.Errorf("after adding kim.pub: %q", got)
	}
	if names := f.Names(); strings.Join(names, ",") != "ash,kim" {
		t.Errorf("Names = %v", names)
	}
	// Removing one revokes at once.
	if err := os.Remove(filepath.Join(dir, "ash.pub")); err != nil {
		t.Fatal(err)
	}
	if got, ok := f.Author(ash, local); ok {
		t.Errorf("after removing ash.pub: still %q", got)
	}
	// Files that are not NAME.pub, or have bad names, grant nothing.
	write(t, filepath.Join(dir, "notes.txt"), ashLine+"\n")
	write(t, filepath.Join(dir, "-x.pub"), ashLine+"\n")
	if got, ok := f.Author(ash, local); ok {
		t.Errorf("a stray file made %q an author", got)
	}
}

// local is the address the tests' clients come from.
var local = netip.MustParseAddr("127.0.0.1")
