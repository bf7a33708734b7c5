package soak

import (
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/servers"
	"github.com/sshblog/sshblog/cmd/bench/internal/wait"
)

// fleet is the soak's running clients.
type fleet struct {
	hangUp  func()         // lets the clients hang up; safe to call again
	stopped sync.WaitGroup // until every client stopped its work
	gone    sync.WaitGroup // until every client hung up
	readers []readerStats
	authors []authorStats
	sampled chan []sample // the samples taken while the clients ran
}

// startClients starts the readers, the authors and the memory sampler.
// They work until soakCtx is done, and hang up on f.hangUp.
func (s *run) startClients(ctx, soakCtx context.Context) *fleet {
	c := s.c
	release := make(chan struct{}) // the clients may hang up
	f := &fleet{
		hangUp:  sync.OnceFunc(func() { close(release) }),
		readers: make([]readerStats, c.Readers),
		authors: make([]authorStats, c.Authors),
		sampled: make(chan []sample, 1),
	}
	s.gate.active = c.Readers + c.Authors
	leave := func() {
		s.gate.leave()
		f.stopped.Done()
	}
	for i := range f.readers {
		f.stopped.Add(1)
		f.gone.Go(func() {
			pprof.Do(ctx, pprof.Labels("client", "soak-reader"), func(ctx context.Context) {
				// Readers connect over the first half of the warm-up.
				delay := time.Duration(int64(c.Warmup/2) * int64(i) / int64(max(c.Readers, 1)))
				s.reader(ctx, soakCtx, i, delay, &f.readers[i], leave, release)
			})
		})
	}
	for i := range f.authors {
		f.stopped.Add(1)
		f.gone.Go(func() {
			pprof.Do(ctx, pprof.Labels("client", "soak-author"), func(ctx context.Context) {
				s.author(ctx, soakCtx, i, &f.authors[i], leave, release)
			})
		})
	}
	go func() { f.sampled <- s.sampleMemory(soakCtx, s.start) }()
	return f
}

