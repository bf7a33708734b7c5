package post

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// seedPath is the built-in Korean post.
const seedPath = "../../posts/march-2024-retrospective.md"

var kst = time.FixedZone("KST", 9*3600)

func TestParseSeed(t *testing.T) {
	src, err := os.ReadFile(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	orig := bytes.Clone(src)
	p, err := Parse(src, Options{Slug: "march-2024-retrospective", Location: kst})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := Meta{
		Slug:   "march-2024-retrospective",
		Title:  "24년 3월 회고",
		Author: "ash84",
		Tags:   []string{"essay", "회고", "retrospective"},
		Date:   time.Date(2024, 4, 14, 0, 0, 0, 0, kst),
		Image:  "https://s3.ap-northeast-2.amazonaws.com/static.ash84.io/images/blog/march-2024-retrospective/IMG_5672.jpg",
	}
	checkMeta(t, p.Meta, want)
	if !bytes.Equal(p.Source, orig) {
		t.Error("Source is not byte-identical to the file")
	}
	if !bytes.Equal(src, orig) {
		t.Error("Parse modified its input")
	}
	if &p.Source[0] == &src[0] {
		t.Error("Source shares the input's memory")
	}
	if !bytes.HasPrefix(p.Body, []byte("\n# 달리기\n")) {
		t.Errorf("Body starts %q", p.Body[:min(40, len(p.Body))])
	}
	checkBodyShares(t, p)

	// Without a slug, the title names the post.
	p, err = Parse(src, Options{Location: kst})
	if err != nil || p.Slug != "24년-3월-회고" {
		t.Errorf("Parse without a slug: slug %q, %v; want 24년-3월-회고", p.Slug, err)
	}
}

// checkMeta fails t unless got is want, nil and empty lists alike.
func checkMeta(t *testing.T, got, want Meta) {
	t.Helper()
	if !got.Date.Equal(want.Date) || got.Date.Location().String() != want.Date.Location().String() {
		t.Errorf("Date = %v, want %v", got.Date, want.Date)
	}
	got.Date, want.Date = time.Time{}, time.Time{}
	if len(got.Tags) == 0 && len(want.Tags) == 0 {
		got.Tags, want.Tags = nil, nil
	}
	if len(got.Aliases) == 0 && len(want.Aliases) == 0 {
		got.Aliases, want.Aliases = nil, nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Meta =\n\t%#v\nwant\n\t%#v", got, want)
	}
}

// checkBodyShares fails t unless p.Body is the end of p.Source, in its memory.
func checkBodyShares(t *testing.T, p *Post) {
	t.Helper()
	if len(p.Body) == 0 {
		return
	}
	end := unsafe.Pointer(unsafe.SliceData(p.Source[len(p.Source)-len(p.Body):]))
	if unsafe.Pointer(unsafe.SliceData(p.Body)) != end {
		t.Error("Body does not share Source's memory")
	}
}

func TestParseNFD(t *testing.T) {
	nfc := "---\ntitle: 24년 3월 회고\ntags: [회고]\n---\n# 달리기\n\n한국어 본문.\n"
	nfd := norm.NFD.String(nfc)
	if nfd == nfc {
		t.Fatal("the test input is not decomposed")
	}
	p, err := Parse([]byte(nfd), Options{Location: kst})
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Source) != nfc {
		t.Errorf("Source = %q, want the NFC %q", p.Source, nfc)
	}
	if p.Title != "24년 3월 회고" || p.Slug != "24년-3월-회고" || !reflect.DeepEqual(p.Tags, []string{"회고"}) {
		t.Errorf("Meta = %+v, want NFC title, slug and tags", p.Meta)
	}
	if string(p.Body) != "# 달리기\n\n한국어 본문.\n" {
		t.Errorf("Body = %q", p.Body)
	}
	checkBodyShares(t, p)
}

