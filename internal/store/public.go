package store

import (
	"slices"
	"time"
)

// IsPublic reports whether readers may see the post at time now: it is not
// removed, not a draft, and its date is not in the future.
func (e Entry) IsPublic(now time.Time) bool {
	return !e.Removed && !e.Draft && !e.Date.After(now)
}

// IsScheduled reports whether the post will become public by itself later.
func (e Entry) IsScheduled(now time.Time) bool {
	return !e.Removed && !e.Draft && e.Date.After(now)
}

// PublicAt returns the entries of es that are public at now, in their
// order, and when the earliest scheduled one among them comes due (zero
// when none is): until then the list stays as it is.
func PublicAt(es []Entry, now time.Time) (public []Entry, until time.Time) {
	for _, e := range es {
		switch {
		case e.IsPublic(now):
			public = append(public, e)
		case e.IsScheduled(now) && (until.IsZero() || e.Date.Before(until)):
			until = e.Date
		}
	}
	return slices.Clip(public), until
}
