package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
	gossh "golang.org/x/crypto/ssh"
)

// The attacks of an anonymous client, each driven with x/crypto/ssh against
// the real binary: what was sent, and the bound that must hold.

// cpuTime is the CPU time process pid has used, from /proc.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	// The fields after the command's name, which is in parentheses.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	utime, _ := strconv.Atoi(fields[11])
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

// TestHugeTerminal asks for a 65535 x 65535 terminal, then for ten 600 x
// 600 ones on one connection, and presses Enter in each: the server grew
// to 5.9 GB in 46 s, and kept growing after the client left. Every
// program now sees a clamped size, and the server stays small.
func TestHugeTerminal(t *testing.T) {
	b := newBlog(t)
	b.start()
	before := rssKiB(t, b.cmd.Process.Pid)
	c := goClient(t, b)
	var outs []*lockedBuffer
	var stdins []io.WriteCloser
	for i, size := range []int{65535, 600, 600, 600, 600, 600, 600, 600, 600, 600} {
		s, out, stdin := tuiSession(t, c, "xterm-256color", size, size)
		defer s.Close()
		if i == 0 {
			if err := windowChange(s, 1<<31, 1<<31); err != nil {
				t.Fatal(err)
			}
		}
		outs = append(outs, out)
		stdins = append(stdins, stdin)
	}
	for _, in := range stdins {
		io.WriteString(in, "\r") // open the first post
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, out := range outs {
		for !strings.Contains(out.String(), "회고") && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
	}
	time.Sleep(2 * time.Second) // what grew without bound grew on
	after := rssKiB(t, b.cmd.Process.Pid)
	t.Logf("RSS %d MiB before, %d MiB with eleven huge terminals open", before>>10, after>>10)
	// The race detector multiplies memory; without it this is far smaller
	// (docs/BENCHMARKS.md). Unbounded, it was gigabytes.
	if grown := after - before; grown > 400<<10 {
		t.Errorf("eleven huge terminals grew the server by %d MiB", grown>>10)
	}
	if !strings.Contains(b.log.String(), "terminal size clamped") {
		t.Error("the clamp was not logged")
	}
	serving(t, b)
}

// TestManySessionsOnOneConnection opens sessions on one connection until it
// is refused, then on five connections from one address: one connection
// opened 4,000 reader sessions (and five 10,000: 1.67 GB) under the
// default limits. Now a connection has at most 10 sessions, and sessions
// count against the per-address limit.
func TestManySessionsOnOneConnection(t *testing.T) {
	b := newBlog(t)
	b.env = []string{"BLOG_MAX_SESSIONS_PER_IP=20"}
	b.start()
	open, refusedConns := 0, 0
	var conns []*gossh.Client
	for range 5 {
		c, err := dialGo(b)
		if err != nil { // the address's slots are taken
			refusedConns++
			continue
		}
		conns = append(conns, c)
		for range 15 {
			s, err := c.NewSession()
			if err != nil {
				var oc *gossh.OpenChannelError
				if !errors.As(err, &oc) || oc.Reason != gossh.ResourceShortage {
					t.Fatalf("session refused with %v", err)
				}
				continue
			}
			if err := s.RequestPty("xterm", 24, 80, nil); err != nil {
				t.Fatal(err)
			}
			if err := s.Shell(); err != nil {
				t.Fatal(err)
			}
			open++
		}
	}
	t.Logf("%d sessions opened on five connections from one address; %d connections refused", open, refusedConns)
	if open > 20 {
		t.Errorf("%d sessions open from one address; the limit is 20", open)
	}
	log := b.log.String()
	for _, want := range []string{"too many sessions on one connection", "session refused"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q", want)
		}
	}
	// Leaving is not an error, and frees the slots.
	for _, c := range conns {
		c.Close()
	}
	serving(t, b)
	if strings.Contains(b.log.String(), "app exit with error") || strings.Contains(b.log.String(), "level=ERROR") {
		t.Errorf("readers leaving were logged as errors:\n%s", b.log)
	}
}

