package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/mmcdole/gofeed"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store/boltstore"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/posts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var ash = blog.Identity{Author: "ash"}

// site is a blog served over HTTP on loopback, with the built-in posts.
type testSite struct {
	t    testing.TB
	url  string
	blog *blog.Service
	srv  *Server
}

// newSite serves a new blog in a temporary folder.
func newSite(t testing.TB, cfg Config) *testSite {
	t.Helper()
	return newSiteWith(t, cfg, func(*boltstore.DB) blog.Config { return blog.Config{} })
}

// newSiteWith is newSite with the blog's settings made by blogCfg from
// its store.
func newSiteWith(t testing.TB, cfg Config, blogCfg func(*boltstore.DB) blog.Config) *testSite {
	t.Helper()
	if err := termtext.Pin(); err != nil {
		t.Fatal(err)
	}
	db, err := boltstore.Open(filepath.Join(t.TempDir(), "blog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	seed, err := posts.Load(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Seed(context.Background(), seed, blog.SeedAuthor); err != nil {
		t.Fatal(err)
	}
	bc := blogCfg(db)
	bc.Location = time.UTC
	b := blog.New(db, bc)
	if cfg.Title == "" {
		cfg.Title = "테스트 블로그"
	}
	if cfg.SSHAddr == "" {
		cfg.SSHAddr = ":2222"
	}
	s, err := New(b, render.New(1<<20), cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l, "", "") }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &testSite{t: t, url: "http://" + l.Addr().String(), blog: b, srv: s}
}

// publish publishes src as ash.
func (s *testSite) publish(slug, src string) {
	s.t.Helper()
	if _, err := s.blog.Publish(context.Background(), ash, []byte(src), blog.PublishOptions{Slug: slug}); err != nil {
		s.t.Fatal(err)
	}
}

// response is what a request got.
type response struct {
	status int
	header http.Header
	body   string
}

// browser is a browser's headers; curl is curl's.
var (
	browser = map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)", "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
	curl    = map[string]string{"User-Agent": "curl/8.5.0", "Accept": "*/*"}
)

// get requests path with headers, following no redirect.
func (s *testSite) get(path string, headers map[string]string) response {
	s.t.Helper()
	req, err := http.NewRequest("GET", s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req.Header.Set("Accept-Encoding", req.Header.Get("Accept-Encoding")) // no transparent gzip unless asked
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(body)}
}

const seedSlug = "march-2024-retrospective"

