// Package guard bounds what an SSH client may ask of a session channel
// before any of the blog's code sees it: how many sessions one connection
// keeps open, how large a terminal a program is given, how long a command
// line may be, how many environment variables a session may set, and how
// often a window change reaches the program.
//
// It sits between golang.org/x/crypto/ssh and charm.land/ssh's session
// handler: [Guard.Handler] is the server's handler of "session" channels.
// It reads every request of the channel as it arrives, so that a client
// that floods requests never stalls the connection's reader (which is what
// lets the server see a dropped connection and the idle timeout), answers
// window changes itself, and passes the rest on, rewritten where a bound
// applies. Handlers find what the guard knows of their session with
// [Guard.Of].
package guard

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Limits are the bounds the guard holds every session to.
type Limits struct {
	// SessionsPerConn is how many session channels one connection may
	// have open at once (OpenSSH's MaxSessions is 10).
	SessionsPerConn int
	// MaxWidth and MaxHeight are the largest terminal, in columns and
	// rows, a program is told it has; larger ones are clamped. A screen's
	// memory grows with width times height.
	MaxWidth, MaxHeight int
	// MaxCommand is the longest command line, in bytes, an exec request
	// may carry; a longer one is refused before it is parsed.
	MaxCommand int
	// MaxEnv is how many environment variables a session may set.
	MaxEnv int
	// ResizeEvery is the shortest time between two window changes given
	// to a program; the changes in between are coalesced to the last.
	ResizeEvery time.Duration
	// ExtraCells bounds the screens of all sessions together: each may
	// have an 80 x 24 terminal (BaseCells), and the cells beyond that,
	// summed over the open sessions, are at most ExtraCells. A session
	// that would go over is given a smaller terminal. A cell costs a
	// program about 240 bytes (a screen and the renderer's copy of it).
	ExtraCells int
}

// BaseCells is the terminal every session may have whatever the others
// hold: 80 x 24.
const BaseCells = 80 * 24

// DefaultLimits are the limits that hold unless a caller sets others.
func DefaultLimits() Limits {
	return Limits{
		SessionsPerConn: 10,
		MaxWidth:        300,
		MaxHeight:       100,
		MaxCommand:      4096,
		MaxEnv:          32,
		ResizeEvery:     200 * time.Millisecond,
		ExtraCells:      1 << 18,
	}
}

// Admit is asked for each session a connection opens beyond its first,
// which rides on the connection's own slot: it takes a slot in the
// server's limits for the session, or says why it cannot.
type Admit func(ctx ssh.Context) (release func(), refusal string)

// Guard holds sessions to their limits. Its zero value is not usable; make
// one with [New].
type Guard struct {
	limits Limits
	log    *slog.Logger
	admit  Admit

	mu       sync.Mutex
	next     uint64
	sessions map[string]*Session // by tag, while their channels are open
	extra    int                 // cells beyond BaseCells given to open sessions
}

// New returns a guard holding sessions to l. admit may be nil: then only
// the per-connection limit counts sessions.
func New(l Limits, log *slog.Logger, admit Admit) *Guard {
	return &Guard{limits: l, log: log, admit: admit, sessions: map[string]*Session{}}
}

// Limits returns the guard's limits.
func (g *Guard) Limits() Limits { return g.limits }

// tagVariable is the environment variable by which the guard tags each
// session it passes on, so that [Guard.Of] finds it; a client's own
// variable of that name is dropped.
const tagVariable = "SSHBLOG_SESSION"

// Session is what the guard knows of one session channel.
type Session struct {
	tag     string
	done    chan struct{}
	windows chan ssh.Window // the latest window change not yet taken

	extra int // cells beyond BaseCells this session holds; guarded by Guard.mu

	mu      sync.Mutex
	every   time.Duration
	latest  ssh.Window
	last    time.Time   // when a window change was last given
	timer   *time.Timer // gives the latest change when the interval is up
	stopped bool
}

// Done is closed when the channel closes: the client left, or the
// connection died.
func (s *Session) Done() <-chan struct{} { return s.done }

