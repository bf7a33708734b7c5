package store

import "sync"

// Signal tells any number of goroutines of the next change without polling:
// Changed returns a channel that the next Notify closes. Both stores keep
// one for Watcher.Changed. Its zero value is ready to use.
type Signal struct {
	mu sync.Mutex
	ch chan struct{} // closed and replaced by Notify; made on first use
}

// Changed returns a channel closed at the next Notify.
func (s *Signal) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Notify wakes everyone waiting on a channel Changed returned.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}
