package main

// The soak test: -soak DURATION.
//
// It starts the blog as the measurements do (with -soak-authors author
// keys), then for a warm-up and DURATION more runs at once:
//
//   - -readers reader sessions, each its own TCP connection with a PTY
//     (xterm-256color, 80x24) and the TUI as its shell. Each waits for the
//     list, then goes round: Enter to open the post under the cursor (and
//     waits for its body), j, space and G to scroll, q back to the list
//     (and waits for it), j to the next post; with a random pause of
//     -think-min to -think-max before every key. After a round it quits
//     and connects again with chance -reconnect.
//   - -soak-authors author clients, one connection each, that run
//     `publish soak-N` back to back with a small Korean post on stdin,
//     keeping every acknowledged revision and what it was.
//
// A reader knows which screen it is on from the window title the TUI sets
// (OSC 2): the blog's title on the list, "POST · BLOG" in the pager. A
// post has loaded when the first word of its body appears: every post a
// reader can reach starts with the same word (the generated ones, and the
// authors' too), and a reader goes back to the top of the list (g) before
// it could reach the built-in post at the bottom.
//
// It samples memory and goroutines after -warmup (once every reader has
// been through a round and the render cache is mostly full) and at the end, both times with every session open and idle:
// the readers stop on the list, between two rounds, and the authors between
// two publishes (the pause is added to the soak), and
// the server gets quietFor to finish what they asked (and every idle
// session to give back its copy of the screen). Then it hangs up
// every session, waits up to -settle for the server to end them, and
// checks: no errors, every acknowledged revision stored with its exact
// content (read back through store.Revision from the live store and again
// after closing and reopening the file), RSS flat after the warm-up (the
// VmRSS sampled every sampleEvery while the clients run, less the render
// cache: its peak in the last quarter of the soak against the first), every
// session closed, and goroutines back to the baseline taken before the
// first session opened.

import (
	"bytes"
	"context"
	"crypto/sha256"
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

	"github.com/sshblog/sshblog/internal/app"
	"github.com/sshblog/sshblog/internal/store"
)

// Bounds of the soak's loops, beyond their time limits.
const (
	maxRounds      = 1 << 20 // rounds of keys one reader goes through
	maxPublishes   = 1 << 22 // publishes by one author
	maxReads       = 1 << 26 // reads of one session's output
	maxWakeups     = 1 << 24 // wake-ups of one wait for a marker
	maxMoves       = 50      // j presses on the list before a reader goes back to the top (g)
	sampleEvery    = 5 * time.Second
	endMargin      = 2 * time.Minute               // connections' deadline past the soak's end and -timeout
	quietFor       = screenRelease + 2*time.Second // before memory is sampled: for the server to finish its work, and every idle session to give back its copy of the screen, so that both samples see them alike
	pollEvery      = 50 * time.Millisecond
	maxErrorsShown = 8
)

// soakRenderCacheMiB is the soak's render cache unless -render-cache says
// otherwise. The authors' new revisions fill a cache as they are read, and
// a heap holding more cache is a larger heap, with as much again of room
// for garbage (GOGC): RSS grows with the cache until it is full. The
// server's 64 MiB take about six minutes of the soak to fill; 2 MiB are
// full within the warm-up, and the memory checked after it is then the
// rest of the server's.
const soakRenderCacheMiB = 2

// cacheFull is the share of its bound the render cache must hold before
// the warm-up ends.
const cacheFull = 0.75

// errSoakFailed is the run's error when a check failed; the report says
// which.
var errSoakFailed = errors.New("the soak failed its checks")

// marker is a piece of a session's output the soak waits for.
type marker int

const (
	markList  marker = iota // the window title is the blog's: the list is shown
	markPager               // the window title is a post's and the blog's: the pager is shown
	markCount               // the list's status line counts the posts: the list has loaded
	markBody                // the first word of a post's body: the post has loaded
	numMarkers
)

// markerBytes are the markers' bytes for a blog titled title whose posts'
// bodies start with body. The TUI sets the window title (OSC 2) whenever
// it changes: to the blog's title on the list, and to "POST · BLOG" in the
// pager.
func markerBytes(title, body string) [numMarkers][]byte {
	return [numMarkers][]byte{
		markList:  []byte("\x1b]2;" + title + "\x07"),
		markPager: []byte(" · " + title + "\x07"),
		markCount: []byte(" posts"),
		markBody:  []byte(body),
	}
}

