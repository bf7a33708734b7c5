package etcdstore

import (
	"slices"
	"sync"

	"github.com/sshblog/sshblog/internal/store"
)

// histories keeps, by post id, the history of each post (its revisions
// without sources) as read from etcd, so that a history, and what is made
// from it (a feed's entry ids), is served while etcd is away. Revisions
// never change once written and are numbered from 1 up: a kept history
// whose last revision is the post's current one is the whole of it. A
// revision costs about a hundred bytes here; nothing is dropped.
type histories struct {
	mu   sync.Mutex
	byID map[string][]store.Revision
}

func newHistories() *histories { return &histories{byID: map[string][]store.Revision{}} }

// get returns the history of the post id, named slug, if the one kept
// reaches revision rev.
func (h *histories) get(id, slug string, rev uint64) ([]store.Revision, bool) {
	h.mu.Lock()
	revs := h.byID[id]
	h.mu.Unlock()
	if len(revs) == 0 || revs[len(revs)-1].Rev != rev {
		return nil, false
	}
	out := slices.Clone(revs)
	for i := range out {
		out[i].Slug = slug
	}
	return out, true
}

// put keeps revs, a whole history read from etcd, unless a longer one is
// kept.
func (h *histories) put(id string, revs []store.Revision) {
	kept := make([]store.Revision, len(revs))
	for i, r := range revs {
		kept[i] = store.Revision{Rev: r.Rev, Author: r.Author, Time: r.Time, Action: r.Action, From: r.From}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(kept) > len(h.byID[id]) {
		h.byID[id] = kept
	}
}

// add appends r to the kept history of id when it is the next revision.
func (h *histories) add(id string, r store.Revision) {
	h.mu.Lock()
	defer h.mu.Unlock()
	revs := h.byID[id]
	if r.Rev == 1 && len(revs) == 0 || len(revs) > 0 && revs[len(revs)-1].Rev+1 == r.Rev {
		h.byID[id] = append(revs, store.Revision{Rev: r.Rev, Author: r.Author, Time: r.Time, Action: r.Action, From: r.From})
	}
}