func TestRoutes(t *testing.T) {
	s := newSite(t, Config{})
	s.publish("about", "---\ntitle: About\npage: true\n---\n이 블로그는...\n")
	s.publish("draft", "---\ntitle: Draft\ndraft: true\n---\nnot yet\n")
	s.publish("later", "---\ntitle: Later\ndate: 2999-01-01\n---\nnot yet\n")
	s.publish("gone", "---\ntitle: Gone\n---\ngone\n")
	if _, err := s.blog.Remove(context.Background(), ash, "gone", nil); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		path, ctype string
		status      int
		has         []string
	}{
		{"/", "text/html", 200, []string{"24년 3월 회고", `href="/posts/` + seedSlug + `"`, `href="/pages/about"`, `rel="alternate" type="application/atom+xml"`}},
		{"/posts/" + seedSlug, "text/html", 200, []string{"<h1>24년 3월 회고</h1>", "달리기", "ssh -p 2222 127.0.0.1 read " + seedSlug, `<link rel="canonical" href="` + s.url + `/posts/` + seedSlug + `">`, `property="og:image"`, `property="article:published_time" content="2024-04-14T00:00:00Z"`, `href="/tags/%ED%9A%8C%EA%B3%A0"`}},
		{"/posts/" + seedSlug + ".md", "text/markdown", 200, []string{"title: '24년 3월 회고'"}},
		{"/pages/about", "text/html", 200, []string{"이 블로그는"}},
		{"/tags/", "text/html", 200, []string{"#회고"}},
		{"/tags/회고", "text/html", 200, []string{"24년 3월 회고", `/tags/%ED%9A%8C%EA%B3%A0/feed.xml`}},
		{"/tags/회고/feed.xml", "application/atom+xml", 200, []string{"<feed"}},
		{"/feed.xml", "application/atom+xml", 200, []string{"<feed", "24년 3월 회고"}},
		{"/sitemap.xml", "application/xml", 200, []string{"<urlset", "/posts/" + seedSlug, "/pages/about"}},
		{"/robots.txt", "text/plain", 200, []string{"Sitemap: " + s.url + "/sitemap.xml"}},
		{"/style.css", "text/css", 200, []string{"word-break: keep-all", "Noto Sans CJK KR", "prefers-color-scheme: dark", ".chroma"}},
		{"/search?q=달리기", "text/html", 200, []string{`href="/posts/` + seedSlug + `"`, `<span class="meta">달리기</span>`}},
		{"/search?q=초안없음", "text/html", 200, []string{"Nothing here yet."}},
		{"/?page=9", "text/html", 404, nil},
		{"/tags/nothing", "text/html", 404, nil},
		{"/nothing", "text/html", 404, nil},
	} {
		r := s.get(c.path, browser)
		if r.status != c.status || !strings.HasPrefix(r.header.Get("Content-Type"), c.ctype) {
			t.Errorf("%s: %d %s, want %d %s", c.path, r.status, r.header.Get("Content-Type"), c.status, c.ctype)
		}
		for _, want := range c.has {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s lacks %q", c.path, want)
			}
		}
	}

	// Drafts, scheduled, removed and unknown posts: the same 404 page.
	want := s.get("/posts/nothing", browser)
	for _, slug := range []string{"draft", "later", "gone"} {
		r := s.get("/posts/"+slug, browser)
		if r.status != 404 || r.body != want.body {
			t.Errorf("/posts/%s: %d, and a 404 page of its own", slug, r.status)
		}
		if r := s.get("/posts/"+slug+".md", browser); r.status != 404 {
			t.Errorf("/posts/%s.md: %d", slug, r.status)
		}
		if strings.Contains(s.get("/sitemap.xml", nil).body, "/posts/"+slug) || strings.Contains(s.get("/feed.xml", nil).body, "/posts/"+slug) {
			t.Errorf("%s is in the sitemap or the feed", slug)
		}
	}
}

func TestRedirects(t *testing.T) {
	s := newSite(t, Config{})
	s.publish("old-name", "---\ntitle: Moving\n---\n움직이는 글\n")
	if _, err := s.blog.Rename(context.Background(), ash, "old-name", "new-name"); err != nil {
		t.Fatal(err)
	}
	s.publish("about", "---\ntitle: About\npage: true\naliases: [/about-me/]\n---\nx\n")
	for from, to := range map[string]string{
		"/posts/old-name":    "/posts/new-name",
		"/posts/old-name.md": "/posts/new-name.md",
		"/posts/about":       "/pages/about",
		"/pages/new-name":    "/posts/new-name",
		"/posts/about-me":    "/pages/about",
		// Addresses from the blog this one replaced: Jekyll, Hugo, Astro.
		"/2024/02/01/new-name/":     "/posts/new-name",
		"/blog/old-name/":           "/posts/new-name",
		"/2024/02/01/new-name.html": "/posts/new-name",
		// The trailing slash Hugo and Astro links have.
		"/posts/new-name/":        "/posts/new-name",
		"/posts/old-name/":        "/posts/old-name",
		"/pages/about/":           "/pages/about",
		"/tags/x/":                "/tags/x",
		"/posts/new-name/?from=a": "/posts/new-name?from=a",
	} {
		r := s.get(from, browser)
		if r.status != http.StatusMovedPermanently || r.header.Get("Location") != to {
			t.Errorf("%s: %d to %q, want 301 to %s", from, r.status, r.header.Get("Location"), to)
		}
	}
}

