package e2e

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	bin "encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Hostile pushes, sent by a Go client that writes its own packs: each is
// refused, the server stays up, and its memory stays bounded.

// authorGoClient connects to b with c's key.
func authorGoClient(t *testing.T, b *blog, c *client) *gossh.Client {
	t.Helper()
	pem, err := os.ReadFile(c.key)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(pem)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := gossh.Dial("tcp", b.addr, &gossh.ClientConfig{
		User: "ash", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// rawPack builds a pack by hand.
type rawPack struct {
	body  bytes.Buffer
	count int
}

func gitID(typ string, data []byte) [20]byte {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", typ, len(data))
	h.Write(data)
	var out [20]byte
	h.Sum(out[:0])
	return out
}

func zlibBytes(data []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// header writes a pack object header claiming size bytes.
func (p *rawPack) header(typ int, size uint64) {
	b := byte(typ<<4) | byte(size&0x0f)
	size >>= 4
	for size > 0 {
		p.body.WriteByte(b | 0x80)
		b = byte(size & 0x7f)
		size >>= 7
	}
	p.body.WriteByte(b)
	p.count++
}

// add writes a whole object and returns its id and offset.
func (p *rawPack) add(typ int, data []byte) ([20]byte, int) {
	off := 12 + p.body.Len()
	p.header(typ, uint64(len(data)))
	p.body.Write(zlibBytes(data))
	names := map[int]string{1: "commit", 2: "tree", 3: "blob"}
	return gitID(names[typ], data), off
}

// delta writes an offset delta of the object at baseOff.
func (p *rawPack) delta(baseOff int, d []byte) int {
	off := 12 + p.body.Len()
	p.header(6, uint64(len(d)))
	dist := uint64(off - baseOff)
	var buf [16]byte
	pos := len(buf) - 1
	buf[pos] = byte(dist & 0x7f)
	for dist >>= 7; dist != 0; dist >>= 7 {
		dist--
		pos--
		buf[pos] = 0x80 | byte(dist&0x7f)
	}
	p.body.Write(buf[pos:])
	p.body.Write(zlibBytes(d))
	return off
}

// bytes returns the pack with its header and checksum.
func (p *rawPack) bytes() []byte {
	var out bytes.Buffer
	out.WriteString("PACK")
	bin.Write(&out, bin.BigEndian, uint32(2))
	bin.Write(&out, bin.BigEndian, uint32(p.count))
	out.Write(p.body.Bytes())
	sum := sha1.Sum(out.Bytes())
	out.Write(sum[:])
	return out.Bytes()
}

// treeOf serialises tree entries given as mode, name, id.
func treeOf(entries ...any) []byte {
	var b bytes.Buffer
	for i := 0; i+2 < len(entries); i += 3 {
		id := entries[i+2].([20]byte)
		fmt.Fprintf(&b, "%s %s\x00", entries[i], entries[i+1])
		b.Write(id[:])
	}
	return b.Bytes()
}

// commitOf makes a commit of tree on parent.
func commitOf(tree [20]byte, parent string) []byte {
	return []byte(fmt.Sprintf("tree %x\nparent %s\nauthor x <x@x> 1700000000 +0000\ncommitter x <x@x> 1700000000 +0000\n\nhostile\n", tree, parent))
}

// pushRaw sends the pack made for the advertised tip as a push of main to
// the commit it names (none: a made-up id)
// and returns everything the server answered.
func pushRaw(t *testing.T, conn *gossh.Client, pack func(tip string) ([]byte, string)) string {
	t.Helper()
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	in, _ := sess.StdinPipe()
	outPipe, _ := sess.StdoutPipe()
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	if err := sess.Start("git-receive-pack '/blog.git'"); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(outPipe)
	var tip string
	for {
		var head [4]byte
		if _, err := io.ReadFull(out, head[:]); err != nil {
			t.Fatalf("reading the advertisement: %v (%s)", err, stderr.String())
		}
		n, _ := strconv.ParseUint(string(head[:]), 16, 16)
		if n == 0 {
			break
		}
		line := make([]byte, n-4)
		io.ReadFull(out, line)
		if tip == "" {
			tip = string(line[:40])
		}
	}
	p, newID := pack(tip)
	if newID == "" {
		newID = strings.Repeat("1", 40)
	}
	cmd := tip + " " + newID + " refs/heads/main\x00report-status\n"
	fmt.Fprintf(in, "%04x%s0000", len(cmd)+4, cmd)
	go func() {
		in.Write(p)
		in.Close()
	}()
	rest, _ := io.ReadAll(out)
	sess.Wait()
	return string(rest) + stderr.String()
}

// peakKiB returns a process's peak resident memory, in KiB.
func peakKiB(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// TestGitHostilePacks: a pack claiming a huge object, a deep delta chain,
// paths with .. and .git, a symlink and a submodule, trees that name one
// another exponentially many times are each refused,
// nothing is stored, and the server stays up within bounded memory.
func TestGitHostilePacks(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	conn := authorGoClient(t, b, ash)
	before := ash.must(b, "", "ls")

	post := []byte("---\ntitle: hostile\n---\nx\n")
	withPosts := func(name, mode string) func(tip string) ([]byte, string) {
		return func(tip string) ([]byte, string) {
			var p rawPack
			blob, _ := p.add(3, post)
			posts, _ := p.add(2, treeOf(mode, name, blob))
			root, _ := p.add(2, treeOf("40000", "posts", posts))
			c, _ := p.add(1, commitOf(root, tip))
			return p.bytes(), fmt.Sprintf("%x", c)
		}
	}
	withRoot := func(name string) func(tip string) ([]byte, string) {
		return func(tip string) ([]byte, string) {
			var p rawPack
			blob, _ := p.add(3, post)
			root, _ := p.add(2, treeOf("100644", name, blob))
			c, _ := p.add(1, commitOf(root, tip))
			return p.bytes(), fmt.Sprintf("%x", c)
		}
	}
	cases := []struct {
		name string
		pack func(tip string) ([]byte, string)
		want string
	}{
		{"huge object", func(string) ([]byte, string) {
			var p rawPack
			p.header(3, 1<<40)
			p.body.Write(zlibBytes(bytes.Repeat([]byte{0}, 1<<16)))
			return p.bytes(), ""
		}, "more than a push may hold"},
		{"many huge objects", func(string) ([]byte, string) {
			var p rawPack
			for range 40 {
				p.header(3, 60<<20)
				p.body.Write(zlibBytes(bytes.Repeat([]byte{0}, 1<<10)))
			}
			return p.bytes(), ""
		}, "unpack"},
		{"deep delta chain", func(string) ([]byte, string) {
			var p rawPack
			base := []byte("x")
			_, off := p.add(3, base)
			for range 80 {
				// Each delta copies its base's byte and adds one.
				size := len(base)
				d := append(bin.AppendUvarint(bin.AppendUvarint(nil, uint64(size)), uint64(size+1)), 0x90, byte(size), 1, 'x')
				off = p.delta(off, d)
				base = append(base, 'x')
			}
			return p.bytes(), ""
		}, "deltas deeper than"},
		{"bad checksum", func(tip string) ([]byte, string) {
			p, id := withPosts("x.md", "100644")(tip)
			p[len(p)-1] ^= 0xff
			return p, id
		}, "checksum does not match"},
		{"fewer objects than it says", func(string) ([]byte, string) {
			var p rawPack
			p.add(3, post)
			p.count = 1000
			return p.bytes(), ""
		}, "unpack"},
		{"delta against nothing", func(string) ([]byte, string) {
			var p rawPack
			p.header(7, 5)
			p.body.Write(bytes.Repeat([]byte{0xab}, 20))
			p.body.Write(zlibBytes([]byte{1, 2, 0x90, 1, 'x'}))
			return p.bytes(), ""
		}, "neither the pack nor the blog has"},
		{"dot dot", withPosts("..", "100644"), `a tree entry named ".."`},
		{".git in posts", withPosts(".git", "100644"), "a name git keeps"},
		{".git at the root", withRoot(".git"), ".git: a name git keeps"},
		{"symlink", withPosts("link.md", "120000"), "posts/link.md: a symbolic link"},
		{"submodule", withPosts("sub.md", "160000"), "posts/sub.md: a submodule"},
		{"symlink among files", withPosts("pic.png", "120000"), "posts/pic.png: a symbolic link"},
		{"submodule among files", withPosts("lib", "160000"), "posts/lib: a submodule"},
		{"folder named as a post", withPosts("dir.md", "40000"), "posts/dir.md: a folder named as a post"},
		{"trees that name one another", func(tip string) ([]byte, string) {
			// Each folder names the one below twice: 2^40 paths from 42 objects.
			var p rawPack
			blob, _ := p.add(3, post)
			dir, _ := p.add(2, treeOf("100644", "a.png", blob))
			for range 40 {
				dir, _ = p.add(2, treeOf("40000", "a", dir, "40000", "b", dir))
			}
			root, _ := p.add(2, treeOf("40000", "x", dir))
			c, _ := p.add(1, commitOf(root, tip))
			return p.bytes(), fmt.Sprintf("%x", c)
		}, "name more than 200000 files"},
		{"folder that is a blob", withPosts("dir", "40000"), "is not a tree"},
	}
	for _, c := range cases {
		out := pushRaw(t, conn, c.pack)
		if !strings.Contains(out, c.want) || strings.Contains(out, "ok refs/heads/main") {
			t.Errorf("%s: want a refusal with %q; got:\n%q", c.name, c.want, out)
		}
		if got := ash.must(b, "", "ls"); got != before {
			t.Errorf("%s: the posts changed:\n%s", c.name, got)
		}
	}
	if peak := peakKiB(t, b.cmd.Process.Pid); peak > 600<<10 {
		t.Errorf("the server's peak memory is %d MiB", peak>>10)
	}
	t.Logf("server peak RSS after the hostile pushes: %d MiB", peakKiB(t, b.cmd.Process.Pid)>>10)
}
