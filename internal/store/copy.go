package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
)

// CopyResult is what Copy did.
type CopyResult struct {
	Copied  int // posts copied with all their revisions
	Skipped int // posts the target had already, at the same revision
	Aliases int // aliases copied
	// Proposals counts the proposals copied, open and closed, with their
	// notes.
	Proposals int
	Files     int // files copied with all their revisions
}

// The bounds of the imports Copy writes posts in.
const (
	copyBatchPosts = 500
	copyBatchBytes = 16 << 20
)

// Source is what Copy and Verify read of the blog copied from: a store,
// or a backup read back (etcdstore.ReadDump).
type Source interface {
	// AllEntries returns every post, removed ones included, newest first.
	AllEntries() []Entry
	// Aliases returns every alias and the slug it leads to, by alias.
	Aliases() [][2]string
	// Entry returns the current metadata of slug, following aliases.
	Entry(slug string) (Entry, bool)
	// Revision returns revision rev of the post named slug (no aliases).
	Revision(ctx context.Context, slug string, rev uint64) (Revision, error)
	// History returns every revision of slug, oldest first, without sources.
	History(ctx context.Context, slug string) ([]Revision, error)
	// Proposals returns every proposal of slug ("": of the blog), without
	// sources.
	Proposals(ctx context.Context, slug string) ([]Proposal, error)
	// Proposal returns proposal n of slug with its source.
	Proposal(ctx context.Context, slug string, n uint64) (Proposal, error)
	// Files returns every path that has had a file, sorted.
	Files() []FileEntry
	// FileHistory returns every revision of path, oldest first.
	FileHistory(ctx context.Context, path string) ([]FileRevision, error)
	// FileData returns the bytes whose SHA-256 is hash.
	FileData(ctx context.Context, hash string) ([]byte, error)
}

