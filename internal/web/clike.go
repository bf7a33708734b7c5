package web

import (
	"bytes"
	"html/template"
	"strings"
	"text/scanner"
	"unicode"
)

// cLike is what tells a language of C's family apart for clikeHTML: its
// keywords, declaring keywords, types and constants.
type cLike struct {
	keywords, declarations, types, constants map[string]bool
}

// wordSet makes a set of words.
func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// cLikes are the languages clikeHTML highlights, by the names a fenced
// block gives them.
var cLikes = func() map[string]*cLike {
	java := &cLike{
		keywords: wordSet("abstract assert break case catch continue default do else extends final finally for if implements " +
			"instanceof native new private protected public return static strictfp super switch synchronized this throw throws " +
			"transient try volatile while yield record sealed permits var"),
		declarations: wordSet("class interface enum package import"),
		types:        wordSet("boolean byte char double float int long short void String Integer Long Object Optional List Map"),
		constants:    wordSet("true false null"),
	}
	ts := &cLike{
		keywords: wordSet("as async await break case catch continue debugger default delete do else export extends finally for from " +
			"if implements import in instanceof new of return super switch this throw try typeof void while with yield " +
			"private protected public readonly static abstract declare keyof satisfies"),
		declarations: wordSet("class const enum function interface let namespace type var"),
		types:        wordSet("any boolean never number object string symbol unknown bigint Promise Array Record"),
		constants:    wordSet("true false null undefined NaN Infinity"),
	}
	return map[string]*cLike{"java": java, "typescript": ts, "ts": ts, "javascript": ts, "js": ts, "tsx": ts, "jsx": ts}
}()

// clikeHTML writes code of language l highlighted with the standard
// library's text/scanner, in the classes Chroma's lexers use: exact in
// what it writes (every byte of code, escaped), coarser than Chroma in the
// classes it picks (a template literal's ${...} is one string), and some
// twenty times faster.
func clikeHTML(out *bytes.Buffer, l *cLike, code string) {
	var s scanner.Scanner
	s.Init(strings.NewReader(code))
	s.Mode = scanner.GoTokens &^ scanner.SkipComments
	s.Error = func(*scanner.Scanner, string) {} // a snippet may not be valid: not ours to report
	s.IsIdentRune = func(ch rune, i int) bool {
		return ch == '_' || ch == '$' || unicode.IsLetter(ch) || i > 0 && unicode.IsDigit(ch)
	}
	last := 0
	for tok := s.Scan(); tok != scanner.EOF; tok = s.Scan() {
		start, end := s.Position.Offset, s.Pos().Offset
		if start < last || end > len(code) || start > end {
			break // not expected; the rest is written plain below
		}
		template.HTMLEscape(out, []byte(code[last:start]))
		text := code[start:end]
		if class := l.class(tok, text, code[end:], code[:start]); class != "" {
			out.WriteString(`<span class="`)
			out.WriteString(class)
			out.WriteString(`">`)
			template.HTMLEscape(out, []byte(text))
			out.WriteString(`</span>`)
		} else {
			template.HTMLEscape(out, []byte(text))
		}
		last = end
	}
	template.HTMLEscape(out, []byte(code[last:]))
}

// class is the Chroma class of a token of l; rest is the code after it,
// before the code before it.
func (l *cLike) class(tok rune, text, rest, before string) string {
	switch tok {
	case scanner.Comment:
		if strings.HasPrefix(text, "/*") {
			return "cm"
		}
		return "c1"
	case scanner.String, scanner.RawString:
		return "s"
	case scanner.Char:
		return "s1"
	case scanner.Int:
		return "mi"
	case scanner.Float:
		return "mf"
	case scanner.Ident:
		switch {
		case strings.HasSuffix(before, "@"):
			return "nd"
		case l.declarations[text]:
			return "kd"
		case l.keywords[text]:
			return "k"
		case l.constants[text]:
			return "kc"
		case l.types[text]:
			return "kt"
		case strings.HasPrefix(strings.TrimLeft(rest, " "), "("):
			return "nf"
		}
		return "nx"
	case '@':
		return "nd"
	case '(', ')', '{', '}', '[', ']', ',', ';', '.', ':':
		return "p"
	}
	if tok < 0 || tok > 0x7f {
		return ""
	}
	return "o"
}