func TestParseCRLFAndBOM(t *testing.T) {
	for _, src := range []string{
		"\uFEFF---\r\ntitle: Hello\r\ntags: a, b\r\ndate: 2024-04-14 10:00\r\n---\r\n\r\nBody\r\n",
		"---\r\ntitle: Hello\r\ntags: a, b\r\ndate: 2024-04-14 10:00\r\n---  \r\n\r\nBody\r\n",
		"\uFEFF+++\r\ntitle = \"Hello\"\r\ntags = [\"a\", \"b\"]\r\ndate = 2024-04-14T10:00:00\r\n+++\r\n\r\nBody\r\n",
	} {
		p, err := Parse([]byte(src), Options{Location: kst})
		if err != nil {
			t.Errorf("Parse(%q): %v", src, err)
			continue
		}
		checkMeta(t, p.Meta, Meta{Slug: "hello", Title: "Hello", Tags: []string{"a", "b"}, Date: time.Date(2024, 4, 14, 10, 0, 0, 0, kst)})
		if string(p.Source) != src {
			t.Errorf("Source = %q, want the input", p.Source)
		}
		if string(p.Body) != "\r\nBody\r\n" {
			t.Errorf("Body = %q", p.Body)
		}
	}
	// A byte order mark without front matter is not body.
	p, err := Parse([]byte("\uFEFF# Title\n"), Options{})
	if err != nil || string(p.Body) != "# Title\n" || p.Title != "Title" {
		t.Errorf("Parse with a BOM only: %+v, body %q, %v", p.Meta, p.Body, err)
	}
}

func TestParseTOML(t *testing.T) {
	src := `+++
title = "TOML post"
description = "one line"
author = ["Ash", "Bo"]
tags = ["go", "toml", "go"]
date = 2024-04-14T10:20:30
draft = true
image = { src = "/img/a.png" }
categories = ["notes", "misc"]
series = "learning"
aliases = ["old-name"]
unknown = 1979-05-27

[params]
x = 1

[[links]]
url = "https://example.com"
+++
Body.
`
	p, err := Parse([]byte(src), Options{Slug: "toml", Location: kst})
	if err != nil {
		t.Fatal(err)
	}
	checkMeta(t, p.Meta, Meta{
		Slug: "toml", Title: "TOML post", Description: "one line", Author: "Ash, Bo",
		Tags: []string{"go", "toml"}, Date: time.Date(2024, 4, 14, 10, 20, 30, 0, kst),
		Image: "/img/a.png", Category: "notes", Series: "learning", Aliases: []string{"old-name"}, Draft: true,
	})
	if string(p.Body) != "Body.\n" {
		t.Errorf("Body = %q", p.Body)
	}
	for in, want := range map[string]time.Time{
		"date = 2024-04-14":                time.Date(2024, 4, 14, 0, 0, 0, 0, kst),
		"date = 2024-04-14T10:20:30Z":      time.Date(2024, 4, 14, 10, 20, 30, 0, time.UTC),
		"date = 2024-04-14T10:20:30+09:00": time.Date(2024, 4, 14, 10, 20, 30, 0, kst),
		"date = '2024-04-14 10:20'":        time.Date(2024, 4, 14, 10, 20, 0, 0, kst),
	} {
		p, err := Parse([]byte("+++\n"+in+"\n+++\n"), Options{Location: kst})
		if err != nil || !p.Date.Equal(want) {
			t.Errorf("%s: Date = %v, %v; want %v", in, p.Date, err, want)
		}
	}
}

