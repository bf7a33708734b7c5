package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/items"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// This file is the list screen: the posts (or the pages, with tab),
// filtered as a search is typed; its keys, its view, and reading the list
// from the store. tui.go routes messages to it and to the other screens.

// listMsg answers a request for the list of posts.
type listMsg struct {
	seq     int
	entries []store.Entry
	err     error
}

// listFooterHeight is the lines between the list and the help: a blank
// line, the pagination, and another blank line.
const listFooterHeight = 3

// listHeaderHeight is the lines above the list: the blog's title, the
// status line (the count, the filter, or a notice), and a blank line.
const listHeaderHeight = 3

// updateList passes msg to the list. If it changed the filter being typed,
// the list is filtered now: the list's own filtering runs in a command, and
// an enter typed right after the filter (a paste, a fast typist, a script)
// would come before its answer and apply an empty result.
func (m *Model) updateList(msg tea.Msg) tea.Cmd {
	before := m.list.FilterValue()
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	if m.list.SettingFilter() && m.list.FilterValue() != before {
		m.refilter()
	}
	return cmd
}

// refilter filters the list now, leaving the filter in the state it is in
// and its text cursor where it is.
func (m *Model) refilter() {
	state, pos := m.list.FilterState(), m.list.FilterInput.Position()
	if state == list.Unfiltered {
		return
	}
	m.searchBodies()
	m.list.SetFilterText(m.list.FilterValue()) // filters, and applies the filter
	if state == list.Filtering {
		m.list.SetFilterState(list.Filtering)
		m.list.FilterInput.SetCursor(pos)
	}
}

// listKey handles a key on the list screen.
func (m *Model) listKey(msg tea.KeyPressMsg) tea.Cmd {
	m.notice = ""
	if !m.list.SettingFilter() {
		switch {
		case m.showListHelp && (key.Matches(msg, m.keys.Quit) || msg.Code == tea.KeyEscape):
			// q and esc close the help first, as they do in the pager.
			m.showListHelp = false
			m.layout()
			return nil
		case key.Matches(msg, m.keys.Quit):
			return tea.Quit
		case key.Matches(msg, m.keys.Help):
			m.showListHelp = !m.showListHelp
			m.layout()
			return nil
		case key.Matches(msg, m.keys.Open):
			return m.open(m.list.Index())
		case key.Matches(msg, m.keys.Pages) && len(m.pageItems) > 0:
			m.setKind(!m.showPages)
			m.layout()
			return nil
		case key.Matches(msg, m.keys.Edit) && m.canEdit():
			if slug := m.selectedSlug(); slug != "" {
				return m.openEditor(slug, false, false, listScreen)
			}
			return nil
		case key.Matches(msg, m.keys.New) && m.canEdit():
			return m.openEditor("", m.showPages, false, listScreen)
		case key.Matches(msg, m.keys.Stats) && m.canSeeStats():
			return m.openStats()
		case key.Matches(msg, m.keys.Review) && m.canReview():
			return m.openReview()
		case key.Matches(msg, m.keys.Tags):
			if m.tag != "" {
				m.showTag("")
				return nil
			}
			return m.openTags()
		case m.tag != "" && !m.list.IsFiltered() && msg.Code == tea.KeyEscape:
			m.showTag("")
			return nil
		}
	}
	// Moving, paging and filtering are the list's. While a filter is being
	// typed every key but ctrl+c goes to it: q is a letter then.
	before, slug := m.list.FilterState(), m.selectedSlug()
	cmd := m.updateList(msg)
	switch after := m.list.FilterState(); {
	case before == list.Unfiltered && after == list.Filtering:
		m.preFilter = slug
	case before == list.Filtering && after == list.Unfiltered:
		// Cancelled: back to where the reader was.
		m.selectSlug(m.preFilter, 0)
	case before == list.FilterApplied && after == list.Unfiltered:
		// Cleared: stay on the post chosen among the matches.
		m.selectSlug(slug, 0)
	}
	m.layout() // the help changes with the filter's state
	return cmd
}

// open shows the post at index in the list as it is shown (filtered or
// not). It reads the post at once; the body follows unless its render is
// cached.
func (m *Model) open(index int) tea.Cmd {
	e, terms, ok := m.entryAt(index)
	if !ok {
		return nil
	}
	m.screen = pagerScreen
	m.layout()
	return tea.Batch(m.askTerminal(), m.pager.Open(e, terms))
}

// entryAt puts the list's cursor on the post at index in the list as it is
// shown, and returns it with the words of the list's search, if any.
func (m *Model) entryAt(index int) (store.Entry, []string, bool) {
	shown := m.list.VisibleItems()
	if index < 0 || index >= len(shown) {
		return store.Entry{}, nil, false
	}
	it, ok := shown[index].(*items.Item)
	if !ok {
		return store.Entry{}, nil, false
	}
	m.list.Select(index)
	return it.Entry, m.searchTerms(), true
}

