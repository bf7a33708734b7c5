package tui

import (
	"strings"

	"charm.land/bubbles/v2/list"

	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// Search in the reader: the list's filter (/) finds posts by their bodies
// too, through the blog's index, best first, each shown with the line where
// it matched; a post opened from it starts at its first match, and n and N
// go from match to match.

// Found is a post that matches a search, with the line where it matched.
type Found struct {
	Slug    string
	Snippet string
}

// SearchFunc returns the posts the session may see that match query, best
// first. It is called on the session's goroutine as the filter is typed,
// so it must be quick (the blog's index answers in a few milliseconds).
type SearchFunc func(query string) []Found

// minSearch is the shortest filter, in bytes, searched in bodies: shorter
// ones match titles and tags only.
const minSearch = 2

// searchFilter returns the list's filter for query: the posts found, in
// their order, then the other posts whose title, tags, description or
// slug contain the filter's words. It reads only what it captures, so the
// list may run it on another goroutine.
func searchFilter(found []Found) func(string, []string) []list.Rank {
	rank := make(map[string]int, len(found))
	for i, f := range found {
		rank[theme.Fold(f.Slug)] = i
	}
	return func(filter string, targets []string) []list.Rank {
		terms := filterTerms(filter)
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

// searchBodies runs the session's search for the filter being typed and
// gives the list a filter that ranks what it found.
func (m *Model) searchBodies() {
	if m.search == nil {
		return
	}
	q := strings.TrimSpace(m.list.FilterValue())
	var found []Found
	if len(q) >= minSearch {
		found = m.search(q)
	}
	m.delegate.found = make(map[string]string, len(found))
	for _, f := range found {
		m.delegate.found[f.Slug] = termtext.SanitizeLine(f.Snippet)
	}
	m.list.Filter = searchFilter(found)
}
