package web

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// putFile stores data at path as ash.
func (s *testSite) putFile(path string, data []byte) {
	s.t.Helper()
	if _, err := s.blog.PutFile(context.Background(), ash, path, -1, bytes.NewReader(data)); err != nil {
		s.t.Fatal(err)
	}
}

func TestFilesServed(t *testing.T) {
	s := newSite(t, Config{BaseURL: "https://blog.example"})
	img := pngOf(t, 640, 480)
	s.putFile("/assets/posts/d.png", img)
	s.putFile("/assets/x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script></svg>`))
	s.putFile("/files/a.zip", []byte("PK\x03\x04rest"))

	r := s.get("/assets/posts/d.png", browser)
	if r.status != 200 || r.body != string(img) || r.header.Get("Content-Type") != "image/png" ||
		r.header.Get("ETag") == "" || r.header.Get("Last-Modified") == "" || !strings.Contains(r.header.Get("Cache-Control"), "max-age=") {
		t.Fatalf("the PNG: %d %v", r.status, r.header)
	}
	r2 := s.get("/assets/posts/d.png", map[string]string{"If-None-Match": r.header.Get("ETag")})
	if r2.status != 304 || r2.body != "" {
		t.Errorf("revalidation: %d, %d bytes", r2.status, len(r2.body))
	}
	svg := s.get("/assets/x.svg", browser)
	if svg.header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(svg.header.Get("Content-Security-Policy"), "sandbox") ||
		svg.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the SVG's headers: %v", svg.header)
	}
	if zip := s.get("/files/a.zip", browser); !strings.HasPrefix(zip.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("an archive is not a download: %v", zip.header)
	}
	s.putFile("/posts/shared.png", img) // where a post's ../shared.png leads
	if r := s.get("/posts/shared.png", browser); r.status != 200 || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("a file beside the posts: %d %v", r.status, r.header)
	}
	if r := s.get("/assets/missing.png", browser); r.status != 404 {
		t.Errorf("a missing file: %d", r.status)
	}

	// A post's images: the blog's own with their size, lazy; og:image absolute.
	s.publish("pics", "---\ntitle: 그림\nimage: /assets/posts/d.png\n---\n![도표](/assets/posts/d.png)\n\n![옆](pic.png)\n\n![먼](https://example.com/r.jpg)\n")
	page := s.get("/posts/pics", browser)
	for _, want := range []string{
		`<img src="/assets/posts/d.png" alt="도표" width="640" height="480" loading="lazy" decoding="async">`,
		`<img src="/posts/pics/pic.png" alt="옆" loading="lazy" decoding="async">`,
		`<img src="https://example.com/r.jpg" alt="먼" loading="lazy" decoding="async">`,
		`<meta property="og:image" content="https://blog.example/assets/posts/d.png">`,
		`<figure class="hero"><img src="/assets/posts/d.png" alt="" width="640" height="480"></figure>`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the post's page lacks %s", want)
		}
	}
	// The missing image arrives: the page shows its size without a new revision.
	s.putFile("/posts/pics/pic.png", pngOf(t, 30, 20))
	waitFor(t, "the post's page to take the size of a file stored after it", func() bool {
		return strings.Contains(s.get("/posts/pics", browser).body, `<img src="/posts/pics/pic.png" alt="옆" width="30" height="20"`)
	})
	if _, err := s.blog.RemoveFile(context.Background(), ash, "/assets/x.svg"); err != nil {
		t.Fatal(err)
	}
	if r := s.get("/assets/x.svg", browser); r.status != 404 {
		t.Errorf("a removed file: %d", r.status)
	}
}
