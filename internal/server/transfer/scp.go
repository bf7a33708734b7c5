package transfer

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/scp"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/termtext"
)

// legacyScp serves `scp -O`, the old scp protocol run as a command: the blog
// is one folder of SLUG.md files, as over sftp.
type legacyScp struct {
	folder func(ssh.Session) *Folder
	log    *slog.Logger
}

// SCPMiddleware serves `scp -O` in the folder each session is given. An
// upload's target names the post as over sftp (see targetFile). wish's scp
// reports a failure on stderr, without a newline, and closes; OpenSSH's
// scp then adds "lost connection". So the failure is sent instead as the
// protocol's error line ("\x01" MESSAGE "\n"), which the client prints as
// it is, as one line, and it is logged. And wish's scp writes a download
// and returns without reading the client's acknowledgements; closing
// before they arrive makes OpenSSH's scp report "lost connection" when it
// sends them. So after a download, read them: one to start, then one each
// for the times line, the file line and the file's contents.
func SCPMiddleware(folder func(ssh.Session) *Folder, log *slog.Logger) wish.Middleware {
	h := legacyScp{folder, log}
	return func(next ssh.Handler) ssh.Handler {
		return h.serve(scp.Middleware(h, h)(next), next)
	}
}

// serve runs an scp session, then reads a download's acknowledgements.
// Other commands go to next.
func (h legacyScp) serve(serve, next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		info := scp.GetInfo(sess.Command())
		if !info.Ok {
			next(sess)
			return
		}
		rec := &scpSession{Session: sess, upload: info.Op == scp.OpCopyFromClient}
		serve(rec)
		if rec.failure != "" {
			h.log.Info("scp failed", "remote", sess.RemoteAddr().String(), "command", termtext.SanitizeLine(strings.Join(sess.Command(), " ")), "err", rec.failure)
		}
		if info.Op == scp.OpCopyToClient && !rec.exited {
			_, _ = io.ReadFull(sess, make([]byte, scpDownloadAcks))
		}
	}
}

// scpDownloadAcks is how many acknowledgement bytes a client sends for the
// download of one file with its times.
const scpDownloadAcks = 4

// maxFailure is the longest failure line kept and sent.
const maxFailure = 512

// scpSession is an scp session as wish's scp sees it: what it writes on
// stderr (only ever a failure, before it exits with status 1) is kept, and
// sent on Exit as the protocol's error line.
type scpSession struct {
	ssh.Session
	upload  bool // the client sends files, and may still be sending
	exited  bool
	failure string
	stderr  failureWriter
}

// After a failed upload the client's input is read, and dropped, until it
// ends or for this long at most: closing while the client is still
// sending a file would kill it with SIGPIPE before it reads the error.
const (
	drainWait  = 2 * time.Second
	drainLimit = post.MaxSize + 64<<10
)

// failureWriter keeps what is written to it, up to maxFailure bytes.
type failureWriter struct{ kept bytes.Buffer }

// Write keeps p.
func (w *failureWriter) Write(p []byte) (int, error) {
	if room := maxFailure - w.kept.Len(); room > 0 {
		w.kept.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// Read reads nothing: nobody reads a session's stderr.
func (w *failureWriter) Read([]byte) (int, error) { return 0, io.EOF }

// Stderr returns the writer that keeps the failure.
func (s *scpSession) Stderr() io.ReadWriter { return &s.stderr }

// Exit sends the failure kept, if any, as one error line, then passes the
// status on.
func (s *scpSession) Exit(code int) error {
	s.exited = true
	if msg := termtext.SanitizeLine(s.stderr.kept.String()); code != 0 || msg != "" {
		if msg == "" {
			msg = "scp failed"
		}
		s.failure = msg
		_, _ = s.Session.Write([]byte("\x01" + msg + "\n"))
		if s.upload {
			s.drain()
		}
	}
	return s.Session.Exit(code)
}

// drain reads the client's input until it ends, drainLimit bytes or
// drainWait, whichever comes first. A read still waiting then ends when
// the session closes.
func (s *scpSession) drain() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, io.LimitReader(s.Session, drainLimit))
	}()
	timer := time.NewTimer(drainWait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
	}
}

// Glob answers a pattern with the one name it was given: no wildcards.
func (h legacyScp) Glob(_ ssh.Session, pattern string) ([]string, error) {
	return []string{pattern}, nil
}

// WalkDir refuses recursive copies: the blog has no folders to walk.
func (h legacyScp) WalkDir(ssh.Session, string, fs.WalkDirFunc) error {
	return fmt.Errorf("the blog is one folder; copy posts by name")
}

// NewDirEntry refuses folders.
func (h legacyScp) NewDirEntry(ssh.Session, string) (*scp.DirEntry, error) {
	return nil, fmt.Errorf("the blog is one folder; copy posts by name")
}

// NewFileEntry sends one post to the client.
func (h legacyScp) NewFileEntry(sess ssh.Session, name string) (*scp.FileEntry, func() error, error) {
	c := h.folder(sess)
	f, err := c.stat(name)
	if err != nil {
		return nil, nil, err
	}
	data, err := c.readFile(name)
	if err != nil {
		return nil, nil, err
	}
	return &scp.FileEntry{
		Name:     f.name,
		Filepath: f.name,
		Mode:     0o644,
		Size:     int64(len(data)),
		Reader:   bytes.NewReader(data),
		Mtime:    f.modTime.Unix(),
		Atime:    f.modTime.Unix(),
	}, nil, nil
}

// Mkdir accepts a folder: folders exist while files are in them.
func (h legacyScp) Mkdir(ssh.Session, *scp.DirEntry) error { return nil }

// Write publishes one uploaded file. A claimed size over the limit is
// refused before a byte of it is read.
func (h legacyScp) Write(sess ssh.Session, entry *scp.FileEntry) (int64, error) {
	c := h.folder(sess)
	target := scp.GetInfo(sess.Command()).Path
	if slices.Contains(sess.Command(), "-d") && !isFolder(target) && !strings.HasSuffix(target, "/") { // several files, one name
		if isPost(target) {
			return 0, fmt.Errorf("%q: no such folder; several files go to the blog's folder (HOST:) or a folder of files (HOST:assets/)", termtext.SanitizeLine(target))
		}
		target += "/"
	}
	name, err := targetFile(target, entry.Name)
	if err != nil {
		return 0, err
	}
	if !isPost(name) {
		return c.writeBlogFile(name, entry.Size, entry.Reader)
	}
	u, err := c.newUpload(name)
	if err != nil {
		return 0, err
	}
	if entry.Size > u.limit {
		return 0, post.TooLarge(u.limit)
	}
	n, err := u.ReadFrom(entry.Reader)
	if err != nil {
		return n, err
	}
	if n != entry.Size {
		return n, fmt.Errorf("%s: the transfer ended after %d of %d bytes; nothing was stored", entry.Name, n, entry.Size)
	}
	if err := u.Close(); err != nil {
		return 0, err
	}
	return n, nil
}
