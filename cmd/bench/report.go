package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
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

// machine describes where the run happened.
type machine struct {
	CPUs  int
	Model string
	Go    string
}

// readMachine reads the CPU count and model and the Go version.
func readMachine() machine {
	m := machine{CPUs: runtime.NumCPU(), Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, Model: "unknown"}
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return m // not Linux: the model stays unknown
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			m.Model = strings.TrimSpace(v)
			break
		}
	}
	return m
}

// results are every figure of a run.
type results struct {
	opts   options
	env    machine
	posts  int    // public posts in the list
	newest string // the newest post's title: the blog's first-frame marker
	marker string // the word that shows the post is open

	serial  map[string]frameResult // one client at a time, by target name
	frames  map[string]frameResult // by target name
	holds   map[string]holdResult  // by target name
	model   modelResult
	opens   openResult
	renders uint64 // posts the render cache rendered during the opens

	wall    time.Duration // the run's
	self    time.Duration // CPU time this process used
	others  time.Duration // CPU time the machine's other processes used
	publish publishResult
	upload  uploadResult
	search  searchResult
}

// newResults returns empty results of a run with options o on env.
func newResults(o options, env machine) *results {
	return &results{opts: o, env: env, serial: map[string]frameResult{}, frames: map[string]frameResult{}, holds: map[string]holdResult{}}
}

// print writes the tables.
func (r *results) print(out io.Writer) {
	o := r.opts
	fmt.Fprintf(out, "\nsshblog bench: %d CPUs (%s), %s\n", r.env.CPUs, r.env.Model, r.env.Go)
	fmt.Fprintf(out, "blog: %d public posts (%d generated), newest %q; terminal xterm-256color 80x24\n", r.posts, o.posts, r.newest)
	if o.store == storeEtcd {
		fmt.Fprintf(out, "store: etcd, one node in this process on loopback (its CPU and memory are the process's, under both servers' runs)\n")
	}
	fmt.Fprintf(out, "clients and both servers share this process: absolute times include the clients' work\n")
	if r.wall > 0 {
		capacity := r.wall.Seconds() * float64(r.env.CPUs)
		fmt.Fprintf(out, "run: %v; CPU used by this process %.1f s, by other processes %.1f s (%.0f%% of the machine)\n",
			r.wall.Round(time.Second), r.self.Seconds(), r.others.Seconds(), 100*r.others.Seconds()/capacity)
	}
	fmt.Fprintln(out)

	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "measure\tblog\tbare\tblog vs bare\ttarget\tmet")
	r.printFrames(w)
	if o.hold > 0 {
		r.printHolds(w)
	}
	if o.opens > 0 {
		r.printOpens(w)
	}
	if o.publishes > 0 {
		p := r.publish
		fmt.Fprintf(w, "publishes/s (%d authors, %d acked, %d failed)\t%.0f\t\t\t>= %.0f/s\t%s\n",
			p.Authors, p.Acked, p.Failed.N, p.PerSecond(), publishRateTarget, yes(p.PerSecond() >= publishRateTarget && p.Failed.N == 0))
		fmt.Fprintf(w, "  publish latency p50 / p99\t%s\t\t\t\t\n", p.Latency.p50p99())
	}
	if o.uploadMiB > 0 {
		r.printUpload(w)
	}
	w.Flush()
	if o.opens > 0 && r.opens.Cached.quantile(0.99) > openP99Target {
		fmt.Fprintf(out, "* client-measured, so only an upper bound of the server's time: the model row is the server's work\n  without SSH and without the renderer, which draws at most 60 frames/s after a burst of 4\n")
	}

	if o.uploadMiB > 0 {
		how := "the kernel's high-water mark (VmHWM)"
		if !r.upload.Exact {
			how = fmt.Sprintf("%d samples of VmRSS", r.upload.Samples)
		}
		fmt.Fprintf(out, "\nupload: peak RSS from %s; answer (exit %d): %s\n", how, r.upload.ExitCode, r.upload.Answer)
		if r.upload.Failed != nil {
			fmt.Fprintf(out, "upload error: %v\n", r.upload.Failed)
		}
	}
	r.printSteps(out)
	if o.searchPosts > 0 {
		r.search.print(out, o.searchPosts)
	}
	for _, e := range []struct {
		what string
		f    failures
	}{
		{"blog first frame, one client", r.serial["blog"].Failed}, {"bare first frame, one client", r.serial["bare"].Failed},
		{"blog first frame", r.frames["blog"].Failed}, {"bare first frame", r.frames["bare"].Failed},
		{"blog hold", r.holds["blog"].Failed}, {"bare hold", r.holds["bare"].Failed},
		{"model", r.model.Failed}, {"open post", r.opens.Failed}, {"publish", r.publish.Failed},
	} {
		if e.f.N > 0 {
			fmt.Fprintf(out, "%s: %d failed; the first: %v\n", e.what, e.f.N, e.f.First)
		}
	}
}

