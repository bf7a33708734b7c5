package transfer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"charm.land/wish/v2/scp"
	"github.com/anmitsu/go-shlex"

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

func FuzzUploadWriteAt(f *testing.F) {
	f.Add(int64(0), []byte("abc"), int64(1<<40), []byte("x"))
	f.Add(int64(post.MaxSize-1), []byte("ab"), int64(-1), []byte("x"))
	f.Fuzz(func(t *testing.T, off1 int64, p1 []byte, off2 int64, p2 []byte) {
		u := &upload{limit: post.MaxSize, bufs: new(Buffers)}
		u.WriteAt(p1, off1)
		u.WriteAt(p2, off2)
		if len(u.data.b) > post.MaxSize {
			t.Errorf("an upload holds %d bytes, more than %d", len(u.data.b), post.MaxSize)
		}
	})
}

// FuzzSCPCommandLine feeds what a client sends as `ssh HOST CMD`, split as
// charm.land/ssh splits it, to the look the scp middleware takes at every
// command line. It may not panic.
func FuzzSCPCommandLine(f *testing.F) {
	for _, s := range []string{"scp -t .", "scp -f -r posts", "scp -O -t -d /", "scp -v -t 'a b.md'", "ls", "'unterminated", "scp -t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		args, err := shlex.Split(raw, true)
		if err != nil {
			return
		}
		_ = scp.GetInfo(args)
	})
}
