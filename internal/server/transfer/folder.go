// Package transfer serves the blog as a folder over scp (the old protocol
// run as a command, `scp -O`) and sftp (which today's scp uses too): its
// top holds a SLUG.md file for each post, and the blog's files (images,
// attachments) are at their paths, in folders such as assets/. Every file operation is a call into the blog, which decides
// what the client may see and change; uploads are read into bounded
// buffers, never past the blog's post size limit whatever sizes or offsets
// a client claims.
package transfer

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/termtext"
)

// The blog as a folder: scp and sftp both see the posts as SLUG.md files at
// the top, and files at their paths (files.go). This file holds what the
// two protocols share; scp.go and sftp.go only translate.

// fileExt is the extension of every post seen as a file.
const fileExt = ".md"

// postFile is a post seen as a file.
type postFile struct {
	name    string // SLUG.md
	size    int64
	modTime time.Time
}

// slugOfFile turns a file name or path into a slug. Only names directly in
// the blog's folder are allowed: "x.md", "/x.md", "./x.md".
func slugOfFile(name string) (string, error) {
	clean := path.Clean("/" + name)
	dir, file := path.Split(clean)
	if dir != "/" || strings.Contains(name, "..") {
		return "", fmt.Errorf("%q: posts are SLUG.md files at the blog's top; no subfolders", termtext.SanitizeLine(name))
	}
	if !strings.HasSuffix(file, fileExt) {
		return "", fmt.Errorf("%q: post files are named SLUG.md", termtext.SanitizeLine(name))
	}
	slug := strings.TrimSuffix(file, fileExt)
	if err := post.CheckSlug(slug); err != nil {
		return "", fmt.Errorf("%q: %w", termtext.SanitizeLine(name), err)
	}
	return slug, nil
}

// targetFile is the file an upload to target writes, name being the name
// of the file the client sent: the target itself, except when it is the
// blog's top folder ("", ".", "~", "/"), which takes name, or another
// folder (ending in "/"), which takes name under it. A post (SLUG.md) goes
// only at the top, with a good slug; any other name is a file's path.
func targetFile(target, name string) (string, error) {
	switch {
	case isFolder(target):
		target = name
	case strings.HasSuffix(target, "/"):
		target += path.Base(name)
	}
	target = strings.TrimPrefix(target, "~/")
	if isPost(target) {
		if _, err := slugOfFile(target); err != nil {
			return "", err
		}
	}
	return target, nil
}

// isPost reports whether name is a post's (SLUG.md) rather than a file's.
func isPost(name string) bool { return strings.HasSuffix(name, fileExt) }

// isFolder reports whether target names the blog's folder.
func isFolder(target string) bool {
	switch target {
	case "", ".", "./", "~", "~/", "/":
		return true
	}
	return false
}

// Folder is the blog as one client sees it: SLUG.md files and the blog's
// files at their paths.
type Folder struct {
	Blog    *blog.Service
	ID      blog.Identity   // who the client is
	Ctx     context.Context // the session's: ends when it does
	Buffers *Buffers        // what uploads are read into
}

// files lists the posts this client may see as files.
func (c *Folder) files() ([]postFile, error) {
	entries, err := c.Blog.List(c.Ctx, c.ID)
	if err != nil {
		return nil, err
	}
	out := make([]postFile, 0, len(entries))
	for _, e := range entries {
		out = append(out, postFile{name: e.Slug + fileExt, size: e.Size, modTime: e.Updated})
	}
	return out, nil
}

// stat returns the file of one post, or a blog's file.
func (c *Folder) stat(name string) (postFile, error) {
	if !isPost(name) {
		return c.statBlogFile(name)
	}
	slug, err := slugOfFile(name)
	if err != nil {
		return postFile{}, err
	}
	e, err := c.Blog.Entry(c.ID, slug)
	if err != nil {
		return postFile{}, err
	}
	return postFile{name: e.Slug + fileExt, size: e.Size, modTime: e.Updated}, nil
}

// readFile returns the markdown of the post named by a file name, or the
// bytes of a file.
func (c *Folder) readFile(name string) ([]byte, error) {
	if !isPost(name) {
		return c.readBlogFile(name)
	}
	slug, err := slugOfFile(name)
	if err != nil {
		return nil, err
	}
	r, err := c.Blog.Get(c.Ctx, c.ID, slug)
	if err != nil {
		return nil, err
	}
	return r.Source, nil
}

