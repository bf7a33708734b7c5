package attack

// The attacker works in a process of its own (package child), as the
// upload's client does, so that the memory and CPU this process measures
// are the server's alone.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/cmd/bench/internal/child"
)

// ClientEnv, set in the environment, makes the bench the attacker: it
// reads a job on stdin, runs it and writes the outcome on stdout.
const ClientEnv = "SSHBLOG_BENCH_ATTACKER"

// job is one attack to make.
type job struct {
	Addr   string        // the blog's address
	Attack string        // an Attack's Name
	Hold   time.Duration // how long sessions are held
}

// outcome is what the attacker saw.
type outcome struct {
	Sessions int    // sessions the server let it open
	Refused  int    // sessions or connections the server refused
	Requests int    // requests sent (window changes, commands)
	Err      string // why the attack could not be made, if it could not
}

// RunClient is the child's side: it reads a job from in, runs it and
// writes the outcome to out.
func RunClient(in io.Reader, out io.Writer) error {
	return child.Serve(in, out, func(j job) (outcome, error) {
		ctx, cancel := context.WithTimeout(context.Background(), j.Hold+time.Minute)
		defer cancel()
		o, err := run(ctx, j)
		if err != nil {
			o.Err = err.Error()
		}
		return o, nil
	})
}

// attacker holds what an attack opened.
type attacker struct {
	addr string
	mu   sync.Mutex
	o    outcome
	all  []*ssh.Client
}

// run makes the attack j names.
func run(ctx context.Context, j job) (outcome, error) {
	a := &attacker{addr: j.Addr}
	defer a.closeAll()
	var err error
	switch j.Attack {
	case "reader":
		err = a.terminals(1, 1, 80, 24, j.Hold)
	case "pty-huge":
		err = a.terminals(1, 1, 65535, 65535, j.Hold)
	case "pty-ten":
		err = a.terminals(1, 10, 600, 600, j.Hold)
	case "sessions":
		err = a.terminals(5, 15, 80, 24, j.Hold)
	case "command":
		err = a.longCommands(3, 200<<10)
	case "winch-drop":
		err = a.floodThenDrop(3, 20_000)
	case "resize-storm":
		err = a.storm(ctx, 2, 10, 10_000, j.Hold)
	default:
		err = fmt.Errorf("no attack %q", j.Attack)
	}
	return a.o, err
}

// dial connects with a fresh key, as any anonymous client may.
func (a *attacker) dial() (*ssh.Client, error) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, err
	}
	c, err := ssh.Dial("tcp", a.addr, &ssh.ClientConfig{
		User: "attacker", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		a.count(0, 1)
		return nil, nil // refused: what the limits are for
	}
	a.mu.Lock()
	a.all = append(a.all, c)
	a.mu.Unlock()
	return c, nil
}

// count adds to the outcome.
func (a *attacker) count(sessions, refused int) {
	a.mu.Lock()
	a.o.Sessions += sessions
	a.o.Refused += refused
	a.mu.Unlock()
}

// closeAll closes every connection.
func (a *attacker) closeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.all {
		_ = c.Close()
	}
}

// terminal opens a reader session with a w x h terminal on c, its output
// read and thrown away, and presses Enter (which opens the newest post).
func (a *attacker) terminal(c *ssh.Client, w, h int) (*ssh.Session, error) {
	s, err := c.NewSession()
	if err != nil {
		a.count(0, 1)
		return nil, nil
	}
	s.Stdout, s.Stderr = io.Discard, io.Discard
	stdin, err := s.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := s.RequestPty("xterm-256color", h, w, nil); err != nil {
		return nil, fmt.Errorf("asking for a terminal: %w", err)
	}
	if err := s.Shell(); err != nil {
		return nil, fmt.Errorf("starting the reader: %w", err)
	}
	a.count(1, 0)
	time.Sleep(200 * time.Millisecond)
	_, _ = io.WriteString(stdin, "\r")
	return s, nil
}

// terminals opens perConn reader sessions of w x h on each of conns
// connections and holds them.
func (a *attacker) terminals(conns, perConn, w, h int, hold time.Duration) error {
	for range conns {
		c, err := a.dial()
		if err != nil || c == nil {
			return err
		}
		for range perConn {
			if _, err := a.terminal(c, w, h); err != nil {
				return err
			}
		}
	}
	time.Sleep(hold)
	return nil
}

// longCommands sends n exec requests of size bytes, one a connection.
func (a *attacker) longCommands(n, size int) error {
	for range n {
		c, err := a.dial()
		if err != nil || c == nil {
			return err
		}
		s, err := c.NewSession()
		if err != nil {
			return err
		}
		err = s.Run("whoami " + strings.Repeat("x", size))
		var exit *ssh.ExitError
		if errors.As(err, &exit) {
			a.count(0, 1)
		} else {
			a.count(1, 0)
		}
		a.o.Requests++
	}
	return nil
}

// floodThenDrop opens n reader sessions that never read, sends each
// changes window changes, and drops their connections.
func (a *attacker) floodThenDrop(n, changes int) error {
	var wg sync.WaitGroup
	for range n {
		c, err := a.dial()
		if err != nil || c == nil {
			return err
		}
		s, err := c.NewSession()
		if err != nil {
			return err
		}
		if err := s.RequestPty("xterm", 24, 80, nil); err != nil {
			return err
		}
		if err := s.Shell(); err != nil {
			return err
		}
		a.count(1, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range changes {
				if resize(s, 20+i%200, 10+i%50) != nil {
					break
				}
			}
			_ = c.Close()
		}()
	}
	wg.Wait()
	a.o.Requests = n * changes
	return nil
}

// storm opens perConn reader sessions on each of conns connections and
// sends rate window changes a second across them for hold.
func (a *attacker) storm(ctx context.Context, conns, perConn, rate int, hold time.Duration) error {
	var sessions []*ssh.Session
	for range conns {
		c, err := a.dial()
		if err != nil || c == nil {
			return err
		}
		for range perConn {
			s, err := a.terminal(c, 80, 24)
			if err != nil {
				return err
			}
			if s != nil {
				sessions = append(sessions, s)
			}
		}
	}
	if len(sessions) == 0 {
		return errors.New("no session was let in")
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	end := time.Now().Add(hold)
	perTick := max(rate/100/len(sessions), 1)
	for i := 0; time.Now().Before(end) && ctx.Err() == nil; i++ {
		<-tick.C
		for _, s := range sessions {
			for k := range perTick {
				if resize(s, 40+(i+k)%120, 10+(i+k)%40) == nil {
					a.o.Requests++
				}
			}
		}
	}
	return nil
}

// resize sends a window change.
func resize(s *ssh.Session, w, h int) error {
	_, err := s.SendRequest("window-change", false, ssh.Marshal(struct{ W, H, PW, PH uint32 }{uint32(w), uint32(h), 0, 0}))
	return err
}
