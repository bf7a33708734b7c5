// Command bench measures the blog's SSH server on this machine against the
// floor: a bare golang.org/x/crypto/ssh server that writes one line.
//
// In one process it starts the real blog server (the store, host key,
// authors and render cache assembled as cmd/sshd assembles them, in a
// temporary folder, on a loopback port) and the bare server, then drives
// both with SSH clients that open a PTY and a shell as a terminal does. It
// measures the time to the first frame and the connections per second at a
// fixed concurrency, the memory and idle CPU of held sessions, the time to
// open a post, the rate of publishes by several authors, and what an
// oversized upload does to memory (its client runs in a child process, so
// that the memory measured is the server's alone), and what search costs
// over 3,000 posts (search.go); and prints a table with the targets. With
// -store etcd the blog runs on a real single-node etcd started in the
// process (etcd.go).
//
// Usage:
//
//	go run ./cmd/bench [flags]
//
// Run with -h for the flags. With the defaults a run takes under a minute
// on two cores. The servers and clients share the process and its CPUs, so
// absolute figures include the clients' own work; the ratios to the bare
// server are what the targets are about.
//
// With -soak DURATION it runs a soak test instead of the measurements:
// many readers browsing the blog's TUI and several authors publishing, all
// at once for that long; then it checks for errors, lost writes, memory
// growth, sessions left open and leaked goroutines, and exits 1 if a check
// fails. See soak.go.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	charmlog "charm.land/log/v2"
	"golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui"
)

// options are the command's flags.
type options struct {
	posts          int
	sessions       int
	serial         int
	rounds         int
	duration       time.Duration
	concurrency    int
	hold           int
	idle           time.Duration
	opens          int
	authors        int
	publishes      int
	uploadMiB      int64
	renderCacheMiB int64
	searchPosts    int
	searchQueries  int
	timeout        time.Duration
	limit          time.Duration
	cpuprofile     string
	memprofile     string
	serverLog      string
	store          string

	// The soak test's; see runSoak in soak.go.
	soak           time.Duration
	readers        int
	soakAuthors    int
	warmup         time.Duration
	thinkMin       time.Duration
	thinkMax       time.Duration
	reconnect      float64
	publishPause   time.Duration
	settle         time.Duration
	goroutineSlack int
	rssSlack       float64
}

