// Package etcdtest runs a real single-node etcd server in a test's process
// (the etcd server module's embed), on loopback, for the tests of the etcd
// store and the end-to-end tests of several servers on one etcd. Only
// tests import it.
package etcdtest

import (
	"net"
	"net/url"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Server is an etcd server in a temporary folder.
type Server struct {
	// Client is the address clients connect to, host:port.
	Client string

	dir, peer string
	srv       *embed.Etcd
}

// Start starts etcd; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{dir: t.TempDir(), Client: freeAddr(t), peer: freeAddr(t)}
	s.Restart(t)
	t.Cleanup(s.Stop)
	return s
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Restart starts the server again on its folder and addresses after Stop.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = "test", s.dir
	cu, pu := url.URL{Scheme: "http", Host: s.Client}, url.URL{Scheme: "http", Host: s.peer}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = "test=" + pu.String()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.MaxRequestBytes = 4 << 20
	srv, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatalf("starting etcd: %v", err)
	}
	select {
	case <-srv.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		srv.Close()
		t.Fatal("etcd did not start")
	}
	s.srv = srv
}

// Stop stops the server; its data stays for Restart.
func (s *Server) Stop() {
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
}
