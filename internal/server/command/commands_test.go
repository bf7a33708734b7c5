// The commands' tests run each command line through the real SSH server on
// a loopback port, as an x/crypto/ssh client holding an author's key or a
// reader's (package servertest), and check its output and exit status.
package command_test

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/server/servertest"
	"github.com/sshblog/sshblog/internal/store/boltstore"
	"github.com/sshblog/sshblog/internal/termtext"
)

const (
	helloV1 = "---\ntitle: 안녕\ndate: 2024-03-01\ntags: [인사]\n---\n첫 글입니다.\n"
	helloV2 = "---\ntitle: 안녕\ndate: 2024-03-01\ntags: [인사]\n---\n고친 글입니다.\n"
	draft   = "---\ntitle: Draft\ndraft: true\n---\nnot yet\n"
)

func TestReadCommands(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	cb.OK(t, a, helloV1, "publish hello")
	cb.OK(t, a, helloV2, "publish hello")
	cb.OK(t, a, draft, "publish draft")

	if got := cb.OK(t, r, "", "ls"); got != "2024-03-01\thello\t안녕\n" {
		t.Errorf("ls as a reader = %q", got)
	}
	if got := cb.OK(t, a, "", "ls"); !strings.Contains(got, "\tdraft\t(draft) Draft\n") || !strings.Contains(got, "\thello\t안녕\n") {
		t.Errorf("ls as an author = %q", got)
	}
	if got := cb.OK(t, r, "", "cat hello"); got != helloV2 {
		t.Errorf("cat hello = %q", got)
	}
	if got := cb.OK(t, r, "", "cat hello@1"); got != helloV1 {
		t.Errorf("cat hello@1 = %q", got)
	}
	cb.Fails(t, r, "", "cat hello@9", "sshblog: cat: hello has no revision 9")
	cb.Fails(t, r, "", "cat hello@x", `sshblog: cat: "x" is not a revision number`)
	cb.Fails(t, r, "", "cat draft", `sshblog: cat: no post "draft"`)
	cb.Fails(t, r, "", "cat nothing", `sshblog: cat: no post "nothing"`)
	cb.Fails(t, r, "", "cat", "sshblog: cat: expected one SLUG")

	read := cb.OK(t, r, "", "read hello --width 30")
	if !strings.Contains(read, "고친 글입니다.") || strings.Contains(read, "\x1b") {
		t.Errorf("read hello = %q", read)
	}
	cb.Fails(t, r, "", "read hello --width 5", "sshblog: read: --width must be between 20 and 500")
	head := strings.SplitN(read, "\n", 5)
	if len(head) < 5 || head[1] != "  안녕" || head[2] != "  2024-03-01 · ash · #인사" || !strings.HasPrefix(head[3], "  ───") {
		t.Errorf("read's header = %q", head)
	}
	if body := cb.OK(t, r, "", "read hello --width 30 --body"); strings.Contains(body, "#인사") || !strings.Contains(body, "고친 글입니다.") {
		t.Errorf("read --body = %q", body)
	}

	hist := cb.OK(t, r, "", "history hello")
	lines := strings.Split(strings.TrimSuffix(hist, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "1\t") || !strings.HasSuffix(lines[0], "\tash\tpublished") || !strings.HasSuffix(lines[1], "\tash\tedited") {
		t.Errorf("history hello = %q", hist)
	}
	diff := cb.OK(t, r, "", "diff hello")
	if !strings.Contains(diff, "-첫 글입니다.") || !strings.Contains(diff, "+고친 글입니다.") || !strings.Contains(diff, "hello@1") {
		t.Errorf("diff hello = %q", diff)
	}
	if got := cb.OK(t, r, "", "diff hello 1 1"); got != "" {
		t.Errorf("diff of a revision with itself = %q", got)
	}
	cb.Fails(t, r, "", "diff hello 0", `sshblog: diff: "0" is not a revision number`)

	if got := cb.OK(t, r, "", "whoami"); got != "reader\n" {
		t.Errorf("whoami as a reader = %q", got)
	}
	if got := cb.OK(t, a, "", "whoami"); got != "author ash\n" {
		t.Errorf("whoami as an author = %q", got)
	}
	help := cb.OK(t, r, "", "help")
	for _, want := range []string{"테스트 블로그", "publish [SLUG]", "history SLUG", "backup"} {
		if !strings.Contains(help, want) {
			t.Errorf("help does not mention %q", want)
		}
	}
	cb.Fails(t, r, "", "frobnicate", `sshblog: unknown command "frobnicate"; try `+"`help`")
	cb.Fails(t, r, "", "ls \x1b[2J", "sshblog: ls: takes no arguments but --tag TAG")
}

func TestWriteCommands(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	if got := cb.OK(t, a, helloV1, "publish hello"); got != "published hello rev 1\n" {
		t.Errorf("publish = %q", got)
	}
	if got := cb.OK(t, a, "---\ntitle: Named By Title\n---\nx\n", "publish"); got != "published named-by-title rev 1\n" {
		t.Errorf("publish without a slug = %q", got)
	}
	cb.Fails(t, a, helloV2, "publish hello --if-rev 0", "sshblog: publish: conflict: hello is at revision 1, not 0; fetch it again and retry")
	if got := cb.OK(t, a, helloV2, "publish hello --if-rev 1"); got != "published hello rev 2\n" {
		t.Errorf("publish --if-rev 1 = %q", got)
	}
	cb.Fails(t, a, "---\ntitle: [\n---\n", "publish broken", "sshblog: publish: invalid front matter: line 2: sequence end token ']' not found")
	cb.Fails(t, a, "# \u202e\n", "publish esc", "sshblog: publish: control character U+202E on line 1")
	cb.Fails(t, a, "x", "publish ../x", `sshblog: publish: invalid slug "../x": starts with '.'`)

	for _, cmd := range []string{"publish x", "rm hello", "mv hello x", "revert hello 1", "import", "export", "backup"} {
		cb.Fails(t, r, "# x\n", cmd, "sshblog: "+strings.Fields(cmd)[0]+": permission denied: not an author")
	}

	if got := cb.OK(t, a, "", "rm hello"); got != "removed hello rev 3 (revert hello 2 restores it)\n" {
		t.Errorf("rm = %q", got)
	}
	cb.Fails(t, r, "", "cat hello", `sshblog: cat: no post "hello"`)
	cb.Fails(t, a, "", "rm hello", `sshblog: rm: no post "hello"`)
	cb.Fails(t, a, "", "revert hello 3", "sshblog: revert: revision 3 of hello is a removal; revert to the one before it")
	if got := cb.OK(t, a, "", "revert hello 2"); got != "reverted hello to rev 2 as rev 4\n" {
		t.Errorf("revert = %q", got)
	}
	if got := cb.OK(t, r, "", "cat hello"); got != helloV2 {
		t.Errorf("after revert, cat = %q", got)
	}
	cb.Fails(t, a, "", "mv hello named-by-title", `sshblog: mv: "named-by-title" already exists`)
	if got := cb.OK(t, a, "", "mv hello greetings"); got != "renamed hello to greetings rev 5\n" {
		t.Errorf("mv = %q", got)
	}
	if got := cb.OK(t, r, "", "cat hello"); got != helloV2 {
		t.Errorf("the old name does not lead to the post: %q", got)
	}
}

func TestArchiveCommands(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a := cb.Author
	cb.OK(t, a, helloV1, "publish hello")
	cb.OK(t, a, helloV2, "publish hello")
	archive := cb.OK(t, a, "", "export")
	tr := tar.NewReader(strings.NewReader(archive))
	var names []string
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("export is not a tar archive: %v", err)
		}
		names = append(names, hdr.Name)
	}
	if strings.Join(names, " ") != "revisions/hello/000001.md revisions/hello/000002.md posts/hello.md aliases.tsv" {
		t.Errorf("export holds %q", names)
	}

	other := servertest.Start(t, blog.Config{})
	r := other.Do(t, other.Author, archive, "import")
	if r.Code != 0 || !strings.HasSuffix(r.Stdout, "imported 1, skipped 0\n") {
		t.Errorf("import: %+v", r)
	}
	if got := other.OK(t, other.Reader, "", "history hello"); strings.Count(got, "\n") != 2 {
		t.Errorf("the history did not come with the import: %q", got)
	}
	other.Fails(t, other.Author, "not an archive at all, just text that goes on", "import", "sshblog: import: reading the archive: unexpected EOF")

	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, []byte(cb.OK(t, a, "", "backup")), 0o600); err != nil {
		t.Fatal(err)
	}
	backup, err := boltstore.Open(copyPath)
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer backup.Close()
	if r, err := backup.Get(context.Background(), "hello"); err != nil || r.Rev != 2 {
		t.Errorf("the backup holds hello at rev %d, %v", r.Rev, err)
	}
	cb.Fails(t, a, "", "backup extra", "sshblog: backup: takes no arguments; redirect stdout to a file: ssh HOST backup > blog.db")
}

