package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"

	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/termtext"
)

// bodyHTML turns a post's markdown into HTML for its page and its feed
// entry. Raw HTML in the markdown is dropped (goldmark's default), links
// with unsafe schemes lose their target, and the result passes through
// bluemonday's policy for user content as well, so that nothing in a post
// can run script in a reader's browser or feed reader. Code blocks are
// highlighted with Chroma's CSS classes by codeHTML, which escapes every
// token and writes no attribute but its own classes: they are set in
// after the sanitising, which would cost more than the rest of the page
// for their many spans.
type bodyHTML struct {
	converters sync.Pool // of *converter
	policy     *bluemonday.Policy
}

// converter is a goldmark converter with the code blocks of the
// conversion under way: one conversion at a time.
type converter struct {
	md     goldmark.Markdown
	codes  *codeSet
	images *imageSet
}

// newConverter makes a converter.
func newConverter() *converter {
	c := &converter{codes: &codeSet{}, images: &imageSet{}}
	c.md = goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.DefinitionList, extension.Footnote),
		goldmark.WithParserOptions(parser.WithAutoHeadingID(),
			// Nesting bounded as in the terminal: what a post of thousands of
			// nested quotes costs grows far faster than its size.
			parser.WithASTTransformers(util.Prioritized(render.FlattenDeep(render.MaxDepth), 100))),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(
			util.Prioritized(codeBlocks{c.codes}, 100), util.Prioritized(imageNodes{c.images}, 100))),
	)
	return c
}

// newBodyHTML sets up the converter.
func newBodyHTML() *bodyHTML {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\p{L}\p{N}_-]+$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("loading").Matching(regexp.MustCompile(`^lazy$`)).OnElements("img")
	p.AllowAttrs("decoding").Matching(regexp.MustCompile(`^async$`)).OnElements("img")
	p.RequireNoReferrerOnLinks(true)
	return &bodyHTML{policy: p, converters: sync.Pool{New: func() any { return newConverter() }}}
}

// codeSet is the code blocks of one conversion, highlighted, and the mark
// that stands for each in the HTML until they are set in: a random
// nonce, so that no post can write one.
type codeSet struct {
	nonce  string
	blocks []codeBlock
}

// codeBlock is one fenced code block: its language and code, then its
// HTML.
type codeBlock struct {
	lang, code string
	html       []byte
}

// mark is the placeholder of block i.
func (c *codeSet) mark(i int) string { return "sshblog-code-" + c.nonce + "-" + strconv.Itoa(i) }

// render converts markdown to safe HTML. Control characters a post holds
// are shown in caret notation (ESC as "^["), as in the terminal: raw, they
// would reach whoever copies the text, and XML (the feed) forbids them.
// images, if not nil, says where each image the post shows is and its
// size; the paths of the blog's files it named are returned.
func (h *bodyHTML) render(markdown []byte, images imageResolver) (template.HTML, []string, error) {
	if render.TooCostly(markdown) {
		return template.HTML(`<p class="meta">This post is too large to lay out; it is shown as plain text.</p>` +
			"<pre>" + template.HTMLEscapeString(termtext.Sanitize(string(markdown))) + "</pre>"), nil, nil // #nosec: escaped just now
	}
	c := h.converters.Get().(*converter)
	defer h.converters.Put(c)
	*c.images = imageSet{resolve: images}
	body, err := h.convert(c, markdown)
	return body, c.images.used, err
}

