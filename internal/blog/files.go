package blog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/dustin/go-humanize"
	"golang.org/x/text/unicode/norm"

	"github.com/sshblog/sshblog/internal/media"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
)

// Files beside posts: images and attachments, at paths such as
// /assets/posts/diagram.svg. Authors store, rename and remove them; every
// change is a revision (store.Files). Files are public once stored, as a
// static site's public/ folder is: a reader may fetch any file by its path,
// and list them.

// Default limits of files, used when Config leaves them 0.
const (
	DefaultMaxFileSize = 10 << 20
	DefaultMaxMedia    = 1 << 30
)

// NewFile is a file to store: its path in the blog, and its bytes.
type NewFile struct {
	Path string
	Data []byte
}

// FileUse is a file and the posts that show or link it.
type FileUse struct {
	store.FileEntry
	Posts []string // slugs, sorted
}

// FilePath turns a path as a writer typed it ("assets/x.png",
// "/assets/x.png", "./assets/x.png") into the blog's form: absolute, NFC.
// It refuses "..", empty parts, control and format characters.
func FilePath(s string) (string, error) {
	p := norm.NFC.String(strings.TrimPrefix(s, "."))
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if err := store.CheckFilePath(p); err != nil {
		return "", refuse(ErrInvalid, "%s", err)
	}
	return p, nil
}

// ResolveImage returns the path of the file that ref, an image or link in
// the post slug as written, names: a root-relative reference is the path
// itself; a relative one is beside the post, under /posts/SLUG/ (where a
// page bundle's files are imported). A reference with a scheme or a host
// (https://, data:, //host) names no file of the blog: ok is false.
func ResolveImage(slug, ref string) (string, bool) {
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = ref[:i]
	}
	if ref == "" || strings.HasPrefix(ref, "//") {
		return "", false
	}
	if i := strings.IndexAny(ref, ":/"); i >= 0 && ref[i] == ':' {
		return "", false // a scheme
	}
	if u, err := url.PathUnescape(ref); err == nil {
		ref = u
	}
	p := ref
	if !strings.HasPrefix(ref, "/") {
		p = "/posts/" + slug + "/" + ref
	}
	p = norm.NFC.String(path.Clean(p))
	if store.CheckFilePath(p) != nil {
		return "", false
	}
	return p, true
}

// maxFileSize and maxMedia are the blog's limits of files.
func (b *Service) maxFileSize() int64 { return orDefault(b.cfg.MaxFileSize, DefaultMaxFileSize) }
func (b *Service) maxMedia() int64    { return orDefault(b.cfg.MaxMedia, DefaultMaxMedia) }

// MediaSize is the length of all the distinct bytes of the blog's files.
func (b *Service) MediaSize() int64 { return b.st.MediaSize() }

// MaxFileSize is the largest file the blog takes, in bytes.
func (b *Service) MaxFileSize() int64 { return b.maxFileSize() }

func orDefault(n, def int64) int64 {
	if n <= 0 {
		return def
	}
	return n
}

// PutFile stores the bytes r yields at path (as FilePath reads it), for an
// author. size, when not negative, is the length the client announced: a
// file over the limit is refused before a byte is read. The bytes are
// counted while they stream in; past max-file-size nothing is stored.
func (b *Service) PutFile(ctx context.Context, id Identity, name string, size int64, r io.Reader) (store.FileEntry, error) {
	if err := b.author(id); err != nil {
		return store.FileEntry{}, err
	}
	p, err := FilePath(name)
	if err != nil {
		return store.FileEntry{}, err
	}
	limit := b.maxFileSize()
	if size > limit {
		return store.FileEntry{}, b.tooLargeFile(p, size)
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return store.FileEntry{}, fmt.Errorf("reading %s: %w", p, err)
	}
	if int64(len(data)) > limit {
		return store.FileEntry{}, b.tooLargeFile(p, -1)
	}
	es, err := b.PutFiles(ctx, id, []NewFile{{Path: p, Data: data}})
	if err != nil {
		return store.FileEntry{}, err
	}
	return es[0], nil
}

// CheckFileSize refuses a file of size bytes at path when it is over
// max-file-size, with the one line PutFile refuses it with: front ends
// that must hold a file before storing it ask first.
func (b *Service) CheckFileSize(path string, size int64) error {
	if size > b.maxFileSize() {
		return b.tooLargeFile(path, size)
	}
	return nil
}

