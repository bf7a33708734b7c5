package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/tui/reads"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// A panel is a screen of its own package that the reader shows in place of
// the list and hands every message to first: the authors' stats screen
// (package reads) and review screen (package review). It tells the reader
// it is done with a ClosedMsg of its package.
type panel interface {
	// Update handles msg if it is the panel's, and says whether it was.
	Update(msg tea.Msg) (tea.Cmd, bool)
	View() string
	Resize(w, h int)
	SetStyles(st *theme.Styles)
}

// showPanel shows p, called title in the window's title.
func (m *Model) showPanel(p panel, title string) {
	m.panel, m.panelTitle, m.screen = p, title, panelScreen
}

// closePanel goes back to the list.
func (m *Model) closePanel() {
	m.panel, m.panelTitle, m.screen = nil, "", listScreen
	m.layout()
}

// PostReads is one post's reads: see [reads.PostReads].
type PostReads = reads.PostReads

// StatsFunc returns every post's reads: see [reads.Func].
type StatsFunc = reads.Func

// canSeeStats reports whether the session may open the stats screen.
func (m *Model) canSeeStats() bool { return m.author != "" && m.statsFn != nil }

// openStats shows the stats screen.
func (m *Model) openStats() tea.Cmd {
	if !m.canSeeStats() {
		return nil
	}
	p, cmd := reads.New(m.statsFn, []key.Binding{m.keys.Back, m.keys.Stats}, m.st, m.width, m.height)
	m.showPanel(p, "reads")
	return cmd
}
