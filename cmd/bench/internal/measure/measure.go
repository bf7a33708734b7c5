// Package measure runs the bench's measurements of the blog against the
// bare server, in rounds that alternate between them: the time to the
// first frame and the connections per second, the memory and idle CPU of
// held sessions; and, on the blog alone, the time to open a post (and the
// same work done by a session's model alone), and the rate of publishes.
package measure

import (
	"context"
	"fmt"
	"io"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/internal/tui"
)

// publishLimit bounds the publish run.
const publishLimit = 2 * time.Minute

// Config is what the measurements run: how many sessions, how many at
// once, for how long.
type Config struct {
	Sessions    int           // sessions per server in the concurrent first-frame runs
	Serial      int           // sessions per server opened one at a time
	Rounds      int           // rounds the first-frame runs alternate in
	Duration    time.Duration // if positive, the concurrent first-frame runs' time in all
	Concurrency int           // clients at once in the first-frame and hold runs
	Hold        int           // sessions held open at once per server; 0 skips the run
	Idle        time.Duration // how long the held sessions sit idle
	Opens       int           // sessions that open the newest post; 0 skips the run and the model's
	Authors     int           // author clients publishing at once
	Publishes   int           // publishes in all; 0 skips the run
	Timeout     time.Duration // one session's time limit
	MemProfile  string        // if set, a heap profile is written there while the blog's sessions are held
	Log         io.Writer     // progress
}

// Results are every figure of the measurements. The maps are by the
// target's name, "blog" or "bare".
type Results struct {
	Serial  map[string]FrameResult // the first frames one client at a time
	Frames  map[string]FrameResult // the first frames Concurrency at a time
	Holds   map[string]HoldResult
	Opens   OpenResult
	Renders uint64 // posts the render cache rendered during the opens
	Model   ModelResult
	Publish PublishResult
}

// run is one measurement run's servers, clients and results.
type run struct {
	cfg    Config
	blog   *servers.Blog
	bare   *servers.Bare
	blogT  clients.Target    // readers of the blog
	bareT  clients.Target    // readers of the bare server
	author *ssh.ClientConfig // the blog's first author
	res    *Results
}

// Run runs every measurement c asks for on the blog b and the bare server.
func Run(ctx context.Context, c Config, b *servers.Blog, bare *servers.Bare) (*Results, error) {
	reader, err := clients.NewKey()
	if err != nil {
		return nil, err
	}
	author := b.Authors[0]
	r := &run{
		cfg:    c,
		blog:   b,
		bare:   bare,
		blogT:  clients.Target{Name: "blog", Addr: b.Addr, Config: clients.Config("reader", reader, b.HostKey), Marker: []byte(b.Newest.Title)},
		bareT:  clients.Target{Name: "bare", Addr: bare.Addr(), Config: clients.Config("reader", reader, bare.HostKey()), Marker: []byte(servers.BareLine[:len(servers.BareLine)-2])},
		author: clients.Config(author.Name, author.Signer, b.HostKey),
		res:    &Results{Serial: map[string]FrameResult{}, Frames: map[string]FrameResult{}, Holds: map[string]HoldResult{}},
	}
	for _, step := range []func(context.Context) error{r.firstFrames, r.holds, r.opens, r.publishes} {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	return r.res, nil
}

// say reports progress.
func (r *run) say(format string, args ...any) {
	fmt.Fprintf(r.cfg.Log, "bench: "+format+"\n", args...)
}

// firstFrames warms both servers up, then runs the first-frame sessions
// in rounds that alternate between them: one client at a time, then
// Concurrency at a time.
func (r *run) firstFrames(ctx context.Context) error {
	c := r.cfg
	targets := []clients.Target{r.bareT, r.blogT}
	warm := min(c.Sessions/10+1, 100)
	for _, t := range targets {
		if f := runFrames(ctx, t, warm, c.Concurrency, 0, c.Timeout); f.Failed.N > 0 {
			return fmt.Errorf("warming up %s: %d of %d sessions failed; the first: %w", t.Name, f.Failed.N, warm, f.Failed.First)
		}
	}
	for round := range c.Rounds {
		for _, t := range targets {
			if n := share(c.Serial, c.Rounds, round); n > 0 {
				f := runFrames(ctx, t, n, 1, 0, c.Timeout)
				r.res.Serial[t.Name] = merged(r.res.Serial[t.Name], f)
			}
			if n := share(c.Sessions, c.Rounds, round); n > 0 {
				f := runFrames(ctx, t, n, c.Concurrency, c.Duration/time.Duration(c.Rounds), c.Timeout)
				r.res.Frames[t.Name] = merged(r.res.Frames[t.Name], f)
			}
		}
	}
	for _, t := range targets {
		s, f := r.res.Serial[t.Name], r.res.Frames[t.Name]
		r.say("first frame, %s: %d sessions one at a time (%d failed), %d with %d clients (%d failed) in %v",
			t.Name, s.Sessions, s.Failed.N, f.Sessions, c.Concurrency, f.Failed.N, f.Wall.Round(time.Millisecond))
	}
	return ctx.Err()
}

// holds holds Hold sessions open on the blog, then on the bare server,
// which keeps its sessions open meanwhile.
func (r *run) holds(ctx context.Context) error {
	c := r.cfg
	if c.Hold == 0 {
		return nil
	}
	for _, t := range []clients.Target{r.blogT, r.bareT} {
		var held func() error
		if t.Name == "blog" && c.MemProfile != "" {
			held = func() error { return proc.WriteHeapProfile(c.MemProfile) }
		}
		r.bare.SetHold(t.Name == "bare")
		h, err := runHold(ctx, t, c.Hold, c.Concurrency, c.Idle, c.Timeout, held)
		r.bare.SetHold(false)
		if err != nil {
			return fmt.Errorf("holding %s sessions: %w", t.Name, err)
		}
		r.say("hold, %s: %d sessions (%d failed) opened in %v", t.Name, h.Held, h.Failed.N, h.Open.Round(time.Millisecond))
		r.res.Holds[t.Name] = h
	}
	return nil
}

// opens opens the newest post in Opens sessions one after another, then
// has as many models alone do the same.
func (r *run) opens(ctx context.Context) error {
	c, b := r.cfg, r.blog
	if c.Opens == 0 {
		return nil
	}
	// The opens come first: the first of them renders the post.
	stats := b.Renderer.Stats()
	r.res.Opens = runOpens(ctx, r.blogT, []byte(b.BodyMarker), c.Opens, c.Timeout)
	r.res.Renders = b.Renderer.Stats().Misses - stats.Misses
	r.say("open post: %d opens (%d failed), %d renders", r.res.Opens.Count(), r.res.Opens.Failed.N, r.res.Renders)
	session := modelSession{title: servers.Title, posts: b.DB.Public(), renderer: b.Renderer, shared: tui.NewShared(), newest: b.Newest.Title, body: b.BodyMarker}
	r.res.Model = runModel(ctx, session, c.Opens)
	r.say("model alone: %d sessions (%d failed)", len(r.res.Model.Frame), r.res.Model.Failed.N)
	return nil
}

// publishes has Authors clients publish Publishes posts between them.
func (r *run) publishes(ctx context.Context) error {
	c := r.cfg
	if c.Publishes == 0 {
		return nil
	}
	p := runPublishes(ctx, r.blog.Addr, r.author, c.Authors, c.Publishes, publishLimit)
	r.res.Publish = p
	r.say("publish: %d acknowledged (%d failed) in %v", p.Acked, p.Failed.N, p.Wall.Round(time.Millisecond))
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
func merged(a, b FrameResult) FrameResult {
	a.add(b)
	return a
}