// parseFlags reads the command line.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: go run ./cmd/bench [flags]\n\nbench measures the blog's SSH server against a bare x/crypto/ssh server, in one process.\n\nflags:")
		fs.PrintDefaults()
	}
	fs.IntVar(&o.posts, "posts", 100, "generated posts to add to the built-in ones")
	fs.IntVar(&o.sessions, "sessions", 1000, "sessions per server in the first-frame run")
	fs.IntVar(&o.serial, "serial", 50, "sessions per server opened one at a time, for the unloaded first frame")
	fs.IntVar(&o.rounds, "rounds", 4, "first-frame runs alternate between the servers in this many rounds, so that other load on the machine falls on both")
	fs.DurationVar(&o.duration, "duration", 0, "if positive, also end each server's concurrent first-frame runs after this long in all")
	fs.IntVar(&o.concurrency, "concurrency", 50, "concurrent clients in the first-frame and hold runs")
	fs.IntVar(&o.hold, "hold", 500, "idle sessions held open at once per server for memory and idle CPU")
	fs.DurationVar(&o.idle, "idle", 20*time.Second, "how long the held sessions sit idle: CPU is measured over it (and over its part after the blog's sessions gave back their copy of the screen, at screen-release, 10s), and memory sampled again after it")
	fs.IntVar(&o.opens, "opens", 200, "sessions that open the newest post, one after another")
	fs.IntVar(&o.authors, "authors", 8, "concurrent author clients publishing")
	fs.IntVar(&o.publishes, "publishes", 800, "publishes in total, shared by the authors")
	fs.Int64Var(&o.renderCacheMiB, "render-cache", 64, fmt.Sprintf("MiB of rendered posts the blog's render cache keeps (cmd/sshd's render-cache setting defaults to 64; with -soak the default is %d, so that the cache is full by the end of the warm-up)", soakRenderCacheMiB))
	fs.Int64Var(&o.uploadMiB, "upload", 100, "MiB an author sends to \"publish big\" in the upload abuse run (0 to skip)")
	fs.IntVar(&o.searchPosts, "search", 3000, "generated posts in the search phase's own store (0 to skip the phase)")
	fs.IntVar(&o.searchQueries, "search-queries", 300, "searches in the search phase, one at a time")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "time limit of one session")
	fs.DurationVar(&o.limit, "limit", 15*time.Minute, "time limit of the whole run")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to `file`")
	fs.StringVar(&o.memprofile, "memprofile", "", "write a heap profile to `file` while the blog's sessions are held (with -hold 0, at the end; with -soak, at the soak's end, to file.warm after the warm-up and to file.after once the clients hung up)")
	fs.StringVar(&o.store, "store", storeBolt, "the blog's store: bolt (a bbolt file, cmd/sshd's default) or etcd (a real single-node etcd started in this process on loopback ports, the blog's store setting etcd://127.0.0.1:PORT)")
	fs.StringVar(&o.serverLog, "serverlog", "", "write the blog server's log to `file` (default: discard it)")
	fs.DurationVar(&o.soak, "soak", 0, "if positive, run the soak test instead of the measurements: a warm-up, then this long (-limit then defaults to this plus 5m)")
	fs.IntVar(&o.readers, "readers", 500, "soak: concurrent reader sessions browsing the TUI")
	fs.IntVar(&o.soakAuthors, "soak-authors", 5, "soak: author clients publishing all the while, each with its own key")
	fs.DurationVar(&o.warmup, "warmup", 10*time.Second, "soak: memory is first sampled this long into the soak, once every reader has been through a round; readers connect over the first half of it")
	fs.DurationVar(&o.thinkMin, "think-min", 500*time.Millisecond, "soak: a reader's shortest pause between two keys")
	fs.DurationVar(&o.thinkMax, "think-max", 2*time.Second, "soak: a reader's longest pause between two keys")
	fs.Float64Var(&o.reconnect, "reconnect", 0.02, "soak: the chance a reader quits and connects again after each round of keys")
	fs.DurationVar(&o.publishPause, "publish-pause", 0, "soak: an author's pause between two publishes (0: back to back)")
	fs.DurationVar(&o.settle, "settle", 10*time.Second, "soak: the longest wait for the server to end its sessions and goroutines after the clients hang up")
	fs.IntVar(&o.goroutineSlack, "goroutine-slack", 10, "soak: goroutines allowed above the baseline once the sessions are closed")
	fs.Float64Var(&o.rssSlack, "rss-slack", 0.10, "soak: growth of RSS, less the render cache, allowed from the first quarter of the soak after the warm-up to the last, as a fraction")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.soak > 0 && !set["limit"] {
		o.limit = o.soak + 5*time.Minute
	}
	if o.soak > 0 && !set["render-cache"] {
		o.renderCacheMiB = soakRenderCacheMiB
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"-posts", o.posts >= 0}, {"-sessions", o.sessions > 0}, {"-serial", o.serial >= 0}, {"-rounds", o.rounds > 0}, {"-duration", o.duration >= 0}, {"-concurrency", o.concurrency > 0},
		{"-hold", o.hold >= 0}, {"-idle", o.idle > 0}, {"-opens", o.opens >= 0}, {"-authors", o.authors > 0},
		{"-publishes", o.publishes >= 0}, {"-upload", o.uploadMiB >= 0}, {"-render-cache", o.renderCacheMiB > 0}, {"-timeout", o.timeout > 0}, {"-limit", o.limit > 0},
		{"-soak", o.soak >= 0}, {"-readers", o.readers >= 0}, {"-soak-authors", o.soakAuthors >= 0},
		{"-warmup", o.warmup > 0}, {"-think-min", o.thinkMin > 0}, {"-think-max", o.thinkMax >= o.thinkMin},
		{"-reconnect", o.reconnect >= 0 && o.reconnect <= 1}, {"-publish-pause", o.publishPause >= 0}, {"-settle", o.settle > 0},
		{"-goroutine-slack", o.goroutineSlack >= 0}, {"-rss-slack", o.rssSlack >= 0},
		{"-store", o.store == storeBolt || o.store == storeEtcd}, {"-search", o.searchPosts >= 0 && o.searchPosts <= 9999}, {"-search-queries", o.searchQueries > 0},
	} {
		if !c.ok {
			return o, fmt.Errorf("%s is out of range", c.name)
		}
	}
	return o, nil
}

