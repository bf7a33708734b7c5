package web

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"strings"

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
	if err := h.md.Convert([]byte(termtext.Sanitize(string(markdown))), &buf); err != nil {
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
// dark one for readers whose system prefers it.
func codeCSS() string {
	var light, dark strings.Builder
	codeFormatter.WriteCSS(&light, styles.Get("github"))
	codeFormatter.WriteCSS(&dark, styles.Get("github-dark"))
	return light.String() + "\n@media (prefers-color-scheme: dark) {\n" + dark.String() + "}\n"
}
