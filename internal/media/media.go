// Package media says what a file's bytes are: its media type, checked
// against the name it is stored under, and an image's size, read from its
// header without decoding a pixel. The blog refuses at upload what this
// package refuses, so that the web never serves a file under a type its
// bytes are not (an HTML page named .png), and an image whose declared size
// would cost a decoder gigabytes is never stored.
package media

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // DecodeConfig of GIF
	_ "image/jpeg" // DecodeConfig of JPEG
	_ "image/png"  // DecodeConfig of PNG
	"io"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	_ "golang.org/x/image/webp" // DecodeConfig of WebP
)

// MaxSide and MaxPixels bound an image's declared size: a larger one is
// refused before any pixel is decoded.
const (
	MaxSide   = 16384
	MaxPixels = 64 << 20
)

// kind is one sort of file the blog keeps.
type kind struct {
	typ   string            // the Content-Type it is served with
	image bool              // an image, with a size
	match func([]byte) bool // whether the bytes are of this sort
	size  func([]byte) (int, int, error)
}

// kinds is every sort of file the blog keeps, by extension.
var kinds = map[string]kind{
	".png":  {typ: "image/png", image: true, match: prefix("\x89PNG\r\n\x1a\n"), size: rasterSize},
	".jpg":  {typ: "image/jpeg", image: true, match: prefix("\xff\xd8\xff"), size: rasterSize},
	".jpeg": {typ: "image/jpeg", image: true, match: prefix("\xff\xd8\xff"), size: rasterSize},
	".gif":  {typ: "image/gif", image: true, match: either(prefix("GIF87a"), prefix("GIF89a")), size: rasterSize},
	".webp": {typ: "image/webp", image: true, match: isWebP, size: rasterSize},
	".avif": {typ: "image/avif", image: true, match: isAVIF},
	".svg":  {typ: "image/svg+xml", image: true, match: isSVG, size: svgSize},
	".ico":  {typ: "image/x-icon", image: true, match: prefix("\x00\x00\x01\x00")},
	".pdf":  {typ: "application/pdf", match: prefix("%PDF-")},
	".zip":  {typ: "application/zip", match: prefix("PK\x03\x04")},
	".gz":   {typ: "application/gzip", match: prefix("\x1f\x8b")},
	".tgz":  {typ: "application/gzip", match: prefix("\x1f\x8b")},
	".txt":  {typ: "text/plain; charset=utf-8", match: isText},
	".csv":  {typ: "text/csv; charset=utf-8", match: isText},
	".json": {typ: "application/json", match: isText},
}

// Known reports whether the blog keeps files named like name (by its
// extension).
func Known(name string) bool {
	_, ok := kinds[strings.ToLower(path.Ext(name))]
	return ok
}

// Info is what a file's bytes are.
type Info struct {
	Type          string // the media type it is served with
	Width, Height int    // an image's size in pixels; 0 when unknown or not an image
}

// IsImage reports whether a file of type typ is a picture.
func IsImage(typ string) bool { return strings.HasPrefix(typ, "image/") }

// Kinds returns the extensions the blog keeps, for messages.
func Kinds() string {
	return ".png .jpg .jpeg .gif .webp .avif .svg .ico .pdf .zip .gz .tgz .txt .csv .json"
}

// Inspect says what data, to be stored as name, is: an error names the
// file and why it is refused (an extension the blog does not keep, bytes
// that are not what the extension says, an image larger than MaxSide or
// MaxPixels).
func Inspect(name string, data []byte) (Info, error) {
	ext := strings.ToLower(path.Ext(name))
	k, ok := kinds[ext]
	if !ok {
		return Info{}, fmt.Errorf("%s: the blog keeps only %s files", name, Kinds())
	}
	if !k.match(data) {
		return Info{}, fmt.Errorf("%s: the bytes are not %s (they look like %s)", name, k.typ, sniff(data))
	}
	info := Info{Type: k.typ}
	if k.size != nil {
		w, h, err := k.size(data)
		if err != nil {
			return Info{}, fmt.Errorf("%s: %w", name, err)
		}
		if w > MaxSide || h > MaxSide || int64(w)*int64(h) > MaxPixels {
			return Info{}, fmt.Errorf("%s: the image says it is %d x %d pixels; the most is %d a side and %d in all", name, w, h, MaxSide, MaxPixels)
		}
		info.Width, info.Height = w, h
	}
	return info, nil
}

// sniff names what data looks like, for a refusal.
func sniff(data []byte) string {
	t := http.DetectContentType(data)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	return t
}

func prefix(p string) func([]byte) bool {
	return func(b []byte) bool { return bytes.HasPrefix(b, []byte(p)) }
}

func either(a, b func([]byte) bool) func([]byte) bool {
	return func(d []byte) bool { return a(d) || b(d) }
}

func isWebP(b []byte) bool {
	return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP"
}

func isAVIF(b []byte) bool {
	return len(b) >= 12 && string(b[4:8]) == "ftyp" && (string(b[8:12]) == "avif" || string(b[8:12]) == "avis")
}

// isText: valid UTF-8 without NUL, and not a page a browser would take for
// HTML.
func isText(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 && !strings.HasPrefix(http.DetectContentType(b), "text/html")
}

// isSVG: UTF-8 text whose first element is <svg>.
func isSVG(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	_, err := svgRoot(b)
	return err == nil
}

// rasterSize reads a raster image's declared size from its header.
func rasterSize(b []byte) (int, int, error) {
	c, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return 0, 0, fmt.Errorf("the image's header cannot be read: %w", err)
	}
	return c.Width, c.Height, nil
}

// svgRoot returns the attributes of an SVG document's root element, which
// must be <svg>. Only the prologue and the first element are read.
func svgRoot(b []byte) ([]xml.Attr, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	for range 64 { // a prologue of comments, a declaration and a doctype
		tok, err := d.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, errors.New("no <svg> element")
			}
			return nil, fmt.Errorf("not XML: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "svg" {
				return nil, fmt.Errorf("the first element is <%s>, not <svg>", se.Name.Local)
			}
			return se.Attr, nil
		}
	}
	return nil, errors.New("no <svg> element near the start")
}

// svgSize reads an SVG's size from its width and height, or its viewBox; 0
// x 0 when it says neither in pixels.
func svgSize(b []byte) (int, int, error) {
	attrs, err := svgRoot(b)
	if err != nil {
		return 0, 0, err
	}
	var w, h float64
	var box []float64
	for _, a := range attrs {
		switch a.Name.Local {
		case "width":
			w = length(a.Value)
		case "height":
			h = length(a.Value)
		case "viewBox":
			for f := range strings.FieldsFuncSeq(a.Value, func(r rune) bool { return r == ' ' || r == ',' }) {
				v, err := strconv.ParseFloat(f, 64)
				if err != nil {
					box = nil
					break
				}
				box = append(box, v)
			}
		}
	}
	if len(box) == 4 && box[2] > 0 && box[3] > 0 {
		switch {
		case w <= 0 && h <= 0:
			w, h = box[2], box[3]
		case w <= 0:
			w = h * box[2] / box[3]
		case h <= 0:
			h = w * box[3] / box[2]
		}
	}
	if w <= 0 || h <= 0 || w > math.MaxInt32 || h > math.MaxInt32 {
		return 0, 0, nil
	}
	return int(math.Round(w)), int(math.Round(h)), nil
}

// length reads an SVG length in pixels: a number, optionally with "px";
// other units (%, em) say nothing of pixels and are 0.
func length(s string) float64 {
	s = strings.TrimSuffix(strings.TrimSpace(s), "px")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}
