package certstore

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/sshblog/sshblog/internal/store/etcdtest"
)

// client connects to srv; the connection closes when the test ends.
func client(t *testing.T, srv *etcdtest.Server) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Client}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

func TestStorage(t *testing.T) {
	srv := etcdtest.Start(t)
	ctx := context.Background()
	s := NewEtcd(client(t, srv), "/blog/tls/")
	other := NewEtcd(client(t, srv), "/other/tls")

	if _, err := s.Load(ctx, "certificates/ca/blog.example/blog.example.crt"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load of nothing: %v, want fs.ErrNotExist", err)
	}
	before := time.Now()
	for k, v := range map[string]string{
		"certificates/ca/blog.example/blog.example.crt": "CERT",
		"certificates/ca/blog.example/blog.example.key": "KEY",
		"acme/ca/users/me/me.json":                      "{}",
		"last_clean.json":                               "",
	} {
		if err := s.Store(ctx, k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Load(ctx, "certificates/ca/blog.example/blog.example.key")
	if err != nil || string(got) != "KEY" {
		t.Errorf("Load = %q, %v; want KEY", got, err)
	}
	if _, err := other.Load(ctx, "certificates/ca/blog.example/blog.example.key"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("another prefix sees the blog's key: %v", err)
	}
	info, err := s.Stat(ctx, "certificates/ca/blog.example/blog.example.crt")
	if err != nil || !info.IsTerminal || info.Size != 4 || info.Modified.Before(before.Add(-time.Second)) || info.Modified.After(time.Now()) {
		t.Errorf("Stat of a value = %+v, %v", info, err)
	}
	if info, err := s.Stat(ctx, "certificates/ca"); err != nil || info.IsTerminal {
		t.Errorf("Stat of a folder = %+v, %v", info, err)
	}
	if !s.Exists(ctx, "certificates") || !s.Exists(ctx, "last_clean.json") || s.Exists(ctx, "certificates/c") {
		t.Error("Exists is wrong")
	}
	list, err := s.List(ctx, "certificates", false)
	if err != nil || !slices.Equal(list, []string{"certificates/ca"}) {
		t.Errorf("List = %q, %v", list, err)
	}
	list, err = s.List(ctx, "certificates/", true)
	slices.Sort(list)
	if err != nil || !slices.Equal(list, []string{"certificates/ca/blog.example/blog.example.crt", "certificates/ca/blog.example/blog.example.key"}) {
		t.Errorf("List recursive = %q, %v", list, err)
	}
	if _, err := s.List(ctx, "nothing", true); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List of nothing: %v", err)
	}
	if err := s.Delete(ctx, "certificates/ca/blog.example"); err != nil {
		t.Fatal(err)
	}
	if s.Exists(ctx, "certificates") || !s.Exists(ctx, "acme/ca/users/me/me.json") {
		t.Error("Delete removed the wrong keys")
	}
	if err := s.Delete(ctx, "certificates"); err != nil {
		t.Errorf("Delete of nothing: %v", err)
	}
}

// TestLock checks that a lock is held by one server at a time, and that a
// server that dies holding it frees it.
func TestLock(t *testing.T) {
	srv := etcdtest.Start(t)
	ctx := context.Background()
	a := NewEtcd(client(t, srv), "/blog/tls")
	b := NewEtcd(client(t, srv), "/blog/tls")
	if err := a.Lock(ctx, "issue_cert_blog.example"); err != nil {
		t.Fatal(err)
	}
	var got atomic.Bool
	done := make(chan error, 1)
	go func() {
		err := b.Lock(ctx, "issue_cert_blog.example")
		got.Store(true)
		done <- err
	}()
	time.Sleep(300 * time.Millisecond)
	if got.Load() {
		t.Fatal("b took the lock a holds")
	}
	// Another name is another lock.
	if err := b.Lock(ctx, "issue_cert_www.blog.example"); err != nil {
		t.Fatal(err)
	}
	if err := a.Unlock(ctx, "issue_cert_blog.example"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b did not get the lock a gave back")
	}
	if err := a.Unlock(ctx, "issue_cert_blog.example"); err == nil {
		t.Error("unlocking a lock not held succeeded")
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if err := a.Lock(short, "issue_cert_blog.example"); err == nil {
		t.Error("a took the lock b holds")
	}

	// b's connection dies with the lock held: its lease is revoked (as
	// its TTL would end it), and a gets the lock.
	b.mu.Lock()
	lease := b.locks["issue_cert_blog.example"].session.Lease()
	b.mu.Unlock()
	if _, err := a.cli.Revoke(ctx, lease); err != nil {
		t.Fatal(err)
	}
	if err := a.Lock(ctx, "issue_cert_blog.example"); err != nil {
		t.Fatal(err)
	}
	if err := a.Unlock(ctx, "issue_cert_blog.example"); err != nil {
		t.Fatal(err)
	}
}
