// Package archive reads and writes the blog's archives: the tar files that
// the export command writes and the import command reads. It knows the
// format and its bounds, not who may import or export, nor the store:
// package blog decides that, and stores what Read found.
//
// An export holds:
//
//	posts/SLUG.md                each post's current markdown (not a removed one's)
//	revisions/SLUG/NNNNNN.md     every revision of every post; its number,
//	                             author and action in PAX records, its time
//	                             as the file's
//	aliases.tsv                  OLD<TAB>NEW lines: the names that lead to a post
//	PATH                         each of the blog's files, at its path
//	                             (assets/posts/diagram.svg), its current bytes
//
// An import reads any tar or gzipped tar: an export, or an Astro, Hugo or
// Jekyll content folder, whose markdown files are named as
// post.SlugFromFileName reads them. Reading is bounded: the archive is
// counted as it streams in, both as sent and as unpacked (so a gzip bomb
// stops at the limit), and a markdown file over the post limit is skipped
// without being read.
package archive

import (
	"archive/tar"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sshblog/sshblog/internal/store"
)

// AliasesFile is the name of an export's list of aliases.
const AliasesFile = "aliases.tsv"

// PAX records that carry a revision's history in an export. They are
// extended attributes in the SCHILY.xattr form, which GNU tar, bsdtar and
// Python's tarfile all know, so that an export extracts without a warning
// (GNU tar warned three times a revision of an unknown keyword when they
// were SSHBLOG.*); extracted with --xattrs, a revision's file carries them
// as user.sshblog.* attributes. An import reads the old names too.
const (
	paxRev    = "SCHILY.xattr.user.sshblog.rev"
	paxAuthor = "SCHILY.xattr.user.sshblog.author"
	paxAction = "SCHILY.xattr.user.sshblog.action"
	paxFrom   = "SCHILY.xattr.user.sshblog.from" // a rename's slug before it

	oldPAXRev    = "SSHBLOG.rev"
	oldPAXAuthor = "SSHBLOG.author"
	oldPAXAction = "SSHBLOG.action"
)

// paxRecord returns the value of the record key, or of its name in older
// exports.
func paxRecord(hdr *tar.Header, key, old string) (string, bool) {
	if v, ok := hdr.PAXRecords[key]; ok {
		return v, true
	}
	v, ok := hdr.PAXRecords[old]
	return v, ok
}

// Writer writes an export. Its files carry the times they are given, so that
// two exports of the same blog are the same bytes.
type Writer struct {
	tw *tar.Writer
}

// NewWriter returns a Writer that writes an archive to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{tw: tar.NewWriter(w)}
}

// WriteRevision adds revision r of the post r.Slug to the post's history,
// as revisions/SLUG/NNNNNN.md.
func (w *Writer) WriteRevision(r store.Revision) error {
	hdr := fileHeader(fmt.Sprintf("revisions/%s/%06d.md", r.Slug, r.Rev), len(r.Source), r.Time)
	hdr.PAXRecords = map[string]string{paxRev: strconv.FormatUint(r.Rev, 10), paxAuthor: r.Author, paxAction: string(r.Action)}
	if r.From != "" {
		hdr.PAXRecords[paxFrom] = r.From
	}
	return w.writeFile(hdr, r.Source)
}

// WritePost adds src, the current markdown of the post slug, as
// posts/SLUG.md.
func (w *Writer) WritePost(slug string, src []byte, mtime time.Time) error {
	return w.writeFile(fileHeader("posts/"+slug+".md", len(src), mtime), src)
}

// WriteFile adds one of the blog's files at its path (without the
// leading slash), where a static site generator serving the export's
// folder would serve it.
func (w *Writer) WriteFile(path string, data []byte, mtime time.Time) error {
	return w.writeFile(fileHeader(strings.TrimPrefix(path, "/"), len(data), mtime), data)
}

// WriteAliases adds the aliases file: each pair is an old name and the slug
// it leads to.
func (w *Writer) WriteAliases(aliases [][2]string, mtime time.Time) error {
	var b strings.Builder
	for _, a := range aliases {
		fmt.Fprintf(&b, "%s\t%s\n", a[0], a[1])
	}
	return w.writeFile(fileHeader(AliasesFile, b.Len(), mtime), []byte(b.String()))
}

// Close ends the archive. It does not close the writer under it.
func (w *Writer) Close() error {
	if err := w.tw.Close(); err != nil {
		return fmt.Errorf("writing the archive: %w", err)
	}
	return nil
}

// writeFile writes one file.
func (w *Writer) writeFile(hdr *tar.Header, data []byte) error {
	if err := w.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing the archive: %w", err)
	}
	if _, err := w.tw.Write(data); err != nil {
		return fmt.Errorf("writing the archive: %w", err)
	}
	return nil
}

// fileHeader is the tar header of a regular file in an export.
func fileHeader(name string, size int, mtime time.Time) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(size), ModTime: mtime, Format: tar.FormatPAX}
}