func TestStatsCommand(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	cb.OK(t, a, helloV1, "publish hello")
	cb.OK(t, a, "# Other\n", "publish other")
	cb.OK(t, r, "", "cat hello")
	cb.OK(t, r, "", "read hello")
	cb.OK(t, a, "", "cat hello")   // an author's reads are not counted
	cb.OK(t, r, "", "cat hello@1") // nor are old revisions

	cb.Fails(t, r, "", "stats", "sshblog: stats: permission denied: not an author")
	got := cb.OK(t, a, "", "stats")
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "POST\tREADS 7D") {
		t.Fatalf("stats = %q", got)
	}
	// One reader (one key) read hello twice today: 2 reads, 1 reader-day.
	if want := "hello\t2\t1\t2\t1\t2\t1\tssh 2\t"; lines[1] != want {
		t.Errorf("stats = %q, want a line %q", got, want)
	}
	if got := cb.OK(t, a, "", "stats --all"); !strings.Contains(got, "\nother\t0\t") {
		t.Errorf("stats --all = %q, want other too", got)
	}
	day := cb.OK(t, a, "", "stats hello")
	dl := strings.Split(strings.TrimSuffix(day, "\n"), "\n")
	if len(dl) != 31 || dl[0] != "DAY\tREADS\tREADERS\tBOTS" || !strings.HasSuffix(dl[30], "\t2\t1\t0") {
		t.Errorf("stats hello = %q", day)
	}
	cb.Fails(t, a, "", "stats nothing", `sshblog: stats: no post "nothing"`)
}

