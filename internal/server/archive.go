package server

import (
	"fmt"
	"io"
	"strings"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/termtext"
)

// The commands that move the whole blog: import, export and backup.

func cmdExport(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments; redirect stdout to a file: ssh HOST export > blog.tar"}
	}
	return c.s.blog.Export(c.ctx, c.id, c.stdout)
}

func cmdBackup(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments; redirect stdout to a file: ssh HOST backup > blog.db"}
	}
	_, err := c.s.blog.Backup(c.ctx, c.id, c.stdout)
	return err
}

func cmdImport(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments; feed the archive on stdin: ssh HOST import < blog.tar"}
	}
	res, err := c.s.blog.Import(c.ctx, c.id, c.sess, blog.ImportOptions{
		Progress: func(p blog.ImportProgress) {
			fmt.Fprintf(c.sess.Stderr(), "read %d posts, skipped %d, %s\n", p.Posts, p.Skipped, sizeLine(p.Bytes))
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
	if res.Ignored > 0 {
		fmt.Fprintf(&b, "ignored %d files that are not markdown\n", res.Ignored)
	}
	if res.Proposed > 0 {
		fmt.Fprintf(&b, "proposed %d (they need a review: see `review`), skipped %d\n", res.Proposed, len(res.Skipped))
	} else {
		fmt.Fprintf(&b, "imported %d, skipped %d\n", res.Imported, len(res.Skipped))
	}
	_, err = io.WriteString(c.stdout, b.String())
	return err
}

// sizeLine words a count of bytes read for a progress line.
func sizeLine(n int64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
