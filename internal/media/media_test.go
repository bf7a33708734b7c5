package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

// pngOf encodes a w x h picture.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is a PNG header that declares a w x h picture, with no pixels.
func hugePNG(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestInspect(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    []byte
		typ     string
		w, h    int
		refused string
	}{
		{name: "a.png", data: pngOf(t, 3, 2), typ: "image/png", w: 3, h: 2},
		{name: "A.PNG", data: pngOf(t, 1, 1), typ: "image/png", w: 1, h: 1},
		{name: "d.svg", data: []byte(`<?xml version="1.0"?><!-- c --><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 480"><rect/></svg>`), typ: "image/svg+xml", w: 640, h: 480},
		{name: "w.svg", data: []byte(`<svg width="200px" viewBox="0 0 100 50"></svg>`), typ: "image/svg+xml", w: 200, h: 100},
		{name: "s.svg", data: []byte(`<svg onload="alert(1)"><script>alert(2)</script></svg>`), typ: "image/svg+xml"},
		{name: "n.txt", data: []byte("안녕하세요\n"), typ: "text/plain; charset=utf-8"},
		{name: "x.pdf", data: []byte("%PDF-1.7\n"), typ: "application/pdf"},
		{name: "page.png", data: []byte("<!doctype html><script>alert(1)</script>"), refused: "not image/png (they look like text/html)"},
		{name: "page.txt", data: []byte("<html><script>alert(1)</script>"), refused: "not text/plain"},
		{name: "page.html", data: []byte("<html>"), refused: "the blog keeps only"},
		{name: "fake.svg", data: []byte("<html><svg></svg></html>"), refused: "not image/svg+xml"},
		{name: "huge.png", data: hugePNG(100_000, 100_000), refused: "100000 x 100000 pixels"},
		{name: "tall.png", data: hugePNG(8_000, 9_000), refused: "8000 x 9000"},
		{name: "cut.png", data: []byte("\x89PNG\r\n\x1a\nxx"), refused: "header cannot be read"},
		{name: "bin.txt", data: []byte("a\x00b"), refused: "not text/plain"},
	} {
		info, err := Inspect(tc.name, tc.data)
		if tc.refused != "" {
			if err == nil || !strings.Contains(err.Error(), tc.refused) || !strings.HasPrefix(err.Error(), tc.name+": ") {
				t.Errorf("%s: err = %v, want one naming the file and %q", tc.name, err, tc.refused)
			}
			continue
		}
		if err != nil || info.Type != tc.typ || info.Width != tc.w || info.Height != tc.h {
			t.Errorf("%s: %+v, %v; want %s %dx%d", tc.name, info, err, tc.typ, tc.w, tc.h)
		}
	}
}

// BenchmarkInspectHugePNG: a 100,000 x 100,000 PNG is refused from its
// header alone.
func BenchmarkInspectHugePNG(b *testing.B) {
	data := hugePNG(100_000, 100_000)
	for b.Loop() {
		if _, err := Inspect("x.png", data); err == nil {
			b.Fatal("taken")
		}
	}
}

func FuzzInspect(f *testing.F) {
	f.Add("a.svg", []byte(`<svg viewBox="0 0 1e308 1e308"/>`))
	f.Add("a.png", hugePNG(1, 1))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		info, err := Inspect(name, data)
		if err == nil && (info.Width > MaxSide || info.Height > MaxSide || info.Type == "") {
			t.Fatalf("%q: %+v", name, info)
		}
	})
}