// dialGo connects to b with x/crypto/ssh, or says why not.
func dialGo(b *blog) (*gossh.Client, error) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(priv)
	return gossh.Dial("tcp", b.addr, &gossh.ClientConfig{
		User: "many", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
}

// TestLongCommandLine sends exec requests of 200 KB: the command line was
// split again and again by a quadratic parser, 209 s of CPU for three. Now
// it is refused before it is parsed, with a line on stderr.
func TestLongCommandLine(t *testing.T) {
	b := newBlog(t)
	b.start()
	before := cpuTime(t, b.cmd.Process.Pid)
	for range 3 {
		s, err := goClient(t, b).NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		s.Stderr = &stderr
		err = s.Run("whoami " + strings.Repeat("x", 200<<10))
		var exit *gossh.ExitError
		if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(stderr.String(), "the most is 4096") {
			t.Errorf("a 200 KB command: %v, stderr %q", err, stderr.String())
		}
	}
	used := cpuTime(t, b.cmd.Process.Pid) - before
	t.Logf("three 200 KB command lines cost %v of the server's CPU (handshakes included)", used)
	if used > 2*time.Second {
		t.Errorf("three refused command lines cost %v of CPU", used)
	}
	if !strings.Contains(b.log.String(), "the command line is") {
		t.Error("the refusal was not logged")
	}
	serving(t, b)
}

// TestWindowChangeFloodThenDrop opens reader sessions that send 20,000
// window changes without reading a byte, then drop their connections: with
// three such clients and three slots, the blog told everyone "the blog is
// busy" for good. The slots must come back.
func TestWindowChangeFloodThenDrop(t *testing.T) {
	b := newBlog(t)
	b.start("--max-sessions", "3")
	var wg sync.WaitGroup
	for range 3 {
		c := goClient(t, b)
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RequestPty("xterm", 24, 80, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Shell(); err != nil { // and never read
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20_000 {
				if windowChange(s, uint32(20+i%200), uint32(10+i%50)) != nil {
					break
				}
			}
			c.Close()
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := newClient(t, "after").run(b, "", "ls")
		if r.code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slots of dropped connections were not given back: %q\n%s", r.stderr, b.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestSilentSocketsBehindTheBalancer opens, from the trusted balancer's
// address, connections that never send their PROXY header: the header was
// read inside the accept loop, so three of them stalled every new login of
// the front end for over 10 s. Logins go through while they are silent;
// each is closed and logged at the header's timeout. A PROXY header from an
// address that is not trusted is refused and logged.
func TestSilentSocketsBehindTheBalancer(t *testing.T) {
	b := newBlog(t)
	b.start("--proxy-protocol", "127.0.0.1")
	var silent []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", b.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
	}
	login := func(local string, header bool) error {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
		conn, err := d.Dial("tcp", b.addr)
		if err != nil {
			return err
		}
		defer conn.Close()
		if header {
			src := &net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 40000}
			if _, err := proxyproto.HeaderProxyFromAddrs(1, src, conn.RemoteAddr()).WriteTo(conn); err != nil {
				return err
			}
		}
		conn.SetDeadline(time.Now().Add(4 * time.Second)) // within the header's 5 s
		_, priv, _ := ed25519.GenerateKey(rand.Reader)
		signer, _ := gossh.NewSignerFromKey(priv)
		c, chans, reqs, err := gossh.NewClientConn(conn, b.addr, &gossh.ClientConfig{User: "r",
			Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)}, HostKeyCallback: gossh.InsecureIgnoreHostKey()})
		if err != nil {
			return err
		}
		client := gossh.NewClient(c, chans, reqs)
		defer client.Close()
		s, err := client.NewSession()
		if err != nil {
			return err
		}
		_, err = s.Output("whoami")
		return err
	}
	for i := range 3 {
		if err := login("127.0.0.1", true); err != nil {
			t.Fatalf("login %d behind the balancer while its silent sockets are open: %v", i, err)
		}
	}
	if err := login("127.0.0.2", true); err == nil {
		t.Error("a PROXY header from an address that is not trusted was accepted")
	}
	for _, c := range silent {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		io.ReadAll(c) // closed at the header's timeout
	}
	// The log reaches the test through a pipe: wait for it.
	var log string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if log = b.log.String(); strings.Count(log, "no valid PROXY header from a trusted proxy") >= len(silent) {
			break
		}
	}
	if n := strings.Count(log, "no valid PROXY header from a trusted proxy"); n < len(silent) {
		t.Errorf("%d of %d silent sockets were logged:\n%s", n, len(silent), log)
	}
	if !strings.Contains(log, "a PROXY header from an address that is not a trusted proxy") {
		t.Error("the forged header was not logged")
	}
}
