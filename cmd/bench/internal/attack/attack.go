// Package attack measures what an anonymous client's attacks cost the
// blog: each attack of the security review (a huge terminal, many
// sessions on one connection, long command lines, a flood of window
// changes then a dropped connection, a resize storm) is made from a child
// process against the blog under its default limits, next to a baseline
// of one ordinary reader, while this process, the server alone, has its
// peak memory and CPU time measured; then the blog must still answer
// another reader.
package attack

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/child"
	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
)

// Attack is one attack of the run.
type Attack struct {
	Name string // what the child is asked to do
	What string // what it sends, for the report
}

// Attacks returns the attacks of a run, the baseline first.
func Attacks() []Attack {
	return []Attack{
		{"reader", "baseline: one reader, 80x24, opens a post"},
		{"pty-huge", "one terminal of 65535x65535, opens a post"},
		{"pty-ten", "ten 600x600 terminals on one connection"},
		{"sessions", "5 connections x 15 reader sessions, one address"},
		{"command", "three exec requests of 200 KB"},
		{"winch-drop", "3 sessions: 20,000 window changes unread, then drop"},
		{"resize-storm", "20 sessions, 10,000 window changes/s"},
	}
}

// Config is a run's settings.
type Config struct {
	Addr  string        // the blog's SSH address
	Hold  time.Duration // how long each attack's sessions are held
	Check func() error  // asks the blog something as another reader
	Only  []string      // the attacks to make, by name; none: all
}

// Result is what one attack cost the server.
type Result struct {
	Attack
	Sessions int           // sessions the blog let the attacker open
	Refused  int           // sessions and connections it refused
	Requests int           // requests the attacker sent
	Peak     int64         // the server's peak RSS above its settled RSS before, bytes
	After    int64         // its settled RSS after, above before, bytes
	CPU      time.Duration // the server's CPU time during the attack
	Took     time.Duration // the attack's wall time
	Served   bool          // another reader was answered after it
	Err      string        // why the attack could not be made
}

// Run makes every attack in turn and returns what each cost.
func Run(ctx context.Context, c Config) ([]Result, error) {
	var out []Result
	for _, a := range Attacks() {
		if len(c.Only) > 0 && !slices.Contains(c.Only, a.Name) {
			continue
		}
		r, err := one(ctx, c, a)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// one makes attack a.
func one(ctx context.Context, c Config, a Attack) (Result, error) {
	r := Result{Attack: a}
	before, err := proc.SettledMem()
	if err != nil {
		return r, err
	}
	if err := proc.ResetPeakRSS(); err != nil {
		return r, fmt.Errorf("resetting the peak RSS: %w", err)
	}
	cpu, err := proc.CPUTime()
	if err != nil {
		return r, err
	}
	start := time.Now()
	o, err := runElsewhere(ctx, job{Addr: c.Addr, Attack: a.Name, Hold: c.Hold})
	if err != nil {
		return r, err
	}
	r.Took = time.Since(start)
	peak, err := proc.ReadPeakRSS()
	if err != nil {
		return r, err
	}
	used, err := proc.CPUTime()
	if err != nil {
		return r, err
	}
	r.CPU = used - cpu
	r.Sessions, r.Refused, r.Requests, r.Err = o.Sessions, o.Refused, o.Requests, o.Err
	r.Peak = int64(peak) - int64(before.RSS)
	r.Served = c.Check() == nil
	// Let the server end what the attacker left, then settle.
	time.Sleep(time.Second)
	after, err := proc.SettledMem()
	if err != nil {
		return r, err
	}
	r.After = int64(after.RSS) - int64(before.RSS)
	return r, nil
}

// runElsewhere runs j in a child process and returns what it saw.
func runElsewhere(ctx context.Context, j job) (outcome, error) {
	var o outcome
	err := child.Run(ctx, ClientEnv, "attacker", j, &o)
	return o, err
}

// WriteTable prints the results, and the most any one anonymous session
// cost the server beyond the baseline's reader.
func WriteTable(w io.Writer, rs []Result) {
	fmt.Fprintf(w, "\nattacks (the server's cost; default limits; the attacker in a child process)\n")
	fmt.Fprintf(w, "%-13s %-52s %8s %7s %10s %10s %8s %7s\n", "attack", "sent", "sessions", "refused", "peak RSS", "after", "CPU", "served")
	for _, r := range rs {
		fmt.Fprintf(w, "%-13s %-52s %8d %7d %10s %10s %8s %7v\n", r.Name, r.What, r.Sessions, r.Refused,
			mib(r.Peak), mib(r.After), r.CPU.Round(time.Millisecond), r.Served)
		if r.Err != "" {
			fmt.Fprintf(w, "  %s: %s\n", r.Name, r.Err)
		}
	}
	if len(rs) == 0 || rs[0].Name != "reader" {
		return
	}
	base := rs[0]
	var worstMem int64
	var worstCPU time.Duration
	var memBy, cpuBy string
	for _, r := range rs[1:] {
		n := int64(max(r.Sessions, 1))
		if m := (r.Peak - base.Peak) / n; m > worstMem {
			worstMem, memBy = m, r.Name
		}
		reqs := max(r.Sessions+r.Refused, 1)
		if c := (r.CPU - base.CPU) / time.Duration(reqs); c > worstCPU {
			worstCPU, cpuBy = c, r.Name
		}
	}
	fmt.Fprintf(w, "most memory one anonymous session took beyond the baseline reader's: %s (%s)\n", mib(worstMem), memBy)
	fmt.Fprintf(w, "most CPU one anonymous session or connection took beyond the baseline's: %v (%s)\n", worstCPU.Round(time.Millisecond), cpuBy)
}

// mib formats bytes in MiB.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
