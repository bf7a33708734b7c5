package gitssh

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

// TestParse: git's two commands, in both spellings, with the quoted
// paths git sends; nothing else.
func TestParse(t *testing.T) {
	for _, c := range []struct {
		cmd     []string
		service string
		ok      bool
	}{
		{[]string{"git-upload-pack", "/blog.git"}, UploadPack, true},
		{[]string{"git-receive-pack", "~/blog.git"}, ReceivePack, true},
		{[]string{"git", "upload-pack", "blog.git"}, UploadPack, true},
		{[]string{"git", "log"}, "", false},
		{[]string{"cat", "hello"}, "", false},
		{nil, "", false},
	} {
		service, _, ok := Parse(c.cmd)
		if service != c.service || ok != c.ok {
			t.Errorf("Parse(%q) = %q, %v", c.cmd, service, ok)
		}
	}
	for path, want := range map[string]bool{
		"/blog.git": true, "blog.git": true, "~/blog.git": true, "/blog": true, "blog.git/": true,
		"/other.git": false, "../blog.git": false, "/blog.git/../x": false, "": false,
	} {
		if repoPath(path) != want {
			t.Errorf("repoPath(%q) = %v", path, !want)
		}
	}
}

// TestPktLines: pkt-lines written are read back; a flush reads as nil; a
// line too long or damaged is an error.
func TestPktLines(t *testing.T) {
	var b bytes.Buffer
	pkt(&b, "want abc\n")
	flush(&b)
	b.WriteString("zzzz")
	r := &pktReader{r: bufio.NewReader(&b)}
	if line, ok, err := r.line(); line != "want abc" || !ok || err != nil {
		t.Errorf("first line %q %v %v", line, ok, err)
	}
	if _, ok, err := r.line(); ok || err != nil {
		t.Errorf("flush: %v %v", ok, err)
	}
	if _, _, err := r.line(); err == nil {
		t.Error("a damaged length was read")
	}
	long := &pktReader{r: bufio.NewReader(strings.NewReader("fff1" + strings.Repeat("x", 70000)))}
	if _, err := long.next(); err == nil {
		t.Error("a pkt-line over 65520 bytes was read")
	}
	var side bytes.Buffer
	sideband{w: &side, band: 2}.Write([]byte(strings.Repeat("y", 70000)))
	sr := &pktReader{r: bufio.NewReader(&side)}
	total := 0
	for {
		p, err := sr.next()
		if err != nil || p == nil {
			break
		}
		if p[0] != 2 {
			t.Fatalf("band %d", p[0])
		}
		total += len(p) - 1
	}
	if total != 70000 {
		t.Errorf("side band carried %d bytes", total)
	}
}
