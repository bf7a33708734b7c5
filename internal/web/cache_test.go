package web

import (
	"bytes"
	"compress/gzip"
	"context"
	stdhtml "html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/corpus"
)

// sized is a kept page counting n bytes against the bound.
func sized(n int) *page { return &page{body: make([]byte, n-256)} }

// TestCacheEvictsLeastRecentlyUsed checks the bound in bytes: a page
// always goes in, the least recently used going out to make room.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newCache(10 << 10)
	for _, k := range []string{"a", "b", "c", "d"} {
		if !c.put(&item{key: k, p: sized(2 << 10)}, c.generation()) {
			t.Fatalf("%s refused", k)
		}
	}
	c.get("a") // a is now the most recently used; b the least
	if !c.put(&item{key: "e", p: sized(5 << 10)}, c.generation()) {
		t.Fatal("e refused")
	}
	for k, want := range map[string]bool{"a": true, "b": false, "c": false, "d": true, "e": true} {
		if c.has(k) != want {
			t.Errorf("%s kept: %v, want %v", k, !want, want)
		}
	}
	if pages, n := c.usage(); pages != 3 || n != 9<<10 {
		t.Errorf("%d pages, %d bytes; want 3, 9216", pages, n)
	}
	// Putting a page again counts it once.
	c.put(&item{key: "e", p: sized(5 << 10)}, c.generation())
	if _, n := c.usage(); n != 9<<10 {
		t.Errorf("%d bytes after a page was put again", n)
	}
	// A page larger than the whole bound is not kept and drops nothing.
	if c.put(&item{key: "huge", p: sized(11 << 10)}, c.generation()) || !c.has("a") {
		t.Error("a page over the bound was kept, or dropped others")
	}
	// A page built before a drop may show what changed: not kept.
	gen := c.generation()
	c.drop(map[string]bool{"post x": true})
	if c.put(&item{key: "f", p: sized(1 << 10)}, gen) {
		t.Error("a page built before a drop was kept")
	}
}

// waitFor waits until ok, failing the test with what after a time limit.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // a bound on a hang, not a speed
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestStartUpBuildsEveryPage checks that the pages are built before
// anyone asks: every post's, the index, the tags, the feeds and the
// sitemap with base-url, every post's body without it.
func TestStartUpBuildsEveryPage(t *testing.T) {
	s := newSite(t, Config{BaseURL: "https://blog.example"})
	waitFor(t, "a pass building the pages", func() bool { return s.srv.warmPasses.Load() > 0 })
	es, err := s.blog.List(context.Background(), anyone)
	if err != nil || len(es) == 0 {
		t.Fatal(es, err)
	}
	keys := []string{indexKey(1), "feed", "sitemap", "html /tags/"}
	for _, e := range es {
		keys = append(keys, postKey(e.Slug))
		for _, tag := range e.Tags {
			keys = append(keys, "html /tags/"+tag, "feed "+tag)
		}
	}
	for _, k := range keys {
		if !s.srv.cache.has(k) {
			t.Errorf("%s not built at start", k)
		}
	}
	builds := s.srv.pageBuilds.Load()
	for _, path := range []string{"/", "/feed.xml", "/sitemap.xml", "/tags/", postPath(es[0])} {
		s.get(path, browser)
	}
	if got := s.srv.pageBuilds.Load() - builds; got != 0 {
		t.Errorf("%d pages built on request after the start", got)
	}

	bare := newSite(t, Config{})
	waitFor(t, "a pass building the bodies", func() bool { return bare.srv.warmPasses.Load() > 0 })
	renders := bare.srv.bodyRenders.Load()
	if renders < int64(len(es)) {
		t.Errorf("%d bodies converted at start, want %d", renders, len(es))
	}
	bare.get(postPath(es[0]), browser)
	if got := bare.srv.bodyRenders.Load(); got != renders {
		t.Errorf("without base-url, a post's first request converted its body again")
	}
}

