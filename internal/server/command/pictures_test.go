package command_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/server/servertest"
	"github.com/sshblog/sshblog/internal/termimage"
)

// memFiles is a blog's files in memory, by root-relative path; remote
// references are refused unread. It counts what it is asked.
type memFiles struct {
	mu    sync.Mutex
	files map[string][]byte
	asked int
}

func (f *memFiles) ImageFile(_ context.Context, _, ref string) (string, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked++
	data, ok := f.files[ref]
	if !ok || strings.Contains(ref, "://") {
		return "", nil, fmt.Errorf("image %s: %w", ref, fs.ErrNotExist)
	}
	return fmt.Sprintf("%s#%d", ref, len(data)), data, nil
}

func (f *memFiles) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked
}

// greenPNG is a w x h PNG, all green.
func greenPNG(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{0, 200, 0, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReadDrawsPictures: read at a terminal asks it what it draws and
// draws the post's pictures accordingly: half blocks for a terminal that
// answers only its device attributes (or nothing), kitty graphics for one
// that answers the kitty query, sixel for one whose attributes list it.
// Without a terminal, or with the query unanswered, no kitty or sixel
// byte is sent; without a terminal nothing is asked at all.
func TestReadDrawsPictures(t *testing.T) {
	files := &memFiles{files: map[string][]byte{
		"/assets/hero.png": greenPNG(t, 400, 200),
		"/assets/d.png":    greenPNG(t, 200, 200),
	}}
	cb := servertest.StartFiles(t, blog.Config{}, files)
	cb.PutFiles(t, files.files)
	// The one image the blog lacks is published with a warning.
	if r := cb.Do(t, cb.Author, "---\ntitle: Pics\ndate: 2024-03-01\nheroImage: /assets/hero.png\n---\n\nBefore.\n\n![the diagram](/assets/d.png)\n\nAfter.\n\n![gone](/assets/gone.png)\n", "publish pics"); r.Code != 0 ||
		r.Stderr != "sshblog: publish: warning: pics: the image /assets/gone.png is not a file of the blog (scp it to HOST:assets/gone.png)\n" {
		t.Fatalf("publish pics: exit %d, stderr %q", r.Code, r.Stderr)
	}
	kittyOK := "\x1b_Gi=" + fmt.Sprint(termimage.QueryID) + ";OK\x1b\\"
	for _, tt := range []struct {
		name, answer string
		want         func(out string) bool
	}{
		{"no answer", "", func(out string) bool { return strings.Contains(out, "▀") }},
		{"DA1 only", "\x1b[?62;22c", func(out string) bool { return strings.Count(out, "▀") > 100 }},
		{"kitty", kittyOK + "\x1b[?62;22c", func(out string) bool {
			return strings.Count(out, "\x1b_Ga=T,f=100,t=d,q=2,c=") == 2 && !strings.Contains(out, "▀")
		}},
		{"sixel", "\x1b[?62;4;22c", func(out string) bool {
			return strings.Count(out, "\x1bP0;1q\"1;1;") == 2 && !strings.Contains(out, "▀") && !strings.Contains(out, "\x1b_Ga=T")
		}},
	} {
		res := cb.DoAnswering(t, cb.Reader, "read pics", 80, termimage.Query, tt.answer)
		out := res.Stdout
		if res.Code != 0 || !strings.HasPrefix(out, termimage.Query) || !tt.want(out) {
			t.Errorf("%s: exit %d, stderr %q, out:\n%q", tt.name, res.Code, res.Stderr, out)
			continue
		}
		if tt.name == "no answer" || tt.name == "DA1 only" {
			if strings.Contains(out, "\x1b_Ga=T") || strings.Contains(out, "\x1bP0;1q") {
				t.Errorf("%s: graphics sent to a terminal that did not say it has them", tt.name)
			}
		}
		// The diagram's picture is right above the line that names it.
		i := strings.Index(out, "/assets/d.png\athe diagram")
		before := out[:max(0, i)]
		if i < 0 || strings.Contains(before, "After.") || !strings.Contains(before, "Before.") || !strings.Contains(before[strings.Index(before, "Before."):], "\n  \x1b") {
			t.Errorf("%s: the picture is not above its line:\n%q", tt.name, out)
		}
		if !strings.Contains(out, "/assets/gone.png\agone") {
			t.Errorf("%s: the missing image's line is gone", tt.name)
		}
	}
	// Without a terminal: the lines only, nothing asked, no picture.
	asked := files.count()
	out := cb.OK(t, cb.Reader, "", "read pics")
	if strings.Contains(out, "\x1b") || strings.Contains(out, "▀") || !strings.Contains(out, "/assets/d.png") || files.count() != asked {
		t.Errorf("without a terminal: %q (asked %d more)", out, files.count()-asked)
	}
}