func TestHostilePostsAreBounded(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	for _, n := range []int{1000, 10000} {
		src := "---\ntitle: deep\n---\n" + strings.Repeat(">", n) + " 바닥\n"
		res := cb.Do(t, a, src, "publish deep")
		if res.Code != 0 || !strings.HasPrefix(res.Stdout, "published deep rev") ||
			res.Stderr != "sshblog: publish: warning: quotes or lists nest "+strconv.Itoa(n)+" levels deep; readers see the levels past 16 flattened\n" {
			t.Errorf("publishing %d quotes: %+v", n, res)
		}
		out := cb.OK(t, r, "", "read deep --width 40")
		if !strings.Contains(out, "바닥") {
			t.Errorf("the text under %d quotes is lost: %.300q", n, out)
		}
	}
}

func TestFindCommands(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	cb.OK(t, a, "---\ntitle: 아침 운동\ndate: 2024-03-01\ntags: [회고, 운동]\n---\n요즘 달리기를 시작했다.\n", "publish run")
	cb.OK(t, a, "---\ntitle: 여행\ndate: 2024-02-01\ntags: [회고]\n---\n서울에서 달리기는 처음이다.\n", "publish trip")
	cb.OK(t, a, "---\ntitle: 초안\ndraft: true\ntags: [비밀]\n---\n달리기 초안\n", "publish draft")

	got := cb.OK(t, r, "", "search 달리기")
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "2024-0") || !strings.Contains(got, "\trun\t아침 운동\t요즘 달리기를 시작했다.") || !strings.Contains(got, "\ttrip\t여행\t서울에서 달리기는 처음이다.") {
		t.Errorf("search as a reader = %q", got)
	}
	if got := cb.OK(t, a, "", "search 달리기 --limit 5"); strings.Count(got, "\n") != 3 {
		t.Errorf("search as an author = %q, want the draft too", got)
	}
	if got := cb.OK(t, r, "", "search 서울 달리기"); !strings.HasPrefix(got, "2024-02-01\ttrip\t") || strings.Count(got, "\n") != 1 {
		t.Errorf("search for two words = %q", got)
	}
	cb.Fails(t, r, "", "search", "sshblog: search: expected words to search for")
	if got := cb.OK(t, r, "", "tags"); got != "회고\t2\n운동\t1\n" {
		t.Errorf("tags = %q", got)
	}
	if got := cb.OK(t, r, "", "ls --tag 운동"); got != "2024-03-01\trun\t아침 운동\n" {
		t.Errorf("ls --tag = %q", got)
	}
	// The index follows an edit and a removal at once.
	cb.OK(t, a, "---\ntitle: 아침 운동\ndate: 2024-03-01\n---\n이제 걷기만 한다.\n", "publish run")
	cb.OK(t, a, "", "rm trip")
	if got := cb.OK(t, r, "", "search 달리기"); got != "" {
		t.Errorf("after an edit and a removal, search = %q", got)
	}
}

