package post

import (
	"github.com/sshblog/sshblog/internal/parseerr"

	"bytes"
	"errors"
	"fmt"

	"github.com/BurntSushi/toml"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// ErrFrontMatter is returned, wrapped in a one-line message saying what is
// wrong and where, when a post's front matter cannot be read: it is never
// closed, too large, not valid YAML or TOML, not a mapping, or a field such
// as the date cannot be understood.
var ErrFrontMatter = errors.New("invalid front matter")

// MaxFrontMatterSize is the largest front matter, delimiters excluded, in
// bytes. Real front matter is a few hundred bytes; the bound keeps the time
// to parse a post small, as YAML parsers slow down steeply on huge documents.
const MaxFrontMatterSize = 64 << 10

// maxYAMLDepth bounds how deeply YAML front matter may nest, for the same
// reason as MaxFrontMatterSize.
const maxYAMLDepth = 100

// bom is the UTF-8 byte order mark.
const bom = "\uFEFF"

// format is a front matter format.
type format int

const (
	formatNone format = iota
	formatYAML        // between --- lines
	formatTOML        // between +++ lines
)

// frontMatter is the front matter found at the start of a post.
type frontMatter struct {
	format format
	// text is what to decode. For YAML it starts at the opening ---, which
	// YAML reads as the start of a document, so that the line numbers in the
	// decoder's errors are the post's; for TOML it starts on the line after
	// +++, line 2 of the post.
	text []byte
	// body is the offset of the body: after the closing delimiter's line,
	// or after the byte order mark when there is no front matter.
	body int
}

// splitFrontMatter finds the front matter at the very start of src, after
// an optional byte order mark: a line ---, YAML, and a line --- (or ...); or
// a line +++, TOML, and a line +++. Delimiter lines may end in spaces, tabs
// and CR. Without an opening delimiter all of src is body.
func splitFrontMatter(src []byte) (frontMatter, error) {
	start := 0
	if bytes.HasPrefix(src, []byte(bom)) {
		start = len(bom)
	}
	first, inner := nextLine(src, start)
	fm := frontMatter{body: start}
	switch string(first) {
	case "---":
		fm.format = formatYAML
	case "+++":
		fm.format = formatTOML
	default:
		return fm, nil
	}
	for off := inner; off < len(src); {
		line, next := nextLine(src, off)
		if bytes.Equal(line, first) || fm.format == formatYAML && string(line) == "..." {
			if off-inner > MaxFrontMatterSize {
				return frontMatter{}, fmt.Errorf("%w: larger than %s", ErrFrontMatter, FormatSize(MaxFrontMatterSize))
			}
			fm.text = src[inner:off]
			if fm.format == formatYAML {
				fm.text = src[start:off]
			}
			fm.body = next
			return fm, nil
		}
		off = next
	}
	return frontMatter{}, fmt.Errorf("%w: the %s on line 1 is never closed", ErrFrontMatter, first)
}

// nextLine returns the line starting at src[off], without its line ending
// and trailing spaces and tabs, and the offset of the next line.
func nextLine(src []byte, off int) (line []byte, next int) {
	line = src[off:]
	next = len(src)
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line, next = line[:i], off+i+1
	}
	return bytes.TrimRight(line, " \t\r"), next
}

// decode decodes the front matter into a map; no front matter is an empty
// map.
func (fm frontMatter) decode() (map[string]any, error) {
	switch fm.format {
	case formatYAML:
		return recoverDecode("YAML", func() (map[string]any, error) { return decodeYAML(fm.text) })
	case formatTOML:
		return recoverDecode("TOML", func() (map[string]any, error) { return decodeTOML(fm.text) })
	}
	return map[string]any{}, nil
}

// recoverDecode calls decode and turns a panic in it into an error wrapping
// ErrFrontMatter. The YAML and TOML decoders are large third-party parsers
// that have panicked on malformed input before (goccy/go-yaml issues 540 and
// 718), and a malformed post must not take the server down. FuzzParse fails
// on such an error, so a bug there is still found.
func recoverDecode(format string, decode func() (map[string]any, error)) (m map[string]any, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("%w: the %s decoder failed: %s", ErrFrontMatter, format, parseerr.OneLine(fmt.Sprint(r)))
		}
	}()
	return decode()
}

// decodeYAML decodes YAML front matter, which must be a mapping, or empty.
func decodeYAML(text []byte) (map[string]any, error) {
	tokens := lexer.Tokenize(string(text))
	if yamlDepth(tokens) > maxYAMLDepth {
		return nil, fmt.Errorf("%w: nested more than %d levels deep", ErrFrontMatter, maxYAMLDepth)
	}
	f, err := parser.Parse(tokens, 0)
	if err != nil {
		return nil, yamlError(err)
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc.Body == nil {
			continue
		}
		if body != nil {
			return nil, fmt.Errorf("%w: a second YAML document", ErrFrontMatter)
		}
		body = doc.Body
	}
	if body == nil {
		return map[string]any{}, nil
	}
	var v any
	if err := yaml.NodeToValue(body, &v); err != nil {
		return nil, yamlError(err)
	}
	switch v := v.(type) {
	case map[string]any:
		return v, nil
	case nil:
		return map[string]any{}, nil
	}
	return nil, fmt.Errorf("%w: the YAML is %s, not a mapping of keys to values", ErrFrontMatter, kind(v))
}

// kind names the kind of a decoded YAML value that is not a mapping, for a
// message.
func kind(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "text"
	}
	return "a single value"
}

// yamlDepth estimates how deeply the YAML in tokens nests, without parsing
// it: flow collections are counted exactly; block nesting is bounded by the
// indentation levels open on a line plus the block indicators (-, ?, :) on
// it. The parser is only run on YAML this estimate finds shallow.
func yamlDepth(tokens token.Tokens) int {
	var (
		depth, flow, indicators int
		line                    = -1
		indents                 []int // columns of the open indentation levels
	)
	for _, tk := range tokens {
		if tk.Type == token.CommentType {
			continue
		}
		if tk.Position.Line != line {
			line, indicators = tk.Position.Line, 0
			if flow == 0 {
				col := tk.Position.Column
				for len(indents) > 0 && indents[len(indents)-1] > col {
					indents = indents[:len(indents)-1]
				}
				if len(indents) == 0 || indents[len(indents)-1] < col {
					indents = append(indents, col)
				}
			}
		}
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType, token.MappingKeyType, token.MappingValueType:
			if flow == 0 {
				indicators++
			}
		}
		depth = max(depth, len(indents)+indicators+flow)
	}
	return depth
}

// decodeTOML decodes TOML front matter.
func decodeTOML(text []byte) (map[string]any, error) {
	m := map[string]any{}
	if _, err := toml.Decode(string(text), &m); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			// text starts on line 2 of the post.
			return nil, fmt.Errorf("%w: line %d: %s", ErrFrontMatter, pe.Position.Line+1, parseerr.OneLine(pe.Message))
		}
		return nil, fmt.Errorf("%w: %s", ErrFrontMatter, parseerr.OneLine(err.Error()))
	}
	return m, nil
}

// yamlError words an error of the YAML decoder as one line.
func yamlError(err error) error {
	line, msg := parseerr.YAML(err)
	if line > 0 {
		return fmt.Errorf("%w: line %d: %s", ErrFrontMatter, line, msg)
	}
	return fmt.Errorf("%w: %s", ErrFrontMatter, msg)
}
