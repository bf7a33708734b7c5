package termimage

import (
	"bytes"
	"image"
	"testing"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"
)

// TestExtentScanner draws the diagram with rasterx's own scanner and with
// extentScanner: the pictures are the same, to rounding (1 in 255).
func TestExtentScanner(t *testing.T) {
	icon, err := oksvg.ReadIconStream(bytes.NewReader(diagramSVG()), oksvg.IgnoreErrorMode)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []image.Point{{800, 400}, {80, 40}, {37, 19}} {
		icon.SetTarget(0, 0, float64(size.X), float64(size.Y))
		a := image.NewRGBA(image.Rectangle{Max: size})
		icon.Draw(rasterx.NewDasher(size.X, size.Y, rasterx.NewScannerGV(size.X, size.Y, a, a.Bounds())), 1)
		b := image.NewRGBA(image.Rectangle{Max: size})
		icon.Draw(rasterx.NewDasher(size.X, size.Y, newExtentScanner(b)), 1)
		painted := 0
		for i := range a.Pix {
			if d := int(a.Pix[i]) - int(b.Pix[i]); d > 1 || d < -1 {
				t.Fatalf("%v: byte %d differs: %d against %d", size, i, a.Pix[i], b.Pix[i])
			}
			if b.Pix[i] != 0 {
				painted++
			}
		}
		if painted < len(b.Pix)/2 {
			t.Fatalf("%v: only %d of %d bytes painted", size, painted, len(b.Pix))
		}
	}
}
