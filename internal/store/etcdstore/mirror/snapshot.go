package mirror

import "github.com/sshblog/sshblog/internal/store"

// Snapshot is an immutable view of the blog's posts and aliases: the list
// as every store keeps it, and each post's record.
type Snapshot struct {
	*store.Snapshot
	items   map[string]Item   // by slug
	aliases map[string]string // old slug -> new slug
}

func newSnapshot(items map[string]Item, aliases map[string]string) *Snapshot {
	entries := make([]store.Entry, 0, len(items))
	for _, it := range items {
		entries = append(entries, it.Entry)
	}
	return &Snapshot{Snapshot: store.NewSnapshot(entries, aliases), items: items, aliases: aliases}
}

// Item returns the post named slug (no aliases followed).
func (s *Snapshot) Item(slug string) (Item, bool) {
	it, ok := s.items[slug]
	return it, ok
}

// Lookup returns the post named slug, following aliases.
func (s *Snapshot) Lookup(slug string) (Item, bool) { return s.Item(s.Resolve(slug)) }
