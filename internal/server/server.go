// Package server is the blog's SSH server: authentication, connection
// limits, the middleware chain every session passes through, and where each
// session goes: the Bubble Tea reader for terminals, scp and sftp
// ([transfer]), or the plain commands for pipes and scripts ([command]).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/gitrepo"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/server/command"
	"github.com/sshblog/sshblog/internal/server/gitssh"
	"github.com/sshblog/sshblog/internal/server/guard"
	"github.com/sshblog/sshblog/internal/server/transfer"
	"github.com/sshblog/sshblog/internal/termimage"
	"github.com/sshblog/sshblog/internal/tui"
)

// Config holds the server's settings. Zero durations mean no limit.
type Config struct {
	Title       string       // the blog's title
	Description string       // the blog's one-line description
	HostKey     gossh.Signer // the server's host key
	// WebHost is the blog's own host name on the web (from base-url): a
	// link to it in a post leads to a post of the blog. Empty: none.
	WebHost string

	HandshakeTimeout time.Duration // cut clients that have not finished the handshake by then
	IdleTimeout      time.Duration // cut connections with no traffic for this long

	// ScreenRelease is how long a TUI session may draw nothing before its
	// renderer drops its copy of the screen (about 200 KiB at 80x24, the
	// most an idle session holds) and paints its next frame in full, a few
	// KiB: thousands of idle readers then keep little more than their
	// connections. Zero keeps the copy for the whole session.
	ScreenRelease time.Duration

	// ReadingWidth is the widest, in columns, a post is laid out in the
	// reader and by read at a terminal, however wide the window; 0: the
	// window's width.
	ReadingWidth int

	// Files gives the reader and read (with ssh -t) the images posts
	// refer to, to draw them: the blog's stored files. nil: no pictures,
	// only the lines that name them. See tui.Files.
	Files tui.Files
	// NoImages turns pictures in terminals off (the images setting, off).
	NoImages bool

	MaxSessions      int // open connections and sessions at once, in total; 0: no limit
	MaxSessionsPerIP int // open connections and sessions at once from one address; 0: no limit
	ConnectsPerIP    int // new connections per minute from one address; 0: no limit

	// Sessions bounds what a client may ask of each session: sessions per
	// connection, terminal size, command length, environment, resizes.
	// The zero value means [guard.DefaultLimits].
	Sessions guard.Limits
}

// Server serves the blog over SSH.
type Server struct {
	cfg      Config
	blog     *blog.Service
	renderer *render.Renderer
	shared   *tui.Shared         // the list's items, shared by the TUI sessions
	pictures *termimage.Renderer // decodes and caches pictures for terminals; nil without Files
	frames   *tea.FirstFrames    // the TUI sessions' first frames, painted once for all alike
	authors  Authors
	log      *slog.Logger
	ssh      *ssh.Server
	uploads  transfer.Buffers // what uploads are read into
	commands *command.Runner  // the plain commands
	git      *gitssh.Server   // git clone, fetch and push
	limits   *limits          // connections and sessions, per address and in all
	guard    *guard.Guard     // what a client may ask of a session

	mu       sync.Mutex                // guards programs
	programs map[*tea.Program]*reloads // open TUI sessions, told about changes
	closing  atomic.Bool               // Shutdown has begun

	// serving is set when Serve is called, and accepting closed when it
	// first waits for a connection: by then the SSH server tracks its
	// listener, and Shutdown may wait for it (before, charm.land/ssh's
	// Shutdown waits on a WaitGroup that Serve is about to add to: a race).
	serving      atomic.Bool
	accepting    chan struct{}
	acceptingNow sync.Once
}

// firstFrames is how many first frames of TUI sessions the server keeps:
// sessions that open on a screen another session opened on, at the same
// size on a terminal set up alike, are sent the bytes drawn for it instead
// of drawing it again. Readers mostly open on the list at a few sizes.
const firstFrames = 32

