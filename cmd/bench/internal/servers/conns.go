package servers

import (
	"net"
	"sync"
	"sync/atomic"
)

// ConnCounter counts the connections a server accepted and those it has
// not closed yet. It is safe for concurrent use.
type ConnCounter struct {
	accepted atomic.Int64
	open     atomic.Int64
}

// Accepted is the number of connections accepted so far.
func (c *ConnCounter) Accepted() int64 { return c.accepted.Load() }

// Open is the number of connections accepted and not closed yet.
func (c *ConnCounter) Open() int64 { return c.open.Load() }

// countingListener counts its connections in n.
type countingListener struct {
	net.Listener
	n *ConnCounter
}

// Accept returns the next connection, counted until it is closed.
func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.n.accepted.Add(1)
	l.n.open.Add(1)
	return &countedConn{Conn: c, n: l.n}, nil
}

// countedConn uncounts itself on its first Close.
type countedConn struct {
	net.Conn
	n    *ConnCounter
	once sync.Once
}

// Close closes the connection and counts it closed, once.
func (c *countedConn) Close() error {
	c.once.Do(func() { c.n.open.Add(-1) })
	return c.Conn.Close()
}
