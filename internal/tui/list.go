package tui

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// item is one post in the list. Everything shown is sanitised once, when
// the list is loaded, not on every frame.
type item struct {
	entry  store.Entry
	title  string // sanitised; never empty
	meta   string // "2006-01-02 · tag, tag", sanitised
	desc   string // sanitised
	folded string // title, tags, description and slug, for the filter
}

func newItem(e store.Entry, loc *time.Location) *item {
	it := &item{
		entry: e,
		title: termtext.SanitizeLine(e.Title),
		desc:  termtext.SanitizeLine(e.Description),
	}
	slug := termtext.SanitizeLine(e.Slug)
	if it.title == "" {
		it.title = slug
	}
	date := theme.FormatDate(e.Date, loc)
	if date == "" && !e.Updated.IsZero() {
		if e.Page {
			date = "updated " + theme.FormatDate(e.Updated, loc) // pages are listed apart, by title
		} else {
			date = theme.FormatDate(e.Updated, loc) // as `ls` shows it
		}
	}
	draft := ""
	if e.Draft {
		draft = "draft"
	}
	tags := theme.JoinTags(e.Tags)
	it.meta = theme.JoinNonEmpty(" · ", date, draft, tags)
	it.folded = theme.Fold(norm.NFC.String(strings.Join([]string{it.title, tags, it.desc, slug}, "\n")))
	return it
}

// FilterValue implements list.Item: the text the filter searches.
func (i *item) FilterValue() string { return i.folded }

// filterTerms splits a filter into the words every match must contain.
func filterTerms(filter string) []string {
	return strings.Fields(theme.Fold(norm.NFC.String(filter)))
}

// filterPosts is the list's filter: a post matches when its title, tags,
// description or slug contain every word of the filter, in any case.
// Matches keep the list's order (newest first) rather than a fuzzy score:
// a fuzzy matcher finds "go" in every post with a g before an o.
func filterPosts(filter string, targets []string) []list.Rank {
	terms := filterTerms(filter)
	ranks := make([]list.Rank, 0, len(targets))
	for i, t := range targets {
		if containsAll(t, terms) {
			ranks = append(ranks, list.Rank{Index: i})
		}
	}
	return ranks
}

func containsAll(s string, terms []string) bool {
	for _, t := range terms {
		if !strings.Contains(s, t) {
			return false
		}
	}
	return true
}

