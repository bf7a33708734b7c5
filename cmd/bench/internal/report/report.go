// Package report prints the tables of a measurement run: the blog against
// the bare server, with the targets and whether each is met; the steps of
// a first frame; the upload's details; the search phase's table; and the
// tally.Failures.
package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/measure"
	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/searchcost"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
	"github.com/sshblog/sshblog/cmd/bench/internal/upload"
)

// The targets.
const (
	frameRatioTarget   = 1.5                  // first frame p50 and p99, blog / bare, at most
	connsRatioTarget   = 0.6                  // connections per second, blog / bare, at least
	heldExtraTarget    = 256 << 10            // bytes per held session beyond a bare one, at most
	idleCPUTarget      = 0.01                 // CPU per wall second with sessions held: "about 0"
	openP99Target      = 5 * time.Millisecond // opening a cached post, server side, at most
	publishRateTarget  = 200.0                // acknowledged publishes per second, at least
	uploadGrowthTarget = int64(4 << 20)       // RSS growth during the upload, under
)

// Run is everything a measurement run did and found.
type Run struct {
	Measure     measure.Config // what the measurements ran
	Generated   int            // posts generated on top of the built-in ones
	Store       string         // the blog's store: servers.StoreBolt or servers.StoreEtcd
	UploadMiB   int64          // the upload's size; 0 if it did not run
	SearchPosts int            // posts generated for the search phase; 0 if it did not run

	Machine proc.Machine
	Posts   int    // public posts in the list
	Newest  string // the newest post's title: the blog's first-frame marker

	Wall   time.Duration // the run's; 0 if the CPU times could not be read
	Self   time.Duration // CPU time this process used
	Others time.Duration // CPU time the machine's other processes used

	Results *measure.Results
	Upload  upload.Result
	Search  searchcost.Result
}

// Print writes the tables of r to out.
func Print(out io.Writer, r *Run) {
	r.printHead(out)
	r.printTable(out)
	if r.UploadMiB > 0 {
		r.printUploadNotes(out)
	}
	r.printSteps(out)
	if r.SearchPosts > 0 {
		r.printSearch(out)
	}
	r.printFailures(out)
}

// printHead writes what ran, on what, and what else used the machine.
func (r *Run) printHead(out io.Writer) {
	fmt.Fprintf(out, "\nsshblog bench: %d CPUs (%s), %s\n", r.Machine.CPUs, r.Machine.Model, r.Machine.Go)
	fmt.Fprintf(out, "blog: %d public posts (%d generated), newest %q; terminal xterm-256color 80x24\n", r.Posts, r.Generated, r.Newest)
	if r.Store == servers.StoreEtcd {
		fmt.Fprintf(out, "store: etcd, one node in this process on loopback (its CPU and memory are the process's, under both servers' runs)\n")
	}
	fmt.Fprintf(out, "clients and both servers share this process: absolute times include the clients' work\n")
	if r.Wall > 0 {
		capacity := r.Wall.Seconds() * float64(r.Machine.CPUs)
		fmt.Fprintf(out, "run: %v; CPU used by this process %.1f s, by other processes %.1f s (%.0f%% of the machine)\n",
			r.Wall.Round(time.Second), r.Self.Seconds(), r.Others.Seconds(), 100*r.Others.Seconds()/capacity)
	}
	fmt.Fprintln(out)
}

// printTable writes the table of the measurements against their targets.
func (r *Run) printTable(out io.Writer) {
	c := r.Measure
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "measure\tblog\tbare\tblog vs bare\ttarget\tmet")
	r.printFrames(w)
	if c.Hold > 0 {
		r.printHolds(w)
	}
	if c.Opens > 0 {
		r.printOpens(w)
	}
	if c.Publishes > 0 {
		p := r.Results.Publish
		fmt.Fprintf(w, "publishes/s (%d authors, %d acked, %d failed)\t%.0f\t\t\t>= %.0f/s\t%s\n",
			p.Authors, p.Acked, p.Failed.N, p.PerSecond(), publishRateTarget, yes(p.PerSecond() >= publishRateTarget && p.Failed.N == 0))
		fmt.Fprintf(w, "  publish latency p50 / p99\t%s\t\t\t\t\n", p.Latency.P50P99())
	}
	if r.UploadMiB > 0 {
		r.printUpload(w)
	}
	w.Flush()
	if c.Opens > 0 && r.Results.Opens.Cached.Quantile(0.99) > openP99Target {
		fmt.Fprintf(out, "* client-measured, so only an upper bound of the server's time: the model row is the server's work\n  without SSH and without the renderer, which draws at most 60 frames/s after a burst of 4\n")
	}
}

