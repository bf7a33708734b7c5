package blog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dustin/go-humanize"

	"github.com/sshblog/sshblog/internal/store"
)

// The rules the blog's git repository (package gitrepo) asks of the blog:
// which revisions an identity's clone holds, and what a push writes.

// Written is one revision of the blog's history as a clone holds it.
type Written struct {
	// Slug is the post's name now; Rev its revision, which Revision reads
	// with Ref{Slug, Rev}.
	Slug string
	Rev  uint64
	// Path is the post's name when the revision was written (it differs
	// from Slug for revisions written before a rename); From is, when the
	// post had another name in the revision before it that the identity
	// reads, that name.
	Path, From string
	Author     string
	Time       int64 // Unix nanoseconds, when it was written
	Action     store.Action
	// File, when set, makes this a revision of one of the blog's files
	// rather than of a post: its path ("/assets/x.png"), Rev its revision
	// (store.FileRevision), and Hash the SHA-256 of its bytes (which
	// FileBytes reads), empty when it was removed or renamed away. Slug,
	// Path and From are empty.
	File, Hash string
}

// Timeline returns every revision id may read of every post id may see,
// and every revision of the blog's files (which are public), oldest first
// (by time, then post or file, then revision): an author's is the whole
// history, removals and drafts included; a reader's only what Revision
// would let it read (see readable), of the posts it sees now.
//
// seen, when set, keeps what was decided of old revisions, which never
// changes (whether a reader may read an old revision depends on it alone):
// a caller that asks again after each change reads only the new ones.
func (b *Service) Timeline(ctx context.Context, id Identity, seen *ReadableCache) ([]Written, error) {
	var entries []store.Entry
	if id.IsAuthor() {
		if err := b.author(id); err != nil {
			return nil, err
		}
		entries = b.st.AllEntries()
	} else {
		es, err := b.List(ctx, Identity{})
		if err != nil {
			return nil, err
		}
		entries = es
	}
	var out []Written
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		revs, err := b.st.History(ctx, e.Slug)
		if err != nil {
			return nil, b.storeError("reading the history of", e.Slug, err)
		}
		// Walk back from the current name: before a rename, the post had
		// the name the rename came from.
		name := e.Slug
		paths := make([]string, len(revs))
		for i := len(revs) - 1; i >= 0; i-- {
			paths[i] = name
			if revs[i].Action == store.Renamed && revs[i].From != "" {
				name = revs[i].From
			}
		}
		last := ""
		for i, h := range revs {
			if !id.IsAuthor() {
				ok, err := b.readableOld(ctx, id, e, h, seen)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			w := Written{Slug: e.Slug, Rev: h.Rev, Path: paths[i], Author: h.Author, Time: h.Time.UnixNano(), Action: h.Action}
			// The name the post had in the last revision id reads: a
			// reader may not read the rename itself (made while a draft).
			if last != "" && last != w.Path {
				w.From = last
			}
			last = w.Path
			out = append(out, w)
		}
	}
	// The blog's files are public: every identity's timeline has all of
	// their revisions.
	for _, f := range b.st.Files() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		revs, err := b.st.FileHistory(ctx, f.Path)
		if err != nil {
			return nil, b.fileStoreError("reading the history of", f.Path, err)
		}
		for _, r := range revs {
			w := Written{File: r.Path, Rev: r.Rev, Author: r.Author, Time: r.Time.UnixNano(), Action: r.Action}
			if r.Action != store.Removed && r.Action != store.Renamed {
				w.Hash = r.Hash
			}
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(x, y Written) int {
		if x.Time != y.Time {
			if x.Time < y.Time {
				return -1
			}
			return 1
		}
		if c := strings.Compare(x.Slug, y.Slug); c != 0 {
			return c
		}
		if c := strings.Compare(x.File, y.File); c != 0 {
			return c
		}
		switch {
		case x.Rev < y.Rev:
			return -1
		case x.Rev > y.Rev:
			return 1
		}
		return 0
	})
	return out, nil
}

// ReadableCache remembers which old revisions a reader may read, for
// Timeline. The zero value is empty; it is not safe for concurrent use.
type ReadableCache struct {
	m map[readableKey]bool
}

// readableKey names an old revision: its post's name, number and time.
type readableKey struct {
	slug string
	rev  uint64
	time int64
}

