package web

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestServeTLSSendsHSTS: pages served over HTTPS by the server itself tell
// browsers to come back over HTTPS only; over plain HTTP (behind a proxy
// that does TLS, or before a certificate) they do not.
func TestServeTLSSendsHSTS(t *testing.T) {
	s := newSite(t, Config{})
	if got := s.get("/", browser).header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain HTTP sent Strict-Transport-Security %q", got)
	}
	// A certificate for 127.0.0.1, as httptest makes them.
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	cert, pool := ts.TLS.Certificates[0], x509.NewCertPool()
	pool.AddCert(ts.Certificate())
	ts.Close()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.srv.ServeTLS(l, &tls.Config{Certificates: []tls.Certificate{cert}}) }()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get("https://" + l.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Strict-Transport-Security") != "max-age=63072000" {
		t.Errorf("HTTPS: %d, Strict-Transport-Security %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.srv.Shutdown(ctx)
	if err := <-done; err != nil {
		t.Errorf("ServeTLS: %v", err)
	}
}
