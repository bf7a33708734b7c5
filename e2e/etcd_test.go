package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

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

	// etcd goes away: what was read is still served, writes say why, and
	// the open reader says so.
	e.Stop()
	s.waitText("store is away")
	if got := reader.must(b, "", "cat", "hello"); !strings.Contains(got, "경쟁") {
		t.Errorf("cat with etcd down: %q", got)
	}
	wantFail(t, "publish with etcd down", ash.run(a, hello, "publish", "down"), "the store is away (etcd unreachable); nothing was stored")
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
	s.waitFor("the notice gone", func(screen string) bool { return !strings.Contains(screen, "store is away") })
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
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	// A source that is not there is an error, and nothing is written:
	// it made an empty file, wrote the schema key and said "copied 0".
	typo := filepath.Join(old.dir, "typo.db")
	if out, err := sshblog(t, "migrate", "--from", "bolt:"+typo, "--to", "etcd://"+e.Client, "--store-prefix", "/typo"); err == nil || !strings.Contains(out, "no blog at bolt:"+typo) {
		t.Errorf("migrate from a missing file: %v: %q", err, out)
	}
	if _, err := os.Stat(typo); err == nil {
		t.Error("migrate created its missing source")
	}
	if out, err := sshblog(t, "migrate", "--from", "etcd://"+e.Client, "--to", "bolt:"+filepath.Join(old.dir, "out.db"), "--store-prefix", "/nothing"); err == nil || !strings.Contains(out, "no blog at etcd://") {
		t.Errorf("migrate from an empty etcd prefix: %v: %q", err, out)
	}
	if keys := etcdKeys(t, e.Client, "/"); len(keys) != 0 {
		t.Errorf("failed migrations wrote to etcd: %q", keys)
	}
	for _, want := range []string{"copied 2 posts, 1 aliases and 0 proposals, 0 posts already there", "copied 0 posts, 0 aliases and 0 proposals, 2 posts already there"} {
		out, err := sshblog(t, "migrate", "--from", "bolt:"+db, "--to", "etcd://"+e.Client)
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("migrate: %v: %q, want %q", err, out, want)
		}
	}
	// The source's bytes are as they were: it is opened read-only.
	if after, err := os.ReadFile(db); err != nil || !bytes.Equal(before, after) {
		t.Errorf("migrate changed its source file (%v)", err)
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

// TestEtcdKillAndDelay kills one of two servers on one etcd with SIGKILL
// while authors publish through it, and checks that every acknowledged
// revision is read through the other; it also measures how long a publish
// through one server takes to be read through the other (logged, not
// asserted: a figure for the closing note).
func TestEtcdKillAndDelay(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a server")
	}
	e := etcdtest.Start(t)
	a, b := newBlog(t, "BLOG_STORE=etcd://"+e.Client), newBlog(t)
	b.env, b.keys = a.env, a.keys
	hostKey := filepath.Join(a.dir, "host_key")
	const writers = 3
	authors := make([]*client, writers)
	for i := range authors {
		authors[i] = newClient(t, fmt.Sprintf("w%d", i))
		a.addAuthor(fmt.Sprintf("w%d", i), authors[i])
	}
	reader := newClient(t, "reader")
	a.start("--host-key", hostKey)
	b.start("--host-key", hostKey)

	// The delay from a publish through a to a read through b.
	var delays []time.Duration
	for i := range 15 {
		src := fmt.Sprintf("# delay %d\n", i)
		start := time.Now()
		authors[0].must(a, src, "publish", "delay")
		for reader.run(b, "", "cat", "delay").stdout != src {
			if time.Since(start) > 10*time.Second {
				t.Fatal("a publish never reached the other server")
			}
		}
		delays = append(delays, time.Since(start))
	}
	slices.Sort(delays)
	t.Logf("publish through one server, read through the other (ssh round trips included): p50 %v, max of 15 %v",
		delays[len(delays)/2].Round(time.Millisecond), delays[len(delays)-1].Round(time.Millisecond))

	acked := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w, c := range authors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				slug := fmt.Sprintf("kill-%d", w)
				src := fmt.Sprintf("# writer %d try %d 한글\n", w, n)
				r := c.run(a, src, "publish", slug)
				var rev int
				if r.code != 0 {
					return // the server died under us
				}
				if _, err := fmt.Sscanf(r.stdout, "published "+slug+" rev %d\n", &rev); err == nil {
					mu.Lock()
					acked[fmt.Sprintf("%s@%d", slug, rev)] = src
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	a.cmd.Process.Kill()
	a.cmd.Wait()
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("nothing was acknowledged before the kill")
	}
	for key, src := range acked {
		if got := reader.must(b, "", "cat", key); got != src {
			t.Errorf("acknowledged %s reads %q through the other server, want %q", key, got, src)
		}
	}
	t.Logf("%d revisions acknowledged before SIGKILL, all read through the other server", len(acked))
}

// etcdKeys lists the keys under prefix in the etcd at endpoint.
func etcdKeys(t *testing.T, endpoint, prefix string) []string {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range resp.Kvs {
		keys = append(keys, string(kv.Key))
	}
	return keys
}
