package blog

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// PAX records that carry a revision's history in an export.
const (
	paxRev    = "SSHBLOG.rev"
	paxAuthor = "SSHBLOG.author"
	paxAction = "SSHBLOG.action"
)

// aliasesFile lists OLD<TAB>NEW lines in an export.
const aliasesFile = "aliases.tsv"

// Export writes every post and every revision of it, and the aliases, as a
// tar archive that Import reads back. Only authors may export.
func (b *Service) Export(ctx context.Context, id Identity, w io.Writer) error {
	if !id.IsAuthor() {
		return refuse(ErrNotAuthor, "%s", ErrNotAuthor)
	}
	tw := tar.NewWriter(w)
	var newest time.Time // the archive's own files carry it, so that exports of the same blog are equal
	for _, e := range b.st.AllEntries() {
		if e.Updated.After(newest) {
			newest = e.Updated
		}
		if err := b.exportPost(ctx, tw, e); err != nil {
			return err
		}
	}
	var aliases strings.Builder
	for _, a := range b.st.Aliases() {
		fmt.Fprintf(&aliases, "%s\t%s\n", a[0], a[1])
	}
	if err := writeFile(tw, fileHeader(aliasesFile, aliases.Len(), newest), []byte(aliases.String())); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("writing the archive: %w", err)
	}
	return nil
}

// exportPost writes every revision of e, and its current markdown.
func (b *Service) exportPost(ctx context.Context, tw *tar.Writer, e store.Entry) error {
	revs, err := b.st.History(ctx, e.Slug)
	if err != nil {
		return fmt.Errorf("exporting %s: %w", e.Slug, err)
	}
	for _, r := range revs {
		full, err := b.st.Revision(ctx, e.Slug, r.Rev)
		if err != nil {
			return fmt.Errorf("exporting %s: %w", e.Slug, err)
		}
		hdr := fileHeader(fmt.Sprintf("revisions/%s/%06d.md", e.Slug, r.Rev), len(full.Source), r.Time)
		hdr.PAXRecords = map[string]string{paxRev: strconv.FormatUint(r.Rev, 10), paxAuthor: r.Author, paxAction: string(r.Action)}
		if err := writeFile(tw, hdr, full.Source); err != nil {
			return err
		}
		if r.Rev == e.Rev && !e.Removed {
			if err := writeFile(tw, fileHeader("posts/"+e.Slug+".md", len(full.Source), r.Time), full.Source); err != nil {
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
		return 0, refuse(ErrNotAuthor, "%s", ErrNotAuthor)
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

// fileHeader is the tar header of a regular file in an export.
func fileHeader(name string, size int, mtime time.Time) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(size), ModTime: mtime, Format: tar.FormatPAX}
}

// writeFile writes one file to an archive.
func writeFile(tw *tar.Writer, hdr *tar.Header, data []byte) error {
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing the archive: %w", err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("writing the archive: %w", err)
	}
	return nil
}

// ImportProgress is how far an import has read.
type ImportProgress struct {
	Posts   int   // markdown files read so far
	Skipped int   // files skipped so far
	Bytes   int64 // bytes of the archive read so far, as sent
}

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
		return ImportResult{}, refuse(ErrNotAuthor, "%s", ErrNotAuthor)
	}
	limit := b.cfg.MaxImport
	if limit <= 0 {
		limit = 1<<63 - 2
	}
	set, err := readArchive(r, limit, b.cfg.MaxPostSize, newProgress(opts))
	if err != nil {
		return ImportResult{}, err
	}
	if opts.Confirm != nil {
		if err := opts.Confirm(); err != nil {
			return ImportResult{}, err
		}
	}
	res := ImportResult{Skipped: set.skipped, Ignored: set.ignored}
	if b.Reviewing() {
		b.proposeImport(ctx, id, set, &res)
		return res, nil
	}
	restored := map[string]bool{}
	for slug, revs := range set.histories {
		if _, exists := b.st.Entry(slug); exists {
			continue // the post exists: its posts/SLUG.md, if any, becomes a new revision instead
		}
		if err := b.restore(ctx, slug, revs); err != nil {
			res.Skipped = append(res.Skipped, fmt.Sprintf("revisions/%s: %v", slug, err))
			continue
		}
		restored[slug] = true
		res.Imported++
	}
	var changes []store.Change
	var paths []string
	for _, f := range set.files {
		if restored[f.slug] {
			continue
		}
		p, err := post.Parse(f.src, post.Options{Slug: f.slug, Location: b.cfg.Location, MaxSize: int(b.cfg.MaxPostSize)})
		if err != nil {
			res.Skipped = append(res.Skipped, f.path+": "+err.Error())
			continue
		}
		changes = append(changes, store.Change{Post: p, Author: id.Author})
		paths = append(paths, f.path)
	}
	outcomes, err := b.st.PutMany(ctx, changes)
	if err != nil {
		return ImportResult{}, b.storeError("importing", "the posts", err)
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
	for _, a := range set.aliases {
		if err := b.st.AddAlias(ctx, a[0], a[1]); err != nil {
			res.Skipped = append(res.Skipped, aliasesFile+": "+err.Error())
		}
	}
	b.log.Info("write", "action", "import", "imported", res.Imported, "skipped", len(res.Skipped), "author", id.Author)
	return res, nil
}

