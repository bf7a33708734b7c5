// Package certs gets, renews and serves the web's TLS certificates by
// ACME (Let's Encrypt unless told otherwise) for the blog's own domain
// names, so that the one binary serves HTTPS without a proxy.
//
// It is built on certmagic (github.com/caddyserver/certmagic, what Caddy
// is made of) rather than golang.org/x/crypto/acme/autocert. Both answer
// the TLS-ALPN-01 and HTTP-01 challenges, but certmagic's Storage has a
// lock: the servers of one blog on etcd share one certificate (package
// certstore), one of them asks the CA while the others wait and then load
// what it stored, and a challenge one of them started is answered by any
// of them. certmagic also renews in the background (a third of the
// lifetime before expiry, or when the CA's renewal information says), and
// backs off between failed attempts (1 minute, then 2, up to 6 hours
// apart; against Let's Encrypt, retries go to its staging CA first, so as
// not to spend the real one's rate limit). When the CA's rate limit says
// when to come back, attempts before then are given up here without
// asking it.
//
// certmagic's own log is silenced: each attempt that fails is one line of
// the blog's log, naming the domain and the cause as the CA gave it.
// Certificates and keys are never logged.
package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3"
	"github.com/mholt/acmez/v3/acme"
	"go.uber.org/zap"
)

// Config says what certificates to get, from which CA, and where to keep
// them.
type Config struct {
	// Domains are the names the certificate is for; the first is the
	// main one, whose certificate a client that names none gets.
	Domains []string
	// CA is the ACME directory URL; "" is Let's Encrypt's.
	CA string
	// CARoots are the roots the CA's own HTTPS is checked against; nil
	// is the system's.
	CARoots *x509.CertPool
	// Email is given to the CA for notices about the certificates; ""
	// gives none.
	Email string
	// Storage keeps the certificates, their keys and the account's:
	// certmagic.FileStorage in a folder, or certstore.Etcd.
	Storage certmagic.Storage
	// HTTPSOnly: HTTPHandler redirects every request to HTTPS even
	// before there is a certificate. Without it, it serves the pages
	// until there is one.
	HTTPSOnly bool
	// RenewalWindow is the part of a certificate's lifetime left when it
	// is renewed; 0 is a third.
	RenewalWindow float64
	// RenewCheck is how often certificates are checked for renewal; 0 is
	// every 10 minutes.
	RenewCheck time.Duration
	// Log receives a line for each certificate got and each attempt that
	// failed; nil discards them.
	Log *slog.Logger
}

// Manager gets and renews the certificates of Config.Domains and serves
// them, and answers the CA's challenges.
type Manager struct {
	cfg   Config
	log   *slog.Logger
	cache *certmagic.Cache
	magic *certmagic.Config
	acme  *certmagic.ACMEIssuer

	httpsPort string // the port HTTPS is served on, for redirects
	stop      context.CancelFunc

	mu sync.Mutex
	// notBefore is, per domain, when the CA's rate limit said to come
	// back: attempts before it are given up without asking the CA.
	notBefore map[string]time.Time
}

