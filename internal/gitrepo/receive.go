package gitrepo

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/store"
)

// Limits of what a push's pack may hold.
const (
	// MaxObjects is the most objects one push's pack may hold.
	MaxObjects = 100_000
	// MaxDeltaChain is the longest chain of deltas a push may send.
	MaxDeltaChain = 50
	// maxObjectSize is the most one object may hold, whatever max-import
	// says: a post is far smaller.
	maxObjectSize = 64 << 20
)

// ErrFetchFirst is a push made against a state of the blog that is not
// its current one: someone wrote since the pusher's fetch.
var ErrFetchFirst = errors.New("fetch first")

// ErrNotFastForward is a push whose commits do not lead from the blog's
// current commit: a force push, which would rewrite the blog's history.
var ErrNotFastForward = errors.New("not a fast-forward")

// DiscardPack reads a pack that will not be used, so that the refusal of
// its push reaches the client; at most limit bytes.
func DiscardPack(r io.Reader, limit int64) error {
	_, err := readPack(r, limit, func(Hash) (object, bool) { return object{}, false })
	return err
}

// PackError is a pack that could not be read: damaged, over a limit, or
// hostile. Nothing was stored.
type PackError struct{ Msg string }

func (e *PackError) Error() string { return e.Msg }

func packErr(format string, args ...any) error {
	return &PackError{Msg: fmt.Sprintf(format, args...)}
}

// object is an object of a push.
type object struct {
	typ  int
	data []byte
}

// countingReader counts and checksums what a pack's reader consumes, up
// to a limit. It is an io.ByteReader, so that zlib reads no further than
// each object's end.
type countingReader struct {
	r     *bufio.Reader
	n     int64
	limit int64
	sum   hash.Hash
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		return 0, packErr("the push is larger than max-import (%d bytes)", c.limit)
	}
	if int64(len(p)) > c.limit-c.n {
		p = p[:c.limit-c.n]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.sum.Write(p[:n])
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	if c.n >= c.limit {
		return 0, packErr("the push is larger than max-import (%d bytes)", c.limit)
	}
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
		c.sum.Write([]byte{b})
	}
	return b, err
}

// pending is an object as the pack holds it, before deltas are applied.
type pending struct {
	typ    int
	data   []byte
	baseAt int64 // offset delta: the base's offset
	baseID Hash  // reference delta: the base's id
}

// readPack reads a whole pack from r: at most limit bytes, MaxObjects
// objects, each at most maxObject bytes, deltas at most MaxDeltaChain
// deep. base finds an object the blog has, for a thin pack's deltas.
func readPack(r io.Reader, limit int64, base func(Hash) (object, bool)) (map[Hash]object, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	maxObject := min(limit, maxObjectSize)
	cr := &countingReader{r: bufio.NewReader(r), limit: limit, sum: sha1.New()}
	var head [12]byte
	if _, err := io.ReadFull(cr, head[:]); err != nil {
		return nil, packErr("reading the pack's header: %v", err)
	}
	if string(head[:4]) != "PACK" || (binary.BigEndian.Uint32(head[4:8]) != 2 && binary.BigEndian.Uint32(head[4:8]) != 3) {
		return nil, packErr("not a pack")
	}
	count := binary.BigEndian.Uint32(head[8:])
	if count > MaxObjects {
		return nil, packErr("the pack holds %d objects, more than %d", count, MaxObjects)
	}
	objs := make([]pending, 0, min(count, 1024))
	at := map[int64]int{}
	var total int64
	zr := io.ReadCloser(nil)
	for i := uint32(0); i < count; i++ {
		off := cr.n
		typ, size, err := readObjectHeader(cr)
		if err != nil {
			return nil, err
		}
		if size > maxObject {
			return nil, packErr("an object of %d bytes, more than a push may hold (%d)", size, maxObject)
		}
		p := pending{typ: typ}
		switch typ {
		case typeCommit, typeTree, typeBlob, typeTag:
		case typeOfsDelta:
			d, err := readOfs(cr)
			if err != nil {
				return nil, err
			}
			if d <= 0 || d > off {
				return nil, packErr("a delta whose base is outside the pack")
			}
			p.baseAt = off - d
			if _, ok := at[p.baseAt]; !ok {
				return nil, packErr("a delta whose base is not an object")
			}
		case typeRefDelta:
			if _, err := io.ReadFull(cr, p.baseID[:]); err != nil {
				return nil, packErr("reading the pack: %v", err)
			}
		default:
			return nil, packErr("an object of unknown type %d", typ)
		}
		total += size
		if total > limit {
			return nil, packErr("the pack's objects hold more than max-import (%d bytes)", limit)
		}
		if zr == nil {
			zr, err = zlib.NewReader(cr)
		} else {
			err = zr.(zlib.Resetter).Reset(cr, nil)
		}
		if err != nil {
			return nil, packErr("reading the pack: %v", err)
		}
		// Read what comes rather than trust the size: memory follows the
		// data sent, not the data claimed.
		data, err := io.ReadAll(io.LimitReader(zr, size+1))
		switch {
		case err != nil:
			return nil, packErr("reading an object: %v", err)
		case int64(len(data)) < size:
			return nil, packErr("an object shorter than it says")
		case int64(len(data)) > size:
			return nil, packErr("an object longer than it says")
		}
		p.data = data
		at[off] = len(objs)
		objs = append(objs, p)
	}
	want := cr.sum.Sum(nil)
	var got [20]byte
	if _, err := io.ReadFull(cr, got[:]); err != nil || !bytes.Equal(want, got[:]) {
		return nil, packErr("the pack's checksum does not match")
	}
	return resolve(objs, at, base, limit)
}

