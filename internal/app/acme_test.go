package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/sshblog/sshblog/internal/certs/acmetest"
	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/server"
	"github.com/sshblog/sshblog/internal/store/etcdtest"
)

// acmeBlog is a blog with a domain, served on loopback, its certificates
// from Pebble.
type acmeBlog struct {
	app   *App
	ls    Listeners
	log   *lockedLog
	start time.Time // when Serve was called
}

// startACMEBlog starts a blog for blog.example in a temporary folder,
// with more settings in args, its certificates from ca, which checks the
// challenges on the blog's loopback listeners with opt.
func startACMEBlog(t *testing.T, ca *acmetest.CA, opt acmetest.Options, args ...string) *acmeBlog {
	t.Helper()
	b := openACMEBlog(t, ca, args...)
	ca.Serve(t, b.ports(t, opt))
	b.serve(t)
	return b
}

// openACMEBlog opens a blog for blog.example in a temporary folder, with
// more settings in args, its certificates from ca, and its listeners; it
// serves nothing yet.
func openACMEBlog(t *testing.T, ca *acmetest.CA, args ...string) *acmeBlog {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(root, ca.RootsPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append([]string{
		"--domain", "blog.example", "--acme-ca", ca.Directory, "--acme-ca-root", root, "--acme-email", "me@blog.example",
		"--addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--https-addr", "127.0.0.1:0",
		"--data", filepath.Join(dir, "data"), "--keys", filepath.Join(dir, "keys"), "--timezone", "UTC",
	}, args...)
	cfg, err := config.Load(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b := &acmeBlog{log: &lockedLog{}}
	if b.app, err = Open(cfg, slog.New(slog.NewTextHandler(b.log, nil))); err != nil {
		t.Fatal(err)
	}
	if b.ls, err = b.app.Listen(); err != nil {
		t.Fatal(err)
	}
	return b
}

// ports is opt with the CA checking the challenges at b.
func (b *acmeBlog) ports(t *testing.T, opt acmetest.Options) acmetest.Options {
	opt.TLSPort, opt.HTTPPort = acmetest.Port(t, b.ls.Web.Addr()), 1 // nothing on port 1
	if b.ls.HTTP != nil {
		opt.HTTPPort = acmetest.Port(t, b.ls.HTTP.Addr())
	}
	return opt
}

// serve serves b until the test ends.
func (b *acmeBlog) serve(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b.start = time.Now()
	go func() { done <- b.app.Serve(ctx, b.ls, time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		b.app.Close()
	})
}

// url is path on the blog by its name, over scheme.
func (b *acmeBlog) url(t *testing.T, scheme, path string) string {
	l := b.ls.Web
	if scheme == "http" {
		l = b.ls.HTTP
	}
	return fmt.Sprintf("%s://blog.example:%d%s", scheme, acmetest.Port(t, l.Addr()), path)
}

// browser is an HTTP client that trusts roots, finds blog.example on
// loopback, asks for HTML and follows no redirect.
func browser(roots *x509.CertPool) *http.Client {
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

// TestHTTPSByACME starts the blog with a domain: it gets a certificate
// from Pebble and serves its pages over HTTPS with it, with
// Strict-Transport-Security and links to https://DOMAIN; plain HTTP
// redirects; SSH serves as ever; and headless Chromium, trusting Pebble's
// keys, loads a post.
func TestHTTPSByACME(t *testing.T) {
	ca := acmetest.New(t)
	b := startACMEBlog(t, ca, acmetest.Options{})
	c := browser(ca.RootPool())
	deadline := time.Now().Add(20 * time.Second)
	var resp *http.Response
	for {
		req, _ := http.NewRequest("GET", b.url(t, "https", "/feed.xml"), nil)
		var err error
		if resp, err = c.Do(req); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTPS: %v\n%s", err, b.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("from start to the first HTTPS answer: %v", time.Since(b.start).Round(time.Millisecond))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("HTTPS: %d, Strict-Transport-Security %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	if !bytes.Contains(body, []byte("https://blog.example/posts/")) {
		t.Errorf("the feed's links are not https://blog.example/...:\n%.500s", body)
	}
	if got := resp.TLS.PeerCertificates[0].DNSNames; len(got) != 1 || got[0] != "blog.example" {
		t.Errorf("certificate for %q", got)
	}

	resp, err := c.Get(b.url(t, "http", "/tags/?x=1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if want := b.url(t, "https", "/tags/?x=1"); resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Errorf("plain HTTP: %d to %q, want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Probe(ctx, b.ls.SSH.Addr().String(), nil); err != nil {
		t.Errorf("SSH: %v", err)
	}
	if strings.Contains(b.log.String(), "PRIVATE KEY") {
		t.Error("a key in the log")
	}

	t.Run("chromium", func(t *testing.T) { loadInChromium(t, ca, b) })
}

// loadInChromium opens a post at https://blog.example in headless
// Chromium, which finds the name on loopback and trusts Pebble's CA keys,
// and checks the page came over HTTPS without a certificate error.
func loadInChromium(t *testing.T, ca *acmetest.CA, b *acmeBlog) {
	exe := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			exe = p
			break
		}
	}
	if exe == "" {
		t.Skip("no Chromium here (Debian: apt-get install chromium; scripts/test.sh installs it)")
	}
	// Chromium ignores certificate errors only for chains holding one of
	// these keys: Pebble's root and the intermediate it signs with, which
	// the server sends.
	var spki []string
	for _, cert := range []*x509.Certificate{ca.Root(), ca.Intermediate()} {
		sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
		spki = append(spki, base64.StdEncoding.EncodeToString(sum[:]))
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("host-resolver-rules", "MAP blog.example 127.0.0.1"),
		chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(spki, ",")),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTime := context.WithTimeout(ctx, 30*time.Second)
	defer cancelTime()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(b.url(t, "https", "/")))
	if err != nil {
		t.Fatalf("Chromium: %v", err)
	}
	if resp.Status != http.StatusOK {
		t.Errorf("Chromium got %d", resp.Status)
	}
	protocol, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.protocol`))
	if err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if protocol != "https:" || !strings.Contains(text, "sshblog") {
		t.Errorf("Chromium got %s %.200q", protocol, text)
	}
}

// TestACMERefusedKeepsHTTPAndSSH: a domain whose DNS leads nowhere gets
// no certificate; that is one log line naming the cause, the pages are
// served over plain HTTP meanwhile, and SSH goes on.
func TestACMERefusedKeepsHTTPAndSSH(t *testing.T) {
	ca := acmetest.New(t)
	b := startACMEBlog(t, ca, acmetest.Options{NoSuchDomain: []string{"blog.example"}})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(b.log.String(), "no certificate yet") {
		if time.Now().After(deadline) {
			t.Fatalf("no line for the failure:\n%s", b.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	c := browser(ca.RootPool())
	resp, err := c.Get(b.url(t, "http", "/"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("march-2024-retrospective")) {
		t.Errorf("plain HTTP meanwhile: %d %.200q", resp.StatusCode, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Probe(ctx, b.ls.SSH.Addr().String(), nil); err != nil {
		t.Errorf("SSH: %v", err)
	}
	var failures []string
	for _, line := range strings.Split(b.log.String(), "\n") {
		if strings.Contains(line, "certificate") {
			failures = append(failures, line)
		}
	}
	if len(failures) != 1 || !strings.Contains(failures[0], "domain=blog.example") || !strings.Contains(failures[0], "cause=") {
		t.Errorf("want one line naming the domain and the cause:\n%s", strings.Join(failures, "\n"))
	}
}

// waitHTTPS waits for b to answer path over HTTPS, trusting roots, and
// returns the response, its body read.
func (b *acmeBlog) waitHTTPS(t *testing.T, roots *x509.CertPool, path string) (*http.Response, []byte) {
	t.Helper()
	c := browser(roots)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := c.Get(b.url(t, "https", path))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp, body
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTPS: %v\n%s", err, b.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestACMEOnEtcd starts two servers of one blog on one etcd at once: one
// order reaches the CA, and both serve the certificate it gave, kept
// under the blog's prefix. The CA checks the challenges at the first
// server only, so whichever asked, the first answers from the store.
func TestACMEOnEtcd(t *testing.T) {
	etcd := etcdtest.Start(t)
	ca := acmetest.New(t)
	store := []string{"--store", "etcd://" + etcd.Client, "--store-prefix", "/blogs/acme"}
	a, b := openACMEBlog(t, ca, store...), openACMEBlog(t, ca, store...)
	ca.Serve(t, a.ports(t, acmetest.Options{}))
	a.serve(t)
	b.serve(t)
	ra, _ := a.waitHTTPS(t, ca.RootPool(), "/")
	rb, _ := b.waitHTTPS(t, ca.RootPool(), "/")
	if sa, sb := ra.TLS.PeerCertificates[0].SerialNumber, rb.TLS.PeerCertificates[0].SerialNumber; sa.Cmp(sb) != 0 {
		t.Errorf("two certificates: %v and %v", sa, sb)
	}
	if n := ca.Orders(); n != 1 {
		t.Errorf("%d orders reached the CA, want 1", n)
	}
	cli, _ := b.app.Store.(interface {
		CertKeys() (*clientv3.Client, string)
	}).CertKeys()
	resp, err := cli.Get(context.Background(), "/blogs/acme/tls/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil || len(resp.Kvs) == 0 {
		t.Errorf("nothing under the blog's prefix /blogs/acme/tls/: %v", err)
	}
}

// TestACMEWithoutPort80: with http-addr empty nothing listens for plain
// HTTP, and the certificate comes by TLS-ALPN-01 on the HTTPS port alone.
func TestACMEWithoutPort80(t *testing.T) {
	ca := acmetest.New(t)
	b := startACMEBlog(t, ca, acmetest.Options{}, "--http-addr", "")
	if b.ls.HTTP != nil {
		t.Fatalf("plain HTTP on %s", b.ls.HTTP.Addr())
	}
	if resp, _ := b.waitHTTPS(t, ca.RootPool(), "/"); resp.StatusCode != http.StatusOK {
		t.Errorf("HTTPS: %d", resp.StatusCode)
	}
}

// TestDomainWithTLSCertIsOneError: a domain and a certificate of one's
// own together stop the start with one line.
func TestDomainWithTLSCertIsOneError(t *testing.T) {
	_, err := config.Load([]string{"--domain", "blog.example", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, func(string) string { return "" }, io.Discard)
	if err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Load = %v, want one line", err)
	}
}

// lockedLog is a log safe for concurrent writes.
type lockedLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
