package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/sshblog/sshblog/internal/post"
)

// Import is everything one import stores, in this order: its files, the
// exported histories of posts that do not exist yet, new revisions, then
// aliases.
type Import struct {
	// Files are stored as PutFiles stores them: a bad one fails the import.
	Files    []FileChange
	Restores []Restoring
	Changes  []Change
	// Aliases are made to lead to their posts as AddAlias does; an alias
	// refused is reported in its outcome, not as an error.
	Aliases [][2]string // alias, slug
}

// Restoring is one exported history to restore (see Archive.Restore).
type Restoring struct {
	Slug string
	Revs []Revision
	Meta post.Meta
}

// Len is how many writes in is: files, histories, changes and aliases.
func (in Import) Len() int {
	return len(in.Files) + len(in.Restores) + len(in.Changes) + len(in.Aliases)
}

// ImportOutcome is what became of each part of an Import, index for index.
type ImportOutcome struct {
	Restored []error     // nil: restored; else why not (also when the import stopped before it)
	Changes  []Outcome   // as PutMany's
	Aliases  []error     // nil: the alias leads to its post
	Files    []FileEntry // each file's entry, once stored
}

// NewImportOutcome returns the outcome of in with room for every part.
func NewImportOutcome(in Import) ImportOutcome {
	return ImportOutcome{
		Restored: make([]error, len(in.Restores)),
		Changes:  make([]Outcome, len(in.Changes)),
		Aliases:  make([]error, len(in.Aliases)),
	}
}

// ImportStopped is the error of an import that a store could not make in
// one step and that stopped part way: Done of Total writes were stored,
// and stay stored.
type ImportStopped struct {
	Done, Total int
	Err         error
}

// Error says how far the import got, and why it stopped.
func (e *ImportStopped) Error() string {
	return fmt.Sprintf("the import stopped after %d of %d writes, which stay stored: %v", e.Done, e.Total, e.Err)
}

// Unwrap returns why the import stopped.
func (e *ImportStopped) Unwrap() error { return e.Err }

// OpKind is what one operation of a Batch does.
type OpKind int

// The operations a Batch can hold.
const (
	OpPut    OpKind = iota // Change: the post's next revision
	OpRemove               // Slug: hide the post behind a tombstone
	OpRename               // Slug to NewSlug, keeping Slug as an alias
	OpFile                 // File: one change of one of the blog's files
)

// Op is one write of a Batch.
type Op struct {
	Kind    OpKind
	Change  Change // for OpPut
	Slug    string // for OpRemove and OpRename: the post
	NewSlug string // for OpRename
	Author  string // for OpRemove and OpRename
	// File is the change of an OpFile, as PutFiles takes it (its IfRev is
	// Op's). Batch's entry for it is FileOpEntry's.
	File  FileChange
	IfRev *uint64
}

// ErrBatchTooLarge is a batch a store cannot write in one transaction
// (etcd bounds a transaction's size); nothing of it was stored, and the
// caller writes it in steps.
var ErrBatchTooLarge = errors.New("the batch does not fit in one transaction")

// Batcher is a store that writes many operations in one transaction: all
// of them or, on any refusal or failure, none. The bbolt store is one.
type Batcher interface {
	// Batch applies ops in order and returns the entry each one left.
	Batch(ctx context.Context, ops []Op) ([]Entry, error)
}

// FileOpEntry is the entry Batch returns for an OpFile whose path's entry
// is e afterwards: the path as Slug, its revision as Rev, By and Updated,
// Removed.
func FileOpEntry(e FileEntry) Entry {
	out := Entry{Rev: e.Rev, Updated: e.Updated, By: e.By, Removed: e.Removed}
	out.Slug = e.Path
	return out
}
