package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sshblog/sshblog/internal/stats"
)

// The read statistics live in their own bucket, made on first write:
//
//	stats/<slug>/<YYYYMMDD>/<source> -> counts
//
// one nested bucket per post, so a post's days are one range and a rename
// moves one bucket. The counts are numbers only (see EncodeCount): no
// reader is named in them.
var bucketStats = []byte("stats")

// countVersion is the first byte of an encoded count.
const countVersion = 1

// AddStatCounts adds counts to the stored ones in one transaction.
func (db *DB) AddStatCounts(ctx context.Context, counts []stats.Count) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(counts) == 0 {
		return nil
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		root, err := tx.CreateBucketIfNotExists(bucketStats)
		if err != nil {
			return err
		}
		for _, c := range counts {
			if err := CheckCount(c); err != nil {
				return err
			}
			b, err := root.CreateBucketIfNotExists([]byte(c.Slug))
			if err != nil {
				return fmt.Errorf("post %q: %w", c.Slug, err)
			}
			k := StatKey(c.Day, c.Source)
			if v := b.Get(k); v != nil {
				old, err := DecodeCount(v)
				if err != nil {
					return fmt.Errorf("post %q, %s: %w", c.Slug, k, err)
				}
				old.Add(c)
				c = old
			}
			if err := b.Put(k, EncodeCount(c)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: adding read counts: %w", err)
	}
	return nil
}

// StatCounts returns the counts of the days from to to (inclusive) of the
// post slug, or of every post when slug is "".
func (db *DB) StatCounts(ctx context.Context, from, to stats.Day, slug string) ([]stats.Count, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []stats.Count
	err := db.bolt.View(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketStats)
		if root == nil {
			return nil
		}
		each := func(name []byte, b *bolt.Bucket) error {
			c := b.Cursor()
			lo := StatKey(from, 0)[:8]
			for k, v := c.Seek(lo); k != nil; k, v = c.Next() {
				day, src, err := ParseStatKey(k)
				if err != nil {
					return fmt.Errorf("post %q: %w", name, err)
				}
				if day > to {
					break
				}
				n, err := DecodeCount(v)
				if err != nil {
					return fmt.Errorf("post %q, %s: %w", name, k, err)
				}
				n.Day, n.Slug, n.Source = day, string(name), src
				out = append(out, n)
			}
			return nil
		}
		if slug != "" {
			if b := root.Bucket([]byte(slug)); b != nil {
				return each([]byte(slug), b)
			}
			return nil
		}
		return root.ForEachBucket(func(name []byte) error {
			return each(name, root.Bucket(name))
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: reading read counts: %w", err)
	}
	return out, nil
}

// PruneStats deletes the counts of the days before before, and the buckets
// of posts left with none.
func (db *DB) PruneStats(ctx context.Context, before stats.Day) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	limit := StatKey(before, 0)[:8]
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketStats)
		if root == nil {
			return nil
		}
		var names [][]byte
		err := root.ForEachBucket(func(name []byte) error {
			names = append(names, bytes.Clone(name))
			return nil
		})
		if err != nil {
			return err
		}
		for _, name := range names {
			c := root.Bucket(name).Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k, limit) < 0; k, _ = c.First() {
				if err := c.Delete(); err != nil {
					return fmt.Errorf("post %q: %w", name, err)
				}
			}
			if k, _ := c.First(); k == nil {
				if err := root.DeleteBucket(name); err != nil {
					return fmt.Errorf("post %q: %w", name, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: pruning read counts before %s: %w", before, err)
	}
	return nil
}

// RenameStats moves the counts of oldSlug to newSlug, adding them to those
// newSlug already has.
func (db *DB) RenameStats(ctx context.Context, oldSlug, newSlug string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if oldSlug == newSlug || oldSlug == "" || newSlug == "" {
		return nil
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		root := tx.Bucket(bucketStats)
		if root == nil {
			return nil
		}
		from := root.Bucket([]byte(oldSlug))
		if from == nil {
			return nil
		}
		to, err := root.CreateBucketIfNotExists([]byte(newSlug))
		if err != nil {
			return err
		}
		err = from.ForEach(func(k, v []byte) error {
			n, err := DecodeCount(v)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if old := to.Get(k); old != nil {
				o, err := DecodeCount(old)
				if err != nil {
					return fmt.Errorf("%s: %w", k, err)
				}
				o.Add(n)
				n = o
			}
			return to.Put(bytes.Clone(k), EncodeCount(n))
		})
		if err != nil {
			return err
		}
		return root.DeleteBucket([]byte(oldSlug))
	})
	if err != nil {
		return fmt.Errorf("store: moving read counts of %s to %s: %w", oldSlug, newSlug, err)
	}
	return nil
}

// CheckCount rejects a count its key cannot hold.
func CheckCount(c stats.Count) error {
	if c.Slug == "" || len(c.Slug) > bolt.MaxKeySize {
		return fmt.Errorf("a count with a slug of %d bytes", len(c.Slug))
	}
	if _, ok := stats.ParseSource(c.Source.String()); !ok {
		return fmt.Errorf("a count of %s with source %d", c.Slug, c.Source)
	}
	if y, _, _ := c.Day.Date(); y < 1 || y > 9999 {
		return fmt.Errorf("a count of %s on day %d", c.Slug, c.Day)
	}
	return nil
}

// StatKey is the key of a day's count from a source, within a post: YYYYMMDD/source.
func StatKey(d stats.Day, s stats.Source) []byte {
	y, m, dd := d.Date()
	k := make([]byte, 0, 16)
	k = appendPadded(k, y, 4)
	k = appendPadded(k, int(m), 2)
	k = appendPadded(k, dd, 2)
	k = append(k, '/')
	return append(k, s.String()...)
}

// appendPadded appends n in decimal, zero-padded to width digits.
func appendPadded(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for range width - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}

// ParseStatKey reads a key StatKey wrote.
func ParseStatKey(k []byte) (stats.Day, stats.Source, error) {
	if len(k) < 10 || k[8] != '/' {
		return 0, 0, fmt.Errorf("malformed key %q", k)
	}
	n, err := strconv.Atoi(string(k[:8]))
	if err != nil || n < 0 {
		return 0, 0, fmt.Errorf("malformed key %q", k)
	}
	src, ok := stats.ParseSource(string(k[9:]))
	if !ok {
		return 0, 0, fmt.Errorf("unknown source in key %q", k)
	}
	return stats.DateDay(n/10000, time.Month(n/100%100), n%100), src, nil
}

// EncodeCount writes c's numbers: a version byte, then uvarints reads,
// uniques, bots, the number of referrers, and for each its domain's length,
// the domain and its reads, domains sorted.
func EncodeCount(c stats.Count) []byte {
	b := make([]byte, 0, 16+len(c.Referrers)*24)
	b = append(b, countVersion)
	b = binary.AppendUvarint(b, uint64(max(c.Reads, 0)))
	b = binary.AppendUvarint(b, uint64(max(c.Uniques, 0)))
	b = binary.AppendUvarint(b, uint64(max(c.Bots, 0)))
	refs := stats.TopReferrers(c.Referrers, -1)
	other, hasOther := c.Referrers[stats.Other]
	n := len(refs)
	if hasOther {
		n++
	}
	b = binary.AppendUvarint(b, uint64(n))
	put := func(d string, reads int) {
		b = binary.AppendUvarint(b, uint64(len(d)))
		b = append(b, d...)
		b = binary.AppendUvarint(b, uint64(max(reads, 0)))
	}
	for _, r := range refs {
		put(r.Domain, r.Reads)
	}
	if hasOther {
		put(stats.Other, other)
	}
	return b
}

// errCorrupt is a count that does not decode.
var errCorrupt = errors.New("corrupt read count")

// DecodeCount reads what EncodeCount wrote. It never panics.
func DecodeCount(v []byte) (stats.Count, error) {
	var c stats.Count
	if len(v) == 0 || v[0] != countVersion {
		return c, fmt.Errorf("%w: unknown version", errCorrupt)
	}
	v = v[1:]
	next := func() (int, bool) {
		x, n := binary.Uvarint(v)
		if n <= 0 || x > math.MaxInt {
			return 0, false
		}
		v = v[n:]
		return int(x), true
	}
	var ok1, ok2, ok3, ok4 bool
	c.Reads, ok1 = next()
	c.Uniques, ok2 = next()
	c.Bots, ok3 = next()
	nrefs, ok4 := next()
	if !ok1 || !ok2 || !ok3 || !ok4 || nrefs > len(v) {
		return c, errCorrupt
	}
	if nrefs > 0 {
		c.Referrers = make(map[string]int, nrefs)
	}
	for range nrefs {
		l, ok := next()
		if !ok || l > len(v) {
			return c, errCorrupt
		}
		d := string(v[:l])
		v = v[l:]
		reads, ok := next()
		if !ok {
			return c, errCorrupt
		}
		c.Referrers[d] += reads
	}
	if len(v) != 0 {
		return c, fmt.Errorf("%w: trailing bytes", errCorrupt)
	}
	return c, nil
}