// tooLargeFile is the refusal of a file over max-file-size.
func (b *Service) tooLargeFile(p string, size int64) error {
	b.log.Warn("file refused", "path", p, "reason", "max-file-size", "size", size)
	return refuse(ErrTooLarge, "%s is larger than max-file-size (%s); nothing was stored", p, humanize.IBytes(uint64(b.maxFileSize())))
}

// PutFiles stores files, all of them or none (on etcd, in steps of a few
// dozen: see store.Files), for an author: each is checked (media.Inspect:
// its bytes against its name, an image's declared size) and counted
// against max-file-size and max-media first.
func (b *Service) PutFiles(ctx context.Context, id Identity, files []NewFile) ([]store.FileEntry, error) {
	if err := b.author(id); err != nil {
		return nil, err
	}
	changes, err := b.fileChanges(ctx, id, files, nil)
	if err != nil {
		return nil, err
	}
	es, err := b.st.PutFiles(ctx, changes)
	if err != nil {
		return nil, b.fileStoreError("storing", files[0].Path, err)
	}
	for _, e := range es {
		b.log.Info("write", "action", "file", "path", e.Path, "rev", e.Rev, "size", e.Size, "type", e.Type, "author", id.Author)
	}
	return es, nil
}

// fileChanges checks files and builds their changes. A file refused on
// its own (its name, its bytes, its size) fails them all, unless skip is
// set: then skip is told why, and the rest go on. The bound of all the
// blog's files (max-media) fails them all.
func (b *Service) fileChanges(ctx context.Context, id Identity, files []NewFile, skip func(NewFile, error)) ([]store.FileChange, error) {
	if len(files) == 0 && skip == nil {
		return nil, refuse(ErrInvalid, "no files")
	}
	changes := make([]store.FileChange, 0, len(files))
	added := map[string]int64{}
	var more int64
	for _, f := range files {
		p, info, err := b.checkFile(f)
		if err != nil {
			if skip != nil {
				skip(f, err)
				continue
			}
			return nil, err
		}
		hash := store.HashOf(f.Data)
		if _, ok := added[hash]; !ok {
			have, err := b.st.HasFileData(ctx, hash)
			if err != nil {
				return nil, b.fileStoreError("storing", p, err)
			}
			if !have {
				added[hash] = int64(len(f.Data))
				more += int64(len(f.Data))
			}
		}
		changes = append(changes, store.FileChange{
			Path: p, Author: id.Author, Data: f.Data,
			File: store.File{Hash: hash, Size: int64(len(f.Data)), Type: info.Type, Width: info.Width, Height: info.Height},
		})
	}
	if have := b.st.MediaSize(); len(changes) > 0 && have+more > b.maxMedia() {
		b.log.Warn("file refused", "path", changes[0].Path, "reason", "max-media", "media", have, "adding", more)
		return nil, refuse(ErrTooLarge, "%s: the blog's files would take %s; max-media is %s; nothing was stored",
			changes[0].Path, humanize.IBytes(uint64(have+more)), humanize.IBytes(uint64(b.maxMedia())))
	}
	return changes, nil
}

// checkFile checks one file: its path, its size, its bytes against its
// name.
func (b *Service) checkFile(f NewFile) (string, media.Info, error) {
	p, err := FilePath(f.Path)
	if err != nil {
		return "", media.Info{}, err
	}
	if int64(len(f.Data)) > b.maxFileSize() {
		return "", media.Info{}, b.tooLargeFile(p, int64(len(f.Data)))
	}
	info, err := media.Inspect(p, f.Data)
	if err != nil {
		b.log.Warn("file refused", "path", p, "err", err)
		return "", media.Info{}, refuse(ErrInvalid, "%s", err)
	}
	return p, info, nil
}

