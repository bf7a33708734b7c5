package stats

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by a Recorder's methods after Close.
var ErrClosed = errors.New("stats: recorder closed")

// Defaults of Options.
const (
	DefaultDays       = 400
	DefaultBuffer     = 4096
	DefaultMaxReaders = 50_000
	DefaultInterval   = time.Second
)

// maxDays bounds Options.Days: a century.
const maxDays = 36525

// maxSlug bounds the slugs Record accepts; longer ones are no post's.
const maxSlug = 1024

// Options configure a Recorder. The zero value is usable.
type Options struct {
	// Location is the blog's time zone, in which days start at midnight.
	// Nil means time.Local.
	Location *time.Location
	// Days is how many days of counts are kept, today included (the
	// setting `days`). Older days are pruned once a day. 0 means
	// DefaultDays; at most a century is kept.
	Days int
	// Now reads the clock; nil means time.Now. Tests move it.
	Now func() time.Time
	// Buffer is how many reads may wait for the aggregating goroutine
	// before Record drops them. 0 means DefaultBuffer.
	Buffer int
	// MaxReaders caps the readers remembered per post and day for unique
	// counting. 0 means DefaultMaxReaders.
	MaxReaders int
	// Interval is how often counts are written. 0 means DefaultInterval.
	Interval time.Duration
	// OwnDomains are the blog's own host names: a read referred by one of
	// them (a reader following a link within the blog) is not counted as
	// a referral. Case does not matter.
	OwnDomains []string
}

// Recorder counts reads in memory and writes them to a Store at most once
// an Interval. Its methods are safe for concurrent use. A nil Recorder is
// stats turned off: it records nothing.
type Recorder struct {
	store      Store
	loc        *time.Location
	days       int
	now        func() time.Time
	maxReaders int
	own        map[string]bool // Options.OwnDomains, lower-cased

	events   chan Event
	reqs     chan func()
	quit     chan context.Context // receives Close's context, once
	done     chan struct{}        // closed when run returns
	closing  sync.Once
	closed   atomic.Bool
	closeErr error // set by run before done is closed
	dropped  atomic.Int64

	// Owned by run's goroutine.
	day     Day
	salt    [32]byte
	seen    map[string]map[uint64]struct{} // today's hashed readers per post
	full    map[string]bool                // posts whose set reached maxReaders today
	pending map[countKey]*Count            // counted, not yet written
	pruned  Day                            // the day retention last ran
	lastErr error                          // of the last write, for Status
	buf     []byte                         // salt and identity, for hashing
}

// countKey names a Count.
type countKey struct {
	day  Day
	slug string
	src  Source
}

// New returns a Recorder writing to st, which must not be nil, and starts
// its goroutine; Close stops it.
func New(st Store, o Options) *Recorder {
	r := &Recorder{
		store:      st,
		loc:        o.Location,
		days:       o.Days,
		now:        o.Now,
		maxReaders: o.MaxReaders,
		reqs:       make(chan func()),
		quit:       make(chan context.Context, 1),
		done:       make(chan struct{}),
		pending:    map[countKey]*Count{},
		pruned:     -1 << 31,
		own:        map[string]bool{},
	}
	for _, d := range o.OwnDomains {
		r.own[strings.TrimSuffix(strings.ToLower(d), ".")] = true
	}
	if r.loc == nil {
		r.loc = time.Local
	}
	if r.days <= 0 {
		r.days = DefaultDays
	}
	r.days = min(r.days, maxDays)
	if r.now == nil {
		r.now = time.Now
	}
	if r.maxReaders <= 0 {
		r.maxReaders = DefaultMaxReaders
	}
	buffer, interval := o.Buffer, o.Interval
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	if interval <= 0 {
		interval = DefaultInterval
	}
	r.events = make(chan Event, buffer)
	r.roll(DayOf(r.now(), r.loc))
	go r.run(interval)
	return r
}

