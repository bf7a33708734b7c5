package server

import (
	"log/slog"
	"net"
	"net/netip"

	"github.com/sshblog/sshblog/internal/authors"
	"github.com/sshblog/sshblog/internal/blog"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Authors tells which public keys belong to authors.
type Authors interface {
	// Lookup returns what the holder of key, connecting from addr, may do
	// now: a Grant with no Name is a reader's. It logs why a key it knows
	// counts as a reader's.
	Lookup(key gossh.PublicKey, addr netip.Addr) authors.Grant
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
// handshake, so a key that was only offered, not proved, never counts. A
// key whose line says no-pty (or restrict) is a reader's in a session with
// a terminal: it may publish with commands, scp and sftp, not in the TUI.
func identify(sess ssh.Session, keys Authors, hostKey gossh.PublicKey, log *slog.Logger) blog.Identity {
	_, _, isPty := sess.Pty()
	id := blog.Identity{Addr: addrOf(sess.RemoteAddr()), Terminal: isPty}
	key := sess.PublicKey()
	if key == nil {
		return id
	}
	id.Fingerprint = gossh.FingerprintSHA256(key)
	id.Key = string(key.Marshal())
	if ssh.KeysEqual(key, hostKey) {
		id.Operator = true
		return id
	}
	if keys == nil {
		return id
	}
	g := keys.Lookup(key, id.Addr)
	if g.Name != "" && g.NoPTY && isPty {
		log.Warn("key counts as a reader's: its line allows no terminal (no-pty or restrict); publish without one (a command, scp or sftp)", "author", g.Name, "key", id.Fingerprint)
		return id
	}
	id.Author = g.Name
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