// printUpload writes the rows of the oversized upload.
func (r *results) printUpload(w io.Writer) {
	u := r.upload
	refused := u.ExitCode == 1 && strings.Contains(u.Answer, "too large")
	fmt.Fprintf(w, "%d MiB upload to publish: RSS growth\t%s\t\t\t< %d MiB, refused\t%s\n",
		r.opts.uploadMiB, mib(u.Growth()), uploadGrowthTarget>>20, yes(refused && u.Growth() < uploadGrowthTarget))
	fmt.Fprintf(w, "  accepted from the client before the refusal\t%s in %v\t\t\t\t\n", mib(u.Sent), u.Took.Round(time.Millisecond))
	fmt.Fprintf(w, "  RSS kept after it, settled\t%s\t\t\t\t\n", mib(int64(u.After)-int64(u.Before)))
	fmt.Fprintf(w, "  Go heap allocated until the hang-up (GCs)\t%s (%d)\t\t\t\t\n", mib(int64(u.Heap.Allocated)), u.Heap.GCs)
	fmt.Fprintf(w, "  Go heap live before it, GC goal\t%s, %s\t\t\t\t\n", mib(int64(u.Heap.Live)), mib(int64(u.Heap.Goal)))
}

// printFrames writes the rows of the first-frame runs.
func (r *results) printFrames(w io.Writer) {
	o := r.opts
	blog, bare := r.frames["blog"], r.frames["bare"]
	conc := fmt.Sprintf("%d clients, %d sessions", o.concurrency, blog.Sessions)
	for _, q := range []struct {
		name   string
		q      float64
		target bool
	}{{"p50", 0.5, true}, {"p90", 0.9, false}, {"p99", 0.99, true}} {
		b, f := blog.Frame.quantile(q.q), bare.Frame.quantile(q.q)
		x := ratio(b.Seconds(), f.Seconds())
		target, met := "", ""
		if q.target {
			target, met = fmt.Sprintf("<= %.1fx bare", frameRatioTarget), yes(x <= frameRatioTarget)
		}
		fmt.Fprintf(w, "first frame %s (%s)\t%s\t%s\t%.2fx\t%s\t%s\n", q.name, conc, ms(b), ms(f), x, target, met)
	}
	if sb, sf := r.serial["blog"], r.serial["bare"]; sb.Sessions > 0 && sf.Sessions > 0 {
		b, f := sb.Frame.quantile(0.5), sf.Frame.quantile(0.5)
		fmt.Fprintf(w, "first frame p50 (1 client, %d sessions)\t%s\t%s\t%.2fx\t\t\n", sb.Sessions, ms(b), ms(f), ratio(b.Seconds(), f.Seconds()))
	}
	x := ratio(blog.PerSecond(), bare.PerSecond())
	fmt.Fprintf(w, "connections/s (%d clients)\t%.0f\t%.0f\t%.2fx\t>= %.1fx bare\t%s\n",
		o.concurrency, blog.PerSecond(), bare.PerSecond(), x, connsRatioTarget, yes(x >= connsRatioTarget))
	b, f := blog.CPUPerSession(), bare.CPUPerSession()
	fmt.Fprintf(w, "  process CPU per session (clients too)\t%s\t%s\t%.2fx\t\t\n", ms(b), ms(f), ratio(b.Seconds(), f.Seconds()))
	fmt.Fprintf(w, "  failed sessions\t%d\t%d\t\t0\t%s\n", blog.Failed.N, bare.Failed.N, yes(blog.Failed.N+bare.Failed.N == 0))
}