// main parses the flags, runs the benchmark until it ends or SIGINT, and
// exits 1 on an error.
func main() {
	if os.Getenv(uploadClientEnv) != "" {
		if err := uploadClient(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench: upload client:", err)
			os.Exit(1)
		}
		return
	}
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		err = run(ctx, o, os.Stdout, os.Stderr)
		stop()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run sets everything up, runs each measurement (or the soak), prints the
// table to out and progress to progress, and takes everything down.
func run(ctx context.Context, o options, out, progress io.Writer) (err error) {
	ctx, cancel := context.WithTimeout(ctx, o.limit)
	defer cancel()
	if err := termtext.Pin(); err != nil {
		return err
	}
	// Each held session is two descriptors in this process: the client's
	// end and the server's.
	need := 2*o.hold + 4*o.concurrency + 4*o.authors + 512
	if o.soak > 0 {
		need = 2*o.readers + 4*o.soakAuthors + 512
	}
	if err := raiseFileLimit(uint64(need)); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(o.cpuprofile)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopProfile()) }()
	logTo := io.Discard
	if o.serverLog != "" {
		f, err := os.Create(o.serverLog)
		if err != nil {
			return err
		}
		defer f.Close()
		logTo = f
	}
	// Wish's Bubble Tea middleware logs every hang-up to the default
	// logger of charm.land/log; that is the server's log too.
	charmlog.SetOutput(logTo)
	dir, err := os.MkdirTemp("", "sshblog-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	storeSetting, stopStore, err := startStore(dir, o.store)
	if err != nil {
		return err
	}
	defer stopStore() // after the blog's shutdown
	setup := blogSetup{dir: dir, store: storeSetting, generated: o.posts, authors: 1, cacheBytes: o.renderCacheMiB << 20, logTo: logTo}
	if o.soak > 0 {
		setup.authors = o.soakAuthors
		return runSoak(ctx, o, setup, out, progress)
	}
	return runMeasures(ctx, o, setup, out, progress)
}

// startCPUProfile starts a CPU profile to path, if not empty, and returns
// the function that stops it.
func startCPUProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// runMeasures starts the blog and the bare server, runs the measurements
// and prints the table to out.
func runMeasures(ctx context.Context, o options, setup blogSetup, out, progress io.Writer) (err error) {
	env := readMachine()
	busy0, _ := machineBusy()
	self0, _ := cpuTime()
	start := time.Now()
	b, err := startBlog(setup)
	if err != nil {
		return fmt.Errorf("starting the blog: %w", err)
	}
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		err = errors.Join(err, b.shutdown(sctx))
	}()
	bare, stopBare, err := startBare()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopBare()) }()
	bn, err := newBench(o, setup, b, bare, newResults(o, env), progress)
	if err != nil {
		return err
	}
	bn.say("blog on %s (%d posts; newest %q), bare server on %s", b.addr, b.posts, b.newest.Title, bare.Addr())
	if err := bn.run(ctx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("the run did not finish: %w", err)
	}
	busy1, err1 := machineBusy()
	self1, err2 := cpuTime()
	if err1 == nil && err2 == nil {
		bn.res.wall, bn.res.self, bn.res.others = time.Since(start), self1-self0, max(busy1-busy0-(self1-self0), 0)
	}
	bn.res.print(out)
	return nil
}

// startBare starts the bare server on a loopback port and returns the
// function that stops it.
func startBare() (*bareServer, func() error, error) {
	bare, err := newBareServer("127.0.0.1:0", handshakeTimeout)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the bare server: %w", err)
	}
	done := make(chan error, 1)
	go pprof.Do(context.Background(), pprof.Labels("server", "bare"), func(context.Context) {
		done <- bare.Serve()
	})
	return bare, func() error {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		return errors.Join(bare.Shutdown(sctx), <-done)
	}, nil
}

// newBench makes the clients' settings for the blog b and the bare server.
func newBench(o options, setup blogSetup, b *blog, bare *bareServer, res *results, progress io.Writer) (*bench, error) {
	reader, err := newKey()
	if err != nil {
		return nil, err
	}
	authorCfg := clientConfig(b.author, b.hostKey)
	authorCfg.User = authorName
	return &bench{
		opts:   o,
		blog:   b,
		bare:   bare,
		blogT:  target{name: "blog", addr: b.addr, config: clientConfig(reader, b.hostKey), marker: []byte(b.newest.Title)},
		bareT:  target{name: "bare", addr: bare.Addr(), config: clientConfig(reader, bare.HostKey()), marker: []byte(bareLine[:len(bareLine)-2])},
		author: authorCfg,
		setup:  setup,
		res:    res,
		log:    progress,
	}, nil
}

// bench is one run's servers, clients and results.
type bench struct {
	opts   options
	blog   *blog
	bare   *bareServer
	blogT  target            // readers of the blog
	bareT  target            // readers of the bare server
	author *ssh.ClientConfig // the blog's author
	setup  blogSetup         // how the blog was made
	res    *results
	log    io.Writer // progress
}

// say reports progress.
func (bn *bench) say(format string, args ...any) {
	fmt.Fprintf(bn.log, "bench: "+format+"\n", args...)
}