// convert is render with a converter.
func (h *bodyHTML) convert(c *converter, markdown []byte) (template.HTML, error) {
	var nonce [12]byte
	rand.Read(nonce[:]) // never fails
	codes := c.codes
	*codes = codeSet{nonce: hex.EncodeToString(nonce[:])}
	var buf bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(newHeadingIDs()))
	if err := c.md.Convert([]byte(termtext.Sanitize(string(markdown))), &buf, parser.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("converting markdown: %w", err)
	}
	// The code blocks are highlighted meanwhile, as many at once as
	// there are CPUs: they are most of the work.
	var wg sync.WaitGroup
	next := make(chan *codeBlock)
	for range min(len(codes.blocks), runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range next {
				b.html = codeHTML(b.lang, b.code)
			}
		}()
	}
	for i := range codes.blocks {
		next <- &codes.blocks[i]
	}
	close(next)
	safe := h.policy.SanitizeBytes(buf.Bytes())
	wg.Wait()
	if len(codes.blocks) == 0 {
		return template.HTML(safe), nil // #nosec: sanitised just now
	}
	out := make([]byte, 0, len(safe)+len(codes.blocks)*512)
	for i, b := range codes.blocks {
		code := b.html
		at := bytes.Index(safe, []byte("<p>"+codes.mark(i)+"</p>"))
		if at < 0 { // not expected: the mark is plain text
			continue
		}
		out = append(out, safe[:at]...)
		out = append(out, code...)
		safe = safe[at+len("<p>"+codes.mark(i)+"</p>"):]
	}
	out = append(out, safe...)
	return template.HTML(out), nil // #nosec: sanitised, and code escaped by codeHTML
}

// imageResolver says where an image the post shows, ref as written, is:
// src, the address to write; the picture's size when known (0 else); and
// path, the blog file it names ("" for none).
type imageResolver func(ref string) (src string, width, height int, path string)

// imageSet is the images of one conversion: how to find them, and the
// blog's files they named.
type imageSet struct {
	resolve imageResolver
	used    []string
}

// imageNodes renders images with their size, when the blog has the file,
// and as lazy: a browser reserves their room and fetches them as they
// come near.
type imageNodes struct{ set *imageSet }

// RegisterFuncs implements [renderer.NodeRenderer].
func (r imageNodes) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindImage, r.render)
}

func (r imageNodes) render(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	img := n.(*ast.Image)
	src := string(util.URLEscape(img.Destination, true))
	var width, height int
	if r.set.resolve != nil {
		var p string
		src, width, height, p = r.set.resolve(string(img.Destination))
		if p != "" {
			r.set.used = append(r.set.used, p)
		}
	}
	fmt.Fprintf(w, `<img src="%s" alt="%s"`, html.EscapeString(src), html.EscapeString(plainText(n, source)))
	if len(img.Title) > 0 {
		fmt.Fprintf(w, ` title="%s"`, html.EscapeString(string(img.Title)))
	}
	if width > 0 && height > 0 {
		fmt.Fprintf(w, ` width="%d" height="%d"`, width, height)
	}
	_, _ = w.WriteString(` loading="lazy" decoding="async">`)
	return ast.WalkSkipChildren, nil
}

// plainText is the text of n's children, as an image's alt text.
func plainText(n ast.Node, source []byte) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(source))
		case *ast.String:
			b.Write(c.Value)
		default:
			b.WriteString(plainText(c, source))
		}
	}
	return b.String()
}

// codeBlocks renders fenced code blocks as marks, keeping each highlighted
// (see codeSet).
type codeBlocks struct{ codes *codeSet }

// RegisterFuncs implements [renderer.NodeRenderer].
func (c codeBlocks) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, c.render)
}

// render writes one fenced code block's mark and keeps its HTML.
func (c codeBlocks) render(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	block := n.(*ast.FencedCodeBlock)
	var code bytes.Buffer
	lines := block.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		code.Write(seg.Value(source))
	}
	c.codes.blocks = append(c.codes.blocks, codeBlock{lang: string(block.Language(source)), code: code.String()})
	fmt.Fprintf(w, "<p>%s</p>\n", c.codes.mark(len(c.codes.blocks)-1))
	return ast.WalkSkipChildren, nil
}