// Windows delivers the session's terminal size, then its window changes,
// clamped, coalesced and at most one per the guard's ResizeEvery. Nothing
// is ever blocked by not reading it.
func (s *Session) Windows() <-chan ssh.Window { return s.windows }

// Context returns a context derived from parent that ends when the
// channel closes, as the connection's own context does not.
func (s *Session) Context(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// Of returns what the guard knows of sess, or nil for a session it did not
// pass on.
func (g *Guard) Of(sess ssh.Session) *Session {
	for _, kv := range sess.Environ() {
		if v, ok := cutVariable(kv); ok {
			g.mu.Lock()
			s := g.sessions[v]
			g.mu.Unlock()
			return s
		}
	}
	return nil
}

// Environ returns env without the guard's tag.
func Environ(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if _, ok := cutVariable(kv); !ok {
			out = append(out, kv)
		}
	}
	return out
}

// cutVariable returns the value of the guard's tag if kv sets it.
func cutVariable(kv string) (string, bool) {
	if len(kv) > len(tagVariable) && kv[:len(tagVariable)] == tagVariable && kv[len(tagVariable)] == '=' {
		return kv[len(tagVariable)+1:], true
	}
	return "", false
}

// connSessions counts one connection's open session channels.
type connSessions struct {
	mu   sync.Mutex
	open int
}

// connKey is the context key of a connection's connSessions.
type connKey struct{}

// sessionsOf returns the session count of the connection of ctx.
func sessionsOf(ctx ssh.Context) *connSessions {
	ctx.Lock()
	defer ctx.Unlock()
	c, _ := ctx.Value(connKey{}).(*connSessions)
	if c == nil {
		c = &connSessions{}
		ctx.SetValue(connKey{}, c)
	}
	return c
}

// take counts a new session on the connection of ctx, or says why it is
// refused.
func (g *Guard) take(ctx ssh.Context) (release func(), refusal string) {
	c := sessionsOf(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if g.limits.SessionsPerConn > 0 && c.open >= g.limits.SessionsPerConn {
		return nil, "too many sessions on one connection (at most " + strconv.Itoa(g.limits.SessionsPerConn) + ")"
	}
	slot := func() {}
	if c.open > 0 && g.admit != nil {
		r, why := g.admit(ctx)
		if why != "" {
			return nil, why
		}
		slot = r
	}
	c.open++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.open--
			c.mu.Unlock()
			slot()
		})
	}, ""
}

// Handler serves a "session" channel: it counts it against the limits,
// and hands it to charm.land/ssh's session handler through a filter of its
// requests. It is an ssh.ChannelHandler.
func (g *Guard) Handler(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	release, refusal := g.take(ctx)
	if refusal != "" {
		g.log.Warn("session refused", "remote", conn.RemoteAddr().String(), "reason", refusal)
		_ = nc.Reject(gossh.ResourceShortage, refusal)
		return
	}
	s := g.register()
	// The session's slot and screen are given back as its channel closes,
	// before Done is closed; or here, if it never opened.
	end := sync.OnceFunc(func() {
		g.unregister(s)
		release()
	})
	defer end()
	ssh.DefaultSessionHandler(srv, conn, &newChannel{NewChannel: nc, guard: g, session: s, remote: conn.RemoteAddr().String(), end: end}, ctx)
}

// register makes and tracks a new Session.
func (g *Guard) register() *Session {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.next++
	s := &Session{
		tag:     strconv.FormatUint(g.next, 10),
		done:    make(chan struct{}),
		windows: make(chan ssh.Window, 1),
		every:   g.limits.ResizeEvery,
	}
	g.sessions[s.tag] = s
	return s
}

// unregister forgets s, and gives back its screen.
func (g *Guard) unregister(s *Session) {
	g.mu.Lock()
	delete(g.sessions, s.tag)
	g.extra -= s.extra
	s.extra = 0
	g.mu.Unlock()
	s.mu.Lock()
	s.stopped = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
}

