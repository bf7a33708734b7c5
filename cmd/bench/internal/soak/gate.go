package soak

import (
	"context"
	"sync"
)

// gate pauses the clients between two of their steps, so that memory can
// be sampled with every session open and nothing asked of the server. It
// is safe for concurrent use.
type gate struct {
	mu     sync.Mutex
	closed chan struct{} // nil while the gate is open; closed when it opens
	active int           // clients that have not stopped
	parked int           // clients waiting at the gate
}

// wait waits while the gate is closed, or until ctx is done.
func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	c := g.closed
	if c == nil {
		g.mu.Unlock()
		return nil
	}
	g.parked++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.parked--
		g.mu.Unlock()
	}()
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the clients at their next step.
func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed == nil {
		g.closed = make(chan struct{})
	}
}

// open lets them go on.
func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
}

// idle reports whether every client still running waits at the gate.
func (g *gate) idle() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.parked >= g.active
}

// leave counts a client that stopped.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
}
