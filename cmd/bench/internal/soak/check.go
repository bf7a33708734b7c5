package soak

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/sshblog/sshblog/internal/store"
)

// writeCheck is the outcome of reading back every acknowledged revision.
type writeCheck struct {
	checked  int
	lost     int      // not in the store
	wrong    int      // in the store with other content or author
	gaps     int      // an author's acknowledged revisions that do not follow one another
	extra    int      // revisions stored past the last acknowledged one (publishes that failed late)
	problems []string // the first few
	err      error    // the check could not be made
}

// ok reports whether every acknowledged revision was found intact.
func (c writeCheck) ok() bool {
	return c.err == nil && c.lost == 0 && c.wrong == 0 && c.gaps == 0
}

// note keeps a problem's description, up to maxErrorsShown.
func (c *writeCheck) note(format string, args ...any) {
	if len(c.problems) < maxErrorsShown {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// verifyWrites reads every acknowledged revision back from db.
func verifyWrites(ctx context.Context, db store.Store, authors []authorStats) writeCheck {
	var c writeCheck
	for _, a := range authors {
		var prev uint64
		for _, ack := range a.acks {
			c.checked++
			if prev != 0 && ack.rev != prev+1 {
				c.gaps++
				c.note("%s: rev %d acknowledged after rev %d", ack.slug, ack.rev, prev)
			}
			prev = ack.rev
			rev, err := db.Revision(ctx, ack.slug, ack.rev)
			switch {
			case errors.Is(err, store.ErrNotFound):
				c.lost++
				c.note("%s rev %d: %v", ack.slug, ack.rev, err)
			case err != nil:
				c.err = err
				return c
			case sha256.Sum256(rev.Source) != ack.sum || len(rev.Source) != ack.size || rev.Author != ack.author:
				c.wrong++
				c.note("%s rev %d: stored by %q with %d bytes, acknowledged for %q with %d", ack.slug, ack.rev, rev.Author, len(rev.Source), ack.author, ack.size)
			}
		}
		if e, ok := db.Entry(a.slug); ok && e.Rev > prev {
			c.extra += int(e.Rev - prev)
		}
	}
	return c
}

// errorLog counts errors by the step they happened in and keeps the
// first few. It is safe for concurrent use.
type errorLog struct {
	mu     sync.Mutex
	byKind map[string]int
	first  []string
}

// add counts err, which happened in step kind.
func (e *errorLog) add(kind string, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byKind == nil {
		e.byKind = map[string]int{}
	}
	e.byKind[kind]++
	if len(e.first) < maxErrorsShown {
		e.first = append(e.first, kind+": "+err.Error())
	}
}

// errorList is a copy of the errors counted.
type errorList struct {
	byKind map[string]int
	first  []string
}

// total is the number of errors.
func (l errorList) total() int {
	n := 0
	for _, c := range l.byKind {
		n += c
	}
	return n
}

// snapshot copies the errors counted so far.
func (e *errorLog) snapshot() errorList {
	e.mu.Lock()
	defer e.mu.Unlock()
	l := errorList{byKind: map[string]int{}, first: append([]string(nil), e.first...)}
	for k, v := range e.byKind {
		l.byKind[k] = v
	}
	return l
}
