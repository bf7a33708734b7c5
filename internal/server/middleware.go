package server

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui"
)

// stableSession answers Pty from a copy taken when the session starts.
// charm.land/ssh updates a session's PTY without a lock on every window
// change, so asking it again later races with a client's resizes; the
// window changes themselves still arrive on the channel.
type stableSession struct {
	ssh.Session
	pty   ssh.Pty
	winch <-chan ssh.Window
	isPty bool
}

// Pty returns the PTY as it was requested, and the window changes since.
func (s *stableSession) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	return s.pty, s.winch, s.isPty
}

// stableMiddleware takes the one look at the session's PTY; it runs first.
func stableMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		pty, winch, isPty := sess.Pty()
		next(&stableSession{Session: sess, pty: pty, winch: winch, isPty: isPty})
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
		sess.Context().SetValue(identityKey{}, identify(sess, s.authors, s.cfg.HostKey.PublicKey()))
		next(sess)
	}
}

// route sends a session with a terminal and no command to the TUI, and
// everything else to the command runner.
func (s *Server) route(ssh.Handler) ssh.Handler {
	tuiHandler := bm.MiddlewareWithProgramHandler(s.program)(func(ssh.Session) {})
	return func(sess ssh.Session) {
		if s.wantsTUI(sess) {
			tuiHandler(sess)
			if s.closing.Load() {
				fmt.Fprintln(sess, "sshblog is restarting; come back in a moment.")
			}
			return
		}
		s.runCommand(sess)
	}
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

// program makes the Bubble Tea program of one TUI session.
func (s *Server) program(sess ssh.Session) *tea.Program {
	pty, _, _ := sess.Pty()
	id := IdentityFrom(sess.Context())
	opts := tui.Options{
		Title: s.cfg.Title,
		Posts: s.blog.Reader(id),
		Byline: func(ctx context.Context, p *post.Post, rev store.Revision) (render.Byline, error) {
			return s.blog.Byline(ctx, id, p, rev)
		},
		Search: func(query string) []tui.Found {
			ctx, cancel := context.WithTimeout(sess.Context(), searchTimeout)
			defer cancel()
			hits, err := s.blog.Search(ctx, id, query, searchHits, snippetWidth)
			if err != nil {
				return nil
			}
			found := make([]tui.Found, len(hits))
			for i, h := range hits {
				found[i] = tui.Found{Slug: h.Entry.Slug, Snippet: h.Snippet}
			}
			return found
		},
		Links: func(url string) (string, bool) {
			return s.blog.ResolveLink(id, url, s.cfg.WebHost)
		},
		Unreachable: s.blog.Unreachable,
		Opened: func(slug string) {
			s.blog.CountRead(id, blog.Visit{Slug: slug, Source: stats.SSH})
		},
		Renderer: s.renderer,
		Location: s.blog.Location(),
		Shared:   s.shared,
		Width:    pty.Window.Width,
		Height:   pty.Window.Height,
	}
	if id.IsAuthor() {
		opts.Author = id.Author
		opts.Stats = s.postReads(id)
		opts.Save = func(ctx context.Context, slug string, src []byte, ifRev uint64) (tui.Saved, error) {
			res, err := s.blog.Publish(ctx, id, src, blog.PublishOptions{Slug: slug, IfRev: &ifRev})
			if err != nil {
				return tui.Saved{}, err
			}
			if p := res.Proposal; p != nil {
				return tui.Saved{Slug: p.Slug, Proposed: p.N}, nil
			}
			return tui.Saved{Slug: res.Slug, Entry: res.Entry}, nil
		}
		opts.Review = reviewer{s.blog, id}
		switch cmd := sess.Command(); {
		case len(cmd) == 1 && cmd[0] == "new":
			opts.Start = tui.Start{New: true}
		case len(cmd) == 2 && cmd[0] == "edit":
			e, _ := s.blog.Entry(id, cmd[1])
			opts.Start = tui.Start{Edit: e.Slug}
		}
	}
	m := tui.New(opts)
	p := tea.NewProgram(m, append(bm.MakeOptions(sess),
		tea.WithContext(sess.Context()), tea.WithScreenRelease(s.cfg.ScreenRelease), tea.WithFirstFrames(s.frames))...)
	s.track(sess, p)
	return p
}
