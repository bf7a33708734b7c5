package tui

import (
	"strings"

	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui/items"
)

// Search in the reader: the list's filter (/) finds posts by their bodies
// too, through the blog's index, best first, each shown with the line where
// it matched; a post opened from it starts at its first match, and n and N
// go from match to match.

// searchBodies runs the session's search for the filter being typed and
// gives the list a filter that ranks what it found.
func (m *Model) searchBodies() {
	if m.search == nil {
		return
	}
	q := strings.TrimSpace(m.list.FilterValue())
	var found []Found
	if len(q) >= items.MinSearch {
		found = m.search(q)
	}
	m.delegate.Found = make(map[string]string, len(found))
	for _, f := range found {
		m.delegate.Found[f.Slug] = termtext.SanitizeLine(f.Snippet)
	}
	m.list.Filter = items.SearchFilter(found)
}

// Found is a post that matches a search: see [items.Found].
type Found = items.Found

// SearchFunc returns the posts that match a search: see [items.SearchFunc].
type SearchFunc = items.SearchFunc
