package soak

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
	"github.com/sshblog/sshblog/internal/render"
)

// rssFloor is the RSS growth the soak always allows, whatever RSSSlack
// says: small runs grow by a few MiB as the store's file grows.
const rssFloor = 16 << 20

// recoverFor is how long after the warm-up's pause the RSS samples are
// left out of the flatness check: the settled sample gave the system back
// every free page, and the heap takes a few collections to grow back to
// its working size.
const recoverFor = 10 * time.Second

// report is everything a soak test measured.
type report struct {
	c     Config
	env   proc.Machine
	posts int    // public posts before the soak
	body  string // the word that shows a post's body is on screen

	base          proc.Mem // settled, before any session
	warmAt        time.Duration
	resumedAt     time.Duration // when the clients went on after the warm-up's sample
	warm          proc.Mem      // settled, after the warm-up
	warmCache     render.Stats
	warmSessions  int64
	warmConnected int64         // readers that had connected by the end of the warm-up
	warmRounded   int64         // readers that had been through a round by then
	warmParked    bool          // every client paused for the warm-up's sample
	paused        time.Duration // how long the clients paused for it
	end           proc.Mem      // settled, at the end, sessions still open
	endCache      render.Stats
	endSessions   int64
	after         proc.Mem // settled, after the clients hung up and the server settled
	samples       []sample

	wall         time.Duration // the soak's, the warm-up's pause included
	self, others time.Duration // CPU time: this process's, other processes'
	settleTook   time.Duration // from the hang-up to settled (or to giving up)
	serverOpen   int64         // connections the server still had open then
	accepted     int64         // connections the server accepted in all
	opened       int64         // reader sessions the clients opened
	closed       int64         // and closed
	readers      []readerStats
	authors      []authorStats
	live         writeCheck // acknowledged revisions in the live store
	reopened     writeCheck // and after closing and reopening the file
	errs         errorList
}

// print writes the report and the checks, and reports whether every check
// passed.
func (r *report) print(out io.Writer) bool {
	r.printHead(out)
	r.printClients(out)
	r.printMemory(out)
	return r.printChecks(out)
}

// printHead writes what ran, on what, and how memory was sampled.
func (r *report) printHead(out io.Writer) {
	c := r.c
	fmt.Fprintf(out, "\nsshblog soak: %v, %d readers, %d authors; %d CPUs (%s), %s\n", c.Duration, c.Readers, c.Authors, r.env.CPUs, r.env.Model, r.env.Go)
	fmt.Fprintf(out, "blog: %d public posts (%d generated) and the authors' soak-N; readers: xterm-256color 80x24, %v to %v between keys, reconnect %.0f%% of rounds; a post is open when %q shows\n",
		r.posts, c.Generated, c.ThinkMin, c.ThinkMax, 100*c.Reconnect, r.body)
	if r.wall > 0 {
		capacity := r.wall.Seconds() * float64(r.env.CPUs)
		fmt.Fprintf(out, "clients and server share this process; over the soak it used %.1f s of CPU (%.0f%% of the machine), other processes %.1f s (%.0f%%)\n",
			r.self.Seconds(), 100*r.self.Seconds()/capacity, r.others.Seconds(), 100*r.others.Seconds()/capacity)
	}
	parked := "every client stopped"
	if !r.warmParked {
		parked = "not every client stopped in time"
	}
	fmt.Fprintf(out, "memory is sampled with every session open and idle: after the warm-up (%d of %d readers through a round by %v) the clients paused for %v (%s, the readers on the list), then went on for the soak's %v; at the end they finish their round and stop; then the server gets %v and a GC\n",
		r.warmRounded, c.Readers, r.warmAt.Round(time.Millisecond), r.paused.Round(time.Millisecond), parked, c.Duration, quietFor)
	fmt.Fprintln(out)
}

// acked is the number of publishes acknowledged.
func (r *report) acked() int {
	n := 0
	for _, a := range r.authors {
		n += len(a.acks)
	}
	return n
}

// printClients writes what the readers and authors did and how long it
// took.
func (r *report) printClients(out io.Writer) {
	var first, open, back, pubLat []time.Duration
	var keys, rounds, reconnects int
	for _, st := range r.readers {
		first, open, back = append(first, st.firstList...), append(open, st.open...), append(back, st.back...)
		keys, rounds, reconnects = keys+st.keys, rounds+st.rounds, reconnects+st.reconnects
	}
	for _, a := range r.authors {
		pubLat = append(pubLat, a.latency...)
	}
	acked := r.acked()
	secs := max((r.wall - r.paused).Seconds(), 1e-9)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "readers\t\n")
	fmt.Fprintf(w, "  sessions opened / closed by the clients\t%d / %d (%d reconnects after q)\n", r.opened, r.closed, reconnects)
	fmt.Fprintf(w, "  rounds / keys sent\t%d / %d (%.0f keys/s)\n", rounds, keys, float64(keys)/secs)
	fmt.Fprintf(w, "  connect to list loaded, p50 / p99 / max\t%s (%d)\n", tally.Spread(first), len(first))
	fmt.Fprintf(w, "  Enter to the post's body, p50 / p99 / max\t%s (%d)\n", tally.Spread(open), len(open))
	fmt.Fprintf(w, "  q to the list, p50 / p99 / max\t%s (%d)\n", tally.Spread(back), len(back))
	fmt.Fprintf(w, "authors\t\n")
	fmt.Fprintf(w, "  publishes acknowledged\t%d (%.0f/s)\n", acked, float64(acked)/secs)
	fmt.Fprintf(w, "  publish latency, p50 / p99 / max\t%s\n", tally.Spread(pubLat))
	w.Flush()
}

