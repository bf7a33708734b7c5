package servertest

import (
	"context"
	"testing"

	"github.com/sshblog/sshblog/internal/media"
	"github.com/sshblog/sshblog/internal/store"
)

// PutFiles stores files (path -> bytes) in the blog as ash, as an upload
// would: what a test's tui.Files serves is then the blog's too, and a
// post that shows them is published without a warning.
func (b *Blog) PutFiles(t testing.TB, files map[string][]byte) {
	t.Helper()
	var cs []store.FileChange
	for p, data := range files {
		info, err := media.Inspect(p, data)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, store.FileChange{Path: p, Author: "ash", Data: data,
			File: store.File{Hash: store.HashOf(data), Size: int64(len(data)), Type: info.Type, Width: info.Width, Height: info.Height}})
	}
	if _, err := b.DB.PutFiles(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
}
