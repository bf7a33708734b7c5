package gitrepo

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"maps"

	"github.com/sshblog/sshblog/internal/blog"
)

// maxDeltaDepth is how many trees in a row are sent as deltas before one
// is sent whole: a reader of the oldest trees applies at most this many.
const maxDeltaDepth = MaxDeltaChain

// PackStats is what a pack held.
type PackStats struct {
	Commits, Trees, Blobs int
	Bytes                 int64
}

// WritePack writes to w a pack of every object of the commits after
// commit have (-1: all of them), for a client that has have and what
// leads to it. The posts folder's trees, the large objects, go newest
// first, each older one as a delta of the one before: a clone holds one
// tree at a time, and sends a few bytes for each. id reads the blobs
// (a reader's view reads only what a reader may).
func (v *View) WritePack(ctx context.Context, b *blog.Service, id blog.Identity, w io.Writer, have int) (PackStats, error) {
	var st PackStats
	start := have + 1
	if start < 0 {
		start = 0
	}
	cs := v.commits[start:]
	// Count first: a pack says how many objects it holds. A commit's
	// trees other than the posts folder (the root, the files' folders) and
	// its files' blobs are those it has first: a client that has an
	// earlier commit has those of the commits before it.
	roots, trees, posts, blobs := map[Hash]bool{}, map[Hash]bool{}, map[Hash]bool{}, map[Hash]bool{}
	var treeOrder, blobOrder []Hash
	addBlob := func(h Hash) {
		if !h.IsZero() && !blobs[h] {
			blobs[h] = true
			blobOrder = append(blobOrder, h)
		}
	}
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		roots[c.root] = true
		for _, h := range c.trees {
			if !trees[h] {
				trees[h] = true
				treeOrder = append(treeOrder, h)
			}
		}
		if v.newPosts(start + i) {
			posts[c.posts] = true
		}
		for _, ch := range c.changes {
			if _, ok := v.blobAt[ch.new]; ok && ch.mode == fileMode {
				addBlob(ch.new)
			}
		}
		for _, h := range c.fileBlobs {
			addBlob(h)
		}
	}
	// A tree of one kind may be one of another (a folder of files made
	// like the root): each is sent once.
	all := maps.Clone(roots)
	maps.Copy(all, trees)
	maps.Copy(all, posts)
	st.Commits, st.Trees, st.Blobs = len(cs), len(all), len(blobs)
	pw := newPackWriter(w)
	if err := pw.header(len(cs) + len(all) + len(blobs)); err != nil {
		return st, err
	}
	for i := len(cs) - 1; i >= 0; i-- {
		if err := pw.object(typeCommit, cs[i].body); err != nil {
			return st, err
		}
	}
	written := map[Hash]bool{}
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		if written[c.root] {
			continue
		}
		written[c.root] = true
		if err := pw.object(typeTree, c.rootBody); err != nil {
			return st, err
		}
	}
	for _, h := range treeOrder {
		if written[h] {
			continue
		}
		written[h] = true
		body, ok := v.trees[h]
		if !ok {
			return st, fmt.Errorf("no tree %s", h)
		}
		if err := pw.object(typeTree, body); err != nil {
			return st, err
		}
	}
	// The posts folder, from the tip back.
	state := cloneEntries(v.tip)
	var base, cur []byte
	baseOff, depth := int64(-1), 0
	for i := len(v.commits) - 1; i >= start; i-- {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		c := v.commits[i]
		if v.newPosts(i) && !written[c.posts] {
			written[c.posts] = true
			cur = appendTree(cur[:0], state)
			off := pw.n
			var err error
			if baseOff >= 0 && depth < maxDeltaDepth {
				err = pw.delta(baseOff, makeDelta(base, cur))
				depth++
			} else {
				err = pw.object(typeTree, cur)
				depth = 0
			}
			if err != nil {
				return st, err
			}
			base, cur = cur, base
			baseOff = off
		}
		undo(&state, c.changes)
	}
	for _, h := range blobOrder {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		data, err := v.blobData(ctx, b, id, h)
		if err != nil {
			return st, err
		}
		if err := pw.object(typeBlob, data); err != nil {
			return st, err
		}
	}
	err := pw.finish()
	st.Bytes = pw.n
	return st, err
}

// newPosts reports whether commit i has a posts folder that the commit
// before it has not: a commit that changes only files keeps its parent's.
func (v *View) newPosts(i int) bool {
	c := v.commits[i]
	return !c.posts.IsZero() && (i == 0 || c.posts != v.commits[i-1].posts)
}

