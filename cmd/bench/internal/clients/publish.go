package clients

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// Publish runs `publish slug` on client with content on stdin and returns
// the revision the server acknowledged. If timeout is positive the session
// is cut after it.
func Publish(client *ssh.Client, slug string, content []byte, timeout time.Duration) (uint64, error) {
	sess, err := client.NewSession()
	if err != nil {
		return 0, fmt.Errorf("publish %s: opening a session: %w", slug, err)
	}
	defer sess.Close()
	if timeout > 0 {
		cut := time.AfterFunc(timeout, func() { sess.Close() })
		defer cut.Stop()
	}
	var out, errOut LimitedBuffer
	sess.Stdin = bytes.NewReader(content)
	sess.Stdout, sess.Stderr = &out, &errOut
	if err := sess.Run("publish " + slug); err != nil {
		return 0, fmt.Errorf("publish %s: %w: %s", slug, err, strings.TrimSpace(errOut.String()))
	}
	var got string
	var rev uint64
	if _, err := fmt.Sscanf(out.String(), "published %s rev %d\n", &got, &rev); err != nil || got != slug || rev == 0 {
		return 0, fmt.Errorf("publish %s: unexpected answer %q", slug, out.String())
	}
	return rev, nil
}

// NewKey generates an ed25519 client key.
func NewKey() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating a client key: %w", err)
	}
	return ssh.NewSignerFromKey(priv)
}

// LimitedBuffer keeps the first 64 KiB written to it and drops the rest.
// It is safe for concurrent use.
type LimitedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write keeps what fits and reports all of p written.
func (l *LimitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := 64<<10 - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// String returns what was kept.
func (l *LimitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
