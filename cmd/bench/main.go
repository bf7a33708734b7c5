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
// over 3,000 posts; and prints a table with the targets. With -store etcd
// the blog runs on a real single-node etcd started in the process.
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
// With -web it runs the web phase instead (internal/webload): the blog's
// web front end, in a process of its own, against nginx and Go's
// http.FileServer serving the same pages, on a blog of real shape.
//
// With -git it runs the git phase instead (internal/gitclone): a blog of
// 3,000 posts and 10,000 revisions cloned with the real git over ssh, and
// fetched again after one publish; the server's memory is this process's.
//
// With -soak DURATION it runs a soak test instead of the measurements:
// many readers browsing the blog's TUI and several authors publishing, all
// at once for that long; then it checks for errors, lost writes, memory
// growth, sessions left open and leaked goroutines, and exits 1 if a check
// fails.
//
// The work is in packages under internal/: servers starts the blog and
// the bare server, clients drives them, measure, upload and searchcost
// take the measurements, report prints them, and soak runs the soak test;
// proc reads the process's memory and CPU, tally gathers the figures and
// wait holds the waits with time limits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"time"

	charmlog "charm.land/log/v2"
	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/cmd/bench/internal/attack"
	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/gitclone"
	"github.com/sshblog/sshblog/cmd/bench/internal/measure"
	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/report"
	"github.com/sshblog/sshblog/cmd/bench/internal/searchcost"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/cmd/bench/internal/soak"
	"github.com/sshblog/sshblog/cmd/bench/internal/upload"
	"github.com/sshblog/sshblog/cmd/bench/internal/webload"
	"github.com/sshblog/sshblog/internal/termtext"
)

// uploadLimit bounds the upload run.
const uploadLimit = time.Minute

