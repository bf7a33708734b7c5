// Package termimage draws pictures in terminals. It decodes an image file
// (PNG, JPEG, GIF, WebP, or SVG rasterised in Go) within fixed limits,
// scales it to a box of character cells, and encodes it for one of three
// protocols: Unicode half blocks (plain text with colours, which every
// terminal shows), the kitty graphics protocol, and sixel. It also holds
// the bytes that ask a terminal which protocols it speaks, the parser of
// its answers, and a cache of encoded pictures. It knows nothing of SSH or
// of where files are stored.
package termimage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"time"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/webp"
)

// Limits bound what decoding one image may cost. The zero value of a field
// means its default (see [DefaultLimits]).
type Limits struct {
	MaxInput    int           // bytes of an image file
	MaxPixels   int           // declared width x height of a raster image
	MaxSide     int           // declared width or height, in pixels
	Timeout     time.Duration // one decode, scale and encode
	Concurrency int           // decodes running at once, server-wide
	MaxSVGNodes int           // elements of an SVG document
	MaxSVGUses  int           // <use> elements of an SVG document
	MaxSVGDepth int           // nesting of an SVG document's elements
}

// DefaultLimits returns the limits a zero Limits stands for: files of 16
// MiB, 4096 x 4096 pixels (half for 16-bit images), 16,384 a side, 5 s,
// 2 at once; SVG of 20,000 elements, 500 <use>, 64 levels.
func DefaultLimits() Limits {
	return Limits{
		MaxInput:    16 << 20,
		MaxPixels:   4096 * 4096,
		MaxSide:     16384,
		Timeout:     5 * time.Second,
		Concurrency: 2,
		MaxSVGNodes: 20000,
		MaxSVGUses:  500,
		MaxSVGDepth: 64,
	}
}

// withDefaults returns l with each zero field set to its default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxInput > 0 {
		d.MaxInput = l.MaxInput
	}
	if l.MaxPixels > 0 {
		d.MaxPixels = l.MaxPixels
	}
	if l.MaxSide > 0 {
		d.MaxSide = l.MaxSide
	}
	if l.Timeout > 0 {
		d.Timeout = l.Timeout
	}
	if l.Concurrency > 0 {
		d.Concurrency = l.Concurrency
	}
	if l.MaxSVGNodes > 0 {
		d.MaxSVGNodes = l.MaxSVGNodes
	}
	if l.MaxSVGUses > 0 {
		d.MaxSVGUses = l.MaxSVGUses
	}
	if l.MaxSVGDepth > 0 {
		d.MaxSVGDepth = l.MaxSVGDepth
	}
	return d
}

// Errors a decode may wrap.
var (
	ErrTooLarge    = errors.New("image too large")
	ErrFormat      = errors.New("not an image this server can draw")
	ErrBusy        = errors.New("too many images being drawn")
	ErrSlow        = errors.New("image took too long to draw")
	errEmptyTarget = errors.New("no room to draw the image in")
)

// Format is an image file's format, by its first bytes.
type Format int

// The formats Decode reads.
const (
	Unknown Format = iota
	PNG
	JPEG
	GIF
	WebP
	SVG
)

// String names f.
func (f Format) String() string {
	return [...]string{"unknown", "png", "jpeg", "gif", "webp", "svg"}[max(0, min(int(f), int(SVG)))]
}

// Sniff returns the format of an image file by its first bytes (an SVG by
// its first element), never by its name.
func Sniff(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return JPEG
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return GIF
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP
	case looksLikeSVG(data):
		return SVG
	}
	return Unknown
}

// Size is an image's declared size in pixels.
type Size struct{ W, H int }

// wide16 says whether a raster image decodes to 16 bits a channel (8
// bytes a pixel), twice the memory of the usual 8.
type wide16 bool

// checkSize refuses a declared size past the limits.
func (l Limits) checkSize(s Size) error {
	if s.W <= 0 || s.H <= 0 {
		return fmt.Errorf("%w: declared size %dx%d", ErrFormat, s.W, s.H)
	}
	if s.W > l.MaxSide || s.H > l.MaxSide || s.W*s.H > l.MaxPixels {
		return fmt.Errorf("%w: declared %dx%d pixels, at most %d pixels and %d a side", ErrTooLarge, s.W, s.H, l.MaxPixels, l.MaxSide)
	}
	return nil
}

