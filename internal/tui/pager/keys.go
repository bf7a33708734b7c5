package pager

import (
	"fmt"
	"math"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// key handles a key.
func (p *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	vp := &p.vp
	p.note = ""
	switch {
	case key.Matches(msg, p.keys.ForceQuit):
		return tea.Quit
	case key.Matches(msg, p.keys.NextLink):
		p.moveLink(1)
	case key.Matches(msg, p.keys.PrevLink):
		p.moveLink(-1)
	case key.Matches(msg, p.keys.Follow) && p.link >= 0:
		if cmd, ok := p.followLink(); ok {
			return cmd
		}
	case key.Matches(msg, p.keys.History):
		return p.goBack()
	case p.showHelp && key.Matches(msg, p.keys.Back):
		// q and esc close the help, back to the post.
		p.showHelp = false
		p.layout()
	case key.Matches(msg, p.keys.Back):
		p.history = nil
		p.Close()
		return func() tea.Msg { return BackMsg{} }
	case key.Matches(msg, p.keys.Help):
		p.showHelp = !p.showHelp
		p.layout()
	case len(p.terms) > 0 && key.Matches(msg, p.keys.Next):
		p.jumpToMatch(1) // opened from a search: n and N go from match to match
	case len(p.terms) > 0 && key.Matches(msg, p.keys.PrevMatch):
		p.jumpToMatch(-1)
	case key.Matches(msg, p.keys.Next):
		return p.step(1)
	case key.Matches(msg, p.keys.Prev):
		return p.step(-1)
	case key.Matches(msg, p.keys.SeriesNext):
		return p.openSlug(p.byline.Next)
	case key.Matches(msg, p.keys.SeriesPrev):
		return p.openSlug(p.byline.Prev)
	case key.Matches(msg, p.keys.Edit) && p.opts.CanEdit:
		edit := EditMsg{Slug: p.slug()}
		return func() tea.Msg { return edit }
	case key.Matches(msg, p.keys.Images) && p.opts.Files != nil:
		return p.toggleImages()
	case key.Matches(msg, p.keys.Top):
		vp.GotoTop()
	case key.Matches(msg, p.keys.Bottom):
		vp.GotoBottom()
	default:
		*vp, _ = vp.Update(msg)
	}
	return nil
}

// step opens the post delta places away in the reader's list.
func (p *Model) step(delta int) tea.Cmd {
	if p.opts.Step == nil {
		return nil
	}
	if e, terms, ok := p.opts.Step(delta); ok {
		return p.Open(e, terms)
	}
	return nil
}

// openSlug opens the post called slug, if the reader's list has it. An
// empty slug does nothing.
func (p *Model) openSlug(slug string) tea.Cmd {
	if slug == "" || p.opts.Select == nil {
		return nil
	}
	if e, terms, ok := p.opts.Select(slug); ok {
		return p.Open(e, terms)
	}
	return nil
}

// View draws the pager: the post, the status bar, and the help if it is
// asked for.
func (p *Model) View() string {
	var parts []string
	if p.vp.Height() > 0 {
		parts = append(parts, p.mark(p.vp.View()))
	}
	parts = append(parts, p.statusBar(p.width))
	if p.showHelp {
		parts = append(parts, p.helpView())
	}
	return strings.Join(parts, "\n")
}

// helpView is the pager's help, under the status bar, with the list's
// margin. It has only the full form: the status bar says where help is.
func (p *Model) helpView() string {
	if p.opts.Help == nil {
		return ""
	}
	s, k := p.vp.KeyMap, p.keys
	less := withHelp(k.Help, "?", "less")
	edit := withHelp(k.Edit, "e", "edit this post")
	edit.SetEnabled(p.opts.CanEdit)
	images := k.Images
	images.SetEnabled(p.opts.Files != nil)
	next := k.Next
	if len(p.terms) > 0 {
		next = k.PrevMatch // opened from a search: n/N next/previous match
	}
	groups := [][]key.Binding{
		{s.Down, s.Up, s.PageDown, s.PageUp, s.HalfPageDown, s.HalfPageUp},
		{k.Top, k.Bottom, s.Left, s.Right, next, k.Prev, k.SeriesNext, k.SeriesPrev},
		{k.NextLink, k.Follow, k.History, images},
		{edit, k.Back, k.ForceQuit, less},
	}
	mw := theme.ListMargin(p.width)
	return theme.Indent(p.opts.Help(groups, p.width-2*mw), mw)
}

// withHelp returns b with other help text.
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// statusBar is the pager's bottom line: the title, how far into the post the
// reader is, and where help is. The parts that do not fit go, right first.
func (p *Model) statusBar(w int) string {
	if w < 1 {
		return ""
	}
	pct := fmt.Sprintf(" %3.f%% ", math.Round(p.vp.ScrollPercent()*100))
	chosen := p.link >= 0 && p.link < len(p.links)
	if m := p.matchStatus(); m != "" && !chosen { // a chosen link's address comes first
		pct = " " + m + " ·" + pct
	}
	hint := " ? help "
	title := " " + p.title() + " "
	switch {
	case p.note != "":
		title = " " + p.note + " "
	case chosen:
		title = fmt.Sprintf(" → %s (%d/%d) ", termtext.SanitizeLine(p.links[p.link].url), p.link+1, len(p.links))
	}
	const minTitle = 12
	if lipgloss.Width(pct)+lipgloss.Width(hint)+minTitle > w {
		hint = ""
	}
	if lipgloss.Width(pct)+minTitle > w {
		pct = ""
	}
	room := w - lipgloss.Width(pct) - lipgloss.Width(hint)
	title = termtext.Truncate(title, room, theme.Ellipsis)
	gap := max(0, room-lipgloss.Width(title))
	return p.st.BarTitle.Render(title) +
		p.st.Bar.Render(strings.Repeat(" ", gap)) +
		p.st.BarPercent.Render(pct) +
		p.st.BarHelp.Render(hint)
}

// ScrollKeys are the pager's scrolling, less-style, and the editor's
// preview's. Left and right are enabled only when the post is wider than
// the window.
func ScrollKeys() viewport.KeyMap {
	return viewport.KeyMap{
		Up:           key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:         key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:       key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("b/pgup", "page up")),
		PageDown:     key.NewBinding(key.WithKeys("pgdown", "space", "f"), key.WithHelp("f/space", "page down")),
		HalfPageUp:   key.NewBinding(key.WithKeys("u", "ctrl+u"), key.WithHelp("u", "½ page up")),
		HalfPageDown: key.NewBinding(key.WithKeys("d", "ctrl+d"), key.WithHelp("d", "½ page down")),
		Left:         key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll left"), key.WithDisabled()),
		Right:        key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "scroll right"), key.WithDisabled()),
	}
}