// step is the pager's way to the next (delta 1) or previous post of the
// list.
func (m *Model) step(delta int) (store.Entry, []string, bool) {
	return m.entryAt(m.list.Index() + delta)
}

// searchTerms are the words of the list's search, if it shows one: a post
// opened from it starts at its first match.
func (m *Model) searchTerms() []string {
	if m.search != nil && m.list.FilterState() != list.Unfiltered {
		return items.Terms(m.list.FilterValue())
	}
	return nil
}

// selectForPager puts the list's cursor on the post called slug (leaving a
// filter that hides it), for the pager to open it.
func (m *Model) selectForPager(slug string) (store.Entry, []string, bool) {
	if !m.selectPost(slug) || m.selectedSlug() != slug {
		m.list.ResetFilter()
		if !m.selectPost(slug) || m.selectedSlug() != slug {
			return store.Entry{}, nil, false
		}
	}
	return m.entryAt(m.list.Index())
}

// loadList starts reading the list of posts.
func (m *Model) loadList() tea.Cmd {
	m.listSeq++
	seq, posts := m.listSeq, m.posts
	read := func() tea.Msg { return readList(posts, seq) }
	if m.canReview() {
		return tea.Batch(read, m.loadMarks())
	}
	return read
}

// applyList takes a new list of posts. The cursor stays on the post it was
// on if that post is still there (and matches the filter), and an open post
// that has a new revision is read again.
func (m *Model) applyList(msg listMsg) tea.Cmd {
	if msg.seq < m.listOnView {
		return nil // a newer answer is already shown
	}
	m.listOnView = msg.seq
	if msg.err != nil {
		m.notice = theme.ErrorLine(msg.err)
		return nil
	}
	m.listReady = true

	cur, idx := m.selectedSlug(), m.list.Index()
	pending := m.pendingSlug
	m.pendingSlug = ""
	m.postItems, m.pageItems, m.listBuild = m.shared.items(msg.entries, m.loc)
	if len(m.pageItems) == 0 {
		m.showPages = false
	}
	m.setItems()
	if pending == "" || !m.selectPost(pending) {
		m.selectSlug(cur, idx)
	}
	m.layout()
	if m.edit != nil {
		m.edit.NoticeNewer(msg.entries)
	}

	if m.screen == pagerScreen {
		return m.pager.Reload(msg.entries)
	}
	return nil
}

// setItems gives the list the posts or the pages, whichever it shows.
func (m *Model) setItems() {
	shown := m.tagged(m.postItems)
	if m.showPages {
		shown = m.pageItems
	}
	m.delegate.ShowDesc = items.HasDescriptions(shown)
	m.list.SetDelegate(m.delegate)
	m.list.SetItems(shown) // its command filters; refilter does it now
	m.refilter()
}

// setKind shows the pages, or the dated posts, with the cursor where it
// was when they were last shown.
func (m *Model) setKind(pages bool) {
	if pages == m.showPages {
		return
	}
	m.kindSlug[kindIndex(m.showPages)] = m.selectedSlug()
	m.showPages = pages
	m.setItems()
	m.selectSlug(m.kindSlug[kindIndex(pages)], 0)
}

// selectPost puts the list's cursor on the post named slug, showing its
// kind, and reports whether the list has it.
func (m *Model) selectPost(slug string) bool {
	for _, kind := range []bool{m.showPages, !m.showPages} {
		shown := m.postItems
		if kind {
			shown = m.pageItems
		}
		for _, li := range shown {
			if it, ok := li.(*items.Item); ok && it.Entry.Slug == slug {
				m.setKind(kind)
				m.selectSlug(slug, m.list.Index())
				return true
			}
		}
	}
	return false
}

// selectedSlug is the slug of the post under the list's cursor, if any.
func (m *Model) selectedSlug() string {
	if it, ok := m.list.SelectedItem().(*items.Item); ok {
		return it.Entry.Slug
	}
	return ""
}

// selectSlug puts the list's cursor on the post named slug, or, when it is
// not shown, as near to index as the list allows.
func (m *Model) selectSlug(slug string, index int) {
	shown := m.list.VisibleItems()
	if len(shown) == 0 {
		m.list.Select(0)
		return
	}
	if slug != "" {
		for i, li := range shown {
			if it, ok := li.(*items.Item); ok && it.Entry.Slug == slug {
				m.list.Select(i)
				return
			}
		}
	}
	m.list.Select(min(max(index, 0), len(shown)-1))
}

