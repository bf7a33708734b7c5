package config

import (
	"github.com/sshblog/sshblog/internal/parseerr"

	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// fileValue is a setting's value as the YAML file gives it.
type fileValue struct {
	text string
	line int
}

// parseFile parses a configuration file: one YAML mapping from settings'
// names to single values. Every key must name one of all. Its errors are one
// line, starting with the line of the file at fault.
func parseFile(data []byte, all []setting) (values map[string]fileValue, err error) {
	// The parser is a large third-party one that has panicked on malformed
	// input before (see internal/post); a typo must not print a stack.
	defer func() {
		if r := recover(); r != nil {
			values, err = nil, fmt.Errorf("the YAML parser failed: %s", parseerr.OneLine(fmt.Sprint(r)))
		}
	}()
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(err)
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc.Body == nil {
			continue
		}
		if body != nil {
			return nil, fmt.Errorf("line %d: a second YAML document; the file is one mapping of settings to values", line(doc.Body))
		}
		body = doc.Body
	}
	values = map[string]fileValue{}
	var pairs []*ast.MappingValueNode
	switch b := body.(type) {
	case nil:
		return values, nil // empty, or only comments
	case *ast.MappingNode:
		pairs = b.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{b}
	default:
		return nil, fmt.Errorf("line %d: the YAML is %s, not a mapping of settings to values", line(body), describe(body))
	}
	for _, kv := range pairs {
		key, n := keyText(kv.Key), line(kv.Key)
		if !slices.ContainsFunc(all, func(s setting) bool { return s.name == key }) {
			return nil, fmt.Errorf("line %d: unknown setting %q%s", n, key, hint(key, all))
		}
		if prev, dup := values[key]; dup {
			return nil, fmt.Errorf("line %d: setting %s again, after line %d", n, key, prev.line)
		}
		v, err := scalarText(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("line %d: %s is %w", n, key, err)
		}
		values[key] = fileValue{text: v, line: n}
	}
	return values, nil
}

// scalarText returns the text of a single YAML value: strings decoded, other
// scalars as written (so 1.0 stays 1.0 and 0x10 is not 16), null as "".
func scalarText(n ast.Node) (string, error) {
	switch n := n.(type) {
	case nil, *ast.NullNode:
		return "", nil
	case *ast.StringNode:
		return n.Value, nil
	case *ast.LiteralNode:
		if n.Value == nil {
			return "", nil
		}
		return n.Value.Value, nil
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, nil
		}
		return n.String(), nil
	case *ast.TagNode:
		return scalarText(n.Value)
	case *ast.AnchorNode:
		return scalarText(n.Value)
	case *ast.AliasNode:
		return "", errors.New("a YAML alias; write the value itself")
	}
	return "", fmt.Errorf("%s, not a single value", describe(n))
}

// describe names the kind of a YAML value for a message.
func describe(n ast.Node) string {
	switch n.(type) {
	case *ast.SequenceNode:
		return "a list"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	}
	return "a single value"
}

// keyText returns the text of a mapping key.
func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

// line returns the line of the file n starts on, or 0.
func line(n ast.Node) int {
	if tk := n.GetToken(); tk != nil {
		return tk.Position.Line
	}
	return 0
}

// hint suggests the setting a mistaken key may have meant: keys are
// written like flags, so max_sessions, MAX_SESSIONS, BLOG_MAX_SESSIONS and
// --max-sessions all suggest max-sessions.
func hint(key string, all []setting) string {
	k := strings.ToLower(strings.ReplaceAll(key, "_", "-"))
	k = strings.TrimPrefix(strings.TrimPrefix(k, "blog-"), "--")
	for _, s := range all {
		if s.name == k {
			return fmt.Sprintf(" (did you mean %s?)", s.name)
		}
	}
	return " (sshblog --help lists the settings)"
}

// yamlError words an error of the YAML parser as one line.
func yamlError(err error) error {
	line, msg := parseerr.YAML(err)
	if line > 0 {
		return fmt.Errorf("line %d: %s", line, msg)
	}
	return errors.New(msg)
}
