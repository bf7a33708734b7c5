package boltstore

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store"
)

// The read statistics live in their own bucket, made on first write:
//
//	stats/<slug>/<YYYYMMDD>/<source> -> counts
//
// one nested bucket per post, so a post's days are one range and a rename
// moves one bucket. The counts are numbers only (see EncodeCount): no
// reader is named in them.
var bucketStats = []byte("stats")

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
			if err := store.CheckCount(c); err != nil {
				return err
			}
			b, err := root.CreateBucketIfNotExists([]byte(c.Slug))
			if err != nil {
				return fmt.Errorf("post %q: %w", c.Slug, err)
			}
			k := store.StatKey(c.Day, c.Source)
			v, err := store.AddCount(b.Get(k), c)
			if err != nil {
				return fmt.Errorf("post %q, %s: %w", c.Slug, k, err)
			}
			if err := b.Put(k, v); err != nil {
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
			lo := store.StatKey(from, 0)[:8]
			for k, v := c.Seek(lo); k != nil; k, v = c.Next() {
				day, src, err := store.ParseStatKey(k)
				if err != nil {
					return fmt.Errorf("post %q: %w", name, err)
				}
				if day > to {
					break
				}
				n, err := store.DecodeCount(v)
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
	limit := store.StatKey(before, 0)[:8]
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
			n, err := store.DecodeCount(v)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			sum, err := store.AddCount(to.Get(k), n)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			return to.Put(bytes.Clone(k), sum)
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
