package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/sshblog/sshblog/internal/post"
)

// The rules of a write that do not depend on the database: both stores
// check a write and build what it stores with these, and keep only the
// reading and committing.

// CheckPost refuses a missing post and a post with a bad slug.
func CheckPost(p *post.Post) error {
	if p == nil {
		return errors.New("no post")
	}
	return post.CheckSlug(p.Slug)
}

// CheckIfRev is ErrConflict unless ifRev is nil or is the current revision
// of the post slug, whose entry is cur (nil: no post, revision 0).
func CheckIfRev(slug string, cur *Entry, ifRev *uint64) error {
	if ifRev == nil {
		return nil
	}
	var have uint64
	if cur != nil {
		have = cur.Rev
	}
	if have != *ifRev {
		return fmt.Errorf("%w: %s is at revision %d, not %d", ErrConflict, slug, have, *ifRev)
	}
	return nil
}

// IsRefusal reports whether err is a store's answer to the write itself (a
// conflict, a missing post or proposal, a closed proposal), which goes back
// to the writer as it is, rather than a failure of the store.
func IsRefusal(err error) bool {
	return errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrClosed)
}

// NextRevision returns the entry and revision that make p, written by
// author at now, the current revision of its post, whose entry is cur
// (nil for a new post).
func NextRevision(p *post.Post, cur *Entry, author string, action Action, now time.Time) (Entry, Revision) {
	var rev uint64 = 1
	if cur != nil {
		rev = cur.Rev + 1
	}
	e := Entry{Meta: p.Meta, Rev: rev, Size: int64(len(p.Source)), Updated: now, By: author}
	e.Slug = p.Slug
	return e, Revision{Slug: p.Slug, Rev: rev, Author: author, Time: now, Action: action, Source: p.Source}
}

// Tombstone returns the entry and revision that hide the post slug, whose
// entry is cur: ErrNotFound when there is no such post or it is hidden
// already.
func Tombstone(slug string, cur *Entry, author string, now time.Time) (Entry, Revision, error) {
	if cur == nil || cur.Removed {
		return Entry{}, Revision{}, fmt.Errorf("%w: %s", ErrNotFound, slug)
	}
	e := *cur
	e.Rev, e.Updated, e.By, e.Removed, e.Size = cur.Rev+1, now, author, true, 0
	return e, Revision{Slug: slug, Rev: e.Rev, Author: author, Time: now, Action: Removed}, nil
}

// CheckRename refuses to rename the post oldSlug (its aliases followed) to
// newSlug when newSlug is not a valid slug or is its name already.
func CheckRename(oldSlug, newSlug string) error {
	if err := post.CheckSlug(newSlug); err != nil {
		return err
	}
	if oldSlug == newSlug {
		return fmt.Errorf("%s already has that name", oldSlug)
	}
	return nil
}

// CheckAliasFree refuses to make the name name lead to the post slug, by
// renaming the post onto it or by adding it as an alias, when name is
// already an alias of another post (to, when isAlias): one post's old
// address is not another's to take over. It is ErrConflict.
func CheckAliasFree(name, to string, isAlias bool, slug string) error {
	if isAlias && to != slug {
		return fmt.Errorf("%w: %s leads to another post, %s", ErrConflict, name, to)
	}
	return nil
}

// Renaming returns the entry and revision that move the post cur to
// newSlug; source is its current markdown, which the Renamed revision
// keeps. It is ErrNotFound when the post is hidden.
func Renaming(cur Entry, newSlug, author string, now time.Time, source []byte) (Entry, Revision, error) {
	if cur.Removed {
		return Entry{}, Revision{}, fmt.Errorf("%w: %s", ErrNotFound, cur.Slug)
	}
	e := cur
	e.Slug, e.Rev, e.Updated, e.By = newSlug, cur.Rev+1, now, author
	return e, Revision{Slug: newSlug, Rev: e.Rev, Author: author, Time: now, Action: Renamed, From: cur.Slug, Source: source}, nil
}

// RenameAliases returns the aliases a rename of oldSlug to newSlug writes,
// given the aliases there are (old slug -> new slug): the old name leads
// to the new one, and so does every alias that led to the old name. An
// alias named newSlug is not among them: it goes, as whenever a post takes
// an alias's name.
func RenameAliases(aliases map[string]string, oldSlug, newSlug string) map[string]string {
	out := map[string]string{oldSlug: newSlug}
	for alias, to := range aliases {
		if to == oldSlug && alias != newSlug {
			out[alias] = newSlug
		}
	}
	return out
}

// RestoredEntry checks an exported history of the post slug (revisions
// numbered 1, 2, 3... in order) and returns the entry its last revision
// makes current; meta is the metadata of the last revision that is not a
// removal.
func RestoredEntry(slug string, revs []Revision, meta post.Meta) (Entry, error) {
	if err := post.CheckSlug(slug); err != nil {
		return Entry{}, err
	}
	if len(revs) == 0 {
		return Entry{}, fmt.Errorf("%s: no revisions", slug)
	}
	for i, r := range revs {
		if r.Rev != uint64(i+1) {
			return Entry{}, fmt.Errorf("%s: revision %d is missing", slug, i+1)
		}
	}
	last := revs[len(revs)-1]
	e := Entry{Meta: meta, Rev: last.Rev, Size: int64(len(last.Source)), Updated: last.Time, By: last.Author, Removed: last.Action == Removed}
	e.Slug = slug
	return e, nil
}
