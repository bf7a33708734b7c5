package render

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	glamouransi "charm.land/glamour/v2/ansi"
	"charm.land/glamour/v2/styles"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/sshblog/sshblog/internal/termtext"
)

// tabStop is the distance between tab stops when tabs in markdown are
// expanded. It is CommonMark's, so indentation keeps its meaning.
const tabStop = 4

// lightCodeTheme is the Chroma theme for code blocks in the Light style.
//
// Glamour registers the code colours of a style that defines its own in
// Chroma's process-wide style registry under one name, "charm", and the
// first style to render a code block wins: after a light render, dark code
// would be drawn in light colours, dark grey on black. Light therefore
// uses one of Chroma's built-in themes, and only Dark registers "charm".
const lightCodeTheme = "github"

// markdownToTerminal renders markdown at width columns in style. It is the
// uncached work behind [Renderer.Render].
//
// Every line of the result is at most width columns, the result is valid
// UTF-8, and the only escape sequences in it are SGR (colours and
// attributes) and OSC 8 hyperlinks, none at all for Plain.
func markdownToTerminal(markdown []byte, width int, style Style) (out string, err error) {
	cfg, err := styleConfig(style)
	if err != nil {
		return "", err
	}
	// Glamour and its dependencies are a lot of code to trust with any
	// input; a panic there must not take the server down.
	defer func() {
		if p := recover(); p != nil {
			out, err = "", fmt.Errorf("glamour panicked: %v", p)
		}
	}()

	src := []byte(expandTabs(termtext.Sanitize(string(markdown))))
	if roughCost(src, width) > maxCost {
		return "", errTooCostly
	}
	md := newMarkdown(cfg, width)
	doc := md.Parser().Parse(text.NewReader(src))
	if c := cost(doc); c > maxCost {
		return "", errTooCostly
	}
	var buf bytes.Buffer
	buf.Grow(4 * len(src))
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return "", fmt.Errorf("glamour: %w", err)
	}
	return fit(clean(buf.String(), style != Plain), width, true), nil
}

// newMarkdown returns a goldmark converter set up as
// glamour.NewTermRenderer sets up its own, plus [asciiLinks]. As there,
// the renderer is set after the extensions, replacing the HTML renderers
// they register. A converter holds per-document state, so it serves one
// conversion at a time; building one costs about 20µs and 33KB, under 1%
// of rendering a short post, so one is built for every render rather than
// pooled.
func newMarkdown(cfg glamouransi.StyleConfig, width int) goldmark.Markdown {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.DefinitionList),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(flattenDeep{depthFor(width)}, 100), util.Prioritized(asciiLinks{}, 0)),
		),
	)
	md.SetRenderer(renderer.NewRenderer(
		renderer.WithNodeRenderers(util.Prioritized(glamouransi.NewRenderer(glamouransi.Options{
			WordWrap: width,
			Styles:   cfg,
		}), 1000)),
	))
	return md
}

// styleConfig returns the glamour style for s.
func styleConfig(s Style) (glamouransi.StyleConfig, error) {
	switch s {
	case Plain:
		return styles.NoTTYStyleConfig, nil
	case Dark:
		return styles.DarkStyleConfig, nil
	case Light:
		cfg := styles.LightStyleConfig
		cfg.CodeBlock.Chroma = nil
		cfg.CodeBlock.Theme = lightCodeTheme
		return cfg, nil
	}
	return glamouransi.StyleConfig{}, fmt.Errorf("unknown style %v", s)
}

// asciiLinks is a goldmark AST transformer that keeps non-ASCII characters
// out of the OSC 8 hyperlinks glamour writes.
//
// x/ansi, which Lip Gloss and Glamour use to measure and wrap styled text,
// ends an OSC string at the byte 0x9C (C1 ST) even in the middle of a UTF-8
// character, and 0x9C is a continuation byte of many Hangul syllables (개,
// 게, 계...). A link to https://ko.wikipedia.org/wiki/개 thus spills the end
// of its URL onto the screen and cuts a character in half. So link and
// image destinations are percent-encoded, as a browser would encode them,
// and an autolink (<https://...> or a bare URL) whose URL is not ASCII is
// shown as plain text: its URL is its only text, and it stays readable.
type asciiLinks struct{}

