package server

import (
	"flag"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sshblog/sshblog/internal/post"
)

func FuzzSlugOfFile(f *testing.F) {
	for _, s := range []string{"a.md", "/a.md", "./a.md", "../a.md", "a/b.md", "회고.md", ".md", "a.MD", "a.md/", "//a.md", "a\x00.md", "\x1b[2J.md"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		slug, err := slugOfFile(name)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\x1b\n") || !utf8.ValidString(err.Error()) {
				t.Errorf("error for %q is not one safe line: %q", name, err)
			}
			return
		}
		if post.CheckSlug(slug) != nil || strings.ContainsAny(slug, "/\\") {
			t.Errorf("slugOfFile(%q) = %q, not a valid slug", name, slug)
		}
	})
}

func FuzzFlags(f *testing.F) {
	f.Add("read\x00slug\x00--width\x0040")
	f.Add("publish\x00--if-rev\x00x")
	f.Add("--width=\x00-\x00--")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		c := &call{args: args}
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		width := fs.Int("width", 0, "")
		ifRev := ifRevFlag(fs)
		rest, err := c.flags(fs)
		if err != nil {
			return
		}
		if len(rest) > len(args) {
			t.Errorf("flags(%q) returned more arguments than it was given: %q", args, rest)
		}
		_, _ = width, ifRev()
	})
}

func FuzzUploadWriteAt(f *testing.F) {
	f.Add(int64(0), []byte("abc"), int64(1<<40), []byte("x"))
	f.Add(int64(post.MaxSize-1), []byte("ab"), int64(-1), []byte("x"))
	f.Fuzz(func(t *testing.T, off1 int64, p1 []byte, off2 int64, p2 []byte) {
		u := &upload{limit: post.MaxSize, bufs: new(uploadBuffers)}
		u.WriteAt(p1, off1)
		u.WriteAt(p2, off2)
		if len(u.data.b) > post.MaxSize {
			t.Errorf("an upload holds %d bytes, more than %d", len(u.data.b), post.MaxSize)
		}
	})
}
