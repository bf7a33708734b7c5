package archive

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store"
)

// anExport writes a small export: a post, its two revisions, an alias.
func anExport(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	when := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	for _, r := range []store.Revision{
		{Slug: "hello", Rev: 1, Author: "ash", Action: store.Action("publish"), Time: when, Source: []byte("# Hello\n")},
		{Slug: "hello", Rev: 2, Author: "이 작가", Action: store.Action("publish"), Time: when.Add(time.Hour), Source: []byte("# Hello again\n")},
	} {
		if err := w.WriteRevision(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WritePost("hello", []byte("# Hello again\n"), when); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteAliases([][2]string{{"hi", "hello"}}, when); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestExportExtractsWithoutWarnings extracts an export with GNU tar, bsdtar
// and Python's tarfile: GNU tar printed "Ignoring unknown extended header
// keyword 'SSHBLOG.action'" three times a revision. Each must extract it
// silently, with every file in place.
func TestExportExtractsWithoutWarnings(t *testing.T) {
	tarball := filepath.Join(t.TempDir(), "blog.tar")
	if err := os.WriteFile(tarball, anExport(t), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []struct {
		name string
		args func(dir string) []string
	}{
		{"tar", func(dir string) []string { return []string{"-xf", tarball, "-C", dir} }},
		{"bsdtar", func(dir string) []string { return []string{"-xf", tarball, "-C", dir} }},
		{"python3", func(dir string) []string {
			return []string{"-W", "error", "-c", "import tarfile,sys\nwith tarfile.open(sys.argv[1]) as t: t.extractall(sys.argv[2], filter='data')", tarball, dir}
		}},
	} {
		t.Run(tool.name, func(t *testing.T) {
			if _, err := exec.LookPath(tool.name); err != nil {
				if testing.Short() {
					t.Skipf("%s is not installed", tool.name)
				}
				t.Fatalf("%s is not installed (apt-get install -y tar libarchive-tools python3)", tool.name)
			}
			dir := t.TempDir()
			var stderr bytes.Buffer
			cmd := exec.Command(tool.name, tool.args(dir)...)
			// A locale the machine has: bsdtar says so when the one set
			// (scripts/test.sh sets a Korean one) is not installed.
			cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil || stderr.Len() > 0 {
				t.Fatalf("%s: %v: %s", tool.name, err, stderr.String())
			}
			for _, f := range []string{"posts/hello.md", "revisions/hello/000001.md", "revisions/hello/000002.md", AliasesFile} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("%s did not extract %s", tool.name, f)
				}
			}
		})
	}
}

// TestExportHistoryRoundTrips reads an export back, and an export written
// with the record names of before.
func TestExportHistoryRoundTrips(t *testing.T) {
	c := read(t, anExport(t), Options{})
	h := c.Histories["hello"]
	if len(h) != 2 || h[1].Author != "이 작가" || h[1].Action != "publish" || h[1].Rev != 2 {
		t.Errorf("the history read back: %+v", h)
	}
	old := read(t, tarOf(t, file{name: "revisions/hello/000001.md", body: "# old\n",
		pax: map[string]string{oldPAXRev: "1", oldPAXAuthor: "ash", oldPAXAction: "publish"}}), Options{})
	if h := old.Histories["hello"]; len(h) != 1 || h[0].Author != "ash" || !strings.Contains(string(h[0].Source), "old") {
		t.Errorf("an older export's history: %+v", h)
	}
}
