package server

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// limitListener enforces the connection limits before a byte of SSH is
// spoken: open connections in total and per address, and new connections per
// minute per address. A refused client gets one line saying why (RFC 4253
// allows text before the version line) and is closed.
type limitListener struct {
	net.Listener
	log *slog.Logger

	maxTotal, maxPerIP int
	perMinute          int

	total atomic.Int64

	mu    sync.Mutex
	peers map[string]*peer // by IP
}

// peer is what the listener remembers about one address.
type peer struct {
	open     int
	limiter  *rate.Limiter
	lastSeen time.Time
}

// forgetAfter is how long an address with no open connection is remembered;
// its rate limiter has refilled by then.
const forgetAfter = 2 * time.Minute

// newLimitListener wraps l. Zero limits are no limits.
func newLimitListener(l net.Listener, log *slog.Logger, maxTotal, maxPerIP, perMinute int) net.Listener {
	if maxTotal <= 0 && maxPerIP <= 0 && perMinute <= 0 {
		return l
	}
	return &limitListener{Listener: l, log: log, maxTotal: maxTotal, maxPerIP: maxPerIP, perMinute: perMinute, peers: map[string]*peer{}}
}

// Accept returns the next connection within the limits, refusing the
// others.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		if reason := l.admit(ip); reason != "" {
			l.log.Warn("connection refused", "remote", c.RemoteAddr().String(), "reason", reason)
			go refuse(c, reason)
			continue
		}
		return &limitedConn{Conn: c, release: func() { l.release(ip) }}, nil
	}
}

// admit counts a new connection from ip, or says why it is refused.
func (l *limitListener) admit(ip string) string {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	p := l.peers[ip]
	if p == nil {
		p = &peer{}
		if l.perMinute > 0 {
			p.limiter = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		}
		l.peers[ip] = p
	}
	p.lastSeen = now
	switch {
	case p.limiter != nil && !p.limiter.AllowN(now, 1):
		return "too many new connections from your address; try again in a minute"
	case l.maxPerIP > 0 && p.open >= l.maxPerIP:
		return "too many open connections from your address"
	case l.maxTotal > 0 && l.total.Load() >= int64(l.maxTotal):
		return "the blog is busy; try again soon"
	}
	p.open++
	l.total.Add(1)
	return ""
}

// release counts a closed connection from ip.
func (l *limitListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.peers[ip]; p != nil {
		p.open--
		p.lastSeen = time.Now()
	}
	l.total.Add(-1)
}

// prune forgets addresses with no open connection that were last seen long
// ago, so the map stays as small as the set of recent visitors. It scans
// only once the map holds many addresses.
func (l *limitListener) prune(now time.Time) {
	if len(l.peers) < 1024 {
		return
	}
	for ip, p := range l.peers {
		if p.open == 0 && now.Sub(p.lastSeen) > forgetAfter {
			delete(l.peers, ip)
		}
	}
}

// refuse tells a client why it is refused and closes it.
func refuse(c net.Conn, reason string) {
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, _ = c.Write([]byte("sshblog: " + reason + "\r\n"))
	_ = c.Close()
}

// remoteIP is the address part of a connection's remote address.
func remoteIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// limitedConn releases its slot once when closed.
type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its slot.
func (c *limitedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
