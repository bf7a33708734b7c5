package command

import (
	"fmt"
	"strings"

	"github.com/sshblog/sshblog/internal/termtext"
)

// The commands that find posts: search and tags.

// snippetWidth is the most columns of a search result's snippet.
const snippetWidth = 80

func cmdSearch(c *call) error {
	fs := c.flagSet()
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
	words := strings.Join(args, " ")
	hits, err := c.Blog.Search(c.ctx, c.ID, words, *limit, snippetWidth)
	if err != nil {
		return err
	}
	if len(hits) == 0 && c.Terminal {
		// Someone at a terminal is told; a pipe gets nothing, as grep's.
		_, err := fmt.Fprintf(c.Stderr, "no posts match %q\n", termtext.SanitizeLine(words))
		return err
	}
	var b strings.Builder
	for _, h := range hits {
		c.entryLine(&b, h.Entry, "")
		b.WriteByte('\t')
		b.WriteString(strings.ReplaceAll(h.Snippet, "\t", " "))
		b.WriteByte('\n')
	}
	return c.print(b.String())
}

func cmdTags(c *call) error {
	if err := noArgs(c.args, ""); err != nil {
		return err
	}
	tags, err := c.Blog.Tags(c.ctx, c.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, t := range tags {
		fmt.Fprintf(&b, "%s\t%d\n", termtext.SanitizeLine(t.Name), t.Posts)
	}
	return c.print(b.String())
}
