package render

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/glamour/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sshblog/sshblog/internal/termtext"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestGolden compares renderings of the seed post with the files in
// testdata byte for byte, so that an upgrade of Glamour, Lip Gloss or
// x/ansi that changes wrapping or styling shows up as a diff. Regenerate
// them with go test ./internal/render -update, and read the diff.
func TestGolden(t *testing.T) {
	body := seedBody(t)
	tests := []struct {
		style Style
		width int
	}{
		{Plain, 40},
		{Plain, 80},
		{Dark, 80},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("seed-%v-%d", tt.style, tt.width)
		t.Run(name, func(t *testing.T) {
			got, err := New(0).Render(Key{ID: "seed", Width: tt.width, Style: tt.style}, body)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("rendering differs from %s; if the change is intended, run go test -update\ngot:\n%s", path, got)
			}
		})
	}
}

// TestSeedEveryWidth renders the seed post at every width a terminal may
// have and checks each line's width and that no Hangul is lost, doubled
// or reordered.
func TestSeedEveryWidth(t *testing.T) {
	body := seedBody(t)
	want := hangul(string(body))
	for _, style := range []Style{Plain, Dark} {
		t.Run(style.String(), func(t *testing.T) {
			t.Parallel()
			for width := 30; width <= 250; width += widthStep() {
				out, err := markdownToTerminal(body, width, style)
				if err != nil {
					t.Fatalf("width %d: %v", width, err)
				}
				checkOutput(t, out, width, style)
				if got := hangul(ansi.Strip(out)); !slices.Equal(got, want) {
					t.Fatalf("width %d: the Hangul differs from the post's:\n got %s\nwant %s", width, string(got), string(want))
				}
			}
		})
	}
}

// TestUnspacedHangul checks that a long run of Hangul without spaces, which
// gives a word wrapper no break, still wraps within the width, filling
// each line but the last, in body text, headings, lists and quotes.
func TestUnspacedHangul(t *testing.T) {
	run := strings.Repeat("가나다라마바사아자차카타파하", 12)
	tests := []struct{ name, md string }{
		{"paragraph", run + "\n"},
		{"heading", "## " + run + "\n"},
		{"list", "- 항목\n  - " + run + "\n"},
		{"quote", "> " + run + "\n"},
		{"emphasis", "**" + run + "**\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, style := range []Style{Plain, Dark} {
				for width := MinWidth; width <= 250; width += widthStep() {
					out, err := markdownToTerminal([]byte(tt.md), width, style)
					if err != nil {
						t.Fatal(err)
					}
					checkOutput(t, out, width, style)
					if got, want := string(hangul(ansi.Strip(out))), string(hangul(tt.md)); got != want {
						t.Fatalf("%v at %d: Hangul differs:\n%s", style, width, out)
					}
					// Lines holding the run are full but for the margins
					// and at most one column a syllable did not fit in.
					var lines []string
					for line := range strings.SplitSeq(ansi.Strip(out), "\n") {
						if h := string(hangul(line)); h != "" && strings.Contains(run, h) {
							lines = append(lines, line)
						}
					}
					for i, line := range lines[:len(lines)-1] {
						if w := termtext.Width(strings.TrimRight(line, " ")); w < width-12 {
							t.Fatalf("%v at %d: line %d of the run is only %d columns:\n%s", style, width, i+1, w, out)
						}
					}
				}
			}
		})
	}
}

