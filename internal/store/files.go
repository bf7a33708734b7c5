package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Files beside posts: images and attachments. A file has a path in the
// blog ("/assets/posts/diagram.svg"); its bytes are kept once by their
// SHA-256, however many paths or revisions name them, and are never
// deleted, so every revision of a file can be restored. Each change of a
// path is a revision with its author and time, as a post's is.

// MaxFilePath is the longest path a file may have, in bytes.
const MaxFilePath = 512

// ErrNoFile is returned for a path that names no file, or a removed one.
var ErrNoFile = errors.New("no such file")

// File says what a file's bytes are.
type File struct {
	Hash   string `json:"hash"`             // the bytes' SHA-256, in hex
	Size   int64  `json:"size"`             // their length
	Type   string `json:"type"`             // their media type, e.g. "image/png"
	Width  int    `json:"width,omitempty"`  // an image's width in pixels; 0 when not an image
	Height int    `json:"height,omitempty"` // an image's height in pixels
}

// FileEntry is a path's current state.
type FileEntry struct {
	Path string `json:"path"`
	File
	Rev     uint64    `json:"rev"`
	Updated time.Time `json:"updated"`
	By      string    `json:"by"`
	Removed bool      `json:"removed,omitempty"`
}

// FileRevision is one immutable change of a path.
type FileRevision struct {
	Path string `json:"path"`
	File
	Rev    uint64    `json:"rev"`
	Time   time.Time `json:"time"`
	Author string    `json:"author"`
	Action Action    `json:"action"`
}

// FileChange is one write of a path.
type FileChange struct {
	Path   string
	Author string
	// Action is Removed or Renamed (the path is hidden: Renamed says its
	// bytes moved to another path in the same write), or empty for new
	// bytes at the path (Published when it had none, else Edited), or
	// Reverted.
	Action Action
	File   File   // what the bytes are; unused for a removal
	Data   []byte // the bytes; nil when File.Hash names bytes already stored
	// IfRev, when non-nil, makes the write fail with ErrConflict unless the
	// path's current revision is *IfRev (0: no file there yet).
	IfRev *uint64
}

// Files keeps the blog's files. Both stores implement it.
type Files interface {
	// Files returns every path that has had a file, removed ones
	// included, sorted by path. The slice must not be modified.
	Files() []FileEntry
	// FileEntry returns the current state of path.
	FileEntry(path string) (FileEntry, bool)
	// FileData returns the bytes whose SHA-256 is hash.
	FileData(ctx context.Context, hash string) ([]byte, error)
	// HasFileData reports whether the bytes whose SHA-256 is hash are stored.
	HasFileData(ctx context.Context, hash string) (bool, error)
	// FileHistory returns every revision of path, oldest first.
	FileHistory(ctx context.Context, path string) ([]FileRevision, error)
	// PutFiles stores changes, all of them or (on an error) none, and
	// returns each path's new entry. A change that would store the bytes
	// the path has already is left out (its current entry is returned).
	PutFiles(ctx context.Context, changes []FileChange) ([]FileEntry, error)
	// RestoreFile writes a path's whole history as another store kept it
	// (migrate); data holds the bytes of every hash revs name that is not
	// stored yet. The path must have no file yet.
	RestoreFile(ctx context.Context, revs []FileRevision, data map[string][]byte) error
	// MediaSize is the length of all the distinct bytes stored.
	MediaSize() int64
}

// HashOf returns the hex SHA-256 of data, as File.Hash holds it.
func HashOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// CheckFilePath refuses a path that is not a clean, absolute, printable
// path of at most MaxFilePath bytes: it must start with a slash, hold no
// empty, "." or ".." segment, no backslash, and no control or format
// character.
func CheckFilePath(p string) error {
	switch {
	case p == "" || p[0] != '/':
		return fmt.Errorf("file path %q must start with /", p)
	case len(p) > MaxFilePath:
		return fmt.Errorf("file path is %d bytes; the most is %d", len(p), MaxFilePath)
	case !utf8.ValidString(p):
		return errors.New("file path is not valid UTF-8")
	case strings.HasSuffix(p, "/"):
		return fmt.Errorf("file path %q names a folder", p)
	}
	for _, r := range p {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\\' || r == utf8.RuneError {
			return fmt.Errorf("file path %q has a character that is not allowed (%U)", p, r)
		}
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("file path %q has an empty, . or .. part", p)
		}
	}
	return nil
}

// checkFileChange refuses a change that is not well formed: a bad path, or
// new bytes whose hash or size are not what File says.
func checkFileChange(c FileChange) error {
	if err := CheckFilePath(c.Path); err != nil {
		return err
	}
	if c.Author == "" {
		return fmt.Errorf("%s: no author", c.Path)
	}
	switch c.Action {
	case Removed, Renamed:
		return nil
	case "", Reverted:
	default:
		return fmt.Errorf("%s: a file cannot be %s", c.Path, c.Action)
	}
	if len(c.File.Hash) != sha256.Size*2 || c.File.Type == "" {
		return fmt.Errorf("%s: no hash or type", c.Path)
	}
	if c.Data != nil && (int64(len(c.Data)) != c.File.Size || HashOf(c.Data) != c.File.Hash) {
		return fmt.Errorf("%s: the bytes are not the ones described", c.Path)
	}
	return nil
}

