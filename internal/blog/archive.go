package blog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/sshblog/sshblog/internal/archive"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// The rules over the blog's archives, whose format is package archive's:
// who may export, import and back up, and what an import stores.

// Export writes every post and every revision of it, the aliases, and the
// current bytes of every file at its path, as a tar archive that Import
// reads back. Only authors may export.
func (b *Service) Export(ctx context.Context, id Identity, w io.Writer) error {
	if err := b.author(id); err != nil {
		return err
	}
	aw := archive.NewWriter(w)
	var newest time.Time // the archive's own files carry it, so that exports of the same blog are equal
	for _, e := range b.st.AllEntries() {
		if e.Updated.After(newest) {
			newest = e.Updated
		}
		if err := b.exportPost(ctx, aw, e); err != nil {
			return away(err)
		}
	}
	if err := aw.WriteAliases(b.st.Aliases(), newest); err != nil {
		return err
	}
	for _, f := range b.st.Files() {
		if f.Removed {
			continue
		}
		data, err := b.st.FileData(ctx, f.Hash)
		if err != nil {
			return away(fmt.Errorf("exporting %s: %w", f.Path, err))
		}
		if err := aw.WriteFile(f.Path, data, f.Updated); err != nil {
			return err
		}
	}
	return aw.Close()
}

// exportPost writes every revision of e, and its current markdown.
func (b *Service) exportPost(ctx context.Context, aw *archive.Writer, e store.Entry) error {
	revs, err := b.st.History(ctx, e.Slug)
	if err != nil {
		return fmt.Errorf("exporting %s: %w", e.Slug, err)
	}
	for _, r := range revs {
		full, err := b.st.Revision(ctx, e.Slug, r.Rev)
		if err != nil {
			return fmt.Errorf("exporting %s: %w", e.Slug, err)
		}
		r.Slug, r.Source = e.Slug, full.Source
		if err := aw.WriteRevision(r); err != nil {
			return err
		}
		if r.Rev == e.Rev && !e.Removed {
			if err := aw.WritePost(e.Slug, r.Source, r.Time); err != nil {
				return err
			}
		}
	}
	return nil
}

