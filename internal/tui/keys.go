package tui

import (
	"charm.land/bubbles/v2/key"
	"github.com/sshblog/sshblog/internal/tui/pager"
)

// keyMap holds the model's own bindings. Moving in the list and scrolling in
// the pager are the list's and the viewport's, with the bindings below.
type keyMap struct {
	ForceQuit key.Binding // everywhere, even while typing a filter
	Quit      key.Binding // the list
	Help      key.Binding
	Open      key.Binding // the list: open the post under the cursor
	Back      key.Binding // the pager: back to the list
	Next      key.Binding // the pager: the next post in the list
	Prev      key.Binding
	// The pager: the next and previous post of the open post's series.
	SeriesNext key.Binding
	SeriesPrev key.Binding
	Stats      key.Binding // an author's stats screen
	PrevMatch  key.Binding // the pager opened from a search: the previous match (n is the next)
	Tags       key.Binding // the list: the tags screen
	NextLink   key.Binding // the pager: the next and previous link of the post
	PrevLink   key.Binding
	Follow     key.Binding // the pager: follow the chosen link
	History    key.Binding // the pager: back to the post a link was followed from
	Top        key.Binding
	Bottom     key.Binding
	Pages      key.Binding // the list: between the dated posts and the pages
	Edit       key.Binding // authors, the list and the pager: edit the post
	Images     key.Binding // the pager: pictures on and off
	New        key.Binding // authors, the list: write a new post
	Review     key.Binding // authors, the list: the proposals waiting for a review
	Approve    key.Binding // the review screen: approve the proposal shown
	Reject     key.Binding // and reject it
}

func newKeyMap() keyMap {
	return keyMap{
		ForceQuit:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Quit:       key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more")),
		Open:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:       key.NewBinding(key.WithKeys("q", "esc"), key.WithHelp("q/esc", "back to the list")),
		Next:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next post")),
		Prev:       key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "previous post")),
		SeriesNext: key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "next in series")),
		SeriesPrev: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "previous in series")),
		Stats:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "reads")),
		PrevMatch:  key.NewBinding(key.WithKeys("N"), key.WithHelp("n/N", "next/previous match")),
		Tags:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "tags")),
		NextLink:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab/shift+tab", "links")),
		PrevLink:   key.NewBinding(key.WithKeys("shift+tab")),
		Follow:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "follow the link")),
		History:    key.NewBinding(key.WithKeys("backspace"), key.WithHelp("backspace", "back")),
		Top:        key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "top")),
		Bottom:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "bottom")),
		Pages:      key.NewBinding(key.WithKeys("tab", "P"), key.WithHelp("tab", "pages")),
		Edit:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Images:     key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "pictures on/off")),
		New:        key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new")),
		Review:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "review")),
		Approve:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "approve")),
		Reject:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "reject")),
	}
}

// helpKeys is a help.KeyMap made of fixed bindings.
type helpKeys struct {
	short []key.Binding
	full  [][]key.Binding
}

// ShortHelp implements help.KeyMap.
func (h helpKeys) ShortHelp() []key.Binding { return h.short }

// FullHelp implements help.KeyMap.
func (h helpKeys) FullHelp() [][]key.Binding { return h.full }

// listHelp is the help for the list in its present state; the list enables
// and disables its own bindings (no "clear filter" without a filter, no
// paging with one page).
func (m *Model) listHelp() helpKeys {
	lk := m.list.KeyMap
	if m.list.SettingFilter() {
		keys := []key.Binding{lk.AcceptWhileFiltering, lk.CancelWhileFiltering, m.keys.ForceQuit}
		return helpKeys{short: keys, full: [][]key.Binding{keys}}
	}
	more := withHelp(m.keys.Help, "?", "more")
	if m.showListHelp {
		more = withHelp(m.keys.Help, "?", "less")
	}
	open := m.keys.Open
	open.SetEnabled(len(m.list.VisibleItems()) > 0)
	move := key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "move"))
	move.SetEnabled(lk.CursorDown.Enabled())
	kind := withHelp(m.keys.Pages, "tab", "pages")
	if m.showPages {
		kind = withHelp(m.keys.Pages, "tab", "posts")
	}
	kind.SetEnabled(len(m.pageItems) > 0)
	edit := m.keys.Edit
	edit.SetEnabled(m.canEdit() && len(m.list.VisibleItems()) > 0)
	newPost := m.keys.New
	newPost.SetEnabled(m.canEdit())
	reads := m.keys.Stats
	reads.SetEnabled(m.canSeeStats())
	review := m.keys.Review
	review.SetEnabled(m.canReview())
	// An author's keys take the room of "move", which every reader knows.
	move.SetEnabled(move.Enabled() && !m.canEdit())
	return helpKeys{
		short: []key.Binding{move, open, edit, newPost, kind, lk.Filter, lk.ClearFilter, more, m.keys.Quit},
		full: [][]key.Binding{
			{lk.CursorUp, lk.CursorDown, lk.NextPage, lk.PrevPage, lk.GoToStart, lk.GoToEnd},
			{open, kind, lk.Filter, lk.ClearFilter, m.keys.Tags},
			{edit, newPost, reads, review},
			{m.keys.Quit, more},
		},
	}
}

// pagerKeys are the pager's bindings.
func (m *Model) pagerKeys() pager.Keys {
	k := m.keys
	return pager.Keys{
		ForceQuit: k.ForceQuit, Help: k.Help, Back: k.Back,
		Next: k.Next, Prev: k.Prev, PrevMatch: k.PrevMatch,
		SeriesNext: k.SeriesNext, SeriesPrev: k.SeriesPrev,
		NextLink: k.NextLink, PrevLink: k.PrevLink, Follow: k.Follow, History: k.History,
		Top: k.Top, Bottom: k.Bottom, Edit: k.Edit, Images: k.Images,
	}
}

// withHelp returns b with other help text.
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}
