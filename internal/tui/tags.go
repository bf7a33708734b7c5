package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// The tags screen (t): the tags of the posts listed, most used first; enter
// shows the posts of one, and esc (or t) on the list shows them all again.

// tagCount is a tag and how many listed posts have it.
type tagCount struct {
	name  string
	posts int
}

// tagsScreen is what the tags screen holds.
type tagsScreen struct {
	tags   []tagCount
	cursor int
	top    int // the first tag shown
}

// listedTags counts the tags of the dated posts the session lists. Tags
// that differ only in case are one.
func (m *Model) listedTags() []tagCount {
	index := map[string]int{}
	var out []tagCount
	for _, li := range m.postItems {
		it, ok := li.(*item)
		if !ok {
			continue
		}
		for _, t := range it.entry.Tags {
			k := fold(t)
			i, seen := index[k]
			if !seen {
				i = len(out)
				index[k] = i
				out = append(out, tagCount{name: termtext.SanitizeLine(t)})
			}
			out[i].posts++
		}
	}
	slices.SortStableFunc(out, func(a, b tagCount) int {
		if c := cmp.Compare(b.posts, a.posts); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}

// openTags shows the tags screen.
func (m *Model) openTags() tea.Cmd {
	m.tags = tagsScreen{tags: m.listedTags()}
	m.screen = tagsView
	return nil
}

// tagsKey handles a key on the tags screen.
func (m *Model) tagsKey(msg tea.KeyPressMsg) tea.Cmd {
	t := &m.tags
	lk := m.list.KeyMap
	switch {
	case key.Matches(msg, m.keys.Back), key.Matches(msg, m.keys.Tags):
		m.screen = listScreen
	case key.Matches(msg, lk.CursorUp):
		t.cursor = max(0, t.cursor-1)
	case key.Matches(msg, lk.CursorDown):
		t.cursor = min(len(t.tags)-1, t.cursor+1)
	case key.Matches(msg, m.keys.Open) && len(t.tags) > 0:
		m.showTag(t.tags[t.cursor].name)
	}
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
func (m *Model) tagged(items []list.Item) []list.Item {
	if m.tag == "" {
		return items
	}
	want := fold(m.tag)
	var out []list.Item
	for _, li := range items {
		if it, ok := li.(*item); ok && slices.ContainsFunc(it.entry.Tags, func(t string) bool { return fold(t) == want }) {
			out = append(out, li)
		}
	}
	return out
}

// tagsContent draws the tags screen.
func (m *Model) tagsContent() string {
	mw := theme.ListMargin(m.width)
	iw := max(0, m.width-2*mw)
	t := &m.tags
	lines := []string{theme.BrandLine(m.st, m.title, iw), m.st.Status.Render(termtext.Truncate(fmt.Sprintf("%d tags · enter shows the posts of one · esc back", len(t.tags)), iw, theme.Ellipsis)), ""}
	room := max(1, m.height-len(lines))
	if t.cursor < t.top {
		t.top = t.cursor
	}
	if t.cursor >= t.top+room {
		t.top = t.cursor - room + 1
	}
	if len(t.tags) == 0 {
		lines = append(lines, m.st.Empty.Render("No tags yet."))
	}
	for i := t.top; i < len(t.tags) && i < t.top+room; i++ {
		tc := t.tags[i]
		count := fmt.Sprintf(" %d", tc.posts)
		name := "#" + termtext.Truncate(tc.name, max(1, iw-3-termtext.Width(count)), theme.Ellipsis)
		if i == t.cursor {
			lines = append(lines, m.st.Gutter.Render("│")+" "+m.st.SelTitle.Render(name)+m.st.Status.Render(count))
		} else {
			lines = append(lines, "  "+m.st.Title.Render(name)+m.st.Status.Render(count))
		}
	}
	return theme.Indent(strings.Join(lines, "\n"), mw)
}
