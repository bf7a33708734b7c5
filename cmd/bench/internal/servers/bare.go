package servers

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// BareLine is all the bare server ever writes.
const BareLine = "hello\r\n"

// Bare is the floor: the least an SSH server built on
// golang.org/x/crypto/ssh can do for a terminal session. It accepts every
// public key and one kind of channel, a session; it grants pty-req, env,
// window-change, shell and exec; on shell or exec it writes BareLine and
// closes the session, or, while holding, keeps it open until the client
// goes.
type Bare struct {
	config           *ssh.ServerConfig
	hostKey          ssh.PublicKey
	listener         net.Listener
	handshakeTimeout time.Duration

	hold atomic.Bool // keep sessions open after the line; see SetHold

	wg     sync.WaitGroup // one per connection
	mu     sync.Mutex     // guards conns and closed
	conns  map[net.Conn]struct{}
	closed bool
}

// newBare listens on addr with a fresh ed25519 host key; a handshake
// must be done within timeout.
func newBare(addr string, timeout time.Duration) (*Bare, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(ssh.ConnMetadata, ssh.PublicKey) (*ssh.Permissions, error) { return nil, nil },
	}
	cfg.AddHostKey(signer)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Bare{config: cfg, hostKey: signer.PublicKey(), listener: l, handshakeTimeout: timeout, conns: map[net.Conn]struct{}{}}, nil
}

// StartBare starts the bare server on a loopback port and returns the
// function that stops it.
func StartBare() (*Bare, func() error, error) {
	bare, err := newBare("127.0.0.1:0", handshakeTimeout)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the bare server: %w", err)
	}
	done := make(chan error, 1)
	go pprof.Do(context.Background(), pprof.Labels("server", "bare"), func(context.Context) {
		done <- bare.serve()
	})
	return bare, func() error {
		sctx, scancel := context.WithTimeout(context.Background(), stopLimit)
		defer scancel()
		return errors.Join(bare.shutdown(sctx), <-done)
	}, nil
}

// SetHold says whether the server keeps its sessions open after the line,
// until the client goes, or closes them.
func (b *Bare) SetHold(hold bool) { b.hold.Store(hold) }

// Addr is where the server listens.
func (b *Bare) Addr() string { return b.listener.Addr().String() }

// HostKey is the server's public host key.
func (b *Bare) HostKey() ssh.PublicKey { return b.hostKey }

// serve accepts connections until Shutdown.
func (b *Bare) serve() error {
	for {
		c, err := b.listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if !b.track(c) {
			c.Close()
			return nil
		}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			defer b.untrack(c)
			b.handle(c)
		}()
	}
}

// track registers an open connection; false after Shutdown.
func (b *Bare) track(c net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.conns[c] = struct{}{}
	return true
}

// untrack closes c and forgets it.
func (b *Bare) untrack(c net.Conn) {
	c.Close()
	b.mu.Lock()
	delete(b.conns, c)
	b.mu.Unlock()
}

// handle serves one connection until it closes.
func (b *Bare) handle(c net.Conn) {
	if b.handshakeTimeout > 0 {
		c.SetDeadline(time.Now().Add(b.handshakeTimeout))
	}
	conn, chans, reqs, err := ssh.NewServerConn(c, b.config)
	if err != nil {
		return
	}
	c.SetDeadline(time.Time{})
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	var sessions sync.WaitGroup
	defer sessions.Wait()
	for nc := range chans { // until the connection closes
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		sessions.Add(1)
		go func() {
			defer sessions.Done()
			b.session(ch, creqs)
		}()
	}
}

// session answers one session's requests until it closes.
func (b *Bare) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	started := false
	for req := range reqs { // until the channel closes
		switch req.Type {
		case "pty-req", "env", "window-change":
			req.Reply(req.WantReply, nil)
		case "shell", "exec":
			req.Reply(!started, nil)
			if started {
				continue
			}
			started = true
			if _, err := io.WriteString(ch, BareLine); err != nil {
				return
			}
			if b.hold.Load() {
				go io.Copy(io.Discard, ch) // a shell reads its input; ends when the channel closes
				continue
			}
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
			return
		default:
			req.Reply(false, nil)
		}
	}
}

// shutdown stops accepting, closes every connection and waits for their
// goroutines until ctx is done.
func (b *Bare) shutdown(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	err := b.listener.Close()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	done := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