// printMemory writes the settled memory samples and those taken while the
// clients ran.
func (r *report) printMemory(out io.Writer) {
	c := r.c
	fmt.Fprintln(out)
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "memory (clients paused, GC'd)\tbaseline\twarm-up (%v)\tend (%v)\tchange\tafter hang-up\t\n", r.warmAt.Round(time.Second), r.wall.Round(time.Second))
	row := func(name string, f func(proc.Mem) uint64, format func(uint64) string, delta func(int64) string) {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t\n", name, format(f(r.base)), format(f(r.warm)), format(f(r.end)),
			delta(int64(f(r.end))-int64(f(r.warm))), format(f(r.after)))
	}
	row("RSS (VmRSS)", func(m proc.Mem) uint64 { return m.RSS }, mibU, mibDelta)
	row("  anonymous (RssAnon)", func(m proc.Mem) uint64 { return m.RSSAnon }, mibU, mibDelta)
	row("  file pages (RssFile)", func(m proc.Mem) uint64 { return m.RSSFile }, mibU, mibDelta)
	row("Go heap, live", func(m proc.Mem) uint64 { return m.HeapLive }, mibU, mibDelta)
	row("  free room in its spans", func(m proc.Mem) uint64 { return m.HeapUnused }, mibU, mibDelta)
	row("  free pages not given back", func(m proc.Mem) uint64 { return m.HeapFree }, mibU, mibDelta)
	row("goroutine stacks", func(m proc.Mem) uint64 { return m.Stacks }, mibU, mibDelta)
	row("the runtime's own (metadata, other)", func(m proc.Mem) uint64 { return m.Runtime }, mibU, mibDelta)
	row("goroutines", func(m proc.Mem) uint64 { return m.Goroutines }, countU, countDelta)
	fmt.Fprintf(w, "reader sessions open\t0\t%d\t%d\t%+d\t%d\t\n", r.warmSessions, r.endSessions, r.endSessions-r.warmSessions, r.opened-r.closed)
	fmt.Fprintf(w, "render cache\t\t%s\t%s\t%s\t\t\n", mibU(uint64(r.warmCache.Bytes)), mibU(uint64(r.endCache.Bytes)), mibDelta(int64(r.endCache.Bytes-r.warmCache.Bytes)))
	w.Flush()
	fmt.Fprintf(out, "render cache: bound %d MiB; %d renders, %d hits during the soak after the warm-up\n", c.RenderCacheMiB, r.endCache.Misses-r.warmCache.Misses, r.endCache.Hits-r.warmCache.Hits)

	if len(r.samples) > 0 {
		fmt.Fprintf(out, "\nevery %v (not settled: RSS and the heap include garbage):\n", sampleEvery)
		w = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(w, "time\tRSS\tanonymous\theap live\trender cache\tgoroutines\tsessions\tpublishes\t\n")
		for _, s := range r.samples {
			fmt.Fprintf(w, "%v\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t\n", s.at.Round(100*time.Millisecond), mibU(s.mem.RSS), mibU(s.mem.RSSAnon),
				mibU(s.mem.HeapLive), mibU(uint64(s.cache)), s.mem.Goroutines, s.sessions, s.acked)
		}
		w.Flush()
	}
}

