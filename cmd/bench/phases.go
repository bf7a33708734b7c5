package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// drainLimit bounds the wait for a server to end the sessions of a phase.
const drainLimit = 30 * time.Second

// failures counts errors and keeps the first.
type failures struct {
	N     int
	First error
}

// add counts err.
func (f *failures) add(err error) {
	if f.N == 0 {
		f.First = err
	}
	f.N++
}

// merge adds g's errors to f.
func (f *failures) merge(g failures) {
	if f.N == 0 {
		f.First = g.First
	}
	f.N += g.N
}

// frameResult is a run of terminal sessions that each connect, wait for
// the first frame and hang up.
type frameResult struct {
	Sessions int           // sessions that saw their first frame
	Failed   failures      // sessions that did not
	Wall     time.Duration // from the first connection to the last hang-up
	CPU      time.Duration // the process's CPU time meanwhile, clients' included
	Frame    distribution  // time to first frame
	Stages   []stages      // every session's steps
}

// PerSecond is the rate of completed sessions.
func (r frameResult) PerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Sessions) / r.Wall.Seconds()
}

// CPUPerSession is the process's CPU time per completed session.
func (r frameResult) CPUPerSession() time.Duration {
	if r.Sessions == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Sessions)
}

// Median returns the median of one step of the sessions.
func (r frameResult) Median(step func(stages) time.Duration) time.Duration {
	ds := make([]time.Duration, len(r.Stages))
	for i, s := range r.Stages {
		ds[i] = step(s)
	}
	return newDistribution(ds).quantile(0.5)
}

// runFrames opens up to n sessions to t, concurrency at a time, until
// duration has passed (when positive) or ctx is done; each session must
// finish within timeout.
func runFrames(ctx context.Context, t target, n, concurrency int, duration, timeout time.Duration) frameResult {
	if duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, duration)
		defer cancel()
	}
	cpu0, _ := cpuTime()
	start := time.Now()
	var r frameResult
	r.Stages, r.Failed = sessions(ctx, t.name, n, concurrency, func(ctx context.Context) (stages, error) {
		tm, st, err := openTerm(ctx, t, time.Now().Add(timeout))
		if err != nil {
			return st, err
		}
		tm.Close()
		return st, nil
	})
	r.Wall = time.Since(start)
	if cpu1, err := cpuTime(); err == nil {
		r.CPU = cpu1 - cpu0
	}
	r.sum()
	return r
}

// add adds the sessions of another run to r.
func (r *frameResult) add(o frameResult) {
	r.Stages = append(r.Stages, o.Stages...)
	r.Failed.merge(o.Failed)
	r.Wall += o.Wall
	r.CPU += o.CPU
	r.sum()
}

// sum computes Sessions and Frame from Stages.
func (r *frameResult) sum() {
	r.Sessions = len(r.Stages)
	r.Frame = make(distribution, len(r.Stages))
	for i, s := range r.Stages {
		r.Frame[i] = s.Frame
	}
	r.Frame = newDistribution(r.Frame)
}

// holdResult is k sessions held open at once, idle.
type holdResult struct {
	Held          int
	Failed        failures
	Open          time.Duration // to open them all
	Before, After memSample     // settled, before opening and with all open
	Idle          time.Duration // the window CPU was measured over
	IdleCPU       time.Duration // CPU the process used in it
	Steady        time.Duration // the part of the window after the blog's sessions gave back their screens
	SteadyCPU     time.Duration // CPU the process used in it
	Rested        memSample     // settled, with all open after the idle window
	Drained       bool          // the server ended every session after the clients left
}