// Transform implements [parser.ASTTransformer].
func (asciiLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	source := reader.Source()
	var autolinks []*ast.AutoLink
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link:
			n.Destination = percentEncode(n.Destination)
		case *ast.Image:
			n.Destination = percentEncode(n.Destination)
		case *ast.AutoLink:
			if !isASCII(n.URL(source)) {
				autolinks = append(autolinks, n)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range autolinks {
		if t := labelText(n, source); t != nil {
			n.Parent().ReplaceChild(n.Parent(), n, t)
		} else {
			// Not expected; drop the hyperlink rather than show it broken.
			n.Parent().RemoveChild(n.Parent(), n)
		}
	}
}

// labelText returns a text node for the label of n: the URL as written.
// Glamour renders text nodes from their position in the source, and an
// autolink does not expose its own, so it is recovered from the label,
// which goldmark slices out of the source. It returns nil if the label is
// not such a slice.
func labelText(n *ast.AutoLink, source []byte) *ast.Text {
	label := n.Label(source)
	start := cap(source) - cap(label)
	if len(label) == 0 || start < 0 || start+len(label) > len(source) || &source[start] != &label[0] {
		return nil
	}
	return ast.NewTextSegment(text.NewSegment(start, start+len(label)))
}

// percentEncode returns url with every byte outside printable ASCII
// percent-encoded, as RFC 3987 maps an IRI to a URI. It returns url itself
// when there is nothing to encode.
func percentEncode(url []byte) []byte {
	if isASCII(url) {
		return url
	}
	const hex = "0123456789ABCDEF"
	out := make([]byte, 0, len(url)*3)
	for _, c := range url {
		if c <= ' ' || c >= 0x7f {
			out = append(out, '%', hex[c>>4], hex[c&0xf])
		} else {
			out = append(out, c)
		}
	}
	return out
}

// isASCII reports whether b is printable ASCII only.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// expandTabs replaces each tab in s by spaces up to the next tab stop.
// Terminals put tab stops every 8 columns and [termtext.Width] counts a
// tab as none, so a tab would make any measure of a line wrong. Columns
// are display columns, so code that aligns with tabs after Hangul stays
// aligned.
func expandTabs(s string) string {
	if strings.IndexByte(s, '\t') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	col := 0
	for {
		i := strings.IndexAny(s, "\t\n")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		if s[i] == '\n' {
			b.WriteByte('\n')
			col = 0
		} else {
			col += termtext.Width(s[:i])
			n := tabStop - col%tabStop
			b.WriteString("    "[:n])
			col += n
		}
		s = s[i+1:]
	}
}

// clean returns glamour's output with every escape sequence removed except
// SGR and, if styled, OSC 8 hyperlinks, and with its text passed through
// [termtext.Sanitize] and tabs made spaces. The markdown was sanitized
// before rendering, but markdown can spell any character as an entity
// (&#x1b; is ESC), which glamour decodes; this is the last line of defence.
// It returns s itself when nothing needs changing, which is the rule.
func clean(s string, styled bool) string {
	var out []byte // nil while nothing has changed
	done := 0      // s[:done] is in out
	replace := func(i, j int, with string) {
		if out == nil {
			out = make([]byte, 0, len(s))
		}
		out = append(out, s[done:i]...)
		out = append(out, with...)
		done = j
	}
	for i := 0; i < len(s); {
		end := strings.IndexByte(s[i:], ansi.ESC)
		if end < 0 {
			end = len(s)
		} else {
			end += i
		}
		if t := s[i:end]; t != "" {
			if c := strings.ReplaceAll(termtext.Sanitize(t), "\t", " "); c != t {
				replace(i, end, c)
			}
		}
		if end == len(s) {
			break
		}
		n, ok := sgrLen(s[end:]), true
		if n == 0 {
			n = osc8Len(s[end:])
		}
		if n == 0 {
			_, _, n, _ = ansi.DecodeSequence(s[end:], ansi.NormalState, nil)
			n = max(n, 1)
			ok = false
		}
		if !ok || !styled {
			replace(end, end+n, "")
		}
		i = end + n
	}
	if out == nil {
		return s
	}
	return string(append(out, s[done:]...))
}

// withoutHyperlinks returns s without its OSC 8 hyperlink sequences; the
// text they wrap stays.
func withoutHyperlinks(s string) string {
	const start = "\x1b]8;"
	if !strings.Contains(s, start) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, start)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		n := osc8Len(s[i:])
		if n == 0 { // not a whole sequence: left as clean left it
			b.WriteString(start)
			n = len(start)
		}
		s = s[i+n:]
	}
}

// sgrLen returns the length of the SGR sequence (ESC [ params m) at the
// start of s, or 0 if there is none.
func sgrLen(s string) int {
	if !strings.HasPrefix(s, "\x1b[") {
		return 0
	}
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case c >= '0' && c <= '9', c == ';', c == ':':
		default:
			return 0
		}
	}
	return 0
}