func TestHeadersCachingAndGzip(t *testing.T) {
	s := newSite(t, Config{})
	path := "/posts/" + seedSlug
	r := s.get(path, browser)
	for k, v := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "strict-origin-when-cross-origin",
	} {
		if r.header.Get(k) != v {
			t.Errorf("%s = %q", k, r.header.Get(k))
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP = %q", csp)
	}
	etag := r.header.Get("ETag")
	if etag == "" || r.header.Get("Last-Modified") == "" {
		t.Fatalf("no validators: %v", r.header)
	}
	if r2 := s.get(path, merge(browser, "If-None-Match", etag)); r2.status != http.StatusNotModified || r2.body != "" {
		t.Errorf("If-None-Match: %d", r2.status)
	}
	if r2 := s.get(path, merge(browser, "If-Modified-Since", r.header.Get("Last-Modified"))); r2.status != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", r2.status)
	}
	z := s.get(path, merge(browser, "Accept-Encoding", "gzip"))
	if z.header.Get("Content-Encoding") != "gzip" || len(z.body) >= len(r.body) {
		t.Fatalf("gzip: %q, %d bytes of %d", z.header.Get("Content-Encoding"), len(z.body), len(r.body))
	}
	zr, err := gzip.NewReader(strings.NewReader(z.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if string(unzipped) != r.body {
		t.Error("the gzipped page differs")
	}
	// A change shows at once: the page kept is dropped.
	s.publish(seedSlug, strings.Replace(mustRead(t, s.get(path+".md", nil).body), "달리기를 시작했다", "걷기를 시작했다", 1))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s.get(path, browser).body, "걷기를 시작했다") {
		if time.Now().After(deadline) {
			t.Fatal("an edit did not show on the web")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r3 := s.get(path, merge(browser, "If-None-Match", etag)); r3.status != http.StatusOK {
		t.Errorf("after an edit, the old ETag still matches: %d", r3.status)
	}
}

// mustRead returns s; it marks where a test reads a body it relies on.
func mustRead(t *testing.T, s string) string {
	t.Helper()
	if s == "" {
		t.Fatal("empty body")
	}
	return s
}

// merge returns h with one more header.
func merge(h map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range h {
		out[hk] = hv
	}
	return out
}

func TestTerminalsGetText(t *testing.T) {
	s := newSite(t, Config{})
	for _, headers := range []map[string]string{curl, {"User-Agent": "Wget/1.21"}, {"User-Agent": "HTTPie/3.2"}, {"Accept": "text/plain"}} {
		r := s.get("/", headers)
		if r.status != 200 || r.body != "2024-04-14\t"+seedSlug+"\t24년 3월 회고\n" {
			t.Errorf("/ for %v: %d %q", headers, r.status, r.body)
		}
	}
	for _, width := range []string{"", "?width=40", "?width=120", "?width=5"} {
		r := s.get("/posts/"+seedSlug+width, curl)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Fatalf("%s: %d %s", width, r.status, r.header.Get("Content-Type"))
		}
		if strings.ContainsRune(r.body, 0x1b) {
			t.Errorf("%s: an escape sequence", width)
		}
		max := map[string]int{"": 80, "?width=40": 40, "?width=120": 120, "?width=5": render.MinWidth}[width]
		for i, l := range strings.Split(r.body, "\n") {
			if w := termtext.Width(l); w > max {
				t.Errorf("%s: line %d is %d columns", width, i+1, w)
			}
		}
		if !strings.Contains(r.body, "24년 3월 회고") || !strings.Contains(r.body, "달리기") {
			t.Errorf("%s: %.200q", width, r.body)
		}
	}
}

func TestHostileContentIsNeutralised(t *testing.T) {
	s := newSite(t, Config{})
	s.publish("evil", "---\ntitle: \"<script>alert(1)</script> 제목\"\ndescription: '\"><script>x</script>'\ntags: [\"<b>x</b>\"]\nfeatured_image: 'javascript:alert(3)'\n---\n"+
		"<script>alert(2)</script>\n\n<img src=x onerror=alert(4)>\n\n[a](javascript:alert(5)) [b](javascript&colon;alert(6)) [c](JaVaScRiPt:alert(7))\n\n"+
		"<a href=\"javascript:alert(8)\">d</a> <iframe src=//evil></iframe>\n")
	// In the feed, titles and summaries are text (escaped, shown as text by
	// readers); the content is HTML, and is looked at decoded.
	f, err := gofeed.NewParser().ParseString(s.get("/feed.xml", nil).body)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/posts/evil", "feed content", "/", "/tags/", "/feed.xml"} {
		body := ""
		switch path {
		case "feed content":
			for _, it := range f.Items {
				body += it.Content
			}
		case "/feed.xml":
			body = s.get(path, nil).body // as sent: nothing unescaped
		default:
			body = s.get(path, browser).body
		}
		for _, bad := range []string{"<script", "onerror", "javascript:", "javascript&colon;", "<iframe", "alert(3)"} {
			if strings.Contains(strings.ToLower(body), strings.ToLower(bad)) {
				t.Errorf("%s holds %q", path, bad)
			}
		}
	}
}

