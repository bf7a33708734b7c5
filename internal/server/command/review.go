package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
)

// The review commands: with the review setting on, authors' publishes are
// proposals, listed, shown, approved, rejected and commented on here. The
// rules (who may approve what) are the blog's.

// slugAndNumber reads SLUG [N] from args; N 0 means the newest open
// proposal.
func slugAndNumber(args []string) (string, uint64, error) {
	if len(args) < 1 || len(args) > 2 {
		return "", 0, usageError{"expected SLUG [N]"}
	}
	if len(args) == 1 {
		return args[0], 0, nil
	}
	n, err := number(args[1], "proposal", 1)
	if err != nil {
		return "", 0, err
	}
	return args[0], n, nil
}

func cmdReview(c *call) error {
	if len(c.args) == 0 {
		return c.listProposals()
	}
	slug, n, err := slugAndNumber(c.args)
	if err != nil {
		return err
	}
	p, diff, err := c.Blog.ReviewDiff(c.ctx, c.ID, slug, n)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s rev %d by %s, %s ago, %s\n", p.Slug, p.N, termtext.SanitizeLine(p.Author), termtext.Ago(c.Blog.Now().Sub(p.Time)), proposalState(p))
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "  %s\n", noteLine(n))
	}
	b.WriteString(termtext.Sanitize(diff))
	return c.print(b.String())
}

// listProposals prints the open proposals, oldest first.
func (c *call) listProposals() error {
	ps, err := c.Blog.OpenProposals(c.ctx, c.ID)
	if err != nil {
		return err
	}
	if len(ps) == 0 && !c.Blog.Reviewing() {
		fmt.Fprintln(c.Stderr, "sshblog: review is off on this blog: publishing needs no review")
	}
	now := c.Blog.Now()
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\n", p.Slug, p.N, termtext.SanitizeLine(p.Author), termtext.Ago(now.Sub(p.Time)))
	}
	return c.print(b.String())
}

func cmdApprove(c *call) error {
	slug, n, err := slugAndNumber(c.args)
	if err != nil {
		return err
	}
	e, p, err := c.Blog.Approve(c.ctx, c.ID, slug, n)
	if err != nil {
		return err
	}
	return c.printf("approved %s rev %d by %s: published as rev %d\n", e.Slug, p.N, termtext.SanitizeLine(p.Author), e.Rev)
}

func cmdReject(c *call) error {
	fs := c.flagSet()
	why := fs.String("why", "", "")
	args, err := c.flags(fs)
	if err != nil {
		return err
	}
	// ssh joins its arguments with spaces, so --why "not yet" arrives as
	// two words: every word after SLUG [N] is part of the reason.
	if len(args) < 1 {
		return usageError{"expected SLUG [N] [--why TEXT]"}
	}
	rest := args[1:]
	if len(rest) > 0 {
		if _, err := strconv.ParseUint(rest[0], 10, 64); err == nil {
			rest = rest[1:]
		}
	}
	slug, n, err := slugAndNumber(args[:len(args)-len(rest)])
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(*why + " " + strings.Join(rest, " "))
	p, err := c.Blog.Reject(c.ctx, c.ID, slug, n, reason)
	if err != nil {
		return err
	}
	return c.printf("rejected %s rev %d by %s; %s is unchanged\n", p.Slug, p.N, termtext.SanitizeLine(p.Author), p.Slug)
}

func cmdComment(c *call) error {
	if len(c.args) < 2 {
		return usageError{"expected SLUG TEXT..."}
	}
	p, err := c.Blog.Comment(c.ctx, c.ID, c.args[0], 0, strings.Join(c.args[1:], " "))
	if err != nil {
		return err
	}
	return c.printf("commented on %s rev %d by %s\n", p.Slug, p.N, termtext.SanitizeLine(p.Author))
}

// proposalState words where a proposal stands.
func proposalState(p store.Proposal) string {
	if p.Open() {
		return "waiting for a review"
	}
	return string(p.State)
}

// noteLine words a note on a proposal on one line.
func noteLine(n store.Note) string {
	var what string
	switch n.Action {
	case store.Approved:
		what = fmt.Sprintf("approved, published as rev %d", n.Rev)
	case store.Rejected:
		what = "rejected"
	default:
		what = "commented"
	}
	if n.Text != "" {
		what += ": " + n.Text
	}
	return termtext.SanitizeLine(n.Author) + " " + termtext.SanitizeLine(what)
}
