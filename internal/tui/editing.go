package tui

import (
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/tui/editor"
	"github.com/sshblog/sshblog/internal/tui/items"
	"github.com/sshblog/sshblog/internal/tui/pager"
)

// The reader's side of the editor (package editor): opening it from the
// list or the pager, and coming back when it closes.

// canEdit reports whether the session is an author's, with somewhere to
// save to.
func (m *Model) canEdit() bool {
	return m.author != "" && m.save != nil
}

// openEditor opens the editor on the post named slug, or on a new post (a
// new page if page is set) when slug is empty. Closing it goes back to
// back, or with quit set ends the session.
func (m *Model) openEditor(slug string, page, quit bool, back screen) tea.Cmd {
	if !m.canEdit() {
		return nil
	}
	opts := editor.Options{
		Author: m.author, Save: m.save, Posts: m.posts, Renderer: m.renderer,
		Location: m.loc, ScrollKeys: pager.ScrollKeys(),
	}
	e, cmd := editor.New(opts, slug, page, quit, m.st, m.dark, m.width, m.height)
	m.edit, m.editBack, m.screen = e, back, editorScreen
	return cmd
}

// closeEditor goes back to where the editor was opened from, showing the
// post that was saved, if any.
func (m *Model) closeEditor(msg editor.ClosedMsg) tea.Cmd {
	if m.edit == nil {
		return nil
	}
	m.edit = nil
	m.screen = m.editBack
	if msg.Saved && !m.selectPost(msg.Slug) {
		m.pendingSlug = msg.Slug // the list has not been read since the save
	}
	m.layout()
	if m.screen != pagerScreen {
		return nil
	}
	// The pager was not drawn while the editor was open: the window may
	// have changed, and the post may have a new revision, by this author
	// or another.
	return m.pager.Redraw(m.entry)
}

// entry is what the list knows of the post named slug.
func (m *Model) entry(slug string) (store.Entry, bool) {
	for _, kind := range [][]list.Item{m.postItems, m.pageItems} {
		for _, li := range kind {
			if it, ok := li.(*items.Item); ok && it.Entry.Slug == slug {
				return it.Entry, true
			}
		}
	}
	return store.Entry{}, false
}