// readObjectHeader reads a pack object's type and size.
func readObjectHeader(r io.ByteReader) (int, int64, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, 0, packErr("reading the pack: %v", err)
	}
	typ := int(b>>4) & 7
	size := int64(b & 0x0f)
	shift := 4
	for b&0x80 != 0 {
		if shift > 56 {
			return 0, 0, packErr("an object size that does not end")
		}
		if b, err = r.ReadByte(); err != nil {
			return 0, 0, packErr("reading the pack: %v", err)
		}
		size |= int64(b&0x7f) << shift
		shift += 7
	}
	if size < 0 {
		return 0, 0, packErr("an object of a negative size")
	}
	return typ, size, nil
}

// readOfs reads an offset delta's distance to its base.
func readOfs(r io.ByteReader) (int64, error) {
	b, err := r.ReadByte()
	if err != nil {
		return 0, packErr("reading the pack: %v", err)
	}
	d := int64(b & 0x7f)
	for n := 0; b&0x80 != 0; n++ {
		if n > 8 {
			return 0, packErr("a delta offset that does not end")
		}
		if b, err = r.ReadByte(); err != nil {
			return 0, packErr("reading the pack: %v", err)
		}
		d = (d+1)<<7 | int64(b&0x7f)
	}
	return d, nil
}

// resolve applies the pack's deltas and returns its objects by id. A
// delta's base is an earlier object (offset deltas), or any object of the
// pack or the blog (reference deltas, in a thin pack); no chain is longer
// than MaxDeltaChain.
func resolve(objs []pending, at map[int64]int, base func(Hash) (object, bool), limit int64) (map[Hash]object, error) {
	out := make(map[Hash]object, len(objs))
	done := make([]*object, len(objs))
	depth := make([]int, len(objs))
	known := map[Hash]int{} // pack objects resolved, by id
	outside := map[Hash]*object{}
	var total int64
	left := 0
	for i, p := range objs {
		if p.typ != typeOfsDelta && p.typ != typeRefDelta {
			done[i] = &object{typ: p.typ, data: p.data}
			known[hashObject(p.typ, p.data)] = i
		} else {
			left++
		}
	}
	for left > 0 {
		progress := false
		for i, p := range objs {
			if done[i] != nil {
				continue
			}
			var src *object
			d := 0
			switch p.typ {
			case typeOfsDelta:
				j := at[p.baseAt]
				src, d = done[j], depth[j]
			case typeRefDelta:
				if j, ok := known[p.baseID]; ok {
					src, d = done[j], depth[j]
				} else if o, ok := outside[p.baseID]; ok {
					src = o
				} else if o, ok := base(p.baseID); ok {
					outside[p.baseID] = &o
					src = &o
				}
			}
			if src == nil {
				continue
			}
			if d+1 > MaxDeltaChain {
				return nil, packErr("a chain of deltas deeper than %d", MaxDeltaChain)
			}
			data, err := applyDelta(src.data, p.data, min(limit, maxObjectSize))
			if err != nil {
				return nil, err
			}
			total += int64(len(data))
			if total > 2*limit {
				return nil, packErr("the pack's objects hold more than max-import (%d bytes)", limit)
			}
			done[i], depth[i] = &object{typ: src.typ, data: data}, d+1
			objs[i].data = nil
			known[hashObject(src.typ, data)] = i
			left--
			progress = true
		}
		if !progress {
			return nil, packErr("a delta against an object neither the pack nor the blog has")
		}
	}
	for _, o := range done {
		out[hashObject(o.typ, o.data)] = *o
	}
	return out, nil
}

