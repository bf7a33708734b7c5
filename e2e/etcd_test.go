package e2e

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store/etcdtest"
)

// TestTwoServersOneEtcd runs two sshblog processes on one etcd, sharing the
// host key and the keys folder: a publish through one is read through the
// other, in a pipe and in the reader; --if-rev races from both let exactly
// one win; with etcd down, reads go on and writes fail with one line; when
// it is back, both catch up without a restart.
func TestTwoServersOneEtcd(t *testing.T) {
	e := etcdtest.Start(t)
	a, b := newBlog(t, "BLOG_STORE=etcd://"+e.Client), newBlog(t)
	b.env, b.keys = a.env, a.keys // one keys folder for both
	hostKey := filepath.Join(a.dir, "host_key")
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	a.addAuthor("ash", ash)
	a.start("--host-key", hostKey)
	b.start("--host-key", hostKey)

	// The first server seeded the blog; the second found it there.
	if got := reader.must(b, "", "ls"); !strings.Contains(got, seedSlug) {
		t.Fatalf("ls through the second server: %q", got)
	}
	s := newScreen(t, 80, 24, reader.sshCommandLine(b))
	s.waitText("24년 3월 회고")

	start := time.Now()
	ash.must(a, hello, "publish", "hello")
	for {
		if r := reader.run(b, "", "cat", "hello"); r.code == 0 && r.stdout == hello {
			t.Logf("a publish through one server was read through the other after %v", time.Since(start).Round(time.Millisecond))
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("the post never reached the second server")
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.waitText("안녕하세요") // the open reader's list, without a key pressed

	// --if-rev races from both servers: one wins, the other is told.
	var wg sync.WaitGroup
	results := make([]result, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srv := a
			if i%2 == 1 {
				srv = b
			}
			results[i] = ash.run(srv, strings.Replace(hello, "첫 글입니다.", "경쟁", 1), "publish", "hello", "--if-rev", "1")
		}()
	}
	wg.Wait()
	won := 0
	for _, r := range results {
		switch {
		case r.code == 0:
			won++
		case !strings.Contains(r.stderr, "conflict"):
			t.Errorf("a racer failed otherwise: %q", r.stderr)
		}
	}
	if won != 1 {
		t.Errorf("%d of 8 --if-rev racers won, want 1", won)
	}

	// etcd goes away: what was read is still served, writes say why.
	e.Stop()
	if got := reader.must(b, "", "cat", "hello"); !strings.Contains(got, "경쟁") {
		t.Errorf("cat with etcd down: %q", got)
	}
	wantFail(t, "publish with etcd down", ash.run(a, hello, "publish", "down"), "unreachable; nothing was stored")
	// It comes back; both servers go on without a restart.
	e.Restart(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := ash.run(a, hello, "publish", "back")
		if r.code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no write after etcd came back: %q", r.stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if r := reader.run(b, "", "cat", "back"); r.code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second server did not catch up")
		}
	}
}

// TestMigrateBoltToEtcd moves a blog from its bbolt file to etcd with
// `sshblog migrate`, twice (the second takes nothing again), and serves it
// from etcd.
func TestMigrateBoltToEtcd(t *testing.T) {
	old := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	old.addAuthor("ash", ash)
	old.start()
	ash.must(old, hello, "publish", "hello")
	ash.must(old, "", "mv", "hello", "greetings")
	old.stop()

	e := etcdtest.Start(t)
	db := filepath.Join(old.data, "blog.db")
	for _, want := range []string{"copied 2 posts and 1 aliases, 0 already there", "copied 0 posts and 0 aliases, 2 already there"} {
		out, err := sshblog(t, "migrate", "--from", "bolt:"+db, "--to", "etcd://"+e.Client)
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("migrate: %v: %q, want %q", err, out, want)
		}
	}
	b := newBlog(t, "BLOG_STORE=etcd://"+e.Client)
	b.start()
	if got := reader.must(b, "", "cat", "hello"); got != hello {
		t.Errorf("cat by the old name on etcd: %q", got)
	}
	if got := reader.must(b, "", "history", "greetings"); strings.Count(got, "\n") != 2 {
		t.Errorf("the history on etcd: %q", got)
	}
}