// soakRun is one soak test's setup, clients and tallies.
type soakRun struct {
	o         options
	b         *blog
	readerCfg *ssh.ClientConfig
	markers   [numMarkers][]byte
	longest   int           // the longest marker's length
	hardStop  time.Time     // every client connection's deadline
	start     time.Time     // when the soak began
	busy0     time.Duration // the machine's CPU time then
	self0     time.Duration // the process's
	log       io.Writer
	gate      gate // pauses the clients for the warm-up's sample

	opened, closed atomic.Int64 // reader sessions, client side
	connected      atomic.Int64 // readers that saw the list at least once
	warmed         atomic.Int64 // readers that went through a whole round at least once
	acked          atomic.Int64 // publishes acknowledged
	errs           soakErrors
}

// readerStats are one reader's tallies; only its goroutine writes them.
type readerStats struct {
	firstList  []time.Duration // connect to the list loaded
	open       []time.Duration // Enter to the post's body
	back       []time.Duration // q to the list
	keys       int
	rounds     int
	reconnects int
}

// authorStats are one author's tallies; only its goroutine writes them.
type authorStats struct {
	name    string
	slug    string
	acks    []soakAck
	latency []time.Duration
}

// soakAck is a publish the server acknowledged.
type soakAck struct {
	slug, author string
	rev          uint64
	sum          [sha256.Size]byte // of the content sent: the client keeps no copy, which would
	size         int               // grow the process's memory with every publish, in the soak's figures
}

// soakSample is the process at one moment of the soak.
type soakSample struct {
	at       time.Duration // since the soak began
	mem      memSample
	cache    int   // bytes in the render cache
	sessions int64 // reader sessions open, client side
	acked    int64 // publishes acknowledged so far
}

// runSoak runs the soak test on the blog setup makes and prints its
// report to out and its progress to progress. It returns errSoakFailed if
// a check failed.
func runSoak(ctx context.Context, o options, setup blogSetup, out, progress io.Writer) (err error) {
	b, err := startBlog(setup)
	if err != nil {
		return fmt.Errorf("starting the blog: %w", err)
	}
	running := true
	defer func() {
		if running {
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			err = errors.Join(err, b.shutdown(sctx))
		}
	}()
	s, err := newSoakRun(o, b, progress)
	if err != nil {
		return err
	}
	r := &soakReport{opts: o, env: readMachine(), posts: b.posts, body: b.bodyMarker}
	s.say("blog on %s (%d posts, %d authors); soak of %v with %d readers and %d authors", b.addr, b.posts, len(b.authors), o.soak, o.readers, o.soakAuthors)

	// The baseline: the server up, no session yet.
	if err := sleep(ctx, 500*time.Millisecond); err != nil {
		return err
	}
	if r.base, err = settledMem(); err != nil {
		return err
	}
	s.busy0, _ = machineBusy()
	s.self0, _ = cpuTime()
	s.start = time.Now()
	// The soak runs o.soak after the warm-up, which takes at most
	// maxWarmup; the clients' connections end by hardStop in any case.
	maxWarmup := o.warmup + 3*o.timeout + quietFor
	s.hardStop = s.start.Add(maxWarmup + o.soak + 2*o.timeout + quietFor + endMargin)
	soakCtx, stopSoak := context.WithCancel(ctx)
	defer stopSoak()
	endTimer := time.AfterFunc(maxWarmup+o.soak, stopSoak)
	defer endTimer.Stop()

	c := s.startClients(ctx, soakCtx)
	defer func() {
		c.hangUp()
		waitGroup(&c.gone, 30*time.Second)
	}()
	if err := s.warmUp(ctx, soakCtx, r); err != nil {
		return err
	}
	endTimer.Reset(o.soak)
	if err := s.end(ctx, soakCtx, r, c); err != nil {
		return err
	}
	if err := s.hangUpAll(ctx, r, c); err != nil {
		return err
	}
	running = false
	s.verify(ctx, r, c)
	r.errs = s.errs.snapshot()
	if !r.print(out) {
		return errSoakFailed
	}
	return nil
}

// newSoakRun makes the soak's clients' settings for the blog b.
func newSoakRun(o options, b *blog, progress io.Writer) (*soakRun, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	s := &soakRun{
		o:         o,
		b:         b,
		readerCfg: clientConfig(key, b.hostKey),
		markers:   markerBytes(blogTitle, b.bodyMarker),
		log:       progress,
	}
	for _, m := range s.markers {
		s.longest = max(s.longest, len(m))
	}
	return s, nil
}

// soakClients are the soak's running clients.
type soakClients struct {
	hangUp  func()         // lets the clients hang up; safe to call again
	stopped sync.WaitGroup // until every client stopped its work
	gone    sync.WaitGroup // until every client hung up
	readers []readerStats
	authors []authorStats
	sampled chan []soakSample // the samples taken while the clients ran
}