// New checks cfg and makes a Manager; nothing is asked of the CA until
// Start.
func New(cfg Config) (*Manager, error) {
	if len(cfg.Domains) == 0 {
		return nil, errors.New("certs: no domain names")
	}
	if cfg.Storage == nil {
		return nil, errors.New("certs: no storage")
	}
	if cfg.CA == "" {
		cfg.CA = certmagic.LetsEncryptProductionCA
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{cfg: cfg, log: log, notBefore: map[string]time.Time{}}, nil
}

// Start starts getting the certificates, in the background, and keeping
// them renewed until Stop. httpsAddr is the address the TLS
// configuration is served on (where the CA checks TLS-ALPN-01), httpAddr
// the one HTTPHandler is (HTTP-01), or nil when there is none; both must
// be listening, so that certmagic answers on them rather than on
// listeners of its own. A certificate already stored is used at once.
func (m *Manager) Start(httpAddr, httpsAddr net.Addr) error {
	host, port, err := net.SplitHostPort(httpsAddr.String())
	if err != nil {
		return fmt.Errorf("certs: the HTTPS address %s: %w", httpsAddr, err)
	}
	tlsPort, _ := strconv.Atoi(port)
	httpPort := 0
	if httpAddr != nil {
		_, p, err := net.SplitHostPort(httpAddr.String())
		if err != nil {
			return fmt.Errorf("certs: the HTTP address %s: %w", httpAddr, err)
		}
		httpPort, _ = strconv.Atoi(p)
	}
	m.httpsPort = port
	nop := zap.NewNop()
	var magic *certmagic.Config
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   func(certmagic.Certificate) (*certmagic.Config, error) { return magic, nil },
		RenewCheckInterval: m.cfg.RenewCheck,
		Logger:             nop,
	})
	magic = certmagic.New(m.cache, certmagic.Config{
		Storage:            m.cfg.Storage,
		RenewalWindowRatio: m.cfg.RenewalWindow,
		DefaultServerName:  m.cfg.Domains[0],
		OnEvent:            m.event,
		Logger:             nop,
	})
	m.acme = certmagic.NewACMEIssuer(magic, certmagic.ACMEIssuer{
		CA:    m.cfg.CA,
		Email: m.cfg.Email,
		// Setting a domain is taken as agreeing to the CA's terms, as
		// every ACME client run unattended does (README says so).
		Agreed:       true,
		TrustedRoots: m.cfg.CARoots,
		// certmagic answers the challenges through the listeners
		// already open at these ports, which it finds in use, rather
		// than listeners of its own. (It takes one host for both, the
		// HTTPS listener's; should it open a listener of its own for
		// HTTP on that host, HTTPHandler still answers the challenges.)
		ListenHost:           host,
		AltTLSALPNPort:       tlsPort,
		AltHTTPPort:          httpPort,
		DisableHTTPChallenge: httpAddr == nil,
		Logger:               nop,
	})
	magic.Issuers = []certmagic.Issuer{m.acme}
	m.magic = magic

	ctx, cancel := context.WithCancel(context.Background())
	m.stop = cancel
	if err := magic.ManageAsync(ctx, m.cfg.Domains); err != nil {
		cancel()
		m.cache.Stop()
		return fmt.Errorf("certs: managing %s: %w", strings.Join(m.cfg.Domains, ", "), err)
	}
	return nil
}

// Stop stops getting and renewing certificates.
func (m *Manager) Stop() {
	if m.stop != nil {
		m.stop()
		m.cache.Stop()
	}
}

// Ready reports whether a certificate for every domain is there to serve.
func (m *Manager) Ready() bool {
	if m.cache == nil {
		return false
	}
	for _, d := range m.cfg.Domains {
		if len(m.cache.AllMatchingCertificates(d)) == 0 {
			return false
		}
	}
	return true
}

// TLSConfig is the TLS configuration of the HTTPS listener: the managed
// certificates, and the answers to TLS-ALPN-01 challenges. Call it after
// Start.
func (m *Manager) TLSConfig() *tls.Config {
	t := m.magic.TLSConfig()
	t.MinVersion = tls.VersionTLS12
	t.NextProtos = []string{"h2", "http/1.1", acmez.ACMETLS1Protocol}
	return t
}

// HTTPHandler is the handler of the plain HTTP listener: it answers the
// CA's HTTP-01 challenges (also those another server of the blog
// started), and redirects everything else to HTTPS, or, until there is a
// certificate and unless HTTPSOnly, gives it to pages. Call it after
// Start.
func (m *Manager) HTTPHandler(pages http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.acme.HandleHTTPChallenge(w, r) {
			return
		}
		if pages != nil && !m.cfg.HTTPSOnly && !m.Ready() {
			pages.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, m.httpsURL(r), http.StatusPermanentRedirect)
	})
}