// TestPublishDropsOnlyWhatItShows checks that an edit shows at once, and
// that pages which do not show the post are neither dropped nor built
// again, while those that do (its tag's, the lists) are built again in
// the background.
func TestPublishDropsOnlyWhatItShows(t *testing.T) {
	s := newSite(t, Config{BaseURL: "https://blog.example"})
	s.publish("one", "---\ntitle: One\ndate: 2024-05-01\ntags: [alpha]\n---\n첫 글\n")
	s.publish("two", "---\ntitle: Two\ndate: 2024-05-02\ntags: [beta]\n---\n둘째 글\n")
	waitFor(t, "the pages of both posts built", func() bool {
		return s.srv.cache.has(postKey("one")) && s.srv.cache.has(postKey("two")) && s.srv.cache.has("html /tags/beta")
	})
	two, _ := s.srv.cache.get(postKey("two"))
	beta, _ := s.srv.cache.get("html /tags/beta")
	renders := s.srv.bodyRenders.Load()
	s.publish("one", "---\ntitle: One\ndate: 2024-05-01\ntags: [alpha]\n---\n고친 글\n")
	waitFor(t, "the edit on the post's page", func() bool { return strings.Contains(s.get("/posts/one", browser).body, "고친 글") })
	waitFor(t, "the lists built again", func() bool {
		return s.srv.cache.has(indexKey(1)) && s.srv.cache.has("html /tags/alpha") && s.srv.cache.has("feed")
	})
	if p, _ := s.srv.cache.get(postKey("two")); p != two {
		t.Error("the page of a post the edit does not touch was built again")
	}
	if p, _ := s.srv.cache.get("html /tags/beta"); p != beta {
		t.Error("the page of a tag the edit does not touch was built again")
	}
	if got := s.srv.bodyRenders.Load() - renders; got != 1 {
		t.Errorf("an edit converted %d bodies, want 1 (the post's)", got)
	}
	if !strings.Contains(s.get("/feed.xml", browser).body, "고친 글") {
		t.Error("the feed does not show the edit")
	}
}

// TestTextEditKeepsTheLists checks that an edit of a post's text alone
// keeps the lists (they show nothing of it), while an edit of its title
// shows on them at once.
func TestTextEditKeepsTheLists(t *testing.T) {
	s := newSite(t, Config{BaseURL: "https://blog.example"})
	waitFor(t, "the start's pass", func() bool { return s.srv.warmPasses.Load() > 0 })
	passes := s.srv.warmPasses.Load()
	s.publish("one", "---\ntitle: One\ndate: 2024-05-01\ntags: [alpha]\n---\n첫 글\n")
	waitFor(t, "the pass after the publish", func() bool { return s.srv.warmPasses.Load() > passes })
	passes = s.srv.warmPasses.Load()
	index, _ := s.srv.cache.get(indexKey(1))
	s.publish("one", "---\ntitle: One\ndate: 2024-05-01\ntags: [alpha]\n---\n고친 글\n")
	waitFor(t, "the pass after the edit", func() bool { return s.srv.warmPasses.Load() > passes })
	builds := s.srv.pageBuilds.Load()
	if r := s.get("/", browser); !strings.Contains(r.body, "One") {
		t.Fatal("the index lost the post")
	}
	s.get("/tags/alpha", browser)
	if p, _ := s.srv.cache.get(indexKey(1)); p != index || s.srv.pageBuilds.Load() != builds {
		t.Error("an edit of a post's text built the lists again")
	}
	s.publish("one", "---\ntitle: Uno\ndate: 2024-05-01\ntags: [alpha]\n---\n고친 글\n")
	for _, path := range []string{"/", "/tags/alpha", "/posts/one"} {
		if r := s.get(path, browser); !strings.Contains(r.body, "Uno") {
			t.Errorf("%s does not show the new title at once", path)
		}
	}
}

