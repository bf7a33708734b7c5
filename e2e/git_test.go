package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store/etcdtest"
)

// The blog as a git repository: clone, pull and push with the real git
// over the real ssh.

// gitRepoURL is the blog's repository for git.
func gitRepoURL(b *blog) string { return "ssh://reader@127.0.0.1:" + b.port + "/blog.git" }

// git runs git in dir as client c of b (GIT_SSH_COMMAND with c's ssh
// options) and returns its combined output and whether it succeeded.
func (c *client) git(b *blog, dir string, args ...string) (string, error) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	opts := c.sshArgs(b)
	// GIT_SSH_COMMAND gets the port from the URL: drop -p PORT.
	var keep []string
	for i := 0; i < len(opts); i++ {
		if opts[i] == "-p" {
			i++
			continue
		}
		keep = append(keep, "'"+opts[i]+"'")
	}
	cmd.Env = append(os.Environ(),
		"GIT_SSH_COMMAND=ssh "+strings.Join(keep, " "),
		"GIT_AUTHOR_NAME=tester", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=tester", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+c.t.TempDir(),
	)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mustGit runs git and fails the test unless it succeeds.
func (c *client) mustGit(b *blog, dir string, args ...string) string {
	c.t.Helper()
	out, err := c.git(b, dir, args...)
	if err != nil {
		c.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return out
}

// clone clones b into a fresh folder as c and returns it.
func (c *client) clone(b *blog) string {
	c.t.Helper()
	dir := filepath.Join(c.t.TempDir(), "blog")
	c.mustGit(b, filepath.Dir(dir), "clone", gitRepoURL(b), dir)
	c.mustGit(b, dir, "config", "pull.rebase", "true")
	return dir
}

// writeIn writes a file under dir.
func writeIn(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readIn reads a file under dir, "" if there is none.
func readIn(dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	return string(b)
}

const draftPost = "---\ntitle: 초안\ndraft: true\n---\n비밀 초안\n"

// TestGitCloneViews: an author's clone has every post, drafts included,
// byte for byte as cat prints them; a reader's (a key that is not an
// author's, or no key) has only what a reader may cat, and no object of a
// draft; the same history gives the same commit ids.
func TestGitCloneViews(t *testing.T) {
	b := newBlog(t)
	ash, reader, nokey := newClient(t, "ash"), newClient(t, "reader"), keylessClient(t)
	b.addAuthor("ash", ash)
	b.start()
	ash.must(b, hello, "publish", "hello")
	ash.must(b, draftPost, "publish", "secret")
	ash.must(b, "---\ntitle: 나중에\ndate: 2099-01-01\n---\n미래의 글\n", "publish", "later")
	ash.must(b, hello+"고침\n", "publish", "hello")

	dir := ash.clone(b)
	for _, slug := range []string{"hello", "secret", "later", "march-2024-retrospective"} {
		want := ash.must(b, "", "cat", slug)
		if got := readIn(dir, "posts/"+slug+".md"); got != want {
			t.Errorf("author's clone: posts/%s.md = %q, want what cat prints, %q", slug, got, want)
		}
	}
	log := ash.mustGit(b, dir, "log", "--format=%an|%s")
	if !strings.Contains(log, "ash|edited hello (rev 2)") || !strings.Contains(log, "ash|published secret (rev 1)") {
		t.Errorf("author's log:\n%s", log)
	}

	for name, c := range map[string]*client{"reader": reader, "no key": nokey} {
		rdir := c.clone(b)
		if got, want := readIn(rdir, "posts/hello.md"), reader.must(b, "", "cat", "hello"); got != want {
			t.Errorf("%s: posts/hello.md = %q, want %q", name, got, want)
		}
		for _, hidden := range []string{"secret", "later"} {
			if _, err := os.Stat(filepath.Join(rdir, "posts", hidden+".md")); err == nil {
				t.Errorf("%s's clone has posts/%s.md", name, hidden)
			}
		}
		// Nothing in the objects: every object's content is searched.
		all := c.mustGit(b, rdir, "cat-file", "--batch-all-objects", "--batch")
		if strings.Contains(all, "비밀 초안") || strings.Contains(all, "미래의 글") || strings.Contains(all, "secret") {
			t.Errorf("%s's clone holds a draft or a scheduled post in its objects", name)
		}
		rlog := c.mustGit(b, rdir, "log", "--format=%H %s")
		if strings.Contains(rlog, "secret") || strings.Contains(rlog, "later") {
			t.Errorf("%s's log names hidden posts:\n%s", name, rlog)
		}
	}
	// Same history, same ids: a second clone has the same tip.
	again := ash.clone(b)
	if a, b2 := ash.mustGit(b, dir, "rev-parse", "HEAD"), ash.mustGit(b, again, "rev-parse", "HEAD"); a != b2 {
		t.Errorf("two clones of one history: %s and %s", a, b2)
	}
	// A reader cannot push, on any ref, with one clear line.
	rdir := reader.clone(b)
	writeIn(t, rdir, "posts/x.md", "---\ntitle: x\n---\nx\n")
	reader.mustGit(b, rdir, "add", "-A")
	reader.mustGit(b, rdir, "commit", "-qm", "x")
	out, err := reader.git(b, rdir, "push", "origin", "HEAD:refs/heads/other")
	if err == nil || !strings.Contains(out, "permission denied: only authors can push") {
		t.Errorf("a reader's push: err %v\n%s", err, out)
	}
	if !strings.Contains(ash.must(b, "", "whoami"), "ash") {
		t.Error("the server is not answering")
	}
}

// TestGitPushWrites: a push publishes a new post, edits one, removes one
// and renames one, each as a revision by the pusher; a publish over ssh
// then shows up on git pull as one new commit by its author.
func TestGitPushWrites(t *testing.T) {
	b := newBlog(t)
	ash, kim := newClient(t, "ash"), newClient(t, "kim")
	b.addAuthor("ash", ash)
	b.addAuthor("kim", kim)
	b.start()
	ash.must(b, hello, "publish", "hello")
	ash.must(b, "---\ntitle: 지울 글\n---\n지워요\n", "publish", "gone")
	ash.must(b, "---\ntitle: 옮길 글\n---\n옮겨요\n", "publish", "old-name")

	dir := ash.clone(b)
	writeIn(t, dir, "posts/new-post.md", "---\ntitle: 새 글\n---\n깃으로 쓴 글\n")
	writeIn(t, dir, "posts/hello.md", hello+"깃으로 고침\n")
	ash.mustGit(b, dir, "rm", "-q", "posts/gone.md")
	ash.mustGit(b, dir, "mv", "posts/old-name.md", "posts/new-name.md")
	ash.mustGit(b, dir, "add", "-A")
	ash.mustGit(b, dir, "commit", "-qm", "four changes")
	out := ash.mustGit(b, dir, "push")
	for _, want := range []string{"remote: published new-post rev 1", "remote: published hello rev 2", "remote: removed gone rev 2", "remote: renamed old-name to new-name rev 2"} {
		if !strings.Contains(out, want) {
			t.Errorf("push output lacks %q:\n%s", want, out)
		}
	}
	if got := ash.must(b, "", "cat", "new-post"); got != "---\ntitle: 새 글\n---\n깃으로 쓴 글\n" {
		t.Errorf("cat new-post = %q", got)
	}
	if got := ash.must(b, "", "cat", "hello"); got != hello+"깃으로 고침\n" {
		t.Errorf("cat hello = %q", got)
	}
	if r := ash.run(b, "", "cat", "gone"); r.code == 0 {
		t.Errorf("gone is still there: %q", r.stdout)
	}
	if got := ash.must(b, "", "cat", "old-name"); !strings.Contains(got, "옮겨요") {
		t.Errorf("the old name does not lead to the renamed post: %q", got)
	}
	if h := ash.must(b, "", "history", "hello"); !strings.Contains(h, "2\t") || !strings.Contains(h, "ash") {
		t.Errorf("history hello:\n%s", h)
	}
	// The pusher's commits are now the blog's: pull --rebase takes them.
	ash.mustGit(b, dir, "pull")
	if st := ash.mustGit(b, dir, "status", "--porcelain", "--branch"); strings.Contains(st, "ahead") || strings.Contains(st, "behind") {
		t.Errorf("after pull: %s", st)
	}
	// One push, one transaction, one commit of the blog's, by the pusher.
	if got := ash.mustGit(b, dir, "log", "-1", "--format=%an|%s"); got != "ash|4 changes\n" {
		t.Errorf("the push's commit is %q", got)
	}
	// Another author publishes over ssh: one new commit, by kim.
	before := ash.mustGit(b, dir, "rev-parse", "HEAD")
	kim.must(b, "---\ntitle: 김의 글\n---\n안녕\n", "publish", "kims")
	pull := ash.mustGit(b, dir, "pull")
	log := ash.mustGit(b, dir, "log", "--format=%an|%s", strings.TrimSpace(before)+"..HEAD")
	if log != "kim|published kims (rev 1)\n" {
		t.Errorf("after kim's publish, the new commits are:\n%s\n(pull said %s)", log, pull)
	}
	if got := readIn(dir, "posts/kims.md"); got != "---\ntitle: 김의 글\n---\n안녕\n" {
		t.Errorf("posts/kims.md = %q", got)
	}
}

// TestGitPushRefusals: a push with one bad file among good ones stores
// nothing and says why per file; a non-fast-forward (someone published
// since the fetch) and a force push are refused; paths outside posts/
// are refused until the blog keeps files.
func TestGitPushRefusals(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	ash.must(b, hello, "publish", "hello")
	dir := ash.clone(b)
	tip := ash.mustGit(b, dir, "rev-parse", "HEAD")

	writeIn(t, dir, "posts/good.md", "---\ntitle: 좋은 글\n---\n좋아요\n")
	writeIn(t, dir, "posts/bad.md", "---\ntitle: [깨진\n---\n나빠요\n")
	writeIn(t, dir, "posts/good2.md", "---\ntitle: 좋은 글 2\n---\n좋아요\n")
	writeIn(t, dir, "images/cat.png", "not really a png")
	ash.mustGit(b, dir, "add", "-A")
	ash.mustGit(b, dir, "commit", "-qm", "one bad")
	out, err := ash.git(b, dir, "push")
	if err == nil || !strings.Contains(out, "remote: posts/bad.md:") || !strings.Contains(out, "remote: images/cat.png: the bytes are not image/png") || !strings.Contains(out, "[remote rejected]") {
		t.Errorf("a push with a bad file: err %v\n%s", err, out)
	}
	for _, slug := range []string{"good", "good2", "bad"} {
		if r := ash.run(b, "", "cat", slug); r.code == 0 {
			t.Errorf("%s was stored by a refused push", slug)
		}
	}
	// Non-fast-forward: someone published since the fetch.
	ash.mustGit(b, dir, "reset", "-q", "--hard", strings.TrimSpace(tip))
	writeIn(t, dir, "posts/mine.md", "---\ntitle: 내 글\n---\n내 것\n")
	ash.mustGit(b, dir, "add", "-A")
	ash.mustGit(b, dir, "commit", "-qm", "mine")
	ash.must(b, "---\ntitle: 먼저\n---\n먼저 씀\n", "publish", "first")
	out, err = ash.git(b, dir, "push")
	if err == nil || !strings.Contains(out, "fetch first") {
		t.Errorf("a push behind the blog: err %v\n%s", err, out)
	}
	if r := ash.run(b, "", "cat", "mine"); r.code == 0 {
		t.Error("a push behind the blog stored its post")
	}
	// Force: the blog's history is never rewritten.
	ash.mustGit(b, dir, "fetch", "-q")
	out, err = ash.git(b, dir, "push", "--force")
	if err == nil || !strings.Contains(out, "non-fast-forward") || !strings.Contains(out, "never rewritten") {
		t.Errorf("a force push: err %v\n%s", err, out)
	}
	// Another branch, and deleting main, are refused.
	out, err = ash.git(b, dir, "push", "origin", "HEAD:refs/heads/topic")
	if err == nil || !strings.Contains(out, "one branch") {
		t.Errorf("a push to another branch: err %v\n%s", err, out)
	}
	out, err = ash.git(b, dir, "push", "origin", ":main")
	if err == nil || !strings.Contains(out, "does not support deleting refs") { // not advertised: git refuses itself
		t.Errorf("deleting main: err %v\n%s", err, out)
	}
	// After a rebase, the same push goes through.
	ash.mustGit(b, dir, "pull", "--rebase")
	if out := ash.mustGit(b, dir, "push"); !strings.Contains(out, "published mine rev 1") {
		t.Errorf("the rebased push:\n%s", out)
	}
}

// TestGitPushRace: two authors push at once from the same tip; one wins,
// the other is told to fetch first, and nothing of its push is stored.
func TestGitPushRace(t *testing.T) {
	b := newBlog(t)
	ash, kim := newClient(t, "ash"), newClient(t, "kim")
	b.addAuthor("ash", ash)
	b.addAuthor("kim", kim)
	b.start()
	dirs := map[string]string{"ash": ash.clone(b), "kim": kim.clone(b)}
	clients := map[string]*client{"ash": ash, "kim": kim}
	for name, dir := range dirs {
		writeIn(t, dir, "posts/by-"+name+".md", "---\ntitle: "+name+"\n---\n"+name+"\n")
		clients[name].mustGit(b, dir, "add", "-A")
		clients[name].mustGit(b, dir, "commit", "-qm", name)
	}
	var wg sync.WaitGroup
	outs := map[string]string{}
	errs := map[string]error{}
	var mu sync.Mutex
	for name, dir := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := clients[name].git(b, dir, "push")
			mu.Lock()
			outs[name], errs[name] = out, err
			mu.Unlock()
		}()
	}
	wg.Wait()
	won := 0
	for name := range dirs {
		stored := ash.run(b, "", "cat", "by-"+name).code == 0
		switch {
		case errs[name] == nil && stored:
			won++
		case errs[name] != nil && !stored && strings.Contains(outs[name], "fetch first"):
		default:
			t.Errorf("%s: err %v, stored %v:\n%s", name, errs[name], stored, outs[name])
		}
	}
	if won != 1 {
		t.Errorf("%d pushes won, want 1:\n%v", won, outs)
	}
}