// main parses the flags, runs the benchmark until it ends or SIGINT, and
// exits 1 on an error.
func main() {
	if os.Getenv(attack.ClientEnv) != "" {
		if err := attack.RunClient(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench: attacker:", err)
			os.Exit(1)
		}
		return
	}
	if os.Getenv(webload.ChildEnv) != "" {
		if err := webload.RunChild(os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "bench: web blog:", err)
			os.Exit(1)
		}
		return
	}
	if os.Getenv(upload.ClientEnv) != "" {
		if err := upload.RunClient(os.Stdin, os.Stdout); err != nil {
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
		return fmt.Errorf("pinning the terminal width engine: %w", err)
	}
	// Each held session is two descriptors in this process: the client's
	// end and the server's.
	need := 2*o.hold + 4*o.concurrency + 4*o.authors + 512
	if o.soak > 0 {
		need = 2*o.readers + 4*o.soakAuthors + 512
	}
	if err := proc.RaiseFileLimit(uint64(need)); err != nil {
		return err
	}
	stopProfile, err := proc.StartCPUProfile(o.cpuprofile)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopProfile()) }()
	logTo := io.Discard
	if o.serverLog != "" {
		f, err := os.Create(o.serverLog)
		if err != nil {
			return fmt.Errorf("creating the server log: %w", err)
		}
		defer f.Close()
		logTo = f
	}
	// Wish's Bubble Tea middleware logs every hang-up to the default
	// logger of charm.land/log; that is the server's log too.
	charmlog.SetOutput(logTo)
	dir, err := os.MkdirTemp("", "sshblog-bench-")
	if err != nil {
		return fmt.Errorf("making the temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	storeSetting, stopStore, err := servers.StartStore(dir, o.store)
	if err != nil {
		return err
	}
	defer stopStore() // after the blog's shutdown
	setup := servers.Setup{Dir: dir, Store: storeSetting, Generated: o.posts, Authors: 1, CacheBytes: o.renderCacheMiB << 20, LogTo: logTo}
	if o.soak > 0 {
		return soak.Run(ctx, o.soakConfig(progress), setup, out)
	}
	if o.attack {
		return runAttacks(ctx, o, setup, out)
	}
	if o.git {
		r, err := gitclone.Run(ctx, gitclone.Config{Posts: o.gitPosts, Revisions: o.gitRevisions, Setup: setup, Log: progress})
		if err != nil {
			return fmt.Errorf("git: %w", err)
		}
		gitclone.Print(out, r)
		return nil
	}
	if o.web {
		r, err := webload.RunPhase(ctx, webload.Config{Posts: o.webPosts, Seed: 1, Conns: o.webConns, Rounds: o.webRounds, Duration: o.webDuration, WebCache: o.webCacheMiB << 20, Dir: dir, Log: progress, CPUProfile: o.webCPUProfile, MemProfile: o.memprofile})
		if err != nil {
			return fmt.Errorf("web: %w", err)
		}
		webload.Print(out, r)
		return nil
	}
	return runMeasures(ctx, o, setup, out, progress)
}

// runAttacks starts the blog with cmd/sshd's default limits, makes the
// attacks from a child process and prints what each cost.
func runAttacks(ctx context.Context, o options, setup servers.Setup, out io.Writer) (err error) {
	setup.Limits = true
	b, err := servers.StartBlog(setup)
	if err != nil {
		return fmt.Errorf("starting the blog: %w", err)
	}
	defer func() { err = errors.Join(err, b.Stop()) }()
	check := func() error { return otherReader(ctx, b) }
	var only []string
	if o.attackOnly != "" {
		only = strings.Split(o.attackOnly, ",")
	}
	rs, err := attack.Run(ctx, attack.Config{Addr: b.Addr, Hold: o.attackHold, Check: check, Only: only})
	attack.WriteTable(out, rs)
	return err
}

// otherReader runs ls on b as a reader from another loopback address than
// the attacker's.
func otherReader(ctx context.Context, b *servers.Blog) error {
	signer, err := clients.NewKey()
	if err != nil {
		return err
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", b.Addr)
	if err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	c, chans, reqs, err := gossh.NewClientConn(conn, b.Addr, clients.Config("reader", signer, b.HostKey))
	if err != nil {
		conn.Close()
		return fmt.Errorf("handshake: %w", err)
	}
	client := gossh.NewClient(c, chans, reqs)
	defer client.Close()
	s, err := client.NewSession()
	if err != nil {
		return err
	}
	out, err := s.Output("ls")
	if err == nil && len(out) == 0 {
		err = errors.New("ls printed nothing")
	}
	return err
}

// runMeasures starts the blog and the bare server, runs the measurements
// and prints the table to out.
func runMeasures(ctx context.Context, o options, setup servers.Setup, out, progress io.Writer) (err error) {
	r := &report.Run{Measure: o.measureConfig(progress), Generated: o.posts, Store: o.store, UploadMiB: o.uploadMiB, SearchPosts: o.searchPosts, Machine: proc.ReadMachine()}
	cpu := proc.MarkCPU()
	start := time.Now()
	b, err := servers.StartBlog(setup)
	if err != nil {
		return fmt.Errorf("starting the blog: %w", err)
	}
	defer func() { err = errors.Join(err, b.Stop()) }()
	bare, stopBare, err := servers.StartBare()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stopBare()) }()
	fmt.Fprintf(progress, "bench: blog on %s (%d posts; newest %q), bare server on %s\n", b.Addr, b.Posts, b.Newest.Title, bare.Addr())
	r.Posts, r.Newest = b.Posts, b.Newest.Title
	if err := runPhases(ctx, o, setup, b, bare, r, progress); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("the run did not finish: %w", err)
	}
	if self, others, ok := cpu.Since(); ok {
		r.Wall, r.Self, r.Others = time.Since(start), self, others
	}
	report.Print(out, r)
	return nil
}

// runPhases runs every measurement the options ask for, in turn, into r.
func runPhases(ctx context.Context, o options, setup servers.Setup, b *servers.Blog, bare *servers.Bare, r *report.Run, progress io.Writer) error {
	var err error
	if r.Results, err = measure.Run(ctx, r.Measure, b, bare); err != nil {
		return err
	}
	if o.uploadMiB > 0 {
		author := b.Authors[0]
		c := upload.Config{Addr: b.Addr, Key: author.Key, HostKey: b.HostKey, Size: o.uploadMiB << 20, Limit: uploadLimit, OpenConns: b.Conns.Open}
		if r.Upload, err = upload.Run(ctx, c); err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		fmt.Fprintf(progress, "bench: upload: %d bytes sent, answer %q\n", r.Upload.Sent, r.Upload.Answer)
	}
	if o.searchPosts > 0 {
		c := searchcost.Config{Dir: setup.Dir, Store: setup.Store, Posts: o.searchPosts, Queries: o.searchQueries}
		if r.Search, err = searchcost.Run(ctx, c); err != nil {
			return fmt.Errorf("search: %w", err)
		}
		fmt.Fprintf(progress, "bench: search: %d posts indexed in %v, %d queries\n", r.Search.Posts, r.Search.Build.Round(time.Millisecond), len(r.Search.All))
	}
	if o.memprofile != "" && o.hold == 0 {
		return proc.WriteHeapProfile(o.memprofile)
	}
	return nil
}
