package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"time"

	"charm.land/ssh"
	"github.com/pkg/sftp"
	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/termtext"
)

// SFTPHandler serves the sftp subsystem, which today's scp also uses, in the
// folder each session is given. The end of a session that failed is logged.
func SFTPHandler(folder func(ssh.Session) *Folder, log *slog.Logger) ssh.Handler {
	return func(sess ssh.Session) { serveSFTP(sess, folder(sess), log) }
}

// serveSFTP serves one sftp session. sftp carries only a status code to
// the client, which OpenSSH prints as "Failure": the reason for a refused
// read or change goes to the session's stderr as a line, which the client
// shows, and to the log.
func serveSFTP(sess ssh.Session, c *Folder, log *slog.Logger) {
	h := sftpFiles{c: c, report: func(err error) {
		line := termtext.SanitizeLine(err.Error())
		_, _ = fmt.Fprintln(sess.Stderr(), line)
		log.Info("sftp refused", "remote", sess.RemoteAddr().String(), "err", line)
	}}
	srv := sftp.NewRequestServer(sess, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h},
		sftp.WithStartDirectory("/"))
	// Serve returns when the client closes its side; the exit status must
	// go out before the server closes the channel.
	err := srv.Serve()
	status := 0
	if err != nil && !errors.Is(err, io.EOF) {
		log.Info("sftp session ended", "remote", sess.RemoteAddr().String(), "err", err)
		status = 1
	}
	_ = sess.Exit(status)
	srv.Close()
}

// sftpFiles adapts the blog's folder to pkg/sftp's request handlers.
type sftpFiles struct {
	c      *Folder
	report func(error) // tells the client and the log why a request failed
}

// failed reports err, if any, and returns it as sftp's error.
func (h sftpFiles) failed(err error) error {
	if err == nil {
		return nil
	}
	h.report(err)
	return sftpError(err)
}

// Fileread opens a post for reading.
func (h sftpFiles) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	data, err := h.c.readFile(r.Filepath)
	if err != nil {
		return nil, h.failed(err)
	}
	return bytes.NewReader(data), nil
}

// Filewrite opens an upload; it is published (a post) or stored (a file)
// when the client closes it.
func (h sftpFiles) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	if !isPost(r.Filepath) {
		u, err := h.c.newFileUpload(r.Filepath)
		if err != nil {
			return nil, h.failed(err)
		}
		return sftpFileUpload{u, h}, nil
	}
	u, err := h.c.newUpload(r.Filepath)
	if err != nil {
		return nil, h.failed(err)
	}
	return sftpUpload{u, h}, nil
}

// sftpUpload is an upload whose failure to publish is reported.
type sftpUpload struct {
	*upload
	h sftpFiles
}

// Close publishes the upload, reporting why not.
func (u sftpUpload) Close() error {
	return u.h.failed(u.upload.Close())
}

// sftpFileUpload is a file's upload whose failure to be stored is reported.
type sftpFileUpload struct {
	*fileUpload
	h sftpFiles
}

// Close stores the file, reporting why not.
func (u sftpFileUpload) Close() error {
	return u.h.failed(u.fileUpload.Close())
}

// Filecmd handles remove and rename; setting times or modes is accepted
// and ignored, and folders cannot be made.
func (h sftpFiles) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Setstat", "Mkdir":
		return nil // folders exist while files are in them
	case "Remove":
		return h.failed(h.c.removeFile(r.Filepath))
	case "Rename", "PosixRename":
		return h.failed(h.c.renameFile(r.Filepath, r.Target))
	default:
		return sftp.ErrSSHFxOpUnsupported
	}
}

// Filelist lists the folder or stats one file.
func (h sftpFiles) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	switch r.Method {
	case "List":
		infos, ok, err := h.c.folderEntries(r.Filepath)
		if err != nil {
			return nil, sftpError(err)
		}
		if !ok {
			return nil, os.ErrNotExist
		}
		return listerAt(infos), nil
	case "Stat", "Lstat":
		if r.Filepath == "/" || r.Filepath == "" || r.Filepath == "." {
			return listerAt{dirInfo{name: "/"}}, nil
		}
		if !isPost(r.Filepath) && h.c.isBlogFolder(r.Filepath) {
			return listerAt{dirInfo{name: path.Base(r.Filepath)}}, nil
		}
		f, err := h.c.stat(r.Filepath)
		if err != nil {
			return nil, sftpError(err)
		}
		return listerAt{fileInfo{f}}, nil
	default:
		return nil, sftp.ErrSSHFxOpUnsupported
	}
}

// sftpError maps the blog's errors to sftp's: a missing post is "no such
// file", a refusal is "permission denied"; the text goes with it for
// clients that show it.
func sftpError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, blog.ErrNotAuthor):
		return fmt.Errorf("%w: %w", err, sftp.ErrSSHFxPermissionDenied)
	case errors.Is(err, blog.ErrNotFound):
		return fmt.Errorf("%w: %w", err, os.ErrNotExist)
	}
	return err
}

// listerAt serves a fixed list of file infos.
type listerAt []os.FileInfo

// ListAt copies infos from offset off into ls.
func (l listerAt) ListAt(ls []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(ls, l[off:])
	if n < len(ls) {
		return n, io.EOF
	}
	return n, nil
}

// fileInfo is a post as an os.FileInfo.
type fileInfo struct{ f postFile }

func (i fileInfo) Name() string       { return i.f.name }
func (i fileInfo) Size() int64        { return i.f.size }
func (i fileInfo) Mode() fs.FileMode  { return 0o644 }
func (i fileInfo) ModTime() time.Time { return i.f.modTime }
func (i fileInfo) IsDir() bool        { return false }
func (i fileInfo) Sys() any           { return nil }
