package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	proxyproto "github.com/pires/go-proxyproto"
)

// proxyHeaderTimeout bounds how long a load balancer may take to send the
// PROXY header of a connection.
const proxyHeaderTimeout = 5 * time.Second

// Listen opens a TCP listener on addr. With trustedProxies (addresses or
// CIDR ranges of load balancers), connections from those addresses must
// open with a PROXY protocol header (v1 or v2), and the client address it
// carries is the connection's remote address: what per-address limits,
// logs and read counts see. The header is read in the connection's own
// goroutine, when its address or first bytes are first asked for, never in
// Accept: a silent socket from a load balancer holds up nobody else. A
// trusted connection without a valid header is closed and logged.
//
// A connection from anywhere else (from everyone, without trustedProxies)
// is taken as it is; if it opens with a PROXY header (someone posing as
// another address), it is refused and logged.
func Listen(addr string, trustedProxies []string, log *slog.Logger) (net.Listener, error) {
	var policy proxyproto.ConnPolicyFunc
	if len(trustedProxies) > 0 {
		var err error
		policy, err = proxyproto.PolicyFromRanges(trustedProxies, proxyproto.REQUIRE, proxyproto.SKIP)
		if err != nil {
			return nil, fmt.Errorf("proxy-protocol: %w", err)
		}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	if policy == nil {
		return &proxyListener{Listener: l, log: log}, nil
	}
	return &proxyListener{
		Listener: &proxyproto.Listener{Listener: l, ConnPolicy: policy, ReadHeaderTimeout: proxyHeaderTimeout},
		log:      log,
	}, nil
}

// proxyListener wraps each connection so that a missing header from a
// trusted address, or a header from anyone else, is refused and logged.
type proxyListener struct {
	net.Listener
	log *slog.Logger
}

// Accept returns the next connection, wrapped; it reads nothing from it.
func (l *proxyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if pc, ok := c.(*proxyproto.Conn); ok {
		return &proxiedConn{Conn: pc, log: l.log}, nil
	}
	return &directConn{Conn: c, log: l.log}, nil
}

// proxiedConn is a connection from a trusted load balancer.
type proxiedConn struct {
	*proxyproto.Conn
	log *slog.Logger

	once sync.Once
	err  error
}

// errNoHeader refuses a trusted connection without a valid PROXY header.
var errNoHeader = errors.New("no valid PROXY header from a trusted proxy")

// check reads the header once, logging a connection without one.
func (c *proxiedConn) check() error {
	c.once.Do(func() {
		if c.Conn.ProxyHeader() == nil {
			c.err = errNoHeader
			c.log.Warn("connection refused", "remote", c.Conn.Raw().RemoteAddr().String(), "reason", c.err.Error())
			_ = c.Conn.Close()
		}
	})
	return c.err
}

// RemoteAddr returns the client's address from the header.
func (c *proxiedConn) RemoteAddr() net.Addr {
	_ = c.check()
	return c.Conn.RemoteAddr()
}

// Read reads after the header.
func (c *proxiedConn) Read(p []byte) (int, error) {
	if err := c.check(); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

// directConn is a connection from an address that is not a trusted proxy.
type directConn struct {
	net.Conn
	log *slog.Logger

	once sync.Once
	head []byte // the first bytes, read to look for a header, not yet returned
	err  error
}

// The two forms of a PROXY header start with these bytes.
var (
	proxyV1 = []byte("PROXY")
	proxyV2 = []byte("\r\n\r\n\x00")
)

// Read returns the connection's bytes, refusing it if they start with a
// PROXY header. The look happens on the first read, which comes after the
// server has sent its own version line, so no client waits for it.
func (c *directConn) Read(p []byte) (int, error) {
	c.once.Do(func() {
		head := make([]byte, len(proxyV1))
		n, err := io.ReadFull(c.Conn, head)
		c.head = head[:n]
		if err == nil && (bytes.Equal(head, proxyV1) || bytes.Equal(head, proxyV2)) {
			c.err = errors.New("a PROXY header from an address that is not a trusted proxy")
			c.log.Warn("connection refused", "remote", c.Conn.RemoteAddr().String(), "reason", c.err.Error())
			_ = c.Conn.Close()
		} else if err != nil && n == 0 {
			c.err = err
		}
	})
	if c.err != nil {
		return 0, c.err
	}
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
