package gitrepo

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/sshblog/sshblog/internal/blog"
)

// pngOf returns a w x h PNG of one colour.
func pngOf(t *testing.T, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`

// fileHistory writes the same files into b, at the clock's next
// instants: an SVG and a PNG beside a post, the PNG edited, a third file
// renamed, then removed.
func fileHistory(t *testing.T, b *blog.Service, clk *clock, between func()) {
	t.Helper()
	ctx := context.Background()
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if between != nil {
			between()
		}
	}
	clk.tick()
	_, err := b.PutFiles(ctx, ash, []blog.NewFile{
		{Path: "/assets/posts/diagram.svg", Data: []byte(svg)},
		{Path: "/posts/hello/pic.png", Data: pngOf(t, 4, 4, color.White)},
	})
	step("storing two files", err)
	clk.tick()
	_, err = b.PutFiles(ctx, ash, []blog.NewFile{{Path: "/posts/hello/pic.png", Data: pngOf(t, 8, 8, color.Black)}})
	step("editing a file", err)
	clk.tick()
	_, err = b.PutFiles(ctx, ash, []blog.NewFile{{Path: "/a.png", Data: pngOf(t, 2, 2, color.White)}})
	step("storing a file at the root", err)
	clk.tick()
	_, err = b.RenameFile(ctx, ash, "/a.png", "/assets/b.png")
	step("renaming a file", err)
	clk.tick()
	_, err = b.RemoveFile(ctx, ash, "/assets/b.png")
	step("removing a file", err)
}

// gitRepo makes a bare repository of the packs of v from have, read by
// real git, and returns its folder.
func gitRepo(t *testing.T, b *blog.Service, id blog.Identity, v *View, haves ...int) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	gitIn(t, dir, nil, "init", "-q", "--bare")
	for _, have := range haves {
		var buf bytes.Buffer
		if _, err := v.WritePack(context.Background(), b, id, &buf, have); err != nil {
			t.Fatal(err)
		}
		gitIn(t, dir, &buf, "index-pack", "--stdin", "--strict")
	}
	gitIn(t, dir, nil, "update-ref", "refs/heads/main", v.Tip().String())
	return dir
}

// gitIn runs git in dir and returns its output.
func gitIn(t *testing.T, dir string, stdin *bytes.Buffer, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestFilesInTree: the blog's files are in the tree at their paths, beside
// posts (posts/hello/pic.png beside posts/hello.md), for authors and
// readers; a removed file leaves the tree and stays in history; the same
// history gives the same ids, whether a view followed it change by change
// or was built at once; real git reads the packs, fsck --strict passes.
func TestFilesInTree(t *testing.T) {
	ctx := context.Background()
	b1, c1 := testBlog(t)
	b2, c2 := testBlog(t)
	r1 := New(b1, nil)
	follow := func() {
		if _, err := r1.View(ctx, ash); err != nil {
			t.Fatal(err)
		}
		if _, err := r1.View(ctx, blog.Identity{}); err != nil {
			t.Fatal(err)
		}
	}
	follow()
	history(t, b1, c1)
	fileHistory(t, b1, c1, follow)
	history(t, b2, c2)
	fileHistory(t, b2, c2, nil)
	r2 := New(b2, nil)
	for _, id := range []blog.Identity{ash, {}} {
		v1, err := r1.View(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		v2, err := r2.View(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if v1.Tip() != v2.Tip() || v1.Tip().IsZero() {
			t.Errorf("%s: tips %s (%d commits) and %s (%d)", id, v1.Tip(), v1.Len(), v2.Tip(), v2.Len())
		}
		// Real git reads the whole pack.
		dir := gitRepo(t, b1, id, v1, -1)
		gitIn(t, dir, nil, "fsck", "--strict", "--no-dangling")
		tree := gitIn(t, dir, nil, "ls-tree", "-r", "--name-only", "main")
		for _, want := range []string{"assets/posts/diagram.svg", "posts/hello/pic.png", "posts/hello.md"} {
			if !strings.Contains(tree, want+"\n") {
				t.Errorf("%s: the tree lacks %s:\n%s", id, want, tree)
			}
		}
		for _, gone := range []string{"a.png", "assets/b.png"} {
			if strings.Contains(tree, gone+"\n") {
				t.Errorf("%s: the tree still has %s:\n%s", id, gone, tree)
			}
		}
		if got := gitIn(t, dir, nil, "show", "main:assets/posts/diagram.svg"); got != svg {
			t.Errorf("%s: diagram.svg is %q", id, got)
		}
		if got := gitIn(t, dir, nil, "show", "main:posts/hello/pic.png"); got != string(pngOf(t, 8, 8, color.Black)) {
			t.Errorf("%s: pic.png is not the edited PNG", id)
		}
		// History keeps the removed file, and says who did what.
		if got := gitIn(t, dir, nil, "show", "main~1:assets/b.png"); got != string(pngOf(t, 2, 2, color.White)) {
			t.Errorf("%s: the renamed file before its removal is %q", id, got)
		}
		log := gitIn(t, dir, nil, "log", "--format=%an|%s", "-5", "main")
		for _, want := range []string{"ash|removed assets/b.png (rev 2)", "ash|2 changes", "ash|published a.png (rev 1)", "ash|edited posts/hello/pic.png (rev 2)"} {
			if !strings.Contains(log, want+"\n") {
				t.Errorf("%s: the log lacks %q:\n%s", id, want, log)
			}
		}
	}
}

// TestIncrementalPackWithFile: a fetch after one new file is one commit,
// the trees on its path and its blob; git takes the pack on top of the
// clone.
func TestIncrementalPackWithFile(t *testing.T) {
	ctx := context.Background()
	b, clk := testBlog(t)
	history(t, b, clk)
	fileHistory(t, b, clk, nil)
	r := New(b, nil)
	v, _ := r.View(ctx, ash)
	have := v.Len() - 1
	clk.tick()
	if _, err := b.PutFiles(ctx, ash, []blog.NewFile{{Path: "/assets/new/x.png", Data: pngOf(t, 3, 3, color.White)}}); err != nil {
		t.Fatal(err)
	}
	v2, _ := r.View(ctx, ash)
	var buf bytes.Buffer
	st, err := v2.WritePack(ctx, b, ash, &buf, have)
	if err != nil {
		t.Fatal(err)
	}
	// root, assets/, assets/new/; posts/ is its parent's
	if st.Commits != 1 || st.Trees != 3 || st.Blobs != 1 {
		t.Errorf("an incremental pack holds %+v", st)
	}
	// git takes the clone, then the fetch on top of it (index-pack
	// --strict checks that every object it names is there).
	dir := gitRepo(t, b, ash, v, -1)
	gitIn(t, dir, &buf, "index-pack", "--stdin", "--strict")
	gitIn(t, dir, nil, "update-ref", "refs/heads/main", v2.Tip().String())
	gitIn(t, dir, nil, "fsck", "--strict", "--no-dangling")
	if got := gitIn(t, dir, nil, "show", "main:assets/new/x.png"); got != string(pngOf(t, 3, 3, color.White)) {
		t.Error("the fetched file is not the stored one")
	}
}

// TestFilesATreeCannotShow: a file below a path that is a file too
// (/a.png/b.png beside /a.png), or below a post's name
// (/posts/hello.md/x.png), cannot be in a git tree: the tree leaves it
// out, git reads the tree, and a push (which starts from the files the
// tree shows) does not take it for removed.
func TestFilesATreeCannotShow(t *testing.T) {
	ctx := context.Background()
	b, clk := testBlog(t)
	history(t, b, clk)
	clk.tick()
	pic := pngOf(t, 2, 2, color.White)
	if _, err := b.PutFiles(ctx, ash, []blog.NewFile{{Path: "/a.png", Data: pic}, {Path: "/a.png/b.png", Data: pic}, {Path: "/posts/hello.md/x.png", Data: pic}, {Path: "/posts/hello/y.png", Data: pic}}); err != nil {
		t.Fatal(err)
	}
	v, err := New(b, nil).View(ctx, ash)
	if err != nil {
		t.Fatal(err)
	}
	dir := gitRepo(t, b, ash, v, -1)
	gitIn(t, dir, nil, "fsck", "--strict", "--no-dangling")
	tree := "\n" + gitIn(t, dir, nil, "ls-tree", "-r", "--name-only", "main")
	if !strings.Contains(tree, "\na.png\n") || !strings.Contains(tree, "posts/hello/y.png\n") || strings.Contains(tree, "b.png") || strings.Contains(tree, "x.png") {
		t.Errorf("the tree:\n%s", tree)
	}
	shown := v.shownFiles()
	if _, ok := shown["a.png"]; !ok || len(shown) != 2 {
		t.Errorf("the files a push starts from: %v", shown)
	}
}
