package measure

import (
	"context"
	"sync"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
	"github.com/sshblog/sshblog/cmd/bench/internal/wait"
)

// drainLimit bounds the wait for a server to end the sessions of a phase.
const drainLimit = 30 * time.Second

// HoldResult is k sessions held open at once, idle.
type HoldResult struct {
	Held          int
	Failed        tally.Failures
	Open          time.Duration // to open them all
	Before, After proc.Mem      // settled, before opening and with all open
	Idle          time.Duration // the window CPU was measured over
	IdleCPU       time.Duration // CPU the process used in it
	Steady        time.Duration // the part of the window after the blog's sessions gave back their screens
	SteadyCPU     time.Duration // CPU the process used in it
	Rested        proc.Mem      // settled, with all open after the idle window
	Drained       bool          // the server ended every session after the clients left
}

// PerSession is the growth of a memory figure per held session from before
// the sessions were opened to sample (r.After or r.Rested), in bytes.
func (r HoldResult) PerSession(sample proc.Mem, figure func(proc.Mem) uint64) float64 {
	if r.Held == 0 {
		return 0
	}
	return (float64(figure(sample)) - float64(figure(r.Before))) / float64(r.Held)
}

// runHold opens k terminal sessions to t, concurrency at a time, and keeps
// them open while it samples memory, then CPU over idle, then memory again
// (the blog's sessions give back their copy of the screen after the
// server's screen-release, so idle must be longer to see it); then it hangs
// up and waits for the server's goroutines to end. Sessions stay open
// until the phase ends, at the latest at ctx's deadline. With the sessions
// open and memory sampled, it calls held if not nil.
func runHold(ctx context.Context, t clients.Target, k, concurrency int, idle, timeout time.Duration, held func() error) (HoldResult, error) {
	var r HoldResult
	var err error
	if r.Before, err = proc.SettledMem(); err != nil {
		return r, err
	}
	holdUntil, ok := ctx.Deadline()
	if !ok {
		holdUntil = time.Now().Add(10 * time.Minute)
	}
	start := time.Now()
	terms, failed := clients.Sessions(ctx, t.Name+"-hold", k, concurrency, func(ctx context.Context) (*clients.Term, error) {
		tm, _, err := clients.OpenTerm(ctx, t, time.Now().Add(timeout))
		if err != nil {
			return nil, err
		}
		tm.Forget()
		tm.SetDeadline(holdUntil)
		return tm, nil
	})
	r.Open, r.Failed, r.Held = time.Since(start), failed, len(terms)
	hangUp := sync.OnceFunc(func() {
		for _, tm := range terms {
			tm.Close()
		}
	})
	defer hangUp()
	// Let the sessions finish starting (a TUI asks the terminal questions
	// and reads the list) before sampling.
	if err := wait.Sleep(ctx, time.Second); err != nil {
		return r, err
	}
	if r.After, err = proc.SettledMem(); err != nil {
		return r, err
	}
	if held != nil {
		if err := held(); err != nil {
			return r, err
		}
	}
	if err := r.idle(ctx, idle); err != nil {
		return r, err
	}
	if r.Rested, err = proc.SettledMem(); err != nil {
		return r, err
	}
	hangUp()
	r.Drained = proc.WaitGoroutines(ctx, r.Before.Goroutines+16, drainLimit)
	return r, nil
}

// idle measures the process's CPU over idle with the sessions held, in
// all and after the blog's sessions gave back their screens.
func (r *HoldResult) idle(ctx context.Context, idle time.Duration) error {
	cpu0, err := proc.CPUTime()
	if err != nil {
		return err
	}
	idleStart := time.Now()
	// The blog's sessions wake once, at servers.ScreenRelease, to give
	// back their copy of the screen: the CPU after that is the idle
	// sessions' own.
	released := min(servers.ScreenRelease+2*time.Second, idle/2)
	if err := wait.Sleep(ctx, released); err != nil {
		return err
	}
	cpuMid, err := proc.CPUTime()
	if err != nil {
		return err
	}
	steadyStart := time.Now()
	if err := wait.Sleep(ctx, idle-released); err != nil {
		return err
	}
	cpu1, err := proc.CPUTime()
	if err != nil {
		return err
	}
	r.Idle, r.IdleCPU = time.Since(idleStart), cpu1-cpu0
	r.Steady, r.SteadyCPU = time.Since(steadyStart), cpu1-cpuMid
	return nil
}
