package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store/etcdtest"
)

// guideHAProxy is the HAProxy configuration of docs/SCALING.md, with its
// addresses put on loopback: the SSH and web ports it binds, and the
// front ends fes (fe1 at 10.0.0.21, and so on).
func guideHAProxy(t *testing.T, sshPort, webPort string, fes []*blog) string {
	t.Helper()
	doc, err := os.ReadFile("../docs/SCALING.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "```haproxy\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("docs/SCALING.md has no ```haproxy block")
	}
	block = strings.Replace(block, "bind :22\n", "bind 127.0.0.1:"+sshPort+"\n", 1)
	block = strings.Replace(block, "bind :80\n", "bind 127.0.0.1:"+webPort+"\n", 1)
	for i, fe := range fes {
		block = strings.ReplaceAll(block, fmt.Sprintf("10.0.0.2%d:23234", i+1), fe.addr)
		block = strings.ReplaceAll(block, fmt.Sprintf("10.0.0.2%d:8080", i+1), fe.http)
	}
	if strings.Contains(block, "10.0.0.") || !strings.Contains(block, "option redispatch") {
		t.Fatalf("the guide's configuration did not take the test's addresses:\n%s", block)
	}
	return block
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// TestHAProxyKillsAFrontEnd runs three front ends on one etcd behind
// HAProxy with the guide's own configuration, and authors publishing
// through it without a pause. One front end is stopped (SIGINT, as
// systemd's SIGTERM), then another killed (SIGKILL): no publish made after
// either fails (HAProxy sends it to a live front end: retries, redispatch),
// none under way on the stopped one fails, only some under way on the
// killed one when it died may be cut; every publish
// acknowledged is read back; and
// web pages name the public SSH address and the front ends log the
// clients' own addresses.
func TestHAProxyKillsAFrontEnd(t *testing.T) {
	if _, err := exec.LookPath("haproxy"); err != nil {
		if testing.Short() {
			t.Skip("haproxy is not installed")
		}
		t.Fatal("haproxy is not installed (apt-get install -y haproxy; scripts/test.sh does)")
	}
	e := etcdtest.Start(t)
	dir := t.TempDir()
	hostKey := filepath.Join(dir, "host_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-f", hostKey, "-N", "").CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	fes := make([]*blog, 3)
	for i := range fes {
		fes[i] = newBlog(t, "BLOG_STORE=etcd://"+e.Client, "BLOG_PROXY_PROTOCOL=127.0.0.1", "BLOG_SSH_URL=ssh://blog.example:22")
		if i > 0 {
			fes[i].keys = fes[0].keys
		}
	}
	const writers = 3
	authors := make([]*client, writers)
	for i := range authors {
		authors[i] = newClient(t, fmt.Sprintf("w%d", i))
		fes[0].addAuthor(fmt.Sprintf("w%d", i), authors[i])
	}
	for _, fe := range fes {
		fe.start("--host-key", hostKey)
	}
	if out, err := sshblog(t, "health", "--addr", fes[2].addr, "--proxy-protocol", "127.0.0.1"); err != nil || out != "ok\n" {
		t.Errorf("health of a front end that wants a PROXY header: %v: %q", err, out)
	}

	sshPort, webPort := freePort(t), freePort(t)
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(guideHAProxy(t, sshPort, webPort, fes)), 0o600); err != nil {
		t.Fatal(err)
	}
	hap := exec.Command("haproxy", "-db", "-f", cfg)
	var hapLog syncBuffer
	hap.Stdout, hap.Stderr = &hapLog, &hapLog
	if err := hap.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		hap.Process.Kill()
		hap.Wait()
	})
	lb := &blog{t: t, addr: "127.0.0.1:" + sshPort, port: sshPort, http: "127.0.0.1:" + webPort}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if r := authors[0].run(lb, "", "ls"); r.code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer through HAProxy:\n%s", hapLog.String())
		}
	}

	// A web page through the balancer names its address, and the front
	// end that served it logs the client's own.
	conn, err := net.Dial("tcp", lb.http)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /posts/%s HTTP/1.1\r\nHost: blog.example\r\nAccept: text/html\r\nConnection: close\r\n\r\n", seedSlug)
	page, _ := io.ReadAll(bufio.NewReader(conn))
	conn.Close()
	if !strings.Contains(string(page), "ssh blog.example read "+seedSlug) {
		t.Errorf("the page through HAProxy does not say ssh blog.example read %s:\n%.400s", seedSlug, page)
	}
	logged := regexp.MustCompile(`msg=http remote=` + regexp.QuoteMeta(conn.LocalAddr().String()) + ` method=GET`)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if logged.MatchString(fes[0].log.String() + fes[1].log.String() + fes[2].log.String()) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no front end logged the client's address %s", conn.LocalAddr())
		}
	}

	// Authors publish without a pause while front ends go.
	type publish struct {
		slug, src  string
		start, end time.Time
		r          result
	}
	var mu sync.Mutex
	var done []publish
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w, c := range authors {
		wg.Go(func() {
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				p := publish{slug: fmt.Sprintf("w%d-%d", w, n), src: fmt.Sprintf("# 글 %d-%d\n", w, n), start: time.Now()}
				p.r = c.run(lb, p.src, "publish", p.slug)
				p.end = time.Now()
				mu.Lock()
				done = append(done, p)
				mu.Unlock()
			}
		})
	}
	time.Sleep(time.Second)
	fes[0].stop() // SIGINT, as systemd's SIGTERM: it stops listening and finishes its sessions
	stopped := time.Now()
	time.Sleep(2 * time.Second)
	killed := time.Now()
	if err := fes[1].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	fes[1].cmd.Wait()
	dead := time.Now() // its sockets are closed by now
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()

	failed, cut := 0, 0
	for _, p := range done {
		if p.r.code == 0 {
			continue
		}
		if p.start.Before(dead) && p.end.After(killed) {
			// Under way on the front end that died, perhaps: its
			// connection is cut. One that stops finishes what it has.
			cut++
			continue
		}
		failed++
		t.Errorf("publish %s (%v to %v; stopped at %v, killed at %v) failed: %q", p.slug,
			p.start.Format("05.000"), p.end.Format("05.000"), stopped.Format("05.000"), killed.Format("05.000"), p.r.stderr)
	}
	t.Logf("%d publishes through HAProxy while a front end was stopped and another killed: %d failed, %d under way at the kill were cut", len(done), failed, cut)
	// Every acknowledged publish is there, read through the last front end.
	for _, p := range done {
		if p.r.code != 0 {
			continue
		}
		if got := authors[0].run(lb, "", "cat", p.slug); got.code != 0 || got.stdout != p.src {
			t.Errorf("acknowledged %s reads %q (%q)", p.slug, got.stdout, got.stderr)
		}
	}
}
