package server

import (
	"flag"
	"fmt"
	"io"
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
	n, err := strconv.ParseUint(args[1], 10, 64)
	if err != nil || n == 0 {
		return "", 0, usageError{fmt.Sprintf("%q is not a proposal number", termtext.SanitizeLine(args[1]))}
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
	p, diff, err := c.s.blog.ReviewDiff(c.ctx, c.id, slug, n)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s rev %d by %s, %s ago, %s\n", p.Slug, p.N, termtext.SanitizeLine(p.Author), termtext.Ago(c.s.blog.Now().Sub(p.Time)), proposalState(p))
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "  %s\n", noteLine(n))
	}
	b.WriteString(termtext.Sanitize(diff))
	_, err = io.WriteString(c.stdout, b.String())
	return err
}

// listProposals prints the open proposals, oldest first.
func (c *call) listProposals() error {
	ps, err := c.s.blog.OpenProposals(c.ctx, c.id)
	if err != nil {
		return err
	}
	if len(ps) == 0 && !c.s.blog.Reviewing() {
		fmt.Fprintln(c.sess.Stderr(), "sshblog: review is off on this blog: publishing needs no review")
	}
	now := c.s.blog.Now()
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\n", p.Slug, p.N, termtext.SanitizeLine(p.Author), termtext.Ago(now.Sub(p.Time)))
	}
	_, err = io.WriteString(c.stdout, b.String())
	return err
}

func cmdApprove(c *call) error {
	slug, n, err := slugAndNumber(c.args)
	if err != nil {
		return err
	}
	e, p, err := c.s.blog.Approve(c.ctx, c.id, slug, n)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "approved %s rev %d by %s: published as rev %d\n", e.Slug, p.N, termtext.SanitizeLine(p.Author), e.Rev)
	return err
}

func cmdReject(c *call) error {
	fs := flag.NewFlagSet("reject", flag.ContinueOnError)
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
	p, err := c.s.blog.Reject(c.ctx, c.id, slug, n, reason)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "rejected %s rev %d by %s; %s is unchanged\n", p.Slug, p.N, termtext.SanitizeLine(p.Author), p.Slug)
	return err
}

func cmdComment(c *call) error {
	if len(c.args) < 2 {
		return usageError{"expected SLUG TEXT..."}
	}
	p, err := c.s.blog.Comment(c.ctx, c.id, c.args[0], 0, strings.Join(c.args[1:], " "))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "commented on %s rev %d by %s\n", p.Slug, p.N, termtext.SanitizeLine(p.Author))
	return err
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
