package termimage

import (
	"image"
	"image/color"
	"image/draw"

	"github.com/srwiley/rasterx"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// extentScanner is a rasterx.Scanner that draws each path over the
// rectangle the path covers. rasterx's ScannerGV composites every path
// over the whole canvas, and asks a gradient for every pixel of it: an
// SVG of a few dozen paths at 800 x 400 pixels cost hundreds of
// milliseconds and millions of allocations. This one records a path's
// points, sizes golang.org/x/image/vector's rasterizer to the path's
// extent, and draws there alone.
type extentScanner struct {
	dst    *image.RGBA
	r      vector.Rasterizer
	points []scanPoint
	min    fixed.Point26_6
	max    fixed.Point26_6
	src    image.Image
	clip   image.Rectangle
}

// scanPoint is a point of a path: the start of a subpath, or a line to it.
type scanPoint struct {
	p     fixed.Point26_6
	start bool
}

// funcImage is a colour function as an image.
type funcImage struct{ f rasterx.ColorFunc }

func (i funcImage) ColorModel() color.Model { return color.RGBAModel }
func (i funcImage) Bounds() image.Rectangle {
	return image.Rect(-1<<30, -1<<30, 1<<30, 1<<30)
}
func (i funcImage) At(x, y int) color.Color { return i.f(x, y) }

// newExtentScanner returns a scanner that draws on dst.
func newExtentScanner(dst *image.RGBA) *extentScanner {
	s := &extentScanner{dst: dst, src: image.NewUniform(color.Black)}
	s.Clear()
	return s
}

func (s *extentScanner) grow(p fixed.Point26_6) {
	s.min.X, s.min.Y = min(s.min.X, p.X), min(s.min.Y, p.Y)
	s.max.X, s.max.Y = max(s.max.X, p.X), max(s.max.Y, p.Y)
}

// Start starts a subpath at a.
func (s *extentScanner) Start(a fixed.Point26_6) {
	s.grow(a)
	s.points = append(s.points, scanPoint{a, true})
}

// Line adds a line to b.
func (s *extentScanner) Line(b fixed.Point26_6) {
	s.grow(b)
	s.points = append(s.points, scanPoint{b, false})
}

// GetPathExtent is the rectangle the path's points span.
func (s *extentScanner) GetPathExtent() fixed.Rectangle26_6 {
	return fixed.Rectangle26_6{Min: s.min, Max: s.max}
}

// SetBounds does nothing: the rasterizer is sized for each path.
func (s *extentScanner) SetBounds(int, int) {}

// SetColor sets what the next path is filled with: a colour or a
// gradient's colour function.
func (s *extentScanner) SetColor(c interface{}) {
	switch c := c.(type) {
	case color.Color:
		s.src = image.NewUniform(c)
	case rasterx.ColorFunc:
		s.src = funcImage{c}
	}
}

// SetWinding does nothing: the vector rasterizer fills non-zero, as
// rasterx's ScannerGV does.
func (s *extentScanner) SetWinding(bool) {}

// SetClip limits drawing to rect; the zero rectangle: no limit.
func (s *extentScanner) SetClip(rect image.Rectangle) { s.clip = rect }

// Clear forgets the path.
func (s *extentScanner) Clear() {
	const big = fixed.Int26_6(1 << 30)
	s.points = s.points[:0]
	s.min, s.max = fixed.Point26_6{X: big, Y: big}, fixed.Point26_6{X: -big, Y: -big}
}

// Draw fills the path over its extent.
func (s *extentScanner) Draw() {
	if len(s.points) == 0 {
		return
	}
	rect := image.Rect(s.min.X.Floor(), s.min.Y.Floor(), s.max.X.Ceil()+1, s.max.Y.Ceil()+1).Intersect(s.dst.Bounds())
	if s.clip != (image.Rectangle{}) {
		rect = rect.Intersect(s.clip)
	}
	if rect.Empty() {
		return
	}
	s.r.Reset(rect.Dx(), rect.Dy())
	s.r.DrawOp = draw.Over
	ox, oy := float32(rect.Min.X), float32(rect.Min.Y)
	for _, p := range s.points {
		x, y := float32(p.p.X)/64-ox, float32(p.p.Y)/64-oy
		if p.start {
			s.r.MoveTo(x, y)
		} else {
			s.r.LineTo(x, y)
		}
	}
	s.r.Draw(s.dst, rect, s.src, rect.Min)
}
