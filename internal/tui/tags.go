package tui

import (
	"cmp"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/items"
	"github.com/sshblog/sshblog/internal/tui/tags"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// The reader's side of the tags screen (package tags): the tags it lists,
// and the list of the posts of the tag chosen; esc (or t) on the list shows
// them all again.

// listedTags counts the tags of the dated posts the session lists. Tags
// that differ only in case are one.
func (m *Model) listedTags() []tags.Count {
	index := map[string]int{}
	var out []tags.Count
	for _, li := range m.postItems {
		it, ok := li.(*items.Item)
		if !ok {
			continue
		}
		for _, t := range it.Entry.Tags {
			k := theme.Fold(t)
			i, seen := index[k]
			if !seen {
				i = len(out)
				index[k] = i
				out = append(out, tags.Count{Name: termtext.SanitizeLine(t)})
			}
			out[i].Posts++
		}
	}
	slices.SortStableFunc(out, func(a, b tags.Count) int {
		if c := cmp.Compare(b.Posts, a.Posts); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
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

// tagged keeps the items of posts tagged m.tag, or all when there is none.
func (m *Model) tagged(all []list.Item) []list.Item {
	if m.tag == "" {
		return all
	}
	want := theme.Fold(m.tag)
	var out []list.Item
	for _, li := range all {
		if it, ok := li.(*items.Item); ok && slices.ContainsFunc(it.Entry.Tags, func(t string) bool { return theme.Fold(t) == want }) {
			out = append(out, li)
		}
	}
	return out
}
