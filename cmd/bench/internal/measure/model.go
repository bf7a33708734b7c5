package measure

import (
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/cmd/bench/internal/tally"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/tui"
)

// Limits of driving a model by hand.
const (
	maxModelSteps = 10000           // commands run for one message, at most
	cmdLimit      = 5 * time.Second // one command's time, at most
)

// ModelResult is the work of a session's model alone, in this process:
// no SSH, no Bubble Tea program, no frame rate. It is the server's own
// time for a frame, which clients cannot see apart from the rest.
type ModelResult struct {
	Frame  tally.Distribution // a new model until its view shows the newest title
	Open   tally.Distribution // Enter on the list until the view shows the post's body
	Failed tally.Failures
}

// modelSession is what a session's model is given, as the server gives it.
type modelSession struct {
	title    string // the blog's
	posts    store.Reader
	renderer tui.Renderer
	shared   *tui.Shared // shared by the models, as by a server's sessions
	newest   string      // the newest post's title
	body     string      // a word of its body
}

// runModel makes n models one after another, as n sessions would, and
// times their first frame and opening the newest post. The models share
// the server's store and render cache.
func runModel(ctx context.Context, s modelSession, n int) ModelResult {
	var r ModelResult
	var frames, opens []time.Duration
	pprof.Do(ctx, pprof.Labels("client", "model"), func(ctx context.Context) {
		for i := 0; i < n && ctx.Err() == nil; i++ {
			f, o, err := s.once()
			if err != nil {
				r.Failed.Add(err)
				continue
			}
			frames, opens = append(frames, f), append(opens, o)
		}
	})
	r.Frame, r.Open = tally.NewDistribution(frames), tally.NewDistribution(opens)
	return r
}

// once times one model's first frame and its opening of the newest post.
func (s modelSession) once() (frame, open time.Duration, err error) {
	start := time.Now()
	m := tui.New(tui.Options{Title: s.title, Posts: s.posts, Renderer: s.renderer, Shared: s.shared, Location: time.UTC, Width: 80, Height: 24})
	if err := drive(m, m.Init()); err != nil {
		return 0, 0, err
	}
	if err := send(m, tea.WindowSizeMsg{Width: 80, Height: 24}); err != nil {
		return 0, 0, err
	}
	if !strings.Contains(m.View().Content, s.newest) {
		return 0, 0, fmt.Errorf("the model's first view does not show %q", s.newest)
	}
	frame = time.Since(start)
	start = time.Now()
	if err := send(m, tea.KeyPressMsg{Code: tea.KeyEnter}); err != nil {
		return 0, 0, err
	}
	if !strings.Contains(m.View().Content, s.body) {
		return 0, 0, fmt.Errorf("the post's view does not show %q", s.body)
	}
	return frame, time.Since(start), nil
}

// send gives m a message and runs what follows from it.
func send(m tea.Model, msg tea.Msg) error {
	_, cmd := m.Update(msg)
	return drive(m, cmd)
}

// drive runs cmd, gives m its message, and so on until no command is left,
// as a Bubble Tea program would but one at a time. Messages meant for the
// program itself (terminal queries) reach the model, which ignores them.
func drive(m tea.Model, cmd tea.Cmd) error {
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > maxModelSteps {
			return errors.New("the model's commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg, err := runCmd(c)
		if err != nil {
			return err
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			return errors.New("the model quit")
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
	return nil
}

// runCmd runs c, which must return within cmdLimit.
func runCmd(c tea.Cmd) (tea.Msg, error) {
	done := make(chan tea.Msg, 1)
	go func() { done <- c() }()
	t := time.NewTimer(cmdLimit)
	defer t.Stop()
	select {
	case msg := <-done:
		return msg, nil
	case <-t.C:
		return nil, fmt.Errorf("a command of the model did not return within %v", cmdLimit)
	}
}
