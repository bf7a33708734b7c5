// Package soak runs the soak test (cmd/bench -soak DURATION; the flags
// named below are Config's fields): many readers browsing the blog's TUI
// and several authors publishing, all at once for that long; then it
// checks for errors, lost writes, memory growth, sessions left open and
// leaked goroutines, and prints a report.
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
// been through a round and the render cache is mostly full) and at the
// end, both times with every session open and idle: the readers stop on
// the list, between two rounds, and the authors between two publishes (the
// pause is added to the soak), and the server gets quietFor to finish what
// they asked (and every idle session to give back its copy of the screen).
// Then it hangs up every session, waits up to -settle for the server to
// end them, and checks: no errors, every acknowledged revision stored with
// its exact content (read back through store.Revision from the live store
// and again after closing and reopening the file), RSS flat after the
// warm-up (the VmRSS sampled every sampleEvery while the clients run, less
// the render cache: its peak in the last quarter of the soak against the
// first), every session closed, and goroutines back to the baseline taken
// before the first session opened.
package soak

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/cmd/bench/internal/wait"
)

// Bounds of the soak's loops, beyond their time limits.
const (
	maxRounds      = 1 << 20 // rounds of keys one reader goes through
	maxPublishes   = 1 << 22 // publishes by one author
	maxMoves       = 50      // j presses on the list before a reader goes back to the top (g)
	sampleEvery    = 5 * time.Second
	endMargin      = 2 * time.Minute                       // connections' deadline past the soak's end and -timeout
	quietFor       = servers.ScreenRelease + 2*time.Second // before memory is sampled: for the server to finish its work, and every idle session to give back its copy of the screen, so that both samples see them alike
	maxErrorsShown = 8
)

// RenderCacheMiB is the soak's render cache unless -render-cache says
// otherwise. The authors' new revisions fill a cache as they are read, and
// a heap holding more cache is a larger heap, with as much again of room
// for garbage (GOGC): RSS grows with the cache until it is full. The
// server's 64 MiB take about six minutes of the soak to fill; 2 MiB are
// full within the warm-up, and the memory checked after it is then the
// rest of the server's.
const RenderCacheMiB = 2

// cacheFull is the share of its bound the render cache must hold before
// the warm-up ends.
const cacheFull = 0.75

// ErrFailed is the run's error when a check failed; the report says
// which.
var ErrFailed = errors.New("the soak failed its checks")

// Config is the soak test's settings.
type Config struct {
	Duration       time.Duration // how long the soak runs after the warm-up
	Readers        int           // reader sessions browsing the TUI at once
	Authors        int           // author clients publishing all the while, each with its own key
	Warmup         time.Duration // memory is first sampled this long in; readers connect over its first half
	ThinkMin       time.Duration // a reader's shortest pause between two keys
	ThinkMax       time.Duration // a reader's longest pause between two keys
	Reconnect      float64       // the chance a reader quits and connects again after a round
	PublishPause   time.Duration // an author's pause between two publishes
	Settle         time.Duration // the longest wait for the server to settle after the hang-up
	GoroutineSlack int           // goroutines allowed above the baseline after the hang-up
	RSSSlack       float64       // RSS growth allowed after the warm-up, as a fraction
	Timeout        time.Duration // one step's time limit
	RenderCacheMiB int64         // the blog's render cache bound
	Generated      int           // posts generated on top of the built-in ones
	MemProfile     string        // if set, heap profiles are written there (see heapProfile)
	Log            io.Writer     // progress
}

// run is one soak test's setup, clients and tallies.
type run struct {
	c         Config
	b         *servers.Blog
	readerCfg *ssh.ClientConfig
	markers   [][]byte     // what a reader waits for, by index: markList and the others
	hardStop  time.Time    // every client connection's deadline
	start     time.Time    // when the soak began
	cpu0      proc.CPUMark // the CPU time used then
	gate      gate         // pauses the clients for the warm-up's sample

	opened, closed atomic.Int64 // reader sessions, client side
	connected      atomic.Int64 // readers that saw the list at least once
	warmed         atomic.Int64 // readers that went through a whole round at least once
	acked          atomic.Int64 // publishes acknowledged
	errs           errorLog
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
	acks    []ack
	latency []time.Duration
}