// startClients starts the readers, the authors and the memory sampler.
// They work until soakCtx is done, and hang up on c.hangUp.
func (s *soakRun) startClients(ctx, soakCtx context.Context) *soakClients {
	o := s.o
	release := make(chan struct{}) // the clients may hang up
	c := &soakClients{
		hangUp:  sync.OnceFunc(func() { close(release) }),
		readers: make([]readerStats, o.readers),
		authors: make([]authorStats, o.soakAuthors),
		sampled: make(chan []soakSample, 1),
	}
	s.gate.active = o.readers + o.soakAuthors
	leave := func() {
		s.gate.leave()
		c.stopped.Done()
	}
	for i := range c.readers {
		c.stopped.Add(1)
		c.gone.Go(func() {
			pprof.Do(ctx, pprof.Labels("client", "soak-reader"), func(ctx context.Context) {
				// Readers connect over the first half of the warm-up.
				delay := time.Duration(int64(o.warmup/2) * int64(i) / int64(max(o.readers, 1)))
				s.reader(ctx, soakCtx, i, delay, &c.readers[i], leave, release)
			})
		})
	}
	for i := range c.authors {
		c.stopped.Add(1)
		c.gone.Go(func() {
			pprof.Do(ctx, pprof.Labels("client", "soak-author"), func(ctx context.Context) {
				s.author(ctx, soakCtx, i, &c.authors[i], leave, release)
			})
		})
	}
	go func() { c.sampled <- s.sample(soakCtx, s.start) }()
	return c
}

// warmUp waits out the warm-up and samples memory after it: once every
// reader has been through a whole round (within -timeout more: a loaded
// machine may take longer), so that every session holds what it will hold
// for the rest of the soak, and the render cache is mostly full, the
// readers stop on the list between two rounds and the authors between two
// publishes; when the server has had quietFor to finish what they asked,
// memory is sampled and they go on.
func (s *soakRun) warmUp(ctx, soakCtx context.Context, r *soakReport) error {
	o, b := s.o, s.b
	if err := sleep(ctx, o.warmup); err != nil {
		return err
	}
	waitUntil(soakCtx, o.timeout, func() bool { return s.warmed.Load() >= int64(o.readers) })
	r.warmConnected, r.warmRounded = s.connected.Load(), s.warmed.Load()
	cacheBound := o.renderCacheMiB << 20
	waitUntil(soakCtx, o.timeout, func() bool { return float64(b.renderer.Stats().Bytes) >= cacheFull*float64(cacheBound) })
	paused := time.Now()
	s.gate.close()
	r.warmParked = waitUntil(soakCtx, o.timeout, s.gate.idle)
	if err := sleep(ctx, quietFor); err != nil {
		return err
	}
	r.warmAt = time.Since(s.start)
	var err error
	if r.warm, err = settledMem(); err != nil {
		return err
	}
	r.warmCache = b.renderer.Stats()
	r.warmSessions = s.opened.Load() - s.closed.Load()
	if o.memprofile != "" {
		if err := writeHeapProfile(o.memprofile + ".warm"); err != nil {
			return err
		}
	}
	s.gate.open()
	r.paused = time.Since(paused)
	r.resumedAt = time.Since(s.start)
	s.say("warm-up over at %v: %d reader sessions open, RSS %s, heap %s, %d goroutines; the clients paused %v for it",
		r.warmAt.Round(time.Millisecond), r.warmSessions, mibU(r.warm.RSS), mibU(r.warm.HeapLive), r.warm.Goroutines, r.paused.Round(time.Millisecond))
	return nil
}

// end waits for the soak's end: the readers finish the round they are in,
// the authors the publish, then they stay connected while memory is
// sampled, as after the warm-up.
func (s *soakRun) end(ctx, soakCtx context.Context, r *soakReport, c *soakClients) error {
	o := s.o
	<-soakCtx.Done()
	r.wall = time.Since(s.start)
	busy1, err1 := machineBusy()
	self1, err2 := cpuTime()
	if err1 == nil && err2 == nil {
		r.self, r.others = self1-s.self0, max(busy1-s.busy0-(self1-s.self0), 0)
	}
	if !waitGroup(&c.stopped, o.timeout+10*time.Second) {
		// Their tallies are still being written: no report.
		return fmt.Errorf("some clients did not stop within %v of the soak's end", o.timeout+10*time.Second)
	}
	r.samples = <-c.sampled
	if err := sleep(ctx, quietFor); err != nil {
		return err
	}
	var err error
	if r.end, err = settledMem(); err != nil {
		return err
	}
	r.endCache = s.b.renderer.Stats()
	r.endSessions = s.opened.Load() - s.closed.Load()
	if o.memprofile != "" {
		if err := writeHeapProfile(o.memprofile); err != nil {
			return err
		}
	}
	s.say("soak over after %v: %d reader sessions open, RSS %s, heap %s, %d goroutines",
		r.wall.Round(time.Millisecond), r.endSessions, mibU(r.end.RSS), mibU(r.end.HeapLive), r.end.Goroutines)
	return nil
}

