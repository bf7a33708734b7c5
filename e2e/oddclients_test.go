package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// goClient connects to b with x/crypto/ssh, for clients OpenSSH cannot
// imitate: odd window sizes, floods of resizes, never reading.
func goClient(t *testing.T, b *blog) *gossh.Client {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := gossh.Dial("tcp", b.addr, &gossh.ClientConfig{
		User:            "odd",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// lockedBuffer collects a session's output safely.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// windowChange sends a window-change request.
func windowChange(s *gossh.Session, w, h uint32) error {
	payload := gossh.Marshal(struct{ W, H, PW, PH uint32 }{w, h, 0, 0})
	_, err := s.SendRequest("window-change", false, payload)
	return err
}

// tuiSession opens a TUI session with a PTY of the given size and TERM.
func tuiSession(t *testing.T, c *gossh.Client, term string, w, h int) (*gossh.Session, *lockedBuffer, io.WriteCloser) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	s.Stdout = out
	stdin, err := s.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RequestPty(term, h, w, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Shell(); err != nil {
		t.Fatal(err)
	}
	return s, out, stdin
}

// serving checks that the blog still answers a plain command.
func serving(t *testing.T, b *blog) {
	t.Helper()
	if got := newClient(t, "check").must(b, "", "ls"); !strings.Contains(got, seedSlug) {
		t.Errorf("the blog stopped serving: %q", got)
	}
}

func TestOddClients(t *testing.T) {
	b := newBlog(t)
	b.start()

	t.Run("tiny and odd windows", func(t *testing.T) {
		for _, size := range [][2]int{{0, 0}, {1, 1}, {1, 40}, {500, 1}, {3000, 2000}} {
			c := goClient(t, b)
			s, _, stdin := tuiSession(t, c, "xterm-256color", size[0], size[1])
			time.Sleep(300 * time.Millisecond)
			io.WriteString(stdin, "\r") // open a post at that size
			time.Sleep(300 * time.Millisecond)
			io.WriteString(stdin, "jjG q")
			time.Sleep(200 * time.Millisecond)
			s.Close()
		}
		serving(t, b)
	})

	t.Run("unknown TERM and no PTY", func(t *testing.T) {
		c := goClient(t, b)
		s, out, stdin := tuiSession(t, c, "vt-from-mars", 80, 24)
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), "3월 회고") && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.Contains(out.String(), "3월 회고") {
			t.Errorf("with TERM=vt-from-mars the list never showed")
		}
		io.WriteString(stdin, "q")
		s.Close()
		// A shell without a PTY gets the list and a hint.
		s2, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s2.Output("")
		if !strings.Contains(string(got), seedSlug) {
			t.Errorf("a shell without a PTY got %q", got)
		}
	})

	t.Run("500 resizes a second", func(t *testing.T) {
		c := goClient(t, b)
		s, out, stdin := tuiSession(t, c, "xterm-256color", 80, 24)
		// Start the storm once the first screen is up: charm.land/ssh
		// (v0.4.3) writes a session's PTY size without a lock when a window
		// change arrives, which races with the one read the server makes
		// as the session starts (the race detector sees it; it is upstream).
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), "3월 회고") && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		io.WriteString(stdin, "\r")
		stop := time.Now().Add(2 * time.Second)
		for i := 0; time.Now().Before(stop); i++ {
			windowChange(s, uint32(30+i%220), uint32(10+i%40))
			time.Sleep(2 * time.Millisecond)
		}
		windowChange(s, 80, 24)
		time.Sleep(500 * time.Millisecond)
		if out.String() == "" {
			t.Errorf("no output during the resize storm")
		}
		s.Close()
		serving(t, b)
	})

	t.Run("a client that never reads", func(t *testing.T) {
		// A client that asks for a PTY, types, and never reads its
		// output: the server must not block other sessions.
		c := goClient(t, b)
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		// The output pipe is never read: the channel's window fills and
		// the server's writes to this session block.
		if _, err := s.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		stdin, err := s.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.RequestPty("xterm", 200, 250, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Shell(); err != nil {
			t.Fatal(err)
		}
		go func() {
			for range 2000 {
				if _, err := io.WriteString(stdin, "jkGg"); err != nil {
					return
				}
			}
		}()
		serving(t, b)
		s.Close()
	})

	t.Run("disconnect in the middle of a write", func(t *testing.T) {
		conn, err := net.Dial("tcp", b.addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "SSH-2.0-OpenSSH_9.0\r\n")
		conn.Close()
		c := goClient(t, b)
		s, err := c.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start("read " + seedSlug); err != nil {
			t.Fatal(err)
		}
		c.Close() // gone while the server writes the rendered post
		serving(t, b)
	})
}

// TestBurstFromOneAddress opens 500 connections at once from one address
// with the default limits: most are refused, none crash the server, and
// another address is served meanwhile.
func TestBurstFromOneAddress(t *testing.T) {
	b := newBlog(t)
	b.env = []string{"BLOG_CONNECTS_PER_IP=60", "BLOG_MAX_SESSIONS_PER_IP=20"}
	b.start()
	var mu sync.Mutex
	var conns []net.Conn
	refused := 0
	var wg sync.WaitGroup
	for range 500 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", b.addr, 5*time.Second)
			if err != nil {
				return
			}
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			buf := make([]byte, 256)
			n, _ := c.Read(buf)
			mu.Lock()
			defer mu.Unlock()
			if strings.HasPrefix(string(buf[:n]), "sshblog: ") {
				refused++
				c.Close()
				return
			}
			conns = append(conns, c) // held open, silent, until the end
		}()
	}
	wg.Wait()
	t.Logf("500 connections from one address: %d held, %d refused with a reason", len(conns), refused)
	if len(conns) > 20 || refused < 400 {
		t.Errorf("with 20 per address: %d held, %d refused", len(conns), refused)
	}
	// Another address is served while the burst is held.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", b.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line := make([]byte, 64)
	n, _ := c.Read(line)
	if !strings.HasPrefix(string(line[:n]), "SSH-2.0-") {
		t.Errorf("another address got %q", line[:n])
	}
	c.Close()
	for _, c := range conns {
		c.Close()
	}
	if !strings.Contains(b.log.String(), "connection refused") {
		t.Errorf("refusals are not logged")
	}
}
