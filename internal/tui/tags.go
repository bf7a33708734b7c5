package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/items"
	"github.com/sshblog/sshblog/internal/tui/tags"
)

// The reader's side of the tags screen (package tags): the tags it lists,
// and the list of the posts of the tag chosen; esc (or t) on the list shows
// them all again.

// listedTags counts the tags of the dated posts the session lists, as the
// blog counts them (blog.CountTags).
func (m *Model) listedTags() []tags.Count {
	es := make([]store.Entry, 0, len(m.postItems))
	for _, li := range m.postItems {
		if it, ok := li.(*items.Item); ok {
			es = append(es, it.Entry)
		}
	}
	counted := blog.CountTags(es)
	out := make([]tags.Count, len(counted))
	for i, c := range counted {
		out[i] = tags.Count{Name: termtext.SanitizeLine(c.Name), Posts: c.Posts}
	}
	return out
}

// openTags shows the tags screen.
func (m *Model) openTags() tea.Cmd {
	keys := tags.Keys{Up: m.list.KeyMap.CursorUp, Down: m.list.KeyMap.CursorDown, Choose: m.keys.Open, Close: []key.Binding{m.keys.Back, m.keys.Tags}}
	m.showPanel(tags.New(m.listedTags(), keys, m.title, m.st, m.width, m.height), "tags")
	return nil
}

// showTag lists only the dated posts tagged tag ("" for all of them).
func (m *Model) showTag(tag string) {
	m.tag = tag
	m.screen = listScreen
	m.list.ResetFilter()
	m.setKind(false)
	m.setItems()
	m.list.Select(0)
	m.layout()
}

// tagged keeps the items of posts tagged m.tag (blog.HasTag), or all when
// there is none.
func (m *Model) tagged(all []list.Item) []list.Item {
	if m.tag == "" {
		return all
	}
	var out []list.Item
	for _, li := range all {
		if it, ok := li.(*items.Item); ok && blog.HasTag(it.Entry, m.tag) {
			out = append(out, li)
		}
	}
	return out
}
