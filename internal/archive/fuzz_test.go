package blog

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/sshblog/sshblog/internal/post"
)

func FuzzReadArchive(f *testing.F) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, file := range [][2]string{{"a.md", "# a\n"}, {"x/index.md", "---\ntitle: x\n---\n"}, {"img.png", "\x89PNG"}} {
		tw.WriteHeader(&tar.Header{Name: file[0], Mode: 0o644, Size: int64(len(file[1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(file[1]))
	}
	tw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := readArchive(bytes.NewReader(data), 1<<20, post.MaxSize, nil)
		if err != nil {
			return
		}
		for _, file := range set.files {
			if post.CheckSlug(file.slug) != nil {
				t.Errorf("import accepted the slug %q", file.slug)
			}
			if len(file.src) > post.MaxSize {
				t.Errorf("import kept %d bytes for %s", len(file.src), file.path)
			}
		}
	})
}

func TestImportStopsAGzipBomb(t *testing.T) {
	// 64 MiB of zeros in a tar entry compress to a few tens of KiB.
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	tw.WriteHeader(&tar.Header{Name: "zeros.bin", Mode: 0o644, Size: 64 << 20, Typeflag: tar.TypeReg})
	tw.Write(make([]byte, 64<<20))
	tw.Close()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(tarBuf.Bytes())
	zw.Close()
	_, err := readArchive(bytes.NewReader(gz.Bytes()), 1<<20, post.MaxSize, nil)
	if err == nil || !strings.Contains(err.Error(), "import limit") {
		t.Errorf("a %d KiB gzip of 64 MiB with a 1 MiB limit: err = %v", gz.Len()>>10, err)
	}
}