// ack is a publish the server acknowledged.
type ack struct {
	slug, author string
	rev          uint64
	sum          [sha256.Size]byte // of the content sent: the client keeps no copy, which would
	size         int               // grow the process's memory with every publish, in the soak's figures
}

// sample is the process at one moment of the soak.
type sample struct {
	at       time.Duration // since the soak began
	mem      proc.Mem
	cache    int   // bytes in the render cache
	sessions int64 // reader sessions open, client side
	acked    int64 // publishes acknowledged so far
}

// Run starts the blog setup makes, with c.Authors authors, runs the soak
// test on it and prints its report to out. It returns ErrFailed if a
// check failed.
func Run(ctx context.Context, c Config, setup servers.Setup, out io.Writer) (err error) {
	setup.Authors = c.Authors
	b, err := servers.StartBlog(setup)
	if err != nil {
		return fmt.Errorf("starting the blog: %w", err)
	}
	running := true
	defer func() {
		if running {
			err = errors.Join(err, b.Stop())
		}
	}()
	s, err := newRun(c, b)
	if err != nil {
		return err
	}
	r := &report{c: c, env: proc.ReadMachine(), posts: b.Posts, body: b.BodyMarker}
	s.say("blog on %s (%d posts, %d authors); soak of %v with %d readers and %d authors", b.Addr, b.Posts, len(b.Authors), c.Duration, c.Readers, c.Authors)
	if err := s.soak(ctx, r); err != nil {
		return err
	}
	running = false
	if !r.print(out) {
		return ErrFailed
	}
	return nil
}

// newRun makes the soak's clients' settings for the blog b.
func newRun(c Config, b *servers.Blog) (*run, error) {
	key, err := clients.NewKey()
	if err != nil {
		return nil, err
	}
	s := &run{
		c:         c,
		b:         b,
		readerCfg: clients.Config("reader", key, b.HostKey),
		markers:   markerBytes(servers.Title, b.BodyMarker),
	}
	return s, nil
}

// soak takes the baseline, runs the clients through the warm-up and the
// soak, hangs them up and reads every write back, the blog shut down.
func (s *run) soak(ctx context.Context, r *report) error {
	c := s.c
	// The baseline: the server up, no session yet.
	if err := wait.Sleep(ctx, 500*time.Millisecond); err != nil {
		return err
	}
	var err error
	if r.base, err = proc.SettledMem(); err != nil {
		return err
	}
	s.cpu0 = proc.MarkCPU()
	s.start = time.Now()
	// The soak runs c.Duration after the warm-up, which takes at most
	// maxWarmup; the clients' connections end by hardStop in any case.
	maxWarmup := c.Warmup + 3*c.Timeout + quietFor
	s.hardStop = s.start.Add(maxWarmup + c.Duration + 2*c.Timeout + quietFor + endMargin)
	soakCtx, stopSoak := context.WithCancel(ctx)
	defer stopSoak()
	endTimer := time.AfterFunc(maxWarmup+c.Duration, stopSoak)
	defer endTimer.Stop()

	f := s.startClients(ctx, soakCtx)
	defer func() {
		f.hangUp()
		wait.Group(&f.gone, 30*time.Second)
	}()
	if err := s.warmUp(ctx, soakCtx, r); err != nil {
		return err
	}
	endTimer.Reset(c.Duration)
	if err := s.end(ctx, soakCtx, r, f); err != nil {
		return err
	}
	if err := s.hangUpAll(ctx, r, f); err != nil {
		return err
	}
	s.verify(ctx, r, f)
	r.errs = s.errs.snapshot()
	return nil
}
