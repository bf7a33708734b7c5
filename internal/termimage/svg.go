package termimage

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/srwiley/oksvg"
	"github.com/srwiley/rasterx"
)

// SVG is rasterised by github.com/srwiley/oksvg (the document's shapes,
// paths, gradients and internal <use>) and github.com/srwiley/rasterx (the
// scanline rasteriser), both pure Go. oksvg draws shapes and nothing else:
// it runs no script, has no <foreignObject>, <image> or text, and resolves
// <use> only within the document, so nothing outside it is ever fetched.
// Before oksvg sees a document it is read once with encoding/xml, which
// refuses a DOCTYPE (no entities to expand) and counts elements, <use>
// and nesting against the limits; a document past them is refused. Go's
// XML reader expands no entity a DTD defines and fetches no DTD, so a
// DOCTYPE (draw.io and Illustrator write one) is harmless: an entity it
// would define is unknown, and the document refused.

// looksLikeSVG reports whether data's first element is <svg>.
func looksLikeSVG(data []byte) bool {
	head := data[:min(len(data), 1<<20)] // draw.io puts the whole diagram in an attribute of <svg>
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	d := xml.NewDecoder(bytes.NewReader(head))
	d.Strict = false
	for range 64 {
		tok, err := d.RawToken()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return strings.EqualFold(t.Name.Local, "svg")
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		}
	}
	return false
}

// svgInfo is what the check of an SVG document found: its declared size.
type svgInfo struct {
	width, height string // the root's attributes, as written
	viewBox       string
}

// checkSVG reads the whole document once, refusing a DOCTYPE and anything
// past the limits, and returns the root's size attributes.
func (l Limits) checkSVG(data []byte) (svgInfo, error) {
	var info svgInfo
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = xml.HTMLEntity // &nbsp; and the like, common in exported diagrams
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		if strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "us-ascii") {
			return r, nil
		}
		return nil, fmt.Errorf("charset %q", label)
	}
	nodes, uses, depth := 0, 0, 0
	defsDepth, defsNodes := 0, 0 // inside <defs> or <symbol>: how deep, and their elements
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return info, fmt.Errorf("%w: reading the svg: %v", ErrFormat, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			nodes++
			depth++
			if nodes == 1 {
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "width":
						info.width = a.Value
					case "height":
						info.height = a.Value
					case "viewBox":
						info.viewBox = a.Value
					}
				}
			}
			if defsDepth > 0 {
				defsNodes++
				defsDepth++
				if t.Name.Local == "use" {
					// A <use> in a definition expands as it is drawn,
					// each level multiplying the last: refused.
					return info, fmt.Errorf("%w: svg with <use> inside <defs>", ErrTooLarge)
				}
			} else if t.Name.Local == "defs" || t.Name.Local == "symbol" {
				defsDepth = 1
			}
			if t.Name.Local == "use" {
				uses++
			}
			if uses*defsNodes > maxSVGExpansion {
				return info, fmt.Errorf("%w: svg whose <use> would draw %d elements", ErrTooLarge, uses*defsNodes)
			}
			if nodes > l.MaxSVGNodes || uses > l.MaxSVGUses || depth > l.MaxSVGDepth {
				return info, fmt.Errorf("%w: svg past %d elements, %d <use> or %d levels", ErrTooLarge, l.MaxSVGNodes, l.MaxSVGUses, l.MaxSVGDepth)
			}
		case xml.EndElement:
			depth--
			if defsDepth > 0 {
				defsDepth--
			}
		}
	}
	if nodes == 0 {
		return info, fmt.Errorf("%w: an svg with no elements", ErrFormat)
	}
	return info, nil
}

// maxSVGExpansion bounds the elements <use> may draw: each draws at most
// every element of the definitions.
const maxSVGExpansion = 200000

