// Package reads is the reader's stats screen, for authors: who reads what,
// a line of figures and a sparkline of the last 30 days for each post,
// newest post first. Nothing in it names a reader.
package reads

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// callTimeout bounds the reading of the figures.
const callTimeout = 10 * time.Second

// PostReads is one post's reads, as the stats screen shows them.
type PostReads struct {
	Slug, Title string
	Week, Month int   // reads over the last 7 and 30 days
	All         int   // reads over every day kept
	Readers     int   // unique readers over the last 30 days (reader-days)
	Daily       []int // reads on each of the last 30 days, oldest first
}

// Func returns every post's reads, newest post first. Only an author's
// session has one; it is called from a command, with a time limit.
type Func func(ctx context.Context) ([]PostReads, error)

// ClosedMsg tells the reader that the screen closed.
type ClosedMsg struct{}

// loadedMsg answers a request for the figures.
type loadedMsg struct {
	to   *Model
	rows []PostReads
	err  error
}

// Model is the stats screen. Make one each time it opens, with [New].
type Model struct {
	fn      Func
	close   []key.Binding // the keys that close it
	st      *theme.Styles
	width   int
	rows    []PostReads
	err     string
	loading bool
	vp      viewport.Model
}

// New opens the screen in a window of w by h drawn with st; the keys in
// close close it, the others scroll. The command reads the figures.
func New(fn Func, close []key.Binding, st *theme.Styles, w, h int) (*Model, tea.Cmd) {
	r := &Model{fn: fn, close: close, st: st, loading: true, vp: viewport.New()}
	r.Resize(w, h)
	return r, func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		rows, err := fn(ctx)
		return loadedMsg{to: r, rows: rows, err: err}
	}
}

// Update handles a key, or the figures. It reports whether the message was
// the screen's.
func (r *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		for _, k := range r.close {
			if key.Matches(msg, k) {
				return func() tea.Msg { return ClosedMsg{} }, true
			}
		}
		r.vp, _ = r.vp.Update(msg)
		return nil, true
	case loadedMsg:
		if msg.to == r {
			r.loading, r.rows = false, msg.rows
			if msg.err != nil {
				r.err = theme.ErrorLine(msg.err)
			}
			r.setContent()
		}
		return nil, true
	}
	return nil, false
}

// Resize lays the screen out for a window of w by h.
func (r *Model) Resize(w, h int) {
	r.width = max(0, w)
	r.vp.SetWidth(r.width)
	r.vp.SetHeight(max(0, h))
	r.setContent()
}

// SetStyles draws the screen with st.
func (r *Model) SetStyles(st *theme.Styles) {
	r.st = st
	r.setContent()
}

// sparkDays is how many days the sparklines cover.
const sparkDays = 30

// setContent lays the figures out for the window's width.
func (r *Model) setContent() {
	w := r.width
	ind := theme.Margin(w)
	inner := max(1, w-2*theme.MarginWidth(w))
	var lines []string
	lines = append(lines, "", ind+r.st.PostTitle.Render(termtext.Truncate("Reads", inner, theme.Ellipsis)),
		ind+r.st.PostMeta.Render(termtext.Truncate("the last 30 days, and all days kept · q back", inner, theme.Ellipsis)), "")
	switch {
	case r.loading:
		lines = append(lines, ind+"Counting…")
	case r.err != "":
		lines = append(lines, ind+termtext.Truncate(r.err, inner, theme.Ellipsis))
	case len(r.rows) == 0:
		lines = append(lines, ind+"No posts yet.")
	}
	figures := func(p PostReads) string {
		return fmt.Sprintf("30d %d · 7d %d · all %d · %d readers", p.Month, p.Week, p.All, p.Readers)
	}
	for _, row := range r.rows {
		title := termtext.SanitizeLine(row.Title)
		if title == "" {
			title = termtext.SanitizeLine(row.Slug)
		}
		lines = append(lines, ind+r.st.PostTitle.Render(termtext.Truncate(title, inner, theme.Ellipsis)))
		spark := stats.Sparkline(row.Daily, min(sparkDays, max(8, inner/2)))
		line := spark + " " + figures(row)
		if termtext.Width(line) > inner { // narrow: the figures under the sparkline
			lines = append(lines, ind+r.st.PostMeta.Render(spark))
			line = figures(row)
		}
		lines = append(lines, ind+r.st.PostMeta.Render(termtext.Truncate(line, inner, theme.Ellipsis)), "")
	}
	r.vp.SetContent(strings.Join(lines, "\n"))
}

// View draws the screen.
func (r *Model) View() string {
	return r.vp.View()
}
