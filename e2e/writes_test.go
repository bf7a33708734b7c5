package e2e

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// revisions counts the revisions `history` lists for slug.
func revisions(t *testing.T, b *blog, c *client, slug string) int {
	t.Helper()
	return strings.Count(strings.TrimSpace(c.must(b, "", "history", slug)), "\n") + 1
}

// TestEmptyPostsAreRefused: an empty or blank post is refused with one line
// on every write path (stdin, scp both ways, sftp, import), and nothing
// changes.
func TestEmptyPostsAreRefused(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	ash.must(b, hello, "publish", "hi")
	ls := reader.must(b, "", "ls")
	write := writeFiles(t)
	host := "ash@127.0.0.1:"

	for _, blank := range []string{"", " \n\t\r\n\n"} {
		wantFail(t, "publish hi of a blank post", ash.run(b, blank, "publish", "hi"), "empty")
		wantFail(t, "publish new of a blank post", ash.run(b, blank, "publish", "new"), "empty")
		empty := write("hi.md", blank)
		for _, args := range [][]string{{empty, host}, {"-O", empty, host}} {
			if out, err := ash.transfer(b, "scp", "", args...); err == nil || !strings.Contains(out, "empty") {
				t.Errorf("scp %v of a blank post: err %v, said %q", args, err, out)
			}
		}
		if out, err := ash.transfer(b, "sftp", "put "+empty+" new.md\n", "-b", "-", "ash@127.0.0.1"); err == nil || !strings.Contains(out, "empty") {
			t.Errorf("sftp put of a blank post: err %v, said %q", err, out)
		}
		out := ash.must(b, makeTar(t, true, [][2]string{{"content/posts/blank.md", blank}}), "import")
		if !strings.Contains(out, "blank.md: the post is empty") || !strings.Contains(out, "imported 0") {
			t.Errorf("import of a blank post said %q", out)
		}
	}
	if n := revisions(t, b, ash, "hi"); n != 1 {
		t.Errorf("hi has %d revisions after blank writes, want 1", n)
	}
	if got := reader.must(b, "", "ls"); got != ls {
		t.Errorf("blank writes changed the list:\n%s\nwas:\n%s", got, ls)
	}
	wantFail(t, "cat new", reader.run(b, "", "cat", "new"), "no post")
}

// TestUnchangedWritesStoreNothing: republishing a post's current text
// stores no revision on any path, and with review required no proposal.
func TestUnchangedWritesStoreNothing(t *testing.T) {
	for _, review := range []bool{false, true} {
		var env []string
		if review {
			env = []string{"BLOG_REVIEW=required"}
		}
		b := newBlog(t, env...)
		ash, lee := newClient(t, "ash"), newClient(t, "lee")
		b.addAuthor("ash", ash)
		b.addAuthor("lee", lee)
		b.start()
		ash.must(b, hello, "publish", "hi")
		if review {
			lee.must(b, "", "approve", "hi", "1")
		}
		if out := ash.must(b, hello, "publish", "hi"); out != "unchanged hi rev 1\n" {
			t.Errorf("review=%v: publish of the same text said %q", review, out)
		}
		file := writeFiles(t)("hi.md", hello)
		for _, args := range [][]string{{file, "ash@127.0.0.1:"}, {"-O", file, "ash@127.0.0.1:"}} {
			if out, err := ash.transfer(b, "scp", "", args...); err != nil {
				t.Errorf("review=%v: scp %v of the same text: %v: %s", review, args, err, out)
			}
		}
		if out, err := ash.transfer(b, "sftp", "put "+file+" hi.md\n", "-b", "-", "ash@127.0.0.1"); err != nil {
			t.Errorf("review=%v: sftp put of the same text: %v: %s", review, err, out)
		}
		out := ash.must(b, makeTar(t, true, [][2]string{{"content/posts/hi.md", hello}}), "import")
		if !strings.Contains(out, "hi.md: unchanged") {
			t.Errorf("review=%v: import of the same text said %q", review, out)
		}
		if n := revisions(t, b, ash, "hi"); n != 1 && !review || review && n != 2 { // with review: the proposal's line, then rev 1
			t.Errorf("review=%v: hi has %d history lines after unchanged writes:\n%s", review, n, ash.must(b, "", "history", "hi"))
		}
		if review {
			if got := lee.must(b, "", "review"); strings.Contains(got, "hi") {
				t.Errorf("an unchanged write left a proposal:\n%s", got)
			}
		}
	}
}

