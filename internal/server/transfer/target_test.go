package transfer

import (
	"strings"
	"testing"
)

func TestTargetFileNamesThePost(t *testing.T) {
	for _, tc := range []struct {
		target, want, err string
	}{
		{target: "", want: "a.md"},
		{target: ".", want: "a.md"},
		{target: "~", want: "a.md"},
		{target: "/", want: "a.md"},
		{target: "b.md", want: "b.md"},
		{target: "/zz.md", want: "/zz.md"},
		{target: "~/c.md", want: "c.md"},
		{target: "../x.md", err: "no subfolders"},
		{target: "sub/y.md", err: "no subfolders"},
		{target: "bad name.md", err: "bad name.md"},
		{target: "dir/", err: `"dir/": no such folder`},
		{target: "notes.txt", err: "SLUG.md"},
	} {
		got, err := targetFile(tc.target, "a.md")
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("targetFile(%q) = %q, %v; want an error saying %q", tc.target, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("targetFile(%q) = %q, %v; want %q", tc.target, got, err, tc.want)
		}
	}
}