// matchedRunes returns the indices of the runes of s that are part of a
// match of one of terms, for highlighting.
func matchedRunes(s string, terms []string) []int {
	if len(terms) == 0 {
		return nil
	}
	hay := []rune(theme.Fold(s))
	hit := make([]bool, len(hay))
	found := false
	for _, t := range terms {
		needle := []rune(t)
		for i := 0; i+len(needle) <= len(hay); i++ {
			if runesEqual(hay[i:i+len(needle)], needle) {
				for j := range needle {
					hit[i+j] = true
				}
				found = true
			}
		}
	}
	if !found {
		return nil
	}
	var idx []int
	for i, h := range hit {
		if h {
			idx = append(idx, i)
		}
	}
	return idx
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// listTemplate is the list every session starts from, set up once per
// process: list.New and each setter lay the list out again, drawing its
// title, status line and help to measure them, which cost more than the
// rest of a new session's first frame. Only initList reads it. It is a
// pointer so that copying it moves the list (29 KiB) from heap to heap: a
// copy by value went through the stack, which every session's goroutine
// then had to grow to 64 KiB.
var listTemplate = sync.OnceValue(func() *list.Model {
	l := new(list.Model)
	*l = list.New(nil, &delegate{}, 0, 0)
	l.KeyMap = newListKeyMap()
	l.DisableQuitKeybindings()
	l.Filter = filterPosts
	l.FilterInput.Prompt = "Filter: "
	// The list draws only the posts and the pages; the title, status line
	// and help are drawn around it. (Each call lays the list out again,
	// drawing what is still shown: the costly ones go first.)
	l.SetShowHelp(false)
	l.SetShowPagination(false) // its dots cost O(pages²) with many posts
	l.SetShowStatusBar(false)
	l.SetShowTitle(false)
	l.SetShowFilter(false)
	return l
})

// initList sets l up as a session's list: a copy of listTemplate drawing
// its items with d, and a filter box of its own, as list.New makes it (a
// text box's cursor keeps a pointer to its blinking state, which sessions
// must not share).
func initList(l *list.Model, d list.ItemDelegate) {
	tmpl := listTemplate()
	*l = *tmpl
	l.FilterInput = textinput.New()
	l.FilterInput.Prompt = tmpl.FilterInput.Prompt
	l.FilterInput.CharLimit = tmpl.FilterInput.CharLimit
	l.FilterInput.Focus()
	l.SetDelegate(d)
}

// delegate draws the posts in the list: the title, then the date and tags,
// then (when any post has one) the description, each cut to the width.
type delegate struct {
	st       *theme.Styles
	showDesc bool
	found    map[string]string // while searching: the line each post matched in, by slug
	marks    map[string]string // for authors: "to review" or "proposed", by slug
}

// Height implements list.ItemDelegate.
func (d delegate) Height() int {
	if d.showDesc {
		return 3
	}
	return 2
}

// Spacing implements list.ItemDelegate.
func (d delegate) Spacing() int { return 1 }

// Update implements list.ItemDelegate.
func (d delegate) Update(tea.Msg, *list.Model) tea.Cmd { return nil }

// Render implements list.ItemDelegate.
func (d delegate) Render(w io.Writer, m list.Model, index int, li list.Item) {
	it, ok := li.(*item)
	if !ok || d.st == nil {
		return
	}
	width := m.Width()
	selected := index == m.Index()

	title, meta, desc := d.st.Title, d.st.Meta, d.st.Desc
	gutter := "  "
	if selected {
		title, meta, desc = d.st.SelTitle, d.st.SelMeta, d.st.SelDesc
		gutter = d.st.Gutter.Render("│") + " "
	}
	if width < 8 {
		gutter = ""
	}
	tw := width - lipgloss.Width(gutter)

	var terms []string
	if m.FilterState() != list.Unfiltered {
		terms = filterTerms(m.FilterValue())
	}
	second := meta.Render(termtext.Truncate(theme.JoinNonEmpty(" · ", d.marks[it.entry.Slug], it.meta), tw, theme.Ellipsis))
	if snip, ok := d.found[it.entry.Slug]; ok && terms != nil && snip != "" {
		second = highlight(snip, terms, tw, meta, d.st.Match.Inherit(meta))
	}
	lines := []string{
		gutter + highlight(it.title, terms, tw, title, d.st.Match.Inherit(title)),
		gutter + second,
	}
	if d.showDesc {
		lines = append(lines, gutter+desc.Render(termtext.Truncate(it.desc, tw, theme.Ellipsis)))
	}
	_, _ = io.WriteString(w, strings.Join(lines, "\n"))
}

// highlight cuts s to width and styles it, with the runes matching terms in
// the matched style.
func highlight(s string, terms []string, width int, base, matched lipgloss.Style) string {
	s = termtext.Truncate(s, width, theme.Ellipsis)
	idx := matchedRunes(s, terms)
	if idx == nil {
		return base.Render(s)
	}
	return lipgloss.StyleRunes(s, idx, matched, base)
}

// hasDescriptions reports whether any of the posts has a description, so
// that the list gives the line to them only if it is used.
func hasDescriptions(items []list.Item) bool {
	for _, li := range items {
		if it, ok := li.(*item); ok && it.desc != "" {
			return true
		}
	}
	return false
}

// splitKinds makes the list's items of the posts that are not removed: the
// dated posts, in the store's order (newest first), and the standing
// pages, by title.
func splitKinds(entries []store.Entry, loc *time.Location) (posts, pages []list.Item) {
	return splitKindsReusing(entries, loc, nil)
}

// splitKindsReusing is splitKinds taking the item in reuse for an entry
// whose slug and revision it was made from (in the same time zone).
func splitKindsReusing(entries []store.Entry, loc *time.Location, reuse map[string]*item) (posts, pages []list.Item) {
	posts = make([]list.Item, 0, len(entries))
	for _, e := range entries {
		if e.Removed {
			continue
		}
		it, ok := reuse[e.Slug]
		if !ok || it.entry.Rev != e.Rev || it.entry.Removed {
			it = newItem(e, loc)
		}
		if e.Page {
			pages = append(pages, it)
		} else {
			posts = append(posts, it)
		}
	}
	slices.SortStableFunc(pages, func(a, b list.Item) int {
		x, y := a.(*item), b.(*item)
		if c := strings.Compare(theme.Fold(x.title), theme.Fold(y.title)); c != 0 {
			return c
		}
		return strings.Compare(x.entry.Slug, y.entry.Slug)
	})
	return posts, pages
}

// countPages is "1 page" or "N pages".
func countPages(n int) string {
	if n == 1 {
		return "1 page"
	}
	return strconv.Itoa(n) + " pages"
}

// countPosts is "1 post" or "N posts".
func countPosts(n int) string {
	if n == 1 {
		return "1 post"
	}
	return strconv.Itoa(n) + " posts"
}