// A revision that was a draft or scheduled when written is not a reader's
// to read, diff or list, whatever became of the post since; authors see it.
func TestReadersNeverSeeDraftRevisions(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	cb.OK(t, a, "---\ntitle: Leak\ndraft: true\n---\nDRAFT NOTES: internal codename BLUEJAY\n", "publish leak")
	cb.OK(t, a, "---\ntitle: Leak\ndate: 2024-03-01\n---\npublic body\n", "publish leak")
	cb.OK(t, a, "---\ntitle: Embargo\ndate: 2999-01-01\n---\nEMBARGOED news\n", "publish embargo")
	cb.OK(t, a, "---\ntitle: Embargo\ndate: 2024-03-01\n---\npublic news\n", "publish embargo")

	cb.Fails(t, r, "", "cat leak@1", "sshblog: cat: leak has no revision 1")
	cb.Fails(t, r, "", "cat embargo@1", "sshblog: cat: embargo has no revision 1")
	cb.Fails(t, r, "", "diff leak 1 2", "sshblog: diff: leak has no revision 1")
	cb.Fails(t, r, "", "diff embargo 2 1", "sshblog: diff: embargo has no revision 1")
	for _, cmd := range []string{"diff leak", "diff leak 2", "diff embargo", "history leak", "history embargo", "cat leak@2", "cat leak"} {
		if got := cb.OK(t, r, "", cmd); strings.Contains(got, "BLUEJAY") || strings.Contains(got, "EMBARGOED") || strings.Contains(got, "1\t") {
			t.Errorf("%s as a reader = %q", cmd, got)
		}
	}
	if got := cb.OK(t, r, "", "history leak"); !strings.HasPrefix(got, "2\t") || strings.Count(got, "\n") != 1 {
		t.Errorf("a reader's history of leak = %q, want revision 2 alone", got)
	}
	if got := cb.OK(t, a, "", "cat leak@1"); !strings.Contains(got, "BLUEJAY") {
		t.Errorf("an author's cat leak@1 = %q", got)
	}
	if got := cb.OK(t, a, "", "diff embargo 1 2"); !strings.Contains(got, "EMBARGOED") {
		t.Errorf("an author's diff = %q", got)
	}
}

// mv onto a name that leads to another post is refused with one line, and
// the name keeps leading where it did.
func TestMvDoesNotTakeOverAnAlias(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	cb.OK(t, a, helloV1, "publish hello")
	cb.OK(t, a, "# Other\n", "publish other")
	cb.OK(t, a, "", "mv hello greetings")
	cb.Fails(t, a, "", "mv other hello", `sshblog: mv: "hello" is an old name of greetings and leads there; choose another name`)
	if got := cb.OK(t, r, "", "cat hello"); got != helloV1 {
		t.Errorf("cat hello after the refused mv = %q", got)
	}
	cb.OK(t, a, "", "mv greetings hello") // a post's own old name is its to take back
}

// Format characters in a title are not printed by ls, history or read.
func TestInvisibleCharactersLeaveLs(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	cb.OK(t, a, "---\ntitle: \"Ad\\U000E0041min\\u200b notice\\u200e\\u2060\\uFEFF\\uFFF9\"\ndate: 2024-03-01\n---\nbody\n", "publish notice")
	got := cb.OK(t, r, "", "ls")
	if got != "2024-03-01\tnotice\tAdmin notice\n" {
		t.Errorf("ls = %q", got)
	}
	if got := cb.OK(t, r, "", "read notice"); !strings.Contains(got, "Admin notice") || strings.ContainsAny(got, "\u200b\u200e\u2060\ufeff\ufff9\U000E0041") {
		t.Errorf("read = %q", got)
	}
}

