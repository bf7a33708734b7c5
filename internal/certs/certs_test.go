package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3/acme"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/sshblog/sshblog/internal/certs/acmetest"
	"github.com/sshblog/sshblog/internal/certstore"
	"github.com/sshblog/sshblog/internal/store/etcdtest"
)

// site is a Manager serving a page over HTTPS and HTTP on loopback.
type site struct {
	mgr         *Manager
	http, https net.Listener
	log         *syncBuffer
}

// listen opens a listener on a free loopback port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// newSite makes the listeners of a site, to give their ports to the CA
// before the site starts.
func newSite(t *testing.T) *site {
	return &site{http: listen(t), https: listen(t), log: &syncBuffer{}}
}

// start starts s's Manager with cfg and serves "page" on both listeners.
func (s *site) start(t *testing.T, cfg Config) {
	t.Helper()
	cfg.Log = slog.New(slog.NewTextHandler(s.log, nil))
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(s.http.Addr(), s.https.Addr()); err != nil {
		t.Fatal(err)
	}
	s.mgr = m
	pages := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "page") })
	secure := &http.Server{Handler: pages, TLSConfig: m.TLSConfig(), ErrorLog: stdlog.New(io.Discard, "", 0)}
	plain := &http.Server{Handler: m.HTTPHandler(pages)}
	go secure.ServeTLS(s.https, "", "")
	go plain.Serve(s.http)
	t.Cleanup(func() {
		m.Stop()
		secure.Close()
		plain.Close()
	})
}

// ports are the CA's options for checking challenges at s.
func (s *site) ports(t *testing.T) acmetest.Options {
	return acmetest.Options{HTTPPort: acmetest.Port(t, s.http.Addr()), TLSPort: acmetest.Port(t, s.https.Addr())}
}

// url is the address of path on s over scheme, by name.
func (s *site) url(t *testing.T, scheme, path string) string {
	l := s.https
	if scheme == "http" {
		l = s.http
	}
	return fmt.Sprintf("%s://blog.example:%d%s", scheme, acmetest.Port(t, l.Addr()), path)
}

// client is a browser that trusts roots, finds blog.example on loopback and
// does not follow redirects.
func client(roots *x509.CertPool) *http.Client {
	var d net.Dialer
	return &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots},
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				_, port, _ := net.SplitHostPort(addr)
				return d.DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
			},
		},
	}
}

// get fetches url with c, returning the status, the body and the
// certificate served.
func get(c *http.Client, url string) (int, string, *x509.Certificate, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	var leaf *x509.Certificate
	if resp.TLS != nil {
		leaf = resp.TLS.PeerCertificates[0]
	}
	return resp.StatusCode, string(body), leaf, err
}

// waitHTTPS waits until s answers over HTTPS with a certificate c trusts,
// and returns that certificate.
func waitHTTPS(t *testing.T, c *http.Client, s *site, within time.Duration) *x509.Certificate {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		code, body, leaf, err := get(c, s.url(t, "https", "/"))
		if err == nil {
			if code != http.StatusOK || body != "page" {
				t.Fatalf("HTTPS answered %d %q", code, body)
			}
			return leaf
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTPS answer within %v: %v\nlog:\n%s", within, err, s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestObtainServeRenew gets a certificate from Pebble on first start,
// serves a page over HTTPS with it, redirects plain HTTP, keeps the keys
// in files only the owner reads, and renews without a restart.
func TestObtainServeRenew(t *testing.T) {
	ca := acmetest.New(t)
	s := newSite(t)
	opt := s.ports(t)
	opt.Validity = time.Minute
	ca.Serve(t, opt)
	dir := filepath.Join(t.TempDir(), "certs")
	start := time.Now()
	s.start(t, Config{
		Domains: []string{"blog.example"}, CA: ca.Directory, CARoots: ca.Roots, Email: "me@blog.example",
		Storage:       &certmagic.FileStorage{Path: dir},
		RenewalWindow: 0.9, // renewed once 6 of its 60 seconds have gone
		RenewCheck:    500 * time.Millisecond,
	})
	c := client(ca.RootPool())
	first := waitHTTPS(t, c, s, 20*time.Second)
	t.Logf("from start to the first HTTPS answer: %v", time.Since(start).Round(time.Millisecond))
	if first.Subject.CommonName != "blog.example" && (len(first.DNSNames) != 1 || first.DNSNames[0] != "blog.example") {
		t.Errorf("certificate for %v %q", first.DNSNames, first.Subject.CommonName)
	}
	if !strings.Contains(s.log.String(), "certificate obtained") {
		t.Errorf("no line for the certificate obtained:\n%s", s.log)
	}

	// Plain HTTP redirects, path and query kept; a host that is not the
	// blog's is sent to the blog's.
	for host, want := range map[string]string{"blog.example": "blog.example", "evil.example": "blog.example"} {
		req, _ := http.NewRequest("GET", s.url(t, "http", "/posts/hello?x=1"), nil)
		req.Host = host
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		wantURL := fmt.Sprintf("https://%s:%d/posts/hello?x=1", want, acmetest.Port(t, s.https.Addr()))
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != wantURL {
			t.Errorf("http with Host %s: %d to %q, want 308 to %q", host, resp.StatusCode, resp.Header.Get("Location"), wantURL)
		}
	}

	// The keys are the owner's alone.
	keys := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir() && info.Mode().Perm() != 0o700:
			t.Errorf("%s has mode %v, want 0700", path, info.Mode().Perm())
		case !d.IsDir() && !strings.HasSuffix(path, ".lock") && info.Mode().Perm() != 0o600:
			t.Errorf("%s has mode %v, want 0600", path, info.Mode().Perm())
		}
		if strings.HasSuffix(path, ".key") {
			keys++
		}
		return nil
	})
	if err != nil || keys < 2 {
		t.Errorf("walking %s: %v; %d keys (want the account's and the certificate's)", dir, err, keys)
	}
	if strings.Contains(s.log.String(), "PRIVATE KEY") {
		t.Error("a key in the log")
	}

	// Renewed in the background, served without a restart.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _, leaf, err := get(c, s.url(t, "https", "/"))
		if err == nil && leaf.SerialNumber.Cmp(first.SerialNumber) != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not renewed: %v\n%s", err, s.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(s.log.String(), "certificate renewed") {
		t.Errorf("no line for the renewal:\n%s", s.log)
	}
}

