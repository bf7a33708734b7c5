package command

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
)

// The commands that read: they print what the blog lets the caller see.

func cmdList(c *call) error {
	fs := c.flagSet()
	tag := fs.String("tag", "", "")
	args, err := c.flags(fs)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return usageError{"takes no arguments but --tag TAG"}
	}
	entries, err := c.Blog.List(c.ctx, c.ID)
	if *tag != "" {
		entries, err = c.Blog.Tagged(c.ctx, c.ID, *tag)
	}
	if err != nil {
		return err
	}
	now := c.Blog.Now()
	var b strings.Builder
	for _, e := range entries {
		if e.Page {
			continue // pages are not dated posts
		}
		mark := ""
		switch {
		case e.Draft:
			mark = "(draft) "
		case e.IsScheduled(now):
			mark = "(scheduled) "
		}
		c.entryLine(&b, e, mark)
		b.WriteByte('\n')
	}
	return c.print(b.String())
}

// entryLine writes a post's line as ls and search start it, without its
// end: DATE<TAB>SLUG<TAB>TITLE, the title after mark. The date is the
// post's front matter's, or else when it was last written, in the blog's
// time zone.
func (c *call) entryLine(b *strings.Builder, e store.Entry, mark string) {
	date := e.Date
	if date.IsZero() {
		date = e.Updated
	}
	b.WriteString(date.In(c.Blog.Location()).Format("2006-01-02"))
	b.WriteByte('\t')
	b.WriteString(termtext.SanitizeLine(e.Slug))
	b.WriteByte('\t')
	b.WriteString(mark)
	b.WriteString(termtext.SanitizeLine(e.Title))
}

func cmdCat(c *call) error {
	arg, err := oneSlug(c.args)
	if err != nil {
		return err
	}
	ref, err := blog.ParseRef(arg)
	if err != nil {
		return err
	}
	r, err := c.Blog.Revision(c.ctx, c.ID, ref)
	if err != nil {
		return err
	}
	if ref.Rev == 0 {
		c.Blog.CountRead(c.ID, blog.Visit{Slug: r.Slug, Source: stats.SSH})
	}
	if c.Terminal { // a terminal shows control characters, never obeys them
		return c.print(termtext.Sanitize(string(r.Source)))
	}
	_, err = c.Stdout.Write(r.Source)
	return err
}

// defaultWidth is read's width without --width or a terminal.
const defaultWidth = 80

func cmdRead(c *call) error {
	fs := c.flagSet()
	width := fs.Int("width", 0, "")
	bodyOnly := fs.Bool("body", false, "")
	slug, err := c.slugAndFlags(fs)
	if err != nil {
		return err
	}
	w := *width
	switch {
	case w == 0 && c.Terminal && c.Width > 0:
		w = c.Width
		if c.ReadingWidth > 0 {
			w = min(w, c.ReadingWidth) // a comfortable measure on a wide terminal
		}
	case w == 0:
		w = defaultWidth
	case w < render.MinWidth || w > render.MaxWidth:
		return usageError{"--width must be between " + strconv.Itoa(render.MinWidth) + " and " + strconv.Itoa(render.MaxWidth)}
	}
	style := render.Plain
	if c.Terminal {
		style = render.Dark
	}
	p, rev, err := c.Blog.Post(c.ctx, c.ID, slug)
	if err != nil {
		return err
	}
	ref := blog.Ref{Slug: rev.Slug, Rev: rev.Rev}
	out, err := c.Renderer.RenderContext(c.ctx, render.Key{ID: ref.String(), Width: w, Style: style}, p.Body)
	if err != nil {
		return fmt.Errorf("rendering %q: %w", rev.Slug, err)
	}
	header := ""
	if !*bodyOnly {
		bl, err := c.Blog.Byline(c.ctx, c.ID, p, rev)
		if err != nil {
			return err
		}
		header = render.HeaderText(bl, c.Blog.Location(), w)
	}
	if c.drawsPictures() {
		featured := p.Image
		if *bodyOnly {
			featured = ""
		}
		header, out = c.withPictures(rev.Slug, featured, p.Body, header, out, w)
	}
	out = header + out
	c.Blog.CountRead(c.ID, blog.Visit{Slug: rev.Slug, Source: stats.SSH})
	return c.print(out)
}