// TestHostileMarkdown renders markdown that tries to write control
// sequences to the reader's terminal, directly and through entities.
func TestHostileMarkdown(t *testing.T) {
	const md = "# Title \x1b]0;pwned\a\n\n" +
		"Clipboard \x1b]52;c;cm0gLXJmIH4K\a and clear \x1b[2J\x1b[H, C1 \u009b31m and \x9b31m, " +
		"bidi \u202eevil\u202c \u2066x\u2069, BEL \a, NUL \x00, CR \roverwrite, U+FFFD \uFFFD.\n\n" +
		"Entities &#x1b;[2J &#27;]52;c;eA==&#7; &#x9b;1m &#x202e; &#0; &#xD800; &#x85;\n\n" +
		"[link](http://example.com/&#x1b;[2J) [link2](<http://example.com/\x1b[2J>) ![img](http://x/&#7;)\n\n" +
		"`code \x1b[2J` and <span>html &#x1b;[2J</span>\n\n" +
		"```\nblock \x1b]52;c;eA==\a &#x1b;\n```\n\n" +
		"<div>\nblock &#x1b;[2J \x1b[31m\n</div>\n\n" +
		"| a \x1b[2J | b &#x1b;[2J |\n|---|---|\n| \u009b | \u202e |\n"
	for _, style := range []Style{Plain, Dark, Light} {
		for _, width := range []int{20, 30, 80, 200} {
			out, err := markdownToTerminal([]byte(md), width, style)
			if err != nil {
				t.Fatal(err)
			}
			checkOutput(t, out, width, style)
			for _, bad := range []string{"\x1b]52", "\x1b[2J", "\x1b]0", "\x1b[H", "\u009b", "\u202e", "\u2066", "\a\x1b]8;;\a\x1b[2J"} {
				if strings.Contains(out, bad) {
					t.Errorf("%v at %d: output has %q:\n%q", style, width, bad, out)
				}
			}
			if style == Plain && strings.ContainsAny(out, "\x1b\a\x00\r") {
				t.Errorf("plain at %d: control characters in %q", width, out)
			}
			// Smuggled escapes are shown, not executed or lost.
			plain := ansi.Strip(out)
			if !strings.Contains(strings.Join(strings.Fields(plain), ""), "^[]52;c;cm0gLXJmIH4K^G") {
				t.Errorf("%v at %d: the OSC 52 attempt is not shown as text:\n%s", style, width, plain)
			}
		}
	}
}

// TestHangulLinks renders links whose URLs hold Hangul syllables with the
// byte 0x9C, which x/ansi would take for the end of a hyperlink.
func TestHangulLinks(t *testing.T) {
	const md = "앞 [링크](https://ko.wikipedia.org/wiki/개개어) 뒤\n\n" +
		"자동 <https://ko.wikipedia.org/wiki/게시판> 끝\n\n" +
		"맨 https://ash84.io/tags/회고 끝\n\n" +
		"![그림](https://example.com/계.png) [참조][r]\n\n" +
		"[r]: https://ko.wikipedia.org/wiki/계\n"
	for _, style := range []Style{Plain, Dark} {
		for width := 30; width <= 120; width += widthStep() {
			out, err := markdownToTerminal([]byte(md), width, style)
			if err != nil {
				t.Fatal(err)
			}
			checkOutput(t, out, width, style)
			text := ansi.Strip(out)
			if got, want := string(hangul(text)), "앞링크뒤자동게시판끝맨회고끝그림참조"; got != want {
				t.Fatalf("%v at %d: Hangul is %q, want %q:\n%s", style, width, got, want, text)
			}
			flat := strings.Join(strings.Fields(text), "")
			for _, want := range []string{
				"https://ko.wikipedia.org/wiki/%EA%B0%9C%EA%B0%9C%EC%96%B4",
				"https://ko.wikipedia.org/wiki/게시판",
				"https://ash84.io/tags/회고",
				"https://example.com/%EA%B3%84.png",
				"https://ko.wikipedia.org/wiki/%EA%B3%84",
			} {
				if !strings.Contains(flat, want) {
					t.Fatalf("%v at %d: %s missing:\n%s", style, width, want, text)
				}
			}
		}
	}
}