// applyDelta makes a delta's target from src, at most max bytes.
func applyDelta(src, d []byte, max int64) ([]byte, error) {
	bad := packErr("a damaged delta")
	srcSize, n := binary.Uvarint(d)
	if n <= 0 {
		return nil, bad
	}
	d = d[n:]
	dstSize, n := binary.Uvarint(d)
	if n <= 0 {
		return nil, bad
	}
	d = d[n:]
	if srcSize != uint64(len(src)) {
		return nil, packErr("a delta against an object of another size")
	}
	if dstSize > uint64(max) {
		return nil, packErr("a delta that makes an object of %d bytes, more than a push may hold (%d)", dstSize, max)
	}
	out := make([]byte, 0, dstSize)
	for len(d) > 0 {
		op := d[0]
		d = d[1:]
		switch {
		case op&0x80 != 0:
			var off, size uint64
			for i := 0; i < 4; i++ {
				if op&(1<<i) != 0 {
					if len(d) == 0 {
						return nil, bad
					}
					off |= uint64(d[0]) << (8 * i)
					d = d[1:]
				}
			}
			for i := 0; i < 3; i++ {
				if op&(1<<(4+i)) != 0 {
					if len(d) == 0 {
						return nil, bad
					}
					size |= uint64(d[0]) << (8 * i)
					d = d[1:]
				}
			}
			if size == 0 {
				size = 0x10000
			}
			if off+size > uint64(len(src)) || uint64(len(out))+size > dstSize {
				return nil, bad
			}
			out = append(out, src[off:off+size]...)
		case op != 0:
			if int(op) > len(d) || uint64(len(out))+uint64(op) > dstSize {
				return nil, bad
			}
			out = append(out, d[:op]...)
			d = d[op:]
		default:
			return nil, bad
		}
	}
	if uint64(len(out)) != dstSize {
		return nil, bad
	}
	return out, nil
}

// Receive reads a push of the branch from old to new, whose objects are
// the pack r sends (at most maxBytes), checks it, and has the blog store
// its changes, all of them or none. It returns what the blog did, one
// line each; an error is ErrFetchFirst, a *PackError, a
// *blog.PushRefused (one line per file refused) or the blog's.
func (r *Repo) Receive(ctx context.Context, id blog.Identity, old, new Hash, pack io.Reader, hasPack bool, maxBytes int64) ([]string, error) {
	r.pushMu.Lock()
	defer r.pushMu.Unlock()
	v, err := r.View(ctx, id)
	if err != nil {
		return nil, err
	}
	objs := map[Hash]object{}
	if hasPack {
		objs, err = readPack(pack, maxBytes, v.objectOf(ctx, r.b, id))
		if err != nil {
			return nil, err
		}
	}
	// The blog may have changed while the pack came in.
	if v, err = r.View(ctx, id); err != nil {
		return nil, err
	}
	if old != v.Tip() {
		return nil, ErrFetchFirst
	}
	changes, problems, err := v.pushChanges(ctx, r.b, id, objs, new)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		problems = append(problems, r.b.CheckPush(ctx, id, changes)...)
		return nil, &blog.PushRefused{Problems: problems}
	}
	if len(changes) == 0 {
		return []string{"nothing to publish: the push changes no post and no file"}, nil
	}
	// Each post is held to its revision at the tip the push was made on:
	// a write since, from anywhere, makes the push "fetch first".
	res, err := r.b.Push(ctx, id, changes, v.revs)
	if err != nil {
		if errors.Is(err, blog.ErrConflict) {
			return res.Lines, fmt.Errorf("%w: %v", ErrFetchFirst, err)
		}
		return res.Lines, err
	}
	return res.Lines, nil
}

