package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"time"

	"charm.land/ssh"
	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui"
)

// errNotAuthor is what a reader gets from every write path.
var errNotAuthor = errors.New("permission denied: not an author")

// reader returns the view of the blog this call may see: everything for an
// author, what is public for a reader.
func (c *call) reader() store.Reader {
	if c.id.IsAuthor() {
		return c.s.store
	}
	return c.s.store.Public()
}

// canSee reports whether this call may see the post e.
func (c *call) canSee(e store.Entry) bool {
	return c.id.IsAuthor() || e.IsPublic(c.s.store.Now())
}

// entry looks up slug (following aliases) as this call may see it.
func (c *call) entry(slug string) (store.Entry, error) {
	e, ok := c.s.store.Entry(slug)
	if !ok || !c.canSee(e) {
		return store.Entry{}, notFound{slug}
	}
	return e, nil
}

// ifRevFlag adds --if-rev to fs; the result is nil when the flag is absent.
func ifRevFlag(fs *flag.FlagSet) func() *uint64 {
	var v uint64
	set := false
	fs.Func("if-rev", "", func(s string) error {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return fmt.Errorf("--if-rev wants a revision number, not %q", s)
		}
		v, set = n, true
		return nil
	})
	return func() *uint64 {
		if !set {
			return nil
		}
		return &v
	}
}

// conflictError words a failed --if-rev.
func conflictError(err error) error {
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("conflict: %w; fetch it again and retry", errors.Unwrap(err))
	}
	return err
}

func cmdPublish(c *call) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	ifRev := ifRevFlag(fs)
	args, err := c.flags(fs)
	if err != nil {
		return err
	}
	if len(args) > 1 {
		return usageError{"expected at most one SLUG"}
	}
	src, release, err := c.readStdin(c.s.cfg.MaxPostSize)
	if err != nil {
		return err
	}
	defer release() // publish keeps a copy, not src
	var slug string
	if len(args) == 1 {
		slug = args[0]
		if err := post.CheckSlug(slug); err != nil {
			return err
		}
	}
	e, err := c.s.publish(c, src, slug, ifRev())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "published %s rev %d\n", e.Slug, e.Rev)
	return err
}

// readStdin reads the session's input to its end, at most limit bytes,
// into a buffer lent by the server: release gives it back, and nothing may
// use data afterwards. Input over limit is refused at its first byte too
// many, without reading on. A dropped connection also ends the input, so
// before trusting it the client must answer a request: a torn upload is
// never stored.
func (c *call) readStdin(limit int64) (data []byte, release func(), err error) {
	data, release, err = c.s.uploads.readAll(c.sess, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("reading stdin: %w", err)
	}
	if err := c.alive(); err != nil {
		release()
		return nil, nil, err
	}
	return data, release, nil
}

// alive checks that the client is still there by asking it a question
// it must answer (OpenSSH answers keepalive requests, with a refusal).
func (c *call) alive() error {
	if _, err := c.sess.SendRequest("keepalive@openssh.com", true, nil); err != nil {
		return errors.New("the connection was lost before the upload finished; nothing was stored")
	}
	return nil
}

// publish parses src and stores it as the next revision of its post. slug,
// when not empty, names the post; otherwise the front matter or title does.
func (s *Server) publish(c *call, src []byte, slug string, ifRev *uint64) (store.Entry, error) {
	p, err := post.Parse(src, post.Options{Slug: slug, Location: s.cfg.Location, MaxSize: int(s.cfg.MaxPostSize)})
	if err != nil {
		return store.Entry{}, err
	}
	if p.Slug == "" {
		return store.Entry{}, errors.New("no slug: name one, or give the post a title or a slug in its front matter")
	}
	if err := post.CheckSlug(p.Slug); err != nil {
		return store.Entry{}, err
	}
	e, err := s.store.Put(c.ctx, store.Change{Post: p, Author: c.id.Author, IfRev: ifRev})
	if err != nil {
		return store.Entry{}, conflictError(err) // still wraps store.ErrConflict
	}
	s.log.Info("write", "action", "publish", "slug", e.Slug, "rev", e.Rev, "author", c.id.Author)
	s.addAliases(c, e.Slug, p.Aliases)
	return e, nil
}

// saver is how the editor of an author's TUI session stores a post: as
// publish does, always with the revision the edit started from, so an edit
// never silently overwrites another author's.
func (s *Server) saver(sess ssh.Session, id Identity) tui.SaveFunc {
	return func(ctx context.Context, slug string, src []byte, ifRev uint64) (store.Entry, error) {
		c := &call{s: s, sess: sess, ctx: ctx, id: id, stdout: sess}
		return s.publish(c, src, slug, &ifRev)
	}
}

// addAliases makes the front matter's aliases lead to slug. Hugo writes them
// as paths ("/posts/old-name/"): the last part is the old slug. An alias
// that names an existing post is left alone.
func (s *Server) addAliases(c *call, slug string, aliases []string) {
	for _, a := range aliases {
		a = path.Base(strings.Trim(a, "/"))
		if a == slug || post.CheckSlug(a) != nil {
			continue
		}
		if _, exists := s.store.Entry(a); exists {
			continue
		}
		if err := s.store.AddAlias(c.ctx, a, slug); err != nil {
			s.log.Warn("alias not added", "alias", a, "slug", slug, "err", err)
		}
	}
}