func TestFeedsParseAndValidate(t *testing.T) {
	s := newSite(t, Config{BaseURL: "https://blog.example"})
	s.publish("hello", "---\ntitle: 안녕\ndate: 2024-05-01\ntags: [회고]\ndescription: 첫 글\n---\n본문 **굵게**\n")
	p := gofeed.NewParser()
	for _, path := range []string{"/feed.xml", "/tags/회고/feed.xml"} {
		r := s.get(path, nil)
		f, err := p.ParseString(r.body)
		if err != nil {
			t.Fatalf("%s does not parse: %v", path, err)
		}
		if f.FeedType != "atom" || f.FeedLink != "https://blog.example"+strings.ReplaceAll(path, "회고", "%ED%9A%8C%EA%B3%A0") && f.FeedLink != "https://blog.example"+path {
			t.Errorf("%s: type %s, self %s", path, f.FeedType, f.FeedLink)
		}
		if f.UpdatedParsed == nil || len(f.Items) != 2 {
			t.Fatalf("%s: updated %v, %d items", path, f.Updated, len(f.Items))
		}
		seenIDs := map[string]bool{}
		for _, it := range f.Items {
			// What the W3C validator checks of ids, dates and links.
			if !strings.HasPrefix(it.GUID, "tag:blog.example,") || seenIDs[it.GUID] {
				t.Errorf("%s: id %q", path, it.GUID)
			}
			seenIDs[it.GUID] = true
			if it.PublishedParsed == nil || it.UpdatedParsed == nil {
				t.Errorf("%s: %q has no RFC 3339 dates", path, it.Title)
			}
			if !strings.HasPrefix(it.Link, "https://blog.example/posts/") {
				t.Errorf("%s: link %q is not absolute", path, it.Link)
			}
			if it.Content == "" {
				t.Errorf("%s: %q has no content", path, it.Title)
			}
		}
		if f.Items[0].Title != "안녕" || f.Items[0].Description != "첫 글" || !strings.Contains(f.Items[0].Content, "<strong>굵게</strong>") {
			t.Errorf("%s: newest entry %+v", path, f.Items[0])
		}
	}
	// An entry's id survives a rename.
	before := s.get("/feed.xml", nil).body
	if _, err := s.blog.Rename(context.Background(), ash, "hello", "greetings"); err != nil {
		t.Fatal(err)
	}
	fb, _ := p.ParseString(before)
	fa, _ := p.ParseString(s.get("/feed.xml", nil).body)
	for deadline := time.Now().Add(5 * time.Second); len(fa.Items) > 0 && strings.HasSuffix(fa.Items[0].Link, "/posts/hello?from=feed") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // the cache is cleared when the blog's change feed says so
		fa, _ = p.ParseString(s.get("/feed.xml", nil).body)
	}
	if fa.Items[0].GUID != fb.Items[0].GUID || !strings.HasSuffix(fa.Items[0].Link, "/posts/greetings?from=feed") {
		t.Errorf("after a rename: id %q (was %q), link %q", fa.Items[0].GUID, fb.Items[0].GUID, fa.Items[0].Link)
	}
	var urls struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal([]byte(s.get("/sitemap.xml", nil).body), &urls); err != nil || len(urls.URLs) < 3 {
		t.Errorf("sitemap: %v, %d urls", err, len(urls.URLs))
	}
	for _, u := range urls.URLs {
		if !strings.HasPrefix(u.Loc, "https://blog.example/") {
			t.Errorf("sitemap url %q", u.Loc)
		}
	}
}

func TestRateLimit(t *testing.T) {
	s := newSite(t, Config{RatePerSecond: 1})
	codes := map[int]int{}
	for range 6 {
		codes[s.get("/robots.txt", nil).status]++
	}
	if codes[200] < 1 || codes[429] < 1 || codes[200] > 3 {
		t.Errorf("6 quick requests at 1 a second: %v", codes)
	}
}

func TestGoldenSeedPage(t *testing.T) {
	s := newSite(t, Config{BaseURL: "https://blog.example", SSHAddr: "blog.example:22", Lang: "ko"})
	got := s.get("/posts/"+seedSlug, browser).body
	path := filepath.Join("testdata", "seed.html")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run TestGoldenSeedPage -update writes it)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("the seed post's page changed (a markdown library upgrade?); if that is right, run with -update and review the diff of %s", path)
	}
	if !strings.Contains(got, `<html lang="ko">`) || !strings.Contains(got, "<code>ssh blog.example read "+seedSlug+"</code>") {
		t.Errorf("lang or ssh line: %.400s", got)
	}
}

