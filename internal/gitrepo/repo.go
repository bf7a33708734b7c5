// Package gitrepo is the blog as a git repository, derived from the store
// (which stays the one source of truth): its tree is posts/SLUG.md, the
// stored markdown byte for byte, and the blog's files (images,
// attachments) at their paths (/assets/x.png is assets/x.png); its
// history is the blog's, posts' and files' alike, one commit per revision
// (revisions written together, by one author at one instant, such as an
// import's or a push's, make one commit). Commits are deterministic: the
// author is the revision's author, the time the revision's, the message
// the action and the post, so the same history always gives the same ids
// and a fetch downloads only what is new.
//
// There are two views. An author's has every revision of every post,
// drafts, scheduled posts and removals included. A reader's has only what
// a reader may read (blog.Service.Timeline with a reader's identity, which
// applies the blog's one rule, readable): the posts readers see now, and of
// each only the revisions that were public when written. Files are public:
// both views hold all of them. A post readers
// stop seeing (removed, made a draft again) leaves the reader's history,
// which is then built anew: a reader's next fetch is a forced update.
//
// Views are built once and kept current by the blog's change feed; a
// clone streams a pack from them (pack.go) without holding the trees, and
// a push is read back into the blog's changes (receive.go).
package gitrepo

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/store"
)

// Branch is the one branch the repository has.
const Branch = "refs/heads/main"

// PostsDir is the folder of the posts in the repository's tree.
const PostsDir = "posts"

// Repo is the blog as a repository, for readers and for authors. It is
// safe for concurrent use.
type Repo struct {
	b   *blog.Service
	log *slog.Logger

	mu       sync.Mutex
	views    [2]*View // reader's, author's
	stale    [2]bool
	blobs    map[blobKey]Hash   // ids of revisions' blobs, computed once
	fblobs   map[string]Hash    // ids of files' blobs by their SHA-256, computed once
	readable blog.ReadableCache // what readers may read of old revisions
	authorID blog.Identity      // the author the author's view was last built for

	pushMu sync.Mutex // one push at a time
}

// blobKey names a revision's source: a rename changes its slug, and the
// time tells two posts that had the same name apart.
type blobKey struct {
	slug string
	rev  uint64
	time int64
}

// New returns the repository of b. Call Watch to keep it current.
func New(b *blog.Service, log *slog.Logger) *Repo {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Repo{b: b, log: log, blobs: map[blobKey]Hash{}, fblobs: map[string]Hash{}}
}

// Watch keeps the views current with the blog's change feed until ctx is
// done: after each change the views built so far (a view is built when
// first asked for) are brought up to date, so that a fetch finds them
// ready.
func (r *Repo) Watch(ctx context.Context) {
	r.b.Watch(ctx, func() {
		r.mu.Lock()
		r.stale = [2]bool{true, true}
		author, readers := r.authorID, r.views[0] != nil
		r.mu.Unlock()
		// Only the views someone asked for: a blog nobody clones costs
		// nothing.
		if readers {
			if _, err := r.View(ctx, blog.Identity{}); err != nil {
				r.log.Warn("git: updating the reader's repository", "err", err)
			}
		}
		if author.IsAuthor() {
			if _, err := r.View(ctx, author); err != nil {
				r.log.Debug("git: updating the author's repository", "err", err)
			}
		}
	})
}

// View is one view of the repository at one moment: immutable once built.
type View struct {
	author   bool
	commits  []commit
	index    map[Hash]int      // commit id -> its index in commits
	tip      []entry           // the posts folder at the last commit, sorted as git sorts
	blobAt   map[Hash]blog.Ref // where each post blob's content is read
	revs     map[string]uint64 // each post's revision at the tip, by its slug now, and each file's by its path ("/assets/x.png")
	files    map[string]Hash   // the files at the last commit: their path in the tree -> blob
	ftop     *folder           // the same files as folders, with their trees' ids
	fileAt   map[Hash]string   // where each file blob's content is read: its SHA-256
	fposts   map[string]entry  // the entries of the posts folder that files make (posts/SLUG/x.png)
	froot    []entry           // the entries of the root that files make, sorted
	trees    map[Hash][]byte   // every tree of the files' folders, by id
	timeline []blog.Written
	changed  <-chan struct{} // closed when the blog changes after the view was built
}

// commit is one commit of a view.
type commit struct {
	id, root, posts Hash   // posts is zero when the folder is empty
	body            []byte // the commit object
	rootBody        []byte // the root tree
	changes         []change
	trees           []Hash // the files' folders' trees this commit has first, in v.trees
	fileBlobs       []Hash // the file blobs this commit has first, in v.fileAt
}

// change is what one revision did to the posts folder.
type change struct {
	name     string // SLUG.md, or a folder or file the blog's files make
	mode     string // the entry's mode
	old, new Hash   // zero: absent
}

