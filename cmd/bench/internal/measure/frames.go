package measure

import (
	"context"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
)

// FrameResult is a run of terminal sessions that each connect, wait for
// the first frame and hang up.
type FrameResult struct {
	Sessions int                // sessions that saw their first frame
	Failed   tally.Failures     // sessions that did not
	Wall     time.Duration      // from the first connection to the last hang-up
	CPU      time.Duration      // the process's CPU time meanwhile, clients' included
	Frame    tally.Distribution // time to first frame
	Stages   []clients.Stages   // every session's steps
}

// PerSecond is the rate of completed sessions.
func (r FrameResult) PerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Sessions) / r.Wall.Seconds()
}

// CPUPerSession is the process's CPU time per completed session.
func (r FrameResult) CPUPerSession() time.Duration {
	if r.Sessions == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Sessions)
}

// Median returns the median of one step of the sessions.
func (r FrameResult) Median(step func(clients.Stages) time.Duration) time.Duration {
	ds := make([]time.Duration, len(r.Stages))
	for i, s := range r.Stages {
		ds[i] = step(s)
	}
	return tally.NewDistribution(ds).Quantile(0.5)
}

// runFrames opens up to n sessions to t, concurrency at a time, until
// duration has passed (when positive) or ctx is done; each session must
// finish within timeout.
func runFrames(ctx context.Context, t clients.Target, n, concurrency int, duration, timeout time.Duration) FrameResult {
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	cpu0, _ := proc.CPUTime()
	start := time.Now()
	var r FrameResult
	r.Stages, r.Failed = clients.Sessions(ctx, t.Name, n, concurrency, func(ctx context.Context) (clients.Stages, error) {
		tm, st, err := clients.OpenTerm(ctx, t, time.Now().Add(timeout))
		if err != nil {
			return st, err
		}
		tm.Close()
		return st, nil
	})
	r.Wall = time.Since(start)
	if cpu1, err := proc.CPUTime(); err == nil {
		r.CPU = cpu1 - cpu0
	}
	r.sum()
	return r
}

// add adds the sessions of another run to r.
func (r *FrameResult) add(o FrameResult) {
	r.Stages = append(r.Stages, o.Stages...)
	r.Failed.Merge(o.Failed)
	r.Wall += o.Wall
	r.CPU += o.CPU
	r.sum()
}

// sum computes Sessions and Frame from Stages.
func (r *FrameResult) sum() {
	r.Sessions = len(r.Stages)
	r.Frame = make(tally.Distribution, len(r.Stages))
	for i, s := range r.Stages {
		r.Frame[i] = s.Frame
	}
	r.Frame = tally.NewDistribution(r.Frame)
}
