package web

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"
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

	"github.com/sshblog/sshblog/internal/termtext"
)

// bodyHTML turns a post's markdown into HTML for its page and its feed
// entry. Raw HTML in the markdown is dropped (goldmark's default), links
// with unsafe schemes lose their target, code blocks are highlighted with
// Chroma's CSS classes, and the result passes through bluemonday's policy
// for user content as well, so that nothing in a post can run script in a
// reader's browser or feed reader.
type bodyHTML struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// newBodyHTML sets up the converter.
func newBodyHTML() *bodyHTML {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.DefinitionList, extension.Footnote),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(codeBlocks{}, 100))),
	)
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("class").Matching(chromaClass).OnElements("pre", "code", "span")
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[\p{L}\p{N}_-]+$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.RequireNoReferrerOnLinks(true)
	return &bodyHTML{md: md, policy: p}
}

// chromaClass matches the class attributes Chroma writes.
var chromaClass = regexp.MustCompile(`^(chroma|[a-z]{1,3}|line|cl|ln|lnt|hl)( [a-z-]{1,12})*$`)

// render converts markdown to safe HTML. Control characters a post holds
// are shown in caret notation (ESC as "^["), as in the terminal: raw, they
// would reach whoever copies the text, and XML (the feed) forbids them.
func (h *bodyHTML) render(markdown []byte) (template.HTML, error) {
	var buf bytes.Buffer
	ctx := parser.NewContext(parser.WithIDs(newHeadingIDs()))
	if err := h.md.Convert([]byte(termtext.Sanitize(string(markdown))), &buf, parser.WithContext(ctx)); err != nil {
		return "", fmt.Errorf("converting markdown: %w", err)
	}
	return template.HTML(h.policy.SanitizeBytes(buf.Bytes())), nil // #nosec: sanitised just now
}

// codeBlocks renders fenced code blocks highlighted by Chroma, with
// classes (the stylesheet holds the colours, dark and light).
type codeBlocks struct{}

// RegisterFuncs implements [renderer.NodeRenderer].
func (codeBlocks) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, renderCode)
}

// codeFormatter writes Chroma's tokens as HTML with classes.
var codeFormatter = chromahtml.New(chromahtml.WithClasses(true))

// renderCode writes one fenced code block.
func renderCode(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
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
	lang := string(block.Language(source))
	lexer := lexers.Get(lang)
	if lexer == nil {
		lexer = lexers.Fallback
	}
	it, err := chroma.Coalesce(lexer).Tokenise(nil, code.String())
	if err == nil {
		err = codeFormatter.Format(w, styles.Fallback, it)
	}
	if err != nil { // not expected; plain text, escaped, instead
		fmt.Fprintf(w, "<pre><code>%s</code></pre>", template.HTMLEscapeString(code.String()))
	}
	return ast.WalkSkipChildren, nil
}

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
