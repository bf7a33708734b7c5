// Package stats counts reads of the blog's posts without keeping anything
// that could follow a reader.
//
// A front end calls Recorder.Record for every read of a post (SSH, web or
// feed). Record only hands the event to a bounded in-memory buffer: it never
// blocks and never touches the disk; when the buffer is full the read is
// counted as dropped. One goroutine per Recorder aggregates the events and,
// at most once a second, adds what it counted to the store in one
// transaction, so a crash loses at most that second.
//
// What is stored, per day (in the blog's time zone), post and source, is
// numbers: reads, unique readers, bot reads, and reads per referring domain.
// There is no log of reads.
//
// Unique readers. A reader is named by the SHA-256 of a salt and their SSH
// key fingerprint or, without a key, their address cut to the /24 (IPv4) or
// /48 (IPv6) network; readers without either are counted as reads but not as
// unique readers. The salt is 32 random bytes from crypto/rand, made when the
// day starts and kept only in memory; the set of hashes seen today, per post,
// is kept only in memory too. At midnight both are dropped, so the same
// reader hashes differently tomorrow and cannot be followed from day to day.
// A reader is credited as unique to the source they were first seen on that
// day. Uniques over several days are therefore reader-days: the sum of each
// day's uniques. The set per post and day is capped (Options.MaxReaders):
// past the cap new readers are no longer recognised and are not counted as
// unique, so a post read by more people than that in a day reports the cap.
//
// No raw address, key, fingerprint or user agent is stored; the salt never
// is. Bots are web or feed requests whose user agent says so (see IsBot);
// they are counted in Bots only, not in Reads, Uniques or referrers.
// Referrers are kept as their domain only (see RefererDomain), at most
// MaxReferrers per record, the rest summed under Other; links from the
// blog's own pages (Options.OwnDomains) are not referrals.
//
// Stats off. A nil *Recorder records nothing at all: Record does nothing,
// Flush and Close return nil, and reports return ErrOff. A blog with
// `stats: off` simply does not call New.
//
// Renames. Counts are stored under the post's slug; Recorder.Rename moves a
// post's counts, stored and in memory, to its new slug, adding them to any
// already there. The caller renames the counts when it renames the post.
package stats

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
)

// ErrOff is returned by the reports of a nil Recorder: stats are off.
var ErrOff = errors.New("stats are off")

// MaxReferrers is how many referring domains a stored record keeps; the
// reads from the others are summed under Other.
const MaxReferrers = 50

// Other is the referrer under which the reads of domains past MaxReferrers
// are summed. No host name has parentheses, so it names no domain.
const Other = "(other)"

// Count is what is known about a post's reads from one source on one day.
type Count struct {
	Day    Day
	Slug   string
	Source Source

	Reads   int // reads by people
	Uniques int // different readers among them, that day
	Bots    int // reads by bots, not counted in Reads

	// Referrers maps referring domains to reads. It may be nil.
	Referrers map[string]int
}

// Add adds o's numbers and referrers to c. When c then has more than
// MaxReferrers referrers, the fewest-read ones are summed under Other.
func (c *Count) Add(o Count) {
	c.Reads += o.Reads
	c.Uniques += o.Uniques
	c.Bots += o.Bots
	if len(o.Referrers) == 0 {
		return
	}
	if c.Referrers == nil {
		c.Referrers = make(map[string]int, len(o.Referrers))
	}
	for d, n := range o.Referrers {
		c.Referrers[d] += n
	}
	capReferrers(c.Referrers, MaxReferrers)
}

// capReferrers folds all but the max most-read domains of refs into Other.
func capReferrers(refs map[string]int, max int) {
	n := len(refs)
	if _, ok := refs[Other]; ok {
		n--
	}
	if n <= max {
		return
	}
	top := TopReferrers(refs, -1)
	for _, r := range top[max:] {
		refs[Other] += r.Reads
		delete(refs, r.Domain)
	}
}

// Referrer is a referring domain and the reads it sent.
type Referrer struct {
	Domain string
	Reads  int
}

// TopReferrers returns the n most-read domains of refs (all of them when n
// is negative), most reads first, ties by domain. Other is left out.
func TopReferrers(refs map[string]int, n int) []Referrer {
	out := make([]Referrer, 0, len(refs))
	for _, d := range slices.Sorted(maps.Keys(refs)) {
		if d != Other {
			out = append(out, Referrer{d, refs[d]})
		}
	}
	slices.SortStableFunc(out, func(a, b Referrer) int { return cmp.Compare(b.Reads, a.Reads) })
	if n >= 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// Store keeps the daily counts. The bbolt store (internal/store) implements
// it.
type Store interface {
	// AddStatCounts adds counts to the stored ones, all in one transaction:
	// either every count is added or none is.
	AddStatCounts(ctx context.Context, counts []Count) error
	// StatCounts returns the stored counts of the days from and to
	// (inclusive), of the post slug or, when slug is "", of every post.
	StatCounts(ctx context.Context, from, to Day, slug string) ([]Count, error)
	// PruneStats deletes the counts of the days before before.
	PruneStats(ctx context.Context, before Day) error
	// RenameStats moves the counts of oldSlug to newSlug, adding them to
	// the counts newSlug already has.
	RenameStats(ctx context.Context, oldSlug, newSlug string) error
}