// printUploadNotes writes how the upload's peak was read and the server's
// answer.
func (r *Run) printUploadNotes(out io.Writer) {
	how := "the kernel's high-water mark (VmHWM)"
	if !r.Upload.Exact {
		how = fmt.Sprintf("%d samples of VmRSS", r.Upload.Samples)
	}
	fmt.Fprintf(out, "\nupload: peak RSS from %s; answer (exit %d): %s\n", how, r.Upload.ExitCode, r.Upload.Answer)
	if r.Upload.Failed != nil {
		fmt.Fprintf(out, "upload error: %v\n", r.Upload.Failed)
	}
}

// printFailures writes, for each run with failed sessions, how many and
// the first error.
func (r *Run) printFailures(out io.Writer) {
	res := r.Results
	for _, e := range []struct {
		what string
		f    tally.Failures
	}{
		{"blog first frame, one client", res.Serial["blog"].Failed}, {"bare first frame, one client", res.Serial["bare"].Failed},
		{"blog first frame", res.Frames["blog"].Failed}, {"bare first frame", res.Frames["bare"].Failed},
		{"blog hold", res.Holds["blog"].Failed}, {"bare hold", res.Holds["bare"].Failed},
		{"model", res.Model.Failed}, {"open post", res.Opens.Failed}, {"publish", res.Publish.Failed},
	} {
		if e.f.N > 0 {
			fmt.Fprintf(out, "%s: %d failed; the first: %v\n", e.what, e.f.N, e.f.First)
		}
	}
}

// printUpload writes the rows of the oversized upload.
func (r *Run) printUpload(w io.Writer) {
	u := r.Upload
	refused := u.ExitCode == 1 && strings.Contains(u.Answer, "too large")
	fmt.Fprintf(w, "%d MiB upload to publish: RSS growth\t%s\t\t\t< %d MiB, refused\t%s\n",
		r.UploadMiB, mib(u.Growth()), uploadGrowthTarget>>20, yes(refused && u.Growth() < uploadGrowthTarget))
	fmt.Fprintf(w, "  accepted from the client before the refusal\t%s in %v\t\t\t\t\n", mib(u.Sent), u.Took.Round(time.Millisecond))
	fmt.Fprintf(w, "  RSS kept after it, settled\t%s\t\t\t\t\n", mib(int64(u.After)-int64(u.Before)))
	fmt.Fprintf(w, "  Go heap allocated until the hang-up (GCs)\t%s (%d)\t\t\t\t\n", mib(int64(u.Heap.Allocated)), u.Heap.GCs)
	fmt.Fprintf(w, "  Go heap live before it, GC goal\t%s, %s\t\t\t\t\n", mib(int64(u.Heap.Live)), mib(int64(u.Heap.Goal)))
}

