// Package etcdtest runs real etcd servers in a test's process (the etcd
// server module's embed), on loopback: a single node, or a cluster of
// several members, for the tests of the etcd store and the end-to-end tests
// of several servers on one etcd. Only tests import it.
package etcdtest

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Server is an etcd server in a temporary folder.
type Server struct {
	// Client is the address clients connect to, host:port.
	Client string

	name, dir, peer string
	cluster         string // the initial cluster, name=peer URL, comma-separated
	srv             *embed.Etcd
}

// Start starts etcd; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{name: "test", dir: t.TempDir(), Client: freeAddr(t), peer: freeAddr(t)}
	s.cluster = s.name + "=http://" + s.peer
	s.Restart(t)
	t.Cleanup(s.Stop)
	return s
}

// StartCluster starts a cluster of n members; they stop when the test
// ends. Stopping more than half of them takes the cluster's quorum away.
func StartCluster(t testing.TB, n int) []*Server {
	t.Helper()
	members := make([]*Server, n)
	peers := make([]string, n)
	for i := range members {
		members[i] = &Server{name: fmt.Sprintf("m%d", i+1), dir: t.TempDir(), Client: freeAddr(t), peer: freeAddr(t)}
		peers[i] = members[i].name + "=http://" + members[i].peer
	}
	for _, m := range members {
		m.cluster = strings.Join(peers, ",")
		m.start(t)
		t.Cleanup(m.Stop)
	}
	for _, m := range members {
		m.wait(t)
	}
	return members
}

// Endpoints are the client addresses of members, comma-separated, as
// the store setting takes them.
func Endpoints(members []*Server) string {
	addrs := make([]string, len(members))
	for i, m := range members {
		addrs[i] = m.Client
	}
	return strings.Join(addrs, ",")
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
// A member of a cluster is ready once a quorum of members runs.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.start(t)
	s.wait(t)
}

// start starts the server without waiting for it to be ready.
func (s *Server) start(t testing.TB) {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir = s.name, s.dir
	cu, pu := url.URL{Scheme: "http", Host: s.Client}, url.URL{Scheme: "http", Host: s.peer}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = s.cluster
	cfg.InitialClusterToken = "etcdtest"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	cfg.MaxRequestBytes = 4 << 20
	srv, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatalf("starting etcd %s: %v", s.name, err)
	}
	s.srv = srv
}

// wait waits for the started server to be ready.
func (s *Server) wait(t testing.TB) {
	t.Helper()
	select {
	case <-s.srv.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		s.Stop()
		t.Fatalf("etcd %s did not start", s.name)
	}
}

// Stop stops the server; its data stays for Restart.
func (s *Server) Stop() {
	if s.srv != nil {
		s.srv.Close()
		s.srv = nil
	}
}
