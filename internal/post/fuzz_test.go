package post

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func FuzzParse(f *testing.F) {
	if seed, err := os.ReadFile(seedPath); err == nil {
		f.Add(seed)
	}
	for _, s := range []string{
		"",
		"# Title\n\nbody\n",
		"---\ntitle: Hello\ntags: [a, b]\ndate: 2024-04-14\n---\nbody\n",
		"\uFEFF---\r\ntitle: Hello\r\nauthor: {name: A}\r\n---\r\nbody\r\n",
		"+++\ntitle = 'x'\ndate = 2024-04-14T10:00:00\ntags = ['a']\n+++\n# h\n",
		"---\nbase: &b {title: T}\n<<: *b\nimage: {src: x}\ncategory: [a]\n---\n",
		"---\ntitle: \"a\\tb\\nc\"\ndraft: true\nstatus: draft\npage: yes\n---\n",
		"---\n- a\n---\n",
		"---\na: [\n---\n",
		"---\n",
		"+++\n+++\n",
		"---\n...\n",
		norm.NFD.String("---\ntitle: 24년 3월 회고\n---\n회고\n"),
		"```\n# not\n```\n# yes #\n",
		"---\nauthor: [a, {name: b}]\nseries: [s]\naliases: x, y\npublished: false\ncover: {image: c}\n---\n",
		"---\nk: !!timestamp 2024-04-14\nd: !!str 1\nl: |\n  a\n  b\nf: >-\n  x\n? q\n: r\n---\n",
		"---\na: {b: [c, {d: e}]}\n\"q\": 'x'\n---\n",
		"+++\n[a]\nb = [1, 2]\n[[c]]\nd = 1979-05-27T07:32:00Z\n+++\n",
		"a\x1b[31m",
		"# e\x01\u0301 \x1b[2J\n\x01",
		"\xff",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		in := bytes.Clone(src)
		opts := Options{Location: kst}
		p, err := Parse(src, opts)
		if !bytes.Equal(src, in) {
			t.Fatal("Parse modified its input")
		}
		if err != nil {
			checkOneLine(t, err)
			known := false
			for _, e := range []error{ErrTooLarge, ErrInvalidUTF8, ErrNUL, ErrControl, ErrFrontMatter} {
				known = known || errors.Is(err, e)
			}
			if !known {
				t.Fatalf("error %q wraps none of the package's errors", err)
			}
			if strings.Contains(err.Error(), "decoder failed") {
				t.Fatalf("a decoder panicked: %v", err)
			}
			return
		}
		if len(p.Source) > MaxSize || !utf8.Valid(p.Source) || !norm.NFC.IsNormal(p.Source) {
			t.Fatalf("Source is not valid NFC of at most MaxSize bytes: %q", p.Source)
		}
		if !bytes.Equal(p.Source, norm.NFC.Bytes(src)) {
			t.Fatalf("Source = %q, want the NFC of the input", p.Source)
		}
		if !bytes.HasSuffix(p.Source, p.Body) {
			t.Fatalf("Body %q is not the end of Source", p.Body)
		}
		checkBodyShares(t, p)
		for name, s := range map[string]string{
			"title": p.Title, "description": p.Description, "author": p.Author, "image": p.Image,
			"category": p.Category, "series": p.Series,
		} {
			checkField(t, name, s)
		}
		for _, s := range append(p.Tags, p.Aliases...) {
			checkField(t, "tag or alias", s)
			if s == "" {
				t.Error("an empty tag or alias")
			}
		}
		if p.Slug != "" && p.Title == "" {
			t.Errorf("slug %q but no title", p.Slug)
		}
		// What Parse returns parses again to the same post.
		q, err := Parse(p.Source, opts)
		if err != nil {
			t.Fatalf("Parse(Source): %v", err)
		}
		if !p.Date.Equal(q.Date) {
			t.Fatalf("dates differ: %v, then %v", p.Date, q.Date)
		}
		pm, qm := p.Meta, q.Meta
		pm.Date, qm.Date = time.Time{}, time.Time{}
		if !reflect.DeepEqual(pm, qm) || !bytes.Equal(p.Source, q.Source) || !bytes.Equal(p.Body, q.Body) {
			t.Fatalf("Parse(Source) = %+v, want %+v", qm, pm)
		}
	})
}

// checkField fails t unless s is a clean one-line field.
func checkField(t *testing.T, name, s string) {
	t.Helper()
	if s != strings.TrimSpace(s) || !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
		t.Errorf("%s %q is not trimmed valid NFC", name, s)
	}
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' || isControl(r) {
			t.Errorf("%s %q holds %U", name, s, r)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2024-04-14", "2024-04-14 10:20", "2024-04-14 10:20:30", "2024-04-14T10:20", "2024-04-14T10:20:30",
		"2024-04-14T10:20:30.123+09:00", "2024-04-14T10:20:30Z", "2024-04-14 10:20 -0700", "2024-04-14 10:20 KST",
		"2024-04-14 10:20 Asia/Seoul", "2024-04-14T10:20+09", "Apr 14, 2024", "April 14, 2024",
		"Sun, 14 Apr 2024 10:20:30 GMT", "14 Apr 2024 10:20 +0900", "", " ", "Z", "+09:00", "2024-04-14 ../x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s, kst)
		if err != nil {
			checkOneLine(t, err)
			return
		}
		// A date ParseDate returns reads back from RFC 3339.
		if d.Year() < 0 || d.Year() > 9999 {
			return // RFC 3339 has four-digit years
		}
		back, err := ParseDate(d.Format(time.RFC3339Nano), kst)
		if err != nil || !back.Equal(d) {
			t.Fatalf("ParseDate(%q) = %v, which reads back as %v, %v", s, d, back, err)
		}
	})
}

func FuzzMakeSlug(f *testing.F) {
	for _, s := range []string{
		"", "24년 3월 회고", "Hello, World!", "../../etc/passwd", "हिन्दी भाषा", "a\u3164b", "\u0301a",
		strings.Repeat("가", 100), strings.Repeat("a", 199) + " bc", "İstanbul", "ǅemal", "ΣΑΣ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		s := MakeSlug(title)
		if s == "" {
			return
		}
		if err := CheckSlug(s); err != nil {
			t.Fatalf("MakeSlug(%q) = %q, which CheckSlug refuses: %v", title, s, err)
		}
		if again := MakeSlug(s); again != s {
			t.Fatalf("MakeSlug(%q) = %q, but MakeSlug of that is %q", title, s, again)
		}
	})
}

func FuzzSlugFromFileName(f *testing.F) {
	for _, s := range []string{
		"hello.md", "content/blog/2024-03-01-hello.md", "content/posts/my-post/index.md", "a/_index.MD",
		"index.md", "../index.md", "x.markdown", "y.mdx", "z.txt", "", "/", ".md", "2024-03-01-.md",
		norm.NFD.String("회고.md"), "a b.md", "a\x1b.md",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		slug, err := SlugFromFileName(name)
		if err != nil {
			checkOneLine(t, err)
			if !errors.Is(err, ErrBadSlug) {
				t.Fatalf("error %q does not wrap ErrBadSlug", err)
			}
			return
		}
		if err := CheckSlug(slug); err != nil {
			t.Fatalf("SlugFromFileName(%q) = %q, which CheckSlug refuses: %v", name, slug, err)
		}
	})
}