// printFrames writes the rows of the first-frame runs.
func (r *Run) printFrames(w io.Writer) {
	c := r.Measure
	blog, bare := r.Results.Frames["blog"], r.Results.Frames["bare"]
	conc := fmt.Sprintf("%d clients, %d sessions", c.Concurrency, blog.Sessions)
	for _, q := range []struct {
		name   string
		q      float64
		target bool
	}{{"p50", 0.5, true}, {"p90", 0.9, false}, {"p99", 0.99, true}} {
		b, f := blog.Frame.Quantile(q.q), bare.Frame.Quantile(q.q)
		x := ratio(b.Seconds(), f.Seconds())
		target, met := "", ""
		if q.target {
			target, met = fmt.Sprintf("<= %.1fx bare", frameRatioTarget), yes(x <= frameRatioTarget)
		}
		fmt.Fprintf(w, "first frame %s (%s)\t%s\t%s\t%.2fx\t%s\t%s\n", q.name, conc, tally.Ms(b), tally.Ms(f), x, target, met)
	}
	if sb, sf := r.Results.Serial["blog"], r.Results.Serial["bare"]; sb.Sessions > 0 && sf.Sessions > 0 {
		b, f := sb.Frame.Quantile(0.5), sf.Frame.Quantile(0.5)
		fmt.Fprintf(w, "first frame p50 (1 client, %d sessions)\t%s\t%s\t%.2fx\t\t\n", sb.Sessions, tally.Ms(b), tally.Ms(f), ratio(b.Seconds(), f.Seconds()))
	}
	x := ratio(blog.PerSecond(), bare.PerSecond())
	fmt.Fprintf(w, "connections/s (%d clients)\t%.0f\t%.0f\t%.2fx\t>= %.1fx bare\t%s\n",
		c.Concurrency, blog.PerSecond(), bare.PerSecond(), x, connsRatioTarget, yes(x >= connsRatioTarget))
	b, f := blog.CPUPerSession(), bare.CPUPerSession()
	fmt.Fprintf(w, "  process CPU per session (clients too)\t%s\t%s\t%.2fx\t\t\n", tally.Ms(b), tally.Ms(f), ratio(b.Seconds(), f.Seconds()))
	fmt.Fprintf(w, "  failed sessions\t%d\t%d\t\t0\t%s\n", blog.Failed.N, bare.Failed.N, yes(blog.Failed.N+bare.Failed.N == 0))
}