// checkDepth refuses a 16-bit image of more than half MaxPixels: the
// limit is on the memory the decoded pixels take.
func (l Limits) checkDepth(s Size, deep wide16) error {
	if deep && 2*s.W*s.H > l.MaxPixels {
		return fmt.Errorf("%w: declared %dx%d pixels of 16 bits, at most %d", ErrTooLarge, s.W, s.H, l.MaxPixels/2)
	}
	return nil
}

// rasterConfig reads a raster image's declared size, without its pixels.
func rasterConfig(f Format, data []byte) (Size, wide16, error) {
	var cfg image.Config
	var err error
	r := bytes.NewReader(data)
	switch f {
	case PNG:
		cfg, err = png.DecodeConfig(r)
	case JPEG:
		cfg, err = jpeg.DecodeConfig(r)
	case GIF:
		cfg, err = gif.DecodeConfig(r)
	case WebP:
		cfg, err = webp.DecodeConfig(r)
	default:
		return Size{}, false, ErrFormat
	}
	if err != nil {
		return Size{}, false, fmt.Errorf("%w: reading the %s header: %v", ErrFormat, f, err)
	}
	deep := cfg.ColorModel == color.RGBA64Model || cfg.ColorModel == color.NRGBA64Model || cfg.ColorModel == color.Gray16Model
	return Size{cfg.Width, cfg.Height}, wide16(deep), nil
}

// rasterDecode decodes a raster image whose size was checked.
func rasterDecode(f Format, data []byte) (image.Image, error) {
	r := bytes.NewReader(data)
	var img image.Image
	var err error
	switch f {
	case PNG:
		img, err = png.Decode(r)
	case JPEG:
		img, err = jpeg.Decode(r)
	case GIF:
		img, err = gif.Decode(r) // the first frame only
	case WebP:
		img, err = webp.Decode(r)
	default:
		return nil, ErrFormat
	}
	if err != nil {
		return nil, fmt.Errorf("%w: decoding the %s: %v", ErrFormat, f, err)
	}
	return img, nil
}

// source is an image ready to draw at any size: a decoded raster or a
// parsed SVG.
type source struct {
	size   Size                                // its natural size, in pixels
	draw   func(w, h int) (*image.RGBA, error) // draws it at w x h pixels
	opaque bool                                // drawn over white (SVG): no transparency left
}

// open checks data's declared size and prepares it for drawing. Nothing
// the size of the image is allocated before the check.
func (l Limits) open(data []byte) (source, error) {
	if len(data) > l.MaxInput {
		return source{}, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(data), l.MaxInput)
	}
	f := Sniff(data)
	switch f {
	case Unknown:
		return source{}, ErrFormat
	case SVG:
		return l.openSVG(data)
	}
	size, deep, err := rasterConfig(f, data)
	if err != nil {
		return source{}, err
	}
	if err := l.checkSize(size); err != nil {
		return source{}, err
	}
	if err := l.checkDepth(size, deep); err != nil {
		return source{}, err
	}
	img, err := rasterDecode(f, data)
	if err != nil {
		return source{}, err
	}
	return source{size: size, draw: func(w, h int) (*image.RGBA, error) { return scale(img, w, h), nil }}, nil
}

// scale draws img at w x h pixels.
func scale(img image.Image, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	b := img.Bounds()
	if b.Dx() == w && b.Dy() == h {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
		return dst
	}
	var k xdraw.Interpolator = xdraw.CatmullRom
	if b.Dx() > 4*w || b.Dy() > 4*h {
		// Large reductions: approximate first, to 2x, then smooth.
		mid := image.NewRGBA(image.Rect(0, 0, 2*w, 2*h))
		xdraw.ApproxBiLinear.Scale(mid, mid.Bounds(), img, b, draw.Src, nil)
		img, b = mid, mid.Bounds()
	}
	k.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// run runs f within the limits' time, holding one of sem's slots until f
// has returned (even past the deadline, so runaway work still counts
// against the concurrency limit). It waits for a slot no longer than ctx
// and the time limit allow.
func run[T any](ctx context.Context, sem chan struct{}, timeout time.Duration, f func() (T, error)) (T, error) {
	var zero T
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return zero, fmt.Errorf("%w: %v", ErrBusy, ctx.Err())
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { <-sem }()
		defer func() {
			if v := recover(); v != nil {
				done <- result{err: fmt.Errorf("%w: panic: %v", ErrFormat, v)}
			}
		}()
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, fmt.Errorf("%w: %v", ErrSlow, ctx.Err())
	}
}