// Record counts one read. It only hands e to memory: it never blocks and
// never fails. When the buffer is full the read is dropped and counted in
// Status().Dropped. Reads with no slug, a slug longer than 1024 bytes or an
// unknown source are ignored. Callers record only posts they served.
func (r *Recorder) Record(e Event) {
	if r == nil || r.closed.Load() {
		return
	}
	if e.Slug == "" || len(e.Slug) > maxSlug || e.Source >= numSources {
		return
	}
	e.at = r.now()
	select {
	case r.events <- e:
	default:
		r.dropped.Add(1)
	}
}

// Flush writes every read recorded before it was called, in one
// transaction. A nil Recorder returns nil.
func (r *Recorder) Flush(ctx context.Context) error {
	if r == nil {
		return nil
	}
	var err error
	if derr := r.do(ctx, func() { r.drain(); err = r.sync(ctx) }); derr != nil {
		return derr
	}
	return err
}

// Close writes what is left and stops the Recorder; reads recorded after it
// are ignored and its other methods return ErrClosed. If ctx ends first,
// Close returns ctx's error and the last second of reads may be lost.
// Calling it again waits for that write and returns its error. A nil
// Recorder returns nil.
func (r *Recorder) Close(ctx context.Context) error {
	if r == nil {
		return nil
	}
	r.closing.Do(func() {
		r.closed.Store(true)
		r.quit <- ctx
	})
	select {
	case <-r.done:
		return r.closeErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Rename moves the counts of the post oldSlug, stored and in memory, to
// newSlug, adding them to any newSlug has. Call it when the post is renamed.
func (r *Recorder) Rename(ctx context.Context, oldSlug, newSlug string) error {
	if r == nil {
		return nil
	}
	if oldSlug == newSlug {
		return nil
	}
	var err error
	derr := r.do(ctx, func() {
		r.drain()
		if err = r.sync(ctx); err != nil {
			return
		}
		if err = r.store.RenameStats(ctx, oldSlug, newSlug); err != nil {
			err = fmt.Errorf("stats: renaming %s to %s: %w", oldSlug, newSlug, err)
			return
		}
		if old, ok := r.seen[oldSlug]; ok {
			set := r.readers(newSlug)
			for h := range old {
				if len(set) >= r.maxReaders {
					r.full[newSlug] = true
					break
				}
				set[h] = struct{}{}
			}
			delete(r.seen, oldSlug)
			delete(r.full, oldSlug)
		}
	})
	if derr != nil {
		return derr
	}
	return err
}

// Status is how the Recorder is doing.
type Status struct {
	Dropped   int64 // reads dropped because the buffer was full, since New
	Pending   int   // counts in memory, not yet written
	Saturated int   // posts whose readers today reached Options.MaxReaders
	LastError error // of the last write, nil once a write succeeds
}

// Status reports the Recorder's state. A nil Recorder returns ErrOff.
func (r *Recorder) Status(ctx context.Context) (Status, error) {
	if r == nil {
		return Status{}, ErrOff
	}
	var s Status
	err := r.do(ctx, func() {
		s = Status{Dropped: r.dropped.Load(), Pending: len(r.pending), Saturated: len(r.full), LastError: r.lastErr}
	})
	return s, err
}

// do runs f on the Recorder's goroutine, after the reads it has taken.
func (r *Recorder) do(ctx context.Context, f func()) error {
	ran := make(chan struct{})
	select {
	case r.reqs <- func() { f(); close(ran) }:
	case <-r.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ran:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run aggregates reads and writes them every interval, until Close.
func (r *Recorder) run(interval time.Duration) {
	defer close(r.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case e := <-r.events:
			r.add(&e)
		case f := <-r.reqs:
			f()
		case <-t.C:
			// A failed write stays pending and is retried; Status
			// reports it.
			_ = r.sync(context.Background())
		case ctx := <-r.quit:
			r.drain()
			r.closeErr = r.sync(ctx)
			r.seen, r.full, r.salt = nil, nil, [32]byte{}
			clear(r.buf)
			return
		}
	}
}

// drain adds the reads waiting in the buffer.
func (r *Recorder) drain() {
	for {
		select {
		case e := <-r.events:
			r.add(&e)
		default:
			return
		}
	}
}

// roll starts day d: a new salt, and no reader seen yet.
func (r *Recorder) roll(d Day) {
	r.day = d
	clear(r.buf)         // the old salt is in it
	rand.Read(r.salt[:]) // never fails: see crypto/rand.Read
	r.seen = map[string]map[uint64]struct{}{}
	r.full = map[string]bool{}
}

// sync starts a new day if the clock has passed midnight, writes what is
// pending, and prunes old days once a day.
func (r *Recorder) sync(ctx context.Context) error {
	if d := DayOf(r.now(), r.loc); d > r.day {
		r.roll(d)
	}
	if err := r.flush(ctx); err != nil {
		return err
	}
	if r.pruned != r.day {
		if err := r.store.PruneStats(ctx, r.day-Day(r.days-1)); err != nil {
			return fmt.Errorf("stats: pruning days before %s: %w", r.day-Day(r.days-1), err)
		}
		r.pruned = r.day
	}
	return nil
}

// flush writes the pending counts in one transaction. On failure they stay
// pending.
func (r *Recorder) flush(ctx context.Context) error {
	if len(r.pending) == 0 {
		return nil
	}
	counts := make([]Count, 0, len(r.pending))
	for _, c := range r.pending {
		counts = append(counts, *c)
	}
	if err := r.store.AddStatCounts(ctx, counts); err != nil {
		r.lastErr = err
		return fmt.Errorf("stats: writing %d counts: %w", len(counts), err)
	}
	r.lastErr = nil
	clear(r.pending)
	return nil
}

// add counts the read e.
func (r *Recorder) add(e *Event) {
	d := DayOf(e.at, r.loc)
	if d > r.day {
		// Yesterday's counts are written before today's start.
		_ = r.flush(context.Background())
		r.roll(d)
	}
	k := countKey{d, e.Slug, e.Source}
	c := r.pending[k]
	if c == nil {
		c = &Count{Day: d, Slug: e.Slug, Source: e.Source}
		r.pending[k] = c
	}
	if e.UserAgent != "" && IsBot(e.UserAgent) {
		c.Bots++
		return
	}
	c.Reads++
	if dom := r.referrer(e.Referer); dom != "" {
		if c.Referrers == nil {
			c.Referrers = map[string]int{}
		}
		c.Referrers[dom]++
		capReferrers(c.Referrers, MaxReferrers)
	}
	if d != r.day {
		return // a read from before midnight, taken after: its day's readers are forgotten
	}
	h, ok := r.hash(e)
	if !ok {
		return // no key and no address: a read, not a reader
	}
	set := r.readers(e.Slug)
	if _, ok := set[h]; ok {
		return
	}
	if len(set) >= r.maxReaders {
		r.full[e.Slug] = true
		return
	}
	set[h] = struct{}{}
	c.Uniques++
}

// hash names e's reader today: the first 64 bits of the SHA-256 of the
// salt and the reader's identity. It reports false when e has neither key
// nor address.
func (r *Recorder) hash(e *Event) (uint64, bool) {
	r.buf = append(r.buf[:0], r.salt[:]...)
	r.buf = e.identity(r.buf)
	if len(r.buf) == len(r.salt) {
		return 0, false
	}
	sum := sha256.Sum256(r.buf)
	return binary.BigEndian.Uint64(sum[:8]), true
}

// readers returns today's set of readers of slug, making it if needed.
func (r *Recorder) readers(slug string) map[uint64]struct{} {
	set := r.seen[slug]
	if set == nil {
		set = map[uint64]struct{}{}
		r.seen[slug] = set
	}
	return set
}

// referrer is the domain a read is counted as referred by (RefererDomain),
// or "" for none: a link from one of the blog's own hosts is no referral.
func (r *Recorder) referrer(referer string) string {
	host := refererHost(referer)
	if host == "" || r.own[host] {
		return ""
	}
	return registrable(host)
}
