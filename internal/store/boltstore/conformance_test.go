package boltstore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/store/boltstore"
	"github.com/sshblog/sshblog/internal/store/storetest"
)

// TestConformance runs the shared store suite against bbolt files.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		db, err := boltstore.Open(filepath.Join(t.TempDir(), "blog.db"), boltstore.WithClock(now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}
