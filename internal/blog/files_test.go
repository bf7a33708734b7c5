package blog

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io/fs"
	"strings"
	"testing"

	"github.com/sshblog/sshblog/internal/store"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestFiles(t *testing.T) {
	ctx := context.Background()
	b, _, _ := newBlog(t, Config{MaxFileSize: 4096, MaxMedia: 5000})
	img := pngBytes(t, 30, 20)

	if _, err := b.PutFile(ctx, Identity{}, "assets/a.png", -1, bytes.NewReader(img)); !errors.Is(err, ErrNotAuthor) {
		t.Errorf("a reader stored a file: %v", err)
	}
	e, err := b.PutFile(ctx, ash, "assets/a.png", -1, bytes.NewReader(img))
	if err != nil || e.Path != "/assets/a.png" || e.Width != 30 || e.Height != 20 || e.Type != "image/png" || e.By != "ash" {
		t.Fatalf("PutFile = %+v, %v", e, err)
	}
	// Over max-file-size, announced or counted while streaming.
	big := bytes.Repeat([]byte("x"), 5000)
	for _, size := range []int64{5000, -1} {
		_, err := b.PutFile(ctx, ash, "notes.txt", size, bytes.NewReader(big))
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "/notes.txt is larger than max-file-size (4.0 KiB); nothing was stored") {
			t.Errorf("size %d: %v", size, err)
		}
	}
	// Over max-media: 3 files of 2,500 distinct bytes do not fit in 5,000.
	if _, err := b.PutFile(ctx, ash, "n1.txt", -1, strings.NewReader(strings.Repeat("a", 2500))); err != nil {
		t.Fatal(err)
	}
	_, err = b.PutFile(ctx, ash, "n2.txt", -1, strings.NewReader(strings.Repeat("b", 2500)))
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "max-media is 4.9 KiB") {
		t.Errorf("over max-media: %v", err)
	}
	// The same bytes at another path cost nothing.
	if _, err := b.PutFile(ctx, ash, "copy.txt", -1, strings.NewReader(strings.Repeat("a", 2500))); err != nil {
		t.Errorf("the same bytes again: %v", err)
	}
	// Hostile names and bytes.
	for name, data := range map[string][]byte{
		"../etc/passwd.png": img, "a/../../b.png": img, "x\x00.png": img, "\x1b]0;pwn\x07.png": img,
		"page.png": []byte("<!doctype html><script>alert(1)</script>"), "a.html": []byte("<p>"),
	} {
		if _, err := b.PutFile(ctx, ash, name, -1, bytes.NewReader(data)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", name, err)
		}
	}
	// Rename, remove, revert.
	if _, err := b.RenameFile(ctx, ash, "/assets/a.png", "assets/b.png"); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.File("/assets/a.png"); ok {
		t.Error("the old path of a renamed file is still there")
	}
	if _, err := b.RemoveFile(ctx, misty, "assets/b.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.RevertFile(ctx, ash, "assets/b.png", 1); err != nil {
		t.Fatal(err)
	}
	h, _ := b.FileHistory(ctx, "/assets/b.png")
	if len(h) != 3 || h[1].Author != "misty" || h[1].Action != store.Removed || h[2].Action != store.Reverted {
		t.Errorf("history = %+v", h)
	}

	// A post's images: found, resolved, missing ones named.
	src := "---\ntitle: 그림\nimage: /assets/b.png\n---\n![a](/assets/b.png) ![b](pic.png) ![c](https://example.com/c.png)\n"
	if _, err := b.Publish(ctx, ash, []byte(src), PublishOptions{Slug: "pics"}); err != nil {
		t.Fatal(err)
	}
	key, data, err := b.ImageFile(ctx, "pics", "/assets/b.png")
	if err != nil || !bytes.Equal(data, img) || key != store.HashOf(img) {
		t.Errorf("ImageFile = %s, %d bytes, %v", key, len(data), err)
	}
	if _, _, err := b.ImageFile(ctx, "pics", "https://example.com/c.png"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a remote image: %v", err)
	}
	r, _ := b.Get(ctx, ash, "pics")
	if got := b.MissingImages("pics", r.Source); len(got) != 1 || got[0] != "pic.png" {
		t.Errorf("MissingImages = %q", got)
	}
	uses, err := b.Files(ctx, Identity{}, "/assets")
	if err != nil || len(uses) != 1 || uses[0].Path != "/assets/b.png" || len(uses[0].Posts) != 1 || uses[0].Posts[0] != "pics" {
		t.Errorf("Files = %+v, %v", uses, err)
	}
}

