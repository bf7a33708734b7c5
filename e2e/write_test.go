package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addAuthor makes c an author called name on b.
func (b *blog) addAuthor(name string, c *client) {
	b.t.Helper()
	if err := os.WriteFile(filepath.Join(b.keys, name+".pub"), c.publicKey(), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// wantFail checks that r failed with one line on stderr containing want.
func wantFail(t *testing.T, what string, r result, want string) {
	t.Helper()
	if r.code == 0 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, want) {
		t.Errorf("%s: want a one-line error containing %q; got exit %d, stderr %q", what, want, r.code, r.stderr)
	}
}

const hello = "---\ntitle: 안녕하세요\ntags: [인사, hello]\ndate: 2025-01-02\n---\n\n첫 글입니다.\n"

func TestPublishHistoryRevert(t *testing.T) {
	b := newBlog(t)
	ash, kim, reader := newClient(t, "ash"), newClient(t, "kim"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.addAuthor("kim", kim)
	b.start()

	if got := ash.must(b, "", "whoami"); got != "author ash\n" {
		t.Errorf("whoami = %q", got)
	}
	if got := reader.must(b, "", "whoami"); got != "reader\n" {
		t.Errorf("reader's whoami = %q", got)
	}
	if got := ash.must(b, hello, "publish"); got != "published 안녕하세요 rev 1\n" {
		t.Errorf("publish from the title = %q", got)
	}
	if got := ash.must(b, hello, "publish", "hello"); got != "published hello rev 1\n" {
		t.Errorf("publish hello = %q", got)
	}
	if got := reader.must(b, "", "cat", "hello"); got != hello {
		t.Errorf("cat hello = %q", got)
	}
	edited := strings.Replace(hello, "첫 글입니다.", "고친 글입니다.", 1)
	wantFail(t, "publish with a stale --if-rev", kim.run(b, edited, "publish", "hello", "--if-rev", "0"), "conflict")
	if got := kim.must(b, edited, "publish", "hello", "--if-rev", "1"); got != "published hello rev 2\n" {
		t.Errorf("edit = %q", got)
	}
	wantFail(t, "reader publishes", reader.run(b, hello, "publish", "x"), "permission denied: not an author")

	hist := reader.must(b, "", "history", "hello")
	lines := strings.Split(strings.TrimSpace(hist), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "1\t") || !strings.HasSuffix(lines[0], "\tash\tpublished") ||
		!strings.HasPrefix(lines[1], "2\t") || !strings.HasSuffix(lines[1], "\tkim\tedited") {
		t.Errorf("history = %q", hist)
	}
	if got := reader.must(b, "", "cat", "hello@1"); got != hello {
		t.Errorf("cat hello@1 = %q", got)
	}
	diff := reader.must(b, "", "diff", "hello")
	if !strings.Contains(diff, "-첫 글입니다.") || !strings.Contains(diff, "+고친 글입니다.") || !strings.Contains(diff, "hello@1") {
		t.Errorf("diff = %q", diff)
	}

	// Remove hides; revert restores; nothing is lost.
	wantFail(t, "reader removes", reader.run(b, "", "rm", "hello"), "permission denied: not an author")
	ash.must(b, "", "rm", "hello")
	wantFail(t, "cat after rm", reader.run(b, "", "cat", "hello"), "no post")
	if strings.Contains(reader.must(b, "", "ls"), "\thello\t") {
		t.Errorf("a removed post is listed")
	}
	if got := kim.must(b, "", "revert", "hello", "2"); got != "reverted hello to rev 2 as rev 4\n" {
		t.Errorf("revert = %q", got)
	}
	if got := reader.must(b, "", "cat", "hello"); got != edited {
		t.Errorf("after revert cat = %q", got)
	}
	hist = ash.must(b, "", "history", "hello")
	for _, what := range []string{"\tash\tremoved", "\tkim\treverted"} {
		if !strings.Contains(hist, what) {
			t.Errorf("history lacks %q: %q", what, hist)
		}
	}

	// Rename keeps the old name as an alias.
	wantFail(t, "reader renames", reader.run(b, "", "mv", "hello", "x"), "permission denied: not an author")
	ash.must(b, "", "mv", "hello", "greetings")
	if got := reader.must(b, "", "cat", "hello"); got != edited {
		t.Errorf("cat through the alias = %q", got)
	}
	if got := reader.must(b, "", "cat", "greetings"); got != edited {
		t.Errorf("cat after mv = %q", got)
	}
	if hist := reader.must(b, "", "history", "greetings"); !strings.Contains(hist, "\tash\trenamed") || !strings.HasPrefix(hist, "1\t") {
		t.Errorf("history after mv = %q", hist)
	}

	// Everything is still there after a restart.
	before := reader.must(b, "", "ls")
	b.stop()
	b.start()
	if after := reader.must(b, "", "ls"); after != before {
		t.Errorf("ls after restart = %q, want %q", after, before)
	}
}

func TestBadUploadsAreRefused(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	before := ash.must(b, "", "ls")
	huge := strings.Repeat("가", 400_000) // 1.2 MB
	for _, tc := range []struct {
		name, input string
		args        []string
		want        string
	}{
		{"too large", huge, []string{"publish", "big"}, "too large"},
		{"invalid UTF-8", "# bad \xff\xfe\n", []string{"publish", "bad"}, "UTF-8"},
		{"NUL", "# nul \x00\n", []string{"publish", "nul"}, "NUL"},
		{"RTL override", "# rtl \u202e\n", []string{"publish", "rtl"}, "U+202E"},
		{"broken front matter", "---\ntitle: [unclosed\n---\nbody\n", []string{"publish", "broken"}, "front matter"},
		{"unterminated front matter", "---\ntitle: x\nbody\n", []string{"publish", "open"}, "front matter"},
		{"hostile slug", hello, []string{"publish", "../etc"}, "slug"},
		{"slash slug", hello, []string{"publish", "a/b"}, "slug"},
		{"long slug", hello, []string{"publish", strings.Repeat("a", 201)}, "slug"},
	} {
		wantFail(t, tc.name, ash.run(b, tc.input, tc.args...), tc.want)
	}
	if after := ash.must(b, "", "ls"); after != before {
		t.Errorf("a refused upload changed the blog:\n%s", after)
	}
}

func TestScpAndSftp(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	dir := t.TempDir()
	write := writeFiles(t)
	one := write("one.md", strings.Replace(hello, "안녕하세요", "하나", 1))
	two := write("two.md", strings.Replace(hello, "안녕하세요", "둘", 1))
	three := write("three.md", strings.Replace(hello, "안녕하세요", "셋", 1))
	bad := write("bad.md", "# bad \u202e\n")

	scp := func(c *client, args ...string) (string, error) { return c.transfer(b, "scp", "", args...) }
	host := "ash@127.0.0.1:"
	// Today's scp speaks sftp; several files at once.
	if out, err := scp(ash, one, two, host); err != nil {
		t.Fatalf("scp (sftp): %v: %s", err, out)
	}
	// Legacy scp.
	if out, err := scp(ash, "-O", three, host); err != nil {
		t.Fatalf("scp -O: %v: %s", err, out)
	}
	ls := reader.must(b, "", "ls")
	for _, slug := range []string{"\tone\t하나", "\ttwo\t둘", "\tthree\t셋"} {
		if !strings.Contains(ls, slug) {
			t.Errorf("ls lacks %q after scp:\n%s", slug, ls)
		}
	}
	// Refusals: a reader, a bad file, in both protocols.
	for _, legacy := range []bool{false, true} {
		args := func(a ...string) []string {
			if legacy {
				return append([]string{"-O"}, a...)
			}
			return a
		}
		if out, err := scp(reader, args(one, "reader@127.0.0.1:")...); err == nil {
			t.Errorf("scp legacy=%v by a reader succeeded: %s", legacy, out)
		}
		if out, err := scp(ash, args(bad, host)...); err == nil {
			t.Errorf("scp legacy=%v of a file with a bidi override succeeded: %s", legacy, out)
		}
	}
	if got := reader.must(b, "", "ls"); got != ls {
		t.Errorf("refused uploads changed the blog:\n%s", got)
	}
	// Anyone may download a published post.
	for _, legacy := range []bool{false, true} {
		dst := filepath.Join(t.TempDir(), "got.md")
		args := []string{"reader@127.0.0.1:" + seedSlug + ".md", dst}
		if legacy {
			args = append([]string{"-O"}, args...)
		}
		if out, err := scp(reader, args...); err != nil {
			t.Fatalf("scp download legacy=%v: %v: %s", legacy, err, out)
		}
		if got, _ := os.ReadFile(dst); string(got) != seedSource(t) {
			t.Errorf("downloaded post differs (legacy=%v)", legacy)
		}
	}

	// sftp: ls, get, put, rename, rm.
	sftp := func(c *client, batch string) (string, error) {
		return c.transfer(b, "sftp", batch, "-b", "-", "ash@127.0.0.1")
	}
	got := filepath.Join(dir, "fetched.md")
	out, err := sftp(ash, "ls -1\nget one.md "+got+"\nput "+one+" four.md\nrename two.md deux.md\nrm three.md\n")
	if err != nil {
		t.Fatalf("sftp: %v: %s", err, out)
	}
	if !strings.Contains(out, seedSlug+".md") || !strings.Contains(out, "one.md") {
		t.Errorf("sftp ls: %s", out)
	}
	if data, _ := os.ReadFile(got); !strings.Contains(string(data), "하나") {
		t.Errorf("sftp get: %q", data)
	}
	ls = reader.must(b, "", "ls")
	if !strings.Contains(ls, "\tfour\t") || !strings.Contains(ls, "\tdeux\t") || strings.Contains(ls, "\tthree\t") || strings.Contains(ls, "\ttwo\t") {
		t.Errorf("after sftp put/rename/rm:\n%s", ls)
	}
	if got := reader.must(b, "", "cat", "two"); !strings.Contains(got, "둘") {
		t.Errorf("the old name after an sftp rename: %q", got)
	}
	if out, err := sftp(reader, "put "+one+" five.md\n"); err == nil {
		t.Errorf("sftp put by a reader succeeded: %s", out)
	}
	if out, err := sftp(reader, "rm one.md\n"); err == nil {
		t.Errorf("sftp rm by a reader succeeded: %s", out)
	}
	for _, name := range []string{"sub/dir.md", "\"bad name.md\"", "notes.exe", "/etc/passwd"} {
		if out, err := sftp(ash, "put "+one+" "+name+"\n"); err == nil {
			t.Errorf("sftp put %s succeeded: %s", name, out)
		}
	}
}

func TestKeysReloadWithoutRestart(t *testing.T) {
	b := newBlog(t)
	b.start()
	ash := newClient(t, "ash")
	if got := ash.must(b, "", "whoami"); got != "reader\n" {
		t.Fatalf("before the key file: %q", got)
	}
	b.addAuthor("ash", ash)
	if got := ash.must(b, "", "whoami"); got != "author ash\n" {
		t.Errorf("after adding keys/ash.pub: %q", got)
	}
	if err := os.Remove(filepath.Join(b.keys, "ash.pub")); err != nil {
		t.Fatal(err)
	}
	if got := ash.must(b, "", "whoami"); got != "reader\n" {
		t.Errorf("after removing keys/ash.pub: %q", got)
	}
	wantFail(t, "publish after revocation", ash.run(b, hello, "publish", "x"), "permission denied: not an author")
}