// printHolds writes the rows of the held sessions.
func (r *results) printHolds(w io.Writer) {
	o := r.opts
	hb, hf := r.holds["blog"], r.holds["bare"]
	held := fmt.Sprintf("%d and %d held", hb.Held, hf.Held)
	per := func(name string, rested bool, figure func(memSample) uint64, target bool) {
		sb, sf := hb.After, hf.After
		if rested {
			sb, sf = hb.Rested, hf.Rested
		}
		b, f := hb.PerSession(sb, figure), hf.PerSession(sf, figure)
		t, met := "", ""
		if target {
			t, met = fmt.Sprintf("<= +%d KiB", heldExtraTarget>>10), yes(b-f <= heldExtraTarget && hb.Held == o.hold && hf.Held == o.hold)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%+.0f KiB\t%s\t%s\n", name, kib(b), kib(f), (b-f)/1024, t, met)
	}
	rss := func(m memSample) uint64 { return m.RSS }
	heap := func(m memSample) uint64 { return m.HeapLive }
	per(fmt.Sprintf("RSS per held session, just opened (%s)", held), false, rss, false)
	per("  Go heap (live) per held session, just opened", false, heap, false)
	per(fmt.Sprintf("RSS per held session, idle %v (%s)", o.idle, held), true, rss, true)
	per(fmt.Sprintf("  Go heap (live) per held session, idle %v", o.idle), true, heap, false)
	per("  goroutine stacks per held session", false, func(m memSample) uint64 { return m.Stacks }, false)
	g := func(m memSample) uint64 { return m.Goroutines }
	gb, gf := hb.PerSession(hb.After, g), hf.PerSession(hf.After, g)
	fmt.Fprintf(w, "  goroutines per held session\t%.1f\t%.1f\t%+.1f\t\t\n", gb, gf, gb-gf)
	bi, fi := cpuShare(hb.IdleCPU, hb.Idle), cpuShare(hf.IdleCPU, hf.Idle)
	fmt.Fprintf(w, "idle CPU over %v, the screens' release included (%s)\t%v = %.1f%% of a CPU\t%v = %.1f%%\t\t\t\n",
		o.idle, held, hb.IdleCPU.Round(time.Millisecond), 100*bi, hf.IdleCPU.Round(time.Millisecond), 100*fi)
	bs, fs := cpuShare(hb.SteadyCPU, hb.Steady), cpuShare(hf.SteadyCPU, hf.Steady)
	// An etcd in this process ticks all the while, under both servers'
	// sessions: with it, the target is judged on the blog's excess.
	over, judged := "", bs
	if o.store == storeEtcd {
		over, judged = " over bare", bs-fs
	}
	fmt.Fprintf(w, "idle CPU, the last %v\t%v = %.1f%% of a CPU\t%v = %.1f%%\t\t< %.0f%% of a CPU%s\t%s\n",
		hb.Steady.Round(time.Second), hb.SteadyCPU.Round(time.Millisecond), 100*bs, hf.SteadyCPU.Round(time.Millisecond), 100*fs, 100*idleCPUTarget, over, yes(judged < idleCPUTarget))
	fmt.Fprintf(w, "  time to open the held sessions\t%v\t%v\t\t\t\n", hb.Open.Round(time.Millisecond), hf.Open.Round(time.Millisecond))
	fmt.Fprintf(w, "  all ended by the server after hang-up\t%s\t%s\t\t\t\n", yes(hb.Drained), yes(hf.Drained))
}

// printOpens writes the rows of opening a post.
func (r *results) printOpens(w io.Writer) {
	op, md := r.opens, r.model
	fmt.Fprintf(w, "open post, first of the run (renders it)\t%s\t\t\t\t\n", ms(op.First))
	fmt.Fprintf(w, "open post p50, cached (client-measured, %d)\t%s\t\t\t\t\n", len(op.Cached), ms(op.Cached.quantile(0.5)))
	p99 := op.Cached.quantile(0.99)
	fmt.Fprintf(w, "open post p99, cached (client-measured)\t%s\t\t\t<= %v server side\t%s\n", ms(p99), openP99Target, boundMet(p99))
	mp99 := md.Open.quantile(0.99)
	fmt.Fprintf(w, "  model alone p50 / p99 (Update+store+cache+View, wall)\t%s\t\t\t<= %v\t%s\n", md.Open.p50p99(), openP99Target, yes(mp99 <= openP99Target && md.Failed.N == 0))
	fmt.Fprintf(w, "  posts rendered during the opens\t%d\t\t\t1\t%s\n", r.renders, yes(r.renders <= 1))
	fmt.Fprintf(w, "first frame, model alone p50 / p99 (New+list+View, wall)\t%s\t\t\t\t\n", md.Frame.p50p99())
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
func (r *results) printSteps(out io.Writer) {
	fmt.Fprintf(out, "\nfirst frame, median time of each step since the dial:\n")
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "step\tblog, 1 client\tbare, 1 client\tblog, %d clients\tbare, %d clients\n", r.opts.concurrency, r.opts.concurrency)
	for _, s := range []struct {
		name string
		at   func(stages) time.Duration
	}{
		{"TCP connected", func(s stages) time.Duration { return s.Connect }},
		{"handshake and auth done", func(s stages) time.Duration { return s.Handshake }},
		{"session, PTY and shell granted", func(s stages) time.Duration { return s.Shell }},
		{"first output byte", func(s stages) time.Duration { return s.FirstByte }},
		{"first frame (marker seen)", func(s stages) time.Duration { return s.Frame }},
	} {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.name,
			ms(r.serial["blog"].Median(s.at)), ms(r.serial["bare"].Median(s.at)),
			ms(r.frames["blog"].Median(s.at)), ms(r.frames["bare"].Median(s.at)))
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

// ms formats d in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// kib formats b bytes in KiB.
func kib(b float64) string { return fmt.Sprintf("%.0f KiB", b/1024) }

// mib formats b bytes in MiB.
func mib(b int64) string { return fmt.Sprintf("%.2f MiB", float64(b)/(1<<20)) }
