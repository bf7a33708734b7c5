package store

import (
	"slices"
	"strings"
	"time"
)

// SortEntries orders entries newest first; ties by slug.
func SortEntries(es []Entry) { slices.SortFunc(es, compareEntries) }

// compareEntries orders a before b when a is newer; ties by slug.
func compareEntries(a, b Entry) int {
	if c := b.ListedAt().Compare(a.ListedAt()); c != 0 {
		return c
	}
	return strings.Compare(a.Slug, b.Slug)
}

// ListedAt is the time a post is listed under: its date, else when its
// current revision was written.
func (e Entry) ListedAt() time.Time {
	if !e.Date.IsZero() {
		return e.Date
	}
	return e.Updated
}

// ResolveAlias follows aliases (old slug to new) from slug to the slug it
// leads to now. Aliases chain after several renames; the walk is bounded.
func ResolveAlias(aliases map[string]string, slug string) string {
	for range 16 {
		next, ok := aliases[slug]
		if !ok {
			break
		}
		slug = next
	}
	return slug
}
