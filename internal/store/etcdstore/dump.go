package etcdstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/etcdstore/layout"
)

// Dump is a blog read back from the JSON lines Store.WriteTo writes (what
// `ssh HOST backup` gives for a blog in etcd), held in memory: the posts,
// every revision, the aliases and the proposals, for store.Copy to restore
// into either store. Read counts are not read back.
type Dump struct {
	snap      *store.Snapshot
	records   map[string]layout.Record     // by slug
	revisions map[string]map[uint64][]byte // by post id and number
	proposals map[string][]byte            // by key under the prefix
	keys      layout.Keys                  // an empty prefix: keys as the dump names them

	files    []store.FileEntry         // sorted by path
	fileRevs map[string][]byte         // by key: every file revision
	chunks   map[string]map[int][]byte // by hash and number
	sizes    map[string]int64          // by hash: the bytes stored whole
}

var _ store.Source = (*Dump)(nil)

// dumpLine is a key of the dump, under the blog's prefix, and its value.
type dumpLine struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// IsDump reports whether head, the first bytes of a file, start a dump
// (a JSON object), rather than a bbolt file.
func IsDump(head []byte) bool { return len(head) > 0 && head[0] == '{' }

// ReadDump reads a dump written by Store.WriteTo.
func ReadDump(r io.Reader) (*Dump, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 8<<20) // a revision of post.MaxSize, in base64, fits
	if !sc.Scan() {
		return nil, fmt.Errorf("reading the dump: %w", errors.Join(sc.Err(), errors.New("it is empty")))
	}
	var head struct {
		Schema string `json:"schema"`
		Prefix string `json:"prefix"`
	}
	if err := json.Unmarshal(sc.Bytes(), &head); err != nil || head.Schema == "" {
		return nil, errors.New("reading the dump: the first line is not a dump's header")
	}
	if head.Schema != layout.SchemaVersion {
		return nil, fmt.Errorf("reading the dump: unknown schema version %q (this build knows %s)", head.Schema, layout.SchemaVersion)
	}
	d := &Dump{records: map[string]layout.Record{}, revisions: map[string]map[uint64][]byte{}, proposals: map[string][]byte{}, keys: layout.New(""),
		fileRevs: map[string][]byte{}, chunks: map[string]map[int][]byte{}, sizes: map[string]int64{}}
	chunks := d.keys.Prefix() + "uploads/chunks/"
	aliases := map[string]string{}
	revisions := d.keys.Prefix() + "revisions/" // the folder of every post's
	for n := 2; sc.Scan(); n++ {
		var l dumpLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("reading the dump: line %d: %w", n, err)
		}
		k := "/" + l.Key // the keys of layout.New("")
		switch {
		case strings.HasPrefix(k, d.keys.Posts()):
			var rec layout.Record
			if err := json.Unmarshal(l.Value, &rec); err != nil {
				return nil, fmt.Errorf("reading the dump: line %d: the post %s: %w", n, l.Key, err)
			}
			d.records[rec.Slug] = rec
		case strings.HasPrefix(k, d.keys.Aliases()):
			aliases[strings.TrimPrefix(k, d.keys.Aliases())] = string(l.Value)
		case strings.HasPrefix(k, revisions):
			id, _, _ := strings.Cut(strings.TrimPrefix(k, revisions), "/")
			rev, err := layout.Number(k)
			if err != nil {
				return nil, fmt.Errorf("reading the dump: line %d: %w", n, err)
			}
			if d.revisions[id] == nil {
				d.revisions[id] = map[uint64][]byte{}
			}
			d.revisions[id][rev] = l.Value
		case strings.HasPrefix(k, d.keys.Proposals("")):
			d.proposals[k] = l.Value
		case strings.HasPrefix(k, d.keys.FileEntries()+"/"):
			e, err := store.DecodeFileEntry(l.Value)
			if err != nil {
				return nil, fmt.Errorf("reading the dump: line %d: %w", n, err)
			}
			d.files = append(d.files, e)
		case strings.HasPrefix(k, d.keys.Prefix()+"uploads/revs/"):
			d.fileRevs[k] = l.Value
		case strings.HasPrefix(k, d.keys.Sizes()):
			size, err := strconv.ParseInt(string(l.Value), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("reading the dump: line %d: a damaged length", n)
			}
			d.sizes[strings.TrimPrefix(k, d.keys.Sizes())] = size
		case strings.HasPrefix(k, chunks):
			hash, num, _ := strings.Cut(strings.TrimPrefix(k, chunks), "/")
			i, err := strconv.ParseInt(num, 16, 32)
			if err != nil {
				return nil, fmt.Errorf("reading the dump: line %d: a damaged piece", n)
			}
			if d.chunks[hash] == nil {
				d.chunks[hash] = map[int][]byte{}
			}
			d.chunks[hash][int(i)] = l.Value
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the dump: %w", err)
	}
	entries := make([]store.Entry, 0, len(d.records))
	for _, r := range d.records {
		entries = append(entries, r.Entry)
	}
	d.snap = store.NewSnapshot(entries, aliases)
	slices.SortFunc(d.files, func(a, b store.FileEntry) int { return strings.Compare(a.Path, b.Path) })
	return d, nil
}

