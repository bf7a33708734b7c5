package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/measure"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/cmd/bench/internal/soak"
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
	attack         bool
	attackHold     time.Duration
	attackOnly     string

	// The git phase's; see gitclone.Config.
	git          bool
	gitPosts     int
	gitRevisions int

	// The web phase's; see webload.Config.
	web           bool
	webPosts      string
	webDuration   time.Duration
	webConns      int
	webRounds     int
	webCacheMiB   int64
	webCPUProfile string

	// The soak test's; see soak.Config.
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
	fs.Int64Var(&o.renderCacheMiB, "render-cache", 64, fmt.Sprintf("MiB of rendered posts the blog's render cache keeps (cmd/sshd's render-cache setting defaults to 64; with -soak the default is %d, so that the cache is full by the end of the warm-up)", soak.RenderCacheMiB))
	fs.Int64Var(&o.uploadMiB, "upload", 100, "MiB an author sends to \"publish big\" in the upload abuse run (0 to skip)")
	fs.IntVar(&o.searchPosts, "search", 3000, "generated posts in the search phase's own store (0 to skip the phase)")
	fs.IntVar(&o.searchQueries, "search-queries", 300, "searches in the search phase, one at a time")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "time limit of one session")
	fs.DurationVar(&o.limit, "limit", 15*time.Minute, "time limit of the whole run")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to `file`")
	fs.StringVar(&o.memprofile, "memprofile", "", "write a heap profile to `file` while the blog's sessions are held (with -hold 0, at the end; with -soak, at the soak's end, to file.warm after the warm-up and to file.after once the clients hung up)")
	fs.StringVar(&o.store, "store", servers.StoreBolt, "the blog's store: bolt (a bbolt file, cmd/sshd's default) or etcd (a real single-node etcd started in this process on loopback ports, the blog's store setting etcd://127.0.0.1:PORT)")
	fs.StringVar(&o.serverLog, "serverlog", "", "write the blog server's log to `file` (default: discard it)")
	fs.BoolVar(&o.attack, "attack", false, "run the attacks of an anonymous client instead of the measurements, against the blog with cmd/sshd's default limits, and print what each costs the server")
	fs.DurationVar(&o.attackHold, "attack-hold", 5*time.Second, "attack: how long each attack's sessions are held")
	fs.StringVar(&o.attackOnly, "attacks", "", "attack: the attacks to make, comma-separated (reader, pty-huge, pty-ten, sessions, command, winch-drop, resize-storm); empty: all")
	fs.BoolVar(&o.git, "git", false, "run the git phase instead of the measurements: clone a big blog with the real git over ssh, as an author and a reader, then fetch after one publish")
	fs.IntVar(&o.gitPosts, "git-posts", 3000, "posts of the git phase's blog")
	fs.IntVar(&o.gitRevisions, "git-revisions", 10000, "revisions of the git phase's blog, in all (each edit one)")
	fs.BoolVar(&o.web, "web", false, "run the web phase instead of the measurements: the blog's web against nginx (if installed) and http.FileServer serving the same pages as files, random posts with and without gzip, and the blog right after a publish")
	fs.StringVar(&o.webPosts, "web-posts", "3000", "web: posts to generate, of the shape of a real technical blog (about 20 KB of Korean markdown with code each), or a real Astro, Hugo or Jekyll folder or tar to import instead")
	fs.DurationVar(&o.webDuration, "web-duration", 10*time.Second, "web: how long each server is loaded, after a second's warm-up")
	fs.IntVar(&o.webRounds, "web-rounds", 3, "web: each load is split in this many runs, the servers taking turns, so that other load on the machine falls on all; each round also loads the blog, then publishes and loads it again")
	fs.IntVar(&o.webConns, "web-conns", 50, "web: keep-alive connections of the load")
	fs.StringVar(&o.webCPUProfile, "web-cpuprofile", "", "web: the blog's process writes a CPU profile of the runs to `file`")
	fs.Int64Var(&o.webCacheMiB, "web-cache", 0, "web: the blog's web-cache setting in MiB (0: its default)")
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
		o.renderCacheMiB = soak.RenderCacheMiB
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, o.check()
}

// check reports the first flag whose value is out of range.
func (o options) check() error {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"-posts", o.posts >= 0}, {"-sessions", o.sessions > 0}, {"-serial", o.serial >= 0}, {"-rounds", o.rounds > 0}, {"-duration", o.duration >= 0}, {"-concurrency", o.concurrency > 0},
		{"-hold", o.hold >= 0}, {"-idle", o.idle > 0}, {"-opens", o.opens >= 0}, {"-authors", o.authors > 0},
		{"-publishes", o.publishes >= 0}, {"-upload", o.uploadMiB >= 0}, {"-render-cache", o.renderCacheMiB > 0}, {"-timeout", o.timeout > 0}, {"-limit", o.limit > 0},
		{"-soak", o.soak >= 0}, {"-web-duration", o.webDuration > 0}, {"-web-conns", o.webConns > 0}, {"-web-rounds", o.webRounds > 0}, {"-web-cache", o.webCacheMiB >= 0}, {"-readers", o.readers >= 0}, {"-soak-authors", o.soakAuthors >= 0},
		{"-warmup", o.warmup > 0}, {"-think-min", o.thinkMin > 0}, {"-think-max", o.thinkMax >= o.thinkMin},
		{"-reconnect", o.reconnect >= 0 && o.reconnect <= 1}, {"-publish-pause", o.publishPause >= 0}, {"-settle", o.settle > 0},
		{"-goroutine-slack", o.goroutineSlack >= 0}, {"-rss-slack", o.rssSlack >= 0},
		{"-store", o.store == servers.StoreBolt || o.store == servers.StoreEtcd}, {"-search", o.searchPosts >= 0 && o.searchPosts <= 9999}, {"-search-queries", o.searchQueries > 0},
	} {
		if !c.ok {
			return fmt.Errorf("%s is out of range", c.name)
		}
	}
	return nil
}

// measureConfig is what the measurements are asked to run.
func (o options) measureConfig(progress io.Writer) measure.Config {
	return measure.Config{
		Sessions: o.sessions, Serial: o.serial, Rounds: o.rounds, Duration: o.duration, Concurrency: o.concurrency,
		Hold: o.hold, Idle: o.idle, Opens: o.opens, Authors: o.authors, Publishes: o.publishes,
		Timeout: o.timeout, MemProfile: o.memprofile, Log: progress,
	}
}

// soakConfig is what the soak test is asked to run.
func (o options) soakConfig(progress io.Writer) soak.Config {
	return soak.Config{
		Duration: o.soak, Readers: o.readers, Authors: o.soakAuthors, Warmup: o.warmup,
		ThinkMin: o.thinkMin, ThinkMax: o.thinkMax, Reconnect: o.reconnect, PublishPause: o.publishPause,
		Settle: o.settle, GoroutineSlack: o.goroutineSlack, RSSSlack: o.rssSlack, Timeout: o.timeout,
		RenderCacheMiB: o.renderCacheMiB, Generated: o.posts, MemProfile: o.memprofile, Log: progress,
	}
}