// blobData reads blob h of the view: a post's revision or a file's bytes.
func (v *View) blobData(ctx context.Context, b *blog.Service, id blog.Identity, h Hash) ([]byte, error) {
	var data []byte
	if ref, ok := v.blobAt[h]; ok {
		r, err := b.Revision(ctx, id, ref)
		if err != nil {
			return nil, fmt.Errorf("reading %s rev %d: %w", ref.Slug, ref.Rev, err)
		}
		data = r.Source
	} else if sum, ok := v.fileAt[h]; ok {
		var err error
		if data, err = b.FileBytes(ctx, sum); err != nil {
			return nil, err
		}
	} else {
		return nil, fmt.Errorf("no source for blob %s", h)
	}
	if hashObject(typeBlob, data) != h {
		return nil, fmt.Errorf("blob %s changed while it was sent", h)
	}
	return data, nil
}

// cloneEntries copies es.
func cloneEntries(es []entry) []entry { return append([]entry(nil), es...) }

// packWriter writes a pack's objects, compressed, and its checksum.
type packWriter struct {
	w   *bufio.Writer
	sum hash.Hash
	n   int64
	zw  *zlib.Writer
	zb  bytes.Buffer
}

func newPackWriter(w io.Writer) *packWriter {
	pw := &packWriter{sum: sha1.New()}
	pw.w = bufio.NewWriterSize(io.MultiWriter(w, pw.sum), 64<<10)
	pw.zw, _ = zlib.NewWriterLevel(&pw.zb, zlib.BestSpeed) // cannot fail: a valid level
	return pw
}

func (pw *packWriter) write(p []byte) error {
	n, err := pw.w.Write(p)
	pw.n += int64(n)
	return err
}

func (pw *packWriter) header(count int) error {
	h := make([]byte, 12)
	copy(h, "PACK")
	binary.BigEndian.PutUint32(h[4:], 2)
	binary.BigEndian.PutUint32(h[8:], uint32(count))
	return pw.write(h)
}

// objectHeader is a pack object's type and size.
func objectHeader(typ int, size int) []byte {
	b := []byte{byte(typ<<4) | byte(size&0x0f)}
	size >>= 4
	for size > 0 {
		b[len(b)-1] |= 0x80
		b = append(b, byte(size&0x7f))
		size >>= 7
	}
	return b
}

func (pw *packWriter) compressed(data []byte) error {
	pw.zb.Reset()
	pw.zw.Reset(&pw.zb)
	if _, err := pw.zw.Write(data); err != nil {
		return err
	}
	if err := pw.zw.Close(); err != nil {
		return err
	}
	return pw.write(pw.zb.Bytes())
}

func (pw *packWriter) object(typ int, data []byte) error {
	if err := pw.write(objectHeader(typ, len(data))); err != nil {
		return err
	}
	return pw.compressed(data)
}

// delta writes an offset delta against the object written at baseOff.
func (pw *packWriter) delta(baseOff int64, d []byte) error {
	dist := uint64(pw.n - baseOff)
	if err := pw.write(objectHeader(typeOfsDelta, len(d))); err != nil {
		return err
	}
	var buf [16]byte
	pos := len(buf) - 1
	buf[pos] = byte(dist & 0x7f)
	for dist >>= 7; dist != 0; dist >>= 7 {
		dist--
		pos--
		buf[pos] = 0x80 | byte(dist&0x7f)
	}
	if err := pw.write(buf[pos:]); err != nil {
		return err
	}
	return pw.compressed(d)
}

func (pw *packWriter) finish() error {
	if err := pw.w.Flush(); err != nil {
		return err
	}
	sum := pw.sum.Sum(nil)
	_, err := pw.w.Write(sum)
	pw.n += int64(len(sum))
	if err != nil {
		return err
	}
	return pw.w.Flush()
}

// makeDelta returns a git delta that makes target from base: what they
// share at the start and at the end is copied, the middle inserted. Trees
// of consecutive commits differ in an entry or two, so this is small.
func makeDelta(base, target []byte) []byte {
	p := 0
	for p < len(base) && p < len(target) && base[p] == target[p] {
		p++
	}
	s := 0
	for s < len(base)-p && s < len(target)-p && base[len(base)-1-s] == target[len(target)-1-s] {
		s++
	}
	d := binary.AppendUvarint(nil, uint64(len(base)))
	d = binary.AppendUvarint(d, uint64(len(target)))
	d = appendCopy(d, 0, p)
	mid := target[p : len(target)-s]
	for len(mid) > 0 {
		n := min(len(mid), 127)
		d = append(d, byte(n))
		d = append(d, mid[:n]...)
		mid = mid[n:]
	}
	return appendCopy(d, len(base)-s, s)
}

// appendCopy appends copy instructions for base[off:off+n].
func appendCopy(d []byte, off, n int) []byte {
	for n > 0 {
		size := min(n, 0xffff)
		op := byte(0x80)
		var args []byte
		for i := 0; i < 4; i++ {
			if b := byte(off >> (8 * i)); b != 0 {
				op |= 1 << i
				args = append(args, b)
			}
		}
		for i := 0; i < 2; i++ {
			if b := byte(size >> (8 * i)); b != 0 {
				op |= 1 << (4 + i)
				args = append(args, b)
			}
		}
		d = append(d, op)
		d = append(d, args...)
		off += size
		n -= size
	}
	return d
}
