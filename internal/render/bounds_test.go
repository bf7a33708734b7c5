package render

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sshblog/sshblog/internal/termtext"
)

// nestedQuotes is one line under n block quotes.
func nestedQuotes(n int, text string) []byte {
	return []byte(strings.Repeat(">", n) + " " + text + "\n")
}

// nestedList is n list items, each one level deeper than the last.
func nestedList(n int) []byte {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i) + "- 항목 " + string(rune('a'+i%26)) + "\n")
	}
	return []byte(b.String())
}

func TestDeepNestingIsFlattenedTextKept(t *testing.T) {
	r := New(0)
	for name, md := range map[string][]byte{
		"1,000 quotes":  nestedQuotes(1000, "깊은 인용문 끝"),
		"10,000 quotes": nestedQuotes(10000, "깊은 인용문 끝"),
		"100 lists":     nestedList(100),
	} {
		t.Run(name, func(t *testing.T) {
			out, err := r.RenderContext(context.Background(), Key{ID: name, Width: 60, Style: Plain}, md)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, "plain text") {
				t.Fatalf("fell back instead of rendering flattened:\n%.300s", out)
			}
			want := "깊은 인용문 끝"
			if strings.HasSuffix(name, "lists") {
				want = "항목"
			}
			if !strings.Contains(out, want) {
				t.Errorf("the text is lost:\n%.500s", out)
			}
			for i, l := range strings.Split(out, "\n") {
				if w := termtext.Width(l); w > 60 {
					t.Fatalf("line %d is %d columns", i+1, w)
				}
			}
			if w := Check(md); !strings.Contains(w, "flattened") {
				t.Errorf("Check = %q, want a warning", w)
			}
		})
	}
}

func TestFlatteningKeepsCodeAndShallowDocuments(t *testing.T) {
	md := []byte("> 인용\n>\n> > 두 겹\n\n```\n>>>>>>>>>>>>>>>>>>>>>>>>>>>>>> not a quote\n```\n\n- a\n  - b\n")
	if w := Check(md); w != "" {
		t.Errorf("Check = %q for a shallow document", w)
	}
	out, err := New(0).RenderContext(context.Background(), Key{ID: "x", Width: 80, Style: Plain}, md)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"인용", "두 겹", ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>> not a quote"} {
		if !strings.Contains(out, want) {
			t.Errorf("%q is missing:\n%s", want, out)
		}
	}
	// 17 levels: the 17th is one level up, in the 16th.
	deep := nestedQuotes(MaxDepth+1, "bottom")
	flat := nestedQuotes(MaxDepth, "bottom")
	a, _ := New(0).RenderContext(context.Background(), Key{ID: "deep", Width: 80, Style: Plain}, deep)
	b, _ := New(0).RenderContext(context.Background(), Key{ID: "flat", Width: 80, Style: Plain}, flat)
	if a != b {
		t.Errorf("%d levels do not render as %d:\n%q\n%q", MaxDepth+1, MaxDepth, a, b)
	}
}

func TestFallbackFitsTheWidth(t *testing.T) {
	md := []byte("# 제목\n\n" + strings.Repeat("한글로만이어진아주긴줄", 20) + "\n\n\x1b[2Jtab\there\n")
	for _, width := range []int{20, 33, 80} {
		out := fallback(md, width, noteSlow)
		if strings.ContainsRune(out, 0x1b) {
			t.Errorf("width %d: an escape reached the fallback", width)
		}
		if !strings.HasPrefix(out, "(this post takes too") || !strings.Contains(out, "한글로만") {
			t.Errorf("width %d: %.200q", width, out)
		}
		for i, l := range strings.Split(out, "\n") {
			if w := termtext.Width(l); w > width {
				t.Errorf("width %d: line %d is %d columns: %q", width, i+1, w, l)
			}
		}
	}
}

// slowDoc is a document whose render takes a good part of a second, yet
// is estimated under the cost limit: paragraphs at the deepest nesting
// rendered.
func slowDoc() []byte {
	return []byte(strings.Repeat(string(nestedQuotes(MaxDepth, "느린 글입니다 slow text here"))+"\n", 60))
}