// TestRefused: a domain whose DNS leads nowhere gets no certificate; the
// cause is one log line, plain HTTP serves the pages meanwhile (or only
// redirects with HTTPSOnly), HTTPS has nothing to offer.
func TestRefused(t *testing.T) {
	ca := acmetest.New(t)
	s := newSite(t)
	opt := s.ports(t)
	opt.NoSuchDomain = []string{"blog.example"}
	ca.Serve(t, opt)
	s.start(t, Config{Domains: []string{"blog.example"}, CA: ca.Directory, CARoots: ca.Roots, Storage: &certmagic.FileStorage{Path: t.TempDir()}})
	c := client(ca.RootPool())
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.log.String(), "no certificate yet") {
		if time.Now().After(deadline) {
			t.Fatalf("no line for the failure:\n%s", s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // time for more lines, if any
	lines := strings.Split(strings.TrimSpace(s.log.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "level=ERROR") || !strings.Contains(lines[0], "domain=blog.example") ||
		!strings.Contains(lines[0], `Could not resolve URL \"blog.example\"`) {
		t.Errorf("want one line naming the domain and the DNS, got:\n%s", s.log)
	}
	code, body, _, err := get(c, s.url(t, "http", "/"))
	if err != nil || code != http.StatusOK || body != "page" {
		t.Errorf("plain HTTP meanwhile: %d %q %v, want the page", code, body, err)
	}
	if _, _, _, err := get(c, s.url(t, "https", "/")); err == nil {
		t.Error("HTTPS answered without a certificate")
	}
	if s.mgr.Ready() {
		t.Error("Ready without a certificate")
	}

	only := newSite(t)
	only.start(t, Config{Domains: []string{"blog.example"}, CA: ca.Directory, CARoots: ca.Roots, Storage: &certmagic.FileStorage{Path: t.TempDir()}, HTTPSOnly: true})
	code, _, _, err = get(c, only.url(t, "http", "/"))
	if err != nil || code != http.StatusPermanentRedirect {
		t.Errorf("https-only, plain HTTP: %d %v, want a redirect", code, err)
	}
}

// TestRateLimited: a CA that refuses an order by its rate limit is one
// log line saying so and until when; attempts before then are given up
// without asking the CA.
func TestRateLimited(t *testing.T) {
	ca := acmetest.New(t)
	s := newSite(t)
	ca.Serve(t, s.ports(t))
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	ca.RateLimit(until)
	s.start(t, Config{Domains: []string{"blog.example"}, CA: ca.Directory, CARoots: ca.Roots, Storage: &certmagic.FileStorage{Path: t.TempDir()}})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(s.log.String(), "no certificate yet") {
		if time.Now().After(deadline) {
			t.Fatalf("no line for the failure:\n%s", s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(s.log.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "the CA's rate limit: too many certificates") ||
		!strings.Contains(lines[0], "not-before="+until.UTC().Format(time.RFC3339)) {
		t.Errorf("want one line naming the rate limit and until when, got:\n%s", s.log)
	}
	if err := s.mgr.event(context.Background(), "cert_obtaining", map[string]any{"identifier": "blog.example"}); err == nil || !strings.Contains(err.Error(), "rate limit") {
		t.Errorf("an attempt before the time the CA gave: %v, want it given up", err)
	}
	if err := s.mgr.event(context.Background(), "cert_obtaining", map[string]any{"identifier": "www.blog.example"}); err != nil {
		t.Errorf("another name: %v", err)
	}
	if n := ca.Orders(); n != 0 {
		t.Errorf("%d orders taken", n)
	}
}

// TestCause checks the line a problem makes.
func TestCause(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, "unknown"},
		{errors.New("dial tcp: connection\nrefused"), "dial tcp: connection refused"},
		{fmt.Errorf("[blog.example] Obtain: %w", acme.Problem{Type: "urn:ietf:params:acme:error:rateLimited", Detail: "too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after 2026-12-09 00:00:00 UTC"}),
			"the CA's rate limit: too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after 2026-12-09 00:00:00 UTC"},
		{fmt.Errorf("solving: %w", acme.Problem{Type: "urn:ietf:params:acme:error:dns", Detail: "DNS problem: NXDOMAIN looking up A for blog.example - check that a DNS record exists for this domain"}),
			"the domain's DNS does not lead here: DNS problem: NXDOMAIN looking up A for blog.example - check that a DNS record exists for this domain"},
		{acme.Problem{Type: "urn:ietf:params:acme:error:rejectedIdentifier", Detail: "Error creating new order :: Cannot issue for \"blog.example\": The ACME server refuses\nto issue"},
			`the CA refuses to issue for this name: Error creating new order :: Cannot issue for "blog.example": The ACME server refuses to issue`},
	} {
		if got := Cause(tt.err); got != tt.want {
			t.Errorf("Cause(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestEtcdShared starts two front ends of one blog on one etcd at once:
// one order reaches the CA, both serve the one certificate. The CA checks
// the challenges at the first front end only, so whichever of them asked,
// the first answers from the shared store.
func TestEtcdShared(t *testing.T) {
	etcd := etcdtest.Start(t)
	ca := acmetest.New(t)
	a, b := newSite(t), newSite(t)
	ca.Serve(t, a.ports(t))
	var wg sync.WaitGroup
	for _, s := range []*site{a, b} {
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{etcd.Client}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cli.Close() })
		wg.Go(func() {
			s.start(t, Config{Domains: []string{"blog.example"}, CA: ca.Directory, CARoots: ca.Roots, Storage: certstore.NewEtcd(cli, "/blog/tls")})
		})
	}
	wg.Wait()
	c := client(ca.RootPool())
	ca1 := waitHTTPS(t, c, a, 20*time.Second)
	cb := waitHTTPS(t, c, b, 20*time.Second)
	if ca1.SerialNumber.Cmp(cb.SerialNumber) != 0 {
		t.Errorf("two certificates: %v and %v", ca1.SerialNumber, cb.SerialNumber)
	}
	if n := ca.Orders(); n != 1 {
		t.Errorf("%d orders reached the CA, want 1", n)
	}
}

// syncBuffer is a log buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestEtcdSharedRenewal: two front ends on one etcd renew one certificate
// once between them, and both serve the renewed one without a restart.
func TestEtcdSharedRenewal(t *testing.T) {
	etcd := etcdtest.Start(t)
	ca := acmetest.New(t)
	a, b := newSite(t), newSite(t)
	opt := a.ports(t)
	opt.Validity = time.Minute
	ca.Serve(t, opt)
	for _, s := range []*site{a, b} {
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{etcd.Client}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cli.Close() })
		s.start(t, Config{
			Domains: []string{"blog.example"}, CA: ca.Directory, CARoots: ca.Roots, Storage: certstore.NewEtcd(cli, "/blog/tls"),
			RenewalWindow: 0.85, // renewed once 9 of its 60 seconds have gone
			RenewCheck:    300 * time.Millisecond,
		})
	}
	c := client(ca.RootPool())
	first := waitHTTPS(t, c, a, 20*time.Second)
	if got := waitHTTPS(t, c, b, 20*time.Second); got.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Fatalf("two certificates before renewal")
	}
	// Wait for the renewal at either, then for both to serve it.
	serial := func(s *site) string {
		_, _, leaf, err := get(c, s.url(t, "https", "/"))
		if err != nil {
			return ""
		}
		return leaf.SerialNumber.String()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		sa, sb := serial(a), serial(b)
		if sa != "" && sa == sb && sa != first.SerialNumber.String() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not both renewed to one certificate: %s and %s (first %s)\n%s\n%s", sa, sb, first.SerialNumber, a.log, b.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := ca.Orders(); n != 2 {
		t.Errorf("%d orders reached the CA, want 2: the first and one renewal", n)
	}
}