// Backup writes a consistent copy of the database to w. Authors and the
// server's operator may take one.
func (b *Service) Backup(ctx context.Context, id Identity, w io.Writer) (int64, error) {
	if !id.Operator {
		if err := b.author(id); err != nil {
			return 0, err
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, err := b.st.WriteTo(w)
	if errors.Is(err, store.ErrAway) {
		return n, away(err)
	}
	if err != nil {
		return n, fmt.Errorf("copying the database: %w", err)
	}
	b.log.Info("backup", "bytes", n, "who", id.String())
	return n, nil
}

// ImportProgress is how far an import has read.
type ImportProgress = archive.Progress

// ImportOptions say how Import reports and confirms.
type ImportOptions struct {
	// Progress, when set, is called at most once every ProgressEvery while
	// the archive is read.
	Progress func(ImportProgress)
	// ProgressEvery is the least time between two Progress calls; 0 is a
	// second.
	ProgressEvery time.Duration
	// Confirm, when set, is called once the whole archive has been read and
	// before anything is stored: an error stops the import there. A front
	// end that reads from a connection checks that the sender is still
	// there, so that an archive cut short is never taken for a whole one.
	Confirm func() error
}

// ImportResult is what an import did.
type ImportResult struct {
	Imported int      // posts stored or restored
	Proposed int      // posts stored as proposals, when the blog requires a review
	Files    int      // files (images, attachments) stored
	Skipped  []string // "PATH: reason", one for each file left out
	Ignored  int      // files that are neither posts nor files the blog keeps
	// Missing names each image a post shows that neither the archive nor
	// the blog has: "PATH: image REF not in the archive".
	Missing []string
}

// Import reads an archive (tar or gzipped tar: an Astro, Hugo or Jekyll
// content folder, or an Export) and stores its posts as id's author. A post
// that exists gets a new revision; an exported history of a post that does
// not exist is restored with its revisions. Only problems with the archive
// as a whole are errors; a bad file inside it is skipped with its reason.
func (b *Service) Import(ctx context.Context, id Identity, r io.Reader, opts ImportOptions) (ImportResult, error) {
	if err := b.author(id); err != nil {
		return ImportResult{}, err
	}
	set, err := archive.Read(r, archive.Options{
		MaxSize:       b.cfg.MaxImport,
		MaxPostSize:   b.cfg.MaxPostSize,
		MaxFileSize:   b.maxFileSize(),
		Progress:      opts.Progress,
		ProgressEvery: opts.ProgressEvery,
	})
	if err != nil {
		return ImportResult{}, b.archiveError(err)
	}
	if opts.Confirm != nil {
		if err := opts.Confirm(); err != nil {
			return ImportResult{}, err
		}
	}
	res := ImportResult{Skipped: set.Skipped, Ignored: set.Ignored}
	files, err := b.importFiles(ctx, id, set, &res)
	if err != nil {
		return ImportResult{}, err
	}
	if b.Reviewing() {
		// Files are not reviewed: they show only where a post names them.
		if len(files) > 0 {
			es, err := b.st.PutFiles(ctx, files)
			if err != nil {
				return ImportResult{}, b.fileStoreError("importing", "the files", err)
			}
			res.Files = len(es)
		}
		b.proposeImport(ctx, id, set, &res)
		return res, nil
	}
	in, plan := b.importPlan(id, set, &res)
	in.Files = files
	out, err := b.st.Import(ctx, in)
	plan.result(in, out, &res)
	res.Files = len(out.Files)
	if err != nil {
		var stopped *store.ImportStopped
		if errors.As(err, &stopped) {
			why := b.storeError("importing", "the posts", stopped.Err)
			b.log.Warn("import stopped part way", "stored", stopped.Done, "of", stopped.Total, "imported", res.Imported, "author", id.Author, "err", err)
			return res, &Error{Kind: ErrStorage, Msg: fmt.Sprintf("the import stopped after %d of %d writes, which stay stored: %v", stopped.Done, stopped.Total, why), Err: err}
		}
		b.log.Warn("import failed; nothing was stored", "posts", len(in.Restores)+len(in.Changes), "author", id.Author, "err", err)
		return ImportResult{}, b.storeError("importing", "the posts", err)
	}
	b.log.Info("write", "action", "import", "imported", res.Imported, "files", res.Files, "skipped", len(res.Skipped), "missing", len(res.Missing), "author", id.Author)
	return res, nil
}

// importPlan is what an import of set asks the store to write, and how to
// word what became of each part; the files that do not parse are skipped
// in res at once.
func (b *Service) importPlan(id Identity, set *archive.Contents, res *ImportResult) (store.Import, importPlan) {
	var in store.Import
	var plan importPlan
	restored := map[string]bool{}
	for _, slug := range slices.Sorted(maps.Keys(set.Histories)) {
		revs := set.Histories[slug]
		if _, exists := b.st.Entry(slug); exists {
			continue // left to its posts/SLUG.md, if any, which becomes a new revision of it
		}
		meta, err := b.restoredMeta(slug, revs)
		if err != nil {
			res.Skipped = append(res.Skipped, fmt.Sprintf("revisions/%s: %v", slug, err))
			continue
		}
		in.Restores = append(in.Restores, store.Restoring{Slug: slug, Revs: revs, Meta: meta})
		restored[slug] = true
	}
	for _, f := range set.Posts {
		if restored[f.Slug] {
			continue
		}
		p, err := b.parse(f.Source, f.Slug)
		if err != nil {
			res.Skipped = append(res.Skipped, f.Path+": "+err.Error())
			continue
		}
		in.Changes = append(in.Changes, store.Change{Post: p, Author: id.Author})
		plan.paths = append(plan.paths, f.Path)
		// The post's old names (front matter aliases, and its slug there
		// when the file named it otherwise) keep leading to it.
		for _, a := range b.newAliases(p.Slug, p.Aliases) {
			in.Aliases = append(in.Aliases, [2]string{a, p.Slug})
		}
	}
	plan.frontMatter = len(in.Aliases)
	in.Aliases = append(in.Aliases, set.Aliases...)
	return in, plan
}

// importPlan words the outcome of an import.
type importPlan struct {
	paths       []string // the file of each change
	frontMatter int      // the aliases from front matter, before the archive's own
}

// result adds what out says became of in to res.
func (p importPlan) result(in store.Import, out store.ImportOutcome, res *ImportResult) {
	for i, err := range out.Restored {
		if err != nil {
			res.Skipped = append(res.Skipped, fmt.Sprintf("revisions/%s: %v", in.Restores[i].Slug, err))
			continue
		}
		res.Imported++
	}
	for i, o := range out.Changes {
		switch {
		case o.Err != nil:
			res.Skipped = append(res.Skipped, p.paths[i]+": "+o.Err.Error())
		case o.Unchanged:
			res.Skipped = append(res.Skipped, p.paths[i]+": unchanged")
		case o.Entry.Rev != 0:
			res.Imported++
		}
	}
	for i, err := range out.Aliases {
		if err != nil && i >= p.frontMatter { // a front matter alias that leads elsewhere is left alone
			res.Skipped = append(res.Skipped, archive.AliasesFile+": "+err.Error())
		}
	}
}

// restoredMeta checks an exported history of slug, oldest first, and
// returns the metadata of its last revision that is not a removal.
func (b *Service) restoredMeta(slug string, revs []store.Revision) (post.Meta, error) {
	var meta post.Meta
	for _, r := range revs {
		if r.Action == store.Removed {
			continue
		}
		p, err := b.parseStored(r.Source, slug)
		if err != nil {
			return post.Meta{}, fmt.Errorf("revision %d: %w", r.Rev, err)
		}
		meta = p.Meta
	}
	return meta, nil
}

// archiveError words an error of archive.Read as a refusal.
func (b *Service) archiveError(err error) error {
	if errors.Is(err, archive.ErrTooLarge) {
		msg := fmt.Sprintf("the archive is larger than %s (the import limit)", post.FormatSize(b.cfg.MaxImport))
		return &Error{Kind: ErrTooLarge, Msg: msg, Err: err}
	}
	return &Error{Kind: ErrInvalid, Msg: err.Error(), Err: err}
}

// proposeImport stores each post of set that differs from what readers see
// as a proposal: with review required, an import is reviewed post by post.
// Exported histories are not restored; their current text is proposed.
func (b *Service) proposeImport(ctx context.Context, id Identity, set *archive.Contents, res *ImportResult) {
	for slug := range set.Histories {
		if !slices.ContainsFunc(set.Posts, func(f archive.File) bool { return f.Slug == slug }) {
			res.Skipped = append(res.Skipped, "revisions/"+slug+": histories are not restored while review is required")
		}
	}
	for _, f := range set.Posts {
		p, err := b.parse(f.Source, f.Slug)
		if err != nil {
			res.Skipped = append(res.Skipped, f.Path+": "+err.Error())
			continue
		}
		if _, same := b.unchanged(ctx, p, nil); same {
			res.Skipped = append(res.Skipped, f.Path+": unchanged")
			continue
		}
		if _, err := b.propose(ctx, id, p, nil); err != nil {
			res.Skipped = append(res.Skipped, f.Path+": "+err.Error())
			continue
		}
		res.Proposed++
	}
	b.log.Info("write", "action", "import", "proposed", res.Proposed, "skipped", len(res.Skipped), "author", id.Author)
}