func cmdRemove(c *call) error {
	fs := flag.NewFlagSet("rm", flag.ContinueOnError)
	ifRev := ifRevFlag(fs)
	args, err := c.flags(fs)
	if err != nil {
		return err
	}
	slug, err := oneSlug(args)
	if err != nil {
		return err
	}
	e, err := c.s.store.Remove(c.ctx, slug, c.id.Author, ifRev())
	if err != nil {
		return lookupError(slug, conflictError(err))
	}
	c.s.log.Info("write", "action", "remove", "slug", e.Slug, "rev", e.Rev, "author", c.id.Author)
	_, err = fmt.Fprintf(c.stdout, "removed %s rev %d (revert %s %d restores it)\n", e.Slug, e.Rev, e.Slug, e.Rev-1)
	return err
}

func cmdMove(c *call) error {
	if len(c.args) != 2 {
		return usageError{"expected OLD NEW"}
	}
	oldSlug, newSlug := c.args[0], c.args[1]
	if err := post.CheckSlug(newSlug); err != nil {
		return err
	}
	e, err := c.s.store.Rename(c.ctx, oldSlug, newSlug, c.id.Author)
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%q already exists", termtext.SanitizeLine(newSlug))
		}
		return lookupError(oldSlug, err)
	}
	c.s.log.Info("write", "action", "rename", "from", oldSlug, "slug", e.Slug, "rev", e.Rev, "author", c.id.Author)
	_, err = fmt.Fprintf(c.stdout, "renamed %s to %s rev %d\n", oldSlug, e.Slug, e.Rev)
	return err
}

func cmdRevert(c *call) error {
	if len(c.args) != 2 {
		return usageError{"expected SLUG REV"}
	}
	slug := c.args[0]
	n, err := strconv.ParseUint(c.args[1], 10, 64)
	if err != nil {
		return usageError{fmt.Sprintf("%q is not a revision number", termtext.SanitizeLine(c.args[1]))}
	}
	e, ok := c.s.store.Entry(slug)
	if !ok {
		return lookupError(slug, store.ErrNotFound)
	}
	old, err := c.s.store.Revision(c.ctx, e.Slug, n)
	if err != nil {
		return fmt.Errorf("%s has no revision %d", e.Slug, n)
	}
	if old.Action == store.Removed {
		return fmt.Errorf("revision %d of %s is a removal; revert to the one before it", n, e.Slug)
	}
	p, err := post.Parse(old.Source, post.Options{Slug: e.Slug, Location: c.s.cfg.Location})
	if err != nil {
		return fmt.Errorf("revision %d of %s: %w", n, e.Slug, err)
	}
	cur := e.Rev
	ne, err := c.s.store.Put(c.ctx, store.Change{Post: p, Author: c.id.Author, IfRev: &cur, Action: store.Reverted})
	if err != nil {
		return conflictError(err)
	}
	c.s.log.Info("write", "action", "revert", "slug", ne.Slug, "rev", ne.Rev, "to", n, "author", c.id.Author)
	_, err = fmt.Fprintf(c.stdout, "reverted %s to rev %d as rev %d\n", ne.Slug, n, ne.Rev)
	return err
}

func cmdHistory(c *call) error {
	slug, err := oneSlug(c.args)
	if err != nil {
		return err
	}
	e, err := c.entry(slug)
	if err != nil {
		return err
	}
	revs, err := c.s.store.History(c.ctx, e.Slug)
	if err != nil {
		return lookupError(slug, err)
	}
	var b strings.Builder
	for _, r := range revs {
		fmt.Fprintf(&b, "%d\t%s\t%s\t%s\n", r.Rev, r.Time.In(c.s.cfg.Location).Format(time.RFC3339), termtext.SanitizeLine(r.Author), r.Action)
	}
	_, err = io.WriteString(c.stdout, b.String())
	return err
}

// revisionSource returns the markdown of revision rev of e ("" for a removal).
func (c *call) revisionSource(e store.Entry, rev uint64) (string, error) {
	r, err := c.s.store.Revision(c.ctx, e.Slug, rev)
	if err != nil {
		return "", fmt.Errorf("%s has no revision %d", e.Slug, rev)
	}
	return string(r.Source), nil
}

func cmdDiff(c *call) error {
	if len(c.args) < 1 || len(c.args) > 3 {
		return usageError{"expected SLUG [N [M]]"}
	}
	e, err := c.entry(c.args[0])
	if err != nil {
		return err
	}
	revs := []uint64{e.Rev - 1, e.Rev}
	for i, a := range c.args[1:] {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			return usageError{fmt.Sprintf("%q is not a revision number", termtext.SanitizeLine(a))}
		}
		revs[i] = n
	}
	if len(c.args) == 2 {
		revs[1] = e.Rev
	}
	var texts [2]string
	for i, rev := range revs {
		if rev == 0 { // the post's first revision: compare with nothing
			continue
		}
		if texts[i], err = c.revisionSource(e, rev); err != nil {
			return err
		}
	}
	label := func(rev uint64) string { return fmt.Sprintf("%s@%d", e.Slug, rev) }
	_, err = io.WriteString(c.stdout, udiff.Unified(label(revs[0]), label(revs[1]), texts[0], texts[1]))
	return err
}