// hangUpAll hangs up every client, lets the server end its sessions and
// samples memory after.
func (s *soakRun) hangUpAll(ctx context.Context, r *soakReport, c *soakClients) error {
	o, b := s.o, s.b
	c.hangUp()
	closing := time.Now()
	if !waitGroup(&c.gone, 30*time.Second) {
		s.errs.add("end", errors.New("some clients did not hang up within 30s"))
	}
	waitSettled(ctx, b.conns, r.base.Goroutines+uint64(o.goroutineSlack), o.settle)
	r.settleTook = time.Since(closing)
	var err error
	if r.after, err = settledMem(); err != nil {
		return err
	}
	if o.memprofile != "" {
		if err := writeHeapProfile(o.memprofile + ".after"); err != nil {
			return err
		}
	}
	r.serverOpen, r.accepted = b.conns.open.Load(), b.conns.accepted.Load()
	r.opened, r.closed = s.opened.Load(), s.closed.Load()
	s.say("clients gone; after %v: %d connections open on the server, %d goroutines (baseline %d)",
		r.settleTook.Round(time.Millisecond), r.serverOpen, r.after.Goroutines, r.base.Goroutines)
	return nil
}

// verify reads every acknowledged revision back, from the live store,
// then, after the blog's clean shutdown, from the store opened again.
func (s *soakRun) verify(ctx context.Context, r *soakReport, c *soakClients) {
	b := s.b
	r.readers, r.authors = c.readers, c.authors
	r.live = verifyWrites(ctx, b.db, c.authors)
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	serr := b.shutdown(sctx)
	scancel()
	if serr != nil {
		s.errs.add("shutdown", serr)
	}
	db, err := app.OpenStore(b.dbSpec, b.cfg)
	if err != nil {
		r.reopened = writeCheck{err: fmt.Errorf("reopening the store: %w", err)}
		return
	}
	r.reopened = verifyWrites(ctx, db, c.authors)
	if err := db.Close(); err != nil {
		s.errs.add("shutdown", err)
	}
}

// say reports progress.
func (s *soakRun) say(format string, args ...any) {
	fmt.Fprintf(s.log, "bench: soak: "+format+"\n", args...)
}

// reader is one reader: after delay it connects and goes round the keys
// until soakCtx is done; then it calls stopped, waits for release and
// hangs up. Steps already begun finish, within -timeout, under ctx.
func (s *soakRun) reader(ctx, soakCtx context.Context, id int, delay time.Duration, st *readerStats, stopped func(), release <-chan struct{}) {
	var t *soakTerm
	defer func() {
		if t != nil {
			s.hangUp(t)
		}
	}()
	defer func() {
		stopped()
		if t != nil {
			s.holdUntilRelease(t, release)
		}
	}()
	if sleep(soakCtx, delay) != nil {
		return
	}
	rng := rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
	moved := 0
	for round := 0; round < maxRounds && soakCtx.Err() == nil; round++ {
		if t == nil {
			var err error
			if t, err = s.connect(ctx, st); err != nil {
				s.errs.add("connect", err)
				t = nil
				if sleep(soakCtx, time.Second) != nil {
					return
				}
				continue
			}
			moved = 0
		}
		kind, err := s.round(ctx, soakCtx, t, st, rng, &moved)
		if errors.Is(err, errSoakOver) {
			return
		}
		if err != nil {
			s.errs.add(kind, err)
			s.hangUp(t)
			t = nil
			continue
		}
		if st.rounds++; st.rounds == 1 {
			s.warmed.Add(1)
		}
		if rng.Float64() >= s.o.reconnect {
			continue
		}
		// Quit from the list, as a reader does, and come back.
		if s.think(soakCtx, rng) != nil {
			return
		}
		err = t.quit(ctx, s.o.timeout)
		st.keys++
		s.hangUp(t)
		t = nil
		if err != nil {
			s.errs.add("quit", err)
			continue
		}
		st.reconnects++
	}
}

// errSoakOver ends a reader's round when the soak ends during a pause.
var errSoakOver = errors.New("the soak is over")