// RemoveFile hides the file at path; its history keeps its bytes, and
// RevertFile brings it back.
func (b *Service) RemoveFile(ctx context.Context, id Identity, name string) (store.FileEntry, error) {
	if err := b.author(id); err != nil {
		return store.FileEntry{}, err
	}
	p, err := FilePath(name)
	if err != nil {
		return store.FileEntry{}, err
	}
	es, err := b.st.PutFiles(ctx, []store.FileChange{{Path: p, Author: id.Author, Action: store.Removed}})
	if err != nil {
		return store.FileEntry{}, b.fileStoreError("removing", p, err)
	}
	b.log.Info("write", "action", "file-remove", "path", p, "rev", es[0].Rev, "author", id.Author)
	return es[0], nil
}

// RenameFile moves the file at from to the path to, in one write: from is
// hidden (its history says where it went), to gets the same bytes.
func (b *Service) RenameFile(ctx context.Context, id Identity, from, to string) (store.FileEntry, error) {
	if err := b.author(id); err != nil {
		return store.FileEntry{}, err
	}
	src, err := FilePath(from)
	if err != nil {
		return store.FileEntry{}, err
	}
	dst, err := FilePath(to)
	if err != nil {
		return store.FileEntry{}, err
	}
	cur, ok := b.st.FileEntry(src)
	if !ok || cur.Removed {
		return store.FileEntry{}, refuse(ErrNotFound, "no file %s", src)
	}
	if src == dst {
		return store.FileEntry{}, refuse(ErrInvalid, "%s already has that name", src)
	}
	if path.Ext(strings.ToLower(src)) != path.Ext(strings.ToLower(dst)) {
		if _, err := media.Inspect(dst, nil); err != nil && strings.Contains(err.Error(), "keeps only") {
			return store.FileEntry{}, refuse(ErrInvalid, "%s", err)
		}
		return store.FileEntry{}, refuse(ErrInvalid, "%s: a file keeps its extension (%s)", dst, path.Ext(src))
	}
	if e, ok := b.st.FileEntry(dst); ok && !e.Removed {
		return store.FileEntry{}, refuse(ErrConflict, "%s already exists", dst)
	}
	es, err := b.st.PutFiles(ctx, []store.FileChange{
		{Path: src, Author: id.Author, Action: store.Renamed},
		{Path: dst, Author: id.Author, File: cur.File},
	})
	if err != nil {
		return store.FileEntry{}, b.fileStoreError("renaming", src, err)
	}
	b.log.Info("write", "action", "file-rename", "from", src, "path", dst, "author", id.Author)
	return es[1], nil
}

// RevertFile makes revision rev of the file at path current again, as a
// new revision; it also brings back a removed file.
func (b *Service) RevertFile(ctx context.Context, id Identity, name string, rev uint64) (store.FileEntry, error) {
	if err := b.author(id); err != nil {
		return store.FileEntry{}, err
	}
	p, err := FilePath(name)
	if err != nil {
		return store.FileEntry{}, err
	}
	h, err := b.st.FileHistory(ctx, p)
	if err != nil {
		return store.FileEntry{}, b.fileStoreError("reading", p, err)
	}
	if rev < 1 || rev > uint64(len(h)) || h[rev-1].Action == store.Removed || h[rev-1].Action == store.Renamed {
		return store.FileEntry{}, refuse(ErrNotFound, "%s has no revision %d with bytes", p, rev)
	}
	es, err := b.st.PutFiles(ctx, []store.FileChange{{Path: p, Author: id.Author, Action: store.Reverted, File: h[rev-1].File}})
	if err != nil {
		return store.FileEntry{}, b.fileStoreError("reverting", p, err)
	}
	return es[0], nil
}

// FileHistory returns every revision of the file at path, oldest first.
func (b *Service) FileHistory(ctx context.Context, name string) ([]store.FileRevision, error) {
	p, err := FilePath(name)
	if err != nil {
		return nil, err
	}
	h, err := b.st.FileHistory(ctx, p)
	if err != nil {
		return nil, b.fileStoreError("reading", p, err)
	}
	return h, nil
}

// File returns the current entry of the file at path (in the blog's form,
// as FilePath gives it); a removed file is not there.
func (b *Service) File(p string) (store.FileEntry, bool) {
	e, ok := b.st.FileEntry(p)
	return e, ok && !e.Removed
}

// FileData returns the bytes of the file whose entry is e.
func (b *Service) FileData(ctx context.Context, e store.FileEntry) ([]byte, error) {
	data, err := b.st.FileData(ctx, e.Hash)
	if err != nil {
		return nil, b.fileStoreError("reading", e.Path, err)
	}
	return data, nil
}

