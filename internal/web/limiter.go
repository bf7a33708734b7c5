package web

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter keeps a request rate per address.
type limiter struct {
	per   rate.Limit
	burst int

	mu    sync.Mutex
	addrs map[string]*bucket
}

// bucket is one address's tokens.
type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxVisitors bounds the addresses remembered; past it, those idle for a
// minute are forgotten.
const maxVisitors = 10000

// newLimiter allows perSecond requests a second per address, in bursts of
// twice that; 0 allows everything.
func newLimiter(perSecond float64) *limiter {
	return &limiter{per: rate.Limit(perSecond), burst: max(1, int(2*perSecond)), addrs: map[string]*bucket{}}
}

// allow reports whether addr may make a request now.
func (l *limiter) allow(addr string) bool {
	if l.per <= 0 {
		return true
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.addrs[addr]
	if !ok {
		if len(l.addrs) >= maxVisitors {
			for a, old := range l.addrs {
				if now.Sub(old.seen) > time.Minute {
					delete(l.addrs, a)
				}
			}
		}
		v = &bucket{lim: rate.NewLimiter(l.per, l.burst)}
		l.addrs[addr] = v
	}
	v.seen = now
	return v.lim.AllowN(now, 1)
}

// clientAddr is the address a request came from (the client's, behind a
// load balancer that the listener trusts for a PROXY header).
func clientAddr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

// itoa formats n.
func itoa(n int) string { return strconv.Itoa(n) }
