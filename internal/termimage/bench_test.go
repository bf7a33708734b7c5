package termimage

import (
	"context"
	"testing"
)

// BenchmarkSVGDiagram decodes and draws a diagram shaped like the blog's
// (boxes, labels, arrows, a gradient, <use>) at 80 columns, no cache.
func BenchmarkSVGDiagram(b *testing.B) {
	benchDraw(b, diagramSVG())
}

// BenchmarkPhotoJPEG decodes and draws a 4000 x 3000 JPEG (a phone's
// photo) at 80 columns, no cache.
func BenchmarkPhotoJPEG(b *testing.B) {
	benchDraw(b, encodeJPEG(b, photo(4000, 3000)))
}

func benchDraw(b *testing.B, data []byte) {
	r := NewRenderer(Limits{}, 0)
	for _, proto := range []Protocol{Blocks24, Kitty, Sixel} {
		b.Run(proto.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Draw(context.Background(), data, Request{Cols: 80, MaxRows: 20, Protocol: proto}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCached is a picture from the cache.
func BenchmarkCached(b *testing.B) {
	r := NewRenderer(Limits{}, 1<<20)
	data := diagramSVG()
	req := Request{Cols: 80, MaxRows: 20, Protocol: Blocks24}
	if _, err := r.Picture(context.Background(), "k", data, req); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := r.Picture(context.Background(), "k", data, req); err != nil {
			b.Fatal(err)
		}
	}
}