// TestImportBuildsItsPages checks that the pages of imported posts are
// built in the background, before anyone asks for them.
func TestImportBuildsItsPages(t *testing.T) {
	s := newSite(t, Config{BaseURL: "https://blog.example"})
	waitFor(t, "the start's pass", func() bool { return s.srv.warmPasses.Load() > 0 })
	passes := s.srv.warmPasses.Load()
	posts := corpus.Generate(8, 3)
	var tar bytes.Buffer
	if err := corpus.WriteTar(&tar, posts); err != nil {
		t.Fatal(err)
	}
	if _, err := s.blog.Import(context.Background(), ash, &tar, blog.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pass after the import", func() bool { return s.srv.warmPasses.Load() > passes })
	waitFor(t, "the imported posts' pages built", func() bool {
		for _, p := range posts {
			if !s.srv.cache.has(postKey(p.Slug)) {
				return false
			}
		}
		return s.srv.cache.has(indexKey(1)) && s.srv.cache.has("feed")
	})
	builds := s.srv.pageBuilds.Load()
	for _, p := range posts[:5] {
		if r := s.get("/posts/"+p.Slug, browser); r.status != 200 {
			t.Fatalf("%s: %d", p.Slug, r.status)
		}
	}
	if got := s.srv.pageBuilds.Load() - builds; got != 0 {
		t.Errorf("%d imported posts' pages built on request", got)
	}
}

// TestAcceptsGzip checks the reading of Accept-Encoding.
func TestAcceptsGzip(t *testing.T) {
	for in, want := range map[string]bool{
		"": false, "gzip": true, "br, gzip": true, "deflate, GZIP ;q=0.5": true, "gzip;q=0": false,
		"gzip; q=0, br": false, "identity": false, "x-gzip": false, "br,gzip,deflate": true,
	} {
		r := &http.Request{Header: http.Header{"Accept-Encoding": {in}}}
		if got := acceptsGzip(r); got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

// TestKeptPagesUnpack checks that a kept page, which holds its body only
// compressed, sends the same bytes gzipped and not.
func TestKeptPagesUnpack(t *testing.T) {
	s := newSite(t, Config{BaseURL: "https://blog.example"})
	waitFor(t, "the start's pass", func() bool { return s.srv.warmPasses.Load() > 0 })
	path := "/posts/" + seedSlug
	if p, ok := s.srv.cache.get(postKey(seedSlug)); !ok || p.body != nil || p.gz == nil || p.s2 == nil {
		t.Fatalf("the page is not kept compressed only: %v", ok)
	}
	plain := s.get(path, browser)
	z := s.get(path, merge(browser, "Accept-Encoding", "gzip"))
	zr, err := gzip.NewReader(strings.NewReader(z.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if plain.header.Get("Content-Encoding") != "" || string(unzipped) != plain.body || !strings.Contains(plain.body, "</html>") {
		t.Errorf("the page differs with and without gzip (%d and %d bytes)", len(plain.body), len(unzipped))
	}
	if plain.header.Get("Content-Length") != strconv.Itoa(len(plain.body)) {
		t.Errorf("Content-Length %s for %d bytes", plain.header.Get("Content-Length"), len(plain.body))
	}
}

// TestGoCode checks the Go highlighter: the text comes back as it was,
// escaped, with Chroma's classes on the tokens; code it cannot place goes
// to Chroma.
func TestGoCode(t *testing.T) {
	code := "package main\n\nimport \"fmt\"\n\n// main says <hi>\nfunc main() {\n\tx := []int{1, 2.5i, 'a'}\n\tif len(x) > 0 && x != nil {\n\t\tfmt.Println(`a&b`, x) /* done */\n\t}\n\t... // a snippet's ellipsis\n}\n"
	var out bytes.Buffer
	if !goHTML(&out, code) {
		t.Fatal("not highlighted")
	}
	html := out.String()
	for _, want := range []string{`<span class="kn">package</span>`, `<span class="kd">func</span>`, `<span class="nf">main</span>`,
		`<span class="nb">len</span>`, `<span class="kc">nil</span>`, `<span class="kt">int</span>`, `<span class="s">&#34;fmt&#34;</span>`,
		`<span class="c1">// main says &lt;hi&gt;</span>`, `<span class="cm">/* done */</span>`, `<span class="s">` + "`a&amp;b`" + `</span>`} {
		if !strings.Contains(html, want) {
			t.Errorf("no %s in\n%s", want, html)
		}
	}
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, "")
	if got := stdhtml.UnescapeString(text); got != code {
		t.Errorf("the text changed:\n%q\n%q", got, code)
	}
	out.Reset()
	if goHTML(&out, "a := `x\r\ny`\n") || out.Len() != 0 {
		t.Error("code with a carriage return in a raw string was not left to Chroma")
	}
	if h := string(codeHTML("go", "x := `x\r\ny`\n")); !strings.Contains(h, `<pre class="chroma">`) || !strings.Contains(h, "y`</span>") {
		t.Errorf("Chroma did not take it: %q", h)
	}
}

// TestShellCode checks the shell highlighter: the text comes back as it
// was, escaped, with Chroma's classes on comments, strings, variables and
// words; a quote left open or a lone $ costs nothing.
func TestShellCode(t *testing.T) {
	code := "#!/bin/bash\n# 배포 <x>\nexport TAG=\"v1&2\"\nfor f in $(ls); do echo \"$f ${TAG}\" 'a#b' $1 $?; done # end\nif [ -z \"$X\" ]; then exit 1; fi\nkubectl apply -f x.yaml --dry-run\necho \"open\n$ 'open"
	h := string(codeHTML("bash", code))
	for _, want := range []string{`<span class="c1">#!/bin/bash</span>`, `<span class="c1"># 배포 &lt;x&gt;</span>`, `<span class="nb">export</span>`,
		`<span class="s2">&#34;v1&amp;2&#34;</span>`, `<span class="k">for</span>`, `<span class="k">in</span>`, `<span class="k">do</span>`,
		`<span class="s1">&#39;a#b&#39;</span>`, `<span class="nv">$1</span>`, `<span class="nv">$?</span>`, `<span class="c1"># end</span>`,
		`<span class="k">then</span>`, `<span class="k">fi</span>`} {
		if !strings.Contains(h, want) {
			t.Errorf("no %s in\n%s", want, h)
		}
	}
	if strings.Contains(h, `<span class="k">apply</span>`) || strings.Contains(h, `<span class="c1">#b`) {
		t.Errorf("a word or a # inside a word was taken:\n%s", h)
	}
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(h, "")
	if got := stdhtml.UnescapeString(text); got != code+"\n" {
		t.Errorf("the text changed:\n%q\n%q", got, code)
	}
}

// TestCLikeCode checks the Java and TypeScript highlighter: the text comes
// back as it was, escaped, with Chroma's classes on the tokens.
func TestCLikeCode(t *testing.T) {
	for lang, c := range map[string]struct {
		code string
		want []string
	}{
		"java": {"@Service\npublic class A {\n  // 캐시 <b>\n  private final int n = 3;\n  String s = \"x&y\"; char c = 'c';\n  void run() { find(n); }\n}\n",
			[]string{`<span class="nd">Service</span>`, `<span class="kd">class</span>`, `<span class="k">public</span>`, `<span class="kt">int</span>`,
				`<span class="c1">// 캐시 &lt;b&gt;</span>`, `<span class="s">&#34;x&amp;y&#34;</span>`, `<span class="nf">find</span>`, `<span class="mi">3</span>`}},
		"typescript": {"export async function f(id: string): Promise<User | undefined> {\n  const r = await fetch(`/api/${id}`, { a: 'b' });\n  return r ?? null; /* end */\n}\n",
			[]string{`<span class="kd">function</span>`, `<span class="k">await</span>`, `<span class="kt">string</span>`, `<span class="kc">null</span>`,
				`<span class="s">` + "`/api/${id}`" + `</span>`, `<span class="s1">&#39;b&#39;</span>`, `<span class="cm">/* end */</span>`, `<span class="nf">fetch</span>`}},
	} {
		h := string(codeHTML(lang, c.code))
		for _, want := range c.want {
			if !strings.Contains(h, want) {
				t.Errorf("%s: no %s in\n%s", lang, want, h)
			}
		}
		text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(h, "")
		if got := stdhtml.UnescapeString(text); got != c.code+"\n" {
			t.Errorf("%s: the text changed:\n%q\n%q", lang, got, c.code)
		}
	}
}

// TestYAMLCode checks the YAML highlighter: the text comes back as it
// was, escaped, with Chroma's classes on keys, marks, scalars, comments.
func TestYAMLCode(t *testing.T) {
	code := "# 설정 <x>\napiVersion: apps/v1\nspec:\n  replicas: 3 # three\n  - name: \"a&b\"\n    on: true\n  labels: { app: x }\nurl: http://x:80\n"
	h := string(codeHTML("yaml", code))
	for _, want := range []string{`<span class="c1"># 설정 &lt;x&gt;</span>`, `<span class="nt">apiVersion</span><span class="p">:</span>`,
		`<span class="m">3</span> <span class="c1"># three</span>`, `<span class="p">-</span> <span class="nt">name</span>`,
		`<span class="s">&#34;a&amp;b&#34;</span>`, `<span class="kc">true</span>`, `<span class="l">http://x:80</span>`} {
		if !strings.Contains(h, want) {
			t.Errorf("no %s in\n%s", want, h)
		}
	}
	text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(h, "")
	if got := stdhtml.UnescapeString(text); got != code+"\n" {
		t.Errorf("the text changed:\n%q\n%q", got, code)
	}
}

// FuzzShellCode: whatever the code, the shell highlighter writes every
// byte of it back, escaped.
func FuzzShellCode(f *testing.F) {
	f.Add("echo \"$HOME\" 'x' # c\n${A:-b} $? $(ls)")
	f.Add("\"unterminated \\\" $")
	f.Fuzz(func(t *testing.T, code string) {
		if !utf8.ValidString(code) || strings.ContainsRune(code, 0) {
			return // a post's control characters are shown as ^@ before this
		}
		var out bytes.Buffer
		shellHTML(&out, code)
		text := regexp.MustCompile(`<[^>]*>`).ReplaceAllString(out.String(), "")
		if got := stdhtml.UnescapeString(text); got != code {
			t.Fatalf("the text changed:\n%q\n%q", got, code)
		}
	})
}