// Author reports whether the view is an author's.
func (v *View) Author() bool { return v.author }

// Tip returns the id of the last commit; zero when there is none.
func (v *View) Tip() Hash {
	if len(v.commits) == 0 {
		return Hash{}
	}
	return v.commits[len(v.commits)-1].id
}

// Len is how many commits the view has.
func (v *View) Len() int { return len(v.commits) }

// Index returns the index of commit id in the view, or -1.
func (v *View) Index(id Hash) int {
	if i, ok := v.index[id]; ok {
		return i
	}
	return -1
}

// View returns the repository as id sees it, brought up to date first if
// the blog changed since it was last built.
func (r *Repo) View(ctx context.Context, id blog.Identity) (*View, error) {
	k := 0
	if id.IsAuthor() {
		k = 1
	}
	if k == 1 {
		if err := r.b.CheckAuthor(id); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.views[k]
	if old != nil && !r.stale[k] && !closed(old.changed) {
		return old, nil
	}
	v, err := r.build(ctx, id, old)
	if err != nil {
		return nil, err
	}
	r.views[k], r.stale[k] = v, false
	if k == 1 {
		r.authorID = id
	}
	return v, nil
}

// closed reports whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// build makes the view of id, from old when the blog's history only grew
// since old was built.
func (r *Repo) build(ctx context.Context, id blog.Identity, old *View) (*View, error) {
	changed := r.b.Changed()
	tl, err := r.b.Timeline(ctx, id, &r.readable)
	if err != nil {
		return nil, fmt.Errorf("reading the blog's history: %w", err)
	}
	v := &View{author: id.IsAuthor(), changed: changed, timeline: tl}
	from := 0
	if old != nil && extends(old.timeline, tl) {
		v.commits = old.commits[:len(old.commits):len(old.commits)]
		v.index = make(map[Hash]int, len(old.index)+len(tl)-len(old.timeline))
		for h, i := range old.index {
			v.index[h] = i
		}
		v.tip = slices.Clone(old.tip)
		v.blobAt = make(map[Hash]blog.Ref, len(old.blobAt))
		for h, ref := range old.blobAt {
			v.blobAt[h] = ref
		}
		v.revs = maps.Clone(old.revs)
		v.files, v.fileAt, v.fposts = maps.Clone(old.files), maps.Clone(old.fileAt), maps.Clone(old.fposts)
		v.ftop = old.ftop.clone()
		v.froot, v.trees = slices.Clone(old.froot), maps.Clone(old.trees)
		from = len(old.timeline)
	} else {
		v.index = map[Hash]int{}
		v.blobAt = map[Hash]blog.Ref{}
		v.revs = map[string]uint64{}
		v.files, v.fileAt, v.fposts, v.trees = map[string]Hash{}, map[Hash]string{}, map[string]entry{}, map[Hash][]byte{}
		v.ftop = &folder{}
	}
	var buf []byte
	for from < len(tl) {
		to := from + 1
		for to < len(tl) && sameGroup(tl[from], tl[to]) {
			to++
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := r.commit(ctx, id, v, tl[from:to], &buf)
		if err != nil {
			return nil, err
		}
		v.index[c.id] = len(v.commits)
		v.commits = append(v.commits, c)
		from = to
	}
	return v, nil
}

// extends reports whether now is old with revisions added after its last
// commit (not joining it).
func extends(old, now []blog.Written) bool {
	if len(now) < len(old) || !slices.Equal(old, now[:len(old)]) {
		return false
	}
	return len(old) == 0 || len(now) == len(old) || !sameGroup(old[len(old)-1], now[len(old)])
}

// sameGroup reports whether two revisions make one commit: written by one
// author at one instant (an import, a push).
func sameGroup(a, b blog.Written) bool { return a.Time == b.Time && a.Author == b.Author }

// commit applies ws, revisions that make one commit, to v's tip, and
// returns the commit.
func (r *Repo) commit(ctx context.Context, id blog.Identity, v *View, ws []blog.Written, buf *[]byte) (commit, error) {
	var c commit
	filesChanged := false
	for _, w := range ws {
		if w.File != "" {
			if err := r.applyFile(ctx, v, &c, w); err != nil {
				return c, err
			}
			filesChanged = true
			continue
		}
		v.revs[w.Slug] = w.Rev
		name := w.Path + ".md"
		if w.From != "" && w.From != w.Path {
			if old, ok := v.set(w.From+".md", Hash{}); ok {
				c.changes = append(c.changes, change{name: w.From + ".md", mode: fileMode, old: old})
			}
		}
		var h Hash
		if w.Action != store.Removed {
			var err error
			if h, err = r.blob(ctx, id, w); err != nil {
				return c, err
			}
			v.blobAt[h] = blog.Ref{Slug: w.Slug, Rev: w.Rev}
		}
		old, _ := v.set(name, h)
		if old != h {
			c.changes = append(c.changes, change{name: name, mode: fileMode, old: old, new: h})
		}
	}
	if filesChanged {
		v.fileTrees(&c)
	}
	root := slices.Clone(v.froot)
	if len(v.tip) > 0 {
		*buf = appendTree((*buf)[:0], v.tip)
		c.posts = hashObject(typeTree, *buf)
		root = append(root, entry{name: PostsDir, mode: dirMode, hash: c.posts})
		sortEntries(root)
	}
	c.rootBody = appendTree(nil, root)
	c.root = hashObject(typeTree, c.rootBody)
	var parent *Hash
	if n := len(v.commits); n > 0 {
		parent = &v.commits[n-1].id
	}
	c.body = commitBody(c.root, parent, ws[0].Author, ws[0].Time, message(ws))
	c.id = hashObject(typeCommit, c.body)
	return c, nil
}

// Modes of tree entries.
const (
	fileMode = "100644"
	dirMode  = "40000"
)

// set makes the post file name hold h in the tip (zero: removes it) and
// returns what it held.
func (v *View) set(name string, h Hash) (Hash, bool) {
	return setEntry(&v.tip, name, fileMode, h)
}

// gitKey is the name git sorts a tree's entry by: a folder's ends in a
// slash.
func gitKey(name, mode string) string {
	if mode == dirMode {
		return name + "/"
	}
	return name
}

// sortEntries sorts es as git sorts a tree.
func sortEntries(es []entry) {
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(gitKey(a.name, a.mode), gitKey(b.name, b.mode)) })
}

