package stats

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
)

// Totals are reads over some days.
type Totals struct {
	Reads   int // reads by people
	Uniques int // reader-days: the sum of each day's unique readers
	Bots    int // reads by bots
}

// add adds c's numbers to t.
func (t *Totals) add(c *Count) {
	t.Reads += c.Reads
	t.Uniques += c.Uniques
	t.Bots += c.Bots
}

// Summary is a post's reads over the last week, month and every day kept.
type Summary struct {
	Slug  string
	Week  Totals // the last 7 days, today included
	Month Totals // the last 30 days, today included
	All   Totals // every day kept (Options.Days)

	// BySource splits All by source.
	BySource map[Source]Totals
	// Referrers are the domains that sent the most reads over every day
	// kept, most first.
	Referrers []Referrer
}

// Summaries returns the summary of each post in slugs, in that order (the
// caller passes the posts newest first); a post never read has zero totals.
// When slugs is nil, it summarises every post with counts, most read first.
// Each summary lists at most topReferrers referrers. The counts are the
// stored ones plus those not yet written.
func (r *Recorder) Summaries(ctx context.Context, slugs []string, topReferrers int) ([]Summary, error) {
	if r == nil {
		return nil, ErrOff
	}
	var out []Summary
	var err error
	derr := r.do(ctx, func() {
		r.drain()
		today, counts, cerr := r.counts(ctx, r.days, "")
		if cerr != nil {
			err = cerr
			return
		}
		type acc struct {
			s    Summary
			refs map[string]int
		}
		bySlug := map[string]*acc{}
		get := func(slug string) *acc {
			a := bySlug[slug]
			if a == nil {
				a = &acc{s: Summary{Slug: slug, BySource: map[Source]Totals{}}, refs: map[string]int{}}
				bySlug[slug] = a
			}
			return a
		}
		for i := range counts {
			c := &counts[i]
			a := get(c.Slug)
			age := today - c.Day
			if age < 7 {
				a.s.Week.add(c)
			}
			if age < 30 {
				a.s.Month.add(c)
			}
			a.s.All.add(c)
			t := a.s.BySource[c.Source]
			t.add(c)
			a.s.BySource[c.Source] = t
			for d, n := range c.Referrers {
				a.refs[d] += n
			}
		}
		if slugs == nil {
			slugs = slices.SortedFunc(maps.Keys(bySlug), func(x, y string) int {
				if c := cmp.Compare(bySlug[y].s.All.Reads, bySlug[x].s.All.Reads); c != 0 {
					return c
				}
				return cmp.Compare(x, y)
			})
		}
		out = make([]Summary, 0, len(slugs))
		for _, slug := range slugs {
			a := get(slug)
			a.s.Referrers = TopReferrers(a.refs, max(topReferrers, 0))
			out = append(out, a.s)
		}
	})
	if derr != nil {
		return nil, derr
	}
	return out, err
}

// Point is a post's reads on one day.
type Point struct {
	Day Day
	Totals
}

// Series returns the reads of the post slug on each of the last days days,
// today included, oldest first, with a point for every day: what a sparkline
// draws. days is capped at Options.Days.
func (r *Recorder) Series(ctx context.Context, slug string, days int) ([]Point, error) {
	if r == nil {
		return nil, ErrOff
	}
	days = min(max(days, 1), r.days)
	var out []Point
	var err error
	derr := r.do(ctx, func() {
		r.drain()
		today, counts, cerr := r.counts(ctx, days, slug)
		if cerr != nil {
			err = cerr
			return
		}
		first := today - Day(days-1)
		out = make([]Point, days)
		for i := range out {
			out[i].Day = first + Day(i)
		}
		for i := range counts {
			if c := &counts[i]; c.Day >= first && c.Day <= today {
				out[c.Day-first].add(c)
			}
		}
	})
	if derr != nil {
		return nil, derr
	}
	return out, err
}

// counts returns today and the counts of the last days days of slug (every
// post when ""), stored and pending, one Count per day, post and source.
// It runs on the Recorder's goroutine.
func (r *Recorder) counts(ctx context.Context, days int, slug string) (Day, []Count, error) {
	today := DayOf(r.now(), r.loc)
	if today > r.day {
		_ = r.flush(ctx)
		r.roll(today)
	}
	first := today - Day(days-1)
	stored, err := r.store.StatCounts(ctx, first, today, slug)
	if err != nil {
		return 0, nil, fmt.Errorf("stats: reading counts: %w", err)
	}
	for _, p := range r.pending {
		if p.Day >= first && p.Day <= today && (slug == "" || p.Slug == slug) {
			stored = append(stored, *p)
		}
	}
	return today, stored, nil
}
