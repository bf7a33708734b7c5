package transfer

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/termtext"
)

// The blog's files as seen over scp and sftp: each at its path
// (/assets/posts/diagram.svg), in folders that exist while a file is in
// them. Reading is for anyone (files are public, as on the web); writing,
// renaming and removing for authors, through the blog.

// blogPath turns a name the client sent into a file's path in the blog.
func blogPath(name string) (string, error) {
	p, err := blog.FilePath(strings.TrimPrefix(name, "~/"))
	if err != nil {
		return "", fmt.Errorf("%q: %w", termtext.SanitizeLine(name), err)
	}
	return p, nil
}

// readBlogFile returns the bytes of the file at name.
func (c *Folder) readBlogFile(name string) ([]byte, error) {
	p, err := blogPath(name)
	if err != nil {
		return nil, err
	}
	e, ok := c.Blog.File(p)
	if !ok {
		return nil, fmt.Errorf("no file %s: %w", p, blog.ErrNotFound)
	}
	return c.Blog.FileData(c.Ctx, e)
}

// statBlogFile returns the file at name as a postFile.
func (c *Folder) statBlogFile(name string) (postFile, error) {
	p, err := blogPath(name)
	if err != nil {
		return postFile{}, err
	}
	e, ok := c.Blog.File(p)
	if !ok {
		return postFile{}, fmt.Errorf("no file %s: %w", p, blog.ErrNotFound)
	}
	return postFile{name: path.Base(p), size: e.Size, modTime: e.Updated}, nil
}

// folderEntries lists the folder dir ("/" is the top): its files and
// subfolders, and, at the top, the posts. ok is false when no file is in
// dir.
func (c *Folder) folderEntries(dir string) (out []os.FileInfo, ok bool, err error) {
	dir = strings.TrimSuffix(path.Clean("/"+dir), "/") + "/"
	if dir == "/" {
		posts, err := c.files()
		if err != nil {
			return nil, false, err
		}
		for _, f := range posts {
			out = append(out, fileInfo{f})
		}
		ok = true
	}
	files, err := c.Blog.Files(c.Ctx, c.ID, "")
	if err != nil {
		return nil, false, err
	}
	seen := map[string]bool{}
	for _, f := range files {
		rest, under := strings.CutPrefix(f.Path, dir)
		if !under {
			continue
		}
		ok = true
		if sub, _, deeper := strings.Cut(rest, "/"); deeper {
			if !seen[sub] {
				seen[sub] = true
				out = append(out, dirInfo{name: sub})
			}
			continue
		}
		out = append(out, fileInfo{postFile{name: rest, size: f.Size, modTime: f.Updated}})
	}
	return out, ok, nil
}

// isBlogFolder reports whether some file is under dir.
func (c *Folder) isBlogFolder(dir string) bool {
	_, ok, err := c.folderEntries(dir)
	return err == nil && ok
}

// fileUpload collects one file sent over sftp, at any offsets, never past
// the blog's max-file-size, and stores it when the client closes it.
type fileUpload struct {
	c     *Folder
	path  string
	limit int64

	mu     sync.Mutex
	data   []byte
	failed error
}

// newFileUpload starts an upload to the file at name.
func (c *Folder) newFileUpload(name string) (*fileUpload, error) {
	if !c.ID.IsAuthor() {
		return nil, blog.ErrNotAuthor
	}
	p, err := blogPath(name)
	if err != nil {
		return nil, err
	}
	return &fileUpload{c: c, path: p, limit: c.Blog.MaxFileSize()}, nil
}

// WriteAt stores p at off, refusing anything that ends past the limit.
func (u *fileUpload) WriteAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.failed != nil {
		return 0, u.failed
	}
	if off < 0 || off > u.limit || int64(len(p)) > u.limit-off {
		u.failed = u.c.Blog.CheckFileSize(u.path, u.limit+1)
		u.data = nil
		return 0, u.failed
	}
	if end := int(off) + len(p); end > len(u.data) {
		u.data = append(u.data, make([]byte, end-len(u.data))...)
	}
	return copy(u.data[off:], p), nil
}

// Close stores the file, unless the transfer failed.
func (u *fileUpload) Close() error {
	u.mu.Lock()
	data, failed := u.data, u.failed
	u.data = nil
	u.mu.Unlock()
	if failed != nil {
		return failed
	}
	_, err := u.c.Blog.PutFile(u.c.Ctx, u.c.ID, u.path, int64(len(data)), bytes.NewReader(data))
	return err
}

// writeBlogFile stores a file sent by scp: size bytes from r, refused
// before a byte is read when size is over the limit, and not stored when
// fewer arrive.
func (c *Folder) writeBlogFile(name string, size int64, r io.Reader) (int64, error) {
	if !c.ID.IsAuthor() {
		return 0, blog.ErrNotAuthor
	}
	p, err := blogPath(name)
	if err != nil {
		return 0, err
	}
	if err := c.Blog.CheckFileSize(p, size); err != nil {
		return 0, err
	}
	data, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return 0, fmt.Errorf("%s: transfer failed: %w", p, err)
	}
	if int64(len(data)) != size {
		return int64(len(data)), fmt.Errorf("%s: the transfer ended after %d of %d bytes; nothing was stored", p, len(data), size)
	}
	if _, err := c.Blog.PutFile(c.Ctx, c.ID, p, size, bytes.NewReader(data)); err != nil {
		return 0, err
	}
	return size, nil
}

// dirInfo is a folder: the blog's top (name "/") or one of its files'.
type dirInfo struct{ name string }

func (d dirInfo) Name() string     { return d.name }
func (dirInfo) Size() int64        { return 0 }
func (dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (dirInfo) ModTime() time.Time { return time.Time{} }
func (dirInfo) IsDir() bool        { return true }
func (dirInfo) Sys() any           { return nil }
