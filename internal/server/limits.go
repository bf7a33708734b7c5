package server

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"golang.org/x/time/rate"
)

// limits are the server's connection limits: open connections in total and
// per address, and new connections per minute per address. A connection
// takes one slot; each further session it keeps open at once takes
// another ([limits.admitSession]), so many sessions on one connection count
// as many connections do. A refused client gets one line saying why (RFC
// 4253 allows text before the version line) and is closed; every refusal
// is logged with the address.
//
// Admission runs in each connection's own goroutine ([limits.admitConn] is
// the SSH server's ConnCallback), never in the accept loop: learning a
// proxied connection's address means reading its PROXY header, and a load
// balancer's silent socket must not hold up everyone else's.
type limits struct {
	log *slog.Logger

	maxTotal, maxPerIP int
	perMinute          int

	total atomic.Int64

	mu    sync.Mutex
	peers map[string]*peer // by IP
}

// peer is what the limits remember about one address.
type peer struct {
	open     int
	limiter  *rate.Limiter
	lastSeen time.Time
}

// forgetAfter is how long an address with no open connection is remembered;
// its rate limiter has refilled by then.
const forgetAfter = 2 * time.Minute

// newLimits returns the limits. Zero limits are no limits.
func newLimits(log *slog.Logger, maxTotal, maxPerIP, perMinute int) *limits {
	return &limits{log: log, maxTotal: maxTotal, maxPerIP: maxPerIP, perMinute: perMinute, peers: map[string]*peer{}}
}

// admitConn returns c, counted, if it is within the limits; else it tells
// the client why, closes c and returns nil. It is the SSH server's
// ConnCallback.
func (l *limits) admitConn(_ ssh.Context, c net.Conn) net.Conn {
	ip := remoteIP(c)
	if reason := l.admit(ip, true); reason != "" {
		l.log.Warn("connection refused", "remote", c.RemoteAddr().String(), "reason", reason)
		refuse(c, reason)
		return nil
	}
	return &limitedConn{Conn: c, release: func() { l.release(ip) }}
}

// admitSession counts a session beyond a connection's first, or says why it
// is refused; the guard logs the refusal.
func (l *limits) admitSession(ctx ssh.Context) (func(), string) {
	ip := remoteIP(ctx)
	if reason := l.admit(ip, false); reason != "" {
		return nil, reason
	}
	var once sync.Once
	return func() { once.Do(func() { l.release(ip) }) }, ""
}

// admit counts a new connection (newConn) or session from ip, or says why
// it is refused. Only new connections count against the rate.
func (l *limits) admit(ip string, newConn bool) string {
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
	case newConn && p.limiter != nil && !p.limiter.AllowN(now, 1):
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
func (l *limits) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.peers[ip]; p != nil {
		p.open--
		p.lastSeen = time.Now()
	}
	l.total.Add(-1)
}

// drained waits until no connection is open, or ctx is done.
func (l *limits) drained(ctx context.Context) error {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for l.total.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// prune forgets addresses with no open connection that were last seen long
// ago, so the map stays as small as the set of recent visitors. It scans
// only once the map holds many addresses.
func (l *limits) prune(now time.Time) {
	if len(l.peers) < 1024 {
		return
	}
	for ip, p := range l.peers {
		if p.open == 0 && now.Sub(p.lastSeen) > forgetAfter {
			delete(l.peers, ip)
		}
	}
}

// refuse tells a client why it is refused and closes it; it runs in the
// connection's own goroutine.
func refuse(c net.Conn, reason string) {
	_ = c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	_, _ = c.Write([]byte("sshblog: " + reason + "\r\n"))
	_ = c.Close()
}

// remoteIP is what the per-address limits count a connection under: the
// address part of its remote address, or for IPv6 its /64 network, which
// one subscriber usually holds whole (counting single IPv6 addresses would
// give one client 2^64 sets of slots).
func remoteIP(c interface{ RemoteAddr() net.Addr }) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if ip = ip.Unmap(); ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
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