// readableOld is readable for h, a revision of the post e without its
// source: the current revision and removals are decided from e and h,
// and an older one from its source, read once.
func (b *Service) readableOld(ctx context.Context, id Identity, e store.Entry, h store.Revision, seen *ReadableCache) (bool, error) {
	if h.Rev == e.Rev || h.Action == store.Removed {
		return b.readable(id, e, h), nil
	}
	k := readableKey{e.Slug, h.Rev, h.Time.UnixNano()}
	if seen != nil {
		if ok, found := seen.m[k]; found {
			return ok, nil
		}
	}
	r, err := b.st.Revision(ctx, e.Slug, h.Rev)
	if err != nil {
		return false, b.storeError("reading the history of", e.Slug, err)
	}
	ok := b.readable(id, e, r)
	if seen != nil {
		if seen.m == nil {
			seen.m = map[readableKey]bool{}
		}
		seen.m[k] = ok
	}
	return ok, nil
}

// FileBytes returns the bytes of a file revision whose SHA-256 is hash
// (Written.Hash), checked against it. Files are public: any identity may
// read them.
func (b *Service) FileBytes(ctx context.Context, hash string) ([]byte, error) {
	data, err := b.st.FileData(ctx, hash)
	if err != nil {
		return nil, b.fileStoreError("reading", "the file "+hash, err)
	}
	if store.HashOf(data) != hash {
		return nil, fmt.Errorf("reading the file %.12s: its bytes are damaged", hash)
	}
	return data, nil
}

// CheckAuthor refuses id unless it is an author now (see author).
func (b *Service) CheckAuthor(id Identity) error { return b.author(id) }

// PushKind is what one change of a push does to a post.
type PushKind int

// The changes a push can make.
const (
	PushPublish    PushKind = iota // a new post or a new revision
	PushRemove                     // the post's file was deleted
	PushRename                     // the post's file moved, unchanged
	PushFile                       // a file of the blog's (an image, an attachment) added or changed
	PushFileRemove                 // a file of the blog's deleted
	PushFileRename                 // a file of the blog's moved, unchanged
)

// PushChange is one change a push makes, in the order its commits made
// them.
type PushChange struct {
	Kind PushKind
	// Path names the file in the push's words, for refusals
	// ("posts/x.md").
	Path string
	// Slug is the post; NewSlug its new name for a rename. For a file's
	// change, Slug is the file's path in the blog ("/assets/x.png") and
	// NewSlug its new path for a rename.
	Slug, NewSlug string
	// Source is the markdown to publish, or a file's bytes (a rename's
	// too).
	Source []byte
}

// PushRefused is a push that stored nothing, with one line per file that
// was refused.
type PushRefused struct {
	Problems []string // "PATH: why"
}

func (e *PushRefused) Error() string {
	return "the push was refused: " + strings.Join(e.Problems, "; ")
}

// PushResult is what a push did: one line per change, as the publish
// command words it ("published hello rev 2").
type PushResult struct {
	Lines []string
}

// Push checks every change first, through the same rules as Publish,
// Remove and Rename, and stores nothing unless all of them pass; then it
// writes all of them, in order, in one transaction where the store has
// them (bbolt; etcd when they fit in one of its transactions, else one by
// one, and a failure says how far it got).
// revs is the revision of each post the push was made against (absent: a
// post that did not exist): a post at another revision now is ErrConflict,
// the push being made against an old copy of the blog. When the blog
// requires a review, publishes become proposals; removals and renames are
// not reviewed.
func (b *Service) Push(ctx context.Context, id Identity, changes []PushChange, revs map[string]uint64) (PushResult, error) {
	if err := b.author(id); err != nil {
		return PushResult{}, err
	}
	ops, problems := b.pushOps(ctx, id, changes)
	if len(problems) > 0 {
		return PushResult{}, &PushRefused{Problems: problems}
	}
	first := map[string]bool{}
	for i := range ops {
		slug := ops[i].Slug
		switch ops[i].Kind {
		case store.OpPut:
			slug = ops[i].Change.Post.Slug
		case store.OpFile:
			slug = ops[i].File.Path // a path starts with a slash, a slug never does
		}
		if !first[slug] {
			first[slug] = true
			rev := revs[slug]
			ops[i].IfRev = &rev
		}
	}
	if b.Reviewing() {
		return b.pushForReview(ctx, id, ops)
	}
	var entries []store.Entry
	var err error
	bt, ok := b.st.(store.Batcher)
	if ok {
		entries, err = bt.Batch(ctx, ops)
	}
	if !ok || errors.Is(err, store.ErrBatchTooLarge) {
		entries, err = b.pushOneByOne(ctx, ops)
	}
	if err != nil {
		return PushResult{}, b.pushError(err)
	}
	var res PushResult
	for i, op := range ops {
		e := entries[i]
		switch op.Kind {
		case store.OpPut:
			res.Lines = append(res.Lines, fmt.Sprintf("published %s rev %d", e.Slug, e.Rev))
			b.addAliases(ctx, e.Slug, op.Change.Post.Aliases)
		case store.OpRemove:
			res.Lines = append(res.Lines, fmt.Sprintf("removed %s rev %d", e.Slug, e.Rev))
		case store.OpRename:
			res.Lines = append(res.Lines, fmt.Sprintf("renamed %s to %s rev %d", op.Slug, e.Slug, e.Rev))
			b.renameStats(ctx, op.Slug, e.Slug)
		case store.OpFile:
			res.Lines = append(res.Lines, fileLine(op.File, e.Rev))
		}
	}
	b.log.Info("write", "action", "push", "changes", len(ops), "author", id.Author)
	return res, nil
}