// listView draws the list screen: the blog's title, the status line, the
// posts (or why there are none), and the help at the bottom.
func (m *Model) listView() string {
	mw := theme.ListMargin(m.width)
	iw := max(0, m.width-2*mw)

	top := []string{theme.BrandLine(m.st, m.title, iw), m.listStatus(iw), ""}
	switch {
	case !m.listReady:
	case len(m.list.Items()) == 0:
		top = append(top, m.st.Empty.Render(termtext.Truncate("No posts yet.", iw, theme.Ellipsis)))
	case len(m.list.VisibleItems()) == 0:
		top = append(top, m.st.Empty.Render(termtext.Truncate("Nothing matches.", iw, theme.Ellipsis)))
	default:
		top = append(top, strings.Split(m.list.View(), "\n")...)
		if p := m.paginationLine(iw); p != "" {
			top = append(top, "", p)
		}
	}
	bottom := strings.Split(m.helpView(m.listHelp(), m.showListHelp, iw), "\n")

	lines := top
	for n := len(top) + len(bottom); n < m.height; n++ {
		lines = append(lines, "")
	}
	lines = append(lines, bottom...)
	return theme.Indent(strings.Join(lines, "\n"), mw)
}

// listStatus is the line under the title: a notice if there is one, the
// filter being typed, the filter in effect, or the number of posts.
func (m *Model) listStatus(width int) string {
	var s string
	switch {
	case m.notice != "":
		return m.st.Notice.Render(termtext.Truncate(m.notice, width, theme.Ellipsis))
	case m.away != nil && m.away():
		return m.st.Notice.Render(termtext.Truncate(awayNotice, width, theme.Ellipsis))
	case !m.listReady:
		s = "Loading…"
	case m.list.SettingFilter():
		return termtext.Truncate(m.list.FilterInput.View(), width, theme.Ellipsis)
	case m.tag != "" && !m.list.IsFiltered() && !m.showPages:
		s = fmt.Sprintf("#%s · %s · esc all posts", termtext.SanitizeLine(m.tag), items.CountPosts(len(m.list.Items())))
	case m.list.IsFiltered():
		count := items.CountPosts
		if m.showPages {
			count = items.CountPages
		}
		s = fmt.Sprintf("“%s” · %d of %s", termtext.SanitizeLine(m.list.FilterValue()),
			len(m.list.VisibleItems()), count(len(m.list.Items())))
	case len(m.pageItems) > 0:
		return m.kindsLine(width)
	case len(m.list.Items()) > 0:
		s = items.CountPosts(len(m.list.Items()))
	}
	if m.toReview > 0 && !m.list.SettingFilter() {
		s = theme.JoinNonEmpty(" · ", s, fmt.Sprintf("%d to review (r)", m.toReview))
	}
	return m.st.Status.Render(termtext.Truncate(s, width, theme.Ellipsis))
}

// kindsLine is the status line when there are pages: "3 posts · 2 pages",
// the kind shown in bold.
func (m *Model) kindsLine(width int) string {
	posts, pages := items.CountPosts(len(m.postItems)), items.CountPages(len(m.pageItems))
	sep := " · "
	if termtext.Width(posts+sep+pages) > width {
		s := posts
		if m.showPages {
			s = pages
		}
		return m.st.KindOn.Render(termtext.Truncate(s, width, theme.Ellipsis))
	}
	on, off := m.st.KindOn, m.st.KindOff
	if m.showPages {
		return off.Render(posts) + m.st.Status.Render(sep) + on.Render(pages)
	}
	return on.Render(posts) + m.st.Status.Render(sep) + off.Render(pages)
}

// paginationLine shows which page of the list is shown: a dot a page, or
// "2/250" when the dots would not fit.
func (m *Model) paginationLine(width int) string {
	p := m.list.Paginator
	if p.TotalPages < 2 || width < 1 {
		return ""
	}
	if p.TotalPages > width {
		return m.st.Status.Render(termtext.Truncate(fmt.Sprintf("%d/%d", p.Page+1, p.TotalPages), width, ""))
	}
	page := min(max(p.Page, 0), p.TotalPages-1)
	off := m.st.List.InactivePaginationDot.String()
	return strings.Repeat(off, page) + m.st.List.ActivePaginationDot.String() + strings.Repeat(off, p.TotalPages-page-1)
}

// readList reads the list of posts, as the answer to request seq.
func readList(posts store.Reader, seq int) listMsg {
	if posts == nil {
		return listMsg{seq: seq}
	}
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	entries, err := posts.List(ctx)
	if err != nil {
		return listMsg{seq: seq, err: fmt.Errorf("listing posts: %w", err)}
	}
	return listMsg{seq: seq, entries: entries}
}

func kindIndex(pages bool) int {
	if pages {
		return 1
	}
	return 0
}
