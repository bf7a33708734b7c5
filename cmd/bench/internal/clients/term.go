// Package clients holds the SSH clients the bench drives servers with: a
// terminal session opened as a terminal opens it (a PTY and a shell) and
// timed to its first frame, or watched all along for markers in its
// output; a `publish` command with a post on stdin; and running many
// clients at once with their figures and failures gathered.
package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"golang.org/x/crypto/ssh"
)

// maxScreenBytes bounds what a client keeps of a session's output.
const maxScreenBytes = 8 << 20

// Target is a server the load generator drives.
type Target struct {
	Name   string // in reports and pprof labels: "blog" or "bare"
	Addr   string // host:port
	Config *ssh.ClientConfig
	Marker []byte // output that shows the first frame is up
}

// Config logs in as user with signer and accepts only hostKey.
func Config(user string, signer ssh.Signer, hostKey ssh.PublicKey) *ssh.ClientConfig {
	return &ssh.ClientConfig{
		User:            user,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey),
	}
}

// Dial opens one TCP connection to addr and an SSH connection over it. The
// connection's deadline is deadline. It returns when the TCP connection
// was up.
func Dial(ctx context.Context, addr string, cfg *ssh.ClientConfig, deadline time.Time) (*ssh.Client, net.Conn, time.Time, error) {
	d := net.Dialer{Deadline: deadline}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, time.Time{}, fmt.Errorf("connecting: %w", err)
	}
	connected := time.Now()
	c.SetDeadline(deadline)
	sc, chans, reqs, err := ssh.NewClientConn(c, addr, cfg)
	if err != nil {
		c.Close()
		return nil, nil, time.Time{}, fmt.Errorf("handshake: %w", err)
	}
	return ssh.NewClient(sc, chans, reqs), c, connected, nil
}

// Stages are when a terminal session reached each step, since it began.
type Stages struct {
	Connect   time.Duration // TCP connected
	Handshake time.Duration // SSH handshake and public-key auth done
	Shell     time.Duration // session open, PTY and shell granted
	FirstByte time.Duration // first output
	Frame     time.Duration // the marker is on screen
}

// Term is a client's interactive session: a PTY and a shell, as a terminal
// opens them.
type Term struct {
	conn   net.Conn
	client *ssh.Client
	sess   *ssh.Session
	stdin  io.Writer
	stdout io.Reader
	buf    []byte // everything read so far
	seen   int    // buf[:seen] has been searched and matched
}

// OpenTerm connects to t as a terminal would: TCP, handshake, a session,
// a PTY "xterm-256color" of 80x24 and a shell; then reads until t's marker
// appears. Everything must be done by deadline, which stays set on the
// connection.
func OpenTerm(ctx context.Context, t Target, deadline time.Time) (*Term, Stages, error) {
	var st Stages
	start := time.Now()
	client, conn, connected, err := Dial(ctx, t.Addr, t.Config, deadline)
	if err != nil {
		return nil, st, err
	}
	st.Connect = connected.Sub(start)
	st.Handshake = time.Since(start)
	tm := NewTerm(client, conn)
	if err := tm.Shell(); err != nil {
		tm.Close()
		return nil, st, err
	}
	st.Shell = time.Since(start)
	if err := tm.read(); err != nil {
		tm.Close()
		return nil, st, fmt.Errorf("reading the first output: %w", err)
	}
	st.FirstByte = time.Since(start)
	if err := tm.WaitFor(t.Marker); err != nil {
		tm.Close()
		return nil, st, fmt.Errorf("waiting for the first frame: %w", err)
	}
	st.Frame = time.Since(start)
	return tm, st, nil
}

// NewTerm is a terminal session on client, whose connection is conn,
// before its shell is opened.
func NewTerm(client *ssh.Client, conn net.Conn) *Term {
	return &Term{conn: conn, client: client}
}

// SetDeadline sets the connection's deadline.
func (t *Term) SetDeadline(deadline time.Time) error {
	return t.conn.SetDeadline(deadline)
}

// Shell opens a session with a PTY and a shell.
func (t *Term) Shell() error {
	sess, err := t.client.NewSession()
	if err != nil {
		return fmt.Errorf("opening a session: %w", err)
	}
	t.sess = sess
	if t.stdin, err = sess.StdinPipe(); err != nil {
		return err
	}
	if t.stdout, err = sess.StdoutPipe(); err != nil {
		return err
	}
	modes := ssh.TerminalModes{ssh.ECHO: 1, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	if err := sess.RequestPty("xterm-256color", 24, 80, modes); err != nil {
		return fmt.Errorf("requesting a PTY: %w", err)
	}
	if err := sess.Shell(); err != nil {
		return fmt.Errorf("starting a shell: %w", err)
	}
	return nil
}

// read appends one read's worth of output to t.buf.
func (t *Term) read() error {
	if len(t.buf) >= maxScreenBytes {
		return fmt.Errorf("more than %d bytes of output", maxScreenBytes)
	}
	if cap(t.buf)-len(t.buf) < 16<<10 {
		t.buf = slices.Grow(t.buf, 32<<10)
	}
	n, err := t.stdout.Read(t.buf[len(t.buf):cap(t.buf)])
	t.buf = t.buf[:len(t.buf)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// WaitFor reads until marker appears in output not matched before. Each
// read is bounded by the connection's deadline, and the output kept by
// maxScreenBytes.
func (t *Term) WaitFor(marker []byte) error {
	from := t.seen
	for {
		if i := bytes.Index(t.buf[from:], marker); i >= 0 {
			t.seen = from + i + len(marker)
			return nil
		}
		from = max(t.seen, len(t.buf)-len(marker)+1)
		if err := t.read(); err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("the session ended before %q appeared", marker)
			}
			return err
		}
	}
}

// Forget drops the output read so far, so that a session held open keeps
// no more of it than the SSH library's own buffers.
func (t *Term) Forget() {
	t.buf, t.seen = nil, 0
}

// Send writes keys to the session's input.
func (t *Term) Send(keys string) error {
	_, err := io.WriteString(t.stdin, keys)
	return err
}

// Close drops the connection, as a client whose terminal closes does.
func (t *Term) Close() error {
	return t.client.Close()
}