// first gives the terminal's own size. It does not count against the
// rate: a client that resizes right after it starts (a terminal settling)
// has that change given at once, as before the guard.
func (s *Session) first(w ssh.Window) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest = w
	last := s.last
	s.giveLocked()
	s.last = last
}

// offer takes a window change: it is given at once if the interval since
// the last one is up, else when it is, unless a later one replaces it.
func (s *Session) offer(w ssh.Window) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latest = w
	if s.timer != nil || s.stopped {
		return // the pending timer gives the latest
	}
	if wait := time.Until(s.last.Add(s.every)); wait > 0 {
		s.timer = time.AfterFunc(wait, s.fire)
		return
	}
	s.giveLocked()
}

// fire gives the latest window change when the interval is up.
func (s *Session) fire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer = nil
	if !s.stopped {
		s.giveLocked()
	}
}

// giveLocked puts the latest window change in the mailbox, replacing one
// not yet taken. s.mu is held, so no other send can fill the slot between
// the drain and the send.
func (s *Session) giveLocked() {
	select {
	case <-s.windows:
	default:
	}
	s.windows <- s.latest
	s.last = time.Now()
}

// newChannel filters the requests of the channel it accepts.
type newChannel struct {
	gossh.NewChannel
	guard   *Guard
	session *Session
	remote  string
	end     func() // gives back the session's slot and screen
}

// Accept accepts the channel and returns its requests as the guard passes
// them on.
func (n *newChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := n.NewChannel.Accept()
	if err != nil {
		return nil, nil, err
	}
	out := make(chan *gossh.Request)
	f := &filter{guard: n.guard, session: n.session, ch: ch, remote: n.remote, out: out, end: n.end}
	go f.run(reqs)
	return ch, out, nil
}

// filter is the guard's reader of one channel's requests.
type filter struct {
	guard   *Guard
	session *Session
	ch      gossh.Channel
	remote  string
	out     chan<- *gossh.Request
	end     func() // called once the channel has closed

	env     int  // environment variables passed on
	tagged  bool // the tag has been passed on
	refused bool // the session was refused; drain until the client leaves
	clamped bool // a size was clamped (logged once)
}

// run reads every request of the channel until it closes.
func (f *filter) run(reqs <-chan *gossh.Request) {
	defer func() {
		close(f.out)
		f.end()
		close(f.session.done)
	}()
	for req := range reqs {
		if f.refused {
			_ = req.Reply(false, nil)
			continue
		}
		f.handle(req)
	}
}

// handle passes req on, rewritten, answered or refused.
func (f *filter) handle(req *gossh.Request) {
	l := f.guard.limits
	switch req.Type {
	case "pty-req":
		payload, w, ok := f.clampPty(req.Payload)
		if !ok {
			_ = req.Reply(false, nil)
			return
		}
		req.Payload = payload
		// The first window a program is told of is the terminal's own, as
		// charm.land/ssh tells it: every session starts alike, whether or
		// not its client sends a window change before the first frame.
		f.session.first(w)
	case "window-change":
		w, ok := f.window(req.Payload)
		if ok {
			f.session.offer(w)
		}
		_ = req.Reply(ok, nil)
		return
	case "env":
		var kv struct{ Key, Value string }
		if gossh.Unmarshal(req.Payload, &kv) != nil || kv.Key == tagVariable || (l.MaxEnv > 0 && f.env >= l.MaxEnv) {
			_ = req.Reply(false, nil)
			return
		}
		f.env++
	case "exec":
		var cmd struct{ Value string }
		if gossh.Unmarshal(req.Payload, &cmd) != nil {
			_ = req.Reply(false, nil)
			return
		}
		if l.MaxCommand > 0 && len(cmd.Value) > l.MaxCommand {
			f.refuse(req, fmt.Sprintf("the command line is %d bytes; the most is %d", len(cmd.Value), l.MaxCommand))
			return
		}
		f.tag()
	case "shell", "subsystem":
		f.tag()
	}
	f.out <- req
}

// tag passes on, once, the variable by which Of finds the session.
func (f *filter) tag() {
	if f.tagged {
		return
	}
	f.tagged = true
	f.out <- &gossh.Request{Type: "env", Payload: gossh.Marshal(struct{ Key, Value string }{tagVariable, f.session.tag})}
}

