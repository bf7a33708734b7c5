package termimage

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strconv"
	"testing"
)

// pngChunk is one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	_ = binary.Write(&b, binary.BigEndian, crc.Sum32())
	return b.Bytes()
}

// craftedPNG is a PNG that declares w x h RGBA pixels, whose IDAT is
// zeros deflated (a bomb when they are many).
func craftedPNG(t testing.TB, w, h uint32, zeros int) []byte {
	t.Helper()
	return craftedPNGDepth(t, w, h, zeros, 8)
}

// craftedPNGDepth is craftedPNG with depth bits a channel.
func craftedPNGDepth(t testing.TB, w, h uint32, zeros int, depth byte) []byte {
	t.Helper()
	var ihdr bytes.Buffer
	_ = binary.Write(&ihdr, binary.BigEndian, w)
	_ = binary.Write(&ihdr, binary.BigEndian, h)
	ihdr.Write([]byte{depth, 6, 0, 0, 0}) // RGBA
	var idat bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	chunk := make([]byte, 1<<16)
	for n := zeros; n > 0; n -= len(chunk) {
		_, _ = zw.Write(chunk[:min(n, len(chunk))])
	}
	_ = zw.Close()
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	b.Write(pngChunk("IHDR", ihdr.Bytes()))
	b.Write(pngChunk("IDAT", idat.Bytes()))
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

// hugeGIF is a GIF whose logical screen and frame declare w x h pixels.
func hugeGIF(w, h uint16) []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a")
	_ = binary.Write(&b, binary.LittleEndian, w)
	_ = binary.Write(&b, binary.LittleEndian, h)
	b.Write([]byte{0x80, 0, 0})             // a global table of 2 colours
	b.Write([]byte{0, 0, 0, 255, 255, 255}) // the table
	b.WriteByte(0x2c)                       // image descriptor
	_ = binary.Write(&b, binary.LittleEndian, [4]uint16{0, 0, w, h})
	b.WriteByte(0)
	b.Write([]byte{2, 2, 0x4c, 0x01, 0}) // LZW min code size 2, a tiny stream
	b.WriteByte(0x3b)
	return b.Bytes()
}

// photo is a photo-like image (gradients and noise) of w x h.
func photo(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := uint8(rng.IntN(24))
			img.SetRGBA(x, y, color.RGBA{uint8(x*255/w) + n, uint8(y*255/h) + n, uint8((x+y)*127/(w+h)) + 64, 255})
		}
	}
	return img
}

// encodePNG, encodeJPEG and encodeGIF encode img.
func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeGIF(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// diagramSVG is an SVG shaped like the diagrams of a technical blog: boxes
// with labels, arrows with markers, a gradient, a group reused with <use>.
func diagramSVG() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="800" height="400" viewBox="0 0 800 400">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#dbeafe"/><stop offset="1" stop-color="#93c5fd"/></linearGradient>
<g id="node"><rect width="140" height="60" rx="8" fill="url(#g)" stroke="#1e3a8a" stroke-width="2"/><circle cx="20" cy="30" r="8" fill="#1e3a8a"/></g></defs>
<rect width="800" height="400" fill="#ffffff"/>
`)
	for i := range 12 {
		x, y := 40+(i%4)*190, 40+(i/4)*130
		b.WriteString(`<use xlink:href="#node" x="` + itoa(x) + `" y="` + itoa(y) + `"/>`)
		b.WriteString(`<text x="` + itoa(x+40) + `" y="` + itoa(y+35) + `" font-size="14">node ` + itoa(i) + `</text>`)
		if i%4 != 3 {
			b.WriteString(`<path d="M` + itoa(x+140) + ` ` + itoa(y+30) + ` L` + itoa(x+190) + ` ` + itoa(y+30) + `" stroke="#334155" stroke-width="3" fill="none"/>`)
			b.WriteString(`<polygon points="` + itoa(x+190) + `,` + itoa(y+30) + ` ` + itoa(x+180) + `,` + itoa(y+24) + ` ` + itoa(x+180) + `,` + itoa(y+36) + `" fill="#334155"/>`)
		}
	}
	b.WriteString(`<path d="M100 380 C 300 300, 500 460, 700 380" stroke="#dc2626" stroke-width="4" stroke-dasharray="10 6" fill="none"/>`)
	b.WriteString("</svg>\n")
	return b.Bytes()
}

func itoa(i int) string { return strconv.Itoa(i) }
