package post

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestMakeSlug(t *testing.T) {
	long := strings.Repeat("가", 100) // 300 bytes
	tests := []struct{ in, want string }{
		{"", ""},
		{"24년 3월 회고", "24년-3월-회고"},
		{norm.NFD.String("24년 3월 회고"), "24년-3월-회고"},
		{"Hello, World!", "hello-world"},
		{"  --Hello--  ", "hello"},
		{"Go 1.26: what's new?", "go-1-26-what-s-new"},
		{"snake_case and dots.md", "snake-case-and-dots-md"},
		{"../../etc/passwd", "etc-passwd"},
		{"a/b\\c", "a-b-c"},
		{"Tab\tand\nnewline\x1b[31m", "tab-and-newline-31m"},
		{"!!!", ""},
		{"---", ""},
		{"Ünïcödé Straße", "ünïcödé-straße"},
		{"ÀÉÎ", "àéî"},
		{"日本語のタイトル", "日本語のタイトル"},
		{"Привет мир", "привет-мир"},
		{"हिन्दी भाषा", "हिन्दी-भाषा"}, // combining vowel signs stay
		{"ภาษาไทย", "ภาษาไทย"},
		{"١٢٣ ٤٥", "١٢٣-٤٥"}, // Arabic-Indic digits
		{"emoji 🎉 party", "emoji-party"},
		{"a\u3164b", "a-b"},             // Hangul filler: invisible
		{"a\ufe0fb", "a-b"},             // variation selector
		{"\u0301a", "a"},                // a leading combining mark
		{"x \u0301a", "x-a"},            // a mark after a space
		{"①②", ""},                      // not decimal digits
		{"ＦＵＬＬ", "ｆｕｌｌ"},                // full width: letters
		{long, strings.Repeat("가", 66)}, // 198 bytes: one more is 201
		{strings.Repeat("a", 199) + " bc", strings.Repeat("a", 199)},
		{strings.Repeat("a", 198) + " bc", strings.Repeat("a", 198) + "-b"},
		{strings.Repeat("a", 197) + " bc", strings.Repeat("a", 197) + "-bc"},
	}
	for _, tt := range tests {
		got := MakeSlug(tt.in)
		if got != tt.want {
			t.Errorf("MakeSlug(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got != "" {
			if err := CheckSlug(got); err != nil {
				t.Errorf("CheckSlug(MakeSlug(%q)): %v", tt.in, err)
			}
		}
	}
}

func TestCheckSlug(t *testing.T) {
	good := []string{
		"hello", "hello-world", "24년-3월-회고", "v1.2", "snake_case", "_index", "a.b.c",
		"हिन्दी", "日本語", strings.Repeat("a", MaxSlugSize), "About", "2024",
	}
	for _, s := range good {
		if err := CheckSlug(s); err != nil {
			t.Errorf("CheckSlug(%q): %v", s, err)
		}
	}
	bad := map[string]string{
		"":                                 `invalid slug: empty`,
		strings.Repeat("a", MaxSlugSize+1): `invalid slug "` + strings.Repeat("a", 64) + `"…: longer than 200 bytes`,
		"a\xffb":                           `invalid slug "a\xffb": not valid UTF-8`,
		".hidden":                          `invalid slug ".hidden": starts with '.'`,
		"-x":                               `invalid slug "-x": starts with '-'`,
		"..":                               `invalid slug "..": starts with '.'`,
		"../x":                             `invalid slug "../x": starts with '.'`,
		"a..b":                             `invalid slug "a..b": contains ".."`,
		"a/b":                              `invalid slug "a/b": U+002F '/' is not allowed; use letters, digits, '-', '_' and '.'`,
		`a\b`:                              `invalid slug "a\\b": U+005C '\' is not allowed; use letters, digits, '-', '_' and '.'`,
		"a b":                              `invalid slug "a b": U+0020 ' ' is not allowed; use letters, digits, '-', '_' and '.'`,
		"a\x1b[31m":                        `invalid slug "a\x1b[31m": U+001B is not allowed; use letters, digits, '-', '_' and '.'`,
		"a\u009bb":                         `invalid slug "a\u009bb": U+009B is not allowed; use letters, digits, '-', '_' and '.'`,
		"a\x00":                            `invalid slug "a\x00": U+0000 is not allowed; use letters, digits, '-', '_' and '.'`,
		"a\nb":                             `invalid slug "a\nb": U+000A is not allowed; use letters, digits, '-', '_' and '.'`,
		"a\u200bb":                         `invalid slug "a\u200bb": U+200B is not allowed; use letters, digits, '-', '_' and '.'`,
		"a\u3164b":                         "invalid slug \"a\u3164b\": U+3164 '\u3164' is not allowed; use letters, digits, '-', '_' and '.'",
		"a-\u0301":                         "invalid slug \"a-\u0301\": U+0301 '\u0301' is not allowed; use letters, digits, '-', '_' and '.'",
		"e\u0301":                          "invalid slug \"e\u0301\": not in Unicode NFC",
		norm.NFD.String("회고"):              `invalid slug "` + norm.NFD.String("회고") + `": not in Unicode NFC`,
		"a?b":                              `invalid slug "a?b": U+003F '?' is not allowed; use letters, digits, '-', '_' and '.'`,
		"a%2Fb":                            `invalid slug "a%2Fb": U+0025 '%' is not allowed; use letters, digits, '-', '_' and '.'`,
	}
	for s, want := range bad {
		err := CheckSlug(s)
		if err == nil {
			t.Errorf("CheckSlug(%q) = nil, want an error", s)
			continue
		}
		if !errors.Is(err, ErrBadSlug) {
			t.Errorf("CheckSlug(%q) = %v, not wrapping ErrBadSlug", s, err)
		}
		if err.Error() != want {
			t.Errorf("CheckSlug(%q) = %q, want %q", s, err, want)
		}
		checkOneLine(t, err)
	}
}

func TestSlugFromFileName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hello.md", "hello"},
		{"content/blog/2024-03-01-hello.md", "hello"},
		{"_posts/2024-03-01-hello-world.markdown", "hello-world"},
		{"posts/march-2024-retrospective.md", "march-2024-retrospective"},
		{"src/content/blog/first-post.mdx", "first-post"},
		{"README.MD", "README"},
		{"x.Markdown", "x"},
		{"content/posts/my-post/index.md", "my-post"},
		{"content/posts/my-post/_index.md", "my-post"},
		{"content/posts/my-post/INDEX.md", "my-post"},
		{"content/2024-03-01-bundle/index.md", "bundle"},
		{"2024-03-01.md", "2024-03-01"},
		{"2024-03-01-회고.md", "회고"},
		{norm.NFD.String("회고.md"), "회고"}, // macOS file names are NFD
		{"a/b/v1.2.md", "v1.2"},
		{"index-of-things.md", "index-of-things"},
		{"my folder/ix.mdx", "ix"},
	}
	for _, tt := range tests {
		got, err := SlugFromFileName(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("SlugFromFileName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	bad := map[string]string{
		"hello":          `invalid slug: "hello" is not a markdown file (.md, .mdx or .markdown)`,
		"hello.txt":      `invalid slug: "hello.txt" is not a markdown file (.md, .mdx or .markdown)`,
		"hello.md/":      `invalid slug: "hello.md/" is not a markdown file (.md, .mdx or .markdown)`,
		"":               `invalid slug: "" is not a markdown file (.md, .mdx or .markdown)`,
		".md":            `invalid slug: empty`,
		"index.md":       `invalid slug: "index.md" is in no folder to name it`,
		"/index.md":      `invalid slug: "/index.md" is in no folder to name it`,
		"../index.md":    `invalid slug: "../index.md" is in no folder to name it`,
		"a/../index.md":  `invalid slug: "a/../index.md" is in no folder to name it`,
		"hello world.md": `invalid slug "hello world": U+0020 ' ' is not allowed; use letters, digits, '-', '_' and '.'`,
		".hidden.md":     `invalid slug ".hidden": starts with '.'`,
		"a\\..\\b.md":    `invalid slug "a\\..\\b": contains ".."`,
		"2024-03-01-.md": `invalid slug: empty`,
		"x/a\x1bb.md":    `invalid slug "a\x1bb": U+001B is not allowed; use letters, digits, '-', '_' and '.'`,
	}
	for in, want := range bad {
		got, err := SlugFromFileName(in)
		if err == nil {
			t.Errorf("SlugFromFileName(%q) = %q, want an error", in, got)
			continue
		}
		if !errors.Is(err, ErrBadSlug) || err.Error() != want {
			t.Errorf("SlugFromFileName(%q) = %q, want %q wrapping ErrBadSlug", in, err, want)
		}
		checkOneLine(t, err)
	}
}

func TestIsMarkdownFile(t *testing.T) {
	for name, want := range map[string]bool{
		"hello.md": true, "a/b.MDX": true, "x.Markdown": true, ".md": true, "../x.md": true,
		"hello": false, "hello.txt": false, "hello.md/": false, "": false, "md": false, "a.md/b": false,
	} {
		if got := IsMarkdownFile(name); got != want {
			t.Errorf("IsMarkdownFile(%q) = %v, want %v", name, got, want)
		}
		// SlugFromFileName reads exactly these names.
		if _, err := SlugFromFileName(name); !want && err == nil {
			t.Errorf("SlugFromFileName(%q) takes a name IsMarkdownFile refuses", name)
		}
	}
}
