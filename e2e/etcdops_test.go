package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/boltstore"
	"github.com/sshblog/sshblog/internal/store/etcdstore"
	"github.com/sshblog/sshblog/internal/store/etcdtest"
)

// timed runs f and returns how long it took.
func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// TestQuorumLoss runs two front ends on a three-member etcd cluster and
// kills two members. Through the front end that learnt the posts only
// from etcd, feeds (built there for the first time), history and export
// are served from memory; stats,
// which needs the store, fails at once saying it is away; the first write
// finds the outage out and the next fails in under a second.
func TestQuorumLoss(t *testing.T) {
	members := etcdtest.StartCluster(t, 3)
	etcdEnv := "BLOG_STORE=etcd://" + etcdtest.Endpoints(members)
	a, b := newBlog(t, etcdEnv, "BLOG_BASE_URL=https://blog.example"), newBlog(t)
	b.env, b.keys = a.env, a.keys
	hostKey := filepath.Join(a.dir, "host_key")
	ash := newClient(t, "ash")
	a.addAuthor("ash", ash)
	a.start("--host-key", hostKey)
	b.start("--host-key", hostKey)

	ash.must(a, hello, "publish", "hello")
	ash.must(a, strings.Replace(hello, "첫 글입니다.", "고친 글입니다.", 1), "publish", "hello")
	ash.must(a, "", "mv", "hello", "greetings")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r := ash.run(b, "", "history", "greetings"); r.code == 0 && strings.Count(r.stdout, "\n") == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second front end never saw the renamed post")
		}
	}
	// The feeds as the first front end builds them; the second builds its
	// own only during the outage.
	before := map[string]string{}
	for _, path := range []string{"/feed.xml", "/tags/%EC%9D%B8%EC%82%AC/feed.xml"} {
		code, body := httpGet(t, a, path)
		if code != 200 || !strings.Contains(body, "<entry>") {
			t.Fatalf("%s before the outage: %d %q", path, code, body)
		}
		before[path] = body
	}
	time.Sleep(500 * time.Millisecond) // the read-ahead of the histories

	members[1].Stop()
	members[2].Stop()
	var first result
	d := timed(func() { first = ash.run(b, hello, "publish", "during") })
	t.Logf("the first write of the outage failed after %v", d.Round(time.Millisecond))
	wantFail(t, "the first publish of the outage", first, "the store is away (etcd unreachable); nothing was stored")

	var r result
	d = timed(func() { r = ash.run(b, hello, "publish", "during") })
	t.Logf("a write during a known outage failed after %v (the ssh round trip included)", d.Round(time.Millisecond))
	wantFail(t, "a publish during a known outage", r, "sshblog: publish: the store is away (etcd unreachable); nothing was stored")
	if d > time.Second {
		t.Errorf("a write during a known outage took %v, want under 1 s", d)
	}

	for _, path := range []string{"/feed.xml", "/tags/%EC%9D%B8%EC%82%AC/feed.xml"} {
		var code int
		var body string
		d := timed(func() { code, body = httpGet(t, b, path) })
		t.Logf("GET %s during the outage: %d after %v", path, code, d.Round(time.Millisecond))
		if code != 200 || body != before[path] {
			t.Errorf("%s during the outage: %d, the same feed as before: %v", path, code, body == before[path])
		}
	}
	d = timed(func() { r = ash.run(b, "", "history", "greetings") })
	t.Logf("history during the outage: exit %d after %v", r.code, d.Round(time.Millisecond))
	if r.code != 0 || strings.Count(r.stdout, "\n") != 3 {
		t.Errorf("history during the outage: %q %q", r.stdout, r.stderr)
	}
	d = timed(func() { r = ash.run(b, "", "export") })
	t.Logf("export during the outage: exit %d, %d bytes after %v", r.code, len(r.stdout), d.Round(time.Millisecond))
	if r.code != 0 || len(r.stdout) < 1024 {
		t.Errorf("export during the outage: exit %d, %q", r.code, r.stderr)
	}
	d = timed(func() { r = ash.run(b, "", "stats") })
	t.Logf("stats during the outage: exit %d after %v", r.code, d.Round(time.Millisecond))
	wantFail(t, "stats during the outage", r, "sshblog: stats: the store is away (etcd unreachable); try again soon")
	if d > 2*time.Second {
		t.Errorf("stats during the outage took %v", d)
	}
	d = timed(func() { r = ash.run(b, "", "backup") })
	t.Logf("backup during the outage: exit %d after %v", r.code, d.Round(time.Millisecond))
	wantFail(t, "backup during the outage", r, "the store is away (etcd unreachable); try again soon")

	// The quorum comes back: writes go through again.
	members[1].Restart(t)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if r := ash.run(b, hello, "publish", "after"); r.code == 0 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("no write after the quorum came back: %q", r.stderr)
		}
	}
}