// TestGitPushReview: with review required a push makes proposals, and
// the approval shows up as a commit on the next fetch; its files are
// stored, not reviewed.
func TestGitPushReview(t *testing.T) {
	b, ash, lee, _ := reviewedBlog(t)
	dir := ash.clone(b)
	writeIn(t, dir, "posts/reviewed.md", reviewPost("검토"))
	pic := pngBytes(t, 6, 6)
	writeIn(t, dir, "assets/reviewed.png", string(pic))
	ash.mustGit(b, dir, "add", "-A")
	ash.mustGit(b, dir, "commit", "-qm", "for review")
	out := ash.mustGit(b, dir, "push")
	if !strings.Contains(out, "remote: proposed reviewed rev 1 (needs a review)") || !strings.Contains(out, "remote: stored file /assets/reviewed.png rev 1") {
		t.Errorf("push with review required:\n%s", out)
	}
	// Files are not reviewed, as over scp.
	if code, _, body := httpGetType(t, b, "/assets/reviewed.png"); code != 200 || string(body) != string(pic) {
		t.Errorf("GET /assets/reviewed.png after a push under review: %d", code)
	}
	if r := lee.run(b, "", "cat", "reviewed"); r.code == 0 {
		t.Errorf("a proposal is readable before its review: %q", r.stdout)
	}
	lee.must(b, "", "approve", "reviewed", "1")
	ash.mustGit(b, dir, "pull")
	log := ash.mustGit(b, dir, "log", "-1", "--format=%an|%s")
	if log != "ash|approved reviewed (rev 1)\n" {
		t.Errorf("after the approval, the last commit is %q", log)
	}
	if got := readIn(dir, "posts/reviewed.md"); got != reviewPost("검토") {
		t.Errorf("posts/reviewed.md = %q", got)
	}
}