// round is one round of keys from the list and back to it. On an error it
// says which step failed. The reader stops for the warm-up's sample, or at
// the soak's end, only before the round's first key, on the list: every
// session is then in the same state when memory is sampled, not some in the
// pager holding a post and some on the list.
func (s *soakRun) round(ctx, soakCtx context.Context, t *soakTerm, st *readerStats, rng *rand.Rand, moved *int) (string, error) {
	timeout := s.o.timeout
	// Open the post under the cursor: the pager, then its body.
	if s.think(soakCtx, rng) != nil {
		return "", errSoakOver
	}
	pager, body := t.count(markPager), t.count(markBody)
	start := time.Now()
	if err := t.send("\r"); err != nil {
		return "open", err
	}
	st.keys++
	stepEnd := start.Add(timeout)
	if err := t.waitFor(ctx, markPager, pager, stepEnd); err != nil {
		return "open", fmt.Errorf("waiting for the pager: %w", err)
	}
	if err := t.waitFor(ctx, markBody, body, stepEnd); err != nil {
		return "open", fmt.Errorf("waiting for the post's body: %w", err)
	}
	st.open = append(st.open, time.Since(start))
	// Scroll: a line, a page, the bottom.
	for _, k := range []string{"j", " ", "G"} {
		if s.pause(ctx, rng) != nil {
			return "", ctx.Err()
		}
		if err := t.send(k); err != nil {
			return "scroll", err
		}
		st.keys++
	}
	// Back to the list.
	if s.pause(ctx, rng) != nil {
		return "", ctx.Err()
	}
	list := t.count(markList)
	start = time.Now()
	if err := t.send("q"); err != nil {
		return "back", err
	}
	st.keys++
	if err := t.waitFor(ctx, markList, list, start.Add(timeout)); err != nil {
		return "back", fmt.Errorf("waiting for the list: %w", err)
	}
	st.back = append(st.back, time.Since(start))
	// Down to the next post; back to the top after maxMoves, so that every
	// post a reader opens is one whose body starts with the marker.
	if s.pause(ctx, rng) != nil {
		return "", ctx.Err()
	}
	k := "j"
	if *moved >= maxMoves {
		k, *moved = "g", -1
	}
	if err := t.send(k); err != nil {
		return "move", err
	}
	*moved++
	st.keys++
	return "", nil
}

// think pauses as a reader does before a key: a random time between
// -think-min and -think-max, after waiting at the gate if it is closed. It
// fails when soakCtx is done first.
func (s *soakRun) think(soakCtx context.Context, rng *rand.Rand) error {
	if err := s.gate.wait(soakCtx); err != nil {
		return err
	}
	return s.pause(soakCtx, rng)
}

// pause is think without the gate: a pause within a round.
func (s *soakRun) pause(ctx context.Context, rng *rand.Rand) error {
	d := s.o.thinkMin
	if spread := s.o.thinkMax - s.o.thinkMin; spread > 0 {
		d += time.Duration(rng.Int64N(int64(spread) + 1))
	}
	return sleep(ctx, d)
}

// connect opens a reader's session and waits for the list to load.
func (s *soakRun) connect(ctx context.Context, st *readerStats) (*soakTerm, error) {
	start := time.Now()
	stepEnd := start.Add(s.o.timeout)
	client, conn, _, err := dial(ctx, s.b.addr, s.readerCfg, stepEnd)
	if err != nil {
		return nil, err
	}
	// From here the steps' own time limits apply; the connection's
	// deadline only ends what outlives the soak.
	conn.SetDeadline(s.hardStop)
	tm := &term{conn: conn, client: client}
	if err := tm.shell(); err != nil {
		client.Close()
		return nil, err
	}
	s.opened.Add(1)
	t := newSoakTerm(tm, s.markers, s.longest)
	if err := t.waitFor(ctx, markList, 0, stepEnd); err != nil {
		s.hangUp(t)
		return nil, fmt.Errorf("waiting for the first frame: %w", err)
	}
	if err := t.waitFor(ctx, markCount, 0, stepEnd); err != nil {
		s.hangUp(t)
		return nil, fmt.Errorf("waiting for the list to load: %w", err)
	}
	if len(st.firstList) == 0 {
		s.connected.Add(1)
	}
	st.firstList = append(st.firstList, time.Since(start))
	return t, nil
}

