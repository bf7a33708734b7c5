package post

import (
	"bytes"
	"regexp"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	gmtext "github.com/yuin/goldmark/text"
)

// ImageRef is one image a post shows: where, as written, and its alt text.
type ImageRef struct {
	Ref string // as written: "/assets/x.svg", "pic.png", "https://..."
	Alt string
}

// htmlImg finds the src of an <img> tag in a post's raw HTML.
var htmlImg = regexp.MustCompile(`(?i)<img\b[^>]*?\bsrc\s*=\s*["']([^"'<>]+)["']`)

// mdImage finds a markdown image, ![alt](ref ...), in a line of text.
var mdImage = regexp.MustCompile(`!\[([^\]\n]*)\]\(\s*<?([^\s)>]+)`)

// ScanImages is Images from the text alone, in time linear in its length,
// for a post too large to parse as markdown: it also finds images written
// inside code blocks.
func (p *Post) ScanImages() []ImageRef {
	l := newImageList(p)
	for _, m := range mdImage.FindAllSubmatch(p.Body, -1) {
		l.add(string(m[2]), string(m[1]))
	}
	for _, m := range htmlImg.FindAllSubmatch(p.Body, -1) {
		l.add(string(m[1]), "")
	}
	return l.out
}

// imageList gathers a post's images, each reference once, at most 1,000.
type imageList struct {
	out  []ImageRef
	seen map[string]bool
}

// newImageList starts the list of p's images with its featured one.
func newImageList(p *Post) *imageList {
	l := &imageList{seen: map[string]bool{}}
	l.add(p.Image, p.Title)
	return l
}

// add adds an image, unless its reference is empty or there already.
func (l *imageList) add(ref, alt string) {
	if ref != "" && !l.seen[ref] && len(l.out) < 1000 {
		l.seen[ref] = true
		l.out = append(l.out, ImageRef{Ref: ref, Alt: alt})
	}
}

// Images returns the images the post shows, in order: its featured image
// first, then every markdown image and every <img> of its raw HTML. The
// same reference appears once.
func (p *Post) Images() []ImageRef {
	l := newImageList(p)
	add := l.add
	body := p.Body
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(gmtext.NewReader(body))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Image:
			add(string(n.Destination), altText(n, body))
		case *ast.HTMLBlock, *ast.RawHTML:
			var raw bytes.Buffer
			if hb, ok := n.(*ast.HTMLBlock); ok {
				for i := 0; i < hb.Lines().Len(); i++ {
					seg := hb.Lines().At(i)
					raw.Write(seg.Value(body))
				}
			} else {
				segs := n.(*ast.RawHTML).Segments
				for i := 0; i < segs.Len(); i++ {
					seg := segs.At(i)
					raw.Write(seg.Value(body))
				}
			}
			for _, m := range htmlImg.FindAllSubmatch(raw.Bytes(), -1) {
				add(string(m[1]), "")
			}
		}
		return ast.WalkContinue, nil
	})
	return l.out
}

// altText is the plain text of an image's description.
func altText(n ast.Node, src []byte) string {
	var b bytes.Buffer
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			b.Write(t.Segment.Value(src))
		} else {
			b.WriteString(altText(c, src))
		}
	}
	return b.String()
}
