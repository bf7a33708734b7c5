package server

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// firstLine connects to addr and returns the first line the server sends,
// or "" if the connection was accepted (the test server writes nothing).
func firstLine(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line)
}

// serveLimited accepts connections, admits them through the limits as the
// SSH server does, and hands those admitted to the test, which holds them
// open; closing one releases its slot.
func serveLimited(t *testing.T, total, perIP, perMinute int) (string, chan net.Conn) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newLimits(slog.New(slog.NewTextHandler(io.Discard, nil)), total, perIP, perMinute)
	t.Cleanup(func() { inner.Close() })
	accepted := make(chan net.Conn, 100)
	go func() {
		for {
			c, err := inner.Accept()
			if err != nil {
				return
			}
			go func() {
				if c := l.admitConn(nil, c); c != nil {
					accepted <- c
				}
			}()
		}
	}()
	return inner.Addr().String(), accepted
}

func TestLimitPerIP(t *testing.T) {
	addr, accepted := serveLimited(t, 0, 2, 0)
	for range 2 {
		if line := firstLine(t, addr); line != "" {
			t.Fatalf("a connection within the limit was refused: %q", line)
		}
	}
	if line := firstLine(t, addr); !strings.Contains(line, "too many open connections") {
		t.Errorf("the third connection got %q", line)
	}
	// Closing one frees its slot.
	(<-accepted).Close()
	time.Sleep(50 * time.Millisecond)
	if line := firstLine(t, addr); line != "" {
		t.Errorf("after a close, a connection was refused: %q", line)
	}
}

func TestLimitTotal(t *testing.T) {
	addr, _ := serveLimited(t, 1, 0, 0)
	firstLine(t, addr)
	if line := firstLine(t, addr); !strings.Contains(line, "busy") {
		t.Errorf("over the total limit: %q", line)
	}
}

func TestLimitRate(t *testing.T) {
	addr, accepted := serveLimited(t, 0, 0, 3)
	for range 3 {
		firstLine(t, addr)
		(<-accepted).Close()
	}
	if line := firstLine(t, addr); !strings.Contains(line, "too many new connections") {
		t.Errorf("over the rate: %q", line)
	}
}

func TestRemoteIPGroupsIPv6Networks(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:22":                  "192.0.2.7",
		"[::ffff:192.0.2.7]:22":         "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:22":     "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff:ffff::]:22": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:22":          "2001:db8:1:3::/64",
	} {
		tcp, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := remoteIP(addrOnly{tcp}); got != want {
			t.Errorf("%s counts as %q, want %q", addr, got, want)
		}
	}
}

// addrOnly has a remote address and nothing else.
type addrOnly struct{ addr net.Addr }

func (a addrOnly) RemoteAddr() net.Addr { return a.addr }
