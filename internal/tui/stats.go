package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// The stats screen: an author's look at who reads what, a line of figures
// and a sparkline of the last 30 days for each post, newest post first.

// PostReads is one post's reads, as the stats screen shows them.
type PostReads struct {
	Slug, Title string
	Week, Month int   // reads over the last 7 and 30 days
	All         int   // reads over every day kept
	Readers     int   // unique readers over the last 30 days (reader-days)
	Daily       []int // reads on each of the last 30 days, oldest first
}

// StatsFunc returns every post's reads, newest post first. Only an author's
// session has one; it is called from a command, with a time limit.
type StatsFunc func(ctx context.Context) ([]PostReads, error)

// statsMsg answers a request for the stats.
type statsMsg struct {
	rows []PostReads
	err  error
}

// statsScreen is what the stats screen holds.
type statsScreen struct {
	rows    []PostReads
	err     string
	loading bool
	vp      viewport.Model
}

// canSeeStats reports whether the session may open the stats screen.
func (m *Model) canSeeStats() bool { return m.author != "" && m.statsFn != nil }

// openStats shows the stats screen and starts reading the figures.
func (m *Model) openStats() tea.Cmd {
	if !m.canSeeStats() {
		return nil
	}
	m.screen = statsView
	m.stats.loading, m.stats.err = true, ""
	m.layout()
	m.setStatsContent()
	fn := m.statsFn
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		defer cancel()
		rows, err := fn(ctx)
		return statsMsg{rows: rows, err: err}
	}
}

// applyStats takes the figures.
func (m *Model) applyStats(msg statsMsg) tea.Cmd {
	if m.screen != statsView {
		return nil
	}
	m.stats.loading = false
	m.stats.rows = msg.rows
	if msg.err != nil {
		m.stats.err = theme.ErrorLine(msg.err)
	}
	m.setStatsContent()
	return nil
}

// statsKey handles a key on the stats screen: back to the list, or scroll.
func (m *Model) statsKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.Back) || key.Matches(msg, m.keys.Stats) {
		m.screen = listScreen
		m.stats = statsScreen{vp: m.stats.vp}
		m.stats.vp.SetContent("")
		m.layout()
		return nil
	}
	m.stats.vp, _ = m.stats.vp.Update(msg)
	return nil
}

// sparkDays is how many days the sparklines cover.
const sparkDays = 30

// setStatsContent lays the figures out for the window's width.
func (m *Model) setStatsContent() {
	w := m.width
	ind := theme.Margin(w)
	inner := max(1, w-2*theme.MarginWidth(w))
	var lines []string
	lines = append(lines, "", ind+m.st.PostTitle.Render(termtext.Truncate("Reads", inner, theme.Ellipsis)),
		ind+m.st.PostMeta.Render(termtext.Truncate("the last 30 days, and all days kept · q back", inner, theme.Ellipsis)), "")
	switch {
	case m.stats.loading:
		lines = append(lines, ind+"Counting…")
	case m.stats.err != "":
		lines = append(lines, ind+termtext.Truncate(m.stats.err, inner, theme.Ellipsis))
	case len(m.stats.rows) == 0:
		lines = append(lines, ind+"No posts yet.")
	}
	figures := func(r PostReads) string {
		return fmt.Sprintf("30d %d · 7d %d · all %d · %d readers", r.Month, r.Week, r.All, r.Readers)
	}
	for _, r := range m.stats.rows {
		title := termtext.SanitizeLine(r.Title)
		if title == "" {
			title = termtext.SanitizeLine(r.Slug)
		}
		lines = append(lines, ind+m.st.PostTitle.Render(termtext.Truncate(title, inner, theme.Ellipsis)))
		spark := stats.Sparkline(r.Daily, min(sparkDays, max(8, inner/2)))
		line := spark + " " + figures(r)
		if termtext.Width(line) > inner { // narrow: the figures under the sparkline
			lines = append(lines, ind+m.st.PostMeta.Render(spark))
			line = figures(r)
		}
		lines = append(lines, ind+m.st.PostMeta.Render(termtext.Truncate(line, inner, theme.Ellipsis)), "")
	}
	m.stats.vp.SetContent(strings.Join(lines, "\n"))
}

// statsContent is the stats screen.
func (m *Model) statsContent() string {
	return m.stats.vp.View()
}