// objectOf finds an object the view has, for a thin pack's deltas: a blob
// or a tree.
func (v *View) objectOf(ctx context.Context, b *blog.Service, id blog.Identity) func(Hash) (object, bool) {
	return func(h Hash) (object, bool) {
		if data, err := v.blobData(ctx, b, id, h); err == nil {
			return object{typ: typeBlob, data: data}, true
		}
		if es, err := v.tree(nil, h); err == nil {
			return object{typ: typeTree, data: appendTree(nil, es)}, true
		}
		return object{}, false
	}
}

// pushChanges walks the pushed commits from the view's tip to new and
// returns the changes they make, in order, or the problems of each file
// refused.
func (v *View) pushChanges(ctx context.Context, b *blog.Service, id blog.Identity, objs map[Hash]object, new Hash) ([]blog.PushChange, []string, error) {
	tip := v.Tip()
	var chain []parsedCommit
	for at := new; at != tip; {
		o, ok := objs[at]
		if !ok || o.typ != typeCommit {
			if v.Index(at) >= 0 {
				return nil, nil, ErrNotFastForward // an older commit of the blog's
			}
			return nil, nil, packErr("the push lacks commit %s", at)
		}
		c, err := parseCommit(o.data)
		if err != nil {
			return nil, nil, packErr("%s: %v", at, err)
		}
		chain = append(chain, c)
		if len(chain) > len(objs) {
			return nil, nil, packErr("a history that loops")
		}
		switch {
		case len(c.parents) > 1:
			return nil, []string{fmt.Sprintf("%s: a merge commit; the blog's history is a line: rebase on it (git pull --rebase)", at.String()[:12])}, nil
		case len(c.parents) == 0 && !tip.IsZero():
			return nil, nil, ErrNotFastForward
		case len(c.parents) == 0:
			at = Hash{}
		default:
			at = c.parents[0]
		}
	}
	slices.Reverse(chain)
	var prev []entry
	for _, e := range v.tip {
		if e.mode == fileMode && strings.HasSuffix(e.name, ".md") {
			prev = append(prev, e)
		}
	}
	prevFiles := v.shownFiles()
	var changes []blog.PushChange
	var problems []string
	budget := maxWalk
	for _, c := range chain {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		cur, files, probs := v.postsOf(objs, c.tree, &budget)
		if budget < 0 {
			return nil, nil, packErr("the push's commits name more than %d files and folders in all; push fewer commits at a time", maxWalk)
		}
		problems = append(problems, probs...)
		cs, probs := v.fileDiff(ctx, b, id, objs, prevFiles, files)
		problems = append(problems, probs...)
		changes = append(changes, cs...)
		cs, probs = v.diff(ctx, b, id, objs, prev, cur)
		problems = append(problems, probs...)
		changes = append(changes, cs...)
		prev, prevFiles = cur, files
	}
	return changes, dedupe(problems), nil
}

// shownFiles returns the files the tip's tree shows: those a post or a
// file of the same name does not hide (see fileTrees), which a push
// that leaves them out does not remove.
func (v *View) shownFiles() map[string]Hash {
	out := make(map[string]Hash, len(v.files))
	for p, h := range v.files {
		if v.shown(p) {
			out[p] = h
		}
	}
	return out
}

// shown reports whether the file p is in the tip's tree.
func (v *View) shown(p string) bool {
	if p == PostsDir {
		return false
	}
	for i := range len(p) {
		if p[i] != '/' {
			continue
		}
		if _, file := v.files[p[:i]]; file {
			return false
		}
		if dir, ok := strings.CutPrefix(p[:i], PostsDir+"/"); ok && !strings.Contains(dir, "/") && strings.HasSuffix(dir, ".md") {
			return false
		}
	}
	return true
}