// A revision that was a draft when written is on no page, address or feed.
func TestNoDraftRevisionOnTheWeb(t *testing.T) {
	s := newSite(t, Config{})
	s.publish("leak", "---\ntitle: Leak\ndraft: true\n---\nDRAFT NOTES: internal codename BLUEJAY\n")
	s.publish("leak", "---\ntitle: Leak\ndate: 2024-03-01\n---\npublic body\n")
	for _, path := range []string{"/posts/leak", "/posts/leak.md", "/posts/leak@1", "/posts/leak@1.md", "/posts/leak%401", "/feed.xml", "/sitemap.xml"} {
		for _, h := range []map[string]string{browser, curl} {
			if r := s.get(path, h); strings.Contains(r.body, "BLUEJAY") {
				t.Errorf("%s shows the draft: %d", path, r.status)
			}
		}
	}
	if r := s.get("/search?q=codename", browser); strings.Contains(r.body, "/posts/leak") {
		t.Errorf("a search finds the draft's words")
	}
	if r := s.get("/posts/leak.md", nil); r.status != 200 || !strings.Contains(r.body, "public body") {
		t.Errorf("/posts/leak.md: %d %q", r.status, r.body)
	}
}

// Any page number, however large, small or garbled, is answered: the
// first page, or a 404 past the last; never a panic.
func TestPageNumbersAreBounded(t *testing.T) {
	s := newSite(t, Config{})
	for _, q := range []string{"9223372036854775807", "9223372036854775806", "4611686018427387904", "461168601842738791", "2147483648",
		"-9223372036854775808", "-1", "0", "1e9", "abc", "%00", "99999999999999999999999", "2"} {
		for _, path := range []string{"/", "/tags/회고", "/search?q=달리기&", "/feed.xml", "/tags/회고/feed.xml"} {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = ""
			}
			for _, h := range []map[string]string{browser, curl} {
				r := s.get(path+sep+"page="+q, h)
				if r.status != 200 && r.status != 404 {
					t.Errorf("%s page=%s: %d %q", path, q, r.status, r.body)
				}
			}
		}
	}
	if r := s.get("/?page=9223372036854775807", browser); r.status != 404 {
		t.Errorf("the largest page: %d, want 404", r.status)
	}
	if r := s.get("/?page=-9223372036854775808", browser); r.status != 200 || !strings.Contains(r.body, seedSlug) {
		t.Errorf("the smallest page: %d, want the first", r.status)
	}
}

