package blog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// The kinds of refusal. Every error the blog returns for something a caller
// asked wrongly wraps one of them; test with errors.Is.
var (
	// ErrNotAuthor: only authors may do this.
	ErrNotAuthor = errors.New("permission denied: not an author")
	// ErrNotFound: no such post or revision, or not one the caller may see.
	ErrNotFound = store.ErrNotFound
	// ErrConflict: the post is not at the revision the caller expected, or
	// a name is taken.
	ErrConflict = store.ErrConflict
	// ErrTooLarge: a post or archive over the blog's limit.
	ErrTooLarge = post.ErrTooLarge
	// ErrInvalid: a request the blog's rules do not allow (a bad slug, a
	// post that does not parse, a revision that cannot be restored).
	ErrInvalid = errors.New("invalid request")
	// ErrStorage: the server's storage failed (a full disk, a damaged
	// file). Its message names no server path; the log has the details.
	ErrStorage = errors.New("storage failed")
)

// Error is a refusal: Msg says what was wrong, on one line, and Kind is one
// of the Err values of this package.
type Error struct {
	Kind error
	Msg  string
	Err  error // the underlying error, if any
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// refuse returns an *Error of kind with a formatted message.
func refuse(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// notAuthor is the refusal of what only authors may do.
func notAuthor() *Error {
	return refuse(ErrNotAuthor, "%s", ErrNotAuthor)
}

// author refuses id unless it is an author now: id.Author is set, and the
// Config's StillAuthor, asked again on every call, agrees (the key it
// proved may have been removed from the keys folder since the session
// began). Every change and every author-only view passes through it, so a
// revoked author's open session, in any front end, changes nothing more.
func (b *Service) author(id Identity) error {
	if !id.IsAuthor() {
		return notAuthor()
	}
	if b.cfg.StillAuthor != nil && !b.cfg.StillAuthor(id) {
		b.log.Warn("refused an author's request: the key no longer makes its holder an author", "author", id.Author, "key", id.Fingerprint)
		return notAuthor()
	}
	return nil
}

// notFound is the refusal for a post that does not exist or may not be seen.
func notFound(slug string) *Error {
	return refuse(ErrNotFound, "no post %q", slug)
}

// noRevision is the refusal for a revision a post does not have.
func noRevision(slug string, rev uint64) *Error {
	return refuse(ErrNotFound, "%s has no revision %d", slug, rev)
}

// invalid turns an error of the post package (bad slug, bad front matter,
// control characters, too large) into a refusal that keeps its kind.
func invalid(err error) error {
	if err == nil {
		return nil
	}
	kind := ErrInvalid
	if errors.Is(err, post.ErrTooLarge) {
		kind = ErrTooLarge
	}
	return &Error{Kind: kind, Msg: err.Error(), Err: err}
}

// storeError words a store's error for slug, for whoever asked: not found
// and conflicts become refusals; a full disk and any other failure of the
// storage become ErrStorage with a message that names no server path (the
// error itself, which may, goes to the log).
func (b *Service) storeError(doing, slug string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return notFound(slug)
	case errors.Is(err, store.ErrConflict):
		msg := err.Error()
		if inner := errors.Unwrap(err); inner != nil && inner != store.ErrConflict {
			msg = inner.Error()
		}
		msg = strings.TrimPrefix(msg, store.ErrConflict.Error()+": ")
		return &Error{Kind: ErrConflict, Msg: "conflict: " + msg + "; fetch it again and retry", Err: err}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, store.ErrAway):
		return away(err)
	}
	b.log.Error("storage failed", "doing", doing, "slug", slug, "err", err)
	switch {
	case errors.Is(err, store.ErrDiskFull), errors.Is(err, syscall.ENOSPC):
		return &Error{Kind: ErrStorage, Msg: store.ErrDiskFull.Error(), Err: err}
	case errors.Is(err, store.ErrUnavailable):
		return &Error{Kind: ErrStorage, Msg: store.ErrUnavailable.Error(), Err: err}
	}
	return &Error{Kind: ErrStorage, Msg: fmt.Sprintf("%s %s failed on the server; see its log", doing, slug), Err: err}
}

// away words a read that needed the store while it is out of reach as
// the one line store.ErrAway says; other errors are returned as they are.
func away(err error) error {
	if errors.Is(err, store.ErrAway) {
		return &Error{Kind: ErrStorage, Msg: store.ErrAway.Error(), Err: err}
	}
	return err
}

// Ref names a post or one revision of it, as SLUG or SLUG@REV.
type Ref struct {
	Slug string
	Rev  uint64 // 0: the current revision
}

// ParseRef reads SLUG or SLUG@REV.
func ParseRef(s string) (Ref, error) {
	slug, at, hasRev := strings.Cut(s, "@")
	if !hasRev {
		return Ref{Slug: slug}, nil
	}
	n, err := strconv.ParseUint(at, 10, 64)
	if err != nil || n == 0 {
		return Ref{}, refuse(ErrInvalid, "%q is not a revision number", at)
	}
	return Ref{Slug: slug, Rev: n}, nil
}

// String returns SLUG, or SLUG@REV for a revision.
func (r Ref) String() string {
	if r.Rev == 0 {
		return r.Slug
	}
	return r.Slug + "@" + strconv.FormatUint(r.Rev, 10)
}