// setEntry makes name, of mode, hold h in the entries es sorted as git
// sorts them (zero: removes it) and returns what it held.
func setEntry(es *[]entry, name, mode string, h Hash) (Hash, bool) {
	key := gitKey(name, mode)
	i, found := slices.BinarySearchFunc(*es, key, func(e entry, k string) int { return strings.Compare(gitKey(e.name, e.mode), k) })
	var old Hash
	if found {
		old = (*es)[i].hash
	}
	switch {
	case h.IsZero() && found:
		*es = slices.Delete(*es, i, i+1)
	case h.IsZero():
	case found:
		(*es)[i].hash = h
	default:
		*es = slices.Insert(*es, i, entry{name: name, mode: mode, hash: h})
	}
	return old, found
}

// applyFile applies w, a revision of one of the blog's files, to v's
// files.
func (r *Repo) applyFile(ctx context.Context, v *View, c *commit, w blog.Written) error {
	v.revs[w.File] = w.Rev
	name := strings.TrimPrefix(w.File, "/")
	if w.Hash == "" {
		delete(v.files, name)
		v.ftop.set(name, Hash{})
		return nil
	}
	h, ok := r.fblobs[w.Hash]
	if !ok {
		data, err := r.b.FileBytes(ctx, w.Hash)
		if err != nil {
			return fmt.Errorf("reading %s rev %d: %w", w.File, w.Rev, err)
		}
		h = hashObject(typeBlob, data)
		r.fblobs[w.Hash] = h
	}
	v.files[name] = h
	v.ftop.set(name, h)
	if _, ok := v.fileAt[h]; !ok {
		v.fileAt[h] = w.Hash
		c.fileBlobs = append(c.fileBlobs, h)
	}
	return nil
}

// folder is a folder of the view's files, which knows the id of its tree
// until a file below it changes: a commit makes anew only the trees of
// the folders it changed.
type folder struct {
	files map[string]Hash
	dirs  map[string]*folder
	id    Hash // the tree's id; zero when it must be made
}

// set makes the file p, a path below f, hold h (zero: removes it, and
// the folders it leaves empty).
func (f *folder) set(p string, h Hash) {
	f.id = Hash{}
	dir, rest, nested := strings.Cut(p, "/")
	if !nested {
		if h.IsZero() {
			delete(f.files, dir)
			return
		}
		if f.files == nil {
			f.files = map[string]Hash{}
		}
		f.files[dir] = h
		return
	}
	sub := f.dirs[dir]
	if sub == nil {
		if h.IsZero() {
			return
		}
		if f.dirs == nil {
			f.dirs = map[string]*folder{}
		}
		sub = &folder{}
		f.dirs[dir] = sub
	}
	sub.set(rest, h)
	if len(sub.files) == 0 && len(sub.dirs) == 0 {
		delete(f.dirs, dir)
	}
}