func TestTooCostlyIsPlainTextAtOnce(t *testing.T) {
	// 1 MiB of paragraphs under 16 quotes would take minutes.
	md := []byte(strings.Repeat(string(nestedQuotes(MaxDepth, "x"))+"\n", (1<<20)/(MaxDepth+4)))
	if w := Check(md); !strings.Contains(w, "too large to render") {
		t.Errorf("Check = %q", w)
	}
	r := New(0)
	out, err := r.RenderContext(context.Background(), Key{ID: "huge", Width: 80, Style: Dark}, md)
	// Under the race detector parsing a MiB may itself run past the
	// budget; either way the reader gets the plain text.
	if err != nil || !strings.HasPrefix(out, "(this post is too large to render") && !strings.HasPrefix(out, "(this post takes too long") {
		t.Errorf("%v, %.100q", err, out)
	}
	if c := roughCost(seedBody(t), 80); c > maxCost/10 {
		t.Errorf("the seed post is estimated at %d", c)
	}
	if c := roughCost(md, 80); c <= maxCost {
		t.Errorf("a MiB of deep quotes is estimated at %d, under %d", c, maxCost)
	}
	seed := []byte("# 제목\n\n" + strings.Repeat("보통 길이의 문단입니다. ", 20) + "\n\n")
	if w := Check(bytesRepeat(seed, 200)); w != "" {
		t.Errorf("a long ordinary post: Check = %q", w)
	}
}

// bytesRepeat repeats b n times.
func bytesRepeat(b []byte, n int) []byte { return []byte(strings.Repeat(string(b), n)) }

func TestOverBudgetFallsBackAndTheRenderIsKept(t *testing.T) {
	r := New(1<<24, withBudget(time.Millisecond))
	md := slowDoc()
	key := Key{ID: "slow@1", Width: 80, Style: Plain}
	out, err := r.RenderContext(context.Background(), key, md)
	if err != nil || !strings.HasPrefix(out, "(this post takes too long to render") {
		t.Fatalf("over budget: %v, %.100q", err, out)
	}
	// Another width of the same post falls back at once while the first
	// render runs: the cost is not multiplied.
	other, _ := r.RenderContext(context.Background(), Key{ID: "slow@1", Width: 40, Style: Plain}, md)
	if !strings.HasPrefix(other, "(this post takes too long") || r.Stats().Misses != 0 {
		t.Errorf("a second width started a render: %d misses", r.Stats().Misses)
	}
	// The render goes on and is cached when it ends.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got, ok := r.Cached(key); ok {
			if strings.Contains(got, "plain text") || !strings.Contains(got, "느린 글입니다") {
				t.Errorf("cached render: %.100q", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the render never finished")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCancelledCallerReturnsAndLeavesNoRender(t *testing.T) {
	before := runtime.NumGoroutine()
	r := New(0)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := r.RenderContext(ctx, Key{ID: "slow", Width: 80, Style: Plain}, slowDoc())
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(Budget):
		t.Fatal("a cancelled caller still waited")
	}
	// The render it started finishes on its own; nothing is left running.
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAtMostNRendersAndABoundedQueue(t *testing.T) {
	r := New(0, WithConcurrency(1))
	if err := r.acquire(); err != nil { // the one slot
		t.Fatal(err)
	}
	waiting := make(chan error, queueFactor)
	for range queueFactor - 1 { // wait in line
		go func() { waiting <- r.acquire() }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(r.queue) < queueFactor {
		if time.Now().After(deadline) {
			t.Fatalf("%d in line", len(r.queue))
		}
		time.Sleep(time.Millisecond)
	}
	if err := r.acquire(); !errors.Is(err, errBusy) {
		t.Errorf("with the line full, acquire = %v, want busy at once", err)
	}
	for range queueFactor - 1 { // each waiter gets the slot in turn
		r.release()
		if err := <-waiting; err != nil {
			t.Fatal(err)
		}
	}
	r.release()
	if len(r.slots) != 0 || len(r.queue) != 0 {
		t.Errorf("slots %d, queue %d after every release", len(r.slots), len(r.queue))
	}
}

func TestWithoutHyperlinks(t *testing.T) {
	md := []byte("[링크](https://example.com/가) and <https://example.com/x>\n")
	on, err := New(0).RenderContext(context.Background(), Key{ID: "l", Width: 80, Style: Dark}, md)
	if err != nil || !strings.Contains(on, "\x1b]8;") {
		t.Fatalf("no hyperlinks by default: %q, %v", on, err)
	}
	off, err := New(0, WithHyperlinks(false)).RenderContext(context.Background(), Key{ID: "l", Width: 80, Style: Dark}, md)
	if err != nil || strings.Contains(off, "\x1b]8;") || !strings.Contains(off, "링크") {
		t.Errorf("with hyperlinks off: %q, %v", off, err)
	}
}