// printChecks writes the checks and reports whether every one passed.
func (r *report) printChecks(out io.Writer) bool {
	c := r.c
	fmt.Fprintln(out)
	pass := true
	check := func(ok bool, format string, args ...any) {
		word := "PASS"
		if !ok {
			word, pass = "FAIL", false
		}
		fmt.Fprintf(out, "%s  "+format+"\n", append([]any{word}, args...)...)
	}
	n := r.errs.total()
	check(n == 0, "errors: %d%s", n, errorKinds(r.errs))
	check(r.live.ok() && r.reopened.ok(), "lost writes: %s", writeSummary(r.live, r.reopened, r.acked()))
	// The check is on the process's own memory as the system counts it
	// while the clients run, anonymous RSS, less the render cache's count:
	// the cache is bounded, and may still be filling with the authors' new
	// revisions. The database's file pages are left out: the file grows by
	// every revision, and the system may drop them. The settled figures above are not
	// checked: a collection forced between two samples shows the free room
	// left in the heap's spans, which grows as the heap's objects spread
	// out, but the next allocations fill that room before the heap takes
	// more memory (the samples while the clients run show it).
	if early, late, ok := rssWindows(r.samples, r.resumedAt+recoverFor); ok {
		growth := int64(late.peak()) - int64(early.peak())
		limit := max(int64(c.RSSSlack*float64(early.peak())), rssFloor)
		check(growth <= limit, "RSS flat after the warm-up: anonymous RSS less the render cache peaked at %s from %v to %v and at %s from %v to %v, %s (%+.1f%%; the cache %s); at most %s (%.0f%%, or %s)",
			mibU(early.peak()), early.from().Round(time.Second), early.to().Round(time.Second),
			mibU(late.peak()), late.from().Round(time.Second), late.to().Round(time.Second),
			mibDelta(growth), 100*float64(growth)/float64(max(early.peak(), 1)), mibDelta(int64(late[len(late)-1].cache-early[0].cache)),
			mibDelta(limit), 100*c.RSSSlack, mibDelta(rssFloor))
	} else {
		check(false, "RSS flat after the warm-up: too few samples of RSS from %v on (%d in all, every %v): run the soak longer",
			(r.resumedAt + recoverFor).Round(time.Second), len(r.samples), sampleEvery)
	}
	check(r.opened == r.closed && r.serverOpen == 0 && r.warmConnected == int64(c.Readers),
		"sessions closed: %d opened and %d closed by the clients; the server accepted %d connections and had %d open %v after the hang-up (%d of %d readers connected by %v, %d sessions open at the end)",
		r.opened, r.closed, r.accepted, r.serverOpen, r.settleTook.Round(time.Millisecond), r.warmConnected, c.Readers, r.warmAt.Round(time.Millisecond), r.endSessions)
	slack := r.base.Goroutines + uint64(c.GoroutineSlack)
	check(r.after.Goroutines <= slack, "goroutines: %d after the hang-up against %d before any session (at most +%d); %d with the sessions open at the end",
		r.after.Goroutines, r.base.Goroutines, c.GoroutineSlack, r.end.Goroutines)

	for _, e := range r.errs.first {
		fmt.Fprintf(out, "  error: %s\n", e)
	}
	for _, p := range append(r.live.problems, r.reopened.problems...) {
		fmt.Fprintf(out, "  write: %s\n", p)
	}
	if pass {
		fmt.Fprintln(out, "PASS")
	} else {
		fmt.Fprintln(out, "FAIL")
	}
	return pass
}

// writeSummary words the lost-write check.
func writeSummary(live, reopened writeCheck, acked int) string {
	s := fmt.Sprintf("%d of %d acknowledged revisions read back with the content sent (SHA-256 and length) from the live store, %d after reopening it",
		live.checked-live.lost-live.wrong, acked, reopened.checked-reopened.lost-reopened.wrong)
	for _, c := range []struct {
		what string
		c    writeCheck
	}{{"live", live}, {"reopened", reopened}} {
		if c.c.err != nil {
			s += fmt.Sprintf("; %s: %v", c.what, c.c.err)
		}
		if c.c.lost+c.c.wrong+c.c.gaps > 0 {
			s += fmt.Sprintf("; %s: %d missing, %d different, %d out of sequence", c.what, c.c.lost, c.c.wrong, c.c.gaps)
		}
	}
	if live.extra > 0 {
		s += fmt.Sprintf("; %d stored but not acknowledged (a failed publish)", live.extra)
	}
	return s
}

// errorKinds is ", N in STEP" for each step that had errors.
func errorKinds(l errorList) string {
	kinds := make([]string, 0, len(l.byKind))
	for k := range l.byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	s := ""
	for _, k := range kinds {
		s += fmt.Sprintf(", %d in %s", l.byKind[k], k)
	}
	return s
}

// mibU formats b bytes in MiB.
func mibU(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// mibDelta formats a change of b bytes in MiB, with its sign.
func mibDelta(b int64) string { return fmt.Sprintf("%+.1f MiB", float64(b)/(1<<20)) }

// countU formats a count.
func countU(n uint64) string { return fmt.Sprint(n) }

// countDelta formats a change of a count, with its sign.
func countDelta(n int64) string { return fmt.Sprintf("%+d", n) }

// rssWindow is a stretch of the soak's samples.
type rssWindow []sample

// minWindow is the fewest samples in each window of the RSS check.
const minWindow = 3

// rssWindows returns the first and the last quarter of the samples taken
// from from on, each at least minWindow samples, and whether there were
// enough for two.
func rssWindows(samples []sample, from time.Duration) (early, late rssWindow, ok bool) {
	i, _ := slices.BinarySearchFunc(samples, from, func(s sample, t time.Duration) int { return cmp.Compare(s.at, t) })
	after := samples[i:]
	n := max(len(after)/4, minWindow)
	if len(after) < 2*n {
		return nil, nil, false
	}
	return rssWindow(after[:n]), rssWindow(after[len(after)-n:]), true
}

// peak is the window's highest anonymous RSS less the render cache.
func (w rssWindow) peak() uint64 {
	var p uint64
	for _, s := range w {
		p = max(p, s.mem.RSSAnon-min(s.mem.RSSAnon, uint64(s.cache)))
	}
	return p
}

// from is the time of the window's first sample.
func (w rssWindow) from() time.Duration { return w[0].at }

// to is the time of the window's last sample.
func (w rssWindow) to() time.Duration { return w[len(w)-1].at }