// numericEntities returns data with HTML's named entities (&nbsp;),
// which oksvg's strict XML reader refuses, written as numeric ones.
func numericEntities(data []byte) []byte {
	if !bytes.Contains(data, []byte("&")) {
		return data
	}
	var out []byte
	last := 0
	for i := 0; i < len(data); i++ {
		if data[i] != '&' {
			continue
		}
		end := bytes.IndexByte(data[i:min(len(data), i+34)], ';')
		if end < 2 {
			continue
		}
		name := string(data[i+1 : i+end])
		switch name {
		case "amp", "lt", "gt", "quot", "apos":
			continue
		}
		v, ok := xml.HTMLEntity[name]
		if !ok {
			continue
		}
		out = append(out, data[last:i]...)
		for _, r := range v {
			out = append(out, "&#"+strconv.Itoa(int(r))+";"...)
		}
		last = i + end + 1
		i = last - 1
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

// svgLength reads a length attribute in pixels ("120", "120px", "2in").
// Percentages and unknown units are not lengths.
func svgLength(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	units := map[string]float64{"": 1, "px": 1, "pt": 4.0 / 3, "pc": 16, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96, "em": 16, "ex": 8}
	i := len(s)
	for i > 0 && (s[i-1] < '0' || s[i-1] > '9') && s[i-1] != '.' {
		i--
	}
	f, ok := units[strings.ToLower(s[i:])]
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v * f, true
}

// size is the SVG's natural size in pixels: width and height, or the
// viewBox's, or 300 x 150 as browsers assume.
func (i svgInfo) size() (float64, float64) {
	var vw, vh float64
	if f := strings.FieldsFunc(i.viewBox, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }); len(f) == 4 {
		a, e1 := strconv.ParseFloat(f[2], 64)
		b, e2 := strconv.ParseFloat(f[3], 64)
		if e1 == nil && e2 == nil && a > 0 && b > 0 && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
			vw, vh = a, b
		}
	}
	w, okw := svgLength(i.width)
	h, okh := svgLength(i.height)
	switch {
	case okw && okh:
		return w, h
	case okw && vw > 0:
		return w, w * vh / vw
	case okh && vh > 0:
		return h * vw / vh, h
	case vw > 0:
		return vw, vh
	}
	return 300, 150
}

// openSVG checks and parses an SVG document.
func (l Limits) openSVG(data []byte) (source, error) {
	info, err := l.checkSVG(data)
	if err != nil {
		return source{}, err
	}
	w, h := info.size()
	// The natural size only shapes the picture; it is drawn at the size
	// the terminal needs. An absurd aspect is still refused.
	if w/h > 1000 || h/w > 1000 {
		return source{}, fmt.Errorf("%w: svg of %gx%g", ErrTooLarge, w, h)
	}
	icon, err := oksvg.ReadIconStream(bytes.NewReader(numericEntities(data)), oksvg.IgnoreErrorMode)
	if err != nil {
		return source{}, fmt.Errorf("%w: parsing the svg: %v", ErrFormat, err)
	}
	if len(icon.SVGPaths) > 4*l.MaxSVGNodes {
		return source{}, fmt.Errorf("%w: svg of %d paths", ErrTooLarge, len(icon.SVGPaths))
	}
	if side := float64(l.MaxSide); w > side || h > side {
		f := side / max(w, h) // keep the aspect
		w, h = w*f, h*f
	}
	size := Size{W: max(1, int(math.Round(w))), H: max(1, int(math.Round(h)))}
	if icon.ViewBox.W <= 0 || icon.ViewBox.H <= 0 {
		icon.ViewBox.W, icon.ViewBox.H = w, h
	}
	return source{size: size, opaque: true, draw: func(pw, ph int) (*image.RGBA, error) {
		img := image.NewRGBA(image.Rect(0, 0, pw, ph))
		// Diagrams are drawn for a page, most of them on white.
		draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		icon.SetTarget(0, 0, float64(pw), float64(ph))
		icon.Draw(rasterx.NewDasher(pw, ph, newExtentScanner(img)), 1)
		return img, nil
	}}, nil
}
