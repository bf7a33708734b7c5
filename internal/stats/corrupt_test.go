package stats_test

import (
	"bytes"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sshblog/sshblog/internal/stats"
	"github.com/sshblog/sshblog/internal/store/boltstore"
)

// TestCorruptCountIsAnError damages a stored count in every way a torn or
// foreign value could be, and reads it back: an error, never a panic.
func TestCorruptCountIsAnError(t *testing.T) {
	db, path := openStore(t)
	day := stats.DayOf(time.Date(2026, 12, 3, 12, 0, 0, 0, seoul), seoul)
	err := db.AddStatCounts(ctx, []stats.Count{{Day: day, Slug: "p", Source: stats.Web, Reads: 300, Uniques: 200, Bots: 1, Referrers: map[string]int{"a.example": 3, "b.example": 1}}})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	key := []byte("20261203/web")
	raw := func(f func(b *bolt.Bucket) error) {
		t.Helper()
		bdb, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer bdb.Close()
		if err := bdb.Update(func(tx *bolt.Tx) error { return f(tx.Bucket([]byte("stats")).Bucket([]byte("p"))) }); err != nil {
			t.Fatal(err)
		}
	}
	var good []byte
	raw(func(b *bolt.Bucket) error { good = bytes.Clone(b.Get(key)); return nil })
	if good == nil {
		t.Fatalf("no value under %s", key)
	}

	bad := [][]byte{{}, {9}, append(bytes.Clone(good), 0), {1, 1, 1, 1, 0xff, 0xff, 0xff, 0xff, 0x0f}, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0}}
	for i := range len(good) {
		bad = append(bad, good[:i])
	}
	for _, v := range bad {
		raw(func(b *bolt.Bucket) error { return b.Put(key, v) })
		db, err := boltstore.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if cs, err := db.StatCounts(ctx, day, day, ""); err == nil {
			t.Errorf("% x read as %+v", v, cs)
		}
		if err := db.AddStatCounts(ctx, []stats.Count{{Day: day, Slug: "p", Source: stats.Web, Reads: 1}}); err == nil {
			t.Errorf("added to % x", v)
		}
		db.Close()
	}

	raw(func(b *bolt.Bucket) error { return b.Put(key, good) })
	db, err = boltstore.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cs, err := db.StatCounts(ctx, day, day, "p")
	if err != nil || len(cs) != 1 || cs[0].Reads != 300 || cs[0].Uniques != 200 || cs[0].Referrers["a.example"] != 3 {
		t.Errorf("the good value reads as %+v, %v", cs, err)
	}
}
