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
	var out []ImageRef
	seen := map[string]bool{}
	add := func(ref, alt string) {
		if ref != "" && !seen[ref] && len(out) < 1000 {
			seen[ref] = true
			out = append(out, ImageRef{Ref: ref, Alt: alt})
		}
	}
	add(p.Image, p.Title)
	for _, m := range mdImage.FindAllSubmatch(p.Body, -1) {
		add(string(m[2]), string(m[1]))
	}
	for _, m := range htmlImg.FindAllSubmatch(p.Body, -1) {
		add(string(m[1]), "")
	}
	return out
}

// Images returns the images the post shows, in order: its featured image
// first, then every markdown image and every <img> of its raw HTML. The
// same reference appears once.
func (p *Post) Images() []ImageRef {
	var out []ImageRef
	seen := map[string]bool{}
	add := func(ref, alt string) {
		if ref != "" && !seen[ref] && len(out) < 1000 {
			seen[ref] = true
			out = append(out, ImageRef{Ref: ref, Alt: alt})
		}
	}
	add(p.Image, p.Title)
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
	return out
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
