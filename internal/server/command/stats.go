package command

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/termtext"
)

// The stats command: who reads what, for authors, without naming anyone.

// statsDays is how many days `stats SLUG` shows.
const statsDays = 30

// statsReferrers is how many referring domains `stats` names per post.
const statsReferrers = 3

func cmdStats(c *call) error {
	fs := c.flagSet()
	all := fs.Bool("all", false, "")
	args, err := c.flags(fs)
	if err != nil {
		return err
	}
	switch len(args) {
	case 0:
		return statsAll(c, *all)
	case 1:
		return statsPost(c, args[0])
	}
	return usageError{"expected at most one SLUG"}
}

// statsAll prints the posts' reads over 7 and 30 days and all time, with
// their top referring domains: most read first (over 30 days, then all
// time; ties in the list's order, newest first), and only the posts ever
// read unless all.
func statsAll(c *call, all bool) error {
	sums, err := c.Blog.Stats(c.ctx, c.ID, statsReferrers)
	if err != nil {
		return err
	}
	if !all {
		sums = slices.DeleteFunc(sums, func(s stats.Summary) bool { return s.All.Reads == 0 })
	}
	slices.SortStableFunc(sums, func(a, b stats.Summary) int {
		if c := cmp.Compare(b.Month.Reads, a.Month.Reads); c != 0 {
			return c
		}
		return cmp.Compare(b.All.Reads, a.All.Reads)
	})
	var b strings.Builder
	b.WriteString("POST\tREADS 7D\tREADERS 7D\tREADS 30D\tREADERS 30D\tREADS\tREADERS\tSOURCES\tREFERRERS\n")
	for _, s := range sums {
		refs := make([]string, 0, len(s.Referrers))
		for _, r := range s.Referrers {
			refs = append(refs, fmt.Sprintf("%s %d", termtext.SanitizeLine(r.Domain), r.Reads))
		}
		fmt.Fprintf(&b, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", termtext.SanitizeLine(s.Slug),
			s.Week.Reads, s.Week.Uniques, s.Month.Reads, s.Month.Uniques, s.All.Reads, s.All.Uniques,
			sourcesLine(s.BySource), strings.Join(refs, ", "))
	}
	return c.print(b.String())
}

// sourcesLine words where a post's reads came from: "ssh 3, web 2, feed 1".
func sourcesLine(by map[stats.Source]stats.Totals) string {
	var parts []string
	for _, src := range []stats.Source{stats.SSH, stats.Web, stats.Feed} {
		if t := by[src]; t.Reads > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", src, t.Reads))
		}
	}
	return strings.Join(parts, ", ")
}

// statsPost prints one post's reads by day, oldest first.
func statsPost(c *call, slug string) error {
	pts, err := c.Blog.PostStats(c.ctx, c.ID, slug, statsDays)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("DAY\tREADS\tREADERS\tBOTS\n")
	for _, p := range pts {
		fmt.Fprintf(&b, "%s\t%d\t%d\t%d\n", p.Day, p.Reads, p.Uniques, p.Bots)
	}
	return c.print(b.String())
}
