package webload

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sshblog/sshblog/internal/archive"
)

// TestPostsArchive checks what the web phase imports: generated posts for
// a number, and a real blog's folder packed as the blog's import reads
// it.
func TestPostsArchive(t *testing.T) {
	gen, _, err := postsArchive("5", 1)
	if err != nil {
		t.Fatal(err)
	}
	c, err := archive.Read(bytes.NewReader(gen), archive.Options{})
	if err != nil || len(c.Posts) != 5 {
		t.Fatalf("generated: %v, %d posts", err, len(c.Posts))
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"content/posts/hello/index.md": "---\ntitle: 안녕\n---\n본문\n",
		"content/posts/second.md":      "---\ntitle: Second\n---\nbody\n",
		"static/img/a.png":             "\x89PNG",
	} {
		file := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	real, source, err := postsArchive(dir, 1)
	if err != nil || source != dir {
		t.Fatal(source, err)
	}
	c, err = archive.Read(bytes.NewReader(real), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var slugs []string
	for _, p := range c.Posts {
		slugs = append(slugs, p.Slug)
	}
	slices.Sort(slugs)
	if !slices.Equal(slugs, []string{"hello", "second"}) || c.Ignored != 0 || len(c.Files) != 1 {
		t.Errorf("a Hugo folder gave posts %v, %d files, %d ignored", slugs, len(c.Files), c.Ignored)
	}
	if _, _, err := postsArchive(filepath.Join(dir, "missing"), 1); err == nil {
		t.Error("a missing folder was read")
	}
	if _, _, err := postsArchive("0", 1); err == nil {
		t.Error("0 posts was taken")
	}
}
