package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/stats"
)

// countVersion is the first byte of an encoded count.
const countVersion = 1

// CheckCount rejects a count no post could have: a slug no post can have
// (every slug is checked where it enters, so none is longer than
// post.MaxSlugSize), an unknown source or a day outside years 1-9999.
func CheckCount(c stats.Count) error {
	if c.Slug == "" || len(c.Slug) > post.MaxSlugSize {
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

// AddCount returns the encoding of c added to the count encoded in stored,
// as every store keeps a day's count from a source: several batches of
// reads add to it. stored is nil when there is no count yet.
func AddCount(stored []byte, c stats.Count) ([]byte, error) {
	if stored != nil {
		old, err := DecodeCount(stored)
		if err != nil {
			return nil, err
		}
		old.Add(c)
		c = old
	}
	return EncodeCount(c), nil
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
