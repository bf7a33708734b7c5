package server

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sshblog/sshblog/internal/termtext"
)

// The commands that find posts: search and tags.

// snippetWidth is the most columns of a search result's snippet.
const snippetWidth = 80

func cmdSearch(c *call) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	limit := fs.Int("limit", 20, "")
	args, err := c.flags(fs)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageError{"expected words to search for"}
	}
	if *limit < 1 || *limit > 1000 {
		return usageError{"--limit must be between 1 and 1000"}
	}
	hits, err := c.s.blog.Search(c.ctx, c.id, strings.Join(args, " "), *limit, snippetWidth)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, h := range hits {
		b.WriteString(dateOf(c, h.Entry.Date, h.Entry.Updated))
		b.WriteByte('\t')
		b.WriteString(termtext.SanitizeLine(h.Entry.Slug))
		b.WriteByte('\t')
		b.WriteString(termtext.SanitizeLine(h.Entry.Title))
		b.WriteByte('\t')
		b.WriteString(strings.ReplaceAll(h.Snippet, "\t", " "))
		b.WriteByte('\n')
	}
	_, err = io.WriteString(c.stdout, b.String())
	return err
}

func cmdTags(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments"}
	}
	tags, err := c.s.blog.Tags(c.ctx, c.id)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, t := range tags {
		fmt.Fprintf(&b, "%s\t%d\n", termtext.SanitizeLine(t.Name), t.Posts)
	}
	_, err = io.WriteString(c.stdout, b.String())
	return err
}