// TestParseFields checks how each field is read from YAML front matter.
func TestParseFields(t *testing.T) {
	date := time.Date(2024, 4, 14, 0, 0, 0, 0, kst)
	tests := []struct {
		name string
		fm   string // YAML between the --- lines
		body string
		slug string // Options.Slug
		want Meta
	}{
		{
			name: "all fields",
			fm: `title: Hello
description: A post
author: Ash
tags: [go, 회고]
pub_date: 2024-04-14
featured_image: /img.png
category: notes
series: learning
slug: hello-there
aliases: [old, older]
`,
			want: Meta{Slug: "hello-there", Title: "Hello", Description: "A post", Author: "Ash", Tags: []string{"go", "회고"},
				Date: date, Image: "/img.png", Category: "notes", Series: "learning", Aliases: []string{"old", "older"}},
		},
		{name: "no front matter", body: "# Hello *World*\n\ntext\n", want: Meta{Slug: "hello-world", Title: "Hello *World*"}},
		{name: "empty front matter", fm: "", body: "text", slug: "x", want: Meta{Slug: "x", Title: "x"}},
		{name: "comments only", fm: "# nothing here\n", slug: "x", want: Meta{Slug: "x", Title: "x"}},
		{name: "null document", fm: "~\n", slug: "x", want: Meta{Slug: "x", Title: "x"}},
		{name: "Options.Slug wins; the front matter slug is an alias", fm: "title: T\nslug: fm\n", slug: "opt", want: Meta{Slug: "opt", Title: "T", Aliases: []string{"fm"}}},
		{name: "front matter slug", fm: "title: T\nslug: ' fm '\n", want: Meta{Slug: "fm", Title: "T"}},
		{name: "heading title", body: "intro\n\n## Not this\n#NotThis\n    # indented code\n   # The Title #\n# Second\n", want: Meta{Slug: "the-title", Title: "The Title"}},
		{name: "heading in a code fence", body: "```md\n# Not this\n```\n~~~~\n# Nor this\n~~~\n~~~~\n# Yes\n", want: Meta{Slug: "yes", Title: "Yes"}},
		{name: "no title at all", body: "just text\n", slug: "x", want: Meta{Slug: "x", Title: "x"}},
		{name: "no title nor slug", body: "just text\n", want: Meta{}},
		{name: "number title", fm: "title: 2024\n", want: Meta{Slug: "2024", Title: "2024"}},
		{name: "float title", fm: "title: 3.5\n", want: Meta{Slug: "3-5", Title: "3.5"}},
		{name: "bool title", fm: "title: true\n", want: Meta{Slug: "true", Title: "true"}},
		{name: "list title is ignored", fm: "title: [a, b]\n", slug: "x", want: Meta{Slug: "x", Title: "x"}},
		{name: "map title is ignored", fm: "title: {a: b}\n", body: "# Heading\n", want: Meta{Slug: "heading", Title: "Heading"}},
		{name: "multi-line title", fm: "title: \"Hello\\n\\tthere  you\\r\\n\"\n", want: Meta{Slug: "hello-there-you", Title: "Hello there  you"}},
		{name: "folded description", fm: "title: T\ndescription: |\n  line one\n  line two\n", want: Meta{Slug: "t", Title: "T", Description: "line one line two"}},
		{name: "summary", fm: "title: T\nsummary: S\n", want: Meta{Slug: "t", Title: "T", Description: "S"}},
		{name: "empty description, summary", fm: "title: T\ndescription: ''\nsummary: S\n", want: Meta{Slug: "t", Title: "T", Description: "S"}},
		{name: "author list", fm: "title: T\nauthor: [Ash, ' Bo ', '', {name: Cy}]\n", want: Meta{Slug: "t", Title: "T", Author: "Ash, Bo, Cy"}},
		{name: "author map", fm: "title: T\nauthor:\n  name: Ash\n  email: a@example.com\n", want: Meta{Slug: "t", Title: "T", Author: "Ash"}},
		{name: "author number", fm: "title: T\nauthor: 42\n", want: Meta{Slug: "t", Title: "T", Author: "42"}},
		{name: "tags string", fm: "title: T\ntags: ' go, 회고 ,, go,Go '\n", want: Meta{Slug: "t", Title: "T", Tags: []string{"go", "회고", "Go"}}},
		{name: "tags list", fm: "title: T\ntags:\n  - go\n  - ' go '\n  - ''\n  - 2024\n  - [nested]\n  - {a: b}\n", want: Meta{Slug: "t", Title: "T", Tags: []string{"go", "2024"}}},
		{name: "tag with a line break", fm: "title: T\ntags: [\"a\\nb\"]\n", want: Meta{Slug: "t", Title: "T", Tags: []string{"a b"}}},
		{name: "tags map is ignored", fm: "title: T\ntags: {a: b}\n", want: Meta{Slug: "t", Title: "T"}},
		{name: "categories and keywords are not tags", fm: "title: T\ncategories: [c]\nkeywords: [k]\n", want: Meta{Slug: "t", Title: "T", Category: "c"}},
		{name: "pubDate", fm: "title: T\npubDate: 2024-04-14\n", want: Meta{Slug: "t", Title: "T", Date: date}},
		{name: "publishDate", fm: "title: T\npublishDate: Apr 14, 2024\n", want: Meta{Slug: "t", Title: "T", Date: date}},
		{name: "pub_date before date", fm: "title: T\ndate: 2020-01-01\npub_date: 2024-04-14\n", want: Meta{Slug: "t", Title: "T", Date: date}},
		{name: "pubDate before date", fm: "title: T\ndate: 2020-01-01\npubDate: 2024-04-14\n", want: Meta{Slug: "t", Title: "T", Date: date}},
		{name: "date before publishDate", fm: "title: T\npublishDate: 2020-01-01\ndate: 2024-04-14\n", want: Meta{Slug: "t", Title: "T", Date: date}},
		{name: "empty date is none", fm: "title: T\npub_date: ''\ndate: 2024-04-14\n", want: Meta{Slug: "t", Title: "T", Date: date}},
		{name: "null date is none", fm: "title: T\ndate:\n", want: Meta{Slug: "t", Title: "T"}},
		{name: "YAML timestamp", fm: "title: T\ndate: !!timestamp 2024-04-14T01:02:03Z\n", want: Meta{Slug: "t", Title: "T", Date: time.Date(2024, 4, 14, 1, 2, 3, 0, time.UTC)}},
		{name: "date with zone", fm: "title: T\ndate: 2024-04-14 10:00 +0000\n", want: Meta{Slug: "t", Title: "T", Date: time.Date(2024, 4, 14, 10, 0, 0, 0, time.UTC)}},
		{name: "draft", fm: "title: T\ndraft: true\n", want: Meta{Slug: "t", Title: "T", Draft: true}},
		{name: "draft text", fm: "title: T\ndraft: 'True'\n", want: Meta{Slug: "t", Title: "T", Draft: true}},
		{name: "not draft", fm: "title: T\ndraft: false\n", want: Meta{Slug: "t", Title: "T"}},
		{name: "status draft", fm: "title: T\nstatus: Draft\n", want: Meta{Slug: "t", Title: "T", Draft: true}},
		{name: "status published", fm: "title: T\nstatus: published\n", want: Meta{Slug: "t", Title: "T"}},
		{name: "published false", fm: "title: T\npublished: false\n", want: Meta{Slug: "t", Title: "T", Draft: true}},
		{name: "published true", fm: "title: T\npublished: true\n", want: Meta{Slug: "t", Title: "T"}},
		{name: "draft number is ignored", fm: "title: T\ndraft: 1\n", want: Meta{Slug: "t", Title: "T"}},
		{name: "page", fm: "title: About\npage: true\n", want: Meta{Slug: "about", Title: "About", Page: true}},
		{name: "featuredImage", fm: "title: T\nfeaturedImage: /a.png\n", want: Meta{Slug: "t", Title: "T", Image: "/a.png"}},
		{name: "heroImage", fm: "title: T\nheroImage: /a.png\nimage: /b.png\n", want: Meta{Slug: "t", Title: "T", Image: "/a.png"}},
		{name: "featured_image first", fm: "title: T\ncover: /c.png\nfeatured_image: /a.png\n", want: Meta{Slug: "t", Title: "T", Image: "/a.png"}},
		{name: "cover map", fm: "title: T\ncover:\n  image: /c.png\n  alt: x\n", want: Meta{Slug: "t", Title: "T", Image: "/c.png"}},
		{name: "image map src", fm: "title: T\nimage: {src: /s.png, url: /u.png}\n", want: Meta{Slug: "t", Title: "T", Image: "/s.png"}},
		{name: "image map url", fm: "title: T\nimage: {url: /u.png}\n", want: Meta{Slug: "t", Title: "T", Image: "/u.png"}},
		{name: "empty image, cover", fm: "title: T\nimage: ''\ncover: /c.png\n", want: Meta{Slug: "t", Title: "T", Image: "/c.png"}},
		{name: "image list is ignored", fm: "title: T\nimage: [/a.png]\n", want: Meta{Slug: "t", Title: "T"}},
		{name: "category list", fm: "title: T\ncategory: ['', b, c]\n", want: Meta{Slug: "t", Title: "T", Category: "b"}},
		{name: "category before categories", fm: "title: T\ncategory: a\ncategories: [b]\n", want: Meta{Slug: "t", Title: "T", Category: "a"}},
		{name: "series list", fm: "title: T\nseries: [s1, s2]\n", want: Meta{Slug: "t", Title: "T", Series: "s1"}},
		{name: "aliases string", fm: "title: T\naliases: a, b\n", want: Meta{Slug: "t", Title: "T", Aliases: []string{"a", "b"}}},
		{name: "unknown keys", fm: "title: T\nlayout: post\nextra: {deep: [1, {x: y}]}\n", want: Meta{Slug: "t", Title: "T"}},
		{name: "non-text keys", fm: "title: T\n1: one\ntrue: yes\n", want: Meta{Slug: "t", Title: "T"}},
		{name: "anchors and merge keys", fm: "base: &b {title: T, tags: [x]}\n<<: *b\n", want: Meta{Slug: "t", Title: "T", Tags: []string{"x"}}},
		{name: "closed with ...", fm: "title: T\n", want: Meta{Slug: "t", Title: "T"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.body
			if tt.fm != "" || tt.name == "empty front matter" {
				end := "---"
				if tt.name == "closed with ..." {
					end = "..."
				}
				src = "---\n" + tt.fm + end + "\n" + tt.body
			}
			p, err := Parse([]byte(src), Options{Slug: tt.slug, Location: kst})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkMeta(t, p.Meta, tt.want)
			if string(p.Body) != tt.body {
				t.Errorf("Body = %q, want %q", p.Body, tt.body)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		is   error
		want string // the message, or its start when it ends in "…"
	}{
		{"too large", strings.Repeat("a", MaxSize+1), ErrTooLarge, "post is too large: the limit is 1 MiB"},
		{"too large in NFC", strings.Repeat("\u0958", MaxSize/3), ErrTooLarge, "post is too large: the limit is 1 MiB, and in Unicode NFC the post grows past it"},
		{"invalid UTF-8", "ok\nbad \xff here", ErrInvalidUTF8, "invalid UTF-8 on line 2 (byte 7)"},
		{"truncated UTF-8", "---\ntitle: \xed\x95\n---\n", ErrInvalidUTF8, "invalid UTF-8 on line 2 (byte 11)"},
		{"surrogate", "\xed\xa0\x80", ErrInvalidUTF8, "invalid UTF-8 on line 1 (byte 0)"},
		{"NUL", "a\n\nb\x00", ErrNUL, "NUL byte on line 3"},
		{"escape in front matter", "---\ntitle: \x1b]0;pwned\x07\n---\n", ErrControl, "invalid front matter: title: control character U+001B"},
		{"unclosed YAML", "---\ntitle: x\n", ErrFrontMatter, "invalid front matter: the --- on line 1 is never closed"},
		{"unclosed YAML at EOF", "---", ErrFrontMatter, "invalid front matter: the --- on line 1 is never closed"},
		{"unclosed TOML", "+++\ntitle = 'x'\n---\n", ErrFrontMatter, "invalid front matter: the +++ on line 1 is never closed"},
		{"YAML syntax", "---\ntitle: x\ntags: [a, b\n---\n", ErrFrontMatter, "invalid front matter: line 3: …"},
		{"YAML bad indent", "---\na:\n  - b\n - c\n---\n", ErrFrontMatter, "invalid front matter: line 4: …"},
		{"YAML duplicate key", "---\ntitle: a\ntitle: b\n---\n", ErrFrontMatter, "invalid front matter: line 3: mapping key \"title\" already defined at [2:1]"},
		{"YAML unknown alias", "---\ntitle: *nope\n---\n", ErrFrontMatter, "invalid front matter: line 2: …"},
		{"YAML list", "---\n- a\n- b\n---\n", ErrFrontMatter, "invalid front matter: the YAML is a list, not a mapping of keys to values"},
		{"YAML text", "---\njust words\n---\n", ErrFrontMatter, "invalid front matter: the YAML is text, not a mapping of keys to values"},
		{"YAML number", "---\n42\n---\n", ErrFrontMatter, "invalid front matter: the YAML is a single value, not a mapping of keys to values"},
		{"YAML two documents", "---\na: 1\n--- b: 2\n---\n", ErrFrontMatter, "invalid front matter: …"},
		{"YAML too deep", "---\na: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n---\n", ErrFrontMatter, "invalid front matter: nested more than 100 levels deep"},
		{"YAML too deep, block", "---\n" + strings.Repeat("- ", 200) + "x\n---\n", ErrFrontMatter, "invalid front matter: nested more than 100 levels deep"},
		{"YAML too deep, unclosed", "---\na: " + strings.Repeat("{a: ", 16000) + "\n---\n", ErrFrontMatter, "invalid front matter: nested more than 100 levels deep"},
		{"too large front matter", "---\nx: '" + strings.Repeat("a", MaxFrontMatterSize) + "'\n---\n", ErrFrontMatter, "invalid front matter: larger than 64 KiB"},
		{"TOML syntax", "+++\ntitle = 'x'\ntags = [\n+++\n", ErrFrontMatter, "invalid front matter: line 3: …"},
		{"TOML duplicate key", "+++\na = 1\na = 2\n+++\n", ErrFrontMatter, "invalid front matter: line 3: …"},
		{"TOML time as date", "+++\ndate = 10:20:30\n+++\n", ErrFrontMatter, "invalid front matter: date: 10:20:30 is a time of day, not a date"},
		{"bad date", "---\ntitle: T\ndate: yesterday\n---\n", ErrFrontMatter, `invalid front matter: date: "yesterday" is not a date: write it like 2006-01-02, 2006-01-02 15:04 or 2006-01-02T15:04:05+09:00`},
		{"bad pub_date", "---\npub_date: 2024-02-30\ndate: 2024-01-01\n---\n", ErrFrontMatter, `invalid front matter: pub_date: "2024-02-30" is not a date…`},
		{"number date", "---\ndate: 2024\n---\n", ErrFrontMatter, `invalid front matter: date: "2024" is not a date`},
		{"list date", "---\ndate: [2024-01-01]\n---\n", ErrFrontMatter, `invalid front matter: date: a list or mapping is not a date`},
		{"bad zone", "---\ndate: 2024-01-01 10:00 XYZ\n---\n", ErrFrontMatter, `invalid front matter: date: date "2024-01-01 10:00 XYZ": unknown time zone "XYZ"…`},
		{"escaped control in title", "---\ntitle: \"red \\e[31m\"\n---\n", ErrControl, "invalid front matter: title: control character U+001B"},
		{"escaped C1 in tag", "---\ntags: [\"\\x9b\"]\n---\n", ErrControl, "invalid front matter: tags: control character U+009B"},
		{"escaped NUL in author", "---\nauthor: \"a\\0\"\n---\n", ErrControl, "invalid front matter: author: control character U+0000"},
		{"TOML escaped control", "+++\ntitle = \"\\u001b[2J\"\n+++\n", ErrControl, "invalid front matter: title: control character U+001B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.src), Options{Location: kst})
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", p.Meta)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			if tt.is == ErrControl && strings.HasPrefix(tt.want, "invalid front matter") && !errors.Is(err, ErrFrontMatter) {
				t.Errorf("error %q does not wrap ErrFrontMatter", err)
			}
			if prefix, ok := strings.CutSuffix(tt.want, "…"); ok {
				if !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("error = %q, want it to start %q", err, prefix)
				}
			} else if err.Error() != tt.want {
				t.Errorf("error = %q, want %q", err, tt.want)
			}
			checkOneLine(t, err)
			if p != nil {
				t.Error("Parse returned a post with its error")
			}
		})
	}
}

