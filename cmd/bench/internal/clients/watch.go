package clients

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Bounds of a watched session's loops, beyond their time limits.
const (
	maxReads   = 1 << 26 // reads of one session's output
	maxWakeups = 1 << 24 // wake-ups of one wait for a marker
)

// Watched is a terminal session whose output a goroutine reads all along,
// counting markers in it, so that the session never stalls for want of a
// reader and every wait has a time limit. Markers are known by their
// index in the list given to Watch.
type Watched struct {
	t      *Term
	notify chan struct{} // a token after every read
	done   chan struct{} // closed when the output ends

	mu     sync.Mutex
	counts []uint64
	end    error // why the output ended: io.EOF when the server closed it
}

// Watch starts reading tm's output, counting each of markers in it. Nothing
// else may read tm's output after: use the Watched.
func Watch(tm *Term, markers [][]byte) *Watched {
	w := &Watched{t: tm, notify: make(chan struct{}, 1), done: make(chan struct{}), counts: make([]uint64, len(markers))}
	go w.read(markers)
	return w
}

// read reads the output until it ends, counting the markers. A marker
// split across two reads is found: the last longest-1 bytes of one read
// are searched again with the next, and a marker cannot fit in them alone.
func (w *Watched) read(markers [][]byte) {
	defer close(w.done)
	longest := 0
	for _, m := range markers {
		longest = max(longest, len(m))
	}
	buf := make([]byte, 16<<10)
	scan := make([]byte, 0, len(buf)+longest)
	found := make([]uint64, len(markers))
	end := errors.New("more output than a watched session reads")
	for range maxReads { // and until the connection's deadline at most
		n, err := w.t.stdout.Read(buf)
		if n > 0 {
			scan = append(scan, buf[:n]...)
			for m, b := range markers {
				found[m] = uint64(bytes.Count(scan, b))
			}
			keep := min(len(scan), longest-1)
			scan = append(scan[:0], scan[len(scan)-keep:]...)
			w.mu.Lock()
			for m := range found {
				w.counts[m] += found[m]
			}
			w.mu.Unlock()
			w.wake()
		}
		if err != nil {
			end = err
			break
		}
		if n == 0 {
			end = io.ErrNoProgress
			break
		}
	}
	w.mu.Lock()
	w.end = end
	w.mu.Unlock()
	w.wake()
}

// wake tells a waiter that something was read.
func (w *Watched) wake() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// Count is how many times marker m has appeared so far.
func (w *Watched) Count(m int) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.counts[m]
}

// Ended says why the output ended, or nil while it goes on.
func (w *Watched) Ended() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.end
}

// Done is closed when the output has ended.
func (w *Watched) Done() <-chan struct{} { return w.done }

// WaitFor waits until marker m has appeared more than after times, until
// deadline. The end of the output first is an error.
func (w *Watched) WaitFor(ctx context.Context, m int, after uint64, deadline time.Time) error {
	began := time.Now()
	timer := time.NewTimer(deadline.Sub(began))
	defer timer.Stop()
	for range maxWakeups { // and until deadline
		w.mu.Lock()
		n, end := w.counts[m], w.end
		w.mu.Unlock()
		switch {
		case n > after:
			return nil
		case errors.Is(end, io.EOF):
			return errors.New("unexpected EOF: the server ended the session")
		case end != nil:
			return end
		}
		select {
		case <-w.notify:
		case <-timer.C:
			return fmt.Errorf("timed out after %v", time.Since(began).Round(time.Millisecond))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.New("too many wake-ups")
}

// Send writes keys to the session.
func (w *Watched) Send(keys string) error {
	if err := w.t.Send(keys); err != nil {
		return fmt.Errorf("sending %q: %w", keys, err)
	}
	return nil
}

// Close drops the connection; the read goroutine ends with it.
func (w *Watched) Close() error { return w.t.Close() }
