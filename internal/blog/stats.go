package blog

import (
	"context"
	"errors"
	"fmt"

	"github.com/sshblog/sshblog/internal/stats"
)

// ErrStatsOff: the blog counts no reads (the stats setting is off).
var ErrStatsOff = stats.ErrOff

// Visit is one read of a post by id, as a front end saw it: through which
// source, and for the web, the request's user agent and referrer (to tell
// bots apart and to count referring domains; neither is stored as it is).
type Visit struct {
	Slug      string
	Source    stats.Source
	UserAgent string
	Referer   string
}

// CountRead counts a reader's read of a post. It never blocks and never
// fails: counting is best effort and never slows a read. Authors' reads
// are not counted, so that proofreading does not swell the figures.
func (b *Service) CountRead(id Identity, v Visit) {
	if b.cfg.Stats == nil || id.IsAuthor() {
		return
	}
	b.cfg.Stats.Record(stats.Event{
		Slug:        v.Slug,
		Source:      v.Source,
		Fingerprint: id.Fingerprint,
		Addr:        id.Addr,
		UserAgent:   v.UserAgent,
		Referer:     v.Referer,
	})
}

// Stats returns the reads of every post, newest first, with at most
// topReferrers referring domains each. Only authors may see them.
func (b *Service) Stats(ctx context.Context, id Identity, topReferrers int) ([]stats.Summary, error) {
	rec, err := b.readCounts(id)
	if err != nil {
		return nil, err
	}
	es, err := b.List(ctx, id)
	if err != nil {
		return nil, err
	}
	slugs := make([]string, 0, len(es))
	for _, e := range es {
		slugs = append(slugs, e.Slug)
	}
	sums, err := rec.Summaries(ctx, slugs, topReferrers)
	if err != nil {
		return nil, away(fmt.Errorf("reading the statistics: %w", err))
	}
	return sums, nil
}

// PostStats returns a post's reads on each of the last days days, oldest
// first. Only authors may see them.
func (b *Service) PostStats(ctx context.Context, id Identity, slug string, days int) ([]stats.Point, error) {
	rec, err := b.readCounts(id)
	if err != nil {
		return nil, err
	}
	e, err := b.Entry(id, slug)
	if err != nil {
		return nil, err
	}
	pts, err := rec.Series(ctx, e.Slug, days)
	if err != nil {
		return nil, away(fmt.Errorf("reading the statistics of %s: %w", e.Slug, err))
	}
	return pts, nil
}

// readCounts returns the blog's read counts for id to see: only authors
// may, and only when the blog counts reads.
func (b *Service) readCounts(id Identity) (*stats.Recorder, error) {
	if err := b.author(id); err != nil {
		return nil, err
	}
	if b.cfg.Stats == nil {
		return nil, refuse(ErrStatsOff, "%s", ErrStatsOff)
	}
	return b.cfg.Stats, nil
}

// renameStats moves a renamed post's counts to its new name. A failure is
// logged: the post is renamed either way.
func (b *Service) renameStats(ctx context.Context, oldSlug, newSlug string) {
	if b.cfg.Stats == nil {
		return
	}
	if err := b.cfg.Stats.Rename(ctx, oldSlug, newSlug); err != nil && !errors.Is(err, stats.ErrClosed) {
		b.log.Warn("stats not renamed", "from", oldSlug, "to", newSlug, "err", err)
	}
}
