package render

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"

	"github.com/sshblog/sshblog/internal/termtext"
)

// What a hostile post can cost. Glamour's time grows much faster than the
// nesting of block quotes and lists (a line under 200 quotes took 0.26 s
// at 80 columns, under 1,000 quotes 27 s and 845 MB), so nesting is capped
// before Glamour sees a document; what is left is bounded by the post's
// size (1 MiB), and a render that still runs past its time is answered
// with the post as plain text.
const (
	// MaxDepth is the deepest nesting of block quotes and lists rendered
	// as such; deeper levels are flattened into the level at MaxDepth,
	// their text kept.
	MaxDepth = 16
	// Budget is how long a caller waits for a render before it is given
	// the post as plain text instead. A render that runs past it goes on
	// (Glamour cannot be stopped) and is cached when done, but it holds
	// its place among the renders at once until then.
	Budget = 2 * time.Second
	// MaxOutput is the largest rendering kept: a larger one is replaced
	// by the plain text.
	MaxOutput = 16 << 20
	// maxCost is the most work a render may be estimated at (see cost):
	// about 4 s of Glamour on one core. A post over it is shown as plain
	// text without trying.
	maxCost = 16000
)

// roughCost estimates the work of rendering src at width from its lines
// alone, before anything is parsed (goldmark's tree of a MiB of nested
// quotes takes over 100 MiB): a block is a run of lines at one depth,
// counted as cost counts it, its depth the quote markers and list
// indentation that start its first line, capped as the render caps it.
// It is a quick first look: a document under it is still measured on its
// tree.
func roughCost(src []byte, width int) int {
	limit := depthFor(width)
	total, prev := 0, -1
	for line := range strings.Lines(string(src)) {
		d, rest := lineDepth(line)
		if strings.TrimSpace(rest) == "" {
			prev = -1
			continue
		}
		d = min(d, limit)
		if d != prev {
			total += 1 + d*d/5
			prev = d
		}
		total += len(line) / 256
	}
	return total
}

// lineDepth counts the quote markers and list indentation (two spaces a
// level) that start line, and returns the rest of it.
func lineDepth(line string) (int, string) {
	d, spaces := 0, 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '>':
			d++
			spaces = 0
		case ' ':
			spaces++
		case '\t':
			spaces += 4
		case '-', '*', '+':
			if i+1 < len(line) && line[i+1] == ' ' {
				return d + spaces/2 + 1, line[i+1:]
			}
			return d + spaces/2, line[i:]
		default:
			return d + spaces/2, line[i:]
		}
	}
	return d, ""
}

// errTooCostly is the refusal of a document estimated over maxCost.
var errTooCostly = errors.New("too costly to render")

// cost estimates the work of rendering doc, in units of about a quarter
// of a millisecond of Glamour (measured at 80 columns, Dark): each block
// without blocks inside costs 1, plus depth²/5 at its depth of quotes and
// lists (a paragraph 16 levels down took 13 ms, one at the top 0.24 ms),
// plus one per 256 bytes of its text.
func cost(doc ast.Node) int {
	total := 0
	walkBlocks(doc, func(n ast.Node, depth int) {
		if n.FirstChild() != nil && n.FirstChild().Type() == ast.TypeBlock {
			return // a container: its blocks are counted
		}
		total += 1 + depth*depth/5
		if l := n.Lines(); l != nil && l.Len() > 0 {
			total += (l.At(l.Len()-1).Stop - l.At(0).Start) / 256
		}
	})
	return total
}

// walkBlocks calls fn for every block under n with its depth of quotes and
// lists, without recursion (a document may nest thousands of levels).
func walkBlocks(n ast.Node, fn func(ast.Node, int)) {
	type at struct {
		n ast.Node
		d int
	}
	stack := []at{{n, 0}}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for c := top.n.FirstChild(); c != nil; c = c.NextSibling() {
			if c.Type() != ast.TypeBlock {
				continue
			}
			d := top.d
			if nests(c) {
				d++
			}
			fn(c, d)
			stack = append(stack, at{c, d})
		}
	}
}

// depthFor is the deepest nesting rendered at width columns: MaxDepth, or
// less on a narrow terminal, where each level takes two columns and the
// text must keep room (at 40 columns, 10 levels leave it 18).
func depthFor(width int) int {
	return min(MaxDepth, max(2, (width-20)/2))
}

