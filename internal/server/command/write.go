package command

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

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
			return fmt.Errorf("%q is not a revision number", termtext.SanitizeLine(s))
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
	fs := c.flagSet()
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
	src, release, err := c.readStdin(c.Blog.MaxPostSize())
	if err != nil {
		return err
	}
	defer release() // the blog keeps a copy, not src
	res, err := c.Blog.Publish(c.ctx, c.ID, src, opts)
	if err != nil {
		return err
	}
	if w := render.Check(src); w != "" {
		c.warn(errors.New(w))
	}
	for _, ref := range c.Blog.MissingImages(res.Slug, src) {
		c.warn(fmt.Errorf("warning: %s: the image %s is not a file of the blog (scp it to HOST:%s)",
			res.Slug, termtext.SanitizeLine(ref), strings.TrimPrefix(imagePath(res.Slug, ref), "/")))
	}
	if res.Unchanged {
		return c.printf("unchanged %s rev %d\n", res.Slug, res.Rev)
	}
	if p := res.Proposal; p != nil {
		return c.printf("proposed %s rev %d (needs a review)\n", p.Slug, p.N)
	}
	return c.printf("published %s rev %d\n", res.Slug, res.Rev)
}

// readStdin reads the session's input to its end, at most limit bytes,
// into a buffer lent by Uploads: release gives it back, and nothing may
// use data afterwards. Input over limit is refused at its first byte too
// many, without reading on. A dropped connection also ends the input, so
// before trusting it the client must answer a request: a torn upload is
// never stored.
func (c *call) readStdin(limit int64) (data []byte, release func(), err error) {
	data, release, err = c.Uploads.ReadAll(c.Stdin, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("reading stdin: %w", err)
	}
	if err := c.alive(); err != nil {
		release()
		return nil, nil, err
	}
	return data, release, nil
}

// alive checks that the client is still there, after its input ended.
func (c *call) alive() error {
	if err := c.Alive(); err != nil {
		return errors.New("the connection was lost before the upload finished; nothing was stored")
	}
	return nil
}

func cmdRemove(c *call) error {
	fs := c.flagSet()
	ifRev := ifRevFlag(fs)
	slug, err := c.slugAndFlags(fs)
	if err != nil {
		return err
	}
	if isFilePath(slug) {
		f, err := c.Blog.RemoveFile(c.ctx, c.ID, slug)
		if err != nil {
			return err
		}
		return c.printf("removed %s rev %d (revert %s %d restores it)\n", f.Path, f.Rev, f.Path, f.Rev-1)
	}
	e, err := c.Blog.Remove(c.ctx, c.ID, slug, ifRev())
	if err != nil {
		return err
	}
	return c.printf("removed %s rev %d (revert %s %d restores it)\n", e.Slug, e.Rev, e.Slug, e.Rev-1)
}

// isFilePath reports whether a command's argument names one of the blog's
// files (/assets/x.png) rather than a post: no slug starts with a slash.
func isFilePath(arg string) bool { return strings.HasPrefix(arg, "/") }

func cmdMove(c *call) error {
	if len(c.args) != 2 {
		return usageError{"expected OLD NEW"}
	}
	if isFilePath(c.args[0]) {
		f, err := c.Blog.RenameFile(c.ctx, c.ID, c.args[0], c.args[1])
		if err != nil {
			return err
		}
		return c.printf("renamed %s to %s\n", termtext.SanitizeLine(c.args[0]), f.Path)
	}
	e, err := c.Blog.Rename(c.ctx, c.ID, c.args[0], c.args[1])
	if err != nil {
		return err
	}
	return c.printf("renamed %s to %s rev %d\n", c.args[0], e.Slug, e.Rev)
}

func cmdRevert(c *call) error {
	if len(c.args) != 2 {
		return usageError{"expected SLUG REV"}
	}
	n, err := number(c.args[1], "revision", 0) // 0 too: the blog answers that there is none
	if err != nil {
		return err
	}
	if isFilePath(c.args[0]) {
		f, err := c.Blog.RevertFile(c.ctx, c.ID, c.args[0], n)
		if err != nil {
			return err
		}
		return c.printf("reverted %s to rev %d as rev %d\n", f.Path, n, f.Rev)
	}
	e, err := c.Blog.Revert(c.ctx, c.ID, c.args[0], n)
	if err != nil {
		return err
	}
	return c.printf("reverted %s to rev %d as rev %d\n", e.Slug, n, e.Rev)
}