// osc8Len returns the length of the OSC 8 hyperlink sequence at the start
// of s, ended by BEL or ST, or 0 if there is none or its parameters or URL
// hold anything [termtext.Sanitize] would change. Unlike x/ansi's parser it
// reads the URL as UTF-8, in which a byte 0x9C is no terminator.
func osc8Len(s string) int {
	const prefix = "\x1b]8;"
	if !strings.HasPrefix(s, prefix) {
		return 0
	}
	for i := len(prefix); i < len(s); i++ {
		n := 0
		switch {
		case s[i] == ansi.BEL:
			n = i + 1
		case s[i] == ansi.ESC && i+1 < len(s) && s[i+1] == '\\':
			n = i + 2
		case s[i] < ' ' || s[i] == ansi.DEL:
			return 0
		default:
			continue
		}
		if body := s[len(prefix):i]; termtext.Sanitize(body) != body {
			return 0
		}
		return n
	}
	return 0
}

// fit makes every line of s at most width columns. Glamour keeps within
// the width it is given, margins included, but a line it cannot break
// must not break the promise either: such a line is wrapped between
// grapheme clusters, with SGR styling and hyperlinks carried over. With
// trimRight it also drops the padding glamour ends every line with (see
// trimPadding).
func fit(s string, width int, trimRight bool) string {
	var b strings.Builder
	changed := false
	for rest := s; ; {
		line, tail, more := strings.Cut(rest, "\n")
		fitted := line
		if trimRight {
			fitted = trimPadding(fitted)
		}
		if termtext.Width(fitted) > width {
			fitted = hardwrap(fitted, width)
		}
		if fitted != line && !changed {
			changed = true
			b.Grow(len(s))
			b.WriteString(s[:len(s)-len(rest)])
		}
		if changed {
			b.WriteString(fitted)
			if more {
				b.WriteByte('\n')
			}
		}
		if !more {
			break
		}
		rest = tail
	}
	if !changed {
		return s
	}
	// A copy of its own: the builder's buffer was sized for s, padding and
	// all, and the cache counts what the string holds.
	return strings.Clone(b.String())
}

// trimPadding returns line without the padding glamour ends it with: the
// spaces up to the full width, each of which it wraps in colour codes of
// its own (an 8.9 KB post was sent as 216 KB, 12,009 coloured spaces).
// What goes is a tail of spaces and SGR sequences; if any SGR went, one
// reset takes their place, so that no style opened before the tail stays
// open. Padding painted with a background colour shows, and stays.
func trimPadding(line string) string {
	i, sgr := len(line), false
	for i > 0 {
		if line[i-1] == ' ' {
			i--
			continue
		}
		if line[i-1] != 'm' {
			break
		}
		j := strings.LastIndex(line[:i], "\x1b[")
		if j < 0 || sgrLen(line[j:i]) != i-j {
			break
		}
		if hasBackground(line[j:i]) {
			// Painted: keep it, up to and with the sequence that ends it.
			k := i + strings.Index(line[i:], "\x1b[")
			if k < i {
				return line
			}
			i = k + sgrLen(line[k:])
			break
		}
		i, sgr = j, true
	}
	if i == len(line) {
		return line
	}
	if sgr {
		return line[:i] + "\x1b[m"
	}
	return line[:i]
}

// hasBackground reports whether the SGR sequence seq sets a background
// colour (40-47, 48;..., 100-107).
func hasBackground(seq string) bool {
	params := strings.TrimSuffix(strings.TrimPrefix(seq, "\x1b["), "m")
	fields := strings.Split(params, ";")
	for k := 0; k < len(fields); k++ {
		n, err := strconv.Atoi(fields[k])
		if err != nil {
			continue
		}
		switch {
		case n == 38: // a foreground colour's own parameters
			k += 2
			if k < len(fields) && fields[k-1] == "2" {
				k += 2
			}
		case n >= 40 && n <= 48, n >= 100 && n <= 107:
			return true
		}
	}
	return false
}

// hardwrap breaks line into lines of at most width columns, between
// grapheme clusters, closing and reopening styles and hyperlinks around
// each break as Lip Gloss does.
func hardwrap(line string, width int) string {
	wrapped := ansi.Hardwrap(line, width, false)
	var b strings.Builder
	w := lipgloss.NewWrapWriter(&b)
	_, _ = w.Write([]byte(wrapped)) // a strings.Builder does not fail
	_ = w.Close()
	// Hardwrap keeps within width by construction; the loop below only
	// makes that a guarantee rather than a belief.
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		if termtext.Width(l) > width {
			lines[i] = termtext.Truncate(l, width, "")
		}
	}
	return strings.Join(lines, "\n")
}
