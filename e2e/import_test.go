package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// makeTar builds a tar archive of files (path -> content), gzipped if asked.
func makeTar(t *testing.T, gz bool, files [][2]string) string {
	t.Helper()
	var buf bytes.Buffer
	var w = &buf
	var zw *gzip.Writer
	tw := tar.NewWriter(w)
	if gz {
		zw = gzip.NewWriter(w)
		tw = tar.NewWriter(zw)
	}
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), ModTime: time.Unix(1700000000, 0), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f[1]))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if zw != nil {
		zw.Close()
	}
	return buf.String()
}

var blogSamples = [][2]string{
	// Astro
	{"src/content/blog/hello-astro.md", "---\ntitle: '아스트로 첫 글'\ndescription: 'Astro 글'\npubDate: 'Jul 08 2022'\nheroImage: '/blog-placeholder-3.jpg'\n---\n\n본문입니다.\n"},
	{"src/content/blog/second.mdx", "---\ntitle: MDX post\npubDate: 2023-05-01\ntags: [astro, mdx]\n---\n\nHello from MDX.\n"},
	{"public/blog-placeholder-3.jpg", "\xff\xd8\xff\xe0 not really a jpeg"},
	// Hugo
	{"content/posts/hugo-bundle/index.md", "+++\ntitle = \"휴고 번들\"\ndate = 2021-03-04T05:06:07+09:00\ntags = [\"hugo\", \"번들\"]\ndraft = false\n+++\n\n번들 본문.\n"},
	{"content/posts/hugo-single.md", "---\ntitle: Hugo single\ndate: 2020-01-02\ncategories: [notes]\n---\nsingle\n"},
	// Jekyll
	{"_posts/2019-12-31-jekyll-post.md", "---\nlayout: post\ntitle: \"지킬 글\"\ndate: 2019-12-31 23:59:00 +0900\ncategories: blog\n---\n\n지킬 본문.\n"},
	// Bad ones
	{"_posts/2018-01-01-broken.md", "---\ntitle: [unclosed\n---\nbody\n"},
	{"content/posts/escape.md", "# bad \u202e\n"},
}

func TestImportBlogs(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start("--timezone", "Asia/Seoul")
	wantFail(t, "import by a reader", reader.run(b, makeTar(t, false, blogSamples), "import"), "permission denied: not an author")
	for _, gz := range []bool{false, true} {
		out := ash.must(b, makeTar(t, gz, blogSamples), "import")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		last := lines[len(lines)-1]
		want := "imported 5, skipped 3" // two bad posts and a picture that is not a JPEG
		if gz {
			want = "imported 0, skipped 8" // everything is unchanged the second time
		}
		if last != want {
			t.Errorf("import gz=%v summary %q, want %q; output:\n%s", gz, last, want, out)
		}
		if !strings.Contains(out, "_posts/2018-01-01-broken.md: ") || !strings.Contains(out, "content/posts/escape.md: ") {
			t.Errorf("skipped files are not named with their reasons:\n%s", out)
		}
	}
	ls := reader.must(b, "", "ls")
	for _, want := range []string{
		"2022-07-08\thello-astro\t아스트로 첫 글",
		"2023-05-01\tsecond\tMDX post",
		"2021-03-04\thugo-bundle\t휴고 번들",
		"2020-01-02\thugo-single\tHugo single",
		"2019-12-31\tjekyll-post\t지킬 글",
	} {
		if !strings.Contains(ls, want+"\n") {
			t.Errorf("ls lacks %q:\n%s", want, ls)
		}
	}
	if got := reader.must(b, "", "read", "hugo-bundle", "--width", "60"); !strings.Contains(got, "번들 본문") {
		t.Errorf("read hugo-bundle: %q", got)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	a := newBlog(t)
	ash := newClient(t, "ash")
	a.addAuthor("ash", ash)
	a.start()
	ash.must(a, hello, "publish", "hello")
	ash.must(a, strings.Replace(hello, "첫", "두 번째", 1), "publish", "hello")
	ash.must(a, hello, "publish", "gone")
	ash.must(a, "", "rm", "gone")
	ash.must(a, hello, "publish", "old-name")
	ash.must(a, "", "mv", "old-name", "new-name")
	wantFail(t, "export by a reader", newClient(t, "reader").run(a, "", "export"), "permission denied: not an author")
	archive := ash.must(a, "", "export")

	b := newBlog(t)
	b.addAuthor("ash", ash)
	b.start()
	out := ash.must(b, archive, "import")
	// The built-in post is in both blogs already.
	if out != "skipped posts/"+seedSlug+".md: unchanged\nimported 3, skipped 1\n" {
		t.Errorf("import of an export:\n%s", out)
	}
	for _, cmd := range [][]string{{"ls"}, {"history", "hello"}, {"history", "gone"}, {"history", "new-name"}, {"cat", "hello"}, {"cat", "hello@1"}, {"cat", "gone@1"}, {"cat", "old-name"}} {
		if x, y := ash.must(a, "", cmd...), ash.must(b, "", cmd...); x != y {
			t.Errorf("%v differs after export and import:\n%q\n%q", cmd, x, y)
		}
	}
	// The tar is a real tar.
	cmd := exec.Command("tar", "-tf", "-")
	cmd.Stdin = strings.NewReader(archive)
	list, err := cmd.Output()
	if err != nil || !strings.Contains(string(list), "posts/hello.md") || !strings.Contains(string(list), "revisions/hello/000002.md") {
		t.Errorf("tar -t: %v\n%s", err, list)
	}
}