// httpsURL is the address of r over HTTPS: its host if it is one of the
// domains (else the first), the HTTPS port unless 443, its path and
// query.
func (m *Manager) httpsURL(r *http.Request) string {
	host := strings.ToLower(r.Host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if !slices.Contains(m.cfg.Domains, strings.TrimSuffix(host, ".")) {
		host = m.cfg.Domains[0]
	}
	if m.httpsPort != "443" {
		host = net.JoinHostPort(host, m.httpsPort)
	}
	return "https://" + host + r.URL.RequestURI()
}

// event logs what certmagic tells of: a certificate got, an attempt
// failed. It gives up an attempt the CA's rate limit said to wait for (an
// error from cert_obtaining ends that attempt before the CA is asked;
// certmagic tries again later on its own schedule), and otherwise never
// stops what certmagic is doing.
func (m *Manager) event(_ context.Context, name string, data map[string]any) error {
	domain, _ := data["identifier"].(string)
	renewal, _ := data["renewal"].(bool)
	switch name {
	case "cert_obtaining":
		m.mu.Lock()
		wait := m.notBefore[domain]
		m.mu.Unlock()
		if time.Now().Before(wait) {
			return fmt.Errorf("the CA's rate limit asks to wait until %s", wait.Format(time.RFC3339))
		}
	case "cert_obtained":
		what := "certificate obtained"
		if renewal {
			what = "certificate renewed"
		}
		m.log.Info(what, "domain", domain, "ca", m.cfg.CA)
	case "cert_failed":
		err, _ := data["error"].(error)
		what := "no certificate yet; certmagic retries, backing off"
		if !m.cfg.HTTPSOnly {
			what = "no certificate yet; the web is served over plain HTTP meanwhile, and certmagic retries, backing off"
		}
		if renewal {
			what = "certificate not renewed; the current one is served meanwhile, and certmagic retries, backing off"
		}
		args := []any{"domain", domain, "cause", Cause(err)}
		if until, ok := RetryAfter(err); ok {
			m.mu.Lock()
			m.notBefore[domain] = until
			m.mu.Unlock()
			args = append(args, "not-before", until.Format(time.RFC3339))
		}
		m.log.Error(what, args...)
	}
	return nil
}

// retryAfterText finds the time a rate limit names in its detail, as Let's
// Encrypt writes it: "retry after 2026-12-09 00:00:00 UTC".
var retryAfterText = regexp.MustCompile(`retry after (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) UTC`)

// RetryAfter is the time a rate limit err reports says to come back, if
// it says.
func RetryAfter(err error) (time.Time, bool) {
	var p acme.Problem
	if !errors.As(err, &p) || p.Type != acme.ProblemTypeRateLimited {
		return time.Time{}, false
	}
	sub := retryAfterText.FindStringSubmatch(p.Detail)
	if sub == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateTime, sub[1])
	return t, err == nil
}

// Cause says in one line why getting a certificate failed: the ACME
// problem the CA gave (a domain whose DNS does not lead here, a
// challenge it could not reach, a rate limit...), or the error.
func Cause(err error) string {
	if err == nil {
		return "unknown"
	}
	var p acme.Problem
	if !errors.As(err, &p) {
		return oneLine(err.Error())
	}
	kind := strings.TrimPrefix(p.Type, "urn:ietf:params:acme:error:")
	var b strings.Builder
	switch kind {
	case "rateLimited":
		b.WriteString("the CA's rate limit: ")
	case "dns":
		b.WriteString("the domain's DNS does not lead here: ")
	case "connection":
		b.WriteString("the CA could not connect to this machine on port 80 or 443: ")
	case "unauthorized", "incorrectResponse", "tls":
		b.WriteString("the CA reached a server that did not answer its challenge (does the domain point at this machine?): ")
	case "rejectedIdentifier", "caa":
		b.WriteString("the CA refuses to issue for this name: ")
	default:
		b.WriteString("the CA refused (" + kind + "): ")
	}
	b.WriteString(p.Detail)
	for _, sp := range p.Subproblems {
		b.WriteString("; " + sp.Detail)
	}
	return oneLine(b.String())
}

// oneLine puts s on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
