package e2e

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pngBytes is a w x h picture with a gradient, as a PNG.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// diagramSVG is an SVG diagram of the kind a technical blog's posts show.
const diagramSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 160"><rect x="10" y="10" width="120" height="60" fill="#4a90d9"/><rect x="190" y="90" width="120" height="60" fill="#e94e77"/><path d="M130 40 L190 120" stroke="#333" stroke-width="4"/><text x="20" y="45" fill="#fff">서버</text></svg>`

// imgSrc finds the src of every <img> of a page.
var imgSrc = regexp.MustCompile(`<img src="([^"]+)"`)

// crawlImages fetches every post of b's web front end and every local
// image its page shows, and returns the images that did not answer 200
// with an image type, and how many were fetched.
func crawlImages(t *testing.T, b *blog, slugs []string) (broken []string, fetched int) {
	t.Helper()
	for _, slug := range slugs {
		code, page := httpGet(t, b, "/posts/"+slug)
		if code != 200 {
			t.Fatalf("/posts/%s: %d", slug, code)
		}
		for _, m := range imgSrc.FindAllStringSubmatch(page, -1) {
			src := m[1]
			if !strings.HasPrefix(src, "/") {
				continue // remote: never fetched by the server
			}
			resp, err := http.Get("http://" + b.http + src)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			fetched++
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
				broken = append(broken, fmt.Sprintf("%s: %s -> %d %s", slug, src, resp.StatusCode, resp.Header.Get("Content-Type")))
			}
		}
	}
	return broken, fetched
}

// TestProjectsMoveInWithTheirPictures imports a whole Astro, Hugo and
// Jekyll project over ssh, then crawls the web: every local image of every
// imported post answers.
func TestProjectsMoveInWithTheirPictures(t *testing.T) {
	pic := string(pngBytes(t, 64, 32))
	projects := map[string][][2]string{
		"astro": {
			{"site/astro.config.mjs", "export default {}"},
			{"site/README.md", "# the project's readme, not a post"},
			{"site/src/content/blog/astro-a.md", "---\ntitle: 아스트로\nheroImage: /assets/hero.png\n---\n![도표](/assets/posts/d.svg)\n\n![사진](https://example.com/remote.jpg)\n"},
			{"site/src/content/blog/astro-b/index.md", "---\ntitle: 번들\n---\n![옆](./pic.png)\n"},
			{"site/src/content/blog/astro-b/pic.png", pic},
			{"site/public/assets/posts/d.svg", diagramSVG},
			{"site/public/assets/hero.png", pic},
		},
		"hugo": {
			{"hugo.toml", "title = 'h'"},
			{"content/posts/hugo-bundle/index.md", "---\ntitle: Hugo\ncover: cover.png\n---\n![c](cover.png) ![s](/img/s.svg)\n"},
			{"content/posts/hugo-bundle/cover.png", pic},
			{"static/img/s.svg", diagramSVG},
		},
		"jekyll": {
			{"_config.yml", "title: j"},
			{"_posts/2024-03-01-jekyll-a.md", "---\ntitle: Jekyll\n---\n![a](/assets/img/a.png) ![없음](/assets/img/missing.png)\n"},
			{"assets/img/a.png", pic},
		},
	}
	slugs := map[string][]string{"astro": {"astro-a", "astro-b"}, "hugo": {"hugo-bundle"}, "jekyll": {"jekyll-a"}}
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	var all []string
	for _, name := range []string{"astro", "hugo", "jekyll"} {
		out := ash.must(b, makeTar(t, true, projects[name]), "import")
		if name == "jekyll" {
			if !strings.Contains(out, "_posts/2024-03-01-jekyll-a.md: image /assets/img/missing.png not in the archive") ||
				!strings.Contains(out, "stored 1 files; 1 images not found") {
				t.Errorf("jekyll: the missing image is not reported:\n%s", out)
			}
		} else if !strings.Contains(out, "; 0 images not found") || strings.Contains(out, "\nskipped ") || strings.HasPrefix(out, "skipped ") {
			t.Errorf("%s import:\n%s", name, out)
		}
		all = append(all, slugs[name]...)
	}
	broken, fetched := crawlImages(t, b, all)
	// The one image the Jekyll project lacks is the only broken one; the
	// featured images are shown above the posts too.
	if fetched != 8 || len(broken) != 1 || !strings.Contains(broken[0], "/assets/img/missing.png -> 404") {
		t.Errorf("fetched %d local images; broken: %q", fetched, broken)
	}
	if ls := ash.must(b, "", "files", "/assets"); !strings.Contains(ls, "/assets/posts/d.svg\t") || !strings.Contains(ls, "\timage/svg+xml\tastro-a\n") {
		t.Errorf("files /assets:\n%s", ls)
	}
}

