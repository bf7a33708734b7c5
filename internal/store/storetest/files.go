package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store"
)

// fileChange returns a change that stores data at path, by author.
func fileChange(path, author string, data []byte) store.FileChange {
	return store.FileChange{
		Path: path, Author: author, Data: data,
		File: store.File{Hash: store.HashOf(data), Size: int64(len(data)), Type: "image/png", Width: 2, Height: 1},
	}
}

// testFiles: bytes are stored once by hash, every change is a revision,
// removal keeps the bytes, and a rename reuses them.
func testFiles(t *testing.T, open Opener) {
	ctx := context.Background()
	c := newClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	s := open(t, c.now)
	a, b := []byte("first bytes"), bytes.Repeat([]byte("big "), 300_000) // 1.2 MB: several etcd pieces

	es, err := s.PutFiles(ctx, []store.FileChange{
		fileChange("/assets/a.png", "ann", a),
		fileChange("/assets/same.png", "ann", a),
		fileChange("/img/b.png", "bob", b),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 3 || es[0].Rev != 1 || es[2].By != "bob" {
		t.Fatalf("entries = %+v", es)
	}
	if got, want := s.MediaSize(), int64(len(a)+len(b)); got != want {
		t.Errorf("MediaSize = %d, want %d: the same bytes at two paths are kept once", got, want)
	}
	got, err := s.FileData(ctx, store.HashOf(b))
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("FileData = %d bytes, %v", len(got), err)
	}
	if ok, _ := s.HasFileData(ctx, store.HashOf(a)); !ok {
		t.Error("HasFileData is false for stored bytes")
	}

	// The same bytes again: no revision.
	c.add(time.Minute)
	es, err = s.PutFiles(ctx, []store.FileChange{fileChange("/assets/a.png", "bob", a)})
	if err != nil || es[0].Rev != 1 || es[0].By != "ann" {
		t.Fatalf("an unchanged file = %+v, %v", es, err)
	}
	// New bytes: revision 2.
	es, err = s.PutFiles(ctx, []store.FileChange{fileChange("/assets/a.png", "bob", []byte("second"))})
	if err != nil || es[0].Rev != 2 {
		t.Fatalf("an edit = %+v, %v", es, err)
	}
	// A rename: the old path is hidden, the new one has the bytes without sending them.
	old, _ := s.FileEntry("/img/b.png")
	mv := fileChange("/img/c.png", "bob", nil)
	mv.File = old.File
	if _, err := s.PutFiles(ctx, []store.FileChange{{Path: "/img/b.png", Author: "bob", Action: store.Renamed}, mv}); err != nil {
		t.Fatal(err)
	}
	if e, ok := s.FileEntry("/img/b.png"); !ok || !e.Removed || e.Rev != 2 {
		t.Errorf("the renamed path = %+v, %v", e, ok)
	}
	if e, ok := s.FileEntry("/img/c.png"); !ok || e.Removed || e.Hash != store.HashOf(b) {
		t.Errorf("the new path = %+v, %v", e, ok)
	}
	// Removal keeps the history and the bytes.
	if _, err := s.PutFiles(ctx, []store.FileChange{{Path: "/assets/a.png", Author: "ann", Action: store.Removed}}); err != nil {
		t.Fatal(err)
	}
	h, err := s.FileHistory(ctx, "/assets/a.png")
	if err != nil || len(h) != 3 || h[0].Action != store.Published || h[1].Action != store.Edited || h[2].Action != store.Removed || h[1].Author != "bob" {
		t.Fatalf("history = %+v, %v", h, err)
	}
	if _, err := s.FileData(ctx, h[0].Hash); err != nil {
		t.Errorf("the bytes of a removed revision: %v", err)
	}
	if len(s.Files()) != 4 {
		t.Errorf("Files = %+v", s.Files())
	}

	// All or nothing: a bad change refuses the whole write.
	_, err = s.PutFiles(ctx, []store.FileChange{
		fileChange("/ok.png", "ann", []byte("ok")),
		{Path: "/missing.png", Author: "ann", Action: store.Removed},
	})
	if !errors.Is(err, store.ErrNoFile) {
		t.Errorf("removing a missing file: %v", err)
	}
	if _, ok := s.FileEntry("/ok.png"); ok {
		t.Error("a refused write stored part of itself")
	}
	// IfRev.
	zero := uint64(0)
	c2 := fileChange("/img/c.png", "ann", []byte("x"))
	c2.IfRev = &zero
	if _, err := s.PutFiles(ctx, []store.FileChange{c2}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("IfRev 0 on an existing file: %v", err)
	}
	// Bad paths.
	for _, p := range []string{"rel.png", "/a/../b.png", "/a//b.png", "/a\x00.png", "/a\x1b[2J.png", "/dir/"} {
		if _, err := s.PutFiles(ctx, []store.FileChange{fileChange(p, "ann", a)}); err == nil {
			t.Errorf("path %q was taken", p)
		}
	}
	// Restore of a whole history into another path.
	revs := []store.FileRevision{
		{Path: "/r.png", File: store.File{Hash: store.HashOf([]byte("r1")), Size: 2, Type: "image/png"}, Rev: 1, Author: "ann", Action: store.Published, Time: c.now()},
		{Path: "/r.png", Rev: 2, Author: "ann", Action: store.Removed, Time: c.now()},
	}
	if err := s.RestoreFile(ctx, revs, map[string][]byte{store.HashOf([]byte("r1")): []byte("r1")}); err != nil {
		t.Fatal(err)
	}
	if e, _ := s.FileEntry("/r.png"); !e.Removed || e.Rev != 2 {
		t.Errorf("restored entry = %+v", e)
	}
	if err := s.RestoreFile(ctx, revs, nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("restoring over a file: %v", err)
	}
}