// ImageFile returns the bytes of the image that ref, as written in the
// post slug, names, and their hash as a key that changes when they do. A
// remote reference is never fetched: it is an error wrapping
// fs.ErrNotExist, as a missing file is.
func (b *Service) ImageFile(ctx context.Context, slug, ref string) (string, []byte, error) {
	p, ok := ResolveImage(slug, ref)
	if !ok {
		return "", nil, fmt.Errorf("image %s: not a file of the blog: %w", ref, fs.ErrNotExist)
	}
	e, ok := b.File(p)
	if !ok || !media.IsImage(e.Type) {
		return "", nil, fmt.Errorf("image %s: %w", p, fs.ErrNotExist)
	}
	data, err := b.FileData(ctx, e)
	if err != nil {
		return "", nil, err
	}
	return e.Hash, data, nil
}

// MissingImages returns the local images the post slug, whose markdown is
// src, shows that the blog has no file for, as written, for a warning when
// it is published.
func (b *Service) MissingImages(slug string, src []byte) []string {
	p, err := b.parseStored(src, slug)
	if err != nil {
		return nil
	}
	var out []string
	for _, img := range imagesOf(p) {
		if fp, ok := ResolveImage(p.Slug, img.Ref); ok {
			if _, have := b.File(fp); !have {
				out = append(out, img.Ref)
			}
		}
	}
	return out
}

// Files returns the current files whose path starts with prefix (as
// FilePath reads it; "" for all), with the posts that show them.
func (b *Service) Files(ctx context.Context, id Identity, prefix string) ([]FileUse, error) {
	if prefix != "" && prefix != "/" {
		p, err := FilePath(prefix)
		if err != nil {
			return nil, err
		}
		prefix = p
	}
	uses, err := b.uses.get(ctx, b, id)
	if err != nil {
		return nil, err
	}
	var out []FileUse
	for _, e := range b.st.Files() {
		if !e.Removed && strings.HasPrefix(e.Path, prefix) {
			out = append(out, FileUse{FileEntry: e, Posts: uses[e.Path]})
		}
	}
	return out, nil
}

// imagesOf returns the images p shows: parsed as markdown, unless that
// would cost more than a post may (render.TooCostly), then scanned.
func imagesOf(p *post.Post) []post.ImageRef {
	if render.TooCostly(p.Body) {
		return p.ScanImages()
	}
	return p.Images()
}

// fileUses keeps, for each file path, the posts that show it, built from
// every post's images when first asked after a change.
type fileUses struct {
	mu      sync.Mutex
	valid   <-chan struct{} // the store's Changed when built: closed, the map is stale
	authors bool            // built for an author (drafts included)
	byPath  map[string][]string
}

func (u *fileUses) get(ctx context.Context, b *Service, id Identity) (map[string][]string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.valid != nil && u.authors == id.IsAuthor() {
		select {
		case <-u.valid:
		default:
			return u.byPath, nil
		}
	}
	valid := b.st.Changed()
	es, err := b.List(ctx, id)
	if err != nil {
		return nil, err
	}
	byPath := map[string][]string{}
	for _, e := range es {
		r, err := b.Get(ctx, id, e.Slug)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return nil, err
		}
		p, err := b.parseStored(r.Source, r.Slug)
		if err != nil {
			continue
		}
		for _, img := range imagesOf(p) {
			if fp, ok := ResolveImage(p.Slug, img.Ref); ok {
				byPath[fp] = append(byPath[fp], p.Slug)
			}
		}
	}
	for _, s := range byPath {
		slices.Sort(s)
	}
	u.valid, u.authors, u.byPath = valid, id.IsAuthor(), byPath
	return byPath, nil
}

// fileStoreError words a store's error for the file at p.
func (b *Service) fileStoreError(doing, p string, err error) error {
	switch {
	case errors.Is(err, store.ErrNoFile):
		return &Error{Kind: ErrNotFound, Msg: "no file " + p, Err: err}
	case errors.Is(err, store.ErrConflict):
		return &Error{Kind: ErrConflict, Msg: "conflict: " + p + " changed meanwhile; try again", Err: err}
	}
	return b.storeError(doing, p, err)
}