// FlattenDeep returns a goldmark AST transformer that caps the nesting of
// block quotes and lists at max, as the renderer does for terminals: a
// quote or list deeper than that is replaced by its content, so the text
// stays, one level up. The web converts posts with it too: a post of
// 10,000 nested quotes cost its HTML converter hundreds of MiB.
func FlattenDeep(max int) parser.ASTTransformer { return flattenDeep{max} }

// flattenDeep is a goldmark AST transformer that caps the nesting of block
// quotes and lists at max: a quote or list deeper than that is replaced by
// its content (a list's items' content), so the text stays, one level up.
type flattenDeep struct{ max int }

// Transform implements [parser.ASTTransformer].
func (f flattenDeep) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	flatten(doc, 0, f.max)
}

// nests reports whether n adds a level of nesting.
func nests(n ast.Node) bool {
	switch n.Kind() {
	case ast.KindBlockquote, ast.KindList:
		return true
	}
	return false
}

// flatten caps the nesting under n, which is at depth. The recursion goes
// no deeper than max levels of quotes and lists, whatever the document.
func flatten(n ast.Node, depth, max int) {
	for c := n.FirstChild(); c != nil; {
		d := depth
		if nests(c) {
			d++
			if d > max {
				c = hoist(n, c)
				continue // the hoisted content is looked at again, at this depth
			}
		}
		flatten(c, d, max)
		c = c.NextSibling()
	}
}

// hoist replaces the quote or list c, a child of parent, by its content,
// and returns the first node moved (or c's next sibling if it had none).
// A tight list item's text blocks become paragraphs, so items stay apart.
func hoist(parent, c ast.Node) ast.Node {
	next := c.NextSibling()
	var moved []ast.Node
	collect := func(from ast.Node) {
		for x := from.FirstChild(); x != nil; x = x.NextSibling() {
			moved = append(moved, x)
		}
	}
	if c.Kind() == ast.KindList {
		for item := c.FirstChild(); item != nil; item = item.NextSibling() {
			collect(item)
		}
	} else {
		collect(c)
	}
	var first ast.Node
	for _, x := range moved {
		x.Parent().RemoveChild(x.Parent(), x)
		if tb, ok := x.(*ast.TextBlock); ok {
			p := ast.NewParagraph()
			p.SetLines(tb.Lines())
			for ch := tb.FirstChild(); ch != nil; {
				nx := ch.NextSibling()
				tb.RemoveChild(tb, ch)
				p.AppendChild(p, ch)
				ch = nx
			}
			x = p
		}
		parent.InsertBefore(parent, c, x)
		if first == nil {
			first = x
		}
	}
	parent.RemoveChild(parent, c)
	if first == nil {
		return next
	}
	return first
}

// TooCostly reports, from its lines alone, whether laying out markdown is
// estimated to cost more than a post may: the terminal shows such a post as
// plain text, and so does the web, whose converter and sanitiser grow with
// the blocks times their depth as Glamour does (800 KB of 16-deep quotes
// took a page build hundreds of MiB).
func TooCostly(markdown []byte) bool {
	return roughCost(markdown, MaxWidth) > maxCost
}

// Check says, without rendering, whether markdown will not be rendered as
// written: it returns one line for its author (the post is stored either
// way: the text is theirs), or "" when it renders as it is.
func Check(markdown []byte) string {
	if TooCostly(markdown) {
		return "warning: this post is too large to render in time; readers see it as plain text"
	}
	md := goldmark.New(goldmark.WithExtensions(extension.GFM, extension.DefinitionList))
	doc := md.Parser().Parse(text.NewReader([]byte(termtext.Sanitize(string(markdown)))))
	deepest := 0
	walkBlocks(doc, func(_ ast.Node, d int) { deepest = max(deepest, d) })
	flatten(doc, 0, MaxDepth)
	switch {
	case cost(doc) > maxCost:
		return "warning: this post is too large to render in time; readers see it as plain text"
	case deepest > MaxDepth:
		return fmt.Sprintf("warning: quotes or lists nest %d levels deep; readers see the levels past %d flattened", deepest, MaxDepth)
	}
	return ""
}

// fallback is markdown as plain text for width columns, under a note: what
// a reader gets when the post cannot be rendered within the budget.
func fallback(markdown []byte, width int, why string) string {
	var b strings.Builder
	for _, l := range termtext.Wrap("("+why+"; it is shown as plain text)", width) {
		b.WriteString(l + "\n")
	}
	b.WriteByte('\n')
	for line := range strings.Lines(expandTabs(termtext.Sanitize(string(markdown)))) {
		line = strings.TrimRight(line, "\n")
		if line == "" {
			b.WriteByte('\n')
			continue
		}
		for _, l := range termtext.Wrap(line, width) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
