package web

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/corpus"
)

// BenchmarkFilesVersusStatic serves the blog's files (the SVG diagrams of
// a real-shaped blog moved in as an Astro project) against the same files
// behind Go's http.FileServer, on loopback to 50 keep-alive clients, at
// random across the blog: requests a second, the 99th percentile, and the
// ratio.
func BenchmarkFilesVersusStatic(b *testing.B) {
	const posts, clients = 1000, 50
	s := newSite(b, Config{BaseURL: "https://blog.example"})
	ps := corpus.Generate(posts, 1)
	var tar bytes.Buffer
	if err := corpus.WriteProject(&tar, ps); err != nil {
		b.Fatal(err)
	}
	res, err := s.blog.Import(context.Background(), ash, &tar, blog.ImportOptions{})
	if err != nil {
		b.Fatal(err)
	}
	// Until the web has built every post's page in the background, which
	// would take the CPUs from what is measured.
	for i := range posts {
		for !s.srv.cache.has(postKey(corpus.Slug(i))) {
			time.Sleep(50 * time.Millisecond)
		}
	}
	dir := b.TempDir()
	for _, p := range ps {
		for _, ref := range corpus.Images(p) {
			file := filepath.Join(dir, filepath.FromSlash(ref))
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(file, corpus.Diagram(ref), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Logf("%d files imported with %d posts (%.1f MiB of media)", res.Files, res.Imported, float64(s.blog.MediaSize())/(1<<20))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	static := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go static.Serve(l)
	b.Cleanup(func() { static.Close() })
	var blogRate, staticRate float64
	for _, target := range []struct {
		name, base string
		rate       *float64
	}{{"blog", s.url, &blogRate}, {"static", "http://" + l.Addr().String(), &staticRate}} {
		b.Run(target.name, func(b *testing.B) {
			rate, p99 := load(b, target.base, "/assets/posts/post-%04d-1.svg", "identity", posts, clients)
			*target.rate = rate
			b.ReportMetric(rate, "req/s")
			b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
		})
	}
	if staticRate > 0 {
		b.Logf("files: the blog serves %.2fx the static server's requests a second", blogRate/staticRate)
	}
}
