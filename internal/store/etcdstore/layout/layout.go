// Package layout is where the etcd store keeps a blog in etcd: the keys
// under the blog's prefix, and the record of a post. Package etcdstore
// writes them; package mirror watches them.
//
// Every key lies under the blog's prefix P:
//
//	P/meta/schema                 "1"
//	P/posts/SLUG                  JSON Record: the post's store.Entry and its id
//	P/revisions/ID/%016x          one revision, encoded as by store.EncodeRevision
//	P/aliases/OLD                 NEW
//	P/proposals/SLUG/%016x        a proposal, encoded as by store.EncodeProposal
//	P/open/SLUG/%016x             "" while that proposal is open
//	P/stats/SLUG/YYYYMMDD/SOURCE  a day's read counts, encoded as by store.EncodeCount
//	P/uploads/entries/PATH        JSON store.FileEntry: a file's current state (PATH starts with /)
//	P/uploads/revs/PH/%016x       JSON store.FileRevision; PH is the hex SHA-256 of PATH, cut to 32 digits
//	P/uploads/sizes/HASH          the length of the bytes whose SHA-256 is HASH, once all are stored
//	P/uploads/chunks/HASH/%04x    those bytes, in pieces of ChunkSize
//	P/tls/...                     the web's certificates, account keys and locks (package certstore)
//
// A post's history is kept under a stable id given when the post is first
// written, not under its slug, so that a rename is one transaction whatever
// the length of the history. The keys aliases/, meta/, open/ and posts/
// lie in one range (Keys.Watched): every server watches it, and so hears
// of every post and alias changed, and of every proposal made or closed,
// elsewhere; revisions, proposals and counts are read only when asked for.
package layout

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/sshblog/sshblog/internal/store"
)

// SchemaVersion is written at Keys.Schema when a prefix is first used.
const SchemaVersion = "1"

// Keys names the keys of the blog under one prefix.
type Keys struct {
	prefix string // ends in a slash
}

// New returns the keys of the blog under prefix, e.g. "/sshblog/main"; a
// trailing slash is optional.
func New(prefix string) Keys { return Keys{strings.TrimSuffix(prefix, "/") + "/"} }

// Prefix is the blog's prefix, ending in a slash: every key starts with it.
func (k Keys) Prefix() string { return k.prefix }

// Schema is the key of the layout's version, SchemaVersion.
func (k Keys) Schema() string { return k.prefix + "meta/schema" }

// Posts is the folder of the post records; Post(slug) is in it.
func (k Keys) Posts() string { return k.prefix + "posts/" }

// Post is the key of the record of the post slug.
func (k Keys) Post(slug string) string { return k.Posts() + slug }

// Aliases is the folder of the aliases; Alias(old) is in it.
func (k Keys) Aliases() string { return k.prefix + "aliases/" }

// Alias is the key of the alias old, whose value is the slug it leads to.
func (k Keys) Alias(old string) string { return k.Aliases() + old }

// Revisions is the folder of the revisions of the post with id id.
func (k Keys) Revisions(id string) string { return k.prefix + "revisions/" + id + "/" }

// Revision is the key of revision rev of the post with id id.
func (k Keys) Revision(id string, rev uint64) string { return numbered(k.Revisions(id), rev) }

// Proposals is the folder of the proposals of the post slug, or of every
// post's when slug is "".
func (k Keys) Proposals(slug string) string {
	if slug == "" {
		return k.prefix + "proposals/"
	}
	return k.prefix + "proposals/" + slug + "/"
}

// Proposal is the key of proposal n of slug.
func (k Keys) Proposal(slug string, n uint64) string { return numbered(k.Proposals(slug), n) }

// Opens is the folder of the open keys; Open(slug, n) is in it.
func (k Keys) Opens() string { return k.prefix + "open/" }

// Open is the key that is there while proposal n of slug is open.
func (k Keys) Open(slug string, n uint64) string { return numbered(k.Opens()+slug+"/", n) }

// Stats is the folder of the read counts of the post slug, or of every
// post's when slug is "".
func (k Keys) Stats(slug string) string {
	if slug == "" {
		return k.prefix + "stats/"
	}
	return k.prefix + "stats/" + slug + "/"
}

// TLS is the folder of the web's certificates and ACME account keys, and
// of the locks that let one server at a time ask the CA for them (package
// certstore keeps it); it lies outside Watched.
func (k Keys) TLS() string { return k.prefix + "tls/" }

// ChunkSize is the most bytes of a file one key holds: well below etcd's
// default request limit of 1.5 MiB.
const ChunkSize = 512 << 10

// FileEntries is the folder of the files' current entries; FileEntry(path)
// is in it. It lies outside Watched: the etcd store watches it itself.
func (k Keys) FileEntries() string { return k.prefix + "uploads/entries" }

// FileEntry is the key of the current entry of the file at path.
func (k Keys) FileEntry(path string) string { return k.FileEntries() + path }

// FileRevisions is the folder of the revisions of the file at path.
func (k Keys) FileRevisions(path string) string {
	sum := sha256.Sum256([]byte(path))
	return k.prefix + "uploads/revs/" + hex.EncodeToString(sum[:16]) + "/"
}

// FileRevision is the key of revision rev of the file at path.
func (k Keys) FileRevision(path string, rev uint64) string {
	return numbered(k.FileRevisions(path), rev)
}

// Sizes is the folder of the stored bytes' lengths; Size(hash) is in it.
func (k Keys) Sizes() string { return k.prefix + "uploads/sizes/" }

// Size is the key whose presence says the bytes hash are all stored.
func (k Keys) Size(hash string) string { return k.Sizes() + hash }

// Chunks is the folder of the pieces of the bytes hash.
func (k Keys) Chunks(hash string) string { return k.prefix + "uploads/chunks/" + hash + "/" }

// Chunk is the key of piece n of the bytes hash.
func (k Keys) Chunk(hash string, n int) string { return fmt.Sprintf("%s%04x", k.Chunks(hash), n) }

// Watched is the range [from, to) every server watches: the aliases, the
// schema, the open proposals and the post records.
func (k Keys) Watched() (from, to string) { return k.Aliases(), k.prefix + "posts0" }

// numbered is the key of number n in folder: n in 16 hex digits, so that
// keys sort by number.
func numbered(folder string, n uint64) string { return fmt.Sprintf("%s%016x", folder, n) }

// Number reads the number at the end of a revision, proposal or open key.
func Number(key string) (uint64, error) {
	n, err := strconv.ParseUint(key[strings.LastIndexByte(key, '/')+1:], 16, 64)
	if err != nil {
		return 0, fmt.Errorf("the key %q is damaged", key)
	}
	return n, nil
}

// Record is the value of a post's key: its current entry, and the id its
// revisions are kept under.
type Record struct {
	store.Entry
	ID string `json:"id"`
}

// NewID returns a fresh post id.
func NewID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails
	return hex.EncodeToString(b[:])
}
