// Package blog holds the blog's rules: who may see which post, who may
// change it, and what each change checks and records. Every front end (the
// SSH commands, scp and sftp, the editor in the reader, the web) goes
// through a [Service]; none of them reads or writes the store by itself.
//
// Every operation takes the [Identity] it acts for. Readers see the public
// posts: not drafts, not posts dated in the future, not removed ones; of
// a post's history, only the revisions that were public when written.
// Authors see and may change everything. A refusal is an [*Error] whose Kind
// (ErrNotAuthor, ErrNotFound, ErrConflict, ...) each front end words in its
// own way.
package blog

import (
	"context"
	"log/slog"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/search"
	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
)

// Config holds the blog's rules that are settings.
type Config struct {
	// Location is the blog's time zone: dates without one are in it.
	// Nil means time.Local.
	Location *time.Location
	// MaxPostSize is the largest post accepted, in bytes, at most
	// post.MaxSize; 0 means post.MaxSize.
	MaxPostSize int64
	// MaxImport is the largest archive Import reads, in bytes; 0 means no
	// limit beyond the posts'.
	MaxImport int64
	// MaxFileSize is the largest file accepted, in bytes; 0 means
	// DefaultMaxFileSize.
	MaxFileSize int64
	// MaxMedia bounds the distinct bytes of all the blog's files; 0 means
	// DefaultMaxMedia.
	MaxMedia int64
	// Log receives one line per change; nil discards them.
	Log *slog.Logger
	// Stats counts reads; nil counts none (the stats setting is off).
	Stats *stats.Recorder
	// Review makes authors' changes wait for another author's review (the
	// review setting), when Authors reports two or more.
	Review bool
	// Authors reports how many authors the blog has now; nil means none.
	Authors func() int
	// StillAuthor tells whether id, an author when its session began, is
	// one still (its key still listed, still allowed from its address and
	// now). It is asked before every change and author-only view; nil
	// trusts id.Author.
	StillAuthor func(id Identity) bool
}

// Service is the blog. It is safe for concurrent use.
type Service struct {
	st   store.Store
	cfg  Config
	log  *slog.Logger
	find finder
	seen lastShown // what each reviewer last viewed, for approve without a number
	uses fileUses  // which posts show each file, for the files command
}

// New returns the blog kept in st: a bbolt file (*boltstore.DB) or etcd
// (*etcdstore.Store).
func New(st store.Store, cfg Config) *Service {
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.MaxPostSize <= 0 || cfg.MaxPostSize > post.MaxSize {
		cfg.MaxPostSize = post.MaxSize
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, cfg: cfg, log: log, find: finder{index: search.New()}}
}

// Location returns the blog's time zone.
func (b *Service) Location() *time.Location { return b.cfg.Location }

// MaxPostSize returns the largest post the blog accepts, in bytes. Front
// ends that read a post themselves stop reading one byte past it.
func (b *Service) MaxPostSize() int64 { return b.cfg.MaxPostSize }

// Now returns the blog's clock's time, which decides what is scheduled.
func (b *Service) Now() time.Time { return b.st.Now() }

// Watch calls fn after every committed change and whenever a scheduled post
// comes due, until ctx is done. It is the blog's one change feed: fn may be
// called once for several changes that came together, and must not block
// for long. Watch returns when ctx is done.
func (b *Service) Watch(ctx context.Context, fn func()) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	changed := b.st.Changed()
	for {
		now := b.st.Now()
		if next, ok := b.st.NextScheduled(now); ok {
			timer.Reset(next.Sub(now) + time.Second/10)
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-timer.C:
		}
		timer.Stop()
		// Before fn: a change while fn runs wakes the next round.
		changed = b.st.Changed()
		fn()
	}
}

// Changed returns a channel closed at the next committed change of the
// blog, wherever it was made: a front end that keeps what it made from the
// blog can tell at once that it may be out of date, before Watch reports
// the change.
func (b *Service) Changed() <-chan struct{} { return b.st.Changed() }

// Unreachable reports whether the blog's store has lost its cluster (etcd):
// the posts read so far are still served, and writes are refused, until
// it is back. A bbolt file is never unreachable.
func (b *Service) Unreachable() bool {
	u, ok := b.st.(interface{ Unreachable() bool })
	return ok && u.Unreachable()
}