// TestHelpAndBadFlags: every command's --help and -h print its usage on
// stdout and exit 0; a bad flag is one line in the blog's words.
func TestHelpAndBadFlags(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	r := cb.Reader
	for _, line := range []string{"ls --help", "ls -h", "read -h", "read hello --help", "cat --help", "publish --help", "whoami -h", "search --help"} {
		got := cb.OK(t, r, "", line)
		name := strings.Fields(line)[0]
		if !strings.HasPrefix(got, "usage: ssh HOST "+name) {
			t.Errorf("%s = %q", line, got)
		}
	}
	if got := cb.OK(t, r, "", "read --help"); !strings.Contains(got, "usage: ssh HOST read SLUG [--width N] [--body]\n") ||
		!strings.Contains(got, "\n  --width N ") || !strings.Contains(got, "\n  --body ") {
		t.Errorf("read --help = %q", got)
	}
	cb.Fails(t, r, "", "read hello --width abc", `sshblog: read: --width: "abc" is not a number`)
	cb.Fails(t, r, "", "read hello --width=abc", `sshblog: read: --width: "abc" is not a number`)
	cb.Fails(t, r, "", "read hello --width", `sshblog: read: --width needs a value`)
	cb.Fails(t, r, "", "read hello --colour", "sshblog: read: unknown flag --colour; try `read --help`")
	cb.Fails(t, r, "", "search x --limit many", `sshblog: search: --limit: "many" is not a number`)
	cb.Fails(t, cb.Author, "", "publish x --if-rev x", `sshblog: publish: --if-rev: "x" is not a revision number`)
}

// TestStatsMostReadFirst: stats lists the posts read, most read first over
// 30 days, then all time; --all adds those never read, in the list's order.
func TestStatsMostReadFirst(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	a, r := cb.Author, cb.Reader
	for i, slug := range []string{"first", "second", "third", "fourth"} {
		cb.OK(t, a, "---\ntitle: "+slug+"\ndate: 2024-01-0"+strconv.Itoa(i+1)+"\n---\nbody\n", "publish "+slug)
	}
	for slug, n := range map[string]int{"first": 3, "third": 1} {
		for range n {
			cb.OK(t, r, "", "cat "+slug)
		}
	}
	posts := func(out string) []string {
		var s []string
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n")[1:] {
			s = append(s, strings.Split(l, "\t")[0])
		}
		return s
	}
	if got := posts(cb.OK(t, a, "", "stats")); strings.Join(got, " ") != "first third" {
		t.Errorf("stats lists %q, want first third", got)
	}
	if got := posts(cb.OK(t, a, "", "stats --all")); strings.Join(got, " ") != "first third fourth second" {
		t.Errorf("stats --all lists %q, want first third fourth second", got)
	}
}

// TestSearchNothingFound: a search with no result says so on stderr at a
// terminal, and prints nothing to a pipe; both exit 0.
func TestSearchNothingFound(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	cb.OK(t, cb.Author, helloV1, "publish hello")
	if got := cb.OK(t, cb.Reader, "", "search 없는말"); got != "" {
		t.Errorf("search without a terminal = %q", got)
	}
	res := cb.DoTerminal(t, cb.Reader, "search 없는 말", 80)
	if res.Code != 0 || !strings.Contains(res.Stderr, `no posts match "없는 말"`) {
		t.Errorf("search at a terminal: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
	if res := cb.DoTerminal(t, cb.Reader, "search 첫", 80); res.Code != 0 || !strings.Contains(res.Stdout, "hello") || res.Stderr != "" {
		t.Errorf("search with a result at a terminal: exit %d, stdout %q, stderr %q", res.Code, res.Stdout, res.Stderr)
	}
}

// TestReadAtAWideTerminal: read with ssh -t and no --width lays the post
// out at the terminal's width, at most the reading width; --width wins.
func TestReadAtAWideTerminal(t *testing.T) {
	cb := servertest.Start(t, blog.Config{})
	cb.OK(t, cb.Author, "---\ntitle: Long\ndate: 2024-03-01\n---\n"+strings.Repeat("A paragraph of words that goes on and on. ", 30)+"\n", "publish long")
	widest := func(out string) int {
		w := 0
		for _, l := range strings.Split(out, "\n") {
			w = max(w, termtext.Width(strings.TrimRight(regexp.MustCompile("\x1b\\[[0-9;]*m|\x1b]8;[^\a]*\a").ReplaceAllString(l, ""), " \r")))
		}
		return w
	}
	for _, tt := range []struct {
		cmd         string
		term, least int
		most        int
	}{
		{"read long", 200, 90, servertest.ReadingWidth},
		{"read long", 60, 50, 60},
		{"read long --width 150", 200, 140, 150},
	} {
		res := cb.DoTerminal(t, cb.Reader, tt.cmd, tt.term)
		if w := widest(res.Stdout); res.Code != 0 || w > tt.most || w < tt.least {
			t.Errorf("%s at %d columns: exit %d, %d columns wide, want %d to %d; stderr %q", tt.cmd, tt.term, res.Code, w, tt.least, tt.most, res.Stderr)
		}
	}
}
