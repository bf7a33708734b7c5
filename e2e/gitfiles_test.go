package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGitFiles: the blog's files are in the repository at their paths. A
// picture uploaded with scp is in a fresh clone, byte for byte; a pushed
// picture, with a post that shows it, is stored (the web serves it, files
// lists it); a push with an HTML page named .png is refused whole, with
// its line; a picture beside its post and a move are stored; deleting the picture with git removes it from the blog, and
// history keeps it.
func TestGitFiles(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	ash.must(b, hello, "publish", "hello")
	scpPic := pngBytes(t, 30, 20)
	local := filepath.Join(t.TempDir(), "scp.png")
	if err := os.WriteFile(local, scpPic, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := ash.transfer(b, "scp", "", local, "ash@127.0.0.1:assets/scp.png"); err != nil {
		t.Fatalf("scp: %v: %s", err, out)
	}
	// A reader's fresh clone has the file uploaded over scp.
	rdir := reader.clone(b)
	if got := readIn(rdir, "assets/scp.png"); got != string(scpPic) {
		t.Errorf("the reader's clone has assets/scp.png of %d bytes, want the %d uploaded", len(got), len(scpPic))
	}
	if log := reader.mustGit(b, rdir, "log", "-1", "--format=%an|%s", "--", "assets/scp.png"); log != "ash|published assets/scp.png (rev 1)\n" {
		t.Errorf("the file's commit: %q", log)
	}

	// An author pushes a picture and a post that shows it.
	dir := ash.clone(b)
	pic := pngBytes(t, 16, 16)
	writeIn(t, dir, "assets/pushed.png", string(pic))
	writeIn(t, dir, "posts/with-pic.md", "---\ntitle: 그림\n---\n![그림](/assets/pushed.png)\n")
	ash.mustGit(b, dir, "add", "-A")
	ash.mustGit(b, dir, "commit", "-qm", "a picture")
	out := ash.mustGit(b, dir, "push")
	for _, want := range []string{"remote: stored file /assets/pushed.png rev 1", "remote: published with-pic rev 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("push output lacks %q:\n%s", want, out)
		}
	}
	code, typ, body := httpGetType(t, b, "/assets/pushed.png")
	if code != 200 || typ != "image/png" || !bytes.Equal(body, pic) {
		t.Errorf("GET /assets/pushed.png: %d %s, %d bytes (want 200 image/png, %d bytes)", code, typ, len(body), len(pic))
	}
	if ls := ash.must(b, "", "files"); !strings.Contains(ls, "/assets/pushed.png\t") || !strings.Contains(ls, "with-pic") {
		t.Errorf("files after the push:\n%s", ls)
	}
	// The push is one commit of the blog's, the picture and the post.
	ash.mustGit(b, dir, "pull", "-q")
	if got := ash.mustGit(b, dir, "log", "-1", "--format=%an|%s"); got != "ash|2 changes\n" {
		t.Errorf("the push's commit is %q", got)
	}

	// An HTML page named .png, with a good post: nothing is stored.
	writeIn(t, dir, "assets/evil.png", "<!doctype html><script>alert(document.cookie)</script>")
	writeIn(t, dir, "posts/innocent.md", "---\ntitle: 무해\n---\n무해해요\n")
	ash.mustGit(b, dir, "add", "-A")
	ash.mustGit(b, dir, "commit", "-qm", "html as png")
	out, err := ash.git(b, dir, "push")
	if err == nil || !strings.Contains(out, "remote: assets/evil.png: the bytes are not image/png (they look like text/html)") || !strings.Contains(out, "[remote rejected]") {
		t.Errorf("a push of HTML named .png: err %v\n%s", err, out)
	}
	if r := ash.run(b, "", "cat", "innocent"); r.code == 0 {
		t.Error("the refused push stored its post")
	}
	if code, _, _ := httpGetType(t, b, "/assets/evil.png"); code != 404 {
		t.Errorf("GET /assets/evil.png after the refused push: %d", code)
	}
	ash.mustGit(b, dir, "reset", "-q", "--hard", "HEAD~1")

	// A picture beside its post (as a page bundle's) and a file moved.
	side := pngBytes(t, 5, 5)
	writeIn(t, dir, "posts/with-pic/side.png", string(side))
	ash.mustGit(b, dir, "mv", "assets/scp.png", "assets/moved.png")
	ash.mustGit(b, dir, "add", "-A")
	ash.mustGit(b, dir, "commit", "-qm", "bundle and move")
	out = ash.mustGit(b, dir, "push")
	for _, want := range []string{"remote: stored file /posts/with-pic/side.png rev 1", "remote: moved file /assets/scp.png away rev 2", "remote: stored file /assets/moved.png rev 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("push output lacks %q:\n%s", want, out)
		}
	}
	if code, _, body := httpGetType(t, b, "/assets/moved.png"); code != 200 || !bytes.Equal(body, scpPic) {
		t.Errorf("GET /assets/moved.png: %d, %d bytes", code, len(body))
	}
	if code, _, body := httpGetType(t, b, "/posts/with-pic/side.png"); code != 200 || !bytes.Equal(body, side) {
		t.Errorf("GET /posts/with-pic/side.png: %d, %d bytes", code, len(body))
	}
	if code, _, _ := httpGetType(t, b, "/assets/scp.png"); code != 404 {
		t.Errorf("GET /assets/scp.png after its move: %d", code)
	}
	if h := ash.must(b, "", "history", "/assets/scp.png"); !strings.Contains(h, "renamed") {
		t.Errorf("history of the moved file:\n%s", h)
	}
	ash.mustGit(b, dir, "pull", "-q")

	// Deleting the picture with git removes it; its history stays.
	ash.mustGit(b, dir, "rm", "-q", "assets/pushed.png")
	ash.mustGit(b, dir, "commit", "-qm", "no picture")
	if out := ash.mustGit(b, dir, "push"); !strings.Contains(out, "remote: removed file /assets/pushed.png rev 2") {
		t.Errorf("the push of the removal:\n%s", out)
	}
	if code, _, _ := httpGetType(t, b, "/assets/pushed.png"); code != 404 {
		t.Errorf("GET /assets/pushed.png after its removal: %d", code)
	}
	if ls := ash.must(b, "", "files"); strings.Contains(ls, "/assets/pushed.png") {
		t.Errorf("files after the removal:\n%s", ls)
	}
	if h := ash.must(b, "", "history", "/assets/pushed.png"); !strings.Contains(h, "1\t") || !strings.Contains(h, "removed") {
		t.Errorf("history of the removed picture:\n%s", h)
	}
	reader.mustGit(b, rdir, "pull", "-q")
	if _, err := os.Stat(filepath.Join(rdir, "assets/pushed.png")); !os.IsNotExist(err) {
		t.Errorf("the reader's pull kept the removed picture: %v", err)
	}
	if got := reader.mustGit(b, rdir, "show", "HEAD~1:assets/pushed.png"); got != string(pic) {
		t.Error("the reader's history lacks the picture before its removal")
	}
}

// httpGetType fetches path from b's web server: its status, media type
// and body.
func httpGetType(t *testing.T, b *blog, path string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get("http://" + b.http + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	typ, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
	return resp.StatusCode, typ, body
}