// NextFileRevision returns what change c stores at its path, whose entry is
// cur (nil: no file there yet): the new entry and its revision, or
// unchanged when the path holds exactly these bytes already. It refuses
// a malformed change, a removal of a missing file and a failed IfRev.
func NextFileRevision(c FileChange, cur *FileEntry, now time.Time) (e FileEntry, r FileRevision, unchanged bool, err error) {
	if err := checkFileChange(c); err != nil {
		return FileEntry{}, FileRevision{}, false, err
	}
	var rev uint64
	if cur != nil {
		rev = cur.Rev
	}
	if c.IfRev != nil && *c.IfRev != rev {
		return FileEntry{}, FileRevision{}, false, fmt.Errorf("%w: %s is at revision %d, not %d", ErrConflict, c.Path, rev, *c.IfRev)
	}
	action := c.Action
	switch {
	case action == Removed || action == Renamed:
		if cur == nil || cur.Removed {
			return FileEntry{}, FileRevision{}, false, fmt.Errorf("%w: %s", ErrNoFile, c.Path)
		}
		e = *cur
		e.Removed = true
	case cur != nil && !cur.Removed && cur.File == c.File:
		return *cur, FileRevision{}, true, nil
	default:
		if action == "" {
			action = Published
			if cur != nil {
				action = Edited
			}
		}
		e = FileEntry{Path: c.Path, File: c.File}
	}
	e.Rev, e.Updated, e.By = rev+1, now, c.Author
	return e, FileRevision{Path: c.Path, File: e.File, Rev: e.Rev, Time: now, Author: c.Author, Action: action}, false, nil
}

// CheckFileHistory refuses a history to restore that is not revisions 1,
// 2, ... of one valid path.
func CheckFileHistory(revs []FileRevision) error {
	if len(revs) == 0 {
		return errors.New("no revisions")
	}
	if err := CheckFilePath(revs[0].Path); err != nil {
		return err
	}
	for i, r := range revs {
		if r.Path != revs[0].Path || r.Rev != uint64(i+1) {
			return fmt.Errorf("%s: the revisions are not 1 to %d", revs[0].Path, len(revs))
		}
	}
	return nil
}

// EntryOfHistory returns the entry a path has after revs, its whole history.
func EntryOfHistory(revs []FileRevision) FileEntry {
	last := revs[len(revs)-1]
	return FileEntry{
		Path: last.Path, File: last.File, Rev: last.Rev, Updated: last.Time, By: last.Author,
		Removed: last.Action == Removed || last.Action == Renamed,
	}
}

// EncodeFileEntry and the others lay out the file records as both stores
// keep them: JSON.

// EncodeFileEntry encodes a file's current entry.
func EncodeFileEntry(e FileEntry) []byte { return mustJSON(e) }

// EncodeFileRevision encodes a file revision.
func EncodeFileRevision(r FileRevision) []byte { return mustJSON(r) }

// DecodeFileEntry reads a record written by EncodeFileEntry.
func DecodeFileEntry(v []byte) (FileEntry, error) {
	var e FileEntry
	if err := json.Unmarshal(v, &e); err != nil {
		return FileEntry{}, fmt.Errorf("a file record is damaged: %w", err)
	}
	return e, nil
}

// DecodeFileRevision reads a record written by EncodeFileRevision.
func DecodeFileRevision(v []byte) (FileRevision, error) {
	var r FileRevision
	if err := json.Unmarshal(v, &r); err != nil {
		return FileRevision{}, fmt.Errorf("a file revision is damaged: %w", err)
	}
	return r, nil
}

// mustJSON encodes v, a record of plain fields, which cannot fail.
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// FileIndex is the files' current entries as a store holds them in
// memory, and the lengths of the distinct bytes stored, by hash. Both
// stores keep one. It is safe for concurrent use; its zero value is empty.
type FileIndex struct {
	mu     sync.RWMutex
	byPath map[string]FileEntry
	sorted []FileEntry // by path; rebuilt lazily, nil when stale
	blobs  map[string]int64
	media  int64
}

// Files returns every entry, sorted by path. The slice must not be
// modified.
func (x *FileIndex) Files() []FileEntry {
	x.mu.RLock()
	s, n := x.sorted, len(x.byPath)
	x.mu.RUnlock()
	if s != nil || n == 0 {
		return s
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.sorted == nil {
		x.sorted = make([]FileEntry, 0, len(x.byPath))
		for _, e := range x.byPath {
			x.sorted = append(x.sorted, e)
		}
		slices.SortFunc(x.sorted, func(a, b FileEntry) int { return strings.Compare(a.Path, b.Path) })
	}
	return x.sorted
}

// Entry returns the entry of path.
func (x *FileIndex) Entry(path string) (FileEntry, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e, ok := x.byPath[path]
	return e, ok
}

// Set records es as the current entries of their paths, unless the index
// holds a later revision of a path already.
func (x *FileIndex) Set(es ...FileEntry) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.byPath == nil {
		x.byPath = map[string]FileEntry{}
	}
	for _, e := range es {
		if have, ok := x.byPath[e.Path]; ok && have.Rev > e.Rev {
			continue
		}
		x.byPath[e.Path] = e
	}
	x.sorted = nil
}

// AddBlob records that the bytes hash, of length n, are stored.
func (x *FileIndex) AddBlob(hash string, n int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.blobs == nil {
		x.blobs = map[string]int64{}
	}
	if _, ok := x.blobs[hash]; !ok {
		x.blobs[hash] = n
		x.media += n
	}
}

// HasBlob reports whether the bytes hash are stored.
func (x *FileIndex) HasBlob(hash string) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	_, ok := x.blobs[hash]
	return ok
}

// Replace makes es the index's entries and blobs its stored bytes.
func (x *FileIndex) Replace(es []FileEntry, blobs map[string]int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.byPath = make(map[string]FileEntry, len(es))
	for _, e := range es {
		x.byPath[e.Path] = e
	}
	x.blobs, x.media, x.sorted = blobs, 0, nil
	for _, n := range blobs {
		x.media += n
	}
}

// Media is the length of the distinct bytes stored.
func (x *FileIndex) Media() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.media
}