// Copy copies every post of from, with all its revisions (removed posts
// too), and every alias, into to; then it checks that to holds every
// revision of from byte for byte. A post to has already at the same
// revision is left as it is, so a copy that stopped half-way is taken up
// again by running it once more; a post to has at another revision is an
// error, and nothing of it is written.
func Copy(ctx context.Context, from Source, to Store) (CopyResult, error) {
	var res CopyResult
	var batch []Restoring
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		out, err := to.Import(ctx, Import{Restores: batch})
		for i, err := range out.Restored {
			if err != nil {
				return fmt.Errorf("copying %s: %w", batch[i].Slug, err)
			}
		}
		if err != nil {
			return fmt.Errorf("copying: %w", err)
		}
		res.Copied += len(batch)
		batch, size = batch[:0], 0
		return nil
	}
	for _, e := range from.AllEntries() {
		if have, ok := to.Entry(e.Slug); ok && have.Slug == e.Slug {
			if have.Rev != e.Rev {
				return res, fmt.Errorf("copying %s: the target has it at revision %d, the source at %d", e.Slug, have.Rev, e.Rev)
			}
			res.Skipped++
			continue
		}
		revs, err := revisions(ctx, from, e.Slug)
		if err != nil {
			return res, err
		}
		batch = append(batch, Restoring{Slug: e.Slug, Revs: revs, Meta: e.Meta})
		for _, r := range revs {
			size += len(r.Source)
		}
		// Posts go in imports of bounded size: a bbolt file stores each
		// in one transaction, not one a post.
		if len(batch) >= copyBatchPosts || size >= copyBatchBytes {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	for _, a := range from.Aliases() {
		if _, ok := to.Entry(a[0]); ok {
			continue // the alias is there, or a post of that name
		}
		if err := to.AddAlias(ctx, a[0], a[1]); err != nil {
			return res, fmt.Errorf("copying the alias %s: %w", a[0], err)
		}
		res.Aliases++
	}
	n, err := copyProposals(ctx, from, to)
	res.Proposals = n
	if err != nil {
		return res, err
	}
	if res.Files, err = copyFiles(ctx, from, to); err != nil {
		return res, err
	}
	return res, Verify(ctx, from, to)
}

// copyFiles copies every file of from, with its history and the bytes of
// every revision, into to; a file to has at the same revision is left.
func copyFiles(ctx context.Context, from Source, to Store) (int, error) {
	n := 0
	for _, e := range from.Files() {
		if have, ok := to.FileEntry(e.Path); ok {
			if have.Rev != e.Rev {
				return n, fmt.Errorf("copying %s: the target has it at revision %d, the source at %d", e.Path, have.Rev, e.Rev)
			}
			continue
		}
		revs, err := from.FileHistory(ctx, e.Path)
		if err != nil {
			return n, fmt.Errorf("reading the history of %s: %w", e.Path, err)
		}
		data := map[string][]byte{}
		for _, r := range revs {
			if r.Hash == "" || data[r.Hash] != nil {
				continue
			}
			if ok, _ := to.HasFileData(ctx, r.Hash); ok {
				continue
			}
			if data[r.Hash], err = from.FileData(ctx, r.Hash); err != nil {
				return n, fmt.Errorf("reading %s: %w", e.Path, err)
			}
		}
		if err := to.RestoreFile(ctx, revs, data); err != nil {
			return n, fmt.Errorf("copying %s: %w", e.Path, err)
		}
		n++
	}
	return n, nil
}

// verifyFiles checks that to has every file of from at the same revision
// with the same bytes.
func verifyFiles(ctx context.Context, from, to Source) error {
	have := map[string]FileEntry{}
	for _, e := range to.Files() {
		have[e.Path] = e
	}
	for _, e := range from.Files() {
		t, ok := have[e.Path]
		if !ok || t.Rev != e.Rev || t.Hash != e.Hash || t.Removed != e.Removed {
			return fmt.Errorf("verifying %s: the target does not have it at revision %d", e.Path, e.Rev)
		}
		if !e.Removed {
			data, err := to.FileData(ctx, e.Hash)
			if err != nil || HashOf(data) != e.Hash {
				return fmt.Errorf("verifying %s: the target's bytes differ", e.Path)
			}
		}
	}
	return nil
}

// copyProposals copies every proposal of from into to.
func copyProposals(ctx context.Context, from Source, to Store) (int, error) {
	ps, err := from.Proposals(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("reading the proposals: %w", err)
	}
	for _, p := range ps {
		full, err := from.Proposal(ctx, p.Slug, p.N)
		if err != nil {
			return 0, fmt.Errorf("reading proposal %d of %s: %w", p.N, p.Slug, err)
		}
		if err := to.RestoreProposal(ctx, full); err != nil {
			return 0, fmt.Errorf("copying proposal %d of %s: %w", p.N, p.Slug, err)
		}
	}
	return len(ps), nil
}

// revisions reads every revision of slug from s, with its source.
func revisions(ctx context.Context, s Source, slug string) ([]Revision, error) {
	hist, err := s.History(ctx, slug)
	if err != nil {
		return nil, fmt.Errorf("reading the history of %s: %w", slug, err)
	}
	out := make([]Revision, len(hist))
	for i, h := range hist {
		r, err := s.Revision(ctx, slug, h.Rev)
		if err != nil {
			return nil, fmt.Errorf("reading %s@%d: %w", slug, h.Rev, err)
		}
		out[i] = r
	}
	return out, nil
}

// Verify checks that to holds every post, revision and alias of from: the
// same revisions, by the same authors, with the same sources (compared by
// SHA-256).
func Verify(ctx context.Context, from, to Source) error {
	for _, e := range from.AllEntries() {
		have, ok := to.Entry(e.Slug)
		if !ok || have.Slug != e.Slug || have.Rev != e.Rev || have.Removed != e.Removed {
			return fmt.Errorf("verifying %s: the target does not have it at revision %d", e.Slug, e.Rev)
		}
		a, err := revisions(ctx, from, e.Slug)
		if err != nil {
			return err
		}
		b, err := revisions(ctx, to, e.Slug)
		if err != nil {
			return err
		}
		if len(a) != len(b) {
			return fmt.Errorf("verifying %s: %d revisions, the target has %d", e.Slug, len(a), len(b))
		}
		for i := range a {
			ha, hb := sha256.Sum256(a[i].Source), sha256.Sum256(b[i].Source)
			if a[i].Rev != b[i].Rev || a[i].Author != b[i].Author || a[i].Action != b[i].Action || !bytes.Equal(ha[:], hb[:]) {
				return fmt.Errorf("verifying %s: revision %d differs in the target", e.Slug, a[i].Rev)
			}
		}
	}
	if err := verifyProposals(ctx, from, to); err != nil {
		return err
	}
	if err := verifyFiles(ctx, from, to); err != nil {
		return err
	}
	aliases := aliasMap(from.Aliases())
	for _, al := range from.Aliases() {
		if e, ok := to.Entry(al[0]); !ok || e.Slug != ResolveAlias(aliases, al[0]) {
			return fmt.Errorf("verifying the alias %s: the target does not lead it to %s", al[0], al[1])
		}
	}
	return nil
}

// verifyProposals checks that to holds every proposal of from, byte for
// byte.
func verifyProposals(ctx context.Context, from, to Source) error {
	ps, err := from.Proposals(ctx, "")
	if err != nil {
		return fmt.Errorf("verifying the proposals: %w", err)
	}
	for _, p := range ps {
		a, err := from.Proposal(ctx, p.Slug, p.N)
		if err != nil {
			return fmt.Errorf("verifying proposal %d of %s: %w", p.N, p.Slug, err)
		}
		b, err := to.Proposal(ctx, p.Slug, p.N)
		if err != nil || !bytes.Equal(EncodeProposal(a), EncodeProposal(b)) {
			return fmt.Errorf("verifying proposal %d of %s: the target does not have it as it is", p.N, p.Slug)
		}
	}
	return nil
}

// aliasMap makes a map of alias pairs.
func aliasMap(pairs [][2]string) map[string]string {
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		m[p[0]] = p[1]
	}
	return m
}