// clone copies f and every folder below it.
func (f *folder) clone() *folder {
	out := &folder{files: maps.Clone(f.files), id: f.id}
	if f.dirs != nil {
		out.dirs = make(map[string]*folder, len(f.dirs))
		for name, sub := range f.dirs {
			out.dirs[name] = sub.clone()
		}
	}
	return out
}

// fileTrees makes the trees of v's files that changed: the root's entries
// other than posts/, and the entries of posts/ that files make
// (posts/SLUG/...), which it sets in the tip, recording them in c's
// changes.
func (v *View) fileTrees(c *commit) {
	v.froot = v.entries(c, v.ftop, PostsDir)
	fposts := map[string]entry{}
	if posts := v.ftop.dirs[PostsDir]; posts != nil {
		for _, e := range v.entries(c, posts, "") {
			// A post's file name is the post's: a folder posts/SLUG.md/
			// of files is left out.
			if !strings.HasSuffix(e.name, ".md") {
				fposts[e.name] = e
			}
		}
	}
	for name, e := range v.fposts {
		if _, ok := fposts[name]; !ok {
			if old, found := setEntry(&v.tip, name, e.mode, Hash{}); found {
				c.changes = append(c.changes, change{name: name, mode: e.mode, old: old})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(fposts)) {
		e := fposts[name]
		if was, ok := v.fposts[name]; ok && was == e {
			continue
		}
		old, _ := setEntry(&v.tip, name, e.mode, e.hash)
		c.changes = append(c.changes, change{name: name, mode: e.mode, old: old, new: e.hash})
	}
	v.fposts = fposts
}

// entries returns the entries of f but skip, sorted as git sorts them,
// making the trees of its folders that changed (kept in v.trees). A name
// that is both a file and a folder is the file's.
func (v *View) entries(c *commit, f *folder, skip string) []entry {
	es := make([]entry, 0, len(f.files)+len(f.dirs))
	for name, h := range f.files {
		if name != skip {
			es = append(es, entry{name: name, mode: fileMode, hash: h})
		}
	}
	for name, sub := range f.dirs {
		if _, clash := f.files[name]; clash || name == skip {
			continue
		}
		if sub.id.IsZero() {
			sub.id = v.addTree(c, v.entries(c, sub, ""))
		}
		es = append(es, entry{name: name, mode: dirMode, hash: sub.id})
	}
	sortEntries(es)
	return es
}

// addTree keeps the tree of entries es in v.trees, noting it in c when it
// is new, and returns its id.
func (v *View) addTree(c *commit, es []entry) Hash {
	body := appendTree(nil, es)
	h := hashObject(typeTree, body)
	if _, ok := v.trees[h]; !ok {
		v.trees[h] = body
		c.trees = append(c.trees, h)
	}
	return h
}

// blob returns the id of w's source, reading it once.
func (r *Repo) blob(ctx context.Context, id blog.Identity, w blog.Written) (Hash, error) {
	k := blobKey{w.Slug, w.Rev, w.Time}
	if h, ok := r.blobs[k]; ok {
		return h, nil
	}
	rev, err := r.b.Revision(ctx, id, blog.Ref{Slug: w.Slug, Rev: w.Rev})
	if err != nil {
		return Hash{}, fmt.Errorf("reading %s rev %d: %w", w.Slug, w.Rev, err)
	}
	h := hashObject(typeBlob, rev.Source)
	r.blobs[k] = h
	return h, nil
}

// message is a commit's message: the action and the post, one line per
// revision when several make the commit.
func message(ws []blog.Written) string {
	if len(ws) == 1 {
		return describe(ws[0]) + "\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d changes\n\n", len(ws))
	for _, w := range ws {
		b.WriteString(describe(w) + "\n")
	}
	return b.String()
}

// describe words one revision.
func describe(w blog.Written) string {
	switch {
	case w.File != "":
		return fmt.Sprintf("%s %s (rev %d)", w.Action, strings.TrimPrefix(w.File, "/"), w.Rev)
	case w.Action == store.Renamed && w.From != "":
		return fmt.Sprintf("renamed %s to %s (rev %d)", w.From, w.Path, w.Rev)
	case w.From != "":
		return fmt.Sprintf("%s %s (rev %d, was %s)", w.Action, w.Path, w.Rev, w.From)
	}
	return fmt.Sprintf("%s %s (rev %d)", w.Action, w.Path, w.Rev)
}

// postsAt returns the posts folder at commit i, from the tip back.
func (v *View) postsAt(i int) []entry {
	es := slices.Clone(v.tip)
	for j := len(v.commits) - 1; j > i; j-- {
		undo(&es, v.commits[j].changes)
	}
	return es
}

// undo takes the changes of one commit back out of es.
func undo(es *[]entry, cs []change) {
	for k := len(cs) - 1; k >= 0; k-- {
		setEntry(es, cs[k].name, cs[k].mode, cs[k].old)
	}
}