// Files returns every path that has had a file, sorted.
func (d *Dump) Files() []store.FileEntry { return d.files }

// FileHistory returns every revision of path, oldest first.
func (d *Dump) FileHistory(_ context.Context, path string) ([]store.FileRevision, error) {
	folder := d.keys.FileRevisions(path)
	var out []store.FileRevision
	for _, k := range slices.Sorted(maps.Keys(d.fileRevs)) {
		if !strings.HasPrefix(k, folder) {
			continue
		}
		r, err := store.DecodeFileRevision(d.fileRevs[k])
		if err != nil {
			return nil, fmt.Errorf("the dump's %s: %w", path, err)
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s", store.ErrNoFile, path)
	}
	return out, nil
}

// FileData returns the bytes whose SHA-256 is hash.
func (d *Dump) FileData(_ context.Context, hash string) ([]byte, error) {
	size, ok := d.sizes[hash]
	if !ok {
		return nil, fmt.Errorf("%w: no bytes %.12s in the dump", store.ErrNoFile, hash)
	}
	out := make([]byte, 0, size)
	for i := 0; i < len(d.chunks[hash]); i++ {
		out = append(out, d.chunks[hash][i]...)
	}
	if store.HashOf(out) != hash {
		return nil, fmt.Errorf("the dump's bytes %.12s are damaged", hash)
	}
	return out, nil
}

// AllEntries returns every post, removed ones included, newest first.
func (d *Dump) AllEntries() []store.Entry { return d.snap.All() }

// Aliases returns every alias and the slug it leads to, by alias.
func (d *Dump) Aliases() [][2]string { return d.snap.Aliases() }

// Entry returns the current metadata of slug, following aliases.
func (d *Dump) Entry(slug string) (store.Entry, bool) { return d.snap.Entry(slug) }

// Revision returns revision rev of the post named slug (no aliases).
func (d *Dump) Revision(_ context.Context, slug string, rev uint64) (store.Revision, error) {
	r, ok := d.records[slug]
	if !ok {
		return store.Revision{}, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
	}
	v, ok := d.revisions[r.ID][rev]
	if !ok {
		return store.Revision{}, fmt.Errorf("%w: %s has no revision %d in the dump", store.ErrNotFound, slug, rev)
	}
	return store.DecodeRevision(slug, rev, v)
}

// History returns every revision of slug, oldest first, without sources.
func (d *Dump) History(_ context.Context, slug string) ([]store.Revision, error) {
	r, ok := d.records[d.snap.Resolve(slug)]
	if !ok {
		return nil, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
	}
	revs := d.revisions[r.ID]
	out := make([]store.Revision, 0, len(revs))
	for _, n := range slices.Sorted(maps.Keys(revs)) {
		h, err := store.DecodeRevision(r.Slug, n, revs[n])
		if err != nil {
			return nil, err
		}
		h.Source = nil
		out = append(out, h)
	}
	if len(out) == 0 || out[len(out)-1].Rev != r.Rev {
		return nil, fmt.Errorf("the dump lacks revisions of %s, which is at revision %d", r.Slug, r.Rev)
	}
	return out, nil
}

// Proposals returns every proposal of slug ("": of the blog), oldest
// first, without sources.
func (d *Dump) Proposals(_ context.Context, slug string) ([]store.Proposal, error) {
	folder := d.keys.Proposals(slug)
	var out []store.Proposal
	for k, v := range d.proposals {
		if !strings.HasPrefix(k, folder) {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(k, d.keys.Proposals("")), "/")
		n, err := layout.Number(k)
		if err != nil {
			return nil, err
		}
		p, err := store.DecodeProposal(name, n, v, false)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	store.SortProposals(out)
	return out, nil
}

// Proposal returns proposal n of slug with its source.
func (d *Dump) Proposal(_ context.Context, slug string, n uint64) (store.Proposal, error) {
	v, ok := d.proposals[d.keys.Proposal(slug, n)]
	if !ok {
		return store.Proposal{}, fmt.Errorf("%w: %s has no proposal %d", store.ErrNotFound, slug, n)
	}
	return store.DecodeProposal(slug, n, v, true)
}
