package server

import (
	"net"
	"net/netip"

	"github.com/sshblog/sshblog/internal/blog"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Authors tells which public keys belong to authors.
type Authors interface {
	// Author returns the name of the author holding key, or false for a
	// reader.
	Author(key gossh.PublicKey) (name string, ok bool)
}

// identityKey is the context key of a session's Identity.
type identityKey struct{}

// IdentityFrom returns the identity set on ctx by the identity middleware, or
// a reader's if there is none.
func IdentityFrom(ctx ssh.Context) blog.Identity {
	id, _ := ctx.Value(identityKey{}).(blog.Identity)
	return id
}

// identify works out who the session belongs to from the key the client
// proved it holds (never from the user name it typed). It runs after the
// handshake, so a key that was only offered, not proved, never counts.
func identify(sess ssh.Session, authors Authors, hostKey gossh.PublicKey) blog.Identity {
	id := blog.Identity{Addr: addrOf(sess.RemoteAddr())}
	key := sess.PublicKey()
	if key == nil {
		return id
	}
	id.Fingerprint = gossh.FingerprintSHA256(key)
	if ssh.KeysEqual(key, hostKey) {
		id.Operator = true
		return id
	}
	if authors != nil {
		if name, ok := authors.Author(key); ok {
			id.Author = name
		}
	}
	return id
}

// addrOf is the IP address of a network address, or the zero Addr.
func addrOf(a net.Addr) netip.Addr {
	if tcp, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(tcp.IP)
		return ip.Unmap()
	}
	return netip.Addr{}
}