// TestSameAsGlamour checks that the converter markdownToTerminal builds
// renders as glamour.NewTermRenderer does, for documents whose links are
// ASCII and without tabs, and that glamour's own escape sequences pass
// clean untouched.
func TestSameAsGlamour(t *testing.T) {
	docs := map[string]string{"seed": string(seedBody(t)), "long": expandTabs(longPost(50<<10, true))}
	for name, doc := range docs {
		for _, style := range []Style{Plain, Dark, Light} {
			for _, width := range []int{40, 80, 133} {
				cfg, err := styleConfig(style)
				if err != nil {
					t.Fatal(err)
				}
				tr, err := glamour.NewTermRenderer(glamour.WithStyles(cfg), glamour.WithWordWrap(width))
				if err != nil {
					t.Fatal(err)
				}
				want, err := tr.Render(doc)
				if err != nil {
					t.Fatal(err)
				}
				var got strings.Builder
				if err := newMarkdown(cfg, width).Convert([]byte(doc), &got); err != nil {
					t.Fatal(err)
				}
				// Chroma picks the nearest 256-colour for a code token by
				// ranging over a map, so a colour halfway between two, like
				// Dark's comments (#676767: 241 or 242), varies from run to
				// run. Code is compared without its colours.
				if g := got.String(); g != want && (!strings.Contains(doc, "```") || ansi.Strip(g) != ansi.Strip(want)) {
					t.Errorf("%s %v %d: differs from glamour.NewTermRenderer", name, style, width)
				}
				if style != Plain && clean(want, true) != want {
					t.Errorf("%s %v %d: clean changes glamour's output", name, style, width)
				}
			}
		}
	}
}

// codeOrderEnv, when set, makes TestCodeColoursIndependentOfOrder run as
// a child process: it names the styles to render, in order, and the file
// to write the last rendering to.
const codeOrderEnv = "RENDER_TEST_CODE_ORDER"