// TestGitURLForms: the usual URL forms reach the repository: a path from
// the root, from home, and git's scp-like HOST:blog.git through an ssh
// config; another path is refused with one line.
func TestGitURLForms(t *testing.T) {
	b := newBlog(t)
	reader := newClient(t, "reader")
	b.start()
	for _, url := range []string{"ssh://127.0.0.1:" + b.port + "/~/blog.git", "ssh://127.0.0.1:" + b.port + "/blog"} {
		dir := filepath.Join(t.TempDir(), "c")
		reader.mustGit(b, filepath.Dir(dir), "clone", url, dir)
		if readIn(dir, "posts/march-2024-retrospective.md") == "" {
			t.Errorf("%s: the clone lacks the built-in post", url)
		}
	}
	cfg := filepath.Join(t.TempDir(), "config")
	writeIn(t, filepath.Dir(cfg), "config", "Host myblog\n  HostName 127.0.0.1\n  Port "+b.port+
		"\n  IdentityFile "+reader.key+"\n  IdentitiesOnly yes\n  StrictHostKeyChecking accept-new\n  UserKnownHostsFile "+reader.knownHosts+"\n  LogLevel ERROR\n")
	dir := filepath.Join(t.TempDir(), "scp-like")
	cmd := exec.Command("git", "clone", "myblog:blog.git", dir)
	cmd.Env = append(os.Environ(), "GIT_SSH_COMMAND=ssh -F "+cfg, "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone myblog:blog.git: %v\n%s", err, out)
	}
	if readIn(dir, "posts/march-2024-retrospective.md") == "" {
		t.Error("the scp-like clone lacks the built-in post")
	}
	out, err := reader.git(b, t.TempDir(), "clone", "ssh://127.0.0.1:"+b.port+"/other.git", "x")
	if err == nil || !strings.Contains(out, "no such repository") {
		t.Errorf("cloning another path: err %v\n%s", err, out)
	}
}

