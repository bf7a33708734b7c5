package server

import (
	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Authors tells which public keys belong to authors.
type Authors interface {
	// Author returns the name of the author holding key, or false for a
	// reader.
	Author(key gossh.PublicKey) (name string, ok bool)
}

// Identity is who a session belongs to.
type Identity struct {
	// Author is the author's name; empty for a reader.
	Author string
	// Fingerprint is the SHA256 fingerprint of the key the client proved it
	// holds; empty when it authenticated without a key.
	Fingerprint string
	// Operator is set when the client proved it holds the server's own host
	// key: it runs on the server's machine with access to the data folder
	// (sshd backup). It may take backups, nothing else.
	Operator bool
}

// IsAuthor reports whether the session may write.
func (id Identity) IsAuthor() bool { return id.Author != "" }

// String describes the identity in one line: "author NAME" or "reader".
func (id Identity) String() string {
	switch {
	case id.IsAuthor():
		return "author " + id.Author
	case id.Operator:
		return "operator"
	}
	return "reader"
}

// identityKey is the context key of a session's Identity.
type identityKey struct{}

// IdentityFrom returns the identity set on ctx by the identity middleware, or
// a reader's if there is none.
func IdentityFrom(ctx ssh.Context) Identity {
	id, _ := ctx.Value(identityKey{}).(Identity)
	return id
}

// identify works out who the session belongs to from the key the client
// proved it holds (never from the user name it typed). It runs after the
// handshake, so a key that was only offered, not proved, never counts.
func identify(sess ssh.Session, authors Authors, hostKey gossh.PublicKey) Identity {
	key := sess.PublicKey()
	if key == nil {
		return Identity{}
	}
	id := Identity{Fingerprint: gossh.FingerprintSHA256(key)}
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
