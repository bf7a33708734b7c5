package server

import (
	"errors"
	"flag"
	"fmt"
	"strconv"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/termtext"
)

// The commands that change posts. Each parses its command line, hands the
// change to the blog and prints the answer; the rules are the blog's.

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
	opts := blog.PublishOptions{IfRev: ifRev()}
	if len(args) == 1 {
		opts.Slug = args[0]
	}
	src, release, err := c.readStdin(c.s.blog.MaxPostSize())
	if err != nil {
		return err
	}
	defer release() // the blog keeps a copy, not src
	res, err := c.s.blog.Publish(c.ctx, c.id, src, opts)
	if err != nil {
		return err
	}
	if w := render.Check(src); w != "" {
		fmt.Fprintln(c.sess.Stderr(), errorLine("publish", errors.New(w)))
	}
	if p := res.Proposal; p != nil {
		_, err = fmt.Fprintf(c.stdout, "proposed %s rev %d (needs a review)\n", p.Slug, p.N)
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "published %s rev %d\n", res.Slug, res.Rev)
	return err
}

// readStdin reads the session's input to its end, at most limit bytes,
// into a buffer lent by the server: release gives it back, and nothing may
// use data afterwards. Input over limit is refused at its first byte too
// many, without reading on. A dropped connection also ends the input, so
// before trusting it the client must answer a request: a torn upload is
// never stored.
func (c *call) readStdin(limit int64) (data []byte, release func(), err error) {
	data, release, err = c.s.uploads.ReadAll(c.sess, limit)
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
	e, err := c.s.blog.Remove(c.ctx, c.id, slug, ifRev())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "removed %s rev %d (revert %s %d restores it)\n", e.Slug, e.Rev, e.Slug, e.Rev-1)
	return err
}

func cmdMove(c *call) error {
	if len(c.args) != 2 {
		return usageError{"expected OLD NEW"}
	}
	e, err := c.s.blog.Rename(c.ctx, c.id, c.args[0], c.args[1])
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "renamed %s to %s rev %d\n", c.args[0], e.Slug, e.Rev)
	return err
}

func cmdRevert(c *call) error {
	if len(c.args) != 2 {
		return usageError{"expected SLUG REV"}
	}
	n, err := strconv.ParseUint(c.args[1], 10, 64)
	if err != nil {
		return usageError{fmt.Sprintf("%q is not a revision number", termtext.SanitizeLine(c.args[1]))}
	}
	e, err := c.s.blog.Revert(c.ctx, c.id, c.args[0], n)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "reverted %s to rev %d as rev %d\n", e.Slug, n, e.Rev)
	return err
}
