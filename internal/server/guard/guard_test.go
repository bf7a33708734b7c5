package guard_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/server/guard"
)

// seen is what the test server's handler saw of its sessions.
type seen struct {
	mu       sync.Mutex
	started  int
	ptys     []ssh.Window // each session's PTY's window
	windows  []ssh.Window // each window delivered: the terminal's, then its changes
	env      []string
	commands [][]string
	ended    chan struct{} // a session's Done was closed
}

func (s *seen) add(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// serve starts an SSH server on loopback whose session channels go through
// a guard with limits l, and whose handler records what it sees and holds
// the session until the client leaves. It returns the address and a log.
func serve(t *testing.T, l guard.Limits) (string, *seen, *syncBuffer) {
	t.Helper()
	log := &syncBuffer{}
	g := guard.New(l, slog.New(slog.NewTextHandler(log, nil)), nil)
	sn := &seen{ended: make(chan struct{}, 100)}
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(key)
	srv := &ssh.Server{
		Handler: func(sess ssh.Session) {
			gs := g.Of(sess)
			pty, _, isPty := sess.Pty()
			sn.add(func() {
				sn.started++
				sn.env = append(sn.env, sess.Environ()...)
				sn.commands = append(sn.commands, sess.Command())
				if isPty {
					sn.ptys = append(sn.ptys, pty.Window)
				}
			})
			if gs == nil {
				t.Error("the guard does not know a session it passed on")
				return
			}
			for {
				select {
				case w := <-gs.Windows():
					sn.add(func() { sn.windows = append(sn.windows, w) })
				case <-gs.Done():
					sn.ended <- struct{}{}
					return
				}
			}
		},
		ChannelHandlers:  map[string]ssh.ChannelHandler{"session": g.Handler},
		PublicKeyHandler: func(ssh.Context, ssh.PublicKey) bool { return true },
	}
	srv.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), sn, log
}