// codeHTML is code in lang highlighted: <pre class="chroma"><code> with a
// span of Chroma's class around each token that has one. Every token is
// escaped; nothing else is written.
func codeHTML(lang, code string) []byte {
	var out bytes.Buffer
	out.WriteString(`<pre class="chroma"><code>`)
	if (lang == "go" || lang == "golang") && goHTML(&out, code) {
		out.WriteString("</code></pre>\n")
		return out.Bytes()
	}
	if lang == "yaml" || lang == "yml" {
		yamlHTML(&out, code)
		out.WriteString("</code></pre>\n")
		return out.Bytes()
	}
	switch strings.ToLower(lang) {
	case "bash", "sh", "shell", "zsh", "console", "shell-session":
		shellHTML(&out, code)
		out.WriteString("</code></pre>\n")
		return out.Bytes()
	}
	if l, ok := cLikes[strings.ToLower(lang)]; ok {
		clikeHTML(&out, l, code)
		out.WriteString("</code></pre>\n")
		return out.Bytes()
	}
	lexer := lexers.Get(lang)
	if lexer == nil {
		lexer = lexers.Fallback
	}
	it, err := chroma.Coalesce(lexer).Tokenise(nil, code)
	if err != nil { // not expected; plain text, escaped, instead
		template.HTMLEscape(&out, []byte(code))
	} else {
		for t := it(); t != chroma.EOF; t = it() {
			class := chroma.StandardTypes[t.Type]
			if class == "" || t.Type == chroma.Text || t.Type == chroma.TextWhitespace {
				template.HTMLEscape(&out, []byte(t.Value))
				continue
			}
			out.WriteString(`<span class="`)
			out.WriteString(class)
			out.WriteString(`">`)
			template.HTMLEscape(&out, []byte(t.Value))
			out.WriteString(`</span>`)
		}
	}
	out.WriteString("</code></pre>\n")
	return out.Bytes()
}

// codeFormatter writes the stylesheet of Chroma's classes.
var codeFormatter = chromahtml.New(chromahtml.WithClasses(true))

// codeCSS is the stylesheet of highlighted code: a light theme, and a
// dark one for readers whose system prefers it. The themes' backgrounds are
// left out: a code block has the page's code background (style.css), a
// box set apart from the page in both themes, where the themes' own
// equalled the page's.
func codeCSS() string {
	var light, dark strings.Builder
	codeFormatter.WriteCSS(&light, styles.Get("github"))
	codeFormatter.WriteCSS(&dark, styles.Get("github-dark"))
	return withoutBackground(light.String()) + "\n@media (prefers-color-scheme: dark) {\n" + withoutBackground(dark.String()) + "}\n"
}

// withoutBackground drops the rules of Chroma's CSS that paint the
// background of a whole block.
func withoutBackground(css string) string {
	var b strings.Builder
	for line := range strings.Lines(css) {
		if strings.HasPrefix(line, "/* Background */") || strings.HasPrefix(line, "/* PreWrapper */") {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// headingIDs gives headings ids made of their words in any script, so that
// Korean headings get "들어가며", not goldmark's "heading", "heading-1" (its
// ids keep ASCII letters only). Letters are lower-cased, spaces become
// hyphens, other characters are dropped; a repeated id gets -1, -2.
type headingIDs struct {
	seen map[string]bool
}

// newHeadingIDs returns the ids of one document.
func newHeadingIDs() *headingIDs { return &headingIDs{seen: map[string]bool{}} }

// Generate returns a new id for a heading (or other node) of text value.
func (h *headingIDs) Generate(value []byte, kind ast.NodeKind) []byte {
	var b strings.Builder
	dash := false
	for _, r := range strings.TrimSpace(string(value)) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '_':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r) || r == '-':
			dash = true
		}
	}
	id := b.String()
	if id == "" {
		id = "section"
		if kind != ast.KindHeading {
			id = "id"
		}
	}
	unique := id
	for i := 1; h.seen[unique]; i++ {
		unique = id + "-" + strconv.Itoa(i)
	}
	h.seen[unique] = true
	return []byte(unique)
}

// Put notes an id a heading was given by hand ({#id}).
func (h *headingIDs) Put(value []byte) { h.seen[string(value)] = true }
