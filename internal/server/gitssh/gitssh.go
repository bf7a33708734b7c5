// Package gitssh serves the blog's git repository (package gitrepo) over
// the SSH server: the commands git runs on the far side of an ssh
// connection, git-upload-pack (clone, fetch, pull) and git-receive-pack
// (push), in git's pack protocol (version 0, with side-band-64k), without
// a git program on the server.
package gitssh

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/gitrepo"
)

// Service names the two commands.
const (
	UploadPack  = "git-upload-pack"
	ReceivePack = "git-receive-pack"
)

// Parse reports whether cmd, a session's command line as split by the
// shell's rules, is one of git's, and which.
func Parse(cmd []string) (service string, args []string, ok bool) {
	switch {
	case len(cmd) >= 1 && (cmd[0] == UploadPack || cmd[0] == ReceivePack):
		return cmd[0], cmd[1:], true
	case len(cmd) >= 2 && cmd[0] == "git" && (cmd[1] == "upload-pack" || cmd[1] == "receive-pack"):
		return "git-" + cmd[1], cmd[2:], true
	}
	return "", nil, false
}

// repoPath reports whether path names the blog's repository: blog.git or
// blog, bare, under / or under ~/.
func repoPath(path string) bool {
	p := strings.TrimPrefix(path, "~")
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	return p == "blog.git" || p == "blog"
}

// Server runs git's commands against the blog's repository.
type Server struct {
	Repo *gitrepo.Repo
	Blog *blog.Service
	Log  *slog.Logger
}

// Session is one git command's session.
type Session struct {
	ID     blog.Identity
	Args   []string // after the command: the repository's path
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Run serves one command and returns its exit status.
func (s *Server) Run(ctx context.Context, service string, sess Session) int {
	if len(sess.Args) != 1 || !repoPath(sess.Args[0]) {
		fmt.Fprintf(sess.Stderr, "fatal: no such repository %q: the blog is blog.git (git clone ssh://HOST/blog.git)\n", strings.Join(sess.Args, " "))
		return 1
	}
	var err error
	if service == UploadPack {
		err = s.upload(ctx, sess)
	} else {
		err = s.receive(ctx, sess)
	}
	if err != nil {
		var refused *usageError
		if errors.As(err, &refused) {
			fmt.Fprintln(sess.Stderr, refused.msg)
			return 1
		}
		if ctx.Err() == nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			s.Log.Warn("git", "service", service, "who", sess.ID.String(), "err", err)
			fmt.Fprintf(sess.Stderr, "sshblog: %s: %v\n", service, err)
		}
		return 1
	}
	return 0
}

// usageError is a refusal told on stderr before the protocol starts.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// pktReader reads pkt-lines.
type pktReader struct{ r *bufio.Reader }

// maxPkt is the largest pkt-line git sends.
const maxPkt = 65520

