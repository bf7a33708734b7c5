package blog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/sshblog/sshblog/internal/archive"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// The rules over the blog's archives, whose format is package archive's:
// who may export, import and back up, and what an import stores.

// Export writes every post and every revision of it, and the aliases, as a
// tar archive that Import reads back. Only authors may export.
func (b *Service) Export(ctx context.Context, id Identity, w io.Writer) error {
	if !id.IsAuthor() {
		return notAuthor()
	}
	aw := archive.NewWriter(w)
	var newest time.Time // the archive's own files carry it, so that exports of the same blog are equal
	for _, e := range b.st.AllEntries() {
		if e.Updated.After(newest) {
			newest = e.Updated
		}
		if err := b.exportPost(ctx, aw, e); err != nil {
			return err
		}
	}
	if err := aw.WriteAliases(b.st.Aliases(), newest); err != nil {
		return err
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
	if !id.IsAuthor() && !id.Operator {
		return 0, notAuthor()
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, err := b.st.WriteTo(w)
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
	Skipped  []string // "PATH: reason", one for each file left out
	Ignored  int      // files that are not markdown
}

// Import reads an archive (tar or gzipped tar: an Astro, Hugo or Jekyll
// content folder, or an Export) and stores its posts as id's author. A post
// that exists gets a new revision; an exported history of a post that does
// not exist is restored with its revisions. Only problems with the archive
// as a whole are errors; a bad file inside it is skipped with its reason.
func (b *Service) Import(ctx context.Context, id Identity, r io.Reader, opts ImportOptions) (ImportResult, error) {
	if !id.IsAuthor() {
		return ImportResult{}, notAuthor()
	}
	set, err := archive.Read(r, archive.Options{
		MaxSize:       b.cfg.MaxImport,
		MaxPostSize:   b.cfg.MaxPostSize,
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
	if b.Reviewing() {
		b.proposeImport(ctx, id, set, &res)
		return res, nil
	}
	restored := b.restoreHistories(ctx, set.Histories, &res)
	if err := b.importPosts(ctx, id, set.Posts, restored, &res); err != nil {
		return ImportResult{}, err
	}
	for _, a := range set.Aliases {
		if err := b.st.AddAlias(ctx, a[0], a[1]); err != nil {
			res.Skipped = append(res.Skipped, archive.AliasesFile+": "+err.Error())
		}
	}
	b.log.Info("write", "action", "import", "imported", res.Imported, "skipped", len(res.Skipped), "author", id.Author)
	return res, nil
}

// archiveError words an error of archive.Read as a refusal.
func (b *Service) archiveError(err error) error {
	if errors.Is(err, archive.ErrTooLarge) {
		msg := fmt.Sprintf("the archive is larger than %s (the import limit)", post.FormatSize(b.cfg.MaxImport))
		return &Error{Kind: ErrTooLarge, Msg: msg, Err: err}
	}
	return &Error{Kind: ErrInvalid, Msg: err.Error(), Err: err}
}

// restoreHistories stores the exported histories of posts that do not
// exist, and returns the slugs it restored. A post that exists is left to
// its posts/SLUG.md, if any, which becomes a new revision of it.
func (b *Service) restoreHistories(ctx context.Context, histories map[string][]store.Revision, res *ImportResult) map[string]bool {
	restored := map[string]bool{}
	for slug, revs := range histories {
		if _, exists := b.st.Entry(slug); exists {
			continue
		}
		if err := b.restore(ctx, slug, revs); err != nil {
			res.Skipped = append(res.Skipped, fmt.Sprintf("revisions/%s: %v", slug, err))
			continue
		}
		restored[slug] = true
		res.Imported++
	}
	return restored
}

// restore writes an exported history of slug, oldest first, into the store.
func (b *Service) restore(ctx context.Context, slug string, revs []store.Revision) error {
	var meta post.Meta
	for _, r := range revs {
		if r.Action == store.Removed {
			continue
		}
		p, err := b.parseStored(r.Source, slug)
		if err != nil {
			return fmt.Errorf("revision %d: %w", r.Rev, err)
		}
		meta = p.Meta
	}
	_, err := b.st.Restore(ctx, slug, revs, meta)
	return err
}

// importPosts stores each of files, save those of restored posts, as the
// next revision of its post, by id's author. Only a failure of the store as
// a whole is an error; a file that does not parse is skipped.
func (b *Service) importPosts(ctx context.Context, id Identity, files []archive.File, restored map[string]bool, res *ImportResult) error {
	var changes []store.Change
	var paths []string
	for _, f := range files {
		if restored[f.Slug] {
			continue
		}
		p, err := b.parse(f.Source, f.Slug)
		if err != nil {
			res.Skipped = append(res.Skipped, f.Path+": "+err.Error())
			continue
		}
		changes = append(changes, store.Change{Post: p, Author: id.Author})
		paths = append(paths, f.Path)
	}
	outcomes, err := b.st.PutMany(ctx, changes)
	if err != nil {
		return b.storeError("importing", "the posts", err)
	}
	for i, o := range outcomes {
		switch {
		case o.Err != nil:
			res.Skipped = append(res.Skipped, paths[i]+": "+o.Err.Error())
			continue
		case o.Unchanged:
			res.Skipped = append(res.Skipped, paths[i]+": unchanged")
		default:
			res.Imported++
		}
		// The post's old names (front matter aliases, and its slug there
		// when the file named it otherwise) keep leading to it.
		b.addAliases(ctx, o.Entry.Slug, changes[i].Post.Aliases)
	}
	return nil
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
