package server

import (
	"flag"
	"fmt"
	"io"
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
	fs := flag.NewFlagSet("ls", flag.ContinueOnError)
	tag := fs.String("tag", "", "")
	args, err := c.flags(fs)
	if err != nil {
		return err
	}
	if len(args) != 0 {
		return usageError{"takes no arguments but --tag TAG"}
	}
	entries, err := c.s.blog.List(c.ctx, c.id)
	if *tag != "" {
		entries, err = c.s.blog.Tagged(c.ctx, c.id, *tag)
	}
	if err != nil {
		return err
	}
	now := c.s.blog.Now()
	var b strings.Builder
	for _, e := range entries {
		if e.Page {
			continue // pages are not dated posts
		}
		b.WriteString(dateOf(c, e.Date, e.Updated))
		b.WriteByte('\t')
		b.WriteString(termtext.SanitizeLine(e.Slug))
		b.WriteByte('\t')
		switch {
		case e.Draft:
			b.WriteString("(draft) ")
		case e.IsScheduled(now):
			b.WriteString("(scheduled) ")
		}
		b.WriteString(termtext.SanitizeLine(e.Title))
		b.WriteByte('\n')
	}
	_, err = io.WriteString(c.stdout, b.String())
	return err
}

// dateOf is a post's date as commands print it, in the blog's time zone:
// its front matter's, or else when it was last written.
func dateOf(c *call, date, updated time.Time) string {
	if date.IsZero() {
		date = updated
	}
	return date.In(c.s.blog.Location()).Format("2006-01-02")
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
	r, err := c.s.blog.Revision(c.ctx, c.id, ref)
	if err != nil {
		return err
	}
	if ref.Rev == 0 {
		c.s.blog.CountRead(c.id, blog.Visit{Slug: r.Slug, Source: stats.SSH})
	}
	_, err = c.stdout.Write(r.Source)
	return err
}

// defaultWidth is read's width without --width or a terminal.
const defaultWidth = 80

func cmdRead(c *call) error {
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	width := fs.Int("width", 0, "")
	bodyOnly := fs.Bool("body", false, "")
	args, err := c.flags(fs)
	if err != nil {
		return err
	}
	slug, err := oneSlug(args)
	if err != nil {
		return err
	}
	pty, _, isPty := c.sess.Pty()
	w := *width
	switch {
	case w == 0 && isPty && pty.Window.Width > 0:
		w = pty.Window.Width
	case w == 0:
		w = defaultWidth
	case w < render.MinWidth || w > render.MaxWidth:
		return usageError{"--width must be between " + strconv.Itoa(render.MinWidth) + " and " + strconv.Itoa(render.MaxWidth)}
	}
	style := render.Plain
	if isPty {
		style = render.Dark
	}
	p, rev, err := c.s.blog.Post(c.ctx, c.id, slug)
	if err != nil {
		return err
	}
	ref := blog.Ref{Slug: rev.Slug, Rev: rev.Rev}
	out, err := c.s.renderer.RenderContext(c.ctx, render.Key{ID: ref.String(), Width: w, Style: style}, p.Body)
	if err != nil {
		return fmt.Errorf("rendering %q: %w", rev.Slug, err)
	}
	if !*bodyOnly {
		bl, err := c.s.blog.Byline(c.ctx, c.id, p, rev)
		if err != nil {
			return err
		}
		out = render.HeaderText(bl, c.s.blog.Location(), w) + out
	}
	c.s.blog.CountRead(c.id, blog.Visit{Slug: rev.Slug, Source: stats.SSH})
	_, err = io.WriteString(c.stdout, out)
	return err
}

func cmdHistory(c *call) error {
	slug, err := oneSlug(c.args)
	if err != nil {
		return err
	}
	revs, err := c.s.blog.History(c.ctx, c.id, slug)
	var props []store.Proposal
	if c.id.IsAuthor() {
		if name, rerr := c.s.blog.Resolve(c.id, slug); rerr == nil {
			slug = name
		}
		props, _ = c.s.blog.Proposals(c.ctx, c.id, slug)
	}
	if err != nil && len(props) == 0 {
		return err
	}
	_, err = io.WriteString(c.stdout, historyLines(revs, props, c.s.blog.Location()))
	return err
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
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			return usageError{fmt.Sprintf("%q is not a revision number", termtext.SanitizeLine(a))}
		}
		revs[i] = n
	}
	d, err := c.s.blog.Diff(c.ctx, c.id, c.args[0], revs[0], revs[1])
	if err != nil {
		return err
	}
	_, err = io.WriteString(c.stdout, d)
	return err
}

func cmdWhoami(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments"}
	}
	_, err := fmt.Fprintln(c.stdout, c.id.String())
	return err
}

func cmdHelp(c *call) error {
	var b strings.Builder
	b.WriteString(termtext.SanitizeLine(c.s.cfg.Title))
	if d := termtext.SanitizeLine(c.s.cfg.Description); d != "" {
		b.WriteString(": " + d)
	}
	b.WriteString("\n\nCommands (ssh HOST COMMAND):\n")
	for _, cmd := range c.s.commands() {
		fmt.Fprintf(&b, "  %-28s %s\n", strings.TrimSpace(cmd.name+" "+cmd.args), cmd.summary)
	}
	b.WriteString("With no command and a terminal (ssh -t HOST), browse the blog.\n")
	_, err := io.WriteString(c.stdout, b.String())
	return err
}
