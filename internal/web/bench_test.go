package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/corpus"
)

// newBenchSite is a blog of n posts of real shape (internal/corpus: about
// 20 KB of Korean and English markdown with code, tables and images each)
// besides the seed, imported in one go.
func newBenchSite(b *testing.B, n int) *testSite {
	b.Helper()
	s := newSite(b, Config{BaseURL: "https://blog.example"})
	var tar bytes.Buffer
	if err := corpus.WriteTar(&tar, corpus.Generate(n, 1)); err != nil {
		b.Fatal(err)
	}
	if _, err := s.blog.Import(context.Background(), ash, &tar, blog.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	// Until the web has built every post's page in the background, which
	// would take the CPUs from what is measured.
	start := time.Now()
	for i := range n {
		for !s.srv.cache.has(postKey(corpus.Slug(i))) {
			time.Sleep(50 * time.Millisecond)
		}
	}
	b.Logf("every post's page built %v after the import", time.Since(start).Round(time.Millisecond))
	return s
}

// serve runs one request through the handler, as a browser makes it.
func serve(b *testing.B, h http.Handler, path string) {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Mozilla/5.0")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		b.Fatalf("%s: %d", path, w.Code)
	}
}

// BenchmarkPages serves a post page, the list and the feed with the pages
// kept, and a post rendered for the first time; the handler runs in this
// process (no network), so the figures are the server's own work.
func BenchmarkPages(b *testing.B) {
	const posts = 3000
	s := newBenchSite(b, posts)
	h := s.srv.Handler()
	for _, path := range []string{"/posts/post-0001", "/", "/feed.xml"} {
		b.Run(strings.Trim(path, "/")+"-kept", func(b *testing.B) {
			serve(b, h, path)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					serve(b, h, path)
				}
			})
		})
	}
	// A post's page as its first request finds it: not kept, nor its body.
	b.Run("post-first-render", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			s.srv.cache.clear()
			serve(b, h, fmt.Sprintf("/posts/post-%04d", i%posts))
		}
	})
}