// proposeImport stores each post of set that differs from what readers see
// as a proposal: with review required, an import is reviewed post by post.
// Exported histories are not restored; their current text is proposed.
func (b *Service) proposeImport(ctx context.Context, id Identity, set *importSet, res *ImportResult) {
	for slug := range set.histories {
		if !slices.ContainsFunc(set.files, func(f importFile) bool { return f.slug == slug }) {
			res.Skipped = append(res.Skipped, "revisions/"+slug+": histories are not restored while review is required")
		}
	}
	for _, f := range set.files {
		p, err := b.parse(f.src, f.slug)
		if err != nil {
			res.Skipped = append(res.Skipped, f.path+": "+err.Error())
			continue
		}
		if cur, err := b.st.Get(ctx, p.Slug); err == nil && bytes.Equal(cur.Source, p.Source) {
			res.Skipped = append(res.Skipped, f.path+": unchanged")
			continue
		}
		if _, err := b.propose(ctx, id, p, nil); err != nil {
			res.Skipped = append(res.Skipped, f.path+": "+err.Error())
			continue
		}
		res.Proposed++
	}
	b.log.Info("write", "action", "import", "proposed", res.Proposed, "skipped", len(res.Skipped), "author", id.Author)
}

// restore writes an exported history of slug into the store.
func (b *Service) restore(ctx context.Context, slug string, revs []importedRevision) error {
	slices.SortFunc(revs, func(x, y importedRevision) int { return int(x.rev.Rev) - int(y.rev.Rev) })
	var meta post.Meta
	out := make([]store.Revision, len(revs))
	for i, r := range revs {
		out[i] = r.rev
		out[i].Slug = slug
		if r.rev.Action == store.Removed {
			continue
		}
		p, err := post.Parse(r.rev.Source, post.Options{Slug: slug, Location: b.cfg.Location})
		if err != nil {
			return fmt.Errorf("revision %d: %w", r.rev.Rev, err)
		}
		meta = p.Meta
	}
	_, err := b.st.Restore(ctx, slug, out, meta)
	return err
}

// importFile is one markdown file found in an archive.
type importFile struct {
	path string
	slug string
	src  []byte
}

// importedRevision is one revision of an exported history.
type importedRevision struct {
	path string
	rev  store.Revision
}

// importSet is everything read from an archive, before anything is stored.
type importSet struct {
	files     []importFile
	histories map[string][]importedRevision
	aliases   [][2]string
	skipped   []string // "PATH: reason"
	ignored   int      // files that are not markdown
}

// progress reports an import's reading at most once per interval.
type progress struct {
	report func(ImportProgress)
	every  time.Duration
	last   time.Time
	now    ImportProgress
}

// newProgress returns the reporter opts asks for, or nil.
func newProgress(opts ImportOptions) *progress {
	if opts.Progress == nil {
		return nil
	}
	every := opts.ProgressEvery
	if every <= 0 {
		every = time.Second
	}
	return &progress{report: opts.Progress, every: every, last: time.Now()}
}

// update records how far reading got, and reports it if it is time.
func (p *progress) update(set *importSet, sent int64) {
	if p == nil {
		return
	}
	p.now = ImportProgress{Posts: len(set.files) + countRevisions(set.histories), Skipped: len(set.skipped), Bytes: sent}
	if t := time.Now(); t.Sub(p.last) >= p.every {
		p.last = t
		p.report(p.now)
	}
}

// countRevisions counts the revisions of exported histories read so far.
func countRevisions(h map[string][]importedRevision) int {
	n := 0
	for _, revs := range h {
		n += len(revs)
	}
	return n
}

