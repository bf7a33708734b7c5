package archive

import (
	"archive/tar"
	"bufio"
	"cmp"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// ErrTooLarge is wrapped by Read's error for an archive over its limit.
var ErrTooLarge = errors.New("the archive is too large")

// Options bound a Read and say how it reports.
type Options struct {
	// MaxSize is the largest archive read, in bytes, both as sent and as
	// unpacked; 0 means no limit.
	MaxSize int64
	// MaxPostSize is the largest markdown file kept, in bytes: a larger one
	// is skipped without being read. 0 means post.MaxSize.
	MaxPostSize int64
	// Progress, when set, is called at most once every ProgressEvery while
	// the archive is read.
	Progress func(Progress)
	// ProgressEvery is the least time between two Progress calls; 0 is a
	// second.
	ProgressEvery time.Duration
}

// Progress is how far a Read has got.
type Progress struct {
	Posts   int   // markdown files read so far
	Skipped int   // files skipped so far
	Bytes   int64 // bytes of the archive read so far, as sent
}

// Contents is what Read found in an archive.
type Contents struct {
	// Posts are its markdown files, save an export's revisions; no two
	// have the same slug.
	Posts []File
	// Histories are the revisions of an export, by slug, oldest first.
	Histories map[string][]store.Revision
	// Aliases are an export's aliases: pairs of an old name and the slug it
	// leads to, both valid slugs.
	Aliases [][2]string
	// Skipped says why each file left out was: "PATH: reason".
	Skipped []string
	// Ignored counts the files that are not markdown.
	Ignored int
}

// File is a markdown file of an archive.
type File struct {
	Path   string // its name in the archive, cleaned
	Slug   string // the slug its name gives (post.SlugFromFileName)
	Source []byte // its bytes, as they are: nothing has parsed them yet
}

// Read reads an archive, tar or gzipped tar, from r: where an import's
// upload is read. Only a problem with the archive as a whole is an error
// (one over opts.MaxSize wraps ErrTooLarge); a file that cannot be a post
// is left out, and Contents.Skipped says why.
func Read(r io.Reader, opts Options) (*Contents, error) {
	limit := opts.MaxSize
	if limit <= 0 {
		limit = math.MaxInt64 - 1 // so that limit+1 does not overflow
	}
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
	tooLarge := func() error { return fmt.Errorf("%w: the limit is %s", ErrTooLarge, post.FormatSize(limit)) }
	rd := newReader(opts)
	tr := tar.NewReader(in)
	for {
		rd.report(limit + 1 - raw.N)
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if over() {
				return nil, tooLarge()
			}
			return nil, fmt.Errorf("reading the archive: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := rd.add(tr, hdr); err != nil {
			if over() {
				return nil, tooLarge()
			}
			rd.c.Skipped = append(rd.c.Skipped, err.Error())
		}
	}
	if over() {
		return nil, tooLarge()
	}
	for _, revs := range rd.c.Histories {
		slices.SortStableFunc(revs, func(x, y store.Revision) int { return cmp.Compare(x.Rev, y.Rev) })
	}
	return rd.c, nil
}

// reader is one Read under way.
type reader struct {
	c         *Contents
	revisions int               // revisions read so far
	seen      map[string]string // slug -> the path it came from
	maxPost   int64

	progress func(Progress) // nil: none
	every    time.Duration
	last     time.Time // when progress was last called
}

// newReader returns the reader of a Read with opts.
func newReader(opts Options) *reader {
	rd := &reader{
		c:        &Contents{Histories: map[string][]store.Revision{}},
		seen:     map[string]string{},
		maxPost:  opts.MaxPostSize,
		progress: opts.Progress,
		every:    opts.ProgressEvery,
		last:     time.Now(),
	}
	if rd.maxPost <= 0 {
		rd.maxPost = post.MaxSize
	}
	if rd.every <= 0 {
		rd.every = time.Second
	}
	return rd
}

// report calls the progress function, if it is time, with sent bytes read.
func (rd *reader) report(sent int64) {
	if rd.progress == nil {
		return
	}
	if t := time.Now(); t.Sub(rd.last) >= rd.every {
		rd.last = t
		rd.progress(Progress{Posts: len(rd.c.Posts) + rd.revisions, Skipped: len(rd.c.Skipped), Bytes: sent})
	}
}

// add reads the file hdr heads in tr. An error says why the file is
// skipped, starting with its name.
func (rd *reader) add(tr *tar.Reader, hdr *tar.Header) error {
	name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
	if name == AliasesFile {
		data, err := readFile(tr, hdr.Size, post.MaxSize)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rd.c.Aliases = parseAliases(string(data))
		return nil
	}
	if !post.IsMarkdownFile(name) || isSectionIndex(name) {
		rd.c.Ignored++
		return nil
	}
	slug, err := post.SlugFromFileName(name)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	data, err := readFile(tr, hdr.Size, rd.maxPost)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if revText, ok := paxRecord(hdr, paxRev, oldPAXRev); ok && strings.HasPrefix(name, "revisions/") {
		return rd.addRevision(name, revText, hdr, data)
	}
	if first, dup := rd.seen[slug]; dup {
		return fmt.Errorf("%s: the slug %s is taken by %s", name, slug, first)
	}
	rd.seen[slug] = name
	rd.c.Posts = append(rd.c.Posts, File{Path: name, Slug: slug, Source: data})
	return nil
}

// addRevision keeps data, the file name of an export's history, as a
// revision of the post its folder names.
func (rd *reader) addRevision(name, revText string, hdr *tar.Header, data []byte) error {
	rev, err := strconv.ParseUint(revText, 10, 64)
	slug := path.Base(path.Dir(name))
	if err != nil || post.CheckSlug(slug) != nil {
		return fmt.Errorf("%s: not a revision of an export", name)
	}
	author, _ := paxRecord(hdr, paxAuthor, oldPAXAuthor)
	action, _ := paxRecord(hdr, paxAction, oldPAXAction)
	from := hdr.PAXRecords[paxFrom]
	if store.Action(action) != store.Renamed || post.CheckSlug(from) != nil {
		from = ""
	}
	rd.c.Histories[slug] = append(rd.c.Histories[slug], store.Revision{
		Slug: slug, Rev: rev, Author: author, Action: store.Action(action), From: from, Time: hdr.ModTime, Source: data,
	})
	rd.revisions++
	return nil
}

// readFile reads the current file of tr, size bytes as its header says (and
// as tar.Reader makes it), into memory of exactly that size: no growing, so
// no garbage. A file over limit is refused unread.
func readFile(tr *tar.Reader, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, post.TooLarge(limit)
	}
	if size < 0 { // tar.Reader refuses these; never make a negative slice
		return nil, fmt.Errorf("reading the file: negative size %d", size)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(tr, data); err != nil {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	return data, nil
}

// parseAliases reads OLD<TAB>NEW lines, leaving out those that are not two
// valid slugs.
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

// isSectionIndex reports whether name is a Hugo section's _index.md (or
// .markdown), which describes a list page (the home page, a section), not
// a post.
func isSectionIndex(name string) bool {
	file := path.Base(name)
	stem := strings.TrimSuffix(file, path.Ext(file))
	return strings.EqualFold(stem, "_index")
}
