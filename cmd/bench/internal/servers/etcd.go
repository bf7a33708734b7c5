package servers

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// The kinds of store the blog can run on.
const (
	StoreBolt = "bolt" // the bbolt file in the data folder, as cmd/sshd's default
	StoreEtcd = "etcd" // a real single-node etcd started in this process
)

// StartStore starts what a store of that kind needs: nothing for
// StoreBolt, an embedded etcd with its data in dir for StoreEtcd. It
// returns the blog's store setting and a function that stops what it
// started, to call after the blog is shut down.
func StartStore(dir, kind string) (setting string, stop func(), err error) {
	if kind != StoreEtcd {
		return StoreBolt, func() {}, nil
	}
	e, err := startEtcd(dir)
	if err != nil {
		return "", nil, err
	}
	return e.spec(), e.close, nil
}

// etcdStartLimit is how long the embedded etcd may take to start.
const etcdStartLimit = 30 * time.Second

// embeddedEtcd is a single-node etcd server running in this process on
// loopback ports, with its data in a folder: as internal/store/etcdtest
// starts one for the tests (that package takes a testing.TB, so the bench
// starts its own the same way).
type embeddedEtcd struct {
	client string // host:port clients connect to
	srv    *embed.Etcd
}

// startEtcd starts etcd with its data in dir.
func startEtcd(dir string) (*embeddedEtcd, error) {
	client, err := freeAddr()
	if err != nil {
		return nil, err
	}
	peer, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = "bench", filepath.Join(dir, "etcd")
	cu, pu := url.URL{Scheme: "http", Host: client}, url.URL{Scheme: "http", Host: peer}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.MaxRequestBytes = 4 << 20 // as etcdtest: room for a post of 1 MiB and its history
	srv, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting etcd: %w", err)
	}
	t := time.NewTimer(etcdStartLimit)
	defer t.Stop()
	select {
	case <-srv.Server.ReadyNotify():
	case err := <-srv.Err():
		srv.Close()
		return nil, fmt.Errorf("starting etcd: %w", err)
	case <-t.C:
		srv.Close()
		return nil, errors.New("etcd did not start within " + etcdStartLimit.String())
	}
	return &embeddedEtcd{client: client, srv: srv}, nil
}

// spec is the store setting that names this etcd.
func (e *embeddedEtcd) spec() string { return "etcd://" + e.client }

// close stops the server.
func (e *embeddedEtcd) close() {
	if e != nil && e.srv != nil {
		e.srv.Close()
		e.srv = nil
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
