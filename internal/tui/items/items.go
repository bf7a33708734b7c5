// Package items is the reader's list of posts as Bubbles' list shows it:
// a post as an item (its title, date, tags and description, sanitised once),
// the delegate that draws items, the filter that matches them (every word,
// in any case) and ranks a search's results first, and the list every
// session starts from.
package items

import (
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// Item is one post in the list. Everything shown is sanitised once, when
// the list is loaded, not on every frame.
type Item struct {
	Entry  store.Entry
	title  string // sanitised; never empty
	date   string // as the list shows it
	twin   string // the slug, sanitised, when another post has the same title and date; else empty
	meta   string // "2006-01-02 · tag, tag", sanitised
	desc   string // sanitised
	folded string // title, tags, description and slug, for the filter
}

// New makes the item of e, its dates shown in loc.
func New(e store.Entry, loc *time.Location) *Item {
	it := &Item{
		Entry: e,
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
	it.date = date
	it.meta = theme.JoinNonEmpty(" · ", date, draft, tags)
	it.folded = theme.Fold(norm.NFC.String(strings.Join([]string{it.title, tags, it.desc, slug}, "\n")))
	return it
}

// Title is the post's title as the list shows it: sanitised, or its slug
// when it has none.
func (i *Item) Title() string { return i.title }

// FilterValue implements list.Item: the text the filter searches.
func (i *Item) FilterValue() string { return i.folded }

// Terms splits a filter into the words every match must contain.
func Terms(filter string) []string {
	return strings.Fields(theme.Fold(norm.NFC.String(filter)))
}

// filterPosts is the list's filter: a post matches when its title, tags,
// description or slug contain every word of the filter, in any case.
// Matches keep the list's order (newest first) rather than a fuzzy score:
// a fuzzy matcher finds "go" in every post with a g before an o.
func filterPosts(filter string, targets []string) []list.Rank {
	terms := Terms(filter)
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

// template is the list every session starts from, set up once per
// process: list.New and each setter lay the list out again, drawing its
// title, status line and help to measure them, which cost more than the
// rest of a new session's first frame. Only Init reads it. It is a
// pointer so that copying it moves the list (29 KiB) from heap to heap: a
// copy by value went through the stack, which every session's goroutine
// then had to grow to 64 KiB.
var template = sync.OnceValue(func() *list.Model {
	l := new(list.Model)
	*l = list.New(nil, &Delegate{}, 0, 0)
	l.KeyMap = KeyMap()
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

// Init sets l up as a session's list: a copy of template drawing
// its items with d, and a filter box of its own, as list.New makes it (a
// text box's cursor keeps a pointer to its blinking state, which sessions
// must not share).
func Init(l *list.Model, d list.ItemDelegate) {
	tmpl := template()
	*l = *tmpl
	l.FilterInput = textinput.New()
	l.FilterInput.Prompt = tmpl.FilterInput.Prompt
	l.FilterInput.CharLimit = tmpl.FilterInput.CharLimit
	l.FilterInput.Focus()
	l.SetDelegate(d)
}

// Delegate draws the posts in the list: the title, then the date and tags,
// then (when any post has one) the description, each cut to the width.
type Delegate struct {
	St       *theme.Styles
	ShowDesc bool              // a line for the description
	Found    map[string]string // while searching: the line each post matched in, by slug
	Marks    map[string]string // for authors: "to review" or "proposed", by slug
}

// Height implements list.ItemDelegate.
func (d Delegate) Height() int {
	if d.ShowDesc {
		return 3
	}
	return 2
}

// Spacing implements list.ItemDelegate.
func (d Delegate) Spacing() int { return 1 }

// Update implements list.ItemDelegate.
func (d Delegate) Update(tea.Msg, *list.Model) tea.Cmd { return nil }

// Render implements list.ItemDelegate.
func (d Delegate) Render(w io.Writer, m list.Model, index int, li list.Item) {
	it, ok := li.(*Item)
	if !ok || d.St == nil {
		return
	}
	width := m.Width()
	selected := index == m.Index()

	title, meta, desc := d.St.Title, d.St.Meta, d.St.Desc
	gutter := "  "
	if selected {
		title, meta, desc = d.St.SelTitle, d.St.SelMeta, d.St.SelDesc
		gutter = d.St.Gutter.Render("│") + " "
	}
	if width < 8 {
		gutter = ""
	}
	tw := width - lipgloss.Width(gutter)

	var terms []string
	if m.FilterState() != list.Unfiltered {
		terms = Terms(m.FilterValue())
	}
	second := meta.Render(termtext.Truncate(theme.JoinNonEmpty(" · ", d.Marks[it.Entry.Slug], it.meta), tw, theme.Ellipsis))
	if snip, ok := d.Found[it.Entry.Slug]; ok && terms != nil && snip != "" {
		second = highlight(snip, terms, tw, meta, d.St.Match.Inherit(meta))
	}
	first := highlight(it.title, terms, tw, title, d.St.Match.Inherit(title))
	if it.twin != "" {
		// Another post has the same title and date: the slug, dimmed,
		// tells them apart.
		if room := tw - lipgloss.Width(first) - 1; room > 0 {
			first += " " + meta.Render(termtext.Truncate(it.twin, room, theme.Ellipsis))
		}
	}
	lines := []string{gutter + first, gutter + second}
	if d.ShowDesc {
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

// HasDescriptions reports whether any of the posts has a description, so
// that the list gives the line to them only if it is used.
func HasDescriptions(items []list.Item) bool {
	for _, li := range items {
		if it, ok := li.(*Item); ok && it.desc != "" {
			return true
		}
	}
	return false
}

// Split makes the list's items of the posts that are not removed: the
// dated posts, in the store's order (newest first), and the standing
// pages, by title.
func Split(entries []store.Entry, loc *time.Location) (posts, pages []list.Item) {
	return SplitReusing(entries, loc, nil)
}

// SplitReusing is Split taking the item in reuse for an entry
// whose slug and revision it was made from (in the same time zone).
func SplitReusing(entries []store.Entry, loc *time.Location, reuse map[string]*Item) (posts, pages []list.Item) {
	posts = make([]list.Item, 0, len(entries))
	for _, e := range entries {
		if e.Removed {
			continue
		}
		it, ok := reuse[e.Slug]
		if !ok || it.Entry.Rev != e.Rev || it.Entry.Removed {
			it = New(e, loc)
		}
		if e.Page {
			pages = append(pages, it)
		} else {
			posts = append(posts, it)
		}
	}
	markTwins(posts)
	markTwins(pages)
	slices.SortStableFunc(pages, func(a, b list.Item) int {
		x, y := a.(*Item), b.(*Item)
		if c := strings.Compare(theme.Fold(x.title), theme.Fold(y.title)); c != 0 {
			return c
		}
		return strings.Compare(x.Entry.Slug, y.Entry.Slug)
	})
	return posts, pages
}

// markTwins marks the items of l that share their title and date with
// another, so that the list shows their slugs too, and unmarks the others.
// Items are shared and never changed: an item whose mark changes is
// replaced by a marked copy.
func markTwins(l []list.Item) {
	type key struct{ title, date string }
	seen := make(map[key]int, len(l))
	for _, li := range l {
		it := li.(*Item)
		seen[key{it.title, it.date}]++
	}
	for i, li := range l {
		it := li.(*Item)
		twin := ""
		if seen[key{it.title, it.date}] > 1 {
			twin = termtext.SanitizeLine(it.Entry.Slug)
		}
		if twin != it.twin {
			c := *it
			c.twin = twin
			l[i] = &c
		}
	}
}

// CountPages is "1 page" or "N pages".
func CountPages(n int) string {
	if n == 1 {
		return "1 page"
	}
	return strconv.Itoa(n) + " pages"
}

// CountPosts is "1 post" or "N posts".
func CountPosts(n int) string {
	if n == 1 {
		return "1 post"
	}
	return strconv.Itoa(n) + " posts"
}

// KeyMap is the list's bindings. Quitting, help and opening are left
// unbound: the model handles them, because they depend on the screen.
func KeyMap() list.KeyMap {
	return list.KeyMap{
		CursorUp:    key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		CursorDown:  key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PrevPage:    key.NewBinding(key.WithKeys("left", "h", "pgup", "b", "u"), key.WithHelp("←/b/pgup", "previous page")),
		NextPage:    key.NewBinding(key.WithKeys("right", "l", "pgdown", "f", "d", "space"), key.WithHelp("→/f/pgdn", "next page")),
		GoToStart:   key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/home", "first post")),
		GoToEnd:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G/end", "last post")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),

		CancelWhileFiltering: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		AcceptWhileFiltering: key.NewBinding(key.WithKeys("enter", "tab", "shift+tab", "up", "down"), key.WithHelp("enter", "apply filter")),
	}
}

// Found is a post that matches a search, with the line where it matched.
type Found struct {
	Slug    string
	Snippet string
}

// SearchFunc returns the posts the session may see that match query, best
// first. It is called on the session's goroutine as the filter is typed,
// so it must be quick (the blog's index answers in a few milliseconds).
type SearchFunc func(query string) []Found

// MinSearch is the shortest filter, in bytes, searched in bodies: shorter
// ones match titles and tags only.
const MinSearch = 2

// SearchFilter returns the list's filter for query: the posts found, in
// their order, then the other posts whose title, tags, description or
// slug contain the filter's words. It reads only what it captures, so the
// list may run it on another goroutine.
func SearchFilter(found []Found) func(string, []string) []list.Rank {
	rank := make(map[string]int, len(found))
	for i, f := range found {
		rank[theme.Fold(f.Slug)] = i
	}
	return func(filter string, targets []string) []list.Rank {
		terms := Terms(filter)
		hits := make([]list.Rank, len(found))
		for i := range hits {
			hits[i].Index = -1
		}
		var rest []list.Rank
		for i, t := range targets {
			slug := t[strings.LastIndexByte(t, '\n')+1:] // an item's folded text ends with its slug
			if r, ok := rank[slug]; ok {
				hits[r] = list.Rank{Index: i}
			} else if containsAll(t, terms) {
				rest = append(rest, list.Rank{Index: i})
			}
		}
		out := make([]list.Rank, 0, len(found)+len(rest))
		for _, h := range hits {
			if h.Index >= 0 {
				out = append(out, h)
			}
		}
		return append(out, rest...)
	}
}