// TestUploadTargetNamesThePost: over both scp protocols and sftp, the
// target's name is the slug; the blog's folder as a target takes the
// source's name; a target in a folder that does not exist, or with a bad
// slug, is refused with its reason on the user's terminal, as one line.
func TestUploadTargetNamesThePost(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	write := writeFiles(t)
	src := write("a.md", strings.Replace(hello, "안녕하세요", "에이", 1))
	host := "ash@127.0.0.1:"
	for _, legacy := range []bool{true, false} {
		scp := func(target string) (string, error) {
			args := []string{src, host + target}
			if legacy {
				args = append([]string{"-O"}, args...)
			}
			return ash.transfer(b, "scp", "", args...)
		}
		prefix := "m"
		if legacy {
			prefix = "o"
		}
		for target, slug := range map[string]string{prefix + "b.md": prefix + "b", "/" + prefix + "zz.md": prefix + "zz", "": "a", ".": "a", "~": "a"} {
			if out, err := scp(target); err != nil {
				t.Errorf("legacy=%v: scp to %q: %v: %s", legacy, target, err, out)
				continue
			}
			if got := reader.must(b, "", "cat", slug); !strings.Contains(got, "에이") {
				t.Errorf("legacy=%v: scp to %q did not write %s: %q", legacy, target, slug, got)
			}
		}
		refused := map[string]string{
			"sub/y.md":      "no subfolders",
			"'bad name.md'": "bad name.md",
			"dir/":          "dir",
		}
		if legacy { // sftp resolves paths as a disk does: the folder is its own parent
			refused["../x.md"] = "no subfolders"
		}
		for target, why := range refused {
			out, err := scp(target)
			if err == nil {
				t.Errorf("legacy=%v: scp to %q succeeded: %s", legacy, target, out)
				continue
			}
			if !strings.Contains(out, why) || !strings.HasSuffix(out, "\n") {
				t.Errorf("legacy=%v: scp to %q said %q, want the reason %q on a line", legacy, target, out, why)
			}
			if legacy && (strings.Count(out, "\n") != 1 || strings.Contains(out, "lost connection")) {
				t.Errorf("scp -O to %q said %q, want its reason alone on one line", target, out)
			}
		}
	}
	// Several files cannot share one name.
	other := write("c.md", strings.Replace(hello, "안녕하세요", "씨", 1))
	if out, err := ash.transfer(b, "scp", "", "-O", src, other, host+"one.md"); err == nil || !strings.Contains(out, "no such folder") {
		t.Errorf("scp -O of two files to one name: err %v, said %q", err, out)
	}
	ls := reader.must(b, "", "ls")
	for _, slug := range []string{"y", "bad", "dir", "sub", "one"} {
		if strings.Contains(ls, "\t"+slug+"\t") {
			t.Errorf("a refused upload wrote %s:\n%s", slug, ls)
		}
	}
	if out, err := ash.transfer(b, "sftp", "put "+src+" sub/y.md\n", "-b", "-", "ash@127.0.0.1"); err == nil || !strings.Contains(out, "no subfolders") {
		t.Errorf("sftp put to a subfolder: err %v, said %q", err, out)
	}
}

// TestApproveWhatWasReviewed: proposals A then B against rev 1; approving
// B then A is refused (A would silently drop B); `approve` without a
// number approves only the proposal its reviewer was last shown.
func TestApproveWhatWasReviewed(t *testing.T) {
	b, ash, lee, reader := reviewedBlog(t)
	ash.must(b, reviewPost("하나"), "publish", "hello")
	lee.must(b, "", "review", "hello")
	lee.must(b, "", "approve", "hello")
	ash.must(b, reviewPost("에이"), "publish", "hello") // proposal 2
	ash.must(b, reviewPost("비"), "publish", "hello")  // proposal 3
	wantFail(t, "approve with two open", lee.run(b, "", "approve", "hello"), "hello has 2 open proposals (2, 3)")
	lee.must(b, "", "approve", "hello", "3")
	wantFail(t, "approve a stale proposal", lee.run(b, "", "approve", "hello", "2"),
		"approve: hello changed since proposal 2 was made (now rev 2); ask for a fresh proposal")
	if got := reader.must(b, "", "cat", "hello"); got != reviewPost("비") {
		t.Errorf("readers see %q, want B", got)
	}
	lee.must(b, "", "reject", "hello", "2")

	ash.must(b, reviewPost("씨"), "publish", "hello") // proposal 4
	lee.must(b, "", "review", "hello")
	ash.must(b, "", "reject", "hello", "4")
	ash.must(b, reviewPost("디"), "publish", "hello") // proposal 5, never shown to lee
	wantFail(t, "approve what was not reviewed", lee.run(b, "", "approve", "hello"), "proposal 5 came after the one you reviewed (4)")
	if got := reader.must(b, "", "cat", "hello"); got != reviewPost("비") {
		t.Errorf("readers see %q, want B still", got)
	}
	lee.must(b, "", "review", "hello")
	if out := lee.must(b, "", "approve", "hello"); !strings.Contains(out, "published as rev 3") {
		t.Errorf("approve after review said %q", out)
	}
}

