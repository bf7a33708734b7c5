// Package certstore keeps the web's TLS certificates, their keys and the
// ACME account keys in etcd, under the blog's prefix (P/tls/), for the
// servers of one blog to share: it implements certmagic's Storage, whose
// lock lets one server at a time ask the CA while the others wait and then
// find the certificate stored. A blog kept in a bbolt file keeps them in
// files instead (certmagic.FileStorage in the data folder).
//
// A value is stored as 8 bytes of its time of writing (Unix nanoseconds,
// big-endian) followed by its bytes, since etcd keeps no such time. A lock
// is an etcd mutex (go.etcd.io/etcd/client/v3/concurrency) held by a
// session whose lease ends when its holder dies, so a crashed server never
// holds a lock for good.
package certstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// lockTTL is how long a lock outlives a holder that stopped renewing its
// lease (crashed or cut off from the cluster), in seconds.
const lockTTL = 30

// Etcd is a certmagic.Storage in etcd. It is safe for concurrent use.
type Etcd struct {
	cli    *clientv3.Client
	prefix string // ends in a slash

	mu    sync.Mutex
	locks map[string]*held // the locks this process holds, by name
}

// held is a lock held.
type held struct {
	session *concurrency.Session
	mutex   *concurrency.Mutex
}

var (
	_ certmagic.Storage = (*Etcd)(nil)
	_ certmagic.Locker  = (*Etcd)(nil)
)

// NewEtcd keeps certificates under prefix (a folder, such as
// /sshblog/tls/) with cli, which stays the caller's to close.
func NewEtcd(cli *clientv3.Client, prefix string) *Etcd {
	return &Etcd{cli: cli, prefix: strings.TrimSuffix(prefix, "/") + "/", locks: map[string]*held{}}
}

// key is the etcd key of a certmagic key.
func (e *Etcd) key(k string) string { return e.prefix + "data/" + strings.Trim(k, "/") }

// Store puts value at key.
func (e *Etcd) Store(ctx context.Context, key string, value []byte) error {
	v := make([]byte, 8, 8+len(value))
	binary.BigEndian.PutUint64(v, uint64(time.Now().UnixNano()))
	v = append(v, value...)
	if _, err := e.cli.Put(ctx, e.key(key), string(v)); err != nil {
		return fmt.Errorf("certstore: storing %s: %w", key, err)
	}
	return nil
}

// get reads the value at key and when it was written; a missing key is
// fs.ErrNotExist.
func (e *Etcd) get(ctx context.Context, key string) ([]byte, time.Time, error) {
	resp, err := e.cli.Get(ctx, e.key(key))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("certstore: reading %s: %w", key, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, time.Time{}, fmt.Errorf("certstore: %s: %w", key, fs.ErrNotExist)
	}
	v := resp.Kvs[0].Value
	if len(v) < 8 {
		return nil, time.Time{}, fmt.Errorf("certstore: %s is damaged (%d bytes)", key, len(v))
	}
	return v[8:], time.Unix(0, int64(binary.BigEndian.Uint64(v))), nil
}

// Load returns the value at key; a missing key is fs.ErrNotExist.
func (e *Etcd) Load(ctx context.Context, key string) ([]byte, error) {
	v, _, err := e.get(ctx, key)
	return v, err
}

// Delete deletes key and every key under it.
func (e *Etcd) Delete(ctx context.Context, key string) error {
	k := e.key(key)
	_, err := e.cli.Txn(ctx).Then(clientv3.OpDelete(k), clientv3.OpDelete(k+"/", clientv3.WithPrefix())).Commit()
	if err != nil {
		return fmt.Errorf("certstore: deleting %s: %w", key, err)
	}
	return nil
}

// Exists reports whether key is a value or a folder of values.
func (e *Etcd) Exists(ctx context.Context, key string) bool {
	_, err := e.Stat(ctx, key)
	return err == nil
}

// List returns the keys in the folder path: with recursive, every value
// under it; without, its values and folders one level down.
func (e *Etcd) List(ctx context.Context, path string, recursive bool) ([]string, error) {
	folder := e.key(path) + "/"
	if strings.Trim(path, "/") == "" {
		folder = e.key("")
	}
	resp, err := e.cli.Get(ctx, folder, clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		return nil, fmt.Errorf("certstore: listing %s: %w", path, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, fmt.Errorf("certstore: %s: %w", path, fs.ErrNotExist)
	}
	base := strings.TrimPrefix(folder, e.key(""))
	var keys []string
	seen := map[string]bool{}
	for _, kv := range resp.Kvs {
		rest := strings.TrimPrefix(string(kv.Key), folder)
		if !recursive {
			rest, _, _ = strings.Cut(rest, "/")
		}
		if k := base + rest; !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Stat describes key: a value, with its size and time of writing, or a
// folder.
func (e *Etcd) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	v, mod, err := e.get(ctx, key)
	if err == nil {
		return certmagic.KeyInfo{Key: key, Modified: mod, Size: int64(len(v)), IsTerminal: true}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return certmagic.KeyInfo{}, err
	}
	resp, err := e.cli.Get(ctx, e.key(key)+"/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return certmagic.KeyInfo{}, fmt.Errorf("certstore: reading %s: %w", key, err)
	}
	if resp.Count == 0 {
		return certmagic.KeyInfo{}, fmt.Errorf("certstore: %s: %w", key, fs.ErrNotExist)
	}
	return certmagic.KeyInfo{Key: key}, nil
}

// Lock takes the lock name, waiting until no other server of the blog
// holds it or ctx is done.
func (e *Etcd) Lock(ctx context.Context, name string) error {
	session, err := concurrency.NewSession(e.cli, concurrency.WithTTL(lockTTL), concurrency.WithContext(context.WithoutCancel(ctx)))
	if err != nil {
		return fmt.Errorf("certstore: locking %s: %w", name, err)
	}
	m := concurrency.NewMutex(session, e.prefix+"locks/"+strings.Trim(name, "/"))
	if err := m.Lock(ctx); err != nil {
		session.Close()
		return fmt.Errorf("certstore: locking %s: %w", name, err)
	}
	e.mu.Lock()
	e.locks[name] = &held{session: session, mutex: m}
	e.mu.Unlock()
	return nil
}

// Unlock gives back the lock name, taken with Lock.
func (e *Etcd) Unlock(ctx context.Context, name string) error {
	e.mu.Lock()
	h := e.locks[name]
	delete(e.locks, name)
	e.mu.Unlock()
	if h == nil {
		return fmt.Errorf("certstore: unlocking %s: not locked here", name)
	}
	err := h.mutex.Unlock(ctx)
	// Closing the session ends its lease, which frees the lock even if
	// Unlock failed.
	return errors.Join(wrap("unlocking "+name, err), wrap("ending the lock's session", h.session.Close()))
}

// wrap wraps err, if any, with what was being done.
func wrap(doing string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("certstore: %s: %w", doing, err)
}

// String names the storage in certmagic's logs and lock keys.
func (e *Etcd) String() string { return "etcd:" + e.prefix }