// fileLine words what a push did to a file.
func fileLine(c store.FileChange, rev uint64) string {
	switch c.Action {
	case store.Removed:
		return fmt.Sprintf("removed file %s rev %d", c.Path, rev)
	case store.Renamed:
		return fmt.Sprintf("moved file %s away rev %d", c.Path, rev)
	}
	return fmt.Sprintf("stored file %s rev %d", c.Path, rev)
}

// CheckPush returns why each change of a push that Push would refuse is
// refused, as Push words it, storing nothing.
func (b *Service) CheckPush(ctx context.Context, id Identity, changes []PushChange) []string {
	_, problems := b.pushOps(ctx, id, changes)
	return problems
}

// pushOps turns a push's changes into store operations, or says why each
// refused one is refused. Files are checked as PutFiles checks them (their
// paths, max-file-size, their bytes against their names), and all the new
// bytes of the push together against max-media.
func (b *Service) pushOps(ctx context.Context, id Identity, changes []PushChange) ([]store.Op, []string) {
	var ops []store.Op
	var problems []string
	added := map[string]bool{}
	var more int64
	fileOp := func(c PushChange, p string) bool {
		f, err := b.filePushChange(id, p, c.Source)
		if err != nil {
			problems = append(problems, c.Path+": "+strings.TrimPrefix(errorText(err), p+": "))
			return false
		}
		if !added[f.File.Hash] {
			added[f.File.Hash] = true
			if have, err := b.st.HasFileData(ctx, f.File.Hash); err != nil {
				problems = append(problems, c.Path+": "+err.Error())
				return false
			} else if !have {
				more += f.File.Size
			}
		}
		ops = append(ops, store.Op{Kind: store.OpFile, File: f})
		return true
	}
	for _, c := range changes {
		switch c.Kind {
		case PushFile:
			fileOp(c, c.Slug)
		case PushFileRemove:
			p, err := FilePath(c.Slug)
			if err != nil {
				problems = append(problems, c.Path+": "+errorText(err))
				continue
			}
			ops = append(ops, store.Op{Kind: store.OpFile, File: store.FileChange{Path: p, Author: id.Author, Action: store.Removed}})
		case PushFileRename:
			p, err := FilePath(c.Slug)
			if err != nil {
				problems = append(problems, c.Path+": "+errorText(err))
				continue
			}
			n := len(ops)
			ops = append(ops, store.Op{Kind: store.OpFile, File: store.FileChange{Path: p, Author: id.Author, Action: store.Renamed}})
			if !fileOp(c, c.NewSlug) {
				ops = ops[:n]
			}
		case PushPublish:
			p, err := b.parse(c.Source, c.Slug) // the file's name is the slug, as over scp
			if err != nil {
				problems = append(problems, c.Path+": "+err.Error())
				continue
			}
			ops = append(ops, store.Op{Kind: store.OpPut, Change: store.Change{Post: p, Author: id.Author}})
		case PushRemove:
			ops = append(ops, store.Op{Kind: store.OpRemove, Slug: c.Slug, Author: id.Author})
		case PushRename:
			if err := store.CheckRename(c.Slug, c.NewSlug); err != nil {
				problems = append(problems, c.Path+": "+err.Error())
				continue
			}
			ops = append(ops, store.Op{Kind: store.OpRename, Slug: c.Slug, NewSlug: c.NewSlug, Author: id.Author})
		default:
			problems = append(problems, c.Path+": unknown change")
		}
	}
	if have := b.st.MediaSize(); more > 0 && have+more > b.maxMedia() {
		problems = append(problems, fmt.Sprintf("the push's files would make the blog's files take %s; max-media is %s",
			humanize.IBytes(uint64(have+more)), humanize.IBytes(uint64(b.maxMedia()))))
	}
	return ops, problems
}

