package web

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkVersusStatic compares the blog's web front end with what a user
// would run instead: the same pages as static files behind Go's
// http.FileServer. Both serve 3,000 posts of real shape (internal/corpus)
// on loopback to 50 keep-alive clients, asking for gzip or not; each
// reports requests a second and the 99th percentile, and the blog's
// figures relative to the static server's. (The static server gzips
// nothing: asked for gzip, it sends the page as it is.)
func BenchmarkVersusStatic(b *testing.B) {
	const posts, clients = 3000, 50
	s := newBenchSite(b, posts)
	// The static site: every page the blog serves, written as a file.
	dir := b.TempDir()
	paths := []string{"/", "/feed.xml"}
	for i := range posts {
		paths = append(paths, fmt.Sprintf("/posts/post-%04d", i))
	}
	for _, p := range paths {
		body := fetch(b, s.url+p)
		file := filepath.Join(dir, filepath.FromSlash(p))
		if p == "/" {
			file = filepath.Join(dir, "index.html")
		}
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(file, body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	pages, cached := s.srv.cache.usage()
	b.Logf("every page kept: %d pages, %.1f MiB counted (bodies and gzipped copies)", pages, float64(cached)/(1<<20))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	static := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go static.Serve(l)
	b.Cleanup(func() { static.Close() })
	staticURL := "http://" + l.Addr().String()

	for _, kind := range []struct{ name, path, encoding string }{
		{"post", "/posts/post-%04d", "identity"}, {"post-gzip", "/posts/post-%04d", "gzip"},
		{"index", "/", "gzip"}, {"feed", "/feed.xml", "gzip"},
	} {
		var blogRate, staticRate float64
		for _, target := range []struct {
			name, base string
			rate       *float64
		}{{"blog", s.url, &blogRate}, {"static", staticURL, &staticRate}} {
			b.Run(kind.name+"/"+target.name, func(b *testing.B) {
				rate, p99 := load(b, target.base, kind.path, kind.encoding, posts, clients)
				*target.rate = rate
				b.ReportMetric(rate, "req/s")
				b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
			})
		}
		if staticRate > 0 {
			b.Logf("%s: the blog serves %.2fx the static server's requests a second", kind.name, blogRate/staticRate)
		}
	}
}

// fetch returns the body at url, as a browser asks for it.
func fetch(b *testing.B, url string) []byte {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Mozilla/5.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("%s: %d %v", url, resp.StatusCode, err)
	}
	return body
}

// load makes b.N requests from clients keep-alive connections, spread over
// the posts when path has a %04d, with Accept-Encoding: encoding, and
// returns requests a second and the 99th percentile of their times.
func load(b *testing.B, base, path, encoding string, posts, clients int) (float64, time.Duration) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr}
	var next atomic.Int64
	var mu sync.Mutex
	var times []time.Duration
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					break
				}
				url := base + path
				if path != "/" && path != "/feed.xml" {
					url = base + fmt.Sprintf(path, i%int64(posts))
				}
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Accept", "text/html")
				req.Header.Set("User-Agent", "Mozilla/5.0")
				req.Header.Set("Accept-Encoding", encoding)
				t0 := time.Now()
				resp, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			times = append(times, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(start)
	b.StopTimer()
	if len(times) == 0 {
		return 0, 0
	}
	slices.Sort(times)
	return float64(len(times)) / took.Seconds(), times[len(times)*99/100]
}