// next returns the next pkt-line's payload, nil for a flush.
func (p *pktReader) next() ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(p.r, head[:]); err != nil {
		return nil, err
	}
	n, err := strconv.ParseUint(string(head[:]), 16, 16)
	if err != nil {
		return nil, fmt.Errorf("a damaged pkt-line")
	}
	if n == 0 {
		return nil, nil
	}
	if n < 4 || n > maxPkt {
		return nil, fmt.Errorf("a pkt-line of length %d", n)
	}
	buf := make([]byte, n-4)
	if _, err := io.ReadFull(p.r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// line returns the next pkt-line as text without its newline; flush is
// reported as ok false.
func (p *pktReader) line() (string, bool, error) {
	b, err := p.next()
	if err != nil {
		return "", false, err
	}
	if b == nil {
		return "", false, nil
	}
	return strings.TrimSuffix(string(b), "\n"), true, nil
}

// pkt writes one pkt-line.
func pkt(w io.Writer, s string) error {
	_, err := fmt.Fprintf(w, "%04x%s", len(s)+4, s)
	return err
}

// flush writes a flush-pkt.
func flush(w io.Writer) error {
	_, err := io.WriteString(w, "0000")
	return err
}

// sideband writes its bytes on one band of side-band-64k.
type sideband struct {
	w    io.Writer
	band byte
}

func (s sideband) Write(p []byte) (int, error) {
	const most = maxPkt - 5
	n := 0
	for len(p) > 0 {
		k := min(len(p), most)
		head := fmt.Sprintf("%04x", k+5)
		buf := make([]byte, 0, k+5)
		buf = append(buf, head...)
		buf = append(buf, s.band)
		buf = append(buf, p[:k]...)
		if _, err := s.w.Write(buf); err != nil {
			return n, err
		}
		n += k
		p = p[k:]
	}
	return n, nil
}

// advertise writes the refs: HEAD and main at tip, or, for an empty
// repository, the capabilities alone.
func advertise(w io.Writer, tip gitrepo.Hash, caps string, head bool) error {
	if tip.IsZero() {
		if err := pkt(w, tip.String()+" capabilities^{}\x00"+caps+"\n"); err != nil {
			return err
		}
		return flush(w)
	}
	first := gitrepo.Branch
	if head {
		first = "HEAD"
		caps += " symref=HEAD:" + gitrepo.Branch
	}
	if err := pkt(w, tip.String()+" "+first+"\x00"+caps+"\n"); err != nil {
		return err
	}
	if head {
		if err := pkt(w, tip.String()+" "+gitrepo.Branch+"\n"); err != nil {
			return err
		}
	}
	return flush(w)
}

// upload serves a clone or a fetch.
func (s *Server) upload(ctx context.Context, sess Session) error {
	v, err := s.Repo.View(ctx, sess.ID)
	if err != nil {
		return &usageError{msg: "sshblog: " + err.Error()}
	}
	out := bufio.NewWriter(sess.Stdout)
	if err := advertise(out, v.Tip(), "side-band-64k ofs-delta no-progress agent=sshblog", true); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	in := &pktReader{r: bufio.NewReader(sess.Stdin)}
	var wants []int
	var caps []string
	for {
		line, ok, err := in.line()
		if err != nil {
			if len(wants) == 0 && errors.Is(err, io.EOF) {
				return nil // ls-remote: the refs were all it wanted
			}
			return err
		}
		if !ok {
			break
		}
		rest, isWant := strings.CutPrefix(line, "want ")
		if !isWant {
			_ = pkt(out, "ERR sshblog: shallow and filtered clones are not served: clone the whole blog\n")
			_ = out.Flush()
			return &usageError{msg: "sshblog: shallow and filtered clones are not served"}
		}
		id, more, _ := strings.Cut(rest, " ")
		if len(wants) == 0 {
			caps = strings.Fields(more)
		}
		h, err := gitrepo.ParseHash(id)
		if err != nil || v.Index(h) < 0 {
			_ = pkt(out, "ERR upload-pack: not our ref "+id+"\n")
			_ = out.Flush()
			return &usageError{msg: "sshblog: not our ref " + id}
		}
		wants = append(wants, v.Index(h))
	}
	if len(wants) == 0 {
		return nil
	}
	// Negotiation as git's upload-pack does it without multi_ack: the
	// first common commit is acknowledged, a flush with none yet is
	// answered NAK, and "done" starts the pack.
	have, common := -1, false
	for {
		line, ok, err := in.line()
		if err != nil {
			return err
		}
		if !ok {
			if !common {
				if err := pkt(out, "NAK\n"); err != nil {
					return err
				}
			}
			if err := out.Flush(); err != nil {
				return err
			}
			continue
		}
		if line == "done" {
			if !common {
				if err := pkt(out, "NAK\n"); err != nil {
					return err
				}
			}
			break
		}
		id, isHave := strings.CutPrefix(line, "have ")
		if !isHave {
			return fmt.Errorf("expected have or done, got %q", line)
		}
		h, err := gitrepo.ParseHash(id)
		if err != nil {
			return err
		}
		if i := v.Index(h); i >= 0 {
			have = max(have, i)
			if !common {
				common = true
				if err := pkt(out, "ACK "+id+"\n"); err != nil {
					return err
				}
			}
		}
	}
	has := func(c string) bool {
		for _, x := range caps {
			if x == c {
				return true
			}
		}
		return false
	}
	var pack, progress io.Writer = out, io.Discard
	if has("side-band-64k") || has("side-band") {
		pack = sideband{w: out, band: 1}
		if !has("no-progress") {
			progress = sideband{w: out, band: 2}
		}
	}
	fmt.Fprintf(progress, "Counting objects: %d commits, done.\n", v.Len()-have-1)
	st, err := v.WritePack(ctx, s.Blog, sess.ID, pack, have)
	if err != nil {
		if pack != io.Writer(out) {
			_, _ = (sideband{w: out, band: 3}).Write([]byte("sshblog: " + err.Error() + "\n"))
			_ = out.Flush()
		}
		return err
	}
	s.Log.Info("git", "service", UploadPack, "who", sess.ID.String(), "commits", st.Commits, "trees", st.Trees, "blobs", st.Blobs, "bytes", st.Bytes, "from", have+1)
	if pack != io.Writer(out) {
		if err := flush(out); err != nil {
			return err
		}
	}
	return out.Flush()
}

// command is one ref update of a push.
type command struct {
	old, new gitrepo.Hash
	ref      string
}

// receive serves a push.
func (s *Server) receive(ctx context.Context, sess Session) error {
	if !sess.ID.IsAuthor() {
		return &usageError{msg: "permission denied: only authors can push (the blog's keys/NAME.pub); anyone can clone"}
	}
	v, err := s.Repo.View(ctx, sess.ID)
	if err != nil {
		return &usageError{msg: "sshblog: " + err.Error()}
	}
	out := bufio.NewWriter(sess.Stdout)
	if err := advertise(out, v.Tip(), "report-status side-band-64k ofs-delta agent=sshblog", false); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	br := bufio.NewReader(sess.Stdin)
	in := &pktReader{r: br}
	var cmds []command
	var caps []string
	for {
		line, ok, err := in.line()
		if err != nil {
			if len(cmds) == 0 && errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if !ok {
			break
		}
		line, more, _ := strings.Cut(line, "\x00")
		if len(cmds) == 0 {
			caps = strings.Fields(more)
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return fmt.Errorf("a damaged push command")
		}
		old, err1 := gitrepo.ParseHash(f[0])
		nw, err2 := gitrepo.ParseHash(f[1])
		if err1 != nil || err2 != nil {
			return fmt.Errorf("a damaged push command")
		}
		cmds = append(cmds, command{old: old, new: nw, ref: f[2]})
		if len(cmds) > 1000 {
			return fmt.Errorf("too many refs in one push")
		}
	}
	if len(cmds) == 0 {
		return nil
	}
	hasPack := false
	for _, c := range cmds {
		hasPack = hasPack || !c.new.IsZero()
	}
	side := false
	for _, c := range caps {
		side = side || c == "side-band-64k"
	}
	var status, msgs io.Writer = out, sess.Stderr // without side-band, messages go to stderr as git's do
	if side {
		status, msgs = sideband{w: out, band: 1}, sideband{w: out, band: 2}
	}
	say := func(format string, args ...any) { fmt.Fprintf(msgs, format+"\n", args...) }

	results := make([]string, len(cmds))
	var main *command
	refused := ""
	for i := range cmds {
		c := &cmds[i]
		switch {
		case c.ref != gitrepo.Branch:
			results[i] = "the blog has one branch, main; nothing else can be pushed"
		case c.new.IsZero():
			results[i] = "the blog's branch cannot be deleted"
		default:
			main = c
		}
		if results[i] != "" {
			refused = results[i]
		}
	}
	unpack := "ok"
	var lines []string
	switch {
	case main == nil || refused != "":
		if hasPack {
			_ = gitrepo.DiscardPack(br, s.Blog.MaxImport())
		}
		for i := range cmds {
			if results[i] == "" {
				results[i] = "refused with the other refs of this push"
			}
		}
		say("%s", refused)
	default:
		i := indexOf(cmds, main)
		lines, err = s.Repo.Receive(ctx, sess.ID, main.old, main.new, br, hasPack, s.Blog.MaxImport())
		for _, l := range lines {
			say("%s", l)
		}
		var pe *gitrepo.PackError
		var pr *blog.PushRefused
		switch {
		case err == nil:
			if len(lines) > 0 && !strings.HasPrefix(lines[0], "nothing") && !strings.HasPrefix(lines[0], "proposed") {
				say("the blog wrote your commits as its own: run git pull --rebase before you go on")
			}
		case errors.Is(err, gitrepo.ErrNotFastForward):
			results[i] = "non-fast-forward"
			say("force pushes are refused: the blog's history is never rewritten; git pull --rebase, then push")
		case errors.Is(err, gitrepo.ErrFetchFirst):
			results[i] = "fetch first"
			say("the blog changed since your fetch: git pull --rebase, then push again")
		case errors.As(err, &pe):
			unpack = pe.Msg
			results[i] = "unpacker error"
			say("%s", pe.Msg)
		case errors.As(err, &pr):
			for _, p := range pr.Problems {
				say("%s", p)
			}
			results[i] = fmt.Sprintf("refused: %d problem(s), nothing was stored", len(pr.Problems))
		default:
			results[i] = "refused: " + oneLine(err.Error())
			say("%s", oneLine(err.Error()))
		}
	}
	if err := pkt(status, "unpack "+oneLine(unpack)+"\n"); err != nil {
		return err
	}
	for i, c := range cmds {
		r := "ok " + c.ref + "\n"
		if results[i] != "" {
			r = "ng " + c.ref + " " + oneLine(results[i]) + "\n"
		}
		if err := pkt(status, r); err != nil {
			return err
		}
	}
	if err := flush(status); err != nil {
		return err
	}
	if side {
		if err := flush(out); err != nil {
			return err
		}
	}
	s.Log.Info("git", "service", ReceivePack, "who", sess.ID.String(), "refs", len(cmds), "result", strings.Join(results, "; "))
	return out.Flush()
}

// indexOf returns the index of c in cmds.
func indexOf(cmds []command, c *command) int {
	for i := range cmds {
		if &cmds[i] == c {
			return i
		}
	}
	return -1
}

// oneLine keeps the first line of s, without control characters.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
