// Package acmetest runs a real ACME CA in a test's process, on loopback:
// Pebble, Let's Encrypt's test CA (github.com/letsencrypt/pebble/v2), with
// its CA, validation authority and web front end wired as its cmd/pebble
// wires them, and a DNS server of its own that leads every name to
// 127.0.0.1 (but those told to fail). Only tests import it.
package acmetest

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/letsencrypt/pebble/v2/ca"
	"github.com/letsencrypt/pebble/v2/db"
	"github.com/letsencrypt/pebble/v2/va"
	"github.com/letsencrypt/pebble/v2/wfe"
	"github.com/miekg/dns"
)

// Options shape the CA.
type Options struct {
	// HTTPPort and TLSPort are where the CA checks HTTP-01 and
	// TLS-ALPN-01 challenges on 127.0.0.1.
	HTTPPort, TLSPort int
	// Validity is the lifetime of the certificates issued; 0 is Pebble's
	// default (90 days).
	Validity time.Duration
	// NoSuchDomain lists names the DNS says do not exist.
	NoSuchDomain []string
}

// CA is Pebble, serving its ACME directory over HTTPS.
type CA struct {
	// Directory is the ACME directory URL.
	Directory string
	// Roots holds the certificate of the directory's own HTTPS;
	// RootsPEM is it in PEM, as a file for acme-ca-root.
	Roots    *x509.CertPool
	RootsPEM []byte

	orders  atomic.Int64
	limited atomic.Pointer[time.Time] // orders are refused by a rate limit until then
	handler atomic.Pointer[http.Handler]
	ca      atomic.Pointer[ca.CAImpl]
	log     *lockedBuffer
}

// New starts the CA's HTTPS server; it answers 503 until Serve. The server
// stops when the test ends, and Pebble's log is shown if the test failed.
func New(t testing.TB) *CA {
	t.Helper()
	c := &CA{log: &lockedBuffer{}}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := c.handler.Load()
		if h == nil {
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		if r.Method == http.MethodPost && r.URL.Path == "/order-plz" {
			if until := c.limited.Load(); until != nil && time.Now().Before(*until) {
				// As Let's Encrypt says it (RFC 8555 section 6.6).
				w.Header().Set("Content-Type", "application/problem+json")
				w.Header().Set("Retry-After", strconv.Itoa(int(time.Until(*until).Seconds())+1))
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprintf(w, `{"type":"urn:ietf:params:acme:error:rateLimited","detail":"too many certificates (5) already issued for this exact set of identifiers in the last 168h0m0s, retry after %s UTC: see https://letsencrypt.org/docs/rate-limits/","status":429}`,
					until.UTC().Format(time.DateTime))
				return
			}
			c.orders.Add(1)
		}
		(*h).ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(c.log, "", 0)
	c.Directory = srv.URL + wfe.DirectoryPath
	c.Roots = x509.NewCertPool()
	c.Roots.AddCert(srv.Certificate())
	c.RootsPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	t.Cleanup(func() {
		srv.Close()
		if t.Failed() {
			t.Logf("Pebble's log:\n%s", c.log.String())
		}
	})
	return c
}

// Serve wires Pebble with opt and serves it at Directory. It sets
// Pebble's environment for tests (no sleep before validating, no nonce
// refused at random), so the test must not be parallel.
func (c *CA) Serve(t testing.TB, opt Options) {
	t.Helper()
	t.Setenv("PEBBLE_VA_NOSLEEP", "1")
	t.Setenv("PEBBLE_WFE_NONCEREJECT", "0")
	t.Setenv("PEBBLE_AUTHZREUSE", "0")
	resolver := serveDNS(t, opt.NoSuchDomain)
	logger := log.New(c.log, "Pebble ", log.Lmicroseconds)
	store := db.NewMemoryStore()
	validity := uint64(opt.Validity / time.Second)
	authority := ca.New(logger, store, "", "ecdsa", 0, 1, map[string]ca.Profile{"default": {Description: "test", ValidityPeriod: validity}})
	validator := va.New(logger, opt.HTTPPort, opt.TLSPort, false, resolver, store)
	front := wfe.New(logger, store, validator, authority, []string{"pebble.letsencrypt.org"}, false, false, 0, 0)
	h := front.Handler()
	c.ca.Store(authority)
	c.handler.Store(&h)
}

// RateLimit refuses every order until until, as Let's Encrypt's rate
// limits do.
func (c *CA) RateLimit(until time.Time) { c.limited.Store(&until) }

// Orders is how many orders for certificates the CA has been sent.
func (c *CA) Orders() int64 { return c.orders.Load() }

// Root is the root the certificates the CA issues chain to.
func (c *CA) Root() *x509.Certificate {
	a := c.ca.Load()
	if a == nil {
		return nil
	}
	return a.GetRootCert(0).Cert
}

// RootPool is a pool holding Root.
func (c *CA) RootPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Root())
	return p
}

// Intermediate is the certificate between Root and the ones issued.
func (c *CA) Intermediate() *x509.Certificate {
	return c.ca.Load().GetIntermediateCert(0).Cert
}

// Log is what Pebble logged so far.
func (c *CA) Log() string { return c.log.String() }

// serveDNS serves DNS over TCP on loopback (Pebble asks over TCP): A
// records of 127.0.0.1 for every name but those in missing, which do not
// exist. It returns the server's address.
func serveDNS(t testing.TB, missing []string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: l, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			name := strings.TrimSuffix(strings.ToLower(question.Name), ".")
			for _, no := range missing {
				if name == no {
					m.Rcode = dns.RcodeNameError
				}
			}
			if m.Rcode == dns.RcodeSuccess && question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
					A:   net.IPv4(127, 0, 0, 1),
				})
			}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return l.Addr().String()
}

// Port is the port of the address a listener is on.
func Port(t testing.TB, addr net.Addr) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr.String())
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// lockedBuffer is a log safe for Pebble's goroutines to write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
