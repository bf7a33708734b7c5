package blog

import "net/netip"

// Identity is who an operation acts for. The zero Identity is a reader.
type Identity struct {
	// Author is the author's name; empty for a reader.
	Author string
	// Fingerprint is the SHA256 fingerprint of the key the client proved
	// it holds; empty when it had none.
	Fingerprint string
	// Key is the wire form of the key (or certificate) the client proved
	// it holds, for Config.StillAuthor; empty when it had none.
	Key string
	// Terminal is set when the session has a terminal (a PTY).
	Terminal bool
	// Addr is the client's address, when it came over a network. It is
	// used only to count unique readers (cut to its network, hashed, never
	// stored) and never decides what id may do.
	Addr netip.Addr
	// Operator is set for a client holding the server's own host key: it
	// runs on the server's machine with access to the data folder. It may
	// take backups, nothing else.
	Operator bool
}

// IsAuthor reports whether id may see every post and change them.
func (id Identity) IsAuthor() bool { return id.Author != "" }

// String describes the identity in one line: "author NAME", "operator" or
// "reader".
func (id Identity) String() string {
	switch {
	case id.IsAuthor():
		return "author " + id.Author
	case id.Operator:
		return "operator"
	}
	return "reader"
}
