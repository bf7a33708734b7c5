package measure

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime/pprof"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
	"github.com/sshblog/sshblog/cmd/bench/internal/wait"
)

// OpenResult is a series of sessions that each open the newest post.
type OpenResult struct {
	First  time.Duration      // the first open, which renders the post
	Cached tally.Distribution // the others, from the render cache
	Failed tally.Failures
}

// Count is the number of opens that worked.
func (r OpenResult) Count() int {
	if r.First == 0 {
		return len(r.Cached)
	}
	return len(r.Cached) + 1
}

// runOpens opens n sessions to t one after another; in each it waits for
// the list, pauses as a reader would, presses Enter on the first post and
// times until marker, a word of the post's body, appears. The pause, of up
// to two frames at 60 frames a second, keeps Enter from always arriving
// just after a frame was drawn.
func runOpens(ctx context.Context, t clients.Target, marker []byte, n int, timeout time.Duration) OpenResult {
	var r OpenResult
	var cached []time.Duration
	rng := rand.New(rand.NewPCG(3, 4))
	pprof.Do(ctx, pprof.Labels("client", t.Name+"-open"), func(ctx context.Context) {
		for i := 0; i < n && ctx.Err() == nil; i++ {
			pause := time.Duration(rng.Int64N(int64(time.Second / 30)))
			d, err := openPost(ctx, t, marker, pause, timeout)
			switch {
			case err != nil:
				r.Failed.Add(err)
			case i == 0:
				r.First = d
			default:
				cached = append(cached, d)
			}
		}
	})
	r.Cached = tally.NewDistribution(cached)
	return r
}

// openPost opens a terminal session to t, waits for the list and then for
// pause, sends Enter and returns how long marker took to appear after it.
func openPost(ctx context.Context, t clients.Target, marker []byte, pause, timeout time.Duration) (time.Duration, error) {
	tm, _, err := clients.OpenTerm(ctx, t, time.Now().Add(timeout))
	if err != nil {
		return 0, err
	}
	defer tm.Close()
	if err := wait.Sleep(ctx, pause); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := tm.Send("\r"); err != nil {
		return 0, fmt.Errorf("pressing Enter: %w", err)
	}
	if err := tm.WaitFor(marker); err != nil {
		return 0, fmt.Errorf("waiting for the post: %w", err)
	}
	return time.Since(start), nil
}
