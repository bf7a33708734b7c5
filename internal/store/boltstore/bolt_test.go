package boltstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
)

// open opens a store in a fresh temporary folder.
func open(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "blog.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// mustParse parses a small post.
func mustParse(t *testing.T, slug, src string) *post.Post {
	t.Helper()
	p, err := post.Parse([]byte(src), post.Options{Slug: slug, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	db, path := open(t)
	old := mustParse(t, "old", "---\ntitle: Old\ndate: 2020-01-01\n---\nold body\n")
	newer := mustParse(t, "new", "---\ntitle: 새 글\ndate: 2024-01-01\n---\n본문\n")
	for _, p := range []*post.Post{old, newer} {
		e, err := db.Put(ctx, store.Change{Post: p, Author: "ash"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Rev != 1 || e.By != "ash" {
			t.Errorf("first put: %+v", e)
		}
	}
	list, err := db.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Slug != "new" || list[1].Slug != "old" {
		t.Fatalf("list not newest first: %+v", list)
	}
	r, err := db.Get(ctx, "new")
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Source) != string(newer.Source) || r.Author != "ash" || r.Action != store.Published {
		t.Errorf("get = %+v", r)
	}

	// A second put is revision 2; revision 1 is still there.
	edited := mustParse(t, "new", "---\ntitle: 고친 글\ndate: 2024-01-01\n---\n고친 본문\n")
	e, err := db.Put(ctx, store.Change{Post: edited, Author: "kim"})
	if err != nil || e.Rev != 2 {
		t.Fatalf("edit: %+v %v", e, err)
	}
	r1, err := db.Revision(ctx, "new", 1)
	if err != nil || string(r1.Source) != string(newer.Source) {
		t.Errorf("revision 1 changed: %q %v", r1.Source, err)
	}
	h, err := db.History(ctx, "new")
	if err != nil || len(h) != 2 || h[0].Action != store.Published || h[1].Action != store.Edited || h[1].Author != "kim" {
		t.Errorf("history = %+v %v", h, err)
	}

	// Everything survives a reopen.
	db.Close()
	db2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	list2, _ := db2.List(ctx)
	if len(list2) != 2 || list2[0].Title != "고친 글" || list2[0].Rev != 2 {
		t.Errorf("after reopen: %+v", list2)
	}
}

func TestBackupOpensAsAStore(t *testing.T) {
	ctx := context.Background()
	db, _ := open(t)
	if _, err := db.Put(ctx, store.Change{Post: mustParse(t, "a", "# 가나다\n"), Author: "x"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	copyDB, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	r, err := copyDB.Get(ctx, "a")
	if err != nil || string(r.Source) != "# 가나다\n" {
		t.Errorf("the copy has %q, %v", r.Source, err)
	}
}

func TestWriteErrorsNameNoFile(t *testing.T) {
	full := &fs.PathError{Op: "write", Path: "/srv/blog/blog.db", Err: syscall.ENOSPC}
	err := writeError("writing a", fmt.Errorf("committing: %w", full))
	if !errors.Is(err, store.ErrDiskFull) || err.Error() != "the server's disk is full; nothing was stored" {
		t.Errorf("a full disk: %v", err)
	}
	other := &fs.PathError{Op: "sync", Path: "/srv/blog/blog.db", Err: syscall.EIO}
	err = writeError("writing a", other)
	if strings.Contains(err.Error(), "/srv") || !errors.Is(err, syscall.EIO) {
		t.Errorf("an I/O error: %v", err)
	}
	conflict := fmt.Errorf("%w: a is at revision 2, not 1", store.ErrConflict)
	if err := writeError("writing a", conflict); err != conflict {
		t.Errorf("a conflict became %v", err)
	}
}
