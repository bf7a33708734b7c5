package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/config"
)

// serve starts a blog in a temporary folder on a loopback listener that
// trusts PROXY headers from trusted, with at most two new connections a
// minute per address, and returns its address.
func serve(t *testing.T, trusted []string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Config{
		Data: filepath.Join(dir, "data"), Keys: filepath.Join(dir, "keys"), Title: "test",
		Location: time.UTC, HandshakeTimeout: 5 * time.Second, ConnectsPerIP: 2,
	}
	a, err := Open(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Listen("127.0.0.1:0", trusted)
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
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if from != "" {
		src := &net.TCPAddr{IP: net.ParseIP(from), Port: 40000}
		if _, err := proxyproto.HeaderProxyFromAddrs(2, src, conn.RemoteAddr()).WriteTo(conn); err != nil {
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
			// Plain connections work, and are counted for the real address:
			// the refused one above counted for 127.0.0.1 too.
			if !dial(t, addr, "") {
				t.Error("a plain connection failed")
			}
			if dial(t, addr, "") {
				t.Error("the limit of 127.0.0.1 did not hold: the header's address was used")
			}
		})
	}
}