// holdUntilRelease keeps t open until release, or until the connections'
// deadline; a session that ended meanwhile is an error.
func (s *soakRun) holdUntilRelease(t *soakTerm, release <-chan struct{}) {
	timer := time.NewTimer(time.Until(s.hardStop))
	defer timer.Stop()
	select {
	case <-release:
	case <-timer.C:
	}
	if err := t.ended(); err != nil {
		s.errs.add("idle", fmt.Errorf("the session ended by itself: %w", err))
	}
}

// hangUp closes a reader's connection, as a terminal that closes does.
func (s *soakRun) hangUp(t *soakTerm) {
	t.Close()
	s.closed.Add(1)
}

// soakTerm is a reader's session with a goroutine that reads all of its
// output and counts the markers in it, so that the session never stalls
// for want of a reader and every wait has a time limit.
type soakTerm struct {
	t      *term
	notify chan struct{} // a token after every read
	done   chan struct{} // closed when the output ends

	mu     sync.Mutex
	counts [numMarkers]uint64
	end    error // why the output ended: io.EOF when the server closed it
}

// newSoakTerm starts reading tm's output.
func newSoakTerm(tm *term, markers [numMarkers][]byte, longest int) *soakTerm {
	t := &soakTerm{t: tm, notify: make(chan struct{}, 1), done: make(chan struct{})}
	go t.read(markers, longest)
	return t
}

// read reads the output until it ends, counting the markers. A marker
// split across two reads is found: the last longest-1 bytes of one read
// are searched again with the next, and a marker cannot fit in them alone.
func (t *soakTerm) read(markers [numMarkers][]byte, longest int) {
	defer close(t.done)
	buf := make([]byte, 16<<10)
	scan := make([]byte, 0, len(buf)+longest)
	end := errors.New("more output than the soak reads from one session")
	for range maxReads { // and until the connection's deadline at most
		n, err := t.t.stdout.Read(buf)
		if n > 0 {
			scan = append(scan, buf[:n]...)
			var found [numMarkers]uint64
			for m, b := range markers {
				found[m] = uint64(bytes.Count(scan, b))
			}
			keep := min(len(scan), longest-1)
			scan = append(scan[:0], scan[len(scan)-keep:]...)
			t.mu.Lock()
			for m := range found {
				t.counts[m] += found[m]
			}
			t.mu.Unlock()
			t.wake()
		}
		if err != nil {
			end = err
			break
		}
		if n == 0 {
			end = io.ErrNoProgress
			break
		}
	}
	t.mu.Lock()
	t.end = end
	t.mu.Unlock()
	t.wake()
}

// wake tells a waiter that something was read.
func (t *soakTerm) wake() {
	select {
	case t.notify <- struct{}{}:
	default:
	}
}

// count is how many times m has appeared so far.
func (t *soakTerm) count(m marker) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts[m]
}

// ended says why the output ended, or nil while it goes on.
func (t *soakTerm) ended() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.end
}