// refuse answers a request that would start the session with a one-line
// reason on stderr and exit status 1, logs it, and closes the channel.
func (f *filter) refuse(req *gossh.Request, reason string) {
	f.refused = true
	f.guard.log.Warn("session refused", "remote", f.remote, "reason", reason)
	_ = req.Reply(true, nil)
	_, _ = f.ch.Stderr().Write([]byte("sshblog: " + reason + "\n"))
	_, _ = f.ch.SendRequest("exit-status", false, gossh.Marshal(struct{ Status uint32 }{1}))
	_ = f.ch.Close()
}

// clampPty returns a pty-req payload with the terminal clamped to the
// limits, and that window, or false if it is malformed.
func (f *filter) clampPty(p []byte) ([]byte, ssh.Window, bool) {
	term, rest, ok := cutString(p)
	if !ok || len(term) > maxTerm || len(rest) < 16 {
		return nil, ssh.Window{}, false
	}
	w, ok := f.window(rest[:16])
	if !ok {
		return nil, ssh.Window{}, false
	}
	out := make([]byte, 0, len(p))
	out = binary.BigEndian.AppendUint32(out, uint32(len(term)))
	out = append(out, term...)
	out = binary.BigEndian.AppendUint32(out, uint32(w.Width))
	out = binary.BigEndian.AppendUint32(out, uint32(w.Height))
	out = append(out, rest[8:]...) // pixels and modes as sent
	return out, w, true
}

// maxTerm is the longest TERM a pty request may name.
const maxTerm = 64

// window parses a window change's size and clamps it to the limits,
// logging the first clamp of the session.
func (f *filter) window(p []byte) (ssh.Window, bool) {
	if len(p) < 16 {
		return ssh.Window{}, false
	}
	cols, rows := binary.BigEndian.Uint32(p), binary.BigEndian.Uint32(p[4:])
	l := f.guard.limits
	w := ssh.Window{
		Width:        clamp(cols, l.MaxWidth),
		Height:       clamp(rows, l.MaxHeight),
		WidthPixels:  int(min(binary.BigEndian.Uint32(p[8:]), 1<<16)),
		HeightPixels: int(min(binary.BigEndian.Uint32(p[12:]), 1<<16)),
	}
	w.Width, w.Height = f.guard.fit(f.session, w.Width, w.Height)
	if (uint64(w.Width) != uint64(cols) || uint64(w.Height) != uint64(rows)) && !f.clamped {
		f.clamped = true
		f.guard.log.Info("terminal size clamped", "remote", f.remote, "asked", fmt.Sprintf("%dx%d", cols, rows),
			"given", fmt.Sprintf("%dx%d", w.Width, w.Height))
	}
	return w, true
}

// fit returns the largest terminal of at most w x h that s may have
// within the screens of all sessions, and holds it for s.
func (g *Guard) fit(s *Session, w, h int) (int, int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.limits.ExtraCells > 0 {
		allowed := BaseCells + max(0, g.limits.ExtraCells-(g.extra-s.extra))
		if w*h > allowed {
			if allowed/max(w, 1) >= min(h, 24) {
				h = allowed / w
			} else {
				w = min(w, 80)
				h = min(h, allowed/w)
			}
		}
	}
	extra := max(0, w*h-BaseCells)
	g.extra += extra - s.extra
	s.extra = extra
	return w, h
}

// clamp returns v, at most limit (when limit is positive).
func clamp(v uint32, limit int) int {
	if limit > 0 && uint64(v) > uint64(limit) {
		return limit
	}
	return int(min(v, 1<<20))
}

// cutString parses an SSH string from the front of p.
func cutString(p []byte) (string, []byte, bool) {
	if len(p) < 4 {
		return "", nil, false
	}
	n := binary.BigEndian.Uint32(p)
	if uint64(len(p)-4) < uint64(n) {
		return "", nil, false
	}
	return string(p[4 : 4+n]), p[4+n:], true
}