// run runs every measurement the options ask for.
func (bn *bench) run(ctx context.Context) error {
	o, b := bn.opts, bn.blog
	bn.res.posts, bn.res.newest, bn.res.marker = b.posts, b.newest.Title, b.bodyMarker
	if err := bn.firstFrames(ctx); err != nil {
		return err
	}
	if o.hold > 0 {
		if err := bn.holds(ctx); err != nil {
			return err
		}
	}
	if o.opens > 0 {
		// The opens come first: the first of them renders the post.
		stats := b.renderer.Stats()
		bn.res.opens = runOpens(ctx, bn.blogT, []byte(b.bodyMarker), o.opens, o.timeout)
		bn.res.renders = b.renderer.Stats().Misses - stats.Misses
		bn.say("open post: %d opens (%d failed), %d renders", bn.res.opens.Count(), bn.res.opens.Failed.N, bn.res.renders)
		session := modelSession{title: blogTitle, posts: b.db.Public(), renderer: b.renderer, shared: tui.NewShared(), newest: b.newest.Title, body: b.bodyMarker}
		bn.res.model = runModel(ctx, session, o.opens)
		bn.say("model alone: %d sessions (%d failed)", len(bn.res.model.Frame), bn.res.model.Failed.N)
	}
	if o.publishes > 0 {
		bn.res.publish = runPublishes(ctx, b.addr, bn.author, o.authors, o.publishes, 2*time.Minute)
		bn.say("publish: %d acknowledged (%d failed) in %v", bn.res.publish.Acked, bn.res.publish.Failed.N, bn.res.publish.Wall.Round(time.Millisecond))
	}
	if o.uploadMiB > 0 {
		var err error
		if bn.res.upload, err = runUpload(ctx, b.addr, b.authors[0].key, b.hostKey, b.conns, o.uploadMiB<<20, time.Minute); err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		bn.say("upload: %d bytes sent, answer %q", bn.res.upload.Sent, bn.res.upload.Answer)
	}
	if o.searchPosts > 0 {
		var err error
		if bn.res.search, err = runSearch(ctx, bn.setup.dir, bn.setup.store, o.searchPosts, o.searchQueries); err != nil {
			return fmt.Errorf("search: %w", err)
		}
		bn.say("search: %d posts indexed in %v, %d queries", bn.res.search.Posts, bn.res.search.Build.Round(time.Millisecond), len(bn.res.search.All))
	}
	if o.memprofile != "" && o.hold == 0 {
		return writeHeapProfile(o.memprofile)
	}
	return nil
}

// firstFrames warms both servers up, then runs the first-frame sessions
// in rounds that alternate between them: one client at a time, then
// -concurrency at a time.
func (bn *bench) firstFrames(ctx context.Context) error {
	o := bn.opts
	targets := []target{bn.bareT, bn.blogT}
	warm := min(o.sessions/10+1, 100)
	for _, t := range targets {
		if r := runFrames(ctx, t, warm, o.concurrency, 0, o.timeout); r.Failed.N > 0 {
			return fmt.Errorf("warming up %s: %d of %d sessions failed; the first: %w", t.name, r.Failed.N, warm, r.Failed.First)
		}
	}
	for round := range o.rounds {
		for _, t := range targets {
			if n := share(o.serial, o.rounds, round); n > 0 {
				r := runFrames(ctx, t, n, 1, 0, o.timeout)
				bn.res.serial[t.name] = merged(bn.res.serial[t.name], r)
			}
			if n := share(o.sessions, o.rounds, round); n > 0 {
				r := runFrames(ctx, t, n, o.concurrency, o.duration/time.Duration(o.rounds), o.timeout)
				bn.res.frames[t.name] = merged(bn.res.frames[t.name], r)
			}
		}
	}
	for _, t := range targets {
		s, r := bn.res.serial[t.name], bn.res.frames[t.name]
		bn.say("first frame, %s: %d sessions one at a time (%d failed), %d with %d clients (%d failed) in %v",
			t.name, s.Sessions, s.Failed.N, r.Sessions, o.concurrency, r.Failed.N, r.Wall.Round(time.Millisecond))
	}
	return ctx.Err()
}

// holds holds -hold sessions open on the blog, then on the bare server,
// which keeps its sessions open meanwhile.
func (bn *bench) holds(ctx context.Context) error {
	o := bn.opts
	for _, t := range []target{bn.blogT, bn.bareT} {
		var held func() error
		if t.name == "blog" && o.memprofile != "" {
			held = func() error { return writeHeapProfile(o.memprofile) }
		}
		bn.bare.hold.Store(t.name == "bare")
		r, err := runHold(ctx, t, o.hold, o.concurrency, o.idle, o.timeout, held)
		bn.bare.hold.Store(false)
		if err != nil {
			return fmt.Errorf("holding %s sessions: %w", t.name, err)
		}
		bn.say("hold, %s: %d sessions (%d failed) opened in %v", t.name, r.Held, r.Failed.N, r.Open.Round(time.Millisecond))
		bn.res.holds[t.name] = r
	}
	return nil
}

// share is round i's part of n split into rounds parts.
func share(n, rounds, i int) int {
	part := n / rounds
	if i < n%rounds {
		part++
	}
	return part
}

// merged returns a with b's sessions added.
func merged(a, b frameResult) frameResult {
	a.add(b)
	return a
}

// writeHeapProfile writes a heap profile to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newKey generates an ed25519 client key.
func newKey() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}
