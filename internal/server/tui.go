package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termimage"
	"github.com/sshblog/sshblog/internal/tui"
)

// The reader: a session with a terminal and no command gets a Bubble Tea
// program, which reaches the blog through the functions given here.

// searchHits is how many posts the reader's search shows, searchTimeout
// how long it may take, and snippetWidth the most columns of a result's
// snippet.
const (
	searchHits    = 50
	searchTimeout = 2 * time.Second
	snippetWidth  = 80
)

// runTUI runs the reader for sess until the reader quits, the client
// leaves or the server shuts down. A reader leaving is not an error: only
// what else ends a program is logged.
func (s *Server) runTUI(sess ssh.Session) {
	ctx, cancel := sessionContext(sess)
	defer cancel()
	p := s.program(ctx, sess)
	_, winch, _ := sess.Pty()
	go func() {
		for {
			select {
			case <-ctx.Done():
				p.Quit()
				return
			case w := <-winch:
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	if _, err := p.Run(); err != nil && ctx.Err() == nil && !errors.Is(err, tea.ErrProgramKilled) {
		s.log.Error("reader session failed", "remote", sess.RemoteAddr().String(), "err", err)
	}
	p.Kill()
}

// program makes the Bubble Tea program of one TUI session, which ends with
// ctx.
func (s *Server) program(ctx context.Context, sess ssh.Session) *tea.Program {
	pty, _, _ := sess.Pty()
	id := IdentityFrom(sess.Context())
	opts := tui.Options{
		Title: s.cfg.Title,
		Posts: s.blog.Reader(id),
		Byline: func(ctx context.Context, p *post.Post, rev store.Revision) (render.Byline, error) {
			return s.blog.Byline(ctx, id, p, rev)
		},
		Search: func(query string) []tui.Found {
			ctx, cancel := context.WithTimeout(ctx, searchTimeout)
			defer cancel()
			hits, err := s.blog.Search(ctx, id, query, searchHits, snippetWidth)
			if err != nil {
				return nil
			}
			found := make([]tui.Found, len(hits))
			for i, h := range hits {
				found[i] = tui.Found{Slug: h.Entry.Slug, Snippet: h.Snippet}
			}
			return found
		},
		Links: func(url string) (string, bool) {
			return s.blog.ResolveLink(id, url, s.cfg.WebHost)
		},
		Unreachable:  s.blog.Unreachable,
		ReadingWidth: s.cfg.ReadingWidth,
		Opened: func(slug string) {
			s.blog.CountRead(id, blog.Visit{Slug: slug, Source: stats.SSH})
		},
		Renderer: s.renderer,
		Location: s.blog.Location(),
		Shared:   s.shared,
		Width:    pty.Window.Width,
		Height:   pty.Window.Height,

		Files:     s.cfg.Files,
		Pictures:  s.pictures,
		NoImages:  s.cfg.NoImages,
		Truecolor: truecolor(sess, pty.Term),
	}
	if id.IsAuthor() {
		opts.Author = id.Author
		opts.Stats = s.postReads(id)
		opts.Save = func(ctx context.Context, slug string, src []byte, ifRev uint64) (tui.Saved, error) {
			res, err := s.blog.Publish(ctx, id, src, blog.PublishOptions{Slug: slug, IfRev: &ifRev})
			if err != nil {
				return tui.Saved{}, err
			}
			if res.Unchanged {
				return tui.Saved{Slug: res.Slug, Entry: res.Entry, Unchanged: true}, nil
			}
			if p := res.Proposal; p != nil {
				return tui.Saved{Slug: p.Slug, Proposed: p.N}, nil
			}
			return tui.Saved{Slug: res.Slug, Entry: res.Entry, Missing: s.blog.MissingImages(res.Slug, src)}, nil
		}
		opts.Review = reviewer{s.blog, id}
		switch cmd := sess.Command(); {
		case len(cmd) == 1 && cmd[0] == "new":
			opts.Start = tui.Start{New: true}
		case len(cmd) == 2 && cmd[0] == "edit":
			e, _ := s.blog.Entry(id, cmd[1])
			opts.Start = tui.Start{Edit: e.Slug}
		}
	}
	m := tui.New(opts)
	p := tea.NewProgram(m, append(bm.MakeOptions(sess),
		tea.WithContext(ctx), tea.WithScreenRelease(s.cfg.ScreenRelease), tea.WithFirstFrames(s.frames))...)
	s.track(ctx, p)
	return p
}

// watch tells every open TUI session when the blog changes or a scheduled
// post comes due. It is the one goroutine that waits for changes, whatever
// the number of sessions, and it sleeps until something happens.
func (s *Server) watch(ctx context.Context) {
	s.blog.Watch(ctx, func() {
		s.mu.Lock()
		for _, r := range s.programs {
			r.send()
		}
		s.mu.Unlock()
	})
}

// reloads tells one TUI session that the posts changed. However many
// changes come while the session is busy, it has at most one [tui.ReloadMsg]
// on its way: the list the session reads on receiving it has them all.
type reloads struct {
	program *tea.Program
	pending atomic.Bool // a ReloadMsg is on its way
}

// send sends a ReloadMsg unless one is already on its way. It does not
// wait for the session to take it.
func (r *reloads) send() {
	if r.pending.Swap(true) {
		return
	}
	go func() {
		r.program.Send(tui.ReloadMsg{})
		// The session has the message and will read the list after this:
		// a change from now on needs a message of its own.
		r.pending.Store(false)
	}()
}

// track registers a TUI program until ctx, its session's, ends.
func (s *Server) track(ctx context.Context, p *tea.Program) {
	s.mu.Lock()
	s.programs[p] = &reloads{program: p}
	s.mu.Unlock()
	context.AfterFunc(ctx, func() {
		s.mu.Lock()
		delete(s.programs, p)
		s.mu.Unlock()
	})
}

// statsScreenPosts is how many posts the reader's stats screen shows, and
// statsDays how many days of reads it draws for each.
const (
	statsScreenPosts = 50
	statsDays        = 30
)

// postReads is the reader's stats screen's source for the author id: each
// post's figures and its reads by day, newest post first.
func (s *Server) postReads(id blog.Identity) tui.StatsFunc {
	return func(ctx context.Context) ([]tui.PostReads, error) {
		sums, err := s.blog.Stats(ctx, id, 0)
		if err != nil {
			return nil, err
		}
		entries, err := s.blog.List(ctx, id)
		if err != nil {
			return nil, err
		}
		titles := make(map[string]string, len(entries))
		for _, e := range entries {
			titles[e.Slug] = e.Title
		}
		out := make([]tui.PostReads, 0, min(len(sums), statsScreenPosts))
		for _, sum := range sums[:min(len(sums), statsScreenPosts)] {
			pts, err := s.blog.PostStats(ctx, id, sum.Slug, statsDays)
			if err != nil {
				return nil, err
			}
			daily := make([]int, len(pts))
			for i, p := range pts {
				daily[i] = p.Reads
			}
			out = append(out, tui.PostReads{Slug: sum.Slug, Title: titles[sum.Slug], Week: sum.Week.Reads,
				Month: sum.Month.Reads, All: sum.All.Reads, Readers: sum.Month.Uniques, Daily: daily})
		}
		return out, nil
	}
}

// reviewer is the review screen's way to the blog, for one author.
type reviewer struct {
	blog *blog.Service
	id   blog.Identity
}

// Open returns the proposals waiting for a review.
func (r reviewer) Open(ctx context.Context) ([]store.Proposal, error) {
	return r.blog.OpenProposals(ctx, r.id)
}

// Diff returns proposal n of slug and its diff against the post.
func (r reviewer) Diff(ctx context.Context, slug string, n uint64) (store.Proposal, string, error) {
	return r.blog.ReviewDiff(ctx, r.id, slug, n)
}

// Approve publishes proposal n of slug.
func (r reviewer) Approve(ctx context.Context, slug string, n uint64) (string, error) {
	e, p, err := r.blog.Approve(ctx, r.id, slug, n)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Approved %s rev %d by %s: published as rev %d.", e.Slug, p.N, p.Author, e.Rev), nil
}

// Reject closes proposal n of slug.
func (r reviewer) Reject(ctx context.Context, slug string, n uint64) (string, error) {
	p, err := r.blog.Reject(ctx, r.id, slug, n, "")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Rejected %s rev %d by %s.", p.Slug, p.N, p.Author), nil
}

// truecolor reports whether a session's terminal says it shows 24-bit
// colour: its TERM, and COLORTERM and TERM_PROGRAM if the client sent them.
func truecolor(sess ssh.Session, term string) bool {
	var colorterm, program string
	for _, kv := range sess.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "COLORTERM":
			colorterm = v
		case "TERM_PROGRAM":
			program = v
		}
	}
	return termimage.Truecolor(colorterm, term, program)
}