// sgr matches the styling sequences a styled read writes.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// TestControlCharactersAreKeptAndShown: a post whose code block holds a
// U+0001 (as javap prints it) and an ESC[2J is stored byte for byte; `cat`
// to a pipe prints it raw, and `cat` with a terminal, `read`, `diff`,
// `search`, the pager and the web show the control characters in caret
// notation, never raw.
func TestControlCharactersAreKeptAndShown(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	src := "---\ntitle: javap\ndate: 2025-06-01\n---\n\n```\nconst #1 = \x01Ljava/lang/Object;\nclear \x1b[2J bell \x07 del \x7f\n```\n\nzebra \x1b]52;c;aGk=\x07 text\n"
	if out := ash.must(b, src, "publish", "javap"); out != "published javap rev 1\n" {
		t.Fatalf("publish said %q", out)
	}
	if got := reader.must(b, "", "cat", "javap"); got != src {
		t.Errorf("cat to a pipe = %q, want the stored bytes", got)
	}
	ash.must(b, strings.Replace(src, "zebra", "zebra two", 1), "publish", "javap")
	for _, cmd := range [][]string{{"read", "javap"}, {"read", "javap", "--width", "30"}, {"diff", "javap"}, {"search", "zebra"}, {"search", "Ljava"}} {
		out := reader.must(b, "", cmd...)
		if strings.ContainsAny(out, "\x01\x07\x1b\x7f") {
			t.Errorf("%v prints a control character raw: %q", cmd, out)
		}
	}
	if out := reader.must(b, "", "read", "javap"); !strings.Contains(out, "^ALjava") || !strings.Contains(out, "^[[2J") {
		t.Errorf("read does not show the control characters: %q", out)
	}
	// With a terminal: cat and a styled read.
	for _, cmd := range [][]string{{"cat", "javap"}, {"read", "javap"}} {
		args := append(append(reader.sshArgs(b), "-tt", "reader@127.0.0.1"), cmd...)
		out, err := exec.Command("ssh", args...).Output()
		if err != nil {
			t.Fatalf("ssh -tt %v: %v", cmd, err)
		}
		if strings.ContainsAny(string(out), "\x01\x07\x7f") || strings.Contains(string(out), "\x1b[2J") || strings.Contains(string(out), "\x1b]52") {
			t.Errorf("%v with a terminal prints a control character raw: %q", cmd, out)
		}
		if plain := sgr.ReplaceAllString(string(out), ""); !strings.Contains(plain, "^[[2J") {
			t.Errorf("%v with a terminal does not show ESC: %q", cmd, plain)
		}
	}
	// The web: the page and the feed.
	for _, path := range []string{"/posts/javap", "/feed.xml"} {
		code, body := httpGet(t, b, path)
		if code != 200 || strings.ContainsAny(body, "\x01\x07\x1b\x7f") {
			t.Errorf("%s: %d, holds a raw control character: %v", path, code, strings.ContainsAny(body, "\x01\x07\x1b\x7f"))
		}
		if !strings.Contains(body, "^[[2J") {
			t.Errorf("%s does not show ESC", path)
		}
	}
	// The pager.
	s := newScreen(t, 80, 24, reader.sshCommandLine(b))
	s.waitText("javap")
	s.keys("Enter")
	screen := s.waitText("^ALjava", "^[[2J")
	if strings.ContainsAny(screen, "\x01\x1b") {
		t.Errorf("the pager shows a control character:\n%q", screen)
	}
}

// TestEditorSavesWhatWasNotEditedAsItWas: through ssh -t and a real
// terminal, an edit at the end of a post keeps its tabs, CRLF line ends,
// trailing spaces and control characters; TAB writes a tab; a save of the
// same text stores nothing; an emptied post is refused.
func TestEditorSavesWhatWasNotEditedAsItWas(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	src := "---\r\ntitle: Tabs\r\n---\r\n\r\n```go\r\nfunc f() {\r\n\treturn \x01\r\n}\r\n```\r\n- a\tb  \n\ttail"
	ash.must(b, src, "publish", "tabs")
	s := newScreen(t, 60, 20, ash.sshCommandLine(b, "edit", "tabs"))
	s.waitText("tabs", "rev 1", "␉return ␁␍")
	s.keys("C-End", "Tab")
	s.text("끝")
	s.keys("C-s")
	s.waitText("rev 2")
	if got, want := reader.must(b, "", "cat", "tabs"), src+"\t끝"; got != want {
		t.Errorf("after the edit cat =\n%q\nwant\n%q", got, want)
	}
	// Type and erase: the text is rev 2's again, and nothing is saved.
	s.text("x")
	s.keys("BSpace", "C-s")
	s.waitText("No changes to save")
	// Erase everything: refused.
	s.keys("C-End")
	for range 20 {
		s.keys("BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace")
	}
	s.waitFor("an empty editor", func(screen string) bool { return !strings.Contains(screen, "title") })
	s.keys("C-s")
	s.waitText("empty")
	if n := revisions(t, b, reader, "tabs"); n != 2 {
		t.Errorf("tabs has %d revisions, want 2", n)
	}
}