// filePushChange checks a file of a push, at the blog's path p, as
// PutFiles does, and returns its change.
func (b *Service) filePushChange(id Identity, p string, data []byte) (store.FileChange, error) {
	p, info, err := b.checkFile(NewFile{Path: p, Data: data})
	if err != nil {
		return store.FileChange{}, err
	}
	return store.FileChange{
		Path: p, Author: id.Author, Data: data,
		File: store.File{Hash: store.HashOf(data), Size: int64(len(data)), Type: info.Type, Width: info.Width, Height: info.Height},
	}, nil
}

// errorText is what err says, without the blog's kind of error.
func errorText(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	return err.Error()
}

// pushOneByOne writes ops one at a time, for a store without batches
// (etcd): a failure part way says how many were stored.
func (b *Service) pushOneByOne(ctx context.Context, ops []store.Op) ([]store.Entry, error) {
	out := make([]store.Entry, len(ops))
	for i, op := range ops {
		var e store.Entry
		var err error
		switch op.Kind {
		case store.OpPut:
			c := op.Change
			c.IfRev = op.IfRev
			e, err = b.st.Put(ctx, c)
		case store.OpRemove:
			e, err = b.st.Remove(ctx, op.Slug, op.Author, op.IfRev)
		case store.OpRename:
			e, err = b.st.Rename(ctx, op.Slug, op.NewSlug, op.Author)
		case store.OpFile:
			e, err = b.putFileOp(ctx, op)
		}
		if err != nil {
			if i == 0 {
				return nil, err
			}
			return nil, &store.ImportStopped{Done: i, Total: len(ops), Err: err}
		}
		out[i] = e
	}
	return out, nil
}

// pushForReview stores a push's publishes as proposals, and makes its
// removals and renames, which are not reviewed.
func (b *Service) pushForReview(ctx context.Context, id Identity, ops []store.Op) (PushResult, error) {
	var res PushResult
	for _, op := range ops {
		switch op.Kind {
		case store.OpPut:
			p := op.Change.Post
			if _, same := b.unchanged(ctx, p, nil); same {
				continue
			}
			pub, err := b.propose(ctx, id, p, op.IfRev)
			if err != nil {
				return res, err
			}
			res.Lines = append(res.Lines, fmt.Sprintf("proposed %s rev %d (needs a review)", p.Slug, pub.Proposal.N))
		case store.OpRemove:
			e, err := b.Remove(ctx, id, op.Slug, op.IfRev)
			if err != nil {
				return res, err
			}
			res.Lines = append(res.Lines, fmt.Sprintf("removed %s rev %d", e.Slug, e.Rev))
		case store.OpRename:
			e, err := b.Rename(ctx, id, op.Slug, op.NewSlug)
			if err != nil {
				return res, err
			}
			res.Lines = append(res.Lines, fmt.Sprintf("renamed %s to %s rev %d", op.Slug, e.Slug, e.Rev))
		case store.OpFile:
			// Files are not reviewed, as over scp: they are stored.
			e, err := b.putFileOp(ctx, op)
			if err != nil {
				return res, b.fileStoreError("storing", op.File.Path, err)
			}
			res.Lines = append(res.Lines, fileLine(op.File, e.Rev))
		}
	}
	return res, nil
}

// putFileOp stores one file change of a push on its own.
func (b *Service) putFileOp(ctx context.Context, op store.Op) (store.Entry, error) {
	c := op.File
	c.IfRev = op.IfRev
	es, err := b.st.PutFiles(ctx, []store.FileChange{c})
	if err != nil {
		return store.Entry{}, err
	}
	return store.FileOpEntry(es[0]), nil
}

// pushError words a push's store error.
func (b *Service) pushError(err error) error {
	var stopped *store.ImportStopped
	if errors.As(err, &stopped) {
		return &Error{Kind: ErrStorage, Msg: err.Error(), Err: err}
	}
	if errors.Is(err, store.ErrConflict) {
		return &Error{Kind: ErrConflict, Msg: "the blog changed since your fetch: " + err.Error(), Err: err}
	}
	return b.storeError("pushing", "the posts", err)
}

// MaxImport returns the most a bulk write (an import, a push) may send, in
// bytes; 0 means no limit beyond the posts'.
func (b *Service) MaxImport() int64 { return b.cfg.MaxImport }