func TestResolveImage(t *testing.T) {
	for ref, want := range map[string]string{
		"/assets/x.svg":           "/assets/x.svg",
		"pic.png":                 "/posts/s/pic.png",
		"./img/a%20b.png?v=1#x":   "/posts/s/img/a b.png",
		"../shared.png":           "/posts/shared.png",
		"https://example.com/a":   "",
		"//cdn.example.com/a.png": "",
		"data:image/png;base64,":  "",
		"/../../etc/passwd":       "/etc/passwd",
		"":                        "",
	} {
		got, ok := ResolveImage("s", ref)
		if got != want || ok != (want != "") {
			t.Errorf("ResolveImage(%q) = %q, %v; want %q", ref, got, ok, want)
		}
	}
}

// TestImportProjects: a whole Astro, Hugo or Jekyll project moves in with
// its pictures; every image its posts show resolves to a stored file, and
// an export carries them back out.
func TestImportProjects(t *testing.T) {
	ctx := context.Background()
	png := string(pngBytes(t, 8, 4))
	svg := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect width="10" height="10"/></svg>`
	for _, tc := range []struct {
		name  string
		files [][2]string
		refs  map[string]string // post slug -> a file path its image resolves to
	}{
		{"astro", [][2]string{
			{"blog/astro.config.mjs", "export default {}"},
			{"blog/README.md", "# not a post"},
			{"blog/node_modules/x/README.md", "# not a post"},
			{"blog/src/content/blog/a.md", "---\ntitle: A\nheroImage: /assets/hero.png\n---\n![d](/assets/posts/d.svg)\n"},
			{"blog/src/content/blog/b/index.md", "---\ntitle: B\n---\n![p](./pic.png)\n"},
			{"blog/src/content/blog/b/pic.png", png},
			{"blog/public/assets/posts/d.svg", svg},
			{"blog/public/assets/hero.png", png},
			{"blog/public/favicon.ico", "\x00\x00\x01\x00rest"},
			{"blog/src/styles/x.css", "body{}"},
		}, map[string]string{"a": "/assets/posts/d.svg", "b": "/posts/b/pic.png"}},
		{"hugo", [][2]string{
			{"hugo.toml", "title = 'x'"},
			{"content/posts/bundle/index.md", "---\ntitle: Bundle\ncover: cover.png\n---\n![](cover.png) ![s](/img/s.svg)\n"},
			{"content/posts/bundle/cover.png", png},
			{"static/img/s.svg", svg},
		}, map[string]string{"bundle": "/posts/bundle/cover.png"}},
		{"jekyll", [][2]string{
			{"_config.yml", "title: x"},
			{"_posts/2024-03-01-hello.md", "---\ntitle: Hello\n---\n![a](/assets/img/a.png) ![gone](/assets/img/missing.png)\n"},
			{"assets/img/a.png", png},
			{"Gemfile", "source 'https://rubygems.org'"},
		}, map[string]string{"hello": "/assets/img/a.png"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _, _ := newBlog(t, Config{})
			res, err := b.Import(ctx, ash, tarOf(t, tc.files...), ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Skipped) != 0 || res.Files == 0 {
				t.Errorf("import = %+v", res)
			}
			for slug, want := range tc.refs {
				r, err := b.Get(ctx, reader, slug)
				if err != nil {
					t.Fatalf("%s: %v", slug, err)
				}
				missing := b.MissingImages(slug, r.Source)
				if tc.name == "jekyll" {
					if len(missing) != 1 || missing[0] != "/assets/img/missing.png" || len(res.Missing) != 1 ||
						res.Missing[0] != "_posts/2024-03-01-hello.md: image /assets/img/missing.png not in the archive" {
						t.Errorf("missing = %q, reported %q", missing, res.Missing)
					}
				} else if len(missing) != 0 {
					t.Errorf("%s: images not found: %q", slug, missing)
				}
				if e, ok := b.File(want); !ok || !strings.HasPrefix(e.Type, "image/") {
					t.Errorf("%s: no file %s", slug, want)
				}
			}
			if es, _ := b.List(ctx, ash); tc.name == "astro" && len(es) != 2 {
				t.Errorf("the project's README became a post: %d posts", len(es))
			}
			// The export carries the files back, and imports again whole.
			var out bytes.Buffer
			if err := b.Export(ctx, ash, &out); err != nil {
				t.Fatal(err)
			}
			b2, _, _ := newBlog(t, Config{})
			res2, err := b2.Import(ctx, ash, &out, ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.refs {
				if _, ok := b2.File(want); !ok {
					t.Errorf("after export and import, no file %s (%+v)", want, res2)
				}
			}
		})
	}
}