// warmUp waits out the warm-up and samples memory after it: once every
// reader has been through a whole round (within Timeout more: a loaded
// machine may take longer), so that every session holds what it will hold
// for the rest of the soak, and the render cache is mostly full, the
// readers stop on the list between two rounds and the authors between two
// publishes; when the server has had quietFor to finish what they asked,
// memory is sampled and they go on.
func (s *run) warmUp(ctx, soakCtx context.Context, r *report) error {
	c, b := s.c, s.b
	if err := wait.Sleep(ctx, c.Warmup); err != nil {
		return err
	}
	wait.Until(soakCtx, c.Timeout, func() bool { return s.warmed.Load() >= int64(c.Readers) })
	r.warmConnected, r.warmRounded = s.connected.Load(), s.warmed.Load()
	cacheBound := c.RenderCacheMiB << 20
	wait.Until(soakCtx, c.Timeout, func() bool { return float64(b.Renderer.Stats().Bytes) >= cacheFull*float64(cacheBound) })
	paused := time.Now()
	s.gate.close()
	r.warmParked = wait.Until(soakCtx, c.Timeout, s.gate.idle)
	if err := wait.Sleep(ctx, quietFor); err != nil {
		return err
	}
	r.warmAt = time.Since(s.start)
	var err error
	if r.warm, err = proc.SettledMem(); err != nil {
		return err
	}
	r.warmCache = b.Renderer.Stats()
	r.warmSessions = s.opened.Load() - s.closed.Load()
	if err := s.heapProfile(".warm"); err != nil {
		return err
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
func (s *run) end(ctx, soakCtx context.Context, r *report, f *fleet) error {
	c := s.c
	<-soakCtx.Done()
	r.wall = time.Since(s.start)
	if self, others, ok := s.cpu0.Since(); ok {
		r.self, r.others = self, others
	}
	if !wait.Group(&f.stopped, c.Timeout+10*time.Second) {
		// Their tallies are still being written: no report.
		return fmt.Errorf("some clients did not stop within %v of the soak's end", c.Timeout+10*time.Second)
	}
	r.samples = <-f.sampled
	if err := wait.Sleep(ctx, quietFor); err != nil {
		return err
	}
	var err error
	if r.end, err = proc.SettledMem(); err != nil {
		return err
	}
	r.endCache = s.b.Renderer.Stats()
	r.endSessions = s.opened.Load() - s.closed.Load()
	if err := s.heapProfile(""); err != nil {
		return err
	}
	s.say("soak over after %v: %d reader sessions open, RSS %s, heap %s, %d goroutines",
		r.wall.Round(time.Millisecond), r.endSessions, mibU(r.end.RSS), mibU(r.end.HeapLive), r.end.Goroutines)
	return nil
}

// hangUpAll hangs up every client, lets the server end its sessions and
// samples memory after.
func (s *run) hangUpAll(ctx context.Context, r *report, f *fleet) error {
	c, b := s.c, s.b
	f.hangUp()
	closing := time.Now()
	if !wait.Group(&f.gone, 30*time.Second) {
		s.errs.add("end", errors.New("some clients did not hang up within 30s"))
	}
	waitSettled(ctx, b.Conns, r.base.Goroutines+uint64(c.GoroutineSlack), c.Settle)
	r.settleTook = time.Since(closing)
	var err error
	if r.after, err = proc.SettledMem(); err != nil {
		return err
	}
	if err := s.heapProfile(".after"); err != nil {
		return err
	}
	r.serverOpen, r.accepted = b.Conns.Open(), b.Conns.Accepted()
	r.opened, r.closed = s.opened.Load(), s.closed.Load()
	s.say("clients gone; after %v: %d connections open on the server, %d goroutines (baseline %d)",
		r.settleTook.Round(time.Millisecond), r.serverOpen, r.after.Goroutines, r.base.Goroutines)
	return nil
}

// verify reads every acknowledged revision back, from the live store,
// then, after the blog's clean shutdown, from the store opened again.
func (s *run) verify(ctx context.Context, r *report, f *fleet) {
	b := s.b
	r.readers, r.authors = f.readers, f.authors
	r.live = verifyWrites(ctx, b.DB, f.authors)
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	serr := b.Shutdown(sctx)
	scancel()
	if serr != nil {
		s.errs.add("shutdown", serr)
	}
	db, err := b.ReopenStore()
	if err != nil {
		r.reopened = writeCheck{err: err}
		return
	}
	r.reopened = verifyWrites(ctx, db, f.authors)
	if err := db.Close(); err != nil {
		s.errs.add("shutdown", err)
	}
}

// heapProfile writes a heap profile to MemProfile with suffix added, if
// a profile was asked for.
func (s *run) heapProfile(suffix string) error {
	if s.c.MemProfile == "" {
		return nil
	}
	return proc.WriteHeapProfile(s.c.MemProfile + suffix)
}

// say reports progress.
func (s *run) say(format string, args ...any) {
	fmt.Fprintf(s.c.Log, "bench: soak: "+format+"\n", args...)
}

// sampleMemory samples memory every sampleEvery until soakCtx is done.
func (s *run) sampleMemory(soakCtx context.Context, start time.Time) []sample {
	var out []sample
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	limit := int(time.Until(s.hardStop)/sampleEvery) + 2
	for range limit { // and until the soak ends
		select {
		case <-soakCtx.Done():
			return out
		case <-tick.C:
		}
		m, err := proc.ReadMem()
		if err != nil {
			continue
		}
		out = append(out, sample{at: time.Since(start), mem: m, cache: s.b.Renderer.Stats().Bytes, sessions: s.opened.Load() - s.closed.Load(), acked: s.acked.Load()})
	}
	return out
}

// waitSettled waits until the server has no connection open and at most
// goroutines are left, for up to limit, and reports whether that happened.
func waitSettled(ctx context.Context, conns *servers.ConnCounter, goroutines uint64, limit time.Duration) bool {
	return wait.Until(ctx, limit, func() bool {
		m, err := proc.ReadMem()
		return err == nil && m.Goroutines <= goroutines && conns.Open() == 0
	})
}
