// Package tags is the reader's tags screen (t): the tags of the posts
// listed, most used first; enter chooses one, and the reader then lists
// the posts of that tag.
package tags

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// Count is a tag and how many listed posts have it.
type Count struct {
	Name  string // sanitised
	Posts int
}

// Keys are the screen's bindings.
type Keys struct {
	Up, Down key.Binding
	Choose   key.Binding   // list the posts of the tag under the cursor
	Close    []key.Binding // back to the list of posts
}

// ClosedMsg tells the reader that the screen closed without a choice.
type ClosedMsg struct{}

// ChosenMsg tells the reader which tag was chosen.
type ChosenMsg struct{ Tag string }

// Model is the tags screen. Make one each time it opens, with [New].
type Model struct {
	tags          []Count
	keys          Keys
	title         string // the blog's, for the brand line
	st            *theme.Styles
	width, height int
	cursor        int
	top           int // the first tag shown
}

// New opens the screen on tags, most used first, in a window of w by h.
func New(tags []Count, keys Keys, title string, st *theme.Styles, w, h int) *Model {
	return &Model{tags: tags, keys: keys, title: title, st: st, width: w, height: h}
}

// Update handles a key. It reports whether the message was the screen's.
func (t *Model) Update(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil, false
	}
	for _, c := range t.keys.Close {
		if key.Matches(k, c) {
			return func() tea.Msg { return ClosedMsg{} }, true
		}
	}
	switch {
	case key.Matches(k, t.keys.Up):
		t.cursor = max(0, t.cursor-1)
	case key.Matches(k, t.keys.Down):
		t.cursor = max(0, min(len(t.tags)-1, t.cursor+1))
	case key.Matches(k, t.keys.Choose) && len(t.tags) > 0:
		chosen := ChosenMsg{Tag: t.tags[t.cursor].Name}
		return func() tea.Msg { return chosen }, true
	}
	return nil, true
}

// Resize lays the screen out for a window of w by h.
func (t *Model) Resize(w, h int) { t.width, t.height = max(0, w), max(0, h) }

// SetStyles draws the screen with st.
func (t *Model) SetStyles(st *theme.Styles) { t.st = st }

// View draws the screen.
func (t *Model) View() string {
	mw := theme.ListMargin(t.width)
	iw := max(0, t.width-2*mw)
	lines := []string{theme.BrandLine(t.st, t.title, iw), t.st.Status.Render(termtext.Truncate(fmt.Sprintf("%d tags · enter shows the posts of one · esc back", len(t.tags)), iw, theme.Ellipsis)), ""}
	room := max(1, t.height-len(lines))
	if t.cursor < t.top {
		t.top = t.cursor
	}
	if t.cursor >= t.top+room {
		t.top = t.cursor - room + 1
	}
	if len(t.tags) == 0 {
		lines = append(lines, t.st.Empty.Render("No tags yet."))
	}
	for i := t.top; i < len(t.tags) && i < t.top+room; i++ {
		tc := t.tags[i]
		count := fmt.Sprintf(" %d", tc.Posts)
		name := "#" + termtext.Truncate(tc.Name, max(1, iw-3-termtext.Width(count)), theme.Ellipsis)
		if i == t.cursor {
			lines = append(lines, t.st.Gutter.Render("│")+" "+t.st.SelTitle.Render(name)+t.st.Status.Render(count))
		} else {
			lines = append(lines, "  "+t.st.Title.Render(name)+t.st.Status.Render(count))
		}
	}
	return theme.Indent(strings.Join(lines, "\n"), mw)
}
