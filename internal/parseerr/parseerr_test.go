package parseerr

import (
	"errors"
	"testing"

	"github.com/goccy/go-yaml"
)

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "",
		"plain":                              "plain",
		"[1:4] msg\n>  1 | a: [\n       ^\n": "[1:4] msg > 1 | a: [ ^",
		"\x1b[1;31mred\x1b[0m text":          "red text",
		"\x1b[31m[1:7] could not find\x1b[0m\n>  1 | title: \"x\n   ^\n": "[1:7] could not find > 1 | title: \"x ^",
		"a\r\n\tb":       "a b",
		"a\x07b\u009bc":  "abc",
		"rtl \u202eevil": "rtl evil",
		"bad \xff":       "bad \uFFFD",
		"\x1b[":          "",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestYAML(t *testing.T) {
	var v map[string]any
	err := yaml.Unmarshal([]byte("a: 1\nb: [\n"), &v)
	line, msg := YAML(err)
	if line != 2 || msg == "" {
		t.Errorf("YAML(%v) = %d, %q", err, line, msg)
	}
	if line, msg := YAML(errors.New("plain\nerror")); line != 0 || msg != "plain error" {
		t.Errorf("YAML of a plain error = %d, %q", line, msg)
	}
}