// TestFilesOverScpAndSftp: authors upload, list, rename and remove files
// with scp (both protocols) and sftp; readers and unknown keys cannot.
func TestFilesOverScpAndSftp(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	dir := t.TempDir()
	write := func(name string, data []byte) string { return writeFile(t, dir, name, string(data)) }
	pic, svg := write("pic.png", pngBytes(t, 40, 20)), write("diagram.svg", []byte(diagramSVG))
	scp := func(c *client, args ...string) (string, error) { return c.transfer(b, "scp", "", args...) }
	if out, err := scp(ash, pic, svg, "ash@127.0.0.1:assets/posts/"); err != nil {
		t.Fatalf("scp (sftp) of two files to a folder: %v: %s", err, out)
	}
	if out, err := scp(ash, "-O", pic, "ash@127.0.0.1:img/legacy.png"); err != nil {
		t.Fatalf("scp -O: %v: %s", err, out)
	}
	ls := ash.must(b, "", "files")
	for _, want := range []string{"/assets/posts/diagram.svg\t", "/assets/posts/pic.png\t", "\timage/png\t-\n", "/img/legacy.png\t"} {
		if !strings.Contains(ls, want) {
			t.Errorf("files lacks %q:\n%s", want, ls)
		}
	}
	if code, _ := httpGet(t, b, "/assets/posts/pic.png"); code != 200 {
		t.Errorf("the uploaded picture on the web: %d", code)
	}
	// sftp: ls a folder, rename, rm, get.
	got := filepath.Join(dir, "got.png")
	out, err := ash.transfer(b, "sftp", "ls -1 assets/posts\nrename assets/posts/pic.png assets/posts/photo.png\nrm img/legacy.png\nget assets/posts/photo.png "+got+"\n", "-b", "-", "ash@127.0.0.1")
	if err != nil {
		t.Fatalf("sftp: %v: %s", err, out)
	}
	if !strings.Contains(out, "diagram.svg") || !strings.Contains(out, "pic.png") {
		t.Errorf("sftp ls of the folder:\n%s", out)
	}
	if data, _ := os.ReadFile(got); !bytes.Equal(data, pngBytes(t, 40, 20)) {
		t.Error("the renamed picture downloaded differs")
	}
	ls = ash.must(b, "", "files")
	if strings.Contains(ls, "/img/legacy.png") || strings.Contains(ls, "/assets/posts/pic.png\t") || !strings.Contains(ls, "/assets/posts/photo.png\t") {
		t.Errorf("after rename and rm:\n%s", ls)
	}
	// Readers and unknown keys: no upload, rename or rm, in any protocol.
	stranger := keylessClient(t)
	for _, c := range []*client{reader, stranger} {
		if out, err := scp(c, pic, "x@127.0.0.1:assets/evil.png"); err == nil {
			t.Errorf("scp by a reader: %s", out)
		}
		if out, err := scp(c, "-O", pic, "x@127.0.0.1:assets/evil.png"); err == nil {
			t.Errorf("scp -O by a reader: %s", out)
		}
		if c == stranger {
			continue // sftp -b is batch mode: no keyboard-interactive, so no keyless session
		}
		out, _ := c.transfer(b, "sftp", "rm assets/posts/photo.png\nrename assets/posts/diagram.svg x.svg\n", "-b", "-", "x@127.0.0.1")
		if !strings.Contains(out, "permission denied") {
			t.Errorf("sftp by a reader:\n%s", out)
		}
	}
	if after := ash.must(b, "", "files"); after != ls {
		t.Errorf("refused writes changed the files:\n%s", after)
	}
	// Nothing is lost: a removed file comes back with revert.
	if out := ash.must(b, "", "rm", "/assets/posts/diagram.svg"); !strings.Contains(out, "removed /assets/posts/diagram.svg rev 2 (revert /assets/posts/diagram.svg 1 restores it)") {
		t.Errorf("rm of a file: %q", out)
	}
	if code, _ := httpGet(t, b, "/assets/posts/diagram.svg"); code != 404 {
		t.Errorf("a removed file on the web: %d", code)
	}
	ash.must(b, "", "revert", "/assets/posts/diagram.svg", "1")
	if h := ash.must(b, "", "history", "/assets/posts/diagram.svg"); strings.Count(h, "\n") != 3 || !strings.Contains(h, "\tash\tremoved\n") || !strings.Contains(h, "\tash\treverted ") {
		t.Errorf("a file's history:\n%s", h)
	}
	if code, _ := httpGet(t, b, "/assets/posts/diagram.svg"); code != 200 {
		t.Errorf("a restored file on the web: %d", code)
	}
	// Anyone may download a file.
	if out, err := scp(reader, "reader@127.0.0.1:assets/posts/diagram.svg", filepath.Join(dir, "d.svg")); err != nil {
		t.Errorf("a reader's download: %v: %s", err, out)
	}
}

