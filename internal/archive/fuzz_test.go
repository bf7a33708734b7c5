package archive

import (
	"bytes"
	"testing"

	"github.com/sshblog/sshblog/internal/post"
)

func FuzzRead(f *testing.F) {
	f.Add(tarOf(f, file{name: "a.md", body: "# a\n"}, file{name: "x/index.md", body: "---\ntitle: x\n---\n"}, file{name: "img.png", body: "\x89PNG"}))
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Read(bytes.NewReader(data), Options{MaxSize: 1 << 20})
		if err != nil {
			return
		}
		for _, file := range c.Posts {
			if post.CheckSlug(file.Slug) != nil {
				t.Errorf("Read accepted the slug %q", file.Slug)
			}
			if len(file.Source) > post.MaxSize {
				t.Errorf("Read kept %d bytes for %s", len(file.Source), file.Path)
			}
		}
	})
}
