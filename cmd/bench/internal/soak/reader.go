package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/wait"
)

// reader is one reader: after delay it connects and goes round the keys
// until soakCtx is done; then it calls stopped, waits for release and
// hangs up. Steps already begun finish, within Timeout, under ctx.
func (s *run) reader(ctx, soakCtx context.Context, id int, delay time.Duration, st *readerStats, stopped func(), release <-chan struct{}) {
	var t *clients.Watched
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
	if wait.Sleep(soakCtx, delay) != nil {
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
				if wait.Sleep(soakCtx, time.Second) != nil {
					return
				}
				continue
			}
			moved = 0
		}
		kind, err := s.round(ctx, soakCtx, t, st, rng, &moved)
		if errors.Is(err, errOver) {
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
		if rng.Float64() >= s.c.Reconnect {
			continue
		}
		// Quit from the list, as a reader does, and come back.
		if s.think(soakCtx, rng) != nil {
			return
		}
		err = quit(ctx, t, s.c.Timeout)
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

// errOver ends a reader's round when the soak ends during a pause.
var errOver = errors.New("the soak is over")

// round is one round of keys from the list and back to it. On an error it
// says which step failed. The reader stops for the warm-up's sample, or at
// the soak's end, only before the round's first key, on the list: every
// session is then in the same state when memory is sampled, not some in the
// pager holding a post and some on the list.
func (s *run) round(ctx, soakCtx context.Context, t *clients.Watched, st *readerStats, rng *rand.Rand, moved *int) (string, error) {
	timeout := s.c.Timeout
	// Open the post under the cursor: the pager, then its body.
	if s.think(soakCtx, rng) != nil {
		return "", errOver
	}
	pager, body := t.Count(markPager), t.Count(markBody)
	start := time.Now()
	if err := t.Send("\r"); err != nil {
		return "open", err
	}
	st.keys++
	stepEnd := start.Add(timeout)
	if err := t.WaitFor(ctx, markPager, pager, stepEnd); err != nil {
		return "open", fmt.Errorf("waiting for the pager: %w", err)
	}
	if err := t.WaitFor(ctx, markBody, body, stepEnd); err != nil {
		return "open", fmt.Errorf("waiting for the post's body: %w", err)
	}
	st.open = append(st.open, time.Since(start))
	// Scroll: a line, a page, the bottom.
	for _, k := range []string{"j", " ", "G"} {
		if s.pause(ctx, rng) != nil {
			return "", ctx.Err()
		}
		if err := t.Send(k); err != nil {
			return "scroll", err
		}
		st.keys++
	}
	// Back to the list.
	if s.pause(ctx, rng) != nil {
		return "", ctx.Err()
	}
	list := t.Count(markList)
	start = time.Now()
	if err := t.Send("q"); err != nil {
		return "back", err
	}
	st.keys++
	if err := t.WaitFor(ctx, markList, list, start.Add(timeout)); err != nil {
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
	if err := t.Send(k); err != nil {
		return "move", err
	}
	*moved++
	st.keys++
	return "", nil
}

// think pauses as a reader does before a key: a random time between
// ThinkMin and ThinkMax, after waiting at the gate if it is closed. It
// fails when soakCtx is done first.
func (s *run) think(soakCtx context.Context, rng *rand.Rand) error {
	if err := s.gate.wait(soakCtx); err != nil {
		return err
	}
	return s.pause(soakCtx, rng)
}

// pause is think without the gate: a pause within a round.
func (s *run) pause(ctx context.Context, rng *rand.Rand) error {
	d := s.c.ThinkMin
	if spread := s.c.ThinkMax - s.c.ThinkMin; spread > 0 {
		d += time.Duration(rng.Int64N(int64(spread) + 1))
	}
	return wait.Sleep(ctx, d)
}

// connect opens a reader's session and waits for the list to load.
func (s *run) connect(ctx context.Context, st *readerStats) (*clients.Watched, error) {
	start := time.Now()
	stepEnd := start.Add(s.c.Timeout)
	client, conn, _, err := clients.Dial(ctx, s.b.Addr, s.readerCfg, stepEnd)
	if err != nil {
		return nil, err
	}
	// From here the steps' own time limits apply; the connection's
	// deadline only ends what outlives the soak.
	conn.SetDeadline(s.hardStop)
	tm := clients.NewTerm(client, conn)
	if err := tm.Shell(); err != nil {
		client.Close()
		return nil, err
	}
	s.opened.Add(1)
	t := clients.Watch(tm, s.markers)
	if err := t.WaitFor(ctx, markList, 0, stepEnd); err != nil {
		s.hangUp(t)
		return nil, fmt.Errorf("waiting for the first frame: %w", err)
	}
	if err := t.WaitFor(ctx, markCount, 0, stepEnd); err != nil {
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
func (s *run) holdUntilRelease(t *clients.Watched, release <-chan struct{}) {
	s.awaitRelease(release)
	if err := t.Ended(); err != nil {
		s.errs.add("idle", fmt.Errorf("the session ended by itself: %w", err))
	}
}

// awaitRelease waits for release, or until the connections' deadline.
func (s *run) awaitRelease(release <-chan struct{}) {
	timer := time.NewTimer(time.Until(s.hardStop))
	defer timer.Stop()
	select {
	case <-release:
	case <-timer.C:
	}
}

// hangUp closes a reader's connection, as a terminal that closes does.
func (s *run) hangUp(t *clients.Watched) {
	t.Close()
	s.closed.Add(1)
}

// quit presses q on the list, which ends the TUI, and waits for the
// server to end the session.
func quit(ctx context.Context, t *clients.Watched, timeout time.Duration) error {
	if err := t.Send("q"); err != nil {
		return err
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-t.Done():
	case <-timer.C:
		return fmt.Errorf("the session did not end within %v of q on the list", timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := t.Ended(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("the session ended with %v, not EOF", err)
	}
	return nil
}