// TestGitEtcdTwoServers: on etcd, a push through one server is stored in
// one transaction, and the other server, which learns of it through
// etcd, gives the same commits: the same history, the same ids.
func TestGitEtcdTwoServers(t *testing.T) {
	e := etcdtest.Start(t)
	a, b := newBlog(t, "BLOG_STORE=etcd://"+e.Client), newBlog(t)
	b.env, b.keys = a.env, a.keys
	hostKey := filepath.Join(a.dir, "host_key")
	ash := newClient(t, "ash")
	a.addAuthor("ash", ash)
	a.start("--host-key", hostKey)
	b.start("--host-key", hostKey)
	ash.must(a, hello, "publish", "hello")

	dir := ash.clone(a)
	writeIn(t, dir, "posts/etcd-post.md", "---\ntitle: etcd\n---\n이티시디\n")
	writeIn(t, dir, "posts/hello.md", hello+"고침\n")
	ash.mustGit(b, dir, "mv", "posts/march-2024-retrospective.md", "posts/retro.md")
	pic := pngBytes(t, 7, 7)
	writeIn(t, dir, "assets/etcd.png", string(pic))
	ash.mustGit(b, dir, "add", "-A")
	ash.mustGit(b, dir, "commit", "-qm", "four")
	out := ash.mustGit(a, dir, "push")
	for _, want := range []string{"published etcd-post rev 1", "published hello rev 2", "renamed march-2024-retrospective to retro", "stored file /assets/etcd.png rev 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("push on etcd lacks %q:\n%s", want, out)
		}
	}
	ash.mustGit(a, dir, "pull")
	// One etcd transaction, one commit.
	if got := ash.mustGit(a, dir, "log", "-1", "--format=%an|%s"); got != "ash|4 changes\n" {
		t.Errorf("the push's commit on etcd is %q", got)
	}
	want := ash.mustGit(a, dir, "rev-parse", "HEAD")
	deadline := time.Now().Add(10 * time.Second)
	for {
		other := ash.clone(b)
		got := ash.mustGit(b, other, "rev-parse", "HEAD")
		if got == want {
			if readIn(other, "assets/etcd.png") != string(pic) {
				t.Error("the other server's clone lacks the pushed picture")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the other server's tip is %s, this one's %s", got, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