// TestHostileFiles: each hostile upload is refused with one line naming
// it, or served harmless; the server keeps running.
func TestHostileFiles(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start("--max-file-size", "1MiB")
	dir := t.TempDir()
	write := func(name string, data []byte) string { return writeFile(t, dir, name, string(data)) }
	huge := hugePNG(100_000, 100_000)
	for _, tc := range []struct {
		local, remote string
		data          []byte
		want          string
	}{
		{"huge.png", "assets/huge.png", huge, "100000 x 100000 pixels"},
		{"page.png", "assets/page.png", []byte("<!doctype html><script>alert(document.cookie)</script>"), "the bytes are not image/png (they look like text/html)"},
		{"big.png", "assets/big.png", append(pngBytes(t, 4, 4), make([]byte, 2<<20)...), "larger than max-file-size (1.0 MiB)"},
		{"x.html", "assets/x.html", []byte("<p>hi</p>"), "the blog keeps only"},
		{"up.png", "../up.png", pngBytes(t, 2, 2), ".. part"},
	} {
		src := write(tc.local, tc.data)
		out, err := ash.transfer(b, "scp", "", "-O", src, "ash@127.0.0.1:"+tc.remote)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("%s: %v: %q, want it refused saying %q", tc.remote, err, out, tc.want)
		}
	}
	// A terminal escape in a name, over sftp: refused, and not echoed raw.
	out, _ := ash.transfer(b, "sftp", "put "+write("e.png", pngBytes(t, 2, 2))+" \"assets/\x1b[2Je.png\"\n", "-b", "-", "ash@127.0.0.1")
	if strings.Contains(out, "\x1b[2J") || !strings.Contains(out, "not allowed") {
		t.Errorf("a name with an escape:\n%q", out)
	}
	if ls := ash.must(b, "", "files"); ls != "" {
		t.Errorf("hostile uploads stored files:\n%s", ls)
	}
	// An SVG with scripts is stored, and served so that none runs.
	evil := `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script><foreignObject><iframe src="https://example.com"/></foreignObject><image href="https://example.com/x.png"/></svg>`
	if out, err := ash.transfer(b, "scp", "", write("evil.svg", []byte(evil)), "ash@127.0.0.1:assets/evil.svg"); err != nil {
		t.Fatalf("the SVG: %v: %s", err, out)
	}
	resp, err := http.Get("http://" + b.http + "/assets/evil.svg")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("the SVG's CSP: %q", csp)
	}
	if got := ash.must(b, "", "whoami"); !strings.Contains(got, "ash") {
		t.Errorf("the server after hostile files: %q", got)
	}
}

// hugePNG is a PNG header that declares a w x h picture, and no pixels.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := []byte("IHDR\x00\x00\x00\x00\x00\x00\x00\x00\x08\x06\x00\x00\x00")
	chunk[4], chunk[5], chunk[6], chunk[7] = byte(w>>24), byte(w>>16), byte(w>>8), byte(w)
	chunk[8], chunk[9], chunk[10], chunk[11] = byte(h>>24), byte(h>>16), byte(h>>8), byte(h)
	b.Write([]byte{0, 0, 0, 13})
	b.Write(chunk)
	crc := crc32IEEE(chunk)
	b.Write([]byte{byte(crc >> 24), byte(crc >> 16), byte(crc >> 8), byte(crc)})
	return b.Bytes()
}

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

// TestPicturesFromTheBlogInTmux: a picture uploaded with scp shows in the
// reader and in `read` over real ssh in tmux, as half blocks at 40 and 80
// columns (tmux answers no graphics query), and the pager's i key hides it.
func TestPicturesFromTheBlogInTmux(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	pic := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(pic, pngBytes(t, 320, 160), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := ash.transfer(b, "scp", "", pic, "ash@127.0.0.1:assets/photo.png"); err != nil {
		t.Fatalf("scp: %v: %s", err, out)
	}
	ash.must(b, "---\ntitle: 사진 글\n---\n앞 문단.\n\n![바다 사진](/assets/photo.png)\n\n뒤 문단.\n", "publish", "photo-post")
	for _, width := range []int{40, 80} {
		s := newScreen(t, width, 30, ash.sshCommandLine(b, "-t", "read", "photo-post"))
		screen := s.waitText("앞 문단", "뒤 문단")
		if n := strings.Count(screen, "▀"); n < width/2 {
			t.Errorf("read at %d columns: %d half blocks; the screen:\n%s", width, n, screen)
		}
	}
	s := newScreen(t, 80, 40, newClient(t, "visitor").sshCommandLine(b))
	s.waitText("사진 글") // the newest post, selected first
	s.keys("Enter")
	screen := s.waitFor("the picture in the pager", func(sc string) bool { return strings.Count(sc, "▀") > 40 })
	if !strings.Contains(screen, "뒤 문단") && !strings.Contains(screen, "앞 문단") {
		t.Errorf("the pager:\n%s", screen)
	}
	s.keys("i")
	s.waitFor("the picture hidden", func(sc string) bool { return strings.Count(sc, "▀") == 0 })
}
