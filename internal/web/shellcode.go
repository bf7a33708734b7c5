package web

import (
	"bytes"
	"html/template"
	"strings"
)

// shellWords are the shell's reserved words and the builtins a post's
// snippets use most, in the classes Chroma's bash lexer gives them.
var shellWords = func() map[string]string {
	m := map[string]string{}
	for _, w := range strings.Fields("if then else elif fi for while until do done case esac function in select time") {
		m[w] = "k"
	}
	for _, w := range strings.Fields("cd echo export local readonly declare unset shift exit return source alias set eval exec trap read printf test") {
		m[w] = "nb"
	}
	return m
}()

// shellHTML writes shell code (bash, sh, zsh, a console session)
// highlighted in the classes Chroma's bash lexer uses: comments, strings,
// variables, reserved words and common builtins. It writes every byte of
// code, escaped; it is coarser than Chroma (a here-document is plain text,
// a $(...) is plain inside) and many times faster.
func shellHTML(out *bytes.Buffer, code string) {
	i, plain := 0, 0
	flush := func(to int) {
		template.HTMLEscape(out, []byte(code[plain:to]))
		plain = to
	}
	emit := func(class string, end int) {
		span(out, class, code[i:end])
		i, plain = end, end
	}
	wordStart := func(at int) bool { return at == 0 || strings.IndexByte(" \t\n;|&(", code[at-1]) >= 0 }
	for i < len(code) {
		c := code[i]
		switch {
		case c == '#' && wordStart(i):
			flush(i)
			end := strings.IndexByte(code[i:], '\n')
			if end < 0 {
				end = len(code) - i
			}
			emit("c1", i+end)
		case c == '\'':
			flush(i)
			end := strings.IndexByte(code[i+1:], '\'')
			if end < 0 {
				end = len(code) - i - 2
			}
			emit("s1", i+end+2)
		case c == '"':
			flush(i)
			j := i + 1
			for j < len(code) && code[j] != '"' {
				if code[j] == '\\' && j+1 < len(code) {
					j++
				}
				j++
			}
			emit("s2", min(j+1, len(code)))
		case c == '$' && i+1 < len(code):
			flush(i)
			j := i + 1
			switch {
			case code[j] == '{':
				if end := strings.IndexByte(code[j:], '}'); end >= 0 {
					j += end + 1
				} else {
					j = len(code)
				}
			case isShellName(code[j]) || strings.IndexByte("?@#*$!0123456789-", code[j]) >= 0:
				j++
				for j < len(code) && isShellName(code[j]) && !strings.ContainsRune("?@#*$!-", rune(code[j-1])) {
					j++
				}
			default:
				i++
				continue
			}
			emit("nv", j)
		case isShellName(c) && wordStart(i):
			j := i
			for j < len(code) && (isShellName(code[j]) || code[j] == '-') {
				j++
			}
			if class, ok := shellWords[code[i:j]]; ok && (j == len(code) || strings.IndexByte(" \t\n;|&)", code[j]) >= 0) {
				flush(i)
				emit(class, j)
				continue
			}
			i = j
		default:
			i++
		}
	}
	flush(len(code))
}

// isShellName reports whether c may be in a shell variable's or word's
// name.
func isShellName(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