// dedupe drops repeated lines, keeping the first of each.
func dedupe(lines []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// tree returns the entries of tree h: the push's, or the view's.
func (v *View) tree(objs map[Hash]object, h Hash) ([]entry, error) {
	if o, ok := objs[h]; ok {
		if o.typ != typeTree {
			return nil, fmt.Errorf("%s is not a tree", h)
		}
		return parseTree(o.data)
	}
	if body, ok := v.trees[h]; ok {
		return parseTree(body)
	}
	for i := len(v.commits) - 1; i >= 0; i-- {
		c := v.commits[i]
		if c.root == h {
			return parseTree(c.rootBody)
		}
		if c.posts == h {
			return v.postsAt(i), nil
		}
	}
	if h == hashObject(typeTree, nil) {
		return nil, nil
	}
	return nil, fmt.Errorf("the push lacks tree %s", h)
}

// maxDepth is how deep a push's folders may nest: a file's path has at
// most store.MaxFilePath bytes.
const maxDepth = 64

// maxWalk is how many files and folders (posts aside) a push's commits
// may name in all, every commit's whole tree counted: trees that name one
// another many times over would otherwise make the walk, and its paths,
// grow without bound.
const maxWalk = 200_000

// postsOf returns the posts folder of the root tree root (its SLUG.md
// files) and every other file of the tree, by its path: the blog's files.
// Every path is checked: symbolic links, submodules and names git keeps
// for itself are refused.
// budget is how many entries of files may still be walked; below zero,
// the walk stopped.
func (v *View) postsOf(objs map[Hash]object, root Hash, budget *int) ([]entry, map[string]Hash, []string) {
	es, err := v.tree(objs, root)
	if err != nil {
		return nil, nil, []string{err.Error()}
	}
	var posts []entry
	files := map[string]Hash{}
	var problems []string
	for _, e := range es {
		if e.name == PostsDir && e.mode == dirMode {
			ps, err := v.tree(objs, e.hash)
			if err != nil {
				return nil, nil, []string{PostsDir + "/: " + err.Error()}
			}
			for _, p := range ps {
				if p.mode != dirMode && strings.HasSuffix(p.name, ".md") {
					if why := checkPostEntry(p); why != "" {
						problems = append(problems, PostsDir+"/"+p.name+": "+why)
						continue
					}
					posts = append(posts, p)
					continue
				}
				if p.mode == dirMode && strings.HasSuffix(p.name, ".md") {
					problems = append(problems, PostsDir+"/"+p.name+": a folder named as a post; posts are files, posts/SLUG.md")
					continue
				}
				problems = append(problems, v.walkFiles(objs, PostsDir+"/", p, 1, files, budget)...)
			}
			continue
		}
		problems = append(problems, v.walkFiles(objs, "", e, 0, files, budget)...)
	}
	slices.SortFunc(posts, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return posts, files, problems
}

// walkFiles adds the files of entry e, in the folder dir ("" or "a/b/"),
// to files, and returns the problems of those refused.
func (v *View) walkFiles(objs map[Hash]object, dir string, e entry, depth int, files map[string]Hash, budget *int) []string {
	if *budget--; *budget < 0 {
		return nil
	}
	name := dir + e.name
	switch {
	case e.mode == "120000":
		return []string{name + ": a symbolic link; the blog keeps files"}
	case e.mode == "160000":
		return []string{name + ": a submodule; the blog keeps files"}
	case strings.HasPrefix(strings.ToLower(e.name), ".git"):
		return []string{name + ": a name git keeps for itself"}
	case len(name) >= store.MaxFilePath:
		return []string{name + ": a path longer than a file's may be"}
	case e.mode == "100644" || e.mode == "100755":
		files[name] = e.hash
		return nil
	case e.mode != dirMode:
		return []string{name + ": not a file"}
	case depth >= maxDepth:
		return []string{name + "/: folders nested too deep"}
	}
	es, err := v.tree(objs, e.hash)
	if err != nil {
		return []string{name + "/: " + err.Error()}
	}
	var problems []string
	for _, sub := range es {
		if *budget < 0 {
			break
		}
		problems = append(problems, v.walkFiles(objs, name+"/", sub, depth+1, files, budget)...)
	}
	return problems
}

// fileDiff returns the changes from the blog's files prev to cur, by
// their paths in the tree: a file moved unchanged, keeping its extension,
// is a rename.
func (v *View) fileDiff(ctx context.Context, b *blog.Service, id blog.Identity, objs map[Hash]object, prev, cur map[string]Hash) ([]blog.PushChange, []string) {
	var removed, added []string
	for _, p := range slices.Sorted(maps.Keys(prev)) {
		if _, ok := cur[p]; !ok {
			removed = append(removed, p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(cur)) {
		if h, ok := prev[p]; !ok || h != cur[p] {
			added = append(added, p)
		}
	}
	var out []blog.PushChange
	var problems []string
	content := func(p string) ([]byte, bool) {
		data, ok := v.blobContent(ctx, b, id, objs, cur[p])
		if !ok {
			problems = append(problems, p+": the push lacks its content")
		}
		return data, ok
	}
	renamed := map[string]bool{}
	for _, r := range removed {
		for _, a := range added {
			_, existed := prev[a]
			if existed || renamed[a] || cur[a] != prev[r] || !strings.EqualFold(path.Ext(a), path.Ext(r)) {
				continue
			}
			renamed[a], renamed[r] = true, true
			if data, ok := content(a); ok {
				out = append(out, blog.PushChange{Kind: blog.PushFileRename, Path: a, Slug: "/" + r, NewSlug: "/" + a, Source: data})
			}
			break
		}
	}
	for _, r := range removed {
		if !renamed[r] {
			out = append(out, blog.PushChange{Kind: blog.PushFileRemove, Path: r, Slug: "/" + r})
		}
	}
	for _, a := range added {
		if renamed[a] {
			continue
		}
		if data, ok := content(a); ok {
			out = append(out, blog.PushChange{Kind: blog.PushFile, Path: a, Slug: "/" + a, Source: data})
		}
	}
	return out, problems
}

// diff returns the changes from the posts folder prev to cur.
func (v *View) diff(ctx context.Context, b *blog.Service, id blog.Identity, objs map[Hash]object, prev, cur []entry) ([]blog.PushChange, []string) {
	before := map[string]Hash{}
	for _, e := range prev {
		before[e.name] = e.hash
	}
	after := map[string]Hash{}
	for _, e := range cur {
		after[e.name] = e.hash
	}
	var removed, added []string
	for _, e := range prev {
		if _, ok := after[e.name]; !ok {
			removed = append(removed, e.name)
		}
	}
	for _, e := range cur {
		if h, ok := before[e.name]; !ok || h != e.hash {
			added = append(added, e.name)
		}
	}
	var out []blog.PushChange
	var problems []string
	slug := func(name string) string { return strings.TrimSuffix(name, ".md") }
	// A file moved unchanged is a rename.
	renamed := map[string]bool{}
	for _, r := range removed {
		for _, a := range added {
			if _, existed := before[a]; !existed && !renamed[a] && after[a] == before[r] {
				renamed[a], renamed[r] = true, true
				out = append(out, blog.PushChange{Kind: blog.PushRename, Path: PostsDir + "/" + a, Slug: slug(r), NewSlug: slug(a)})
				break
			}
		}
	}
	for _, r := range removed {
		if !renamed[r] {
			out = append(out, blog.PushChange{Kind: blog.PushRemove, Path: PostsDir + "/" + r, Slug: slug(r)})
		}
	}
	for _, a := range added {
		if renamed[a] {
			continue
		}
		src, ok := v.blobContent(ctx, b, id, objs, after[a])
		if !ok {
			problems = append(problems, PostsDir+"/"+a+": the push lacks its content")
			continue
		}
		out = append(out, blog.PushChange{Kind: blog.PushPublish, Path: PostsDir + "/" + a, Slug: slug(a), Source: src})
	}
	return out, problems
}

// blobContent returns blob h, from the push or the blog.
func (v *View) blobContent(ctx context.Context, b *blog.Service, id blog.Identity, objs map[Hash]object, h Hash) ([]byte, bool) {
	if o, ok := objs[h]; ok {
		return o.data, o.typ == typeBlob
	}
	o, ok := v.objectOf(ctx, b, id)(h)
	return o.data, ok && o.typ == typeBlob
}

// checkPostEntry says why an entry posts/SLUG.md is not a post, or "".
func checkPostEntry(e entry) string {
	switch {
	case e.mode == "120000":
		return "a symbolic link; posts are files"
	case e.mode == "160000":
		return "a submodule; posts are files"
	case e.mode != "100644" && e.mode != "100755":
		return "not a file"
	case strings.HasPrefix(strings.ToLower(e.name), ".git"):
		return "a name git keeps for itself"
	}
	return ""
}
