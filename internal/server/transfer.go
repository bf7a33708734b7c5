package server

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
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
	"github.com/sshblog/sshblog/internal/termtext"
)

// PAX records that carry a revision's history in an export.
const (
	paxRev    = "SSHBLOG.rev"
	paxAuthor = "SSHBLOG.author"
	paxAction = "SSHBLOG.action"
)

// aliasesFile lists OLD<TAB>NEW lines in an export.
const aliasesFile = "aliases.tsv"

func cmdExport(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments; redirect stdout to a file: ssh HOST export > blog.tar"}
	}
	tw := tar.NewWriter(c.stdout)
	var newest time.Time // the archive's own files carry it, so that exports of the same blog are equal
	for _, e := range c.s.store.AllEntries() {
		if e.Updated.After(newest) {
			newest = e.Updated
		}
		revs, err := c.s.store.History(c.ctx, e.Slug)
		if err != nil {
			return fmt.Errorf("exporting %s: %w", e.Slug, err)
		}
		for _, r := range revs {
			full, err := c.s.store.Revision(c.ctx, e.Slug, r.Rev)
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
	}
	var aliases strings.Builder
	for _, a := range c.s.store.Aliases() {
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

func cmdImport(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments; feed the archive on stdin: ssh HOST import < blog.tar"}
	}
	set, err := readImport(c.sess, c.s.cfg.MaxImport, c.s.cfg.MaxPostSize)
	if err != nil {
		return err
	}
	if err := c.alive(); err != nil {
		return err
	}
	imported := 0
	restored := map[string]bool{}
	for slug, revs := range set.histories {
		if _, exists := c.s.store.Entry(slug); exists {
			continue // the post exists: its posts/SLUG.md, if any, becomes a new revision instead
		}
		if err := c.restore(slug, revs); err != nil {
			set.skipped = append(set.skipped, fmt.Sprintf("revisions/%s: %v", slug, err))
			continue
		}
		restored[slug] = true
		imported++
	}
	var changes []store.Change
	var paths []string
	for _, f := range set.files {
		if restored[f.slug] {
			continue
		}
		p, err := post.Parse(f.src, post.Options{Slug: f.slug, Location: c.s.cfg.Location, MaxSize: int(c.s.cfg.MaxPostSize)})
		if err != nil {
			set.skipped = append(set.skipped, f.path+": "+err.Error())
			continue
		}
		changes = append(changes, store.Change{Post: p, Author: c.id.Author})
		paths = append(paths, f.path)
	}
	outcomes, err := c.s.store.PutMany(c.ctx, changes)
	if err != nil {
		return err
	}
	for i, o := range outcomes {
		switch {
		case o.Err != nil:
			set.skipped = append(set.skipped, paths[i]+": "+o.Err.Error())
		case o.Unchanged:
			set.skipped = append(set.skipped, paths[i]+": unchanged")
		default:
			imported++
		}
	}
	for _, a := range set.aliases {
		if err := c.s.store.AddAlias(c.ctx, a[0], a[1]); err != nil {
			set.skipped = append(set.skipped, aliasesFile+": "+err.Error())
		}
	}
	c.s.log.Info("write", "action", "import", "imported", imported, "skipped", len(set.skipped), "author", c.id.Author)
	var b strings.Builder
	for _, s := range set.skipped {
		b.WriteString("skipped " + termtext.SanitizeLine(s) + "\n")
	}
	if set.ignored > 0 {
		fmt.Fprintf(&b, "ignored %d files that are not markdown\n", set.ignored)
	}
	fmt.Fprintf(&b, "imported %d, skipped %d\n", imported, len(set.skipped))
	_, err = io.WriteString(c.stdout, b.String())
	return err
}

// restore writes an exported history of slug into the store.
func (c *call) restore(slug string, revs []importedRevision) error {
	slices.SortFunc(revs, func(a, b importedRevision) int { return int(a.rev.Rev) - int(b.rev.Rev) })
	var meta post.Meta
	out := make([]store.Revision, len(revs))
	for i, r := range revs {
		out[i] = r.rev
		out[i].Slug = slug
		if r.rev.Action == store.Removed {
			continue
		}
		p, err := post.Parse(r.rev.Source, post.Options{Slug: slug, Location: c.s.cfg.Location})
		if err != nil {
			return fmt.Errorf("revision %d: %w", r.rev.Rev, err)
		}
		meta = p.Meta
	}
	_, err := c.s.store.Restore(c.ctx, slug, out, meta)
	return err
}

// readImport reads an archive (tar, or gzipped tar) of at most limit bytes,
// keeping markdown files of at most maxPost bytes. The limit holds for the
// archive as sent and as unpacked, so a gzip bomb stops at the limit too.
// Only problems with the archive as a whole are errors; a bad file inside it
// is skipped with its reason.
func readImport(r io.Reader, limit, maxPost int64) (*importSet, error) {
	raw := &io.LimitedReader{R: r, N: limit + 1}
	br := bufio.NewReader(raw)
	var unpacked io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("reading the gzip stream: %w", err)
		}
		unpacked = zr
	}
	in := &io.LimitedReader{R: unpacked, N: limit + 1}
	over := func() bool { return raw.N <= 0 || in.N <= 0 }
	set := &importSet{histories: map[string][]importedRevision{}}
	seen := map[string]string{} // slug -> path it came from
	tr := tar.NewReader(in)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if over() {
				return nil, fmt.Errorf("the archive is larger than %d MiB (the import limit)", limit>>20)
			}
			return nil, fmt.Errorf("reading the archive: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if name == aliasesFile {
			if hdr.Size > post.MaxSize {
				set.skipped = append(set.skipped, name+": "+post.TooLarge(post.MaxSize).Error())
				continue
			}
			data, err := readEntry(tr, hdr.Size)
			if err != nil {
				if over() {
					return nil, fmt.Errorf("the archive is larger than %d MiB (the import limit)", limit>>20)
				}
				set.skipped = append(set.skipped, name+": "+err.Error())
				continue
			}
			set.aliases = parseAliases(string(data))
			continue
		}
		slug, err := post.SlugFromFileName(name)
		if err != nil {
			if isMarkdown(name) {
				set.skipped = append(set.skipped, name+": "+err.Error())
			} else {
				set.ignored++
			}
			continue
		}
		if hdr.Size > maxPost {
			set.skipped = append(set.skipped, name+": "+post.TooLarge(maxPost).Error())
			continue
		}
		data, err := readEntry(tr, hdr.Size)
		if err != nil {
			if over() {
				return nil, fmt.Errorf("the archive is larger than %d MiB (the import limit)", limit>>20)
			}
			set.skipped = append(set.skipped, name+": "+err.Error())
			continue
		}
		if revText, ok := hdr.PAXRecords[paxRev]; ok && strings.HasPrefix(name, "revisions/") {
			rev, err := strconv.ParseUint(revText, 10, 64)
			histSlug := path.Base(path.Dir(name))
			if err != nil || post.CheckSlug(histSlug) != nil {
				set.skipped = append(set.skipped, name+": not a revision of an export")
				continue
			}
			set.histories[histSlug] = append(set.histories[histSlug], importedRevision{path: name, rev: store.Revision{
				Rev: rev, Author: hdr.PAXRecords[paxAuthor], Action: store.Action(hdr.PAXRecords[paxAction]), Time: hdr.ModTime, Source: data,
			}})
			continue
		}
		if first, dup := seen[slug]; dup {
			set.skipped = append(set.skipped, fmt.Sprintf("%s: the slug %s is taken by %s", name, slug, first))
			continue
		}
		seen[slug] = name
		set.files = append(set.files, importFile{path: name, slug: slug, src: data})
	}
	if over() {
		return nil, fmt.Errorf("the archive is larger than %d MiB (the import limit)", limit>>20)
	}
	return set, nil
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
