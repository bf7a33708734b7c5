// Package wait holds the bench's waits, each with a time limit: a pause
// that ends early when its context is done, polling until a condition
// holds, and waiting for a sync.WaitGroup.
package wait

import (
	"context"
	"sync"
	"time"
)

// pollEvery is how often Until checks its condition.
const pollEvery = 50 * time.Millisecond

// Sleep waits for d or until ctx is done, whichever is first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Until polls cond every pollEvery until it holds, for up to limit or
// until ctx is done, and reports whether it held.
func Until(ctx context.Context, limit time.Duration, cond func() bool) bool {
	stop := time.Now().Add(limit)
	for range limit/pollEvery + 1 { // and until stop
		if cond() {
			return true
		}
		if !time.Now().Before(stop) || Sleep(ctx, pollEvery) != nil {
			break
		}
	}
	return cond()
}

// Group waits for wg for up to limit and reports whether it was done.
func Group(wg *sync.WaitGroup, limit time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