// waitFor waits until m has appeared more than after times, until
// deadline. The end of the output first is an error.
func (t *soakTerm) waitFor(ctx context.Context, m marker, after uint64, deadline time.Time) error {
	began := time.Now()
	timer := time.NewTimer(deadline.Sub(began))
	defer timer.Stop()
	for range maxWakeups { // and until deadline
		t.mu.Lock()
		n, end := t.counts[m], t.end
		t.mu.Unlock()
		switch {
		case n > after:
			return nil
		case errors.Is(end, io.EOF):
			return errors.New("unexpected EOF: the server ended the session")
		case end != nil:
			return end
		}
		select {
		case <-t.notify:
		case <-timer.C:
			return fmt.Errorf("timed out after %v", time.Since(began).Round(time.Millisecond))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.New("too many wake-ups")
}

// send writes keys to the session.
func (t *soakTerm) send(keys string) error {
	if err := t.t.send(keys); err != nil {
		return fmt.Errorf("sending %q: %w", keys, err)
	}
	return nil
}

// quit presses q on the list, which ends the TUI, and waits for the
// server to end the session.
func (t *soakTerm) quit(ctx context.Context, timeout time.Duration) error {
	if err := t.send("q"); err != nil {
		return err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-t.done:
	case <-timer.C:
		return fmt.Errorf("the session did not end within %v of q on the list", timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := t.ended(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("the session ended with %v, not EOF", err)
	}
	return nil
}

// Close drops the connection; the read goroutine ends with it.
func (t *soakTerm) Close() error { return t.t.Close() }

// author is author number id (0-based): it publishes soak-(id+1) again and
// again until soakCtx is done, on one connection (a new one after an
// error); then it calls stopped, waits for release and hangs up.
func (s *soakRun) author(ctx, soakCtx context.Context, id int, st *authorStats, stopped func(), release <-chan struct{}) {
	a := s.b.authors[id%len(s.b.authors)]
	st.name, st.slug = a.name, fmt.Sprintf("soak-%d", id+1)
	cfg := clientConfig(a.signer, s.b.hostKey)
	cfg.User = a.name
	var client *ssh.Client
	defer func() {
		stopped()
		if client != nil {
			timer := time.NewTimer(time.Until(s.hardStop))
			defer timer.Stop()
			select {
			case <-release:
			case <-timer.C:
			}
			client.Close()
		}
	}()
	nonce := rand.New(rand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
	for seq := 1; seq <= maxPublishes && soakCtx.Err() == nil; seq++ {
		if s.gate.wait(soakCtx) != nil {
			return
		}
		if client == nil {
			c, _, _, err := dial(ctx, s.b.addr, cfg, s.hardStop)
			if err != nil {
				s.errs.add("publish", err)
				if sleep(soakCtx, time.Second) != nil {
					return
				}
				continue
			}
			client = c
		}
		content := soakPost(id+1, seq, nonce.Uint64(), s.b.bodyMarker)
		start := time.Now()
		rev, err := publishSoak(client, st.slug, content, s.o.timeout)
		if err != nil {
			s.errs.add("publish", err)
			client.Close()
			client = nil
			continue
		}
		st.latency = append(st.latency, time.Since(start))
		st.acks = append(st.acks, soakAck{slug: st.slug, author: a.name, rev: rev, sum: sha256.Sum256(content), size: len(content)})
		s.acked.Add(1)
		if s.o.publishPause > 0 && sleep(soakCtx, s.o.publishPause) != nil {
			return
		}
	}
}

// soakPost is the markdown of an author's seq-th revision: a few lines of
// Korean, made unique by nonce, whose body starts with body (the word the
// readers wait for when they open a post).
func soakPost(author, seq int, nonce uint64, body string) []byte {
	return fmt.Appendf(nil, "---\ntitle: '소크 시험 %d번 작가의 글'\ndescription: 'soak test, author %d'\ntags: [soak, 시험]\n---\n\n"+
		"%s %d번 작가가 쓴 %d번째 판입니다. 서버는 쉬지 않고 글을 받고, 독자 오백 명이 읽는다. (%016x)\n\n"+
		"- 첫째: 글은 잃어버리지 않는다\n- 둘째: 메모리는 늘지 않는다\n", author, author, body, author, seq, nonce)
}

// publishSoak runs `publish slug` with content on stdin and returns the
// revision the server acknowledged. The session is cut after timeout.
func publishSoak(client *ssh.Client, slug string, content []byte, timeout time.Duration) (uint64, error) {
	sess, err := client.NewSession()
	if err != nil {
		return 0, fmt.Errorf("publish %s: opening a session: %w", slug, err)
	}
	defer sess.Close()
	cut := time.AfterFunc(timeout, func() { sess.Close() })
	defer cut.Stop()
	var out, errOut limitedBuffer
	sess.Stdin = bytes.NewReader(content)
	sess.Stdout, sess.Stderr = &out, &errOut
	if err := sess.Run("publish " + slug); err != nil {
		return 0, fmt.Errorf("publish %s: %w: %s", slug, err, strings.TrimSpace(errOut.String()))
	}
	var got string
	var rev uint64
	if _, err := fmt.Sscanf(out.String(), "published %s rev %d\n", &got, &rev); err != nil || got != slug || rev == 0 {
		return 0, fmt.Errorf("publish %s: unexpected answer %q", slug, out.String())
	}
	return rev, nil
}

// sample samples memory every sampleEvery until soakCtx is done.
func (s *soakRun) sample(soakCtx context.Context, start time.Time) []soakSample {
	var out []soakSample
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	limit := int(time.Until(s.hardStop)/sampleEvery) + 2
	for range limit { // and until the soak ends
		select {
		case <-soakCtx.Done():
			return out
		case <-tick.C:
		}
		m, err := readMem()
		if err != nil {
			continue
		}
		out = append(out, soakSample{at: time.Since(start), mem: m, cache: s.b.renderer.Stats().Bytes, sessions: s.opened.Load() - s.closed.Load(), acked: s.acked.Load()})
	}
	return out
}

// gate pauses the clients between two of their steps, so that memory can
// be sampled with every session open and nothing asked of the server. It
// is safe for concurrent use.
type gate struct {
	mu     sync.Mutex
	closed chan struct{} // nil while the gate is open; closed when it opens
	active int           // clients that have not stopped
	parked int           // clients waiting at the gate
}

// wait waits while the gate is closed, or until ctx is done.
func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	c := g.closed
	if c == nil {
		g.mu.Unlock()
		return nil
	}
	g.parked++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.parked--
		g.mu.Unlock()
	}()
	select {
	case <-c:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the clients at their next step.
func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed == nil {
		g.closed = make(chan struct{})
	}
}

// open lets them go on.
func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed != nil {
		close(g.closed)
		g.closed = nil
	}
}

// idle reports whether every client still running waits at the gate.
func (g *gate) idle() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.parked >= g.active
}

// leave counts a client that stopped.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
}

// waitGroup waits for wg for up to limit and reports whether it was done.
func waitGroup(wg *sync.WaitGroup, limit time.Duration) bool {
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

// waitSettled waits until the server has no connection open and at most
// goroutines are left, for up to limit, and reports whether that happened.
func waitSettled(ctx context.Context, conns *connCounter, goroutines uint64, limit time.Duration) bool {
	return waitUntil(ctx, limit, func() bool {
		m, err := readMem()
		return err == nil && m.Goroutines <= goroutines && conns.open.Load() == 0
	})
}

// waitUntil polls cond every pollEvery until it holds, for up to limit or
// until ctx is done, and reports whether it held.
func waitUntil(ctx context.Context, limit time.Duration, cond func() bool) bool {
	stop := time.Now().Add(limit)
	for range limit/pollEvery + 1 { // and until stop
		if cond() {
			return true
		}
		if !time.Now().Before(stop) || sleep(ctx, pollEvery) != nil {
			break
		}
	}
	return cond()
}

// writeCheck is the outcome of reading back every acknowledged revision.
type writeCheck struct {
	checked  int
	lost     int      // not in the store
	wrong    int      // in the store with other content or author
	gaps     int      // an author's acknowledged revisions that do not follow one another
	extra    int      // revisions stored past the last acknowledged one (publishes that failed late)
	problems []string // the first few
	err      error    // the check could not be made
}

// ok reports whether every acknowledged revision was found intact.
func (c writeCheck) ok() bool {
	return c.err == nil && c.lost == 0 && c.wrong == 0 && c.gaps == 0
}

// note keeps a problem's description, up to maxErrorsShown.
func (c *writeCheck) note(format string, args ...any) {
	if len(c.problems) < maxErrorsShown {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// verifyWrites reads every acknowledged revision back from db.
func verifyWrites(ctx context.Context, db store.Store, authors []authorStats) writeCheck {
	var c writeCheck
	for _, a := range authors {
		var prev uint64
		for _, ack := range a.acks {
			c.checked++
			if prev != 0 && ack.rev != prev+1 {
				c.gaps++
				c.note("%s: rev %d acknowledged after rev %d", ack.slug, ack.rev, prev)
			}
			prev = ack.rev
			rev, err := db.Revision(ctx, ack.slug, ack.rev)
			switch {
			case errors.Is(err, store.ErrNotFound):
				c.lost++
				c.note("%s rev %d: %v", ack.slug, ack.rev, err)
			case err != nil:
				c.err = err
				return c
			case sha256.Sum256(rev.Source) != ack.sum || len(rev.Source) != ack.size || rev.Author != ack.author:
				c.wrong++
				c.note("%s rev %d: stored by %q with %d bytes, acknowledged for %q with %d", ack.slug, ack.rev, rev.Author, len(rev.Source), ack.author, ack.size)
			}
		}
		if e, ok := db.Entry(a.slug); ok && e.Rev > prev {
			c.extra += int(e.Rev - prev)
		}
	}
	return c
}

// soakErrors counts errors by the step they happened in and keeps the
// first few. It is safe for concurrent use.
type soakErrors struct {
	mu     sync.Mutex
	byKind map[string]int
	first  []string
}

// add counts err, which happened in step kind.
func (e *soakErrors) add(kind string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byKind == nil {
		e.byKind = map[string]int{}
	}
	e.byKind[kind]++
	if len(e.first) < maxErrorsShown {
		e.first = append(e.first, kind+": "+err.Error())
	}
}

// soakErrorList is a copy of the errors counted.
type soakErrorList struct {
	byKind map[string]int
	first  []string
}

// total is the number of errors.
func (l soakErrorList) total() int {
	n := 0
	for _, c := range l.byKind {
		n += c
	}
	return n
}

// snapshot copies the errors counted so far.
func (e *soakErrors) snapshot() soakErrorList {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := soakErrorList{byKind: map[string]int{}, first: append([]string(nil), e.first...)}
	for k, v := range e.byKind {
		l.byKind[k] = v
	}
	return l
}
