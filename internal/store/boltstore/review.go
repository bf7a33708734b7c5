package boltstore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// Propose stores c.Post as a new open proposal of its slug. See Reviews.
func (db *DB) Propose(ctx context.Context, c store.Change) (store.Proposal, error) {
	if err := ctx.Err(); err != nil {
		return store.Proposal{}, err
	}
	if err := store.CheckPost(c.Post); err != nil {
		return store.Proposal{}, fmt.Errorf("store: propose: %w", err)
	}
	slug := c.Post.Slug
	var p store.Proposal
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		cur, err := currentEntry(tx, slug)
		if err != nil {
			return err
		}
		b, err := tx.Bucket(bucketProposals).CreateBucketIfNotExists([]byte(slug))
		if err != nil {
			return fmt.Errorf("making the proposals of %s: %w", slug, err)
		}
		var last uint64
		if k, _ := b.Cursor().Last(); k != nil {
			last = binary.BigEndian.Uint64(k)
		}
		if p, err = store.NewProposal(c, cur, last, db.now()); err != nil {
			return err
		}
		return b.Put(revKey(p.N), store.EncodeProposal(p))
	})
	if err != nil {
		return store.Proposal{}, writeError("proposing "+slug, err)
	}
	db.changes.Notify()
	return p, nil
}

// OpenProposals returns every open proposal, oldest first, without sources.
func (db *DB) OpenProposals(ctx context.Context) ([]store.Proposal, error) {
	return db.proposals(ctx, nil, true)
}

// Proposals returns every proposal of slug ("": of the blog), oldest
// first, without sources.
func (db *DB) Proposals(ctx context.Context, slug string) ([]store.Proposal, error) {
	var name []byte
	if slug != "" {
		name = []byte(slug)
	}
	return db.proposals(ctx, name, false)
}

// RestoreProposal stores p as another store kept it. See Reviews.
func (db *DB) RestoreProposal(ctx context.Context, p store.Proposal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := post.CheckSlug(p.Slug); err != nil {
		return fmt.Errorf("store: restoring a proposal: %w", err)
	}
	v := store.EncodeProposal(p)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketProposals).CreateBucketIfNotExists([]byte(p.Slug))
		if err != nil {
			return err
		}
		if have := b.Get(revKey(p.N)); have != nil {
			if bytes.Equal(have, v) {
				return nil
			}
			return fmt.Errorf("%w: %s has another proposal %d", store.ErrConflict, p.Slug, p.N)
		}
		return b.Put(revKey(p.N), v)
	})
	if err != nil {
		return writeError("restoring a proposal of "+p.Slug, err)
	}
	db.changes.Notify()
	return nil
}

// proposals reads the proposals of one slug, or of every slug when slug is
// nil, leaving out closed ones if openOnly.
func (db *DB) proposals(ctx context.Context, slug []byte, openOnly bool) ([]store.Proposal, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []store.Proposal
	each := func(name []byte, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			p, err := store.DecodeProposal(string(name), binary.BigEndian.Uint64(k), v, false)
			if err != nil {
				return err
			}
			if !openOnly || p.Open() {
				out = append(out, p)
			}
			return nil
		})
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		all := tx.Bucket(bucketProposals)
		if slug != nil {
			if b := all.Bucket(slug); b != nil {
				return each(slug, b)
			}
			return nil
		}
		return all.ForEachBucket(func(name []byte) error { return each(name, all.Bucket(name)) })
	})
	if err != nil {
		return nil, fmt.Errorf("store: reading proposals: %w", err)
	}
	store.SortProposals(out)
	return out, nil
}

// Proposal returns proposal n of slug with its source.
func (db *DB) Proposal(ctx context.Context, slug string, n uint64) (store.Proposal, error) {
	if err := ctx.Err(); err != nil {
		return store.Proposal{}, err
	}
	var p store.Proposal
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		p, err = proposalInTx(tx, slug, n, true)
		return err
	})
	return p, err
}

// proposalInTx reads proposal n of slug inside tx.
func proposalInTx(tx *bolt.Tx, slug string, n uint64, source bool) (store.Proposal, error) {
	var v []byte
	if b := tx.Bucket(bucketProposals).Bucket([]byte(slug)); b != nil {
		v = b.Get(revKey(n))
	}
	if v == nil {
		return store.Proposal{}, fmt.Errorf("%w: %s has no proposal %d", store.ErrNotFound, slug, n)
	}
	return store.DecodeProposal(slug, n, v, source)
}

// putProposal stores p inside tx, over its earlier record: only its state
// and notes change.
func putProposal(tx *bolt.Tx, p store.Proposal) error {
	b := tx.Bucket(bucketProposals).Bucket([]byte(p.Slug))
	if b == nil {
		return fmt.Errorf("%w: %s has no proposal %d", store.ErrNotFound, p.Slug, p.N)
	}
	if err := b.Put(revKey(p.N), store.EncodeProposal(p)); err != nil {
		return fmt.Errorf("recording proposal %d of %s: %w", p.N, p.Slug, err)
	}
	return nil
}

// Annotate adds note to proposal n of slug. See Reviews.
func (db *DB) Annotate(ctx context.Context, slug string, n uint64, note store.Note) (store.Proposal, error) {
	if err := ctx.Err(); err != nil {
		return store.Proposal{}, err
	}
	var p store.Proposal
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		old, err := proposalInTx(tx, slug, n, true)
		if err != nil {
			return err
		}
		if p, err = store.CloseProposal(old, note); err != nil {
			return err
		}
		return putProposal(tx, p)
	})
	if err != nil {
		return store.Proposal{}, writeError("annotating a proposal of "+slug, err)
	}
	db.changes.Notify()
	p.Source = nil
	return p, nil
}

// Approve writes c as the post's next revision and closes proposal n, in
// one transaction. See Reviews.
func (db *DB) Approve(ctx context.Context, n uint64, approver string, c store.Change) (store.Entry, error) {
	if err := store.CheckPost(c.Post); err != nil {
		return store.Entry{}, fmt.Errorf("store: approve: %w", err)
	}
	slug := c.Post.Slug
	if err := ctx.Err(); err != nil {
		return store.Entry{}, err
	}
	var e store.Entry
	db.snapMu.RLock()
	defer db.snapMu.RUnlock()
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		p, err := proposalInTx(tx, slug, n, true)
		if err != nil {
			return err
		}
		cur, err := currentEntry(tx, slug)
		if err != nil {
			return err
		}
		var r store.Revision
		if e, r, p, err = store.Approval(p, c, cur, approver, db.now()); err != nil {
			return err
		}
		if err := appendRevisions(tx, e, r); err != nil {
			return err
		}
		return putProposal(tx, p)
	})
	if err != nil {
		return store.Entry{}, writeError("approving a proposal of "+slug, err)
	}
	db.replace(e)
	db.changes.Notify()
	return e, nil
}