// New makes a server of the blog b. authors may be nil: then everyone is a
// reader.
func New(cfg Config, b *blog.Service, renderer *render.Renderer, authors Authors, log *slog.Logger) (*Server, error) {
	if cfg.HostKey == nil {
		return nil, errors.New("server: no host key")
	}
	s := &Server{
		cfg:      cfg,
		blog:     b,
		renderer: renderer,
		shared:   tui.NewShared(),
		frames:   tea.NewFirstFrames(firstFrames),
		authors:  authors,
		log:      log,
		programs: map[*tea.Program]*reloads{}, accepting: make(chan struct{}),
	}
	if cfg.Sessions == (guard.Limits{}) {
		cfg.Sessions = guard.DefaultLimits()
		s.cfg.Sessions = cfg.Sessions
	}
	s.git = &gitssh.Server{Repo: gitrepo.New(b, log), Blog: b, Log: log}
	s.limits = newLimits(log, cfg.MaxSessions, cfg.MaxSessionsPerIP, cfg.ConnectsPerIP)
	s.guard = guard.New(cfg.Sessions, log, s.limits.admitSession)
	if cfg.Files != nil {
		s.pictures = termimage.NewRenderer(termimage.Limits{}, termimage.DefaultCacheBytes)
	}
	s.commands = &command.Runner{Blog: b, Renderer: renderer, Uploads: &s.uploads, Title: cfg.Title, Description: cfg.Description, ReadingWidth: cfg.ReadingWidth,
		Files: cfg.Files, Pictures: s.pictures, NoImages: cfg.NoImages}
	srv, err := wish.NewServer(
		wish.WithVersion("sshblog"),
		func(srv *ssh.Server) error {
			srv.AddHostKey(cfg.HostKey)
			srv.HandshakeTimeout = cfg.HandshakeTimeout
			srv.IdleTimeout = cfg.IdleTimeout
			srv.ConnCallback = s.limits.admitConn
			// Sessions only, through the guard: no forwarding, no other
			// channel types.
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.guard.Handler}
			return nil
		},
		// Anyone may read: every public key is accepted (it only decides
		// whether the session is an author's), and keyboard-interactive
		// with no questions lets clients without keys in. The "none" method
		// stays refused, or OpenSSH would never offer its keys.
		wish.WithPublicKeyAuth(func(ssh.Context, ssh.PublicKey) bool { return true }),
		wish.WithKeyboardInteractiveAuth(func(ssh.Context, gossh.KeyboardInteractiveChallenge) bool { return true }),
		wish.WithMiddleware(s.middleware()...),
		wish.WithSubsystem("sftp", ssh.SubsystemHandler(chain(transfer.SFTPHandler(s.folder, s.log), s.sessionMiddleware()...))),
	)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.ssh = srv
	return s, nil
}

// middleware is the chain each session with a command or a shell passes
// through. wish applies them in order, so the last one listed runs first.
func (s *Server) middleware() []wish.Middleware {
	return append([]wish.Middleware{
		s.route,                                 // the TUI or a command
		transfer.SCPMiddleware(s.folder, s.log), // scp -O
	}, s.sessionMiddleware()...)
}

// sessionMiddleware is what every session passes through first, sftp
// included; innermost first.
func (s *Server) sessionMiddleware() []wish.Middleware {
	return []wish.Middleware{
		s.identityMiddleware, // who is this
		s.logMiddleware,      // one log line per session
		s.recoverMiddleware,  // a panic ends the session, not the server
		s.stableMiddleware,   // one look at the PTY and the command line
	}
}

// chain wraps h in mw, the first innermost, as wish does.
func chain(h ssh.Handler, mw ...wish.Middleware) ssh.Handler {
	for _, m := range mw {
		h = m(h)
	}
	return h
}

// Serve accepts connections on l until Shutdown or Close. It returns
// ssh.ErrServerClosed after a shutdown.
func (s *Server) Serve(l net.Listener) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.watch(ctx)
	go s.git.Repo.Watch(ctx)
	s.serving.Store(true)
	ready := func() { s.acceptingNow.Do(func() { close(s.accepting) }) }
	if s.closing.Load() { // Shutdown came first
		ready()
		_ = l.Close()
		return ssh.ErrServerClosed
	}
	return s.ssh.Serve(&firstAccept{Listener: l, first: ready})
}

// firstAccept calls first when its Accept is first called.
type firstAccept struct {
	net.Listener
	first func()
}

// Accept implements net.Listener.
func (l *firstAccept) Accept() (net.Conn, error) {
	l.first()
	return l.Listener.Accept()
}

// Shutdown stops accepting connections, tells open TUI sessions to end, and
// waits for connections (those still in their handshake too) and sessions
// to finish until ctx is done; then it closes the rest.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closing.Store(true)
	s.mu.Lock()
	for p := range s.programs {
		go p.Send(tui.ShutdownMsg{})
	}
	s.mu.Unlock()
	if s.serving.Load() {
		select { // Serve has been called: let it set up before stopping it
		case <-s.accepting:
		case <-ctx.Done():
		}
	}
	err := s.ssh.Shutdown(ctx)
	if err == nil {
		// charm.land/ssh waits only for connections past their handshake:
		// one still in it (a client that connected just before) is served
		// too, and waited for, so that a rolling restart cuts nobody.
		err = s.limits.drained(ctx)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return s.ssh.Close()
	}
	return err
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	return s.ssh.Close()
}

// HostKey returns the server's public host key, as clients see it.
func (s *Server) HostKey() gossh.PublicKey { return s.cfg.HostKey.PublicKey() }

// folder is the blog as a folder of files for the client of sess, for scp
// and sftp.
func (s *Server) folder(sess ssh.Session) *transfer.Folder {
	return &transfer.Folder{Blog: s.blog, ID: IdentityFrom(sess.Context()), Ctx: sess.Context(), Buffers: &s.uploads}
}