// removeFile removes the post named by a file name.
func (c *Folder) removeFile(name string) error {
	if !c.ID.IsAuthor() {
		return blog.ErrNotAuthor
	}
	if !isPost(name) {
		_, err := c.Blog.RemoveFile(c.Ctx, c.ID, name)
		return err
	}
	slug, err := slugOfFile(name)
	if err != nil {
		return err
	}
	_, err = c.Blog.Remove(c.Ctx, c.ID, slug, nil)
	return err
}

// renameFile renames the post named by one file name to another.
func (c *Folder) renameFile(from, to string) error {
	if !c.ID.IsAuthor() {
		return blog.ErrNotAuthor
	}
	if !isPost(from) || !isPost(to) {
		if isPost(from) != isPost(to) {
			return fmt.Errorf("%q: a post stays a SLUG.md file and a file keeps its extension", termtext.SanitizeLine(to))
		}
		_, err := c.Blog.RenameFile(c.Ctx, c.ID, from, to)
		return err
	}
	oldSlug, err := slugOfFile(from)
	if err != nil {
		return err
	}
	newSlug, err := slugOfFile(to)
	if err != nil {
		return err
	}
	_, err = c.Blog.Rename(c.Ctx, c.ID, oldSlug, newSlug)
	return err
}

// upload collects one file sent by scp or sftp and publishes it when it is
// complete. It never holds more than limit bytes, whatever offsets or sizes
// the client claims, and holds them in a buffer lent by bufs, given back as
// soon as the upload is published or fails.
type upload struct {
	c     *Folder
	slug  string
	limit int64
	bufs  *Buffers

	mu     sync.Mutex
	data   lentBytes
	failed error // a write past the limit, or a torn transfer
}

// newUpload starts an upload to the file name, checking first that the
// caller may write and that the name is a post's.
func (c *Folder) newUpload(name string) (*upload, error) {
	if !c.ID.IsAuthor() {
		return nil, blog.ErrNotAuthor
	}
	slug, err := slugOfFile(name)
	if err != nil {
		return nil, err
	}
	return &upload{c: c, slug: slug, limit: c.Blog.MaxPostSize(), bufs: c.Buffers}, nil
}

// WriteAt stores p at off, refusing anything that ends past the limit.
func (u *upload) WriteAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed != nil {
		return 0, u.failed
	}
	if off < 0 || off > u.limit || int64(len(p)) > u.limit-off {
		u.fail(post.TooLarge(u.limit))
		return 0, u.failed
	}
	end := int(off) + len(p)
	u.data.reserve(u.bufs, end, int(u.limit))
	if old := len(u.data.b); end > old {
		u.data.b = u.data.b[:end]
		clear(u.data.b[old:]) // a gap reads as zeros, never as a former upload
	}
	return copy(u.data.b[off:], p), nil
}

// ReadFrom reads a whole stream (scp), bounded by the limit.
func (u *upload) ReadFrom(r io.Reader) (int64, error) {
	var data lentBytes
	if err := data.readFrom(u.bufs, r, u.limit); err != nil {
		u.TransferError(err)
		return 0, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed != nil {
		data.release()
		return 0, u.failed
	}
	u.data.release()
	u.data = data
	return int64(len(data.b)), nil
}

// TransferError marks the upload as torn: Close will store nothing.
func (u *upload) TransferError(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.fail(fmt.Errorf("transfer failed: %w", err))
}

// fail records the upload's first failure and gives its buffer back at
// once: nothing of it will be stored. u.mu must be held.
func (u *upload) fail(err error) {
	if u.failed == nil {
		u.failed = err
	}
	u.data.release()
}

// Close publishes the complete file, unless the transfer failed.
func (u *upload) Close() error {
	u.mu.Lock()
	data, failed := u.data, u.failed
	u.data = lentBytes{}
	u.mu.Unlock()
	defer data.release() // publish keeps a copy, not the bytes
	if failed != nil {
		return failed
	}
	if _, err := u.c.Blog.Publish(u.c.Ctx, u.c.ID, data.b, blog.PublishOptions{Slug: u.slug}); err != nil {
		return fmt.Errorf("%s%s: %w", u.slug, fileExt, err)
	}
	return nil
}
