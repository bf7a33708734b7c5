package command

import (
	"fmt"
	"strings"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/termtext"
)

// The commands that move the whole blog: import, export and backup.

func cmdExport(c *call) error {
	if err := noArgs(c.args, "; redirect stdout to a file: ssh HOST export > blog.tar"); err != nil {
		return err
	}
	return c.Blog.Export(c.ctx, c.ID, c.Stdout)
}

func cmdBackup(c *call) error {
	if err := noArgs(c.args, "; redirect stdout to a file: ssh HOST backup > blog.db"); err != nil {
		return err
	}
	_, err := c.Blog.Backup(c.ctx, c.ID, c.Stdout)
	return err
}

func cmdImport(c *call) error {
	if err := noArgs(c.args, "; feed the archive on stdin: ssh HOST import < blog.tar"); err != nil {
		return err
	}
	res, err := c.Blog.Import(c.ctx, c.ID, c.Stdin, blog.ImportOptions{
		Progress: func(p blog.ImportProgress) {
			fmt.Fprintf(c.Stderr, "read %d posts and %d files, skipped %d, %s\n", p.Posts, p.Files, p.Skipped, post.FormatSize(p.Bytes))
		},
		Confirm: c.alive,
	})
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, s := range res.Skipped {
		b.WriteString("skipped " + termtext.SanitizeLine(s) + "\n")
	}
	for _, m := range res.Missing {
		b.WriteString(termtext.SanitizeLine(m) + "\n")
	}
	if res.Ignored > 0 {
		fmt.Fprintf(&b, "ignored %d files that are neither posts nor files the blog keeps\n", res.Ignored)
	}
	if res.Files > 0 || len(res.Missing) > 0 {
		fmt.Fprintf(&b, "stored %d files; %d images not found\n", res.Files, len(res.Missing))
	}
	if res.Proposed > 0 {
		fmt.Fprintf(&b, "proposed %d (they need a review: see `review`), skipped %d\n", res.Proposed, len(res.Skipped))
	} else {
		fmt.Fprintf(&b, "imported %d, skipped %d\n", res.Imported, len(res.Skipped))
	}
	return c.print(b.String())
}
