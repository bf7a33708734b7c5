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
		{target: "dir/", err: `"dir/a.md": posts are SLUG.md files at the blog's top`},
		{target: "notes.txt", want: "notes.txt"},
		{target: "assets/posts/", err: "no subfolders"},
		{target: "~/assets/x.png", want: "assets/x.png"},
	} {
		got, err := targetFile(tc.target, "a.md")
		if tc.target == "~/assets/x.png" || tc.target == "notes.txt" {
			got, err = targetFile(tc.target, "diagram.svg")
		}
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("targetFile(%q) = %q, %v; want an error saying %q", tc.target, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.want):
			t.Errorf("targetFile(%q) = %q, %v; want %q", tc.target, got, err, tc.want)
		}
	}
}