// TestCodeColoursIndependentOfOrder checks, in fresh processes, that code
// in Dark has Dark's colours even after Light rendered code first: Glamour
// keeps the colours of the first style it highlights code with in Chroma's
// registry for good.
func TestCodeColoursIndependentOfOrder(t *testing.T) {
	const md = "```go\nfunc main() { return }\n```\n"
	if v := os.Getenv(codeOrderEnv); v != "" {
		styles, path, _ := strings.Cut(v, ":")
		var out string
		for _, name := range strings.Split(styles, ",") {
			style := map[string]Style{"dark": Dark, "light": Light}[name]
			var err error
			if out, err = markdownToTerminal([]byte(md), 40, style); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if testing.Short() {
		t.Skip("starts subprocesses")
	}
	render := func(styles string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command(os.Args[0], "-test.run=^TestCodeColoursIndependentOfOrder$", "-test.count=1")
		cmd.Env = append(os.Environ(), codeOrderEnv+"="+styles+":"+path)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		out, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	dark, lightThenDark := render("dark"), render("light,dark")
	if dark != lightThenDark {
		t.Errorf("Dark code after Light code:\n%q\nwant, as without Light first:\n%q", lightThenDark, dark)
	}
	if light := render("light"); light == dark {
		t.Errorf("Light and Dark code look the same")
	}
}

func TestExpandTabs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"no tabs", "no tabs"},
		{"\tx", "    x"},
		{"a\tb", "a   b"},
		{"abcd\te", "abcd    e"},
		{"가\tb", "가  b"},
		{"a\tb\n\tc", "a   b\n    c"},
		{"func f() {\n\tif x {\n\t\treturn\n\t}\n}", "func f() {\n    if x {\n        return\n    }\n}"},
	}
	for _, tt := range tests {
		if got := expandTabs(tt.in); got != tt.want {
			t.Errorf("expandTabs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTabsInCode(t *testing.T) {
	md := "```go\nfunc f() {\n\tif x {\n\t\treturn // 반환\n\t}\n}\n```\n\n- item\n\n\tindented code\n"
	for _, style := range []Style{Plain, Dark} {
		out, err := markdownToTerminal([]byte(md), 40, style)
		if err != nil {
			t.Fatal(err)
		}
		checkOutput(t, out, 40, style)
		if !strings.Contains(ansi.Strip(out), "        return // 반환") {
			t.Errorf("%v: tabs not expanded to 4 columns:\n%s", style, out)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct {
		name, in    string
		styled      bool
		want        string
		wantUnalloc bool
	}{
		{"text", "plain 한글\n", true, "plain 한글\n", true},
		{"sgr kept", "\x1b[38;5;252m글\x1b[m", true, "\x1b[38;5;252m글\x1b[m", true},
		{"sgr dropped", "\x1b[38;5;252m글\x1b[m", false, "글", false},
		{"link kept", "\x1b]8;id=1;http://x/%EA\a링크\x1b]8;;\a", true, "\x1b]8;id=1;http://x/%EA\a링크\x1b]8;;\a", true},
		{"link with ST", "\x1b]8;;http://x\x1b\\a\x1b]8;;\x1b\\", true, "\x1b]8;;http://x\x1b\\a\x1b]8;;\x1b\\", true},
		{"link dropped", "\x1b]8;;http://x\a링크\x1b]8;;\a", false, "링크", false},
		{"hangul link", "\x1b]8;;http://x/개\a링크\x1b]8;;\a", true, "\x1b]8;;http://x/개\a링크\x1b]8;;\a", true},
		{"bidi in link", "\x1b]8;;http://x/\u202e\a링크", true, "링크", false},
		{"other CSI", "a\x1b[2Jb", true, "ab", false},
		{"OSC 52", "a\x1b]52;c;eA==\ab", true, "ab", false},
		{"unterminated", "a\x1b]8;;http://x", true, "a", false},
		{"lone ESC", "a\x1b", true, "a", false},
		{"ESC and UTF-8", "a\x1b개b", true, "a개b", false},
		{"controls in text", "a\ab\tc\u009bd", true, "a^Gb c?d", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := clean(tt.in, tt.styled)
			if got != tt.want {
				t.Fatalf("clean(%q, %v) = %q, want %q", tt.in, tt.styled, got, tt.want)
			}
			if tt.wantUnalloc {
				if n := testing.AllocsPerRun(10, func() { clean(tt.in, tt.styled) }); n != 0 {
					t.Errorf("clean allocates %v times for output it leaves alone", n)
				}
			}
		})
	}
}

func TestFit(t *testing.T) {
	long := "  " + strings.Repeat("가", 30) + "x"
	styled := "\x1b[1m" + strings.Repeat("나", 30) + "\x1b[m"
	linked := "\x1b]8;;http://x\a" + strings.Repeat("다", 30) + "\x1b]8;;\a"
	for _, width := range []int{20, 21, 33} {
		for _, in := range []string{long, styled, linked, "ok\n" + long + "   \n" + styled + "\nok"} {
			for _, trim := range []bool{false, true} {
				out := fit(in, width, trim)
				for line := range strings.SplitSeq(out, "\n") {
					if w := termtext.Width(line); w > width {
						t.Errorf("fit(%q, %d): line %q is %d columns", in, width, line, w)
					}
				}
				if got, want := string(hangul(ansi.Strip(out))), string(hangul(in)); got != want {
					t.Errorf("fit(%q, %d) lost text: %q", in, width, out)
				}
			}
		}
	}
	if got := fit(styled, 60, false); got != styled {
		t.Errorf("fit changed a line that fits: %q", got)
	}
	// A wrapped styled line is closed before each break and reopened
	// after it, so that no style bleeds into the margin.
	if got := fit(styled, 20, false); !strings.Contains(got, "\x1b[m\n\x1b[1m") {
		t.Errorf("fit does not carry the style over the break: %q", got)
	}
	if got := fit("a   \nb \n", 20, true); got != "a\nb\n" {
		t.Errorf("fit with trimRight = %q", got)
	}
}

func TestStyleString(t *testing.T) {
	for s, want := range map[Style]string{Plain: "plain", Dark: "dark", Light: "light", 9: "Style(9)"} {
		if got := s.String(); got != want {
			t.Errorf("Style(%d).String() = %q, want %q", s, got, want)
		}
	}
}

func TestRenderErrors(t *testing.T) {
	r := New(1 << 20)
	if _, err := r.Render(Key{ID: "x", Width: 80, Style: 9}, []byte("# x")); err == nil || !strings.Contains(err.Error(), "Style(9)") {
		t.Errorf("unknown style: err = %v", err)
	}
	for _, width := range []int{-1, 0, 5, 19, 501, 1 << 40} {
		out, err := r.Render(Key{ID: "x", Width: width, Style: Plain}, []byte("# 제목\n\n"+strings.Repeat("본문 ", 300)))
		if err != nil {
			t.Fatal(err)
		}
		checkOutput(t, out, min(max(width, MinWidth), MaxWidth), Plain)
	}
}

func TestCacheHit(t *testing.T) {
	r := New(1 << 20)
	body := seedBody(t)
	key := Key{ID: "seed@1", Width: 80, Style: Dark}
	first, err := r.Render(key, body)
	if err != nil {
		t.Fatal(err)
	}
	second, err := r.Render(key, body)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Error("the cached output differs from the first")
	}
	st := r.Stats()
	if st.Misses != 1 || st.Hits != 1 || st.Entries != 1 || st.Bytes != len(first)+len(key.ID) {
		t.Errorf("Stats = %+v after one miss and one hit of %d bytes", st, len(first)+len(key.ID))
	}
	// Widths below the minimum are the minimum: one rendering.
	for _, w := range []int{1, 10, MinWidth} {
		if _, err := r.Render(Key{ID: "seed@1", Width: w, Style: Plain}, body); err != nil {
			t.Fatal(err)
		}
	}
	if st := r.Stats(); st.Misses != 2 || st.Entries != 2 {
		t.Errorf("Stats = %+v, want widths 1, 10 and 20 to share a rendering", st)
	}
}

func TestCacheConcurrent(t *testing.T) {
	r := New(64 << 20)
	body := seedBody(t)
	const goroutines, rounds = 32, 4
	keys := []Key{
		{ID: "seed@1", Width: 80, Style: Dark},
		{ID: "seed@1", Width: 80, Style: Plain},
		{ID: "seed@1", Width: 40, Style: Light},
		{ID: "seed@2", Width: 80, Style: Dark},
	}
	outs := make([][]string, len(keys))
	for i := range outs {
		outs[i] = make([]string, goroutines*rounds)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for round := range rounds {
				for i, key := range keys {
					out, err := r.Render(key, body)
					if err != nil {
						t.Error(err)
						return
					}
					outs[i][g*rounds+round] = out
				}
			}
		})
	}
	wg.Wait()
	for i, o := range outs {
		for _, out := range o {
			if out != o[0] {
				t.Fatalf("key %+v: outputs differ", keys[i])
			}
		}
	}
	st := r.Stats()
	if st.Misses != uint64(len(keys)) {
		t.Errorf("%d renders for %d keys", st.Misses, len(keys))
	}
	if total := st.Hits + st.Misses; total != goroutines*rounds*uint64(len(keys)) {
		t.Errorf("Hits+Misses = %d, want %d", total, goroutines*rounds*len(keys))
	}
}

func TestCacheEviction(t *testing.T) {
	body := seedBody(t)
	one, err := New(0).Render(Key{ID: "k0", Width: 60, Style: Dark}, body)
	if err != nil {
		t.Fatal(err)
	}
	// Room for two and a half renderings of about the same size.
	maxBytes := len(one) * 5 / 2
	r := New(maxBytes)
	render := func(id string) {
		t.Helper()
		if _, err := r.Render(Key{ID: id, Width: 60, Style: Dark}, body); err != nil {
			t.Fatal(err)
		}
		if st := r.Stats(); st.Bytes > maxBytes || st.Entries > 2 {
			t.Fatalf("after %s: Stats = %+v, limit %d bytes", id, st, maxBytes)
		}
	}
	render("a")
	render("b")
	render("a") // a is now more recently used than b
	render("c") // evicts b
	before := r.Stats()
	render("a")
	if st := r.Stats(); st.Hits != before.Hits+1 {
		t.Errorf("a was evicted before b")
	}
	render("b")
	if st := r.Stats(); st.Misses != before.Misses+1 {
		t.Errorf("b was not evicted")
	}
	for i := range 20 {
		render(fmt.Sprint("k", i))
	}

	// Too big to cache at all.
	small := New(100)
	for range 2 {
		if _, err := small.Render(Key{ID: "big", Width: 60, Style: Dark}, body); err != nil {
			t.Fatal(err)
		}
	}
	if st := small.Stats(); st.Misses != 2 || st.Entries != 0 || st.Bytes != 0 {
		t.Errorf("output bigger than the cache: Stats = %+v", st)
	}
}

func FuzzRender(f *testing.F) {
	f.Add([]byte("# 제목\n\n본문 **굵게** [링크](http://x/개)"), 30)
	f.Add([]byte("| a | 표 |\n|---|---|\n| 1 | 2 |\n"), 20)
	f.Add([]byte("```\n\tcode \x1b[2J\n```\n- [ ] 할일\n> 인용 &#x1b;"), 45)
	f.Add(seedBody(f), 80)
	// Shapes that cost Glamour much more than their size.
	f.Add(nestedQuotes(1000, "깊다"), 40)
	f.Add(nestedList(300), 60)
	f.Add([]byte("|"+strings.Repeat(" a |", 500)+"\n|"+strings.Repeat("---|", 500)+"\n|"+strings.Repeat(" 가 |", 500)+"\n"), 80)
	f.Add([]byte("e"+strings.Repeat("\u0301\u0302\u0303", 3000)+"\n"), 30)
	f.Add([]byte(strings.Repeat("가나다라마바사", 20000)), 25)
	r := New(1 << 20)
	f.Fuzz(func(t *testing.T, md []byte, width int) {
		width = MinWidth + (width%100+100)%100
		for _, style := range []Style{Plain, Dark} {
			out, err := markdownToTerminal(md, width, style)
			if errors.Is(err, errTooCostly) {
				continue // shown as plain text
			}
			if err != nil {
				t.Fatal(err)
			}
			checkOutput(t, out, width, style)
		}
		// Whatever the input, a reader is answered within the budget
		// (rendered, or as plain text), plus the wait for a slot.
		start := time.Now()
		out, err := r.RenderContext(context.Background(), Key{ID: fmt.Sprintf("%x", sha256.Sum256(md)), Width: width, Style: Dark}, md)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took > 2*Budget+time.Second {
			t.Errorf("a reader waited %v", took)
		}
		checkOutput(t, out, width, Dark)
	})
}

// TestCacheCountsWhatItHolds checks that the bytes the cache counts are
// about the memory its renders take (the allocator's size classes add some
// 14% here): a render that kept a larger buffer alive, or entries the
// count missed, would let the cache outgrow its bound.
func TestCacheCountsWhatItHolds(t *testing.T) {
	r := New(64 << 20)
	body := []byte(strings.Repeat("문단입니다. Some words to wrap, and **bold** ones.\n\n", 40))
	live := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := live()
	for i := range 60 {
		if _, err := r.Render(Key{ID: fmt.Sprintf("post@%d", i), Width: 80, Style: Dark}, body); err != nil {
			t.Fatal(err)
		}
	}
	// What one render leaves behind whatever is cached (glamour's and
	// goldmark's own set-up) is allowed on top.
	const setUp = 256 << 10
	grown, counted := float64(live())-float64(before), float64(r.Stats().Bytes)
	if grown > 1.25*counted+setUp {
		t.Errorf("the cache counts %.0f KiB but the heap grew %.0f KiB (%.2fx)", counted/1024, grown/1024, grown/counted)
	}
	t.Logf("counted %.0f KiB, heap grew %.0f KiB", counted/1024, grown/1024)
}

// TestImageLine finds the lines that name a post's images, with
// hyperlinks and without, at a width that wraps them.
func TestImageLine(t *testing.T) {
	md := []byte("Text.\n\n![a diagram](/assets/x.svg)\n\nMore ![pic](pic.png) inline.\n\n![한글](/assets/그림.png)\n")
	for _, links := range []bool{true, false} {
		r := New(1<<20, WithHyperlinks(links))
		for _, w := range []int{30, 80} {
			out, err := r.Render(Key{ID: "x", Width: w, Style: Dark}, md)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(out, "\n")
			a := ImageLine(lines, 0, "/assets/x.svg")
			b := ImageLine(lines, a+1, "pic.png")
			c := ImageLine(lines, b+1, "/assets/그림.png")
			if a < 0 || b <= a || c <= b {
				t.Fatalf("links %v width %d: lines %d %d %d in\n%s", links, w, a, b, c, out)
			}
			if !strings.Contains(ansi.Strip(lines[a]), "Image: a diagram") || !strings.Contains(ansi.Strip(lines[b]), "pic") {
				t.Errorf("links %v width %d: %q, %q", links, w, lines[a], lines[b])
			}
			if ImageLine(lines, 0, "/assets/none.png") != -1 {
				t.Errorf("found an image the post does not have")
			}
		}
	}
}
