package transfer

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"

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
// upload's target names the post as over sftp (see targetFile). A failure
// reaches the client as one line on stderr and is logged. wish's scp writes a download and returns
// without reading the client's acknowledgements; closing before they arrive
// makes OpenSSH's scp report "lost connection" when it sends them. So after a
// download, read them: one to start, then one each for the times line, the
// file line and the file's contents.
func SCPMiddleware(folder func(ssh.Session) *Folder, log *slog.Logger) wish.Middleware {
	h := legacyScp{folder, log}
	return func(next ssh.Handler) ssh.Handler {
		return h.serve(scp.Middleware(h, h)(next))
	}
}

// serve runs an scp session, then reads a download's acknowledgements.
func (h legacyScp) serve(serve ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		rec := &exitRecorder{Session: sess}
		serve(rec)
		if rec.code != 0 {
			h.log.Info("scp failed", "remote", sess.RemoteAddr().String(), "command", termtext.SanitizeLine(strings.Join(sess.Command(), " ")), "err", strings.TrimSpace(rec.stderr.String()))
		}
		if info := scp.GetInfo(sess.Command()); info.Ok && info.Op == scp.OpCopyToClient && !rec.exited {
			_, _ = io.ReadFull(sess, make([]byte, scpDownloadAcks))
		}
	}
}

// scpDownloadAcks is how many acknowledgement bytes a client sends for the
// download of one file with its times.
const scpDownloadAcks = 4

// exitRecorder notes whether a handler ended the session with a status, as
// wish's scp does on an error, and what it wrote on stderr: wish writes an
// error without a newline, which the client's terminal needs.
type exitRecorder struct {
	ssh.Session
	exited bool
	code   int
	stderr stderrTail
}

// maxStderrKept is how much of what a session wrote on stderr is kept for
// the log.
const maxStderrKept = 512

// stderrTail passes writes on to a session's stderr, keeping the start of
// them and whether the last one ended a line.
type stderrTail struct {
	io.ReadWriter
	kept    bytes.Buffer
	endLine bool
}

// Write passes p on and notes it.
func (t *stderrTail) Write(p []byte) (int, error) {
	if room := maxStderrKept - t.kept.Len(); room > 0 {
		t.kept.Write(p[:min(room, len(p))])
	}
	if len(p) > 0 {
		t.endLine = p[len(p)-1] == '\n'
	}
	return t.ReadWriter.Write(p)
}

// String returns the start of what was written.
func (t *stderrTail) String() string { return t.kept.String() }

// Stderr returns the session's stderr, noting what goes to it.
func (e *exitRecorder) Stderr() io.ReadWriter {
	if e.stderr.ReadWriter == nil {
		e.stderr.ReadWriter = e.Session.Stderr()
	}
	return &e.stderr
}

// Exit ends a line left open on stderr, records the call and passes it on.
func (e *exitRecorder) Exit(code int) error {
	if e.stderr.kept.Len() > 0 && !e.stderr.endLine {
		_, _ = e.stderr.Write([]byte{'\n'})
	}
	e.exited, e.code = true, code
	return e.Session.Exit(code)
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

// Mkdir refuses folders.
func (h legacyScp) Mkdir(ssh.Session, *scp.DirEntry) error {
	return fmt.Errorf("the blog is one folder; no subfolders")
}

// Write publishes one uploaded file. A claimed size over the limit is
// refused before a byte of it is read.
func (h legacyScp) Write(sess ssh.Session, entry *scp.FileEntry) (int64, error) {
	c := h.folder(sess)
	target := scp.GetInfo(sess.Command()).Path
	if slices.Contains(sess.Command(), "-d") && !isFolder(target) { // several files, one name
		return 0, fmt.Errorf("%q: no such folder; several files go to the blog's folder (HOST:)", termtext.SanitizeLine(target))
	}
	name, err := targetFile(target, entry.Name)
	if err != nil {
		return 0, err
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
