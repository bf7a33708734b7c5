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

	"github.com/sshblog/sshblog/internal/media"
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
	// MaxFileSize is the largest other file kept (an image, an
	// attachment), in bytes: a larger one is skipped without being read.
	// 0 means 10 MiB.
	MaxFileSize int64
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
	Files   int   // other files kept so far
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
	// Files are the files a site serves as they are (images,
	// attachments): a project's public/ (Astro), static/ (Hugo) or assets/
	// (Jekyll) folder, at the path the site serves each at; or, when the
	// archive is no project, every such file at its path in the archive.
	Files []Asset
	// Beside are the other files of the posts' folder, by their path in
	// the archive: what a post's relative references (a page bundle's
	// pic.png, ./images/x.png) name.
	Beside map[string][]byte
	// Layout is the project the archive holds: "astro", "hugo", "jekyll",
	// or "" for a folder of posts or an export.
	Layout string
	// Skipped says why each file left out was: "PATH: reason".
	Skipped []string
	// Ignored counts the files that are neither posts nor files the blog
	// keeps, and the files outside a project's posts and public folders.
	Ignored int
}

// Asset is a file a site serves.
type Asset struct {
	Path string // where the site serves it: "/assets/x.svg"
	From string // its path in the archive
	Data []byte
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
	rd.finish()
	for _, revs := range rd.c.Histories {
		slices.SortStableFunc(revs, func(x, y store.Revision) int { return cmp.Compare(x.Rev, y.Rev) })
	}
	return rd.c, nil
}

// reader is one Read under way.
type reader struct {
	c         *Contents
	revisions int // revisions read so far
	maxPost   int64
	maxFile   int64
	mds       []File      // the markdown files, before the layout says which are posts
	roots     [][2]string // projects' configuration files seen: the project and its folder
	others    []Asset     // the other files the blog keeps, at their archive paths

	progress func(Progress) // nil: none
	every    time.Duration
	last     time.Time // when progress was last called
}

// newReader returns the reader of a Read with opts.
func newReader(opts Options) *reader {
	rd := &reader{
		c:        &Contents{Histories: map[string][]store.Revision{}, Beside: map[string][]byte{}},
		maxPost:  opts.MaxPostSize,
		maxFile:  opts.MaxFileSize,
		progress: opts.Progress,
		every:    opts.ProgressEvery,
		last:     time.Now(),
	}
	if rd.maxPost <= 0 {
		rd.maxPost = post.MaxSize
	}
	if rd.maxFile <= 0 {
		rd.maxFile = 10 << 20
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
		rd.progress(Progress{Posts: len(rd.mds) + rd.revisions, Files: len(rd.others), Skipped: len(rd.c.Skipped), Bytes: sent})
	}
}

// add reads the file hdr heads in tr. An error says why the file is
// skipped, starting with its name.
func (rd *reader) add(tr *tar.Reader, hdr *tar.Header) error {
	name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
	rd.noteMarker(name)
	if name == AliasesFile {
		data, err := readFile(tr, hdr.Size, post.MaxSize)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rd.c.Aliases = parseAliases(string(data))
		return nil
	}
	if !post.IsMarkdownFile(name) {
		if !media.Known(name) || strings.HasPrefix(name, "../") || name == ".." {
			rd.c.Ignored++
			return nil
		}
		data, err := readFile(tr, hdr.Size, rd.maxFile)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rd.others = append(rd.others, Asset{From: name, Data: data})
		return nil
	}
	if isSectionIndex(name) {
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
	rd.mds = append(rd.mds, File{Path: name, Slug: slug, Source: data})
	return nil
}

// projects are the layouts of the static site generators an import knows:
// where each keeps its posts and the files it serves as they are (a
// folder, and the path it serves them under).
// A project is known by its configuration file at its root.
var projects = []struct {
	name     string
	markers  []string
	posts    string
	serve    string
	servedAt string
}{
	{"astro", []string{"astro.config.mjs", "astro.config.ts", "astro.config.js", "astro.config.cjs", "astro.config.mts"}, "src/content/", "public/", "/"},
	{"hugo", []string{"hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml"}, "content/", "static/", "/"},
	{"jekyll", []string{"_config.yml", "_config.yaml"}, "_posts/", "assets/", "/assets/"},
}

// noteMarker notes name if it is a project's configuration file, at the
// archive's top or in one folder.
func (rd *reader) noteMarker(name string) {
	if strings.Count(name, "/") > 1 || strings.Contains(name, "node_modules") {
		return
	}
	dir, file := path.Split(name)
	for _, pr := range projects {
		if slices.Contains(pr.markers, file) {
			rd.roots = append(rd.roots, [2]string{pr.name, dir})
		}
	}
}

// finish sorts what was read: when the archive is a project (its
// configuration file at the archive's top or in one folder, as git archive
// --prefix or a tar of a checkout makes it) with markdown files in its
// posts folder, only those are posts, its
// public folder's files are served at their paths, and the rest of the
// project (its README, node_modules) is ignored; otherwise every markdown
// file is a post and every other file is at its path. No two posts may
// have one slug.
func (rd *reader) finish() {
	postsDir, serveDir, servedAt := "", "", "/"
	for _, pr := range projects {
		for _, root := range rd.roots {
			if root[0] != pr.name || rd.c.Layout != "" {
				continue
			}
			if slices.ContainsFunc(rd.mds, func(f File) bool { return strings.HasPrefix(f.Path, root[1]+pr.posts) }) {
				postsDir, serveDir, servedAt, rd.c.Layout = root[1]+pr.posts, root[1]+pr.serve, pr.servedAt, pr.name
			}
		}
	}
	seen := map[string]string{}
	for _, f := range rd.mds {
		if !strings.HasPrefix(f.Path, postsDir) {
			rd.c.Ignored++
			continue
		}
		if first, dup := seen[f.Slug]; dup {
			rd.c.Skipped = append(rd.c.Skipped, fmt.Sprintf("%s: the slug %s is taken by %s", f.Path, f.Slug, first))
			continue
		}
		seen[f.Slug] = f.Path
		rd.c.Posts = append(rd.c.Posts, f)
	}
	for _, a := range rd.others {
		switch {
		case rd.c.Layout == "":
			rd.c.Beside[a.From] = a.Data
			a.Path = "/" + a.From
		case strings.HasPrefix(a.From, postsDir):
			rd.c.Beside[a.From] = a.Data
			continue
		case strings.HasPrefix(a.From, serveDir):
			a.Path = servedAt + strings.TrimPrefix(a.From, serveDir)
		default:
			rd.c.Ignored++
			continue
		}
		rd.c.Files = append(rd.c.Files, a)
	}
	rd.mds, rd.others = nil, nil
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
