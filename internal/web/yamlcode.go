package web

import (
	"bytes"
	"html/template"
	"strings"
)

// yamlHTML writes YAML highlighted line by line in the classes Chroma's
// YAML lexer uses: comments, keys, list marks and scalars (strings,
// numbers, constants, the rest as plain literals). It writes every byte
// of code, escaped; it is coarser than Chroma (a flow collection or a
// block scalar's lines are plain literals) and many times faster.
func yamlHTML(out *bytes.Buffer, code string) {
	for line := range strings.SplitAfterSeq(code, "\n") {
		body := strings.TrimRight(line, "\n")
		rest := strings.TrimLeft(body, " \t")
		template.HTMLEscape(out, []byte(body[:len(body)-len(rest)]))
		for strings.HasPrefix(rest, "- ") || rest == "-" {
			span(out, "p", "-")
			rest = rest[1:]
			n := len(rest) - len(strings.TrimLeft(rest, " "))
			out.WriteString(rest[:n])
			rest = rest[n:]
		}
		if strings.HasPrefix(rest, "#") {
			span(out, "c1", rest)
			out.WriteString(line[len(body):])
			continue
		}
		if key, value, ok := yamlKey(rest); ok {
			span(out, "nt", key)
			span(out, "p", ":")
			rest = value
		}
		yamlValue(out, rest)
		out.WriteString(line[len(body):])
	}
}

// yamlKey splits "key: value" (or "key:" at the end of the line) at its
// colon.
func yamlKey(s string) (key, value string, ok bool) {
	i := strings.Index(s, ":")
	if i <= 0 || (i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '\t') || strings.ContainsAny(s[:i], "#{}[],&*!|>%@`") {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// yamlValue writes a scalar and any comment after it.
func yamlValue(out *bytes.Buffer, s string) {
	trimmed := strings.TrimLeft(s, " \t")
	out.WriteString(s[:len(s)-len(trimmed)])
	value, comment := trimmed, ""
	if i := strings.Index(trimmed, " #"); i >= 0 && trimmed[0] != '"' && trimmed[0] != '\'' {
		value, comment = trimmed[:i], trimmed[i:]
	}
	if value != "" {
		class := "l"
		switch v := strings.TrimSpace(value); {
		case strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "'"):
			class = "s"
		case v == "true" || v == "false" || v == "null" || v == "~" || v == "yes" || v == "no":
			class = "kc"
		case strings.TrimLeft(v, "0123456789.-+") == "" && strings.ContainsAny(v, "0123456789"):
			class = "m"
		}
		span(out, class, value)
	}
	if comment != "" {
		out.WriteByte(' ')
		span(out, "c1", comment[1:])
	}
}

// span writes text, escaped, in a span of class.
func span(out *bytes.Buffer, class, text string) {
	out.WriteString(`<span class="`)
	out.WriteString(class)
	out.WriteString(`">`)
	template.HTMLEscape(out, []byte(text))
	out.WriteString(`</span>`)
}
