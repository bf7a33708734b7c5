package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/server"
)

// serve starts a blog in a temporary folder on a loopback listener that
// trusts PROXY headers from trusted, with at most two new connections a
// minute per address, and returns its address.
func serve(t *testing.T, trusted []string) string {
	t.Helper()
	return serveLogged(t, trusted, slog.New(slog.DiscardHandler))
}

// serveLogged is serve, logging to log.
func serveLogged(t *testing.T, trusted []string, log *slog.Logger) string {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Config{
		Data: filepath.Join(dir, "data"), Keys: filepath.Join(dir, "keys"), Title: "test",
		Location: time.UTC, HandshakeTimeout: 5 * time.Second, ConnectsPerIP: 2,
	}
	a, err := Open(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen("127.0.0.1:0", trusted, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, Listeners{SSH: l}, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return l.Addr().String()
}

// dial opens an SSH session to addr, first sending a PROXY v2 header that
// claims the client is at from (none if from is empty), and runs whoami.
// It reports whether the command ran.
func dial(t *testing.T, addr, from string) bool {
	t.Helper()
	return dialVersion(t, addr, from, 2)
}

// dialVersion is dial with a PROXY header of the given version.
func dialVersion(t *testing.T, addr, from string, version byte) bool {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if from != "" {
		src := &net.TCPAddr{IP: net.ParseIP(from), Port: 40000}
		if _, err := proxyproto.HeaderProxyFromAddrs(version, src, conn.RemoteAddr()).WriteTo(conn); err != nil {
			t.Fatal(err)
		}
	}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(key)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	c, chans, reqs, err := gossh.NewClientConn(conn, addr, &gossh.ClientConfig{
		User: "reader", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)}, HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		return false
	}
	client := gossh.NewClient(c, chans, reqs)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return false
	}
	defer sess.Close()
	out, err := sess.Output("whoami")
	return err == nil && string(out) == "reader\n"
}

func TestProxyHeaderFromATrustedBalancer(t *testing.T) {
	addr := serve(t, []string{"127.0.0.1/32"})
	// Two new connections a minute per address: the limit is kept for the
	// address the header carries, not for the balancer's.
	for i, c := range []struct {
		from string
		ok   bool
	}{
		{"203.0.113.7", true},
		{"203.0.113.7", true},
		{"203.0.113.7", false}, // that client's third connection this minute
		{"198.51.100.9", true}, // another client behind the same balancer
		{"", false},            // the balancer must send a header
	} {
		if got := dial(t, addr, c.from); got != c.ok {
			t.Errorf("connection %d from %q: ran = %v, want %v", i+1, c.from, got, c.ok)
		}
	}
}

func TestProxyHeaderFromAnyoneElseIsNotTrusted(t *testing.T) {
	for name, trusted := range map[string][]string{"off": nil, "another balancer": {"192.0.2.1"}} {
		t.Run(name, func(t *testing.T) {
			addr := serve(t, trusted)
			if dial(t, addr, "203.0.113.7") {
				t.Error("a PROXY header from an untrusted address was accepted")
			}
			if dialVersion(t, addr, "203.0.113.8", 1) {
				t.Error("a PROXY v1 header from an untrusted address was accepted")
			}
			// Plain connections work, and are counted for the real address:
			// the refused ones above counted for 127.0.0.1 too.
			if dial(t, addr, "") {
				t.Error("the limit of 127.0.0.1 did not hold: the header's address was used")
			}
		})
	}
}

// TestSilentBalancerSocketsHoldUpNobody opens connections from the trusted
// balancer's address that never send their header: the PROXY header was
// read inside Accept, so each stalled every login of the front end until
// its 5 s timeout. A login must now go through while they are silent, and
// each is closed at its timeout with a log line.
func TestSilentBalancerSocketsHoldUpNobody(t *testing.T) {
	var log syncBuffer
	addr := serveLogged(t, []string{"127.0.0.1/32"}, slog.New(slog.NewTextHandler(&log, nil)))
	var silent []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		silent = append(silent, c)
	}
	if !dial(t, addr, "203.0.113.7") {
		t.Fatal("a login behind the balancer failed while its silent sockets were open")
	}
	// The silent sockets are still open: the login did not wait them out.
	for i, c := range silent {
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err == nil || !os.IsTimeout(err) {
			t.Errorf("silent socket %d was answered or closed before the login: %v", i, err)
		}
	}
	// At the header timeout each is closed, and logged.
	for i, c := range silent {
		c.SetReadDeadline(time.Now().Add(proxyHeaderTimeout + 5*time.Second))
		if _, err := io.ReadAll(c); err != nil {
			t.Errorf("silent socket %d: %v", i, err)
		}
	}
	if n := strings.Count(log.String(), "no valid PROXY header from a trusted proxy"); n < len(silent) {
		t.Errorf("%d of %d trusted connections without a header were logged:\n%s", n, len(silent), log.String())
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestWebLogsTheProxiedAddress: behind a trusted balancer, the web's log
// line of a request names the address the PROXY header carried.
func TestWebLogsTheProxiedAddress(t *testing.T) {
	dir := t.TempDir()
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := config.Config{
		Data: filepath.Join(dir, "data"), Keys: filepath.Join(dir, "keys"), Title: "test",
		Location: time.UTC, HandshakeTimeout: 5 * time.Second, HTTPAddr: "127.0.0.1:0",
	}
	a, err := Open(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ssh, err := Listen("127.0.0.1:0", nil, log)
	if err != nil {
		t.Fatal(err)
	}
	web, err := Listen("127.0.0.1:0", []string{"127.0.0.1"}, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, Listeners{SSH: ssh, Web: web}, time.Second) }()
	defer func() {
		cancel()
		<-done
		a.Close()
	}()
	conn, err := net.Dial("tcp", web.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	src := &net.TCPAddr{IP: net.ParseIP("203.0.113.7"), Port: 40000}
	if _, err := proxyproto.HeaderProxyFromAddrs(2, src, conn.RemoteAddr()).WriteTo(conn); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, "GET /feed.xml HTTP/1.1\r\nHost: blog.example\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(conn)
	if err != nil || !strings.HasPrefix(string(resp), "HTTP/1.1 200") {
		t.Fatalf("the feed through a PROXY header: %v: %.80q", err, resp)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), "remote=203.0.113.7:40000 method=GET path=/feed.xml"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line with the proxied address:\n%s", logs.String())
		}
	}
}

// TestHealthThroughProxyProtocol: `sshblog health` against a front end
// that trusts the prober's own address sends a PROXY v2 LOCAL header and
// is answered; without one the front end waits for it and the probe fails.
func TestHealthThroughProxyProtocol(t *testing.T) {
	ctx := context.Background()
	trusting := serve(t, []string{"127.0.0.0/8"})
	if err := server.Probe(ctx, trusting, []string{"127.0.0.0/8"}); err != nil {
		t.Errorf("health with proxy-protocol trusting the prober: %v", err)
	}
	if err := server.Probe(ctx, trusting, nil); err == nil {
		t.Error("a probe without a PROXY header was answered by a front end that requires one")
	}
	// A balancer elsewhere: the prober is not trusted and sends none.
	elsewhere := serve(t, []string{"10.0.0.5"})
	if err := server.Probe(ctx, elsewhere, []string{"10.0.0.5"}); err != nil {
		t.Errorf("health with proxy-protocol trusting another address: %v", err)
	}
}
