package render

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/sshblog/sshblog/internal/termtext"
)

// MaxImages bounds the images ImageRefs returns of one post.
const MaxImages = 32

// ImageRefs returns the references of a post's images, as written: the
// featured one (if any) first, then its body's, in order, each once; at
// most MaxImages.
func ImageRefs(featured string, body []byte) []string {
	seen := map[string]bool{}
	var out []string
	add := func(ref string) {
		ref = strings.TrimSpace(ref)
		if ref != "" && !seen[ref] && len(out) < MaxImages {
			seen[ref] = true
			out = append(out, ref)
		}
	}
	add(featured)
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	src := []byte(termtext.Sanitize(string(body)))
	doc := md.Parser().Parse(text.NewReader(src))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if im, ok := n.(*ast.Image); ok && entering && len(out) < MaxImages {
			add(string(im.Destination))
		}
		return ast.WalkContinue, nil
	})
	return out
}

// ImageLine returns the index of the first line of lines, from from on,
// that names the image whose destination is dest, as a render writes an
// image ("Image: ALT → DEST", with an OSC 8 hyperlink to DEST when
// hyperlinks are on), or -1. A long name wraps: the line returned is its
// first. The pictures of a post are drawn above these lines, which thus
// serve as their alt text.
func ImageLine(lines []string, from int, dest string) int {
	dest = strings.TrimSpace(dest)
	if dest == "" {
		return -1
	}
	link := ";" + encodeDest(dest) + "\a"
	shown := strings.ReplaceAll(strings.TrimPrefix(encodeDest(dest), "./"), " ", "")
	for i := max(0, from); i < len(lines); i++ {
		l := lines[i]
		if strings.Contains(l, "\x1b]8;") && strings.Contains(l, link) {
			return i
		}
		// Without hyperlinks: "Image: ALT →" then the destination, on
		// this line or the next ones, maybe wrapped.
		if !strings.Contains(ansi.Strip(l), "Image:") {
			continue
		}
		var near strings.Builder
		for _, n := range lines[i:min(len(lines), i+4)] {
			near.WriteString(strings.ReplaceAll(ansi.Strip(n), " ", ""))
		}
		if strings.Contains(near.String(), shown) {
			return i
		}
	}
	return -1
}

// encodeDest is a destination as a render writes it: see percentEncode.
func encodeDest(dest string) string { return string(percentEncode([]byte(dest))) }