// getAs requests path as a browser would from the host named host, and
// returns the status and the Content-Encoding.
func (s *testSite) getAs(host, path string) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest("GET", s.url+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Host = host
	for k, v := range browser {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Encoding")
}

// A post's body is converted once however many hosts ask for it, with or
// without base-url; and without it, pages are kept for a bounded number
// of hosts.
func TestHostsDoNotMultiplyRenders(t *testing.T) {
	big := "---\ntitle: Big\ndate: 2024-03-01\n---\n" + strings.Repeat("A paragraph of the big post, with *emphasis*.\n\n", 4000)
	for _, base := range []string{"", "https://blog.example"} {
		s := newSite(t, Config{BaseURL: base})
		s.publish("big", big)
		for _, path := range []string{"/posts/big", "/feed.xml", "/"} {
			if st, _ := s.getAs("first.example", path); st != 200 {
				t.Fatalf("%s: %d", path, st)
			}
		}
		warm := s.srv.bodyRenders.Load()
		for i := range 50 {
			for _, path := range []string{"/posts/big", "/feed.xml", "/"} {
				st, enc := s.getAs(fmt.Sprintf("host-%d.example", i), path)
				if st != 200 {
					t.Fatalf("%s: %d", path, st)
				}
				if kept := base != "" || i < maxHosts-1; kept != (enc == "gzip") {
					t.Errorf("base-url %q, host %d, %s: Content-Encoding %q", base, i, path, enc)
				}
			}
		}
		if got := s.srv.bodyRenders.Load(); got != warm {
			t.Errorf("base-url %q: 50 more hosts made %d more renders of bodies, want none", base, got-warm)
		}
		s.srv.cache.mu.Lock()
		keys := 0
		for k := range s.srv.cache.items {
			if strings.HasSuffix(k, " html posts/big") || strings.HasSuffix(k, "html big") {
				keys++
			}
		}
		s.srv.cache.mu.Unlock()
		if limit := map[string]int{"": maxHosts, "https://blog.example": 1}[base]; keys == 0 || keys > limit {
			t.Errorf("base-url %q: the post's page is kept %d times, want at most %d", base, keys, limit)
		}
	}
}

// Format characters (zero-width, tag characters, LRM...) in a title are
// on no page title, heading, list or feed.
func TestInvisibleCharactersLeaveTitles(t *testing.T) {
	s := newSite(t, Config{})
	s.publish("notice", "---\ntitle: \"Ad\\U000E0041min\\u200b notice\\u200e\\u2060\\uFEFF\\uFFF9\"\ndate: 2024-03-01\n---\nbody\n")
	for _, path := range []string{"/posts/notice", "/", "/feed.xml"} {
		for _, h := range []map[string]string{browser, curl} {
			r := s.get(path, h)
			if !strings.Contains(r.body, "Admin notice") {
				t.Errorf("%s lacks the title: %q", path, r.body)
			}
			if strings.ContainsFunc(r.body, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) {
				t.Errorf("%s holds a format character", path)
			}
		}
	}
}

// A read from the web keeps its referrer's registrable domain only: not
// the host, which may name the reader, and no IP address.
func TestReferrersKeepTheirDomainOnly(t *testing.T) {
	var rec *stats.Recorder
	s := newSiteWith(t, Config{}, func(db *boltstore.DB) blog.Config {
		rec = stats.New(db, stats.Options{Location: time.UTC})
		return blog.Config{Stats: rec}
	})
	t.Cleanup(func() { rec.Close(context.Background()) })
	for _, ref := range []string{"https://reader-192-168-7-42.isp.example/page", "https://news.ycombinator.com/item?id=1", "http://192.0.2.7/x", "https://[2001:db8::1]/"} {
		if r := s.get("/posts/"+seedSlug, map[string]string{"User-Agent": "Mozilla/5.0", "Accept": "text/html", "Referer": ref}); r.status != 200 {
			t.Fatalf("%s: %d", ref, r.status)
		}
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	sums, err := s.blog.Stats(context.Background(), ash, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sum := range sums {
		for _, r := range sum.Referrers {
			got = append(got, fmt.Sprintf("%s %d", r.Domain, r.Reads))
		}
	}
	slices.Sort(got)
	if want := "[isp.example 1 ycombinator.com 1]"; fmt.Sprint(got) != want {
		t.Errorf("referrers = %v, want %s", got, want)
	}
}

// TestKoreanOnTheDefaultSettings: with the blog's default lang (en),
// Korean broke in the middle of words, since keep-all applied only under
// :lang(ko). Korean posts and titles are marked as Korean from their text,
// the stylesheet keeps Hangul words whole on every page, and Chinese and
// Japanese, marked likewise, break between characters.
func TestKoreanOnTheDefaultSettings(t *testing.T) {
	s := newSite(t, Config{})
	s.publish("kr", "---\ntitle: 점심시간에도 달렸다\ndate: 2024-03-01\n---\n점심시간에도 달리기를 했다. Go의 interface를 썼다.\n\n## 들어가며\n\n## 들어가며\n\n## Why Go?\n")
	s.publish("ja", "---\ntitle: 日本語の記事\ndate: 2024-03-02\n---\n改行は文字の間でできる。\n")
	s.publish("en", "---\ntitle: English\ndate: 2024-03-03\n---\nPlain English.\n")
	post := s.get("/posts/kr", browser)
	for _, want := range []string{`<html lang="ko">`, `<article lang="ko">`, `id="들어가며"`, `id="들어가며-1"`, `id="why-go"`} {
		if !strings.Contains(post.body, want) {
			t.Errorf("the Korean post's page lacks %s", want)
		}
	}
	if en := s.get("/posts/en", browser); !strings.Contains(en.body, `<html lang="en">`) || strings.Contains(en.body, `<article lang=`) {
		t.Error("an English post is marked as another language")
	}
	list := s.get("/", browser).body
	for _, want := range []string{`<li lang="ko"><a href="/posts/kr">`, `<li lang="ja"><a href="/posts/ja">`, `<li><a href="/posts/en">`} {
		if !strings.Contains(list, want) {
			t.Errorf("the list lacks %s", want)
		}
	}
	css := s.get("/style.css", browser).body
	for _, want := range []string{"body { word-break: keep-all; }", ":lang(zh), :lang(ja) { word-break: normal; }", "tab-size: 4", ":not(pre) > code { background: var(--code-bg)"} {
		if !strings.Contains(css, want) {
			t.Errorf("the stylesheet lacks %q", want)
		}
	}
	// The highlighter's own background, the page's, is gone: code blocks
	// have the page's code background, a box in both themes.
	if strings.Contains(css, "/* PreWrapper */") || strings.Contains(css, "/* Background */") {
		t.Error("the highlighter's background rules are still in the stylesheet")
	}
	// On a Korean blog, nothing needs marking.
	ko := newSite(t, Config{Lang: "ko"})
	ko.publish("kr", "---\ntitle: 점심시간에도 달렸다\ndate: 2024-03-01\n---\n달렸다.\n")
	if list := ko.get("/", browser).body; !strings.Contains(list, `<li><a href="/posts/kr">`) {
		t.Error("a Korean title on a Korean blog is marked")
	}
}

// TestSearchKeepsItsQuery: the search page's box was empty after a search.
func TestSearchKeepsItsQuery(t *testing.T) {
	s := newSite(t, Config{})
	r := s.get("/search?q="+url.QueryEscape(`회고 "<b>`), browser)
	if !strings.Contains(r.body, `value="회고 &#34;&lt;b&gt;"`) {
		t.Errorf("the search box does not hold the query, escaped:\n%s", r.body)
	}
}

// TestCodeBlocksAreEscaped checks that highlighted code, set in after the
// sanitising, escapes what it holds, and that a post cannot write the
// mark that stands for a code block.
func TestCodeBlocksAreEscaped(t *testing.T) {
	h := newBodyHTML()
	out, _, err := h.render([]byte("<p>sshblog-code-0-0</p>\n\nsshblog-code-0-0\n\n```go\n</code></pre><script>alert(1)</script>\nfunc main() {}\n```\n\n```\n<img src=x onerror=alert(2)>\n```\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "<script") || strings.Contains(s, "<img") || strings.Count(s, `<pre class="chroma">`) != 2 {
		t.Errorf("code not escaped or not set in:\n%s", s)
	}
	if !strings.Contains(s, "<p>sshblog-code-0-0</p>") || !strings.Contains(s, `<span class="kd">func</span>`) {
		t.Errorf("a post's text that looks like a mark was changed, or code not highlighted:\n%s", s)
	}
}

// TestHostilePostsAreBounded: the web built every post's page ahead, and a
// post of 800 KB of 16-deep quotes, or one of 10,000 nested quotes, cost
// its converter hundreds of MiB. Nesting is capped as in the terminal, and
// a post estimated too costly is shown as plain text, its text kept.
func TestHostilePostsAreBounded(t *testing.T) {
	s := newSite(t, Config{})
	s.publish("deep", "---\ntitle: 만 겹\ndate: 2020-01-01\n---\n"+strings.Repeat(">", 10000)+" 만 겹 아래\n")
	wide := strings.Repeat(strings.Repeat(">", 16)+" 깊다\n\n", 800<<10/26)
	s.publish("wide", "---\ntitle: wide\ndate: 2020-01-01\n---\n"+wide)
	deep := s.get("/posts/deep", browser)
	if deep.status != http.StatusOK || !strings.Contains(deep.body, "만 겹 아래") {
		t.Fatalf("the deep post: %d", deep.status)
	}
	if n := strings.Count(deep.body, "<blockquote>"); n > 16 {
		t.Errorf("the deep post's page nests %d quotes; at most 16", n)
	}
	w := s.get("/posts/wide", browser)
	if w.status != http.StatusOK || !strings.Contains(w.body, "shown as plain text") || !strings.Contains(w.body, "깊다") || strings.Contains(w.body, "<blockquote>") {
		t.Errorf("the wide post is not shown as plain text with its text: %d, %d bytes", w.status, len(w.body))
	}
}