// TestBackupRestoresIntoEitherStore takes `ssh HOST backup` of a blog in
// etcd (JSON lines) with edits, a rename (an alias), a removal and review
// proposals, restores it with `sshblog restore` into a bbolt file and into
// a fresh etcd prefix, and compares both with the blog post by post and
// revision by revision, proposals and aliases too.
func TestBackupRestoresIntoEitherStore(t *testing.T) {
	e := etcdtest.Start(t)
	b := newBlog(t, "BLOG_STORE=etcd://"+e.Client, "BLOG_REVIEW=required")
	ash, lee := newClient(t, "ash"), newClient(t, "lee")
	b.addAuthor("ash", ash)
	b.addAuthor("lee", lee)
	b.start()
	ash.must(b, reviewPost("첫 글"), "publish", "first")
	lee.must(b, "", "review", "first") // approve approves what review showed
	lee.must(b, "", "approve", "first")
	ash.must(b, reviewPost("고친 글"), "publish", "first", "--if-rev", "1")
	lee.must(b, "", "comment", "first", "좋네요")
	lee.must(b, "", "review", "first")
	lee.must(b, "", "approve", "first")
	ash.must(b, reviewPost("아직"), "publish", "first", "--if-rev", "2") // stays open
	lee.must(b, reviewPost("둘째 글"), "publish", "second")
	ash.must(b, "", "reject", "second", "--why", "아직 아니에요")
	lee.must(b, reviewPost("셋째 글"), "publish", "third")
	ash.must(b, "", "review", "third")
	ash.must(b, "", "approve", "third")
	lee.must(b, "", "mv", "third", "renamed")
	lee.must(b, "", "rm", "renamed")

	dump := filepath.Join(b.dir, "blog.jsonl")
	if err := os.WriteFile(dump, []byte(ash.must(b, "", "backup")), 0o600); err != nil {
		t.Fatal(err)
	}
	b.stop()
	boltPath := filepath.Join(b.dir, "restored.db")
	for _, to := range [][]string{{"--to", "bolt:" + boltPath}, {"--to", "etcd://" + e.Client, "--store-prefix", "/restored"}} {
		out, err := sshblog(t, append([]string{"restore", dump}, to...)...)
		if err != nil || !strings.Contains(out, "restored 3 posts, 1 aliases and 5 proposals, 0 posts already there; every revision checked") {
			t.Fatalf("restore %v: %v: %q", to, err, out)
		}
	}
	if out, err := sshblog(t, "restore", filepath.Join(b.dir, "nothing"), "--to", "bolt:"+filepath.Join(b.dir, "x.db")); err == nil || !strings.Contains(out, "no backup at") {
		t.Errorf("restore of a missing file: %v: %q", err, out)
	}

	ctx := context.Background()
	orig := openEtcd(t, e.Client, "/sshblog")
	db, err := boltstore.OpenReadOnly(boltPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	restored := openEtcd(t, e.Client, "/restored")
	for name, got := range map[string]store.Store{"bolt": db, "etcd": restored} {
		compareBlogs(ctx, t, name, orig, got)
	}

	// The bbolt file restores too, into a fresh prefix.
	out, err := sshblog(t, "restore", boltPath, "--to", "etcd://"+e.Client, "--store-prefix", "/again")
	if err != nil || !strings.Contains(out, "restored 3 posts") {
		t.Fatalf("restore of a bbolt file: %v: %q", err, out)
	}
	compareBlogs(ctx, t, "etcd from bolt", orig, openEtcd(t, e.Client, "/again"))
}

// openEtcd opens the blog under prefix, read as a migration reads it.
func openEtcd(t *testing.T, endpoint, prefix string) *etcdstore.Store {
	t.Helper()
	s, err := etcdstore.Open(context.Background(), etcdstore.Config{Endpoints: []string{endpoint}, Prefix: prefix, Existing: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// compareBlogs checks that got holds want's posts, each revision's
// author, time, action and bytes, its aliases and its proposals.
func compareBlogs(ctx context.Context, t *testing.T, name string, want, got store.Store) {
	t.Helper()
	we, ge := want.AllEntries(), got.AllEntries()
	if len(we) != len(ge) {
		t.Fatalf("%s: %d posts, want %d", name, len(ge), len(we))
	}
	for i := range we {
		if fmt.Sprint(we[i]) != fmt.Sprint(ge[i]) {
			t.Errorf("%s: post %d is %+v, want %+v", name, i, ge[i], we[i])
		}
		wh, err1 := want.History(ctx, we[i].Slug)
		gh, err2 := got.History(ctx, we[i].Slug)
		if err1 != nil || err2 != nil || len(wh) != len(gh) {
			t.Errorf("%s: the history of %s: %d revisions (%v), want %d (%v)", name, we[i].Slug, len(gh), err2, len(wh), err1)
			continue
		}
		for j := range wh {
			wr, err1 := want.Revision(ctx, we[i].Slug, wh[j].Rev)
			gr, err2 := got.Revision(ctx, we[i].Slug, gh[j].Rev)
			if err1 != nil || err2 != nil || wr.Rev != gr.Rev || wr.Author != gr.Author || !wr.Time.Equal(gr.Time) || wr.Action != gr.Action || string(wr.Source) != string(gr.Source) {
				t.Errorf("%s: %s@%d differs: %+v (%v), want %+v (%v)", name, we[i].Slug, wh[j].Rev, gr, err2, wr, err1)
			}
		}
	}
	if wa, ga := want.Aliases(), got.Aliases(); !slices.Equal(wa, ga) || len(wa) == 0 {
		t.Errorf("%s: aliases %q, want %q", name, ga, wa)
	}
	wp, err1 := want.Proposals(ctx, "")
	gp, err2 := got.Proposals(ctx, "")
	if err1 != nil || err2 != nil || len(wp) != len(gp) || len(wp) == 0 {
		t.Fatalf("%s: %d proposals (%v), want %d (%v)", name, len(gp), err2, len(wp), err1)
	}
	for i := range wp {
		a, err1 := want.Proposal(ctx, wp[i].Slug, wp[i].N)
		b, err2 := got.Proposal(ctx, gp[i].Slug, gp[i].N)
		if err1 != nil || err2 != nil || string(store.EncodeProposal(a)) != string(store.EncodeProposal(b)) {
			t.Errorf("%s: proposal %d of %s differs (%v, %v)", name, wp[i].N, wp[i].Slug, err1, err2)
		}
	}
}

// TestBackupRestoreThousands backs up an etcd blog of 3,000 posts over
// ssh and restores it into a bbolt file and a fresh etcd prefix, logging
// how long each takes (figures for docs/SCALING.md). It takes a minute or
// two, so it runs only with SSHBLOG_FIGURES=1; TestBackupRestoresIntoEitherStore
// checks the same path on every run.
func TestBackupRestoreThousands(t *testing.T) {
	if os.Getenv("SSHBLOG_FIGURES") == "" {
		t.Skip("a figure for docs/SCALING.md; set SSHBLOG_FIGURES=1 to measure it")
	}
	const n = 3000
	files := make([][2]string, 0, n)
	para := strings.Repeat("오늘은 터미널에서 읽는 블로그에 대해 생각했다. ", 20)
	for i := range n {
		files = append(files, [2]string{fmt.Sprintf("content/posts/%04d-글.md", i),
			fmt.Sprintf("---\ntitle: '%d번째 글'\ndate: 2023-%02d-%02d\ntags: [회고]\n---\n\n%s\n", i, i%12+1, i%28+1, para)})
	}
	e := etcdtest.Start(t)
	b := newBlog(t, "BLOG_STORE=etcd://"+e.Client)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	d := timed(func() { ash.must(b, makeTar(t, true, files), "import") })
	t.Logf("imported %d posts into etcd in %v", n, d.Round(time.Millisecond))
	var dump string
	d = timed(func() { dump = ash.must(b, "", "backup") })
	t.Logf("ssh backup of %d posts: %d KiB of JSON lines in %v", n+1, len(dump)>>10, d.Round(time.Millisecond))
	path := filepath.Join(b.dir, "blog.jsonl")
	if err := os.WriteFile(path, []byte(dump), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, to := range [][]string{{"--to", "bolt:" + filepath.Join(b.dir, "restored.db")}, {"--to", "etcd://" + e.Client, "--store-prefix", "/restored"}} {
		var out string
		var err error
		d := timed(func() { out, err = sshblog(t, append([]string{"restore", path}, to...)...) })
		t.Logf("restore %s: %v: %s", to[1], d.Round(time.Millisecond), strings.TrimSpace(out))
		if err != nil || !strings.Contains(out, fmt.Sprintf("restored %d posts", n+1)) {
			t.Errorf("restore %v: %v: %q", to, err, out)
		}
	}
}
