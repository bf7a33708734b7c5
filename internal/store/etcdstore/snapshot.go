package etcdstore

import (
	"github.com/sshblog/sshblog/internal/store"
)

// snapshot is an immutable view of the blog's posts and aliases: the list
// as every store keeps it, and where each post's revisions are.
type snapshot struct {
	*store.Snapshot
	items   map[string]item   // by slug
	aliases map[string]string // old slug -> new slug
}

func newSnapshot(items map[string]item, aliases map[string]string) *snapshot {
	entries := make([]store.Entry, 0, len(items))
	for _, it := range items {
		entries = append(entries, it.Entry)
	}
	return &snapshot{Snapshot: store.NewSnapshot(entries, aliases), items: items, aliases: aliases}
}

// lookup returns the post named slug, following aliases.
func (s *snapshot) lookup(slug string) (item, bool) {
	it, ok := s.items[s.Resolve(slug)]
	return it, ok
}