// TestParseKeepsNFC checks that Parse of a post in NFC returns its bytes, and
// that the result parses again to the same post.
func TestParseKeepsNFC(t *testing.T) {
	src := []byte("---\ntitle: Café\nunknown: [kept]\n---\nbody é\n")
	p, err := Parse(src, Options{Location: kst})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Source, src) {
		t.Errorf("Source = %q, want the input", p.Source)
	}
	q, err := Parse(p.Source, Options{Location: kst})
	if err != nil || !reflect.DeepEqual(p, q) {
		t.Errorf("Parse(Source) = %+v, %v; want %+v", q, err, p)
	}
}

func TestSingleLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "",
		"  a  b  ":            "a  b",
		"a\nb":                "a b",
		"a \n\t b":            "a b",
		"a\r\nb\u2028c\u2029": "a b c",
		"\u00a0a\u00a0":       "a",
		"가\n나":                "가 나",
	} {
		if got := singleLine(in); got != want {
			t.Errorf("singleLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkParseSeed(b *testing.B) {
	src, err := os.ReadFile(seedPath)
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Slug: "march-2024-retrospective", Location: kst}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(src, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRecoverDecode(t *testing.T) {
	m, err := recoverDecode("YAML", func() (map[string]any, error) {
		var s []int
		_ = s[1] // index out of range, as a buggy decoder might
		return map[string]any{}, nil
	})
	if m != nil || !errors.Is(err, ErrFrontMatter) || !strings.HasPrefix(err.Error(), "invalid front matter: the YAML decoder failed: runtime error: index out of range") {
		t.Errorf("recoverDecode of a panic = %v, %v", m, err)
	}
	checkOneLine(t, err)
	want := map[string]any{"a": "b"}
	m, err = recoverDecode("TOML", func() (map[string]any, error) { return want, nil })
	if err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("recoverDecode = %v, %v; want %v", m, err, want)
	}
}

func TestParseRefusesBidiControls(t *testing.T) {
	for _, r := range []rune{0x202a, 0x202e, 0x2066, 0x2069} {
		src := "---\ntitle: ok\n---\nabc " + string(r) + " def\n"
		_, err := Parse([]byte(src), Options{Slug: "x"})
		if !errors.Is(err, ErrControl) || !strings.Contains(err.Error(), fmt.Sprintf("%U on line 4", r)) {
			t.Errorf("%U: err = %v", r, err)
		}
	}
	// Right-to-left text itself is fine.
	if _, err := Parse([]byte("# שלום مرحبا\n"), Options{Slug: "x"}); err != nil {
		t.Errorf("RTL text refused: %v", err)
	}
}

func TestParseKeepsNoReferenceToSrc(t *testing.T) {
	src := []byte("---\ntitle: 안녕\n---\n본문\n")
	p, err := Parse(src, Options{Slug: "x"})
	if err != nil {
		t.Fatal(err)
	}
	want := string(p.Source)
	for i := range src {
		src[i] = 'X' // a pooled buffer, reused for the next upload
	}
	if string(p.Source) != want || !strings.HasSuffix(string(p.Body), "본문\n") {
		t.Errorf("the post changed with its src: %q", p.Source)
	}
}

// TestParseKeepsControlCharacters: C0 control characters but NUL, DEL and
// C1 in a post's text are what its author wrote (javap prints U+0001 as a
// placeholder); they are stored as they are, and shown harmlessly.
func TestParseKeepsControlCharacters(t *testing.T) {
	for _, src := range []string{
		"```\nconst #1 = \x01Ljava/lang/Object;\n```\n",
		"hello \x1b[31mred\x1b[0m \x1b[2J",
		"\n\n\x07", "a\bb", "a\fb", "a\vb", "a\x7f", "a\u009b31m", "a\u0085b",
	} {
		p, err := Parse([]byte(src), Options{Slug: "c"})
		if err != nil {
			t.Errorf("Parse(%q): %v", src, err)
			continue
		}
		if string(p.Source) != src {
			t.Errorf("Parse(%q) stored %q", src, p.Source)
		}
	}
	// A title taken from the first heading is a plain field, as the front
	// matter's are: its control characters are left out.
	if p, err := Parse([]byte("# esc \x1b[2J\x07 title\n"), Options{}); err != nil || p.Title != "esc [2J title" || p.Slug != "esc-2j-title" {
		t.Errorf("a heading with controls: title %q, slug %q, %v", p.Title, p.Slug, err)
	}
}
