package termimage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// FuzzDecode feeds any bytes to the decoder: it never panics, never takes
// longer than its limit, and what it draws is as wide as it says. Seeds
// are each format, and the hostile files of TestHostileRaster.
func FuzzDecode(f *testing.F) {
	f.Add(encodePNG(f, photo(16, 8)))
	f.Add(encodeJPEG(f, photo(16, 8)))
	f.Add(encodeGIF(f, photo(16, 8)))
	f.Add(diagramSVG())
	f.Add(craftedPNG(f, 100000, 100000, 1024))
	f.Add(craftedPNG(f, 64, 64, 1<<20))
	f.Add(hugeGIF(65535, 65535))
	f.Add([]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="x()"><script>x()</script><foreignObject/><image href="http://127.0.0.1:1/x"/><circle r="3"/></svg>`))
	f.Add([]byte("RIFF\x10\x00\x00\x00WEBPVP8L\x04\x00\x00\x00\x2f\xff\xff\xff"))
	r := NewRenderer(Limits{MaxPixels: 1 << 20, MaxSide: 4096, Timeout: 2 * time.Second, Concurrency: 1}, 0)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, proto := range []Protocol{Blocks24, Kitty} {
			pic, err := r.Draw(context.Background(), data, Request{Cols: 20, MaxRows: 8, Protocol: proto})
			if err != nil {
				if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrSlow) && !errors.Is(err, ErrBusy) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				continue
			}
			if pic.Cols < 1 || pic.Cols > 20 || pic.Rows < 1 || pic.Rows > 8 {
				t.Fatalf("%v picture of %d x %d cells for a 20 x 8 box", proto, pic.Cols, pic.Rows)
			}
			for _, l := range pic.Lines(1) {
				if w := ansi.StringWidth(l); w != pic.Cols {
					t.Fatalf("%v line %d columns, want %d", proto, w, pic.Cols)
				}
			}
		}
	})
}

// FuzzDetector feeds any input, in pieces of any size, to the reader of
// the terminal's answers: it never panics and keeps little.
func FuzzDetector(f *testing.F) {
	f.Add([]byte("\x1b_Gi=7311;OK\x1b\\\x1b[?62;4c"), 3)
	f.Add([]byte("\x1b[?1;2c"), 1)
	f.Add([]byte("\x1b_G\x1b[\x1b"), 2)
	f.Fuzz(func(t *testing.T, in []byte, step int) {
		step = max(1, step%64+1)
		var d Detector
		for len(in) > 0 {
			n := min(step, len(in))
			d.Feed(in[:n])
			in = in[n:]
			if len(d.buf) > maxPending+step {
				t.Fatalf("keeps %d bytes", len(d.buf))
			}
		}
	})
}
