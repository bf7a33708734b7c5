package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
)

// file is one file of a test's archive.
type file struct {
	name, body string
	typ        byte              // 0: a regular file
	pax        map[string]string // PAX records, if any
}

// tarOf returns a tar archive of files.
func tarOf(tb testing.TB, files ...file) []byte {
	tb.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: f.typ, PAXRecords: f.pax}
		if f.typ == 0 {
			hdr.Typeflag = tar.TypeReg
		} else {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.body[:hdr.Size])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// gzipOf returns data gzipped.
func gzipOf(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// read reads data with opts and fails the test on an error.
func read(t *testing.T, data []byte, opts Options) *Contents {
	t.Helper()
	c, err := Read(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return c
}

func TestReadStopsAtTheLimit(t *testing.T) {
	big := tarOf(t, file{name: "a.md", body: "# a\n"}, file{name: "b.bin", body: strings.Repeat("x", 64<<10)})
	// 4 MiB of zeros in a tar entry compress to a few KiB: under the limit
	// as sent, far over it unpacked.
	bomb := gzipOf(tarOf(t, file{name: "zeros.bin", body: string(make([]byte, 4<<20))}))
	if len(bomb) >= 16<<10 {
		t.Fatalf("the gzip bomb is %d bytes", len(bomb))
	}
	for name, data := range map[string][]byte{
		"a tar over the limit":         big,
		"a gzipped tar over the limit": gzipOf(big),
		"a gzip bomb":                  bomb,
	} {
		_, err := Read(bytes.NewReader(data), Options{MaxSize: 16 << 10})
		if !errors.Is(err, ErrTooLarge) || err.Error() != "the archive is too large: the limit is 16 KiB" {
			t.Errorf("%s (%d KiB sent): err = %v", name, len(data)>>10, err)
		}
	}
	c := read(t, big, Options{MaxSize: int64(len(big))})
	if len(c.Posts) != 1 || c.Ignored != 1 {
		t.Errorf("an archive of exactly the limit: %+v", c)
	}
	if c := read(t, big, Options{}); len(c.Posts) != 1 {
		t.Errorf("no limit: %+v", c)
	}
}

func TestReadSkipsAPostOverItsLimit(t *testing.T) {
	c := read(t, tarOf(t,
		file{name: "big.md", body: "# big\n" + strings.Repeat("x", 2<<10)},
		file{name: "small.md", body: "# small\n"},
	), Options{MaxPostSize: 1 << 10})
	if len(c.Posts) != 1 || c.Posts[0].Slug != "small" {
		t.Errorf("posts = %+v, want small only", c.Posts)
	}
	if want := "big.md: post is too large: the limit is 1 KiB"; len(c.Skipped) != 1 || c.Skipped[0] != want {
		t.Errorf("skipped = %q, want %q", c.Skipped, want)
	}
	// Without a limit, a post's is post.MaxSize.
	c = read(t, tarOf(t, file{name: "huge.md", body: strings.Repeat("x", post.MaxSize+1)}), Options{})
	if len(c.Posts) != 0 || len(c.Skipped) != 1 || !strings.Contains(c.Skipped[0], "post is too large") {
		t.Errorf("a post over post.MaxSize: %+v", c)
	}
}

func TestReadNames(t *testing.T) {
	c := read(t, tarOf(t,
		file{name: "../x.md", body: "x"},   // names only give slugs: nothing is written to disk
		file{name: "/abs.md", body: "abs"}, // likewise
		file{name: "./content/ok.md", body: "ok"},
		file{name: "content/posts/bundle/index.md", body: "bundle"},
		file{name: "content/_index.md", body: "---\ntitle: Home\n---\n"},              // a Hugo section's list page
		file{name: "content/posts/_INDEX.markdown", body: "---\ntitle: Posts\n---\n"}, // likewise
		file{name: "../index.md", body: "no folder"},
		file{name: "a/dup.md", body: "first"},
		file{name: "b/2024-01-01-dup.markdown", body: "second"},
		file{name: "bad name.md", body: "space"},
		file{name: "\xff.md", body: "not UTF-8"},
		file{name: "static/logo.png", body: "\x89PNG"},
		file{name: "README", body: "readme"},
		file{name: "content/", typ: tar.TypeDir},
		file{name: "link.md", typ: tar.TypeSymlink},
	), Options{})
	var got []string
	for _, f := range c.Posts {
		got = append(got, f.Path+" "+f.Slug+" "+string(f.Source))
	}
	want := []string{"../x.md x x", "/abs.md abs abs", "content/ok.md ok ok", "content/posts/bundle/index.md bundle bundle", "a/dup.md dup first"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("posts:\n%q\nwant\n%q", got, want)
	}
	wantSkipped := []string{
		`../index.md: invalid slug: "../index.md" is in no folder to name it`,
		`bad name.md: invalid slug "bad name": U+0020 ' ' is not allowed; use letters, digits, '-', '_' and '.'`,
		"\xff.md: invalid slug",
		"b/2024-01-01-dup.markdown: the slug dup is taken by a/dup.md", // found once all are read
	}
	if len(c.Skipped) != len(wantSkipped) {
		t.Fatalf("skipped:\n%q\nwant\n%q", c.Skipped, wantSkipped)
	}
	for i, w := range wantSkipped {
		if !strings.HasPrefix(c.Skipped[i], w) {
			t.Errorf("skipped[%d] = %q, want %q", i, c.Skipped[i], w)
		}
	}
	if c.Ignored != 3 {
		t.Errorf("ignored %d files, want 3: one the blog does not keep and two section index pages (directories and links are not files)", c.Ignored)
	}
	if len(c.Files) != 1 || c.Files[0].Path != "/static/logo.png" || c.Layout != "" {
		t.Errorf("files = %+v, layout %q: with no project, a file is at its path", c.Files, c.Layout)
	}
}

func TestReadKeepsTheBytesAsSent(t *testing.T) {
	// Parsing (UTF-8, NFC, front matter) is the post package's; Read keeps
	// a file's bytes as they are, invalid UTF-8 and all.
	body := "# \xff\xfe\n"
	c := read(t, tarOf(t, file{name: "bytes.md", body: body}), Options{})
	if len(c.Posts) != 1 || string(c.Posts[0].Source) != body {
		t.Errorf("posts = %+v", c.Posts)
	}
}

func TestReadAliases(t *testing.T) {
	aliases := "old\tnew\n\xff\tnew\nbad name\tnew\nno-tab\n\nother\tnew\r\n"
	c := read(t, tarOf(t, file{name: "./aliases.tsv", body: aliases}), Options{})
	if want := [][2]string{{"old", "new"}, {"other", "new"}}; len(c.Aliases) != len(want) || c.Aliases[0] != want[0] || c.Aliases[1] != want[1] {
		t.Errorf("aliases = %q, want %q", c.Aliases, want)
	}
	if len(c.Posts) != 0 || c.Ignored != 0 || len(c.Skipped) != 0 {
		t.Errorf("the aliases file was taken for something else: %+v", c)
	}
	c = read(t, tarOf(t, file{name: "aliases.tsv", body: strings.Repeat("a\tb\n", post.MaxSize/4+1)}), Options{})
	if len(c.Aliases) != 0 || len(c.Skipped) != 1 || !strings.HasPrefix(c.Skipped[0], "aliases.tsv: post is too large") {
		t.Errorf("an aliases file over post.MaxSize: %d aliases, skipped %q", len(c.Aliases), c.Skipped)
	}
}

func TestReadRefusesWhatIsNoArchive(t *testing.T) {
	for name, tt := range map[string]struct {
		data string
		want string
	}{
		"text":        {strings.Repeat("not a tar ", 100), "reading the archive: "},
		"cut short":   {string(tarOf(t, file{name: "a.md", body: strings.Repeat("x", 2000)})[:1024]), "reading the archive: "},
		"broken gzip": {"\x1f\x8b\x00\x00", "reading the gzip stream: "},
	} {
		_, err := Read(strings.NewReader(tt.data), Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want %q...", name, err, tt.want)
		}
	}
	if c := read(t, nil, Options{}); len(c.Posts)+len(c.Skipped)+c.Ignored != 0 {
		t.Errorf("an empty stream: %+v", c)
	}
}

func TestReadRevisions(t *testing.T) {
	rev := func(n string) map[string]string {
		return map[string]string{paxRev: n, paxAuthor: "ash", paxAction: "publish"}
	}
	c := read(t, tarOf(t,
		file{name: "revisions/hello/000002.md", body: "two", pax: rev("2")},
		file{name: "revisions/hello/000001.md", body: "one", pax: rev("1")},
		file{name: "revisions/hello/000003.md", body: "bad", pax: rev("three")},
		file{name: "revisions/.hidden/000001.md", body: "bad", pax: rev("1")},
		file{name: "posts/000001.md", body: "a post, not a revision", pax: rev("1")},
	), Options{})
	h := c.Histories["hello"]
	if len(c.Histories) != 1 || len(h) != 2 || h[0].Rev != 1 || string(h[1].Source) != "two" || h[0].Slug != "hello" || h[0].Author != "ash" {
		t.Errorf("histories = %+v, want hello@1 and hello@2, oldest first", c.Histories)
	}
	if len(c.Skipped) != 2 || !strings.HasSuffix(c.Skipped[0], ": not a revision of an export") {
		t.Errorf("skipped = %q", c.Skipped)
	}
	if len(c.Posts) != 1 || c.Posts[0].Slug != "000001" {
		t.Errorf("posts = %+v", c.Posts)
	}
}

func TestReadReportsProgress(t *testing.T) {
	data := tarOf(t, file{name: "a.md", body: "a"}, file{name: "b.md", body: "b"}, file{name: "c.png", body: "c"})
	var got []Progress
	read(t, data, Options{Progress: func(p Progress) { got = append(got, p) }, ProgressEvery: time.Nanosecond})
	if len(got) == 0 || got[len(got)-1].Posts != 2 || got[len(got)-1].Bytes == 0 {
		t.Errorf("progress = %+v", got)
	}
	got = nil
	read(t, data, Options{Progress: func(p Progress) { got = append(got, p) }, ProgressEvery: time.Hour})
	if len(got) != 0 {
		t.Errorf("progress every hour was called %d times", len(got))
	}
}