// PerSession is the growth of a memory figure per held session from before
// the sessions were opened to sample (r.After or r.Rested), in bytes.
func (r holdResult) PerSession(sample memSample, figure func(memSample) uint64) float64 {
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
func runHold(ctx context.Context, t target, k, concurrency int, idle, timeout time.Duration, held func() error) (holdResult, error) {
	var r holdResult
	var err error
	if r.Before, err = settledMem(); err != nil {
		return r, err
	}
	holdUntil, ok := ctx.Deadline()
	if !ok {
		holdUntil = time.Now().Add(10 * time.Minute)
	}
	start := time.Now()
	terms, failed := sessions(ctx, t.name+"-hold", k, concurrency, func(ctx context.Context) (*term, error) {
		tm, _, err := openTerm(ctx, t, time.Now().Add(timeout))
		if err != nil {
			return nil, err
		}
		tm.forget()
		tm.conn.SetDeadline(holdUntil)
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
	if err := sleep(ctx, time.Second); err != nil {
		return r, err
	}
	if r.After, err = settledMem(); err != nil {
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
	if r.Rested, err = settledMem(); err != nil {
		return r, err
	}
	hangUp()
	r.Drained = waitGoroutines(ctx, r.Before.Goroutines+16, drainLimit)
	return r, nil
}

// idle measures the process's CPU over idle with the sessions held, in
// all and after the blog's sessions gave back their screens.
func (r *holdResult) idle(ctx context.Context, idle time.Duration) error {
	cpu0, err := cpuTime()
	if err != nil {
		return err
	}
	idleStart := time.Now()
	// The blog's sessions wake once, at screenRelease, to give back their
	// copy of the screen: the CPU after that is the idle sessions' own.
	released := min(screenRelease+2*time.Second, idle/2)
	if err := sleep(ctx, released); err != nil {
		return err
	}
	cpuMid, err := cpuTime()
	if err != nil {
		return err
	}
	steadyStart := time.Now()
	if err := sleep(ctx, idle-released); err != nil {
		return err
	}
	cpu1, err := cpuTime()
	if err != nil {
		return err
	}
	r.Idle, r.IdleCPU = time.Since(idleStart), cpu1-cpu0
	r.Steady, r.SteadyCPU = time.Since(steadyStart), cpu1-cpuMid
	return nil
}

// waitGoroutines waits until at most n goroutines are left, for up to
// limit, and reports whether that happened.
func waitGoroutines(ctx context.Context, n uint64, limit time.Duration) bool {
	stop := time.Now().Add(limit)
	for time.Now().Before(stop) && ctx.Err() == nil {
		if m, err := readMem(); err == nil && m.Goroutines <= n {
			return true
		}
		if sleep(ctx, 50*time.Millisecond) != nil {
			break
		}
	}
	return false
}

// sleep waits for d or until ctx is done, whichever is first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// openResult is a series of sessions that each open the newest post.
type openResult struct {
	First  time.Duration // the first open, which renders the post
	Cached distribution  // the others, from the render cache
	Failed failures
}

// Count is the number of opens that worked.
func (r openResult) Count() int {
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
func runOpens(ctx context.Context, t target, marker []byte, n int, timeout time.Duration) openResult {
	var r openResult
	var cached []time.Duration
	rng := rand.New(rand.NewPCG(3, 4))
	pprof.Do(ctx, pprof.Labels("client", t.name+"-open"), func(ctx context.Context) {
		for i := 0; i < n && ctx.Err() == nil; i++ {
			pause := time.Duration(rng.Int64N(int64(time.Second / 30)))
			d, err := openPost(ctx, t, marker, pause, timeout)
			switch {
			case err != nil:
				r.Failed.add(err)
			case i == 0:
				r.First = d
			default:
				cached = append(cached, d)
			}
		}
	})
	r.Cached = newDistribution(cached)
	return r
}

// openPost opens a terminal session to t, waits for the list and then for
// pause, sends Enter and returns how long marker took to appear after it.
func openPost(ctx context.Context, t target, marker []byte, pause, timeout time.Duration) (time.Duration, error) {
	tm, _, err := openTerm(ctx, t, time.Now().Add(timeout))
	if err != nil {
		return 0, err
	}
	defer tm.Close()
	if err := sleep(ctx, pause); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := tm.send("\r"); err != nil {
		return 0, fmt.Errorf("pressing Enter: %w", err)
	}
	if err := tm.waitFor(marker); err != nil {
		return 0, fmt.Errorf("waiting for the post: %w", err)
	}
	return time.Since(start), nil
}

// publishResult is a run of `publish` commands by several authors at once.
type publishResult struct {
	Authors int
	Acked   int // publishes the server confirmed
	Failed  failures
	Wall    time.Duration
	Latency distribution
}

// PerSecond is the rate of acknowledged publishes.
func (r publishResult) PerSecond() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return float64(r.Acked) / r.Wall.Seconds()
}

// runPublishes has authors clients, each on its own connection, publish
// total small posts between them, each by a `publish SLUG` command with
// the post on stdin, one after another. The phase must end within limit.
func runPublishes(ctx context.Context, addr string, cfg *ssh.ClientConfig, authors, total int, limit time.Duration) publishResult {
	r := publishResult{Authors: authors}
	deadline := time.Now().Add(limit)
	start := time.Now()
	all, failed := workers(ctx, "publish", authors, func(ctx context.Context, a int, keep func(time.Duration), fail func(error)) {
		client, _, _, err := dial(ctx, addr, cfg, deadline)
		if err != nil {
			fail(err)
			return
		}
		defer client.Close()
		for i := a; i < total && ctx.Err() == nil; i += authors {
			t0 := time.Now()
			if err := publishOne(client, fmt.Sprintf("pub-%d-%d", a, i), a, i); err != nil {
				fail(err)
				continue
			}
			keep(time.Since(t0))
		}
	})
	r.Wall, r.Failed = time.Since(start), failed
	r.Acked = len(all)
	r.Latency = newDistribution(all)
	return r
}

// publishOne runs `publish slug` with a small post on stdin and checks
// that the server acknowledged it.
func publishOne(client *ssh.Client, slug string, author, n int) error {
	sess, err := client.NewSession()
	if err != nil {
		return err
	}
	defer sess.Close()
	src := fmt.Sprintf("---\ntitle: '벤치마크 글 %d: bench post %d by author %d'\ntags: [bench]\n---\n\n짧은 글입니다. A short post, number %d.\n", n, n, author, n)
	var out, errOut limitedBuffer
	sess.Stdin = strings.NewReader(src)
	sess.Stdout, sess.Stderr = &out, &errOut
	if err := sess.Run("publish " + slug); err != nil {
		return fmt.Errorf("publish %s: %w: %s", slug, err, strings.TrimSpace(errOut.String()))
	}
	if !strings.HasPrefix(out.String(), "published ") {
		return fmt.Errorf("publish %s: unexpected answer %q", slug, out.String())
	}
	return nil
}

// uploadResult is one oversized `publish`.
type uploadResult struct {
	Size     int64         // bytes the client offered
	Sent     int64         // bytes the client got to send before the server closed
	Answer   string        // the server's error line
	ExitCode int           // the command's exit status; -1 if none
	Took     time.Duration // until the server's answer
	Before   uint64        // RSS before, settled
	Peak     uint64        // the highest RSS during the upload
	After    uint64        // RSS after, settled
	Exact    bool          // Peak is the kernel's high-water mark, not sampled
	Samples  int           // RSS samples taken
	Heap     heapActivity  // what the Go heap did from the upload's start until the server hung up
	Failed   error         // the upload could not be made at all
}

// Growth is how much RSS rose above the settled level during the upload.
func (r uploadResult) Growth() int64 { return int64(r.Peak) - int64(r.Before) }

// rssInterval is how often RSS is sampled during the upload.
const rssInterval = 2 * time.Millisecond

// runUpload sends size bytes of markdown to `publish big` as the author
// whose key is key, from a child process (see uploadElsewhere), and samples
// this process's RSS until the server answers or limit passes. conns counts
// the server's connections: the RSS kept is read once the server has
// closed the upload's, as the channel's buffered data lives until then.
func runUpload(ctx context.Context, addr string, key ed25519.PrivateKey, hostKey ssh.PublicKey, conns *connCounter, size int64, limit time.Duration) (uploadResult, error) {
	r := uploadResult{Size: size, ExitCode: -1}
	job, err := newUploadJob(addr, key, hostKey, size, time.Now().Add(limit))
	if err != nil {
		return r, err
	}
	open := conns.open.Load()
	before, err := settledMem()
	if err != nil {
		return r, err
	}
	r.Before = before.RSS
	// The kernel's high-water mark sees every peak; sampling, the
	// fallback, may miss a short one.
	r.Exact = resetPeakRSS() == nil
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	done := make(chan struct{})
	type peak struct {
		rss     uint64
		samples int
	}
	sampled := make(chan peak, 1)
	go func() {
		p := peak{rss: before.RSS}
		defer func() { sampled <- p }()
		tick := time.NewTicker(rssInterval)
		defer tick.Stop()
		for { // until the upload ends, within limit
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				if rss, err := readRSS(); err == nil {
					p.rss = max(p.rss, rss)
					p.samples++
				}
			}
		}
	}()
	heapBefore := readHeapCounters()
	start := time.Now()
	o, err := uploadElsewhere(ctx, job)
	r.Took = time.Since(start)
	if err != nil {
		return r, err
	}
	r.Sent, r.Answer, r.ExitCode = o.Sent, o.Answer, o.Code
	if o.Err != "" {
		r.Failed = errors.New(o.Err)
	}
	close(done)
	p := <-sampled
	r.Peak, r.Samples = p.rss, p.samples
	if r.Exact {
		hwm, err := readPeakRSS()
		r.Exact = err == nil
		r.Peak = max(r.Peak, hwm)
	}
	// The client may still be sending, and the server receiving, when the
	// answer arrives: count the heap's work until the server hangs up.
	waitUntil(ctx, 5*time.Second, func() bool { return conns.open.Load() <= open })
	r.Heap = readHeapCounters().since(heapBefore)
	after, err := settledMem()
	if err != nil {
		return r, err
	}
	r.After = after.RSS
	return r, nil
}

// upload runs `publish big` with size bytes on stdin and returns how many
// bytes went, the server's error line and the exit status.
func upload(ctx context.Context, addr string, cfg *ssh.ClientConfig, size int64, deadline time.Time) (sent int64, answer string, code int, err error) {
	client, _, _, err := dial(ctx, addr, cfg, deadline)
	if err != nil {
		return 0, "", -1, err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return 0, "", -1, err
	}
	defer sess.Close()
	in := newMarkdownStream(size)
	var out, errOut limitedBuffer
	sess.Stdin, sess.Stdout, sess.Stderr = in, &out, &errOut
	err = sess.Run("publish big")
	code = 0
	var exit *ssh.ExitError
	switch {
	case errors.As(err, &exit):
		code, err = exit.ExitStatus(), nil
	case err != nil:
		code = -1
	}
	return in.read.Load(), strings.TrimSpace(errOut.String() + out.String()), code, err
}

// markdownStream is size bytes of markdown, made as they are read: a front
// matter, then the same lines over and over.
type markdownStream struct {
	left    int64
	read    atomic.Int64 // bytes read; the SSH library may still read after Wait returns
	pattern []byte       // the front matter, then lines
	body    int          // where the lines start in pattern
	off     int          // the next byte of pattern
}

// newMarkdownStream returns a stream of size bytes.
func newMarkdownStream(size int64) *markdownStream {
	p := []byte("---\ntitle: big\n---\n\n")
	body := len(p)
	line := []byte("A large post, 큰 글, that no server should keep in memory.\n")
	p = append(p, bytes.Repeat(line, 4096/len(line))...)
	return &markdownStream{left: size, pattern: p, body: body}
}

// Read fills p with the next bytes of the stream.
func (m *markdownStream) Read(p []byte) (int, error) {
	if m.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), m.left)]
	n := 0
	for n < len(p) { // at most len(p)/len(lines)+1 rounds
		c := copy(p[n:], m.pattern[m.off:])
		n += c
		if m.off += c; m.off == len(m.pattern) {
			m.off = m.body
		}
	}
	m.left -= int64(n)
	m.read.Add(int64(n))
	return n, nil
}

// limitedBuffer keeps the first 64 KiB written to it and drops the rest.
type limitedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write keeps what fits and reports all of p written.
func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := 64<<10 - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// String returns what was kept.
func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