func cmdHistory(c *call) error {
	slug, err := oneSlug(c.args)
	if err != nil {
		return err
	}
	if isFilePath(slug) {
		revs, err := c.Blog.FileHistory(c.ctx, slug)
		if err != nil {
			return err
		}
		var b strings.Builder
		for _, r := range revs {
			what := string(r.Action)
			if r.Action != store.Removed && r.Action != store.Renamed {
				what += fmt.Sprintf(" %d bytes %.12s", r.Size, r.Hash)
			}
			fmt.Fprintf(&b, "%d\t%s\t%s\t%s\n", r.Rev, r.Time.In(c.Blog.Location()).Format(time.RFC3339), termtext.SanitizeLine(r.Author), what)
		}
		return c.print(b.String())
	}
	revs, err := c.Blog.History(c.ctx, c.ID, slug)
	var props []store.Proposal
	if c.ID.IsAuthor() {
		if name, rerr := c.Blog.Resolve(c.ID, slug); rerr == nil {
			slug = name
		}
		props, _ = c.Blog.Proposals(c.ctx, c.ID, slug)
	}
	if err != nil && len(props) == 0 {
		return err
	}
	return c.print(historyLines(revs, props, c.Blog.Location()))
}

// historyLines lays out a post's revisions, and for authors what became of
// its proposals, oldest first: REV<TAB>TIME<TAB>AUTHOR<TAB>WHAT. A line
// about a proposal that wrote no revision has "-" for REV.
func historyLines(revs []store.Revision, props []store.Proposal, loc *time.Location) string {
	type line struct {
		at   time.Time
		text string
	}
	var lines []line
	add := func(rev string, at time.Time, author, what string) {
		lines = append(lines, line{at, fmt.Sprintf("%s\t%s\t%s\t%s\n", rev, at.In(loc).Format(time.RFC3339), termtext.SanitizeLine(author), termtext.SanitizeLine(what))})
	}
	approvedBy := map[uint64]string{} // revision -> "approved N (by NAME)"
	for _, p := range props {
		add("-", p.Time, p.Author, fmt.Sprintf("proposed %d", p.N))
		for _, n := range p.Notes {
			switch n.Action {
			case store.Approved:
				approvedBy[n.Rev] = fmt.Sprintf("approved %d (by %s)", p.N, n.Author)
			case store.Rejected:
				add("-", n.Time, n.Author, strings.TrimSuffix(fmt.Sprintf("rejected %d: %s", p.N, n.Text), ": "))
			default:
				add("-", n.Time, n.Author, fmt.Sprintf("commented on %d: %s", p.N, n.Text))
			}
		}
	}
	for _, r := range revs {
		what := string(r.Action)
		if a, ok := approvedBy[r.Rev]; ok && r.Action == store.Approved {
			what = a
		}
		add(strconv.FormatUint(r.Rev, 10), r.Time, r.Author, what)
	}
	slices.SortStableFunc(lines, func(a, b line) int { return a.at.Compare(b.at) })
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text)
	}
	return b.String()
}

func cmdDiff(c *call) error {
	if len(c.args) < 1 || len(c.args) > 3 {
		return usageError{"expected SLUG [N [M]]"}
	}
	var revs [2]uint64 // from, to; 0: the blog's default (the last change)
	for i, a := range c.args[1:] {
		n, err := number(a, "revision", 1)
		if err != nil {
			return err
		}
		revs[i] = n
	}
	d, err := c.Blog.Diff(c.ctx, c.ID, c.args[0], revs[0], revs[1])
	if err != nil {
		return err
	}
	return c.print(d)
}

func cmdWhoami(c *call) error {
	if err := noArgs(c.args, ""); err != nil {
		return err
	}
	return c.print(c.ID.String() + "\n")
}

func cmdHelp(c *call) error {
	var b strings.Builder
	b.WriteString(termtext.SanitizeLine(c.Title))
	if d := termtext.SanitizeLine(c.Description); d != "" {
		b.WriteString(": " + d)
	}
	b.WriteString("\n\nCommands (ssh HOST COMMAND):\n")
	for _, cmd := range commands() {
		fmt.Fprintf(&b, "  %-28s %s\n", strings.TrimSpace(cmd.name+" "+cmd.args), cmd.summary)
	}
	b.WriteString("With no command and a terminal (ssh -t HOST), browse the blog.\n")
	return c.print(b.String())
}

// cmdFiles lists the blog's files under a prefix, with the posts that show
// each: PATH<TAB>SIZE<TAB>TYPE<TAB>POSTS (slugs, comma-separated; "-" for
// none).
func cmdFiles(c *call) error {
	if len(c.args) > 1 {
		return usageError{"expected at most one PREFIX"}
	}
	prefix := ""
	if len(c.args) == 1 {
		prefix = c.args[0]
	}
	files, err := c.Blog.Files(c.ctx, c.ID, prefix)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, f := range files {
		posts := strings.Join(f.Posts, ",")
		if posts == "" {
			posts = "-"
		}
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\n", termtext.SanitizeLine(f.Path), f.Size, f.Type, posts)
	}
	return c.print(b.String())
}

// imagePath is where the image ref of the post slug is looked for.
func imagePath(slug, ref string) string {
	p, _ := blog.ResolveImage(slug, ref)
	return p
}