// printHolds writes the rows of the held sessions.
func (r *Run) printHolds(w io.Writer) {
	c := r.Measure
	hb, hf := r.Results.Holds["blog"], r.Results.Holds["bare"]
	held := fmt.Sprintf("%d and %d held", hb.Held, hf.Held)
	per := func(name string, rested bool, figure func(proc.Mem) uint64, target bool) {
		sb, sf := hb.After, hf.After
		if rested {
			sb, sf = hb.Rested, hf.Rested
		}
		b, f := hb.PerSession(sb, figure), hf.PerSession(sf, figure)
		t, met := "", ""
		if target {
			t, met = fmt.Sprintf("<= +%d KiB", heldExtraTarget>>10), yes(b-f <= heldExtraTarget && hb.Held == c.Hold && hf.Held == c.Hold)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%+.0f KiB\t%s\t%s\n", name, kib(b), kib(f), (b-f)/1024, t, met)
	}
	rss := func(m proc.Mem) uint64 { return m.RSS }
	heap := func(m proc.Mem) uint64 { return m.HeapLive }
	per(fmt.Sprintf("RSS per held session, just opened (%s)", held), false, rss, false)
	per("  Go heap (live) per held session, just opened", false, heap, false)
	per(fmt.Sprintf("RSS per held session, idle %v (%s)", c.Idle, held), true, rss, true)
	per(fmt.Sprintf("  Go heap (live) per held session, idle %v", c.Idle), true, heap, false)
	per("  goroutine stacks per held session", false, func(m proc.Mem) uint64 { return m.Stacks }, false)
	g := func(m proc.Mem) uint64 { return m.Goroutines }
	gb, gf := hb.PerSession(hb.After, g), hf.PerSession(hf.After, g)
	fmt.Fprintf(w, "  goroutines per held session\t%.1f\t%.1f\t%+.1f\t\t\n", gb, gf, gb-gf)
	bi, fi := cpuShare(hb.IdleCPU, hb.Idle), cpuShare(hf.IdleCPU, hf.Idle)
	fmt.Fprintf(w, "idle CPU over %v, the screens' release included (%s)\t%v = %.1f%% of a CPU\t%v = %.1f%%\t\t\t\n",
		c.Idle, held, hb.IdleCPU.Round(time.Millisecond), 100*bi, hf.IdleCPU.Round(time.Millisecond), 100*fi)
	bs, fs := cpuShare(hb.SteadyCPU, hb.Steady), cpuShare(hf.SteadyCPU, hf.Steady)
	// An etcd in this process ticks all the while, under both servers'
	// sessions: with it, the target is judged on the blog's excess.
	over, judged := "", bs
	if r.Store == servers.StoreEtcd {
		over, judged = " over bare", bs-fs
	}
	fmt.Fprintf(w, "idle CPU, the last %v\t%v = %.1f%% of a CPU\t%v = %.1f%%\t\t< %.0f%% of a CPU%s\t%s\n",
		hb.Steady.Round(time.Second), hb.SteadyCPU.Round(time.Millisecond), 100*bs, hf.SteadyCPU.Round(time.Millisecond), 100*fs, 100*idleCPUTarget, over, yes(judged < idleCPUTarget))
	fmt.Fprintf(w, "  time to open the held sessions\t%v\t%v\t\t\t\n", hb.Open.Round(time.Millisecond), hf.Open.Round(time.Millisecond))
	fmt.Fprintf(w, "  all ended by the server after hang-up\t%s\t%s\t\t\t\n", yes(hb.Drained), yes(hf.Drained))
}

// printOpens writes the rows of opening a post.
func (r *Run) printOpens(w io.Writer) {
	op, md := r.Results.Opens, r.Results.Model
	fmt.Fprintf(w, "open post, first of the run (renders it)\t%s\t\t\t\t\n", tally.Ms(op.First))
	fmt.Fprintf(w, "open post p50, cached (client-measured, %d)\t%s\t\t\t\t\n", len(op.Cached), tally.Ms(op.Cached.Quantile(0.5)))
	p99 := op.Cached.Quantile(0.99)
	fmt.Fprintf(w, "open post p99, cached (client-measured)\t%s\t\t\t<= %v server side\t%s\n", tally.Ms(p99), openP99Target, boundMet(p99))
	mp99 := md.Open.Quantile(0.99)
	fmt.Fprintf(w, "  model alone p50 / p99 (Update+store+cache+View, wall)\t%s\t\t\t<= %v\t%s\n", md.Open.P50P99(), openP99Target, yes(mp99 <= openP99Target && md.Failed.N == 0))
	fmt.Fprintf(w, "  posts rendered during the opens\t%d\t\t\t1\t%s\n", r.Results.Renders, yes(r.Results.Renders <= 1))
	fmt.Fprintf(w, "first frame, model alone p50 / p99 (New+list+View, wall)\t%s\t\t\t\t\n", md.Frame.P50P99())
}

// boundMet judges a target against a client-measured upper bound: met if
// the bound is, unknown otherwise.
func boundMet(d time.Duration) string {
	if d <= openP99Target {
		return "yes"
	}
	return "NO*"
}

// printSteps writes the medians of the steps to the first frame.
func (r *Run) printSteps(out io.Writer) {
	fmt.Fprintf(out, "\nfirst frame, median time of each step since the dial:\n")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "step\tblog, 1 client\tbare, 1 client\tblog, %d clients\tbare, %d clients\n", r.Measure.Concurrency, r.Measure.Concurrency)
	for _, s := range []struct {
		name string
		at   func(clients.Stages) time.Duration
	}{
		{"TCP connected", func(s clients.Stages) time.Duration { return s.Connect }},
		{"handshake and auth done", func(s clients.Stages) time.Duration { return s.Handshake }},
		{"session, PTY and shell granted", func(s clients.Stages) time.Duration { return s.Shell }},
		{"first output byte", func(s clients.Stages) time.Duration { return s.FirstByte }},
		{"first frame (marker seen)", func(s clients.Stages) time.Duration { return s.Frame }},
	} {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.name,
			tally.Ms(r.Results.Serial["blog"].Median(s.at)), tally.Ms(r.Results.Serial["bare"].Median(s.at)),
			tally.Ms(r.Results.Frames["blog"].Median(s.at)), tally.Ms(r.Results.Frames["bare"].Median(s.at)))
	}
	w.Flush()
}

// cpuShare is cpu per second of wall time.
func cpuShare(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return cpu.Seconds() / wall.Seconds()
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// yes words whether a target is met.
func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

// kib formats b bytes in KiB.
func kib(b float64) string { return fmt.Sprintf("%.0f KiB", b/1024) }

// mib formats b bytes in MiB.
func mib(b int64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }
