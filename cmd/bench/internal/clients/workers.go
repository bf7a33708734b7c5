package clients

import (
	"context"
	"runtime/pprof"
	"sync"
	"sync/atomic"

	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
)

// Workers runs work on n goroutines at once, under the pprof label
// client=label, and gathers what they kept and the errors they met. Worker
// w (0 to n-1) calls keep and fail from its own goroutine only.
func Workers[T any](ctx context.Context, label string, n int, work func(ctx context.Context, w int, keep func(T), fail func(error))) ([]T, tally.Failures) {
	type worker struct {
		kept   []T
		failed tally.Failures
	}
	tallies := make([]worker, n)
	var wg sync.WaitGroup
	for w := range tallies {
		wg.Go(func() {
			t := &tallies[w]
			pprof.Do(ctx, pprof.Labels("client", label), func(ctx context.Context) {
				work(ctx, w, func(v T) { t.kept = append(t.kept, v) }, t.failed.Add)
			})
		})
	}
	wg.Wait()
	var kept []T
	var failed tally.Failures
	for _, t := range tallies {
		kept = append(kept, t.kept...)
		failed.Merge(t.failed)
	}
	return kept, failed
}

// Sessions calls open n times, concurrency calls at a time, until ctx is
// done, and gathers what the calls returned and their errors.
func Sessions[T any](ctx context.Context, label string, n, concurrency int, open func(ctx context.Context) (T, error)) ([]T, tally.Failures) {
	var next atomic.Int64
	return Workers(ctx, label, concurrency, func(ctx context.Context, _ int, keep func(T), fail func(error)) {
		for next.Add(1) <= int64(n) && ctx.Err() == nil {
			v, err := open(ctx)
			if err != nil {
				fail(err)
				continue
			}
			keep(v)
		}
	})
}
