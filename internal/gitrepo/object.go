package gitrepo

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Hash is a git object id (SHA-1).
type Hash [20]byte

// String returns the id in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is the zero id, which git uses for "no object".
func (h Hash) IsZero() bool { return h == Hash{} }

// ParseHash reads a 40-digit hex id.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 40 {
		return h, fmt.Errorf("not an object id: %q", s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("not an object id: %q", s)
	}
	return h, nil
}

// Object types, as packs number them.
const (
	typeCommit   = 1
	typeTree     = 2
	typeBlob     = 3
	typeTag      = 4
	typeOfsDelta = 6
	typeRefDelta = 7
)

// typeName is the name object headers use for typ.
func typeName(typ int) string {
	switch typ {
	case typeCommit:
		return "commit"
	case typeTree:
		return "tree"
	case typeBlob:
		return "blob"
	case typeTag:
		return "tag"
	}
	return "unknown"
}

// hashObject returns the id of an object of type typ with content data.
func hashObject(typ int, data []byte) Hash {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", typeName(typ), len(data))
	h.Write(data)
	var out Hash
	h.Sum(out[:0])
	return out
}

// entry is one file of a tree.
type entry struct {
	name string
	mode string // "100644", "40000", ...
	hash Hash
}

// appendTree serialises entries, sorted as git sorts them, into buf.
func appendTree(buf []byte, entries []entry) []byte {
	for _, e := range entries {
		buf = append(buf, e.mode...)
		buf = append(buf, ' ')
		buf = append(buf, e.name...)
		buf = append(buf, 0)
		buf = append(buf, e.hash[:]...)
	}
	return buf
}

// signature is a commit's author line: a name, a made-up address, the
// time in seconds in UTC.
func signature(author string, t int64) string {
	name := strings.Map(func(r rune) rune {
		if r == '<' || r == '>' || r == '\n' || r == 0 {
			return -1
		}
		return r
	}, author)
	if name == "" {
		name = "unknown"
	}
	email := strings.ReplaceAll(name, " ", ".") + "@sshblog"
	return fmt.Sprintf("%s <%s> %d +0000", name, email, time.Unix(0, t).Unix())
}

// commitBody serialises a commit.
func commitBody(tree Hash, parent *Hash, author string, t int64, msg string) []byte {
	var b bytes.Buffer
	b.WriteString("tree " + tree.String() + "\n")
	if parent != nil {
		b.WriteString("parent " + parent.String() + "\n")
	}
	sig := signature(author, t)
	b.WriteString("author " + sig + "\n")
	b.WriteString("committer " + sig + "\n\n")
	b.WriteString(msg)
	return b.Bytes()
}

// parsedCommit is what a push's commit says.
type parsedCommit struct {
	tree    Hash
	parents []Hash
}

// parseCommit reads the tree and parents of a commit object.
func parseCommit(data []byte) (parsedCommit, error) {
	var c parsedCommit
	head, _, _ := bytes.Cut(data, []byte("\n\n"))
	haveTree := false
	for _, line := range strings.Split(string(head), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "tree":
			h, err := ParseHash(v)
			if err != nil || haveTree {
				return c, fmt.Errorf("a commit with a bad tree line")
			}
			c.tree, haveTree = h, true
		case "parent":
			h, err := ParseHash(v)
			if err != nil {
				return c, fmt.Errorf("a commit with a bad parent line")
			}
			c.parents = append(c.parents, h)
		}
	}
	if !haveTree {
		return c, fmt.Errorf("a commit without a tree")
	}
	return c, nil
}

// parseTree reads a tree object's entries. Names are checked: none empty,
// ".", ".." or holding a slash or NUL, modes are octal, and names are
// unique.
func parseTree(data []byte) ([]entry, error) {
	var out []entry
	seen := map[string]bool{}
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp <= 0 || sp > 7 {
			return nil, fmt.Errorf("a damaged tree")
		}
		mode := string(data[:sp])
		if _, err := strconv.ParseUint(mode, 8, 32); err != nil {
			return nil, fmt.Errorf("a damaged tree: mode %q", mode)
		}
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul < 0 || len(data) < nul+21 {
			return nil, fmt.Errorf("a damaged tree")
		}
		name := string(data[:nul])
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\") {
			return nil, fmt.Errorf("a tree entry named %q", name)
		}
		if seen[name] {
			return nil, fmt.Errorf("a tree that names %q twice", name)
		}
		seen[name] = true
		var h Hash
		copy(h[:], data[nul+1:nul+21])
		out = append(out, entry{name: name, mode: mode, hash: h})
		data = data[nul+21:]
	}
	return out, nil
}