// errArchiveTooLarge is the refusal of an archive over the import limit.
func errArchiveTooLarge(limit int64) error {
	return refuse(ErrTooLarge, "the archive is larger than %s (the import limit)", post.FormatSize(limit))
}

// readArchive reads an archive (tar, or gzipped tar) of at most limit bytes,
// keeping markdown files of at most maxPost bytes. The limit holds for the
// archive as sent and as unpacked, so a gzip bomb stops at the limit too.
func readArchive(r io.Reader, limit, maxPost int64, prog *progress) (*importSet, error) {
	raw := &io.LimitedReader{R: r, N: limit + 1}
	br := bufio.NewReader(raw)
	var unpacked io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, refuse(ErrInvalid, "reading the gzip stream: %v", err)
		}
		unpacked = zr
	}
	in := &io.LimitedReader{R: unpacked, N: limit + 1}
	over := func() bool { return raw.N <= 0 || in.N <= 0 }
	set := &importSet{histories: map[string][]importedRevision{}}
	seen := map[string]string{} // slug -> path it came from
	tr := tar.NewReader(in)
	for {
		prog.update(set, limit+1-raw.N)
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if over() {
				return nil, errArchiveTooLarge(limit)
			}
			return nil, refuse(ErrInvalid, "reading the archive: %v", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := set.add(tr, hdr, maxPost, seen); err != nil {
			if over() {
				return nil, errArchiveTooLarge(limit)
			}
			set.skipped = append(set.skipped, err.Error())
		}
	}
	if over() {
		return nil, errArchiveTooLarge(limit)
	}
	return set, nil
}

// add reads the file hdr heads in tr into the set. An error says why the
// file is skipped, starting with its name.
func (set *importSet) add(tr *tar.Reader, hdr *tar.Header, maxPost int64, seen map[string]string) error {
	name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
	if name == aliasesFile {
		if hdr.Size > post.MaxSize {
			return fmt.Errorf("%s: %w", name, post.TooLarge(post.MaxSize))
		}
		data, err := readEntry(tr, hdr.Size)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		set.aliases = parseAliases(string(data))
		return nil
	}
	slug, err := post.SlugFromFileName(name)
	if err != nil {
		if !isMarkdown(name) {
			set.ignored++
			return nil
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	if hdr.Size > maxPost {
		return fmt.Errorf("%s: %w", name, post.TooLarge(maxPost))
	}
	data, err := readEntry(tr, hdr.Size)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if revText, ok := hdr.PAXRecords[paxRev]; ok && strings.HasPrefix(name, "revisions/") {
		rev, err := strconv.ParseUint(revText, 10, 64)
		histSlug := path.Base(path.Dir(name))
		if err != nil || post.CheckSlug(histSlug) != nil {
			return fmt.Errorf("%s: not a revision of an export", name)
		}
		set.histories[histSlug] = append(set.histories[histSlug], importedRevision{path: name, rev: store.Revision{
			Rev: rev, Author: hdr.PAXRecords[paxAuthor], Action: store.Action(hdr.PAXRecords[paxAction]), Time: hdr.ModTime, Source: data,
		}})
		return nil
	}
	if first, dup := seen[slug]; dup {
		return fmt.Errorf("%s: the slug %s is taken by %s", name, slug, first)
	}
	seen[slug] = name
	set.files = append(set.files, importFile{path: name, slug: slug, src: data})
	return nil
}

// readEntry reads the current file of tr, size bytes as its header says
// (and as tar.Reader makes it), into memory of exactly that size: no
// growing, so no garbage. The caller bounds size.
func readEntry(tr *tar.Reader, size int64) ([]byte, error) {
	if size < 0 { // tar.Reader refuses these; never make a negative slice
		return nil, fmt.Errorf("reading the file: negative size %d", size)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(tr, data); err != nil {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	return data, nil
}

// isMarkdown reports whether a file name is a markdown file's.
func isMarkdown(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".md", ".mdx", ".markdown":
		return true
	}
	return false
}

// parseAliases reads OLD<TAB>NEW lines.
func parseAliases(text string) [][2]string {
	var out [][2]string
	for line := range strings.Lines(text) {
		old, slug, ok := strings.Cut(strings.TrimSpace(line), "\t")
		if ok && post.CheckSlug(old) == nil && post.CheckSlug(slug) == nil {
			out = append(out, [2]string{old, slug})
		}
	}
	return out
}
