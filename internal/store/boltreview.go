package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/sshblog/sshblog/internal/post"
)

// Propose stores c.Post as a new open proposal of its slug. See Reviews.
func (db *DB) Propose(ctx context.Context, c Change) (Proposal, error) {
	if err := ctx.Err(); err != nil {
		return Proposal{}, err
	}
	if c.Post == nil {
		return Proposal{}, errors.New("store: propose: no post")
	}
	slug := c.Post.Slug
	if err := post.CheckSlug(slug); err != nil {
		return Proposal{}, fmt.Errorf("store: propose: %w", err)
	}
	var p Proposal
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		cur, err := currentEntry(tx, slug)
		if err != nil {
			return err
		}
		if err := checkIfRev(slug, cur, c.IfRev); err != nil {
			return err
		}
		var have uint64
		if cur != nil {
			have = cur.Rev
		}
		b, err := tx.Bucket(bucketProposals).CreateBucketIfNotExists([]byte(slug))
		if err != nil {
			return fmt.Errorf("making the proposals of %s: %w", slug, err)
		}
		var last uint64
		if k, _ := b.Cursor().Last(); k != nil {
			last = binary.BigEndian.Uint64(k)
		}
		p = Proposal{Slug: slug, N: NextProposal(have, last), Author: c.Author, Time: db.now(), Base: have, State: Proposed, Source: c.Post.Source}
		return b.Put(revKey(p.N), EncodeProposal(p))
	})
	if err != nil {
		return Proposal{}, writeError("proposing "+slug, err)
	}
	db.notify()
	return p, nil
}

// OpenProposals returns every open proposal, oldest first, without sources.
func (db *DB) OpenProposals(ctx context.Context) ([]Proposal, error) {
	return db.proposals(ctx, nil, true)
}

// Proposals returns every proposal of slug ("": of the blog), oldest
// first, without sources.
func (db *DB) Proposals(ctx context.Context, slug string) ([]Proposal, error) {
	var name []byte
	if slug != "" {
		name = []byte(slug)
	}
	return db.proposals(ctx, name, false)
}

// RestoreProposal stores p as another store kept it. See Reviews.
func (db *DB) RestoreProposal(ctx context.Context, p Proposal) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := post.CheckSlug(p.Slug); err != nil {
		return fmt.Errorf("store: restoring a proposal: %w", err)
	}
	v := EncodeProposal(p)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b, err := tx.Bucket(bucketProposals).CreateBucketIfNotExists([]byte(p.Slug))
		if err != nil {
			return err
		}
		if have := b.Get(revKey(p.N)); have != nil {
			if bytes.Equal(have, v) {
				return nil
			}
			return fmt.Errorf("%w: %s has another proposal %d", ErrConflict, p.Slug, p.N)
		}
		return b.Put(revKey(p.N), v)
	})
	if err != nil {
		return writeError("restoring a proposal of "+p.Slug, err)
	}
	db.notify()
	return nil
}

// proposals reads the proposals of one slug, or of every slug when slug is
// nil, leaving out closed ones if openOnly.
func (db *DB) proposals(ctx context.Context, slug []byte, openOnly bool) ([]Proposal, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Proposal
	each := func(name []byte, b *bolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			p, err := DecodeProposal(string(name), binary.BigEndian.Uint64(k), v, false)
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
	SortProposals(out)
	return out, nil
}

// Proposal returns proposal n of slug with its source.
func (db *DB) Proposal(ctx context.Context, slug string, n uint64) (Proposal, error) {
	if err := ctx.Err(); err != nil {
		return Proposal{}, err
	}
	var p Proposal
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		p, err = proposalInTx(tx, slug, n, true)
		return err
	})
	return p, err
}

// proposalInTx reads proposal n of slug inside tx.
func proposalInTx(tx *bolt.Tx, slug string, n uint64, source bool) (Proposal, error) {
	var v []byte
	if b := tx.Bucket(bucketProposals).Bucket([]byte(slug)); b != nil {
		v = b.Get(revKey(n))
	}
	if v == nil {
		return Proposal{}, fmt.Errorf("%w: %s has no proposal %d", ErrNotFound, slug, n)
	}
	return DecodeProposal(slug, n, v, source)
}

// putProposal stores p inside tx, over its earlier record: only its state
// and notes change.
func putProposal(tx *bolt.Tx, p Proposal) error {
	b := tx.Bucket(bucketProposals).Bucket([]byte(p.Slug))
	if b == nil {
		return fmt.Errorf("%w: %s has no proposal %d", ErrNotFound, p.Slug, p.N)
	}
	if err := b.Put(revKey(p.N), EncodeProposal(p)); err != nil {
		return fmt.Errorf("recording proposal %d of %s: %w", p.N, p.Slug, err)
	}
	return nil
}

// Annotate adds note to proposal n of slug. See Reviews.
func (db *DB) Annotate(ctx context.Context, slug string, n uint64, note Note) (Proposal, error) {
	if err := ctx.Err(); err != nil {
		return Proposal{}, err
	}
	var p Proposal
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		old, err := proposalInTx(tx, slug, n, true)
		if err != nil {
			return err
		}
		if p, err = CloseProposal(old, note); err != nil {
			return err
		}
		return putProposal(tx, p)
	})
	if err != nil {
		if errors.Is(err, ErrClosed) {
			return Proposal{}, err
		}
		return Proposal{}, writeError("annotating a proposal of "+slug, err)
	}
	db.notify()
	p.Source = nil
	return p, nil
}

// Approve writes c as the post's next revision and closes proposal n, in
// one transaction. See Reviews.
func (db *DB) Approve(ctx context.Context, n uint64, approver string, c Change) (Entry, error) {
	if c.Post == nil {
		return Entry{}, errors.New("store: approve: no post")
	}
	slug := c.Post.Slug
	if err := post.CheckSlug(slug); err != nil {
		return Entry{}, fmt.Errorf("store: approve: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	var e Entry
	db.snapMu.RLock()
	defer db.snapMu.RUnlock()
	err := db.bolt.Batch(func(tx *bolt.Tx) error {
		p, err := proposalInTx(tx, slug, n, true)
		if err != nil {
			return err
		}
		if !p.Open() {
			return fmt.Errorf("%w: proposal %d of %s was %s", ErrClosed, n, slug, p.State)
		}
		cur, err := currentEntry(tx, slug)
		if err != nil {
			return err
		}
		if err := checkIfRev(slug, cur, c.IfRev); err != nil {
			return err
		}
		var r Revision
		e, r = db.newRevision(c.Post, cur, c.Author, Approved)
		if err := appendRevisions(tx, e, r); err != nil {
			return err
		}
		if p, err = CloseProposal(p, Note{Author: approver, Time: r.Time, Action: Approved, Rev: e.Rev}); err != nil {
			return err
		}
		return putProposal(tx, p)
	})
	if err != nil {
		if errors.Is(err, ErrClosed) {
			return Entry{}, err
		}
		return Entry{}, writeError("approving a proposal of "+slug, err)
	}
	db.replace(e)
	db.notify()
	return e, nil
}

// checkIfRev is ErrConflict unless ifRev is nil or the post's current
// revision (0 when cur is nil).
func checkIfRev(slug string, cur *Entry, ifRev *uint64) error {
	if ifRev == nil {
		return nil
	}
	var have uint64
	if cur != nil {
		have = cur.Rev
	}
	if have != *ifRev {
		return fmt.Errorf("%w: %s is at revision %d, not %d", ErrConflict, slug, have, *ifRev)
	}
	return nil
}