// connect opens a client connection to addr.
func connect(t *testing.T, addr string) *gossh.Client {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, _ := gossh.NewSignerFromKey(key)
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "x", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ptyReq is a pty-req payload.
func ptyReq(cols, rows uint32) []byte {
	return gossh.Marshal(struct {
		Term                 string
		Cols, Rows, PxW, PxH uint32
		Modes                string
	}{"xterm", cols, rows, 0, 0, ""})
}

// windowChange is a window-change payload.
func windowChange(cols, rows uint32) []byte {
	return gossh.Marshal(struct{ Cols, Rows, PxW, PxH uint32 }{cols, rows, 0, 0})
}

// waitEnded waits for a session to end.
func waitEnded(t *testing.T, sn *seen) {
	t.Helper()
	select {
	case <-sn.ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the session did not end when its channel closed")
	}
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestHugeTerminalIsClamped(t *testing.T) {
	l := guard.DefaultLimits()
	addr, sn, log := serve(t, l)
	ch, _, err := connect(t, addr).OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := ch.SendRequest("pty-req", true, ptyReq(65535, 65535)); !ok || err != nil {
		t.Fatalf("pty-req: %v %v", ok, err)
	}
	if ok, _ := ch.SendRequest("shell", true, nil); !ok {
		t.Fatal("shell refused")
	}
	if _, err := ch.SendRequest("window-change", false, windowChange(1<<31, 4000)); err != nil {
		t.Fatal(err)
	}
	// The terminal's size, then the change: the change may replace the
	// size not yet taken (only the last matters), so one or two arrive.
	waitFor(t, "the window change", func() bool { sn.mu.Lock(); defer sn.mu.Unlock(); return len(sn.windows) >= 1 })
	time.Sleep(50 * time.Millisecond)
	sn.mu.Lock()
	defer sn.mu.Unlock()
	for i, w := range append(sn.ptys, sn.windows...) {
		if w.Width != l.MaxWidth || w.Height != l.MaxHeight {
			t.Errorf("window %d: %dx%d, want it clamped to %dx%d", i, w.Width, w.Height, l.MaxWidth, l.MaxHeight)
		}
	}
	if !strings.Contains(log.String(), "terminal size clamped") || !strings.Contains(log.String(), "asked=65535x65535") {
		t.Errorf("the clamp was not logged:\n%s", log)
	}
}

func TestSessionsPerConnection(t *testing.T) {
	l := guard.DefaultLimits()
	addr, sn, log := serve(t, l)
	c := connect(t, addr)
	var open []gossh.Channel
	refused := 0
	for range l.SessionsPerConn + 5 {
		ch, _, err := c.OpenChannel("session", nil)
		var oc *gossh.OpenChannelError
		switch {
		case errors.As(err, &oc) && oc.Reason == gossh.ResourceShortage:
			refused++
		case err != nil:
			t.Fatal(err)
		default:
			open = append(open, ch)
		}
	}
	if len(open) != l.SessionsPerConn || refused != 5 {
		t.Fatalf("%d sessions opened and %d refused; want %d and 5", len(open), refused, l.SessionsPerConn)
	}
	if !strings.Contains(log.String(), "too many sessions on one connection") {
		t.Errorf("the refusal was not logged:\n%s", log)
	}
	// Closing one frees its place.
	if _, err := open[0].SendRequest("shell", true, nil); err != nil {
		t.Fatal(err)
	}
	open[0].Close()
	waitEnded(t, sn)
	if _, _, err := c.OpenChannel("session", nil); err != nil {
		t.Errorf("a session after one closed was refused: %v", err)
	}
}

func TestLongCommandIsRefusedBeforeParsing(t *testing.T) {
	l := guard.DefaultLimits()
	addr, sn, log := serve(t, l)
	sess, err := connect(t, addr).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	start := time.Now()
	err = sess.Run("whoami " + strings.Repeat("a", 200_000))
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Fatalf("run: %v, want exit status 1", err)
	}
	if want := "sshblog: the command line is 200007 bytes; the most is 4096\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
	sn.mu.Lock()
	started := sn.started
	sn.mu.Unlock()
	if started != 0 {
		t.Error("the handler ran for a refused command")
	}
	if !strings.Contains(log.String(), "session refused") {
		t.Errorf("the refusal was not logged:\n%s", log)
	}
	t.Logf("refused in %v", time.Since(start))

	// At the limit, the line is parsed as before.
	sess, err = connect(t, addr).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	line := "whoami " + strings.Repeat("b", l.MaxCommand-len("whoami "))
	go sess.Run(line)
	waitFor(t, "the command", func() bool { sn.mu.Lock(); defer sn.mu.Unlock(); return len(sn.commands) == 1 })
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if got := strings.Join(sn.commands[0], " "); got != line {
		t.Errorf("command %.40q..., want %.40q...", got, line)
	}
}

// TestWindowChangeFloodThenDrop sends 20,000 window changes without
// reading, then drops the connection: charm.land/ssh blocked on a full
// channel once the program had gone, nothing read the socket after, and
// the connection and its slot were held until a restart. The changes must
// be coalesced to a few, the last one must arrive, and the session must
// end when the connection drops.
func TestWindowChangeFloodThenDrop(t *testing.T) {
	l := guard.DefaultLimits()
	addr, sn, _ := serve(t, l)
	c := connect(t, addr)
	ch, _, err := c.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	ch.SendRequest("pty-req", true, ptyReq(80, 24))
	ch.SendRequest("shell", true, nil)
	start := time.Now()
	const n = 20_000
	for i := range n {
		if _, err := ch.SendRequest("window-change", false, windowChange(uint32(10+i%300), 24)); err != nil {
			t.Fatal(err)
		}
	}
	last := ssh.Window{Width: 10 + (n-1)%300, Height: 24}
	waitFor(t, "the last window change", func() bool {
		sn.mu.Lock()
		defer sn.mu.Unlock()
		return sn.windows[len(sn.windows)-1] == last
	})
	sn.mu.Lock()
	delivered := len(sn.windows) - 1
	sn.mu.Unlock()
	if most := int(time.Since(start)/l.ResizeEvery) + 2; delivered > most {
		t.Errorf("%d of %d window changes reached the program; at most %d may in %v", delivered, n, most, time.Since(start))
	}
	t.Logf("%d of %d window changes delivered", delivered, n)

	// Another flood, then the connection drops: the session ends.
	for i := range n {
		if _, err := ch.SendRequest("window-change", false, windowChange(uint32(i%300), 24)); err != nil {
			break
		}
	}
	c.Close()
	select {
	case <-sn.ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the session did not end when its connection dropped")
	}
}

func TestEnvironmentIsBounded(t *testing.T) {
	l := guard.DefaultLimits()
	addr, sn, _ := serve(t, l)
	ch, _, err := connect(t, addr).OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for i := range l.MaxEnv + 10 {
		ok, err := ch.SendRequest("env", true, gossh.Marshal(struct{ K, V string }{"V" + strings.Repeat("x", i), "1"}))
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			accepted++
		}
	}
	// A client cannot pose as another session.
	if ok, _ := ch.SendRequest("env", true, gossh.Marshal(struct{ K, V string }{"SSHBLOG_SESSION", "1"})); ok {
		t.Error("the guard's own variable was accepted from a client")
	}
	ch.SendRequest("shell", true, nil)
	waitFor(t, "the session", func() bool { sn.mu.Lock(); defer sn.mu.Unlock(); return sn.started == 1 })
	if accepted != l.MaxEnv {
		t.Errorf("%d variables accepted, want %d", accepted, l.MaxEnv)
	}
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if got := len(guard.Environ(sn.env)); got != l.MaxEnv {
		t.Errorf("the handler saw %d variables, want %d", got, l.MaxEnv)
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

// TestScreensTogetherAreBounded opens large terminals until the screens of
// all sessions reach the budget: later sessions get smaller terminals, at
// least 80 x 24, and a closed session gives its screen back.
func TestScreensTogetherAreBounded(t *testing.T) {
	l := guard.DefaultLimits()
	l.ExtraCells = 2 * (300*100 - guard.BaseCells) // two full screens
	addr, sn, _ := serve(t, l)
	c := connect(t, addr)
	var chans []gossh.Channel
	for range 4 {
		ch, _, err := c.OpenChannel("session", nil)
		if err != nil {
			t.Fatal(err)
		}
		ch.SendRequest("pty-req", true, ptyReq(1000, 1000))
		ch.SendRequest("shell", true, nil)
		chans = append(chans, ch)
	}
	waitFor(t, "four sessions", func() bool { sn.mu.Lock(); defer sn.mu.Unlock(); return len(sn.ptys) == 4 })
	sn.mu.Lock()
	cells := 0
	for _, w := range sn.ptys {
		if w.Width < 80 || w.Height < 24 {
			t.Errorf("a session got %dx%d, less than 80x24", w.Width, w.Height)
		}
		cells += w.Width*w.Height - guard.BaseCells
	}
	t.Logf("four asked 1000x1000 and got %v", sn.ptys)
	sn.mu.Unlock()
	if cells > l.ExtraCells {
		t.Errorf("the sessions hold %d cells beyond 80x24 each; the budget is %d", cells, l.ExtraCells)
	}
	// A closed session gives its screen back: a new one gets it.
	chans[0].Close()
	waitEnded(t, sn)
	ch, _, err := c.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	ch.SendRequest("pty-req", true, ptyReq(300, 100))
	ch.SendRequest("shell", true, nil)
	waitFor(t, "the fifth session", func() bool { sn.mu.Lock(); defer sn.mu.Unlock(); return len(sn.ptys) == 5 })
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if w := sn.ptys[4]; w.Width != 300 || w.Height != 100 {
		t.Errorf("after a full screen was given back, a new session got %dx%d", w.Width, w.Height)
	}
}
