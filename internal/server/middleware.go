package server

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"charm.land/ssh"

	"github.com/sshblog/sshblog/internal/server/command"
	"github.com/sshblog/sshblog/internal/server/gitssh"
	"github.com/sshblog/sshblog/internal/server/guard"
	"github.com/sshblog/sshblog/internal/termtext"
)

// stableSession is the session as the guard let it through, looked at
// once: the PTY as requested (charm.land/ssh updates its copy without a
// lock, so asking it again races with a client's resizes), the window
// changes as the guard coalesces them, the command line parsed once (the
// parser is quadratic in a word's length; the guard bounds the line), and
// the client's environment without the guard's tag.
type stableSession struct {
	ssh.Session
	pty     ssh.Pty
	winch   <-chan ssh.Window
	isPty   bool
	command []string
	env     []string
	guarded *guard.Session // nil for a session the guard did not see
}

// Pty returns the PTY as it was requested, and the window changes since.
func (s *stableSession) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	return s.pty, s.winch, s.isPty
}

// Command returns the command line, parsed when the session started.
func (s *stableSession) Command() []string { return slices.Clone(s.command) }

// Environ returns the client's environment variables.
func (s *stableSession) Environ() []string { return slices.Clone(s.env) }

// stableMiddleware takes the one look at the session; it runs first.
func (s *Server) stableMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		pty, winch, isPty := sess.Pty()
		st := &stableSession{Session: sess, pty: pty, winch: winch, isPty: isPty,
			command: sess.Command(), env: guard.Environ(sess.Environ()), guarded: s.guard.Of(sess)}
		if st.guarded != nil {
			st.winch = st.guarded.Windows()
		}
		next(st)
	}
}

// sessionContext returns a context that ends when sess's channel closes
// (the connection's context, which sess.Context is, outlives it when a
// client opens several sessions on one connection).
func sessionContext(sess ssh.Session) (context.Context, context.CancelFunc) {
	if st, ok := findStable(sess); ok && st.guarded != nil {
		return st.guarded.Context(sess.Context())
	}
	return context.WithCancel(sess.Context())
}

// findStable finds the stableSession under the middleware's wrappers.
func findStable(sess ssh.Session) (*stableSession, bool) {
	for {
		switch s := sess.(type) {
		case *stableSession:
			return s, true
		case interface{ Unwrap() ssh.Session }:
			sess = s.Unwrap()
		default:
			return nil, false
		}
	}
}

// recoverMiddleware turns a panic in a session into a logged error and a
// closed session, so one bad session never takes the server down.
func (s *Server) recoverMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("session panicked", "remote", sess.RemoteAddr().String(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				fmt.Fprintln(sess.Stderr(), "sshblog: internal error; the session was closed")
				_ = sess.Exit(1)
			}
		}()
		next(sess)
	}
}

// logMiddleware writes one structured line per session when it ends: who,
// from where, what, how much and how it ended. Never what was sent.
func (s *Server) logMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		start := time.Now()
		_, _, pty := sess.Pty()
		m := &meteredSession{Session: sess}
		m.status.Store(-1)
		next(m)
		id := IdentityFrom(sess.Context())
		command := firstWord(sess.Command())
		if sub := sess.Subsystem(); sub != "" {
			command = sub
		}
		s.log.Info("session",
			"remote", sess.RemoteAddr().String(),
			"who", id.String(),
			"key", id.Fingerprint,
			"command", termtext.SanitizeLine(command),
			"pty", pty,
			"in", m.in.Load(),
			"out", m.out.Load(),
			"status", m.status.Load(),
			"duration", time.Since(start).Round(time.Millisecond),
		)
	}
}

// meteredSession counts a session's bytes and notes its exit status.
type meteredSession struct {
	ssh.Session
	in, out atomic.Int64
	status  atomic.Int64 // -1 until Exit
}

// Unwrap returns the session it meters.
func (m *meteredSession) Unwrap() ssh.Session { return m.Session }

// Read counts what the client sends.
func (m *meteredSession) Read(p []byte) (int, error) {
	n, err := m.Session.Read(p)
	m.in.Add(int64(n))
	return n, err
}

// Write counts what the session sends.
func (m *meteredSession) Write(p []byte) (int, error) {
	n, err := m.Session.Write(p)
	m.out.Add(int64(n))
	return n, err
}

// Exit notes the status.
func (m *meteredSession) Exit(code int) error {
	m.status.Store(int64(code))
	return m.Session.Exit(code)
}

// firstWord is the command's name, without its arguments (which may be
// long or private).
func firstWord(cmd []string) string {
	if len(cmd) == 0 {
		return ""
	}
	return cmd[0]
}

// identityMiddleware decides once per session who it belongs to and stores
// the answer in the session's context.
func (s *Server) identityMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		sess.Context().SetValue(identityKey{}, identify(sess, s.authors, s.cfg.HostKey.PublicKey(), s.log))
		next(sess)
	}
}

// route sends a session with a terminal and no command to the TUI, and
// everything else to the command runner.
func (s *Server) route(ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if service, args, ok := gitssh.Parse(sess.Command()); ok {
			s.runGit(sess, service, args)
			return
		}
		if s.wantsTUI(sess) {
			s.runTUI(sess)
			if s.closing.Load() {
				fmt.Fprintln(sess, "sshblog is restarting; come back in a moment.")
			}
			return
		}
		s.runCommand(sess)
	}
}

// runCommand hands a session to the command runner and exits with the
// status it returns.
func (s *Server) runCommand(sess ssh.Session) {
	pty, _, isPty := sess.Pty()
	ctx, cancel := sessionContext(sess)
	defer cancel()
	status := s.commands.Run(ctx, &command.Session{
		ID:        IdentityFrom(sess.Context()),
		Command:   sess.Command(),
		Stdin:     sess,
		Stdout:    sess,
		Stderr:    sess.Stderr(),
		Terminal:  isPty,
		Width:     pty.Window.Width,
		Height:    pty.Window.Height,
		Truecolor: isPty && truecolor(sess, pty.Term),
		Alive: func() error {
			// OpenSSH answers keepalive requests, with a refusal.
			_, err := sess.SendRequest("keepalive@openssh.com", true, nil)
			return err
		},
	})
	_ = sess.Exit(status)
}

// runGit serves one of git's commands (clone, fetch, push).
func (s *Server) runGit(sess ssh.Session, service string, args []string) {
	ctx, cancel := sessionContext(sess)
	defer cancel()
	status := s.git.Run(ctx, service, gitssh.Session{
		ID:     IdentityFrom(sess.Context()),
		Args:   args,
		Stdin:  sess,
		Stdout: sess,
		Stderr: sess.Stderr(),
	})
	_ = sess.Exit(status)
}

// wantsTUI reports whether a session gets the TUI: one with a terminal and
// no command, or an author's `edit SLUG` or `new` with a terminal. Everything
// else, including those commands without a terminal or from a reader, goes to
// the command runner, which explains.
func (s *Server) wantsTUI(sess ssh.Session) bool {
	_, _, isPty := sess.Pty()
	cmd := sess.Command()
	if !isPty {
		return false
	}
	if len(cmd) == 0 {
		return true
	}
	if !IdentityFrom(sess.Context()).IsAuthor() {
		return false
	}
	switch {
	case len(cmd) == 1 && cmd[0] == "new":
		return true
	case len(cmd) == 2 && cmd[0] == "edit":
		_, err := s.blog.Entry(IdentityFrom(sess.Context()), cmd[1])
		return err == nil
	}
	return false
}
