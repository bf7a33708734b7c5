package app

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/caddyserver/certmagic"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/sshblog/sshblog/internal/certs"
	"github.com/sshblog/sshblog/internal/certstore"
	"github.com/sshblog/sshblog/internal/config"
	"github.com/sshblog/sshblog/internal/store"
)

// CertsFolder is where a blog kept in a bbolt file keeps its certificates,
// their keys and its ACME account's, in the data folder.
const CertsFolder = "certs"

// certKeeper is a store that keeps the web's certificates too: etcd's.
type certKeeper interface {
	CertKeys() (*clientv3.Client, string)
}

// newCerts makes the certificate manager of cfg's domains: certificates
// kept in the data folder for a bbolt blog, under the blog's etcd prefix
// for an etcd one, so that its servers share them.
func newCerts(cfg config.Config, db store.Store, log *slog.Logger) (*certs.Manager, error) {
	var storage certmagic.Storage
	if k, ok := db.(certKeeper); ok {
		storage = certstore.NewEtcd(k.CertKeys())
	} else {
		storage = &certmagic.FileStorage{Path: filepath.Join(cfg.Data, CertsFolder)}
	}
	var roots *x509.CertPool
	if cfg.ACMECARoot != "" {
		pem, err := os.ReadFile(cfg.ACMECARoot)
		if err != nil {
			return nil, fmt.Errorf("acme-ca-root: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("acme-ca-root: %s holds no PEM certificate", cfg.ACMECARoot)
		}
	}
	m, err := certs.New(certs.Config{
		Domains:   cfg.Domains,
		CA:        cfg.ACMECA,
		CARoots:   roots,
		Email:     cfg.ACMEEmail,
		Storage:   storage,
		HTTPSOnly: cfg.HTTPSOnly,
		Log:       log,
	})
	if err != nil {
		return nil, fmt.Errorf("setting domain: %w", err)
	}
	return m, nil
}

// serveHTTPS serves the web over HTTPS on ls.Web with the certificates
// got by ACME, and the challenges and the redirect on ls.HTTP, sending
// each server's end to served; it returns how many it started. If the
// certificates cannot be managed at all, that is one log line and the
// pages are served over plain HTTP (unless https-only): the SSH side goes
// on whatever happens here.
func (a *App) serveHTTPS(ls Listeners, served chan<- error) int {
	var httpAddr net.Addr
	if ls.HTTP != nil {
		httpAddr = ls.HTTP.Addr()
	}
	pages := a.Web.Handler()
	var plain http.Handler
	running := 0
	if err := a.Certs.Start(httpAddr, ls.Web.Addr()); err != nil {
		a.log.Error("no HTTPS: the certificates cannot be managed", "err", err)
		ls.Web.Close()
		if !a.cfg.HTTPSOnly {
			plain = pages
		}
	} else {
		running++
		go func() { served <- a.Web.ServeTLS(ls.Web, a.Certs.TLSConfig()) }()
		plain = a.Certs.HTTPHandler(pages)
	}
	if ls.HTTP == nil {
		return running
	}
	if plain == nil {
		ls.HTTP.Close()
		return running
	}
	a.plain = &http.Server{
		Handler:           plain,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	go func() {
		err := a.plain.Serve(ls.HTTP)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		served <- err
	}()
	return running + 1
}
