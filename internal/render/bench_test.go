package render

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"charm.land/glamour/v2/styles"
	"github.com/charmbracelet/x/ansi"
)

// longPost returns a post of at least size bytes mixing Korean and
// English prose, unspaced Hangul, headings, nested lists, quotes, links,
// code blocks with tabs and, if tables is set, tables. The same arguments
// always give the same post.
func longPost(size int, tables bool) string {
	korean := []string{
		"요즘은 러닝이라고 하던데 달리기를 시작했다. 길게 달리진 못하고 어쨌든 숨이 차게 유산소 운동을 잘 안하는 스타일이라 매일 하루를 그렇게 시작해보고자 성북천을 매일 아침 7-8시에 뛰었다.",
		"파이썬은 오픈소스이고, 오픈소스라는건 돈과 사람-시간이 필요하고, 나는 솔직히 말하면 그 열매를 취하는 입장에 있는것 같다.",
		"회사 테크블로그를 개편했다. 계기는 원래 회사 테크 블로그로 만들었던 blog.payhere.in 에 여러 다른 파트들이 들어오면서 특색을 잃어가고 있다고 판단이 되었다.",
		"띄어쓰기없이길게이어지는한국어문장도터미널너비에맞게줄을바꿔야하며글자를반으로자르면안된다",
	}
	english := []string{
		"The quick brown fox jumps over the lazy dog while the terminal keeps every line within its width.",
		"Rendering markdown for a terminal means wrapping prose, indenting lists and keeping code readable.",
	}
	var b strings.Builder
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "# %d장. 달리기와 rendering %d\n\n", i, i)
		fmt.Fprintf(&b, "%s %s *%s* **%s**\n\n", korean[i%4], english[i%2], korean[(i+1)%4], english[(i+1)%2])
		fmt.Fprintf(&b, "## 목록 %d\n\n- %s\n  - %s\n    1. `inline code` 와 [링크](https://example.com/posts/%d)\n    2. %s\n- [x] 할 일 %d\n\n", i, korean[(i+2)%4], english[i%2], i, korean[3], i)
		fmt.Fprintf(&b, "> %s\n> %s\n\n", korean[(i+3)%4], english[(i+1)%2])
		fmt.Fprintf(&b, "```go\n// %s\nfunc run%d(ctx context.Context) error {\n\tfor i := range %d {\n\t\tif err := step(ctx, i); err != nil {\n\t\t\treturn fmt.Errorf(\"단계 %%d: %%w\", i, err)\n\t\t}\n\t}\n\treturn nil\n}\n```\n\n", string([]rune(korean[i%4])[:12]), i, i)
		if tables {
			fmt.Fprintf(&b, "| 이름 | 설명 | 값 |\n|---|---|---:|\n| 달리기 | %s | %d |\n| rendering | %s | %d |\n\n", korean[i%4], i*7, english[i%2], i*13)
		}
		fmt.Fprintf(&b, "%s https://tech.payhere.in/%d 그리고 %s\n\n---\n\n", english[i%2], i, korean[(i+1)%4])
	}
	return b.String()
}

func BenchmarkRenderSeedUncached80(b *testing.B) {
	body := seedBody(b)
	for _, style := range []Style{Plain, Dark} {
		b.Run(style.String(), func(b *testing.B) {
			r := New(64 << 20)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := r.Render(Key{ID: "seed@" + strconv.Itoa(i), Width: 80, Style: style}, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRenderCached80(b *testing.B) {
	body := seedBody(b)
	r := New(64 << 20)
	key := Key{ID: "seed@1", Width: 80, Style: Dark}
	if _, err := r.Render(key, body); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Render(key, body); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkRenderLongPost(b *testing.B) {
	post := []byte(longPost(200<<10, true))
	for _, style := range []Style{Plain, Dark} {
		b.Run(style.String(), func(b *testing.B) {
			r := New(0)
			b.SetBytes(int64(len(post)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Render(Key{ID: "long", Width: 80, Style: style}, post); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNewMarkdown measures building the converter that each render
// builds afresh rather than pooling.
func BenchmarkNewMarkdown(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		newMarkdown(styles.DarkStyleConfig, 80)
	}
}

// TestLongPost checks a long post full of lists, quotes, code and
// tables at a few widths: the width of each line, and that no Hangul is
// lost. Tables are left out of the Hangul check: when a table is wider
// than the terminal, Glamour's table renderer (Lip Gloss's) narrows its
// columns and may cut cells, down to a column one cell wide that a Hangul
// syllable cannot fit in at all.
func TestLongPost(t *testing.T) {
	for _, tables := range []bool{false, true} {
		post := []byte(longPost(60<<10, tables))
		want := hangul(string(post))
		for _, style := range []Style{Plain, Dark} {
			t.Run(fmt.Sprintf("%v/tables=%v", style, tables), func(t *testing.T) {
				t.Parallel()
				for _, width := range []int{30, 57, 80, 141, 250} {
					out, err := markdownToTerminal(post, width, style)
					if err != nil {
						t.Fatal(err)
					}
					checkOutput(t, out, width, style)
					if got := hangul(ansi.Strip(out)); !tables && !slices.Equal(got, want) {
						t.Errorf("%v at %d: %d Hangul syllables, want the post's %d in order", style, width, len(got), len(want))
					}
				}
			})
		}
	}
}
