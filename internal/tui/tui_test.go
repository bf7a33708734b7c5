package tui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
)

func TestMain(m *testing.M) {
	// The server pins terminal widths at start-up; so do the tests, which
	// run under a CJK locale in scripts/test.sh.
	if err := termtext.Pin(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

const (
	seedSlug  = "march-2024-retrospective"
	seedTitle = "24년 3월 회고"
	blogTitle = "Ash's Notes"
)

// seed is the built-in Korean post.
func seed(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "posts", seedSlug+".md"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeStore is an in-memory store.Reader. It counts reads of bodies.
type fakeStore struct {
	mu      sync.Mutex
	entries map[string]store.Entry
	revs    map[string]store.Revision
	gets    int
	listErr error // if set, List fails with it
}

func newFakeStore() *fakeStore {
	return &fakeStore{entries: map[string]store.Entry{}, revs: map[string]store.Revision{}}
}

// put stores a new revision of a post, its metadata from its front matter.
func (f *fakeStore) put(t testing.TB, slug string, src []byte) {
	t.Helper()
	p, err := post.Parse(src, post.Options{Slug: slug, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	f.putRaw(store.Entry{Meta: p.Meta}, src)
}

// putRaw stores a new revision with the metadata given, as a store that
// did not validate its input would.
func (f *fakeStore) putRaw(e store.Entry, src []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := store.Revision{
		Slug: e.Slug, Rev: f.revs[e.Slug].Rev + 1, Author: "system", Action: store.Published,
		Time: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Source: src,
	}
	e.Rev, e.Updated, e.By = r.Rev, r.Time, r.Author
	f.entries[e.Slug], f.revs[e.Slug] = e, r
}

func (f *fakeStore) remove(slug string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.entries, slug)
	delete(f.revs, slug)
}

func (f *fakeStore) setListErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listErr = err
}

func (f *fakeStore) List(ctx context.Context) ([]store.Entry, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	out := make([]store.Entry, 0, len(f.entries))
	for _, e := range f.entries {
		out = append(out, e)
	}
	sortEntries(out)
	return out, nil
}

// sortEntries sorts newest first, ties by slug.
func sortEntries(es []store.Entry) {
	slices.SortFunc(es, func(a, b store.Entry) int {
		if c := b.Date.Compare(a.Date); c != 0 {
			return c
		}
		return strings.Compare(a.Slug, b.Slug)
	})
}

func (f *fakeStore) Get(ctx context.Context, slug string) (store.Revision, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	r, ok := f.revs[slug]
	if !ok {
		return store.Revision{}, fmt.Errorf("%w: %s", store.ErrNotFound, slug)
	}
	return r, nil
}

func (f *fakeStore) getCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets
}

// newRenderer is the real renderer, with a cache of its own.
func newRenderer(testing.TB) Renderer { return render.New(16 << 20) }

// recorder wraps a renderer and remembers the keys it was asked for.
type recorder struct {
	Renderer
	mu   sync.Mutex
	keys []render.Key
	fail error
}

func (r *recorder) Render(k render.Key, md []byte) (string, error) {
	r.mu.Lock()
	r.keys = append(r.keys, k)
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		return "", fail
	}
	return r.Renderer.Render(k, md)
}

// Cached remembers k when it is a hit: the model asked for the render and
// got it.
func (r *recorder) Cached(k render.Key) (string, bool) {
	out, ok := r.Renderer.Cached(k)
	if ok {
		r.mu.Lock()
		r.keys = append(r.keys, k)
		r.mu.Unlock()
	}
	return out, ok
}

func (r *recorder) last() render.Key {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.keys) == 0 {
		return render.Key{}
	}
	return r.keys[len(r.keys)-1]
}

// mdPost is a post's markdown with front matter.
func mdPost(title, date string, tags []string, body string) []byte {
	var b strings.Builder
	b.WriteString("---\n")
	fmt.Fprintf(&b, "title: %q\n", title)
	fmt.Fprintf(&b, "pub_date: '%s'\n", date)
	if len(tags) > 0 {
		b.WriteString("tags: [")
		for i, t := range tags {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q", t)
		}
		b.WriteString("]\n")
	}
	b.WriteString("---\n\n")
	b.WriteString(body)
	return []byte(b.String())
}

// harness drives a Model the way a Bubble Tea program does, running the
// commands it returns and feeding their messages back.
type harness struct {
	t     testing.TB
	m     *Model
	st    *fakeStore
	r     *recorder
	quits int
	raw   []string // what the model wrote to the terminal with tea.Raw
}

func newHarness(t testing.TB, st *fakeStore, w, h int) *harness {
	t.Helper()
	r := &recorder{Renderer: newRenderer(t)}
	hs := &harness{t: t, st: st, r: r}
	hs.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: w, Height: h})
	hs.run(hs.m.Init())
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

// seeded is a blog with the seed post and two others.
func seeded(t testing.TB, w, h int) *harness {
	t.Helper()
	st := newFakeStore()
	st.put(t, seedSlug, seed(t))
	st.put(t, "hello", mdPost("Hello, world", "2024-01-02", []string{"meta"}, "# Hello\n\nFirst post.\n"))
	st.put(t, "newest", mdPost("새 글: 최신 소식", "2024-05-01", []string{"news", "한국어"}, strings.Repeat("문단입니다. ", 200)+"\n"))
	return newHarness(t, st, w, h)
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

// run runs cmd and what follows from it to the end. A command that does not
// return at once fails the test: the model must not start timers.
func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 10000 {
			h.t.Fatal("commands never settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(5 * time.Second):
			h.t.Fatal("a command blocks (a timer?)")
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			h.quits++
		case tea.RawMsg:
			h.raw = append(h.raw, fmt.Sprint(msg.Msg))
		default:
			_, next := h.m.Update(msg)
			queue = append(queue, next)
		}
	}
}

func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyPress(k))
	}
}

// typeText types text a character at a time, as a terminal sends it.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r, _ := utf8.DecodeRuneInString(k)
	return tea.KeyPressMsg{Code: r, Text: k}
}

// view is what the screen shows, with escape sequences.
func (h *harness) view() string { return h.m.View().Content }

// plain is what the screen shows, as text.
func (h *harness) plain() string { return strip(h.view()) }

var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m|\x1b]8;[^\x1b\a]*(\x1b\\\\|\a)")

// strip removes the styling the model adds (colours, attributes, links).
// Anything else that looks like an escape sequence stays, for tests to find.
func strip(s string) string { return sgr.ReplaceAllString(s, "") }

// checkFits fails when a line of the view is wider than w columns, when
// there are more than h lines, or when there is a replacement character.
func (h *harness) checkFits(w, ht int) {
	h.t.Helper()
	v := h.view()
	lines := strings.Split(v, "\n")
	if len(lines) > max(ht, 1) {
		h.t.Errorf("%dx%d: %d lines", w, ht, len(lines))
	}
	for i, l := range lines {
		if lw := termtext.Width(l); lw > w {
			h.t.Errorf("%dx%d: line %d is %d columns: %q", w, ht, i+1, lw, strip(l))
		}
	}
	if strings.ContainsRune(v, utf8.RuneError) {
		h.t.Errorf("%dx%d: U+FFFD in the view:\n%s", w, ht, strip(v))
	}
}

func TestListShowsBlogAndPosts(t *testing.T) {
	h := seeded(t, 80, 24)
	v := h.plain()
	lines := strings.Split(v, "\n")
	if !strings.Contains(lines[0], blogTitle) {
		t.Errorf("the first line is %q, want the blog's title", lines[0])
	}
	for _, want := range []string{seedTitle, "2024-04-14", "essay, 회고, retrospective", "새 글: 최신 소식", "Hello, world", "3 posts"} {
		if !strings.Contains(v, want) {
			t.Errorf("the list lacks %q:\n%s", want, v)
		}
	}
	// Newest first.
	if a, b := strings.Index(v, "새 글"), strings.Index(v, seedTitle); a > b {
		t.Errorf("posts are not newest first:\n%s", v)
	}
	if !strings.Contains(lines[len(lines)-1], "quit") {
		t.Errorf("no help at the bottom:\n%s", v)
	}
	if h.st.getCount() != 0 {
		t.Errorf("the list read %d bodies", h.st.getCount())
	}
}

func TestEveryWidthFits(t *testing.T) {
	for _, w := range []int{30, 40, 80, 200, 250} {
		t.Run(fmt.Sprint(w), func(t *testing.T) {
			h := seeded(t, w, 24)
			h.checkFits(w, 24)
			h.press("?")
			h.checkFits(w, 24)
			h.press("?", "/")
			h.typeText("회고")
			h.checkFits(w, 24)
			h.press("esc", "j", "enter")
			if h.m.screen != pagerScreen {
				t.Fatal("enter did not open the post")
			}
			h.checkFits(w, 24)
			for _, k := range []string{"j", "space", "G", "?", "b", "g"} {
				h.press(k)
				h.checkFits(w, 24)
			}
			h.press("n")
			h.checkFits(w, 24)
		})
	}
}

func TestOpenPost(t *testing.T) {
	h := seeded(t, 200, 40)
	h.press("j") // the seed post is the second newest
	h.press("enter")
	if h.st.getCount() != 1 {
		t.Fatalf("opening read %d bodies, want 1", h.st.getCount())
	}
	v := h.plain()
	for _, want := range []string{
		seedTitle,
		"2024-04-14 · ash84 · essay, 회고, retrospective",
		"image: https://s3.ap-northeast-2.amazonaws.com/static.ash84.io/images/blog/march-2024-retrospective/IMG_5672.jpg",
		"달리기",
		"─────",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the pager lacks %q:\n%s", want, v)
		}
	}
	lines := strings.Split(v, "\n")
	status := lines[len(lines)-1]
	if !strings.Contains(status, seedTitle) || !strings.Contains(status, "0%") {
		t.Errorf("status bar %q lacks the title or the percentage", status)
	}
	if k := h.r.last(); k.ID != seedSlug+"@1" || k.Width != 200 || k.Style != render.Dark {
		t.Errorf("rendered with %+v", k)
	}
	// The image is a link in terminals that have them.
	if !strings.Contains(h.view(), "\x1b]8;;https://s3.ap-northeast-2.amazonaws.com/") {
		t.Errorf("the image is not a hyperlink")
	}
}

func TestImageLineAtNarrowWidths(t *testing.T) {
	for _, w := range []int{30, 31, 40} {
		h := seeded(t, w, 20)
		h.press("j", "enter")
		found := false
		for _, l := range strings.Split(h.plain(), "\n") {
			if strings.Contains(l, "image: https://") {
				found = true
				if !strings.HasSuffix(strings.TrimRight(l, " "), "…") {
					t.Errorf("%d: a cut URL must end with an theme.Ellipsis: %q", w, l)
				}
			}
		}
		if !found {
			t.Errorf("%d: no image line:\n%s", w, h.plain())
		}
		h.checkFits(w, 20)
	}
}

func TestScroll(t *testing.T) {
	h := seeded(t, 60, 20)
	h.press("j", "enter")
	top := h.plain()
	h.press("j")
	if h.plain() == top {
		t.Error("j did not scroll")
	}
	h.press("G")
	bottom := h.plain()
	if bottom == top {
		t.Error("G did not scroll")
	}
	if lines := strings.Split(bottom, "\n"); !strings.Contains(lines[len(lines)-1], "100%") {
		t.Errorf("at the bottom the status bar is %q", lines[len(lines)-1])
	}
	if !strings.Contains(bottom, "24년 2월 회고") {
		t.Errorf("the bottom does not show the post's end:\n%s", bottom)
	}
	h.press("g")
	if h.plain() != top {
		t.Error("g did not go back to the top")
	}
	for _, k := range []string{"space", "pgdown", "d", "f"} {
		h.press("g", k)
		if h.plain() == top {
			t.Errorf("%s did not scroll", k)
		}
	}
}

func TestBackKeepsCursorAndFilter(t *testing.T) {
	h := seeded(t, 80, 24)
	h.press("/")
	h.typeText("o")  // "Hello, world" and the seed post's tag "retrospective"
	h.press("enter") // apply the filter
	filtered := h.plain()
	if strings.Contains(filtered, "새 글") || !strings.Contains(filtered, seedTitle) || !strings.Contains(filtered, "Hello, world") {
		t.Fatalf("the filter o shows:\n%s", filtered)
	}
	h.press("j", "enter")
	if !strings.Contains(h.plain(), "First post.") {
		t.Fatalf("did not open the second match:\n%s", h.plain())
	}
	h.press("q")
	if h.m.screen != listScreen || h.quits != 0 {
		t.Fatal("q in the pager did not go back to the list")
	}
	if got := h.plain(); got != filtered && !strings.Contains(got, "“o” · 2 of 3 posts") {
		t.Errorf("the filter is gone:\n%s", got)
	}
	if h.m.selectedSlug() != "hello" {
		t.Errorf("the cursor is on %q", h.m.selectedSlug())
	}
	h.press("enter", "esc")
	if h.m.screen != listScreen {
		t.Error("esc in the pager did not go back")
	}
	h.press("esc") // clears the filter
	if !strings.Contains(h.plain(), "새 글") {
		t.Errorf("esc did not clear the filter:\n%s", h.plain())
	}
	if h.m.selectedSlug() != "hello" {
		t.Errorf("clearing the filter moved the cursor to %q", h.m.selectedSlug())
	}

	// A filter given up on puts the cursor back where it was.
	h.press("k")
	h.press("/")
	h.typeText("hello")
	h.press("esc")
	if h.m.selectedSlug() != seedSlug {
		t.Errorf("cancelling the filter moved the cursor to %q", h.m.selectedSlug())
	}
}

func TestFilter(t *testing.T) {
	h := seeded(t, 80, 24)
	h.press("/")
	h.typeText("retro q") // q is a letter while filtering
	if h.quits != 0 {
		t.Fatal("q while filtering quit")
	}
	if v := h.plain(); strings.Contains(v, seedTitle) {
		t.Errorf("“retro q” should match nothing:\n%s", v)
	}
	h.press("esc")
	for filter, want := range map[string]string{
		"회고":       seedTitle,    // title and tag, in Hangul
		"RETRO":    seedTitle,    // a tag, in any case
		"march":    seedTitle,    // the slug
		"한국어 NEWS": "새 글: 최신 소식", // words in any order
	} {
		h.press("/")
		h.typeText(filter)
		v := h.plain()
		if !strings.Contains(v, want) || strings.Contains(v, "Hello, world") {
			t.Errorf("filter %q shows:\n%s", filter, v)
		}
		h.press("esc")
	}
	h.press("/")
	h.send(tea.PasteMsg{Content: "회고"})
	if v := h.plain(); !strings.Contains(v, seedTitle) || strings.Contains(v, "Hello, world") {
		t.Errorf("a pasted filter shows:\n%s", v)
	}
}

func TestFilterIsSynchronous(t *testing.T) {
	// A terminal can send a filter and enter in one read, so enter comes
	// before anything the filter's commands would answer.
	h := seeded(t, 80, 24)
	for _, k := range []string{"/", "회", "고", "q"} {
		h.m.Update(keyPress(k)) // the commands are not run
	}
	if v := h.plain(); !strings.Contains(v, "Nothing matches.") {
		t.Errorf("the filter 회고q shows:\n%s", v)
	}
	h.m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
	h.m.Update(keyPress("enter"))
	if v := h.plain(); !strings.Contains(v, "“회고” · 1 of 3 posts") || strings.Contains(v, "Hello, world") {
		t.Errorf("after 회고 enter the list shows:\n%s", v)
	}
	// Editing the filter in the middle keeps the text cursor there.
	h.m.Update(keyPress("/"))
	h.m.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	h.m.Update(keyPress("x"))
	if got := h.m.list.FilterValue(); got != "회x고" {
		t.Errorf("typing in the middle of the filter made %q", got)
	}
}

func TestNextAndPrevious(t *testing.T) {
	h := seeded(t, 80, 24)
	h.press("enter")
	if !strings.Contains(h.plain(), "새 글") {
		t.Fatalf("enter opened:\n%s", h.plain())
	}
	h.press("n")
	if !strings.Contains(h.plain(), "달리기") {
		t.Fatalf("n opened:\n%s", h.plain())
	}
	h.press("n")
	if !strings.Contains(h.plain(), "First post.") {
		t.Fatalf("n opened:\n%s", h.plain())
	}
	h.press("n") // the last post: stays
	if !strings.Contains(h.plain(), "First post.") {
		t.Fatalf("n at the end opened:\n%s", h.plain())
	}
	h.press("p", "p")
	if !strings.Contains(h.plain(), "문단입니다") {
		t.Fatalf("p, p opened:\n%s", h.plain())
	}
	h.press("q")
	if h.m.selectedSlug() != "newest" {
		t.Errorf("back in the list, the cursor is on %q", h.m.selectedSlug())
	}
}

func TestResizeRendersAgain(t *testing.T) {
	h := seeded(t, 80, 24)
	h.press("j", "enter")
	h.press("space")
	for _, w := range []int{40, 120, 30} {
		h.send(tea.WindowSizeMsg{Width: w, Height: 30})
		if k := h.r.last(); k.Width != w {
			t.Errorf("after a resize to %d the last render was %+v", w, k)
		}
		h.checkFits(w, 30)
		if !strings.Contains(h.plain(), seedTitle) {
			t.Errorf("%d: the status bar lost the title", w)
		}
	}
}

func TestBackgroundColour(t *testing.T) {
	h := seeded(t, 80, 24)
	h.press("j", "enter")
	if k := h.r.last(); k.Style != render.Dark {
		t.Errorf("before the terminal answers the style is %v, want dark", k.Style)
	}
	dark := h.view()
	h.send(tea.BackgroundColorMsg{Color: color.White})
	if k := h.r.last(); k.Style != render.Light {
		t.Errorf("on a white background the style is %v, want light", k.Style)
	}
	if h.view() == dark {
		t.Error("the view did not change for a light background")
	}
	if strip(h.view()) != strip(dark) {
		t.Error("a light background changed the text, not just the colours")
	}
	n := len(h.r.keys)
	h.send(tea.BackgroundColorMsg{Color: color.White})
	if len(h.r.keys) != n {
		t.Error("the same background rendered again")
	}
	h.send(tea.BackgroundColorMsg{Color: color.Black})
	if k := h.r.last(); k.Style != render.Dark {
		t.Errorf("on a black background the style is %v", k.Style)
	}
}

func TestReload(t *testing.T) {
	h := seeded(t, 80, 30)
	h.press("j") // on the seed post
	h.st.put(t, "brand-new", mdPost("방금 올린 글", "2024-06-01", nil, "new\n"))
	h.send(ReloadMsg{})
	v := h.plain()
	if !strings.Contains(v, "방금 올린 글") || !strings.Contains(v, "4 posts") {
		t.Errorf("the new post is not listed:\n%s", v)
	}
	if h.m.selectedSlug() != seedSlug {
		t.Errorf("after a reload the cursor is on %q, want %q", h.m.selectedSlug(), seedSlug)
	}

	// A reload while reading brings the new revision of the open post,
	// where the reader was.
	h.press("enter", "d")
	src := strings.Replace(string(seed(t)), "동네 달리기를", "동네 걷기를", 1)
	h.st.put(t, seedSlug, []byte(src))
	before := h.m.pager.Offset()
	h.send(ReloadMsg{})
	if v := h.plain(); !strings.Contains(v, "동네 걷기를") {
		t.Errorf("the open post was not reloaded:\n%s", v)
	}
	if after := h.m.pager.Offset(); after != before {
		t.Errorf("the reload moved the reader from line %d to %d", before, after)
	}
	if k := h.r.last(); k.ID != seedSlug+"@2" {
		t.Errorf("rendered %q after the edit", k.ID)
	}

	// A reload that fails keeps the list and says why, on one line.
	h.press("q")
	h.st.setListErr(errors.New("disk on fire\x1b[2J\nsecond line"))
	h.send(ReloadMsg{})
	v = h.plain()
	if !strings.Contains(v, "disk on fire") || !strings.Contains(v, "방금 올린 글") {
		t.Errorf("a failed reload shows:\n%s", v)
	}
	if strings.Contains(v, "\x1b") {
		t.Errorf("the error's escape reached the screen:\n%q", v)
	}
}

func TestPostGoneBeforeOpen(t *testing.T) {
	h := seeded(t, 80, 24)
	h.st.remove("newest")
	h.press("enter")
	if h.m.screen != listScreen {
		t.Fatal("a vanished post opened")
	}
	v := h.plain()
	if !strings.Contains(v, "no longer") || strings.Contains(v, "새 글") {
		t.Errorf("after opening a vanished post the list shows:\n%s", v)
	}
}

func TestRenderError(t *testing.T) {
	h := seeded(t, 80, 24)
	h.r.fail = errors.New("glamour\x1b]0;pwned\a broke\nbadly")
	h.press("enter")
	v := h.plain()
	if h.m.screen != pagerScreen || !strings.Contains(v, "broke badly") || !strings.Contains(v, "새 글") {
		t.Errorf("a failed render shows:\n%s", v)
	}
	if strings.ContainsAny(v, "\x1b\a") {
		t.Errorf("the error's escapes reached the screen: %q", v)
	}
	h.checkFits(80, 24)
	n := len(h.r.keys)
	h.press("j", "k")
	if len(h.r.keys) != n {
		t.Error("a failed render is retried without cause")
	}
	h.r.fail = nil
	h.send(tea.WindowSizeMsg{Width: 70, Height: 24})
	if !strings.Contains(h.plain(), "문단입니다") {
		t.Errorf("a resize did not retry the render:\n%s", h.plain())
	}
}

func TestEscapesInTitle(t *testing.T) {
	// The store validates what it is given, but the reader does not count
	// on it: every string from a post is sanitised on the way to the screen.
	st := newFakeStore()
	st.putRaw(store.Entry{Meta: post.Meta{
		Slug:        "evil\x1b[2J",
		Title:       "evil\x1b[2J\x1b]0;owned\a title\u009b31m",
		Description: "line one\nline two\x1b[5m",
		Author:      "\x1b[31mmallory",
		Tags:        []string{"\x1b[5mblink", "ok"},
		Image:       "https://example.com/\x1b[8m.png",
		Date:        time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}}, []byte("---\ntitle: fine\n---\n\nbody\n"))
	st.putRaw(store.Entry{Meta: post.Meta{Slug: "broken", Title: "broken\x1b[2J"}}, []byte("---\ntitle: [unclosed\n"))
	h := newHarness(t, st, 80, 24)
	v := h.plain()
	if !strings.Contains(v, "evil") || !strings.Contains(v, "line one line two") {
		t.Fatalf("the posts are not shown:\n%s", v)
	}
	if strings.ContainsAny(v, "\x1b\a\u009b") {
		t.Errorf("an escape from a post reached the list: %q", v)
	}
	if wt := h.m.View().WindowTitle; strings.ContainsAny(wt, "\x1b\a") {
		t.Errorf("window title %q", wt)
	}
	// The broken post does not parse: its header (from the list) and the
	// error are shown, sanitised.
	h.press("enter")
	if h.m.screen != pagerScreen {
		t.Fatal("enter did not open the post")
	}
	if v := h.plain(); strings.ContainsAny(v, "\x1b\a\u009b") {
		t.Errorf("an escape from a post reached the pager: %q", v)
	}
	if wt := h.m.View().WindowTitle; strings.ContainsAny(wt, "\x1b\a") {
		t.Errorf("window title %q", wt)
	}
	h.checkFits(80, 24)
}

func TestEmptyBlog(t *testing.T) {
	h := newHarness(t, newFakeStore(), 40, 10)
	if v := h.plain(); !strings.Contains(v, "No posts yet.") || !strings.Contains(v, blogTitle) {
		t.Errorf("an empty blog shows:\n%s", v)
	}
	h.press("enter", "j", "/", "G", "?", "n")
	if h.m.screen != listScreen {
		t.Error("an empty blog opened a pager")
	}
	h.checkFits(40, 10)
}

func TestTinyWindows(t *testing.T) {
	for _, size := range [][2]int{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {2, 2}, {1, 40}, {5, 3}, {12, 4}, {300, 2}} {
		w, ht := size[0], size[1]
		h := seeded(t, w, ht)
		if w == 0 || ht == 0 {
			if v := h.view(); v != "" {
				t.Errorf("%dx%d shows %q", w, ht, v)
			}
		}
		h.checkFits(w, ht)
		for _, k := range []string{"?", "j", "/", "회", "esc", "enter", "j", "G", "?", "space", "n", "p", "q"} {
			h.press(k)
			h.checkFits(w, ht)
		}
		h.send(tea.WindowSizeMsg{Width: ht, Height: w}) // and turned
		h.checkFits(ht, w)
	}
}

func TestNoWindowSize(t *testing.T) {
	// The first frame can come before the terminal's size.
	st := newFakeStore()
	st.put(t, seedSlug, seed(t))
	m := New(Options{Title: blogTitle, Posts: st, Renderer: newRenderer(t)})
	_ = m.View()
	m.Update(keyPress("enter"))
	_ = m.View()
}

func TestNilDependencies(t *testing.T) {
	m := New(Options{})
	h := &harness{t: t, m: m}
	h.run(m.Init())
	h.send(tea.WindowSizeMsg{Width: 40, Height: 10})
	if v := h.plain(); !strings.Contains(v, "No posts yet.") {
		t.Errorf("no store shows:\n%s", v)
	}
}

func TestQuit(t *testing.T) {
	h := seeded(t, 80, 24)
	h.press("q")
	if h.quits != 1 {
		t.Error("q in the list did not quit")
	}
	h.press("enter", "ctrl+c")
	if h.quits != 2 {
		t.Error("ctrl+c in the pager did not quit")
	}
	h.send(ShutdownMsg{})
	if h.quits != 3 {
		t.Error("ShutdownMsg did not quit")
	}
}

func TestManyPosts(t *testing.T) {
	st := newFakeStore()
	base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10000 {
		st.putRaw(store.Entry{Meta: post.Meta{
			Slug:  fmt.Sprintf("post-%05d", i),
			Title: fmt.Sprintf("글 번호 %d", i),
			Date:  base.AddDate(0, 0, i),
			Tags:  []string{"n"},
		}}, []byte("body\n"))
	}
	start := time.Now()
	h := newHarness(t, st, 80, 24)
	h.press("j", "G")
	if v := h.plain(); !strings.Contains(v, "글 번호 0") || !regexp.MustCompile(`\b(\d+)/(\d+)\b`).MatchString(v) {
		t.Errorf("the last page of 10,000 posts shows:\n%s", v)
	}
	h.press("g")
	h.press("/")
	h.typeText("9999")
	h.press("enter")
	if v := h.plain(); !strings.Contains(v, "글 번호 9999") || !strings.Contains(v, "1 of 10000 posts") {
		t.Errorf("filtering 10,000 posts shows:\n%s", v)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("moving and filtering 10,000 posts took %v", d)
	}
	if st.getCount() != 0 {
		t.Errorf("the list read %d bodies", st.getCount())
	}
}

func TestHelp(t *testing.T) {
	h := seeded(t, 100, 30)
	short := h.plain()
	h.press("?")
	full := h.plain()
	if full == short || !strings.Contains(full, "last post") {
		t.Errorf("? did not show all keys:\n%s", full)
	}
	h.press("?", "enter", "?")
	if v := h.plain(); !strings.Contains(v, "next post") || !strings.Contains(v, "½ page down") {
		t.Errorf("? in the pager shows:\n%s", v)
	}
	h.checkFits(100, 30)
}

func TestNoTimers(t *testing.T) {
	// Typing a filter must not start the cursor's blink timer. The harness
	// fails on a command that blocks; this checks that none is returned.
	h := seeded(t, 80, 24)
	_, cmd := h.m.Update(keyPress("/"))
	h.run(cmd)
	for _, k := range []string{"a", "b"} {
		_, cmd := h.m.Update(keyPress(k))
		if cmd != nil {
			done := make(chan tea.Msg, 1)
			go func() { done <- cmd() }()
			select {
			case msg := <-done:
				h.send(msg)
			case <-time.After(100 * time.Millisecond):
				t.Fatalf("typing %q started a timer", k)
			}
		}
	}
}

func TestRandomKeysAndSizes(t *testing.T) {
	// Whatever is pressed, in whatever window, the view fits and nothing
	// panics.
	keys := []string{"j", "k", "g", "G", "enter", "esc", "q", "/", "?", "n", "p", "]", "[",
		"space", "b", "d", "u", "f", "h", "l", "up", "down", "pgdown", "home", "end", "회", "o", "x"}
	rng := rand.New(rand.NewPCG(1, 2))
	h := seeded(t, 80, 24)
	w, ht := 80, 24
	for i := range 600 {
		switch r := rng.IntN(20); {
		case r == 0:
			w, ht = rng.IntN(260), rng.IntN(60)
			h.send(tea.WindowSizeMsg{Width: w, Height: ht})
		case r == 1:
			h.send(ReloadMsg{})
		case r == 2:
			h.send(tea.BackgroundColorMsg{Color: color.Gray{Y: uint8(rng.IntN(256))}})
		default:
			h.press(keys[rng.IntN(len(keys))])
		}
		if w > 0 && ht > 0 {
			h.checkFits(w, ht)
		}
		if t.Failed() {
			t.Fatalf("after step %d", i)
		}
	}
}

func TestFirstFrameListsPosts(t *testing.T) {
	st := newFakeStore()
	st.put(t, "hello", mdPost("Hello, world", "2024-01-02", nil, "# Hello\n"))
	m := New(Options{Title: blogTitle, Posts: st, Renderer: newRenderer(t), Location: time.UTC, Width: 80, Height: 24})
	// Before Init's commands have run or any message has come, as a
	// program draws its first frame.
	if v := strip(m.View().Content); !strings.Contains(v, "Hello, world") {
		t.Errorf("the first frame does not list the post:\n%s", v)
	}
}

// sameFrame reports whether a and b are one drawing, not two equal ones.
func sameFrame(a, b tea.View) bool {
	return a.Content != "" && unsafe.StringData(a.Content) == unsafe.StringData(b.Content)
}

func TestViewDrawsOnlyAfterChanges(t *testing.T) {
	h := seeded(t, 80, 30)
	first := h.m.View()
	if !sameFrame(first, h.m.View()) {
		t.Fatal("View drew a frame again with no message in between")
	}
	// What a program sends as it starts changes nothing on the screen.
	for _, msg := range []tea.Msg{
		tea.WindowSizeMsg{Width: 80, Height: 30},
		tea.ColorProfileMsg{},
		tea.EnvMsg{"TERM=xterm-256color"},
	} {
		h.send(msg)
		if !sameFrame(first, h.m.View()) {
			t.Errorf("%T drew a frame", msg)
		}
	}
	h.send(tea.WindowSizeMsg{Width: 60, Height: 30})
	if sameFrame(first, h.m.View()) {
		t.Error("a new width did not draw a frame")
	}
	h.send(tea.WindowSizeMsg{Width: 80, Height: 30})
	first = h.m.View()

	// A reload on the list screen draws the new post.
	h.st.put(t, "brand-new", mdPost("방금 올린 글", "2024-06-01", nil, "new\n"))
	h.send(ReloadMsg{})
	listed := h.m.View()
	if sameFrame(first, listed) || !strings.Contains(strip(listed.Content), "방금 올린 글") {
		t.Errorf("the list was not drawn again with the new post:\n%s", strip(listed.Content))
	}

	// A reader in the pager does not see the list: a new post leaves the
	// frame as it is. Back on the list, it is there.
	h.press("enter")
	reading := h.m.View()
	h.st.put(t, "another", mdPost("또 다른 글", "2024-06-02", nil, "more\n"))
	h.send(ReloadMsg{})
	if !sameFrame(reading, h.m.View()) {
		t.Error("a new post drew the pager again")
	}
	h.press("q")
	if v := strip(h.m.View().Content); !strings.Contains(v, "또 다른 글") {
		t.Errorf("back on the list, the new post is missing:\n%s", v)
	}

	// A keypress draws.
	before := h.m.View()
	h.press("j")
	if sameFrame(before, h.m.View()) {
		t.Error("a key did not draw a frame")
	}
}

func TestOpenCachedPostInOneFrame(t *testing.T) {
	h := seeded(t, 80, 30)
	h.press("j", "enter", "q") // renders the seed post, into the cache

	// Enter alone, without the commands it returns: the next frame already
	// has the post, not "Loading…".
	h.m.Update(keyPress("enter"))
	if v := h.plain(); !strings.Contains(v, "달리기") || strings.Contains(v, "Loading") {
		t.Errorf("the first frame after enter:\n%s", v)
	}
}

// TestSessionsShareNoListState checks that sessions started from the same
// list template (initList) keep their own filter, cursor and layout: two
// sessions typed into at once (the race detector watches) see only their
// own keys.
func TestSessionsShareNoListState(t *testing.T) {
	a, b := seeded(t, 80, 24), seeded(t, 60, 20)
	before := b.plain()
	var wg sync.WaitGroup
	for _, h := range []*harness{a, b} {
		wg.Go(func() {
			for range 20 {
				h.press("/")
				h.typeText("retro")
				h.press("esc", "down", "up")
			}
		})
	}
	wg.Wait()
	if got := b.plain(); got != before {
		t.Errorf("after both sessions filtered and moved, b shows:\n%s\nnot as before:\n%s", got, before)
	}
	a.press("/")
	a.typeText("회고")
	if v := a.plain(); !strings.Contains(v, seedTitle) || strings.Contains(v, "Hello, world") {
		t.Errorf("a's filter shows:\n%s", v)
	}
	if v := b.plain(); v != before || b.m.list.FilterValue() != "" {
		t.Errorf("a's filter reached b (filter %q):\n%s", b.m.list.FilterValue(), v)
	}
}

// TestBackLetsGoOfThePost checks that a reader back on the list holds
// nothing of the post it read: not its source, its render or its lines.
func TestBackLetsGoOfThePost(t *testing.T) {
	h := seeded(t, 80, 24)
	h.press("enter")
	if !strings.Contains(h.plain(), "문단입니다") || len(h.m.pager.Revision().Source) == 0 {
		t.Fatalf("the post did not open:\n%s", h.plain())
	}
	h.press("q")
	if h.m.pager.Holding() {
		t.Error("back on the list, the pager still holds the post (its source, render or lines)")
	}
	h.press("enter")
	if !strings.Contains(h.plain(), "문단입니다") {
		t.Errorf("the post does not open again:\n%s", h.plain())
	}
}

func TestSeriesAndReadCounting(t *testing.T) {
	st := newFakeStore()
	st.put(t, "jan", []byte("---\ntitle: 1월 회고\ndate: 2024-01-31\nseries: 회고\n---\n일월 본문\n"))
	st.put(t, "feb", []byte("---\ntitle: 2월 회고\ndate: 2024-02-29\nseries: 회고\n---\n이월 본문\n"))
	st.put(t, "other", mdPost("다른 글", "2024-03-15", nil, "다른 본문\n"))
	series := map[string]render.Byline{
		"jan": {Series: "회고", SeriesIndex: 1, SeriesLen: 2, Next: "feb"},
		"feb": {Series: "회고", SeriesIndex: 2, SeriesLen: 2, Prev: "jan"},
	}
	var opened []string
	r := &recorder{Renderer: newRenderer(t)}
	h := &harness{t: t, st: st, r: r}
	h.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: 60, Height: 20,
		Byline: func(_ context.Context, p *post.Post, rev store.Revision) (render.Byline, error) {
			return series[rev.Slug], nil
		},
		Opened: func(slug string) { opened = append(opened, slug) },
	})
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	h.press("down", "down", "enter") // the oldest: jan
	if v := h.plain(); !strings.Contains(v, "일월 본문") || !strings.Contains(v, "series 회고, 1 of 2") {
		t.Fatalf("jan in the pager:\n%s", v)
	}
	h.press("]")
	if v := h.plain(); !strings.Contains(v, "이월 본문") || !strings.Contains(v, "series 회고, 2 of 2") {
		t.Fatalf("] opened:\n%s", v)
	}
	h.press("]") // the last of the series: stays
	if !strings.Contains(h.plain(), "이월 본문") {
		t.Fatalf("] at the end of the series:\n%s", h.plain())
	}
	h.press("[", "[")
	if !strings.Contains(h.plain(), "일월 본문") {
		t.Fatalf("[ opened:\n%s", h.plain())
	}
	h.press("q", "up", "up", "enter", "q") // other
	if strings.Join(opened, " ") != "jan feb other" {
		t.Errorf("reads counted: %v, want each post once", opened)
	}
}

// TestHeaderNamesWhomTheBlogSays checks that the pager's header names the
// author the blog's Byline gives (which leaves out the author of the
// built-in posts), not a rule of its own.
func TestHeaderNamesWhomTheBlogSays(t *testing.T) {
	st := newFakeStore()
	st.put(t, "other", mdPost("다른 글", "2024-03-15", nil, "다른 본문\n"))
	for _, author := range []string{"김작가", ""} {
		r := &recorder{Renderer: newRenderer(t)}
		h := &harness{t: t, st: st, r: r}
		h.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: 60, Height: 20,
			Byline: func(_ context.Context, p *post.Post, rev store.Revision) (render.Byline, error) {
				return render.Byline{Author: author}, nil
			},
		})
		h.run(h.m.Init())
		h.send(tea.WindowSizeMsg{Width: 60, Height: 20})
		h.press("enter")
		v := h.plain()
		if !strings.Contains(v, "다른 본문") {
			t.Fatalf("the post is not open:\n%s", v)
		}
		if author != "" && !strings.Contains(v, author) {
			t.Errorf("the header does not name %s, whom the blog names:\n%s", author, v)
		}
		if author == "" && strings.Contains(v, "system") {
			t.Errorf("the header names the revision's author, which the blog leaves out:\n%s", v)
		}
	}
}

func TestStatsScreen(t *testing.T) {
	for _, width := range []int{40, 80} {
		st := newFakeStore()
		st.put(t, "hello", mdPost("안녕하세요 아주 긴 제목의 글입니다", "2024-01-02", nil, "x\n"))
		daily := make([]int, 30)
		daily[29], daily[20] = 7, 3
		calls := 0
		r := &recorder{Renderer: newRenderer(t)}
		h := &harness{t: t, st: st, r: r}
		h.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: width, Height: 20, Author: "ash",
			Stats: func(context.Context) ([]PostReads, error) {
				calls++
				return []PostReads{{Slug: "hello", Title: "안녕하세요 아주 긴 제목의 글입니다", Week: 7, Month: 10, All: 12, Readers: 4, Daily: daily}}, nil
			}})
		h.run(h.m.Init())
		h.send(tea.WindowSizeMsg{Width: width, Height: 20})
		h.press("s")
		v := h.plain()
		if calls != 1 || !strings.Contains(v, "Reads") || !strings.Contains(v, "30d 10 · 7d 7 · all 12") || !strings.ContainsAny(v, "▁▂▃▄▅▆▇█") {
			t.Errorf("%d columns: the stats screen:\n%s", width, v)
		}
		for i, l := range strings.Split(v, "\n") {
			if w := termtext.Width(l); w > width {
				t.Errorf("%d columns: line %d is %d wide", width, i+1, w)
			}
		}
		h.press("q")
		if !strings.Contains(h.plain(), "1 post") {
			t.Errorf("q did not go back to the list:\n%s", h.plain())
		}
	}
	// A reader has no stats screen.
	h := seeded(t, 80, 24)
	h.press("s")
	if strings.Contains(h.plain(), "Reads") {
		t.Errorf("a reader opened the stats screen")
	}
}

func TestSearchBodies(t *testing.T) {
	st := newFakeStore()
	st.put(t, "run", mdPost("아침 운동", "2024-03-01", nil, strings.Repeat("앞 문단입니다.\n\n", 30)+"요즘 달리기를 시작했다.\n\n"+strings.Repeat("중간 문단.\n\n", 30)+"달리기는 좋다.\n"))
	st.put(t, "trip", mdPost("여행", "2024-02-01", nil, "서울에서 달리기는 처음이다.\n"))
	st.put(t, "other", mdPost("다른 글", "2024-01-01", nil, "아무 내용\n"))
	var queries []string
	r := &recorder{Renderer: newRenderer(t)}
	h := &harness{t: t, st: st, r: r}
	h.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: 60, Height: 20,
		Search: func(q string) []Found {
			queries = append(queries, q)
			if q != "달리기" {
				return nil
			}
			// The blog's index ranks trip first here.
			return []Found{{Slug: "trip", Snippet: "서울에서 달리기는 처음이다."}, {Slug: "run", Snippet: "요즘 달리기를 시작했다."}}
		}})
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	h.press("/")
	h.m.Update(tea.PasteMsg{Content: "달리기"})
	h.press("enter")
	v := h.plain()
	if !strings.Contains(v, "2 posts") && !strings.Contains(v, "“달리기”") {
		t.Logf("status: %s", v)
	}
	iTrip, iRun := strings.Index(v, "여행"), strings.Index(v, "아침 운동")
	if iTrip < 0 || iRun < 0 || iTrip > iRun || strings.Contains(v, "다른 글") {
		t.Fatalf("the search's posts in its order:\n%s", v)
	}
	if !strings.Contains(v, "요즘 달리기를 시작했다.") || !strings.Contains(v, "서울에서 달리기는 처음이다.") {
		t.Errorf("no snippets:\n%s", v)
	}
	h.press("down", "enter") // run: its first match is far down
	v = h.plain()
	if !strings.Contains(v, "요즘 달리기를 시작했다.") || strings.Contains(v, "2024-03-01") {
		t.Fatalf("the post did not open at its first match:\n%s", v)
	}
	h.press("n")
	if v := h.plain(); !strings.Contains(v, "달리기는 좋다.") {
		t.Errorf("n did not go to the next match:\n%s", v)
	}
	h.press("N")
	if v := h.plain(); !strings.Contains(v, "요즘 달리기를 시작했다.") {
		t.Errorf("N did not go back:\n%s", v)
	}
	if len(queries) == 0 {
		t.Error("the search was never asked")
	}
}

func TestTagsScreen(t *testing.T) {
	for _, width := range []int{40, 80} {
		h := seeded(t, width, 24) // tags: the seed's essay, 회고, retrospective; meta; news, 한국어
		h.press("t")
		v := h.plain()
		if !strings.Contains(v, "#회고 1") || !strings.Contains(v, "#meta 1") || !strings.Contains(v, "tags") {
			t.Fatalf("%d columns: the tags screen:\n%s", width, v)
		}
		for i, l := range strings.Split(v, "\n") {
			if w := termtext.Width(l); w > width {
				t.Errorf("%d columns: line %d is %d wide", width, i+1, w)
			}
		}
		// One post each: by name, essay, then meta.
		h.press("down", "enter")
		v = h.plain()
		if !strings.Contains(v, "#meta · 1 post") || !strings.Contains(v, "Hello, world") || strings.Contains(v, "24년 3월 회고") {
			t.Fatalf("%d columns: the posts of #meta:\n%s", width, v)
		}
		h.press("esc")
		if v := h.plain(); !strings.Contains(v, "3 posts") {
			t.Errorf("%d columns: esc did not show every post again:\n%s", width, v)
		}
	}
}

func TestLinksAndHistory(t *testing.T) {
	st := newFakeStore()
	st.put(t, "mar", mdPost("3월 회고", "2024-03-31", nil, "본문.\n\n24년 다른 회고들:\n\n- [24년 1월 회고](https://ash84.io/2024/02/01/jan/)\n- [깃허브](https://github.com/x)\n"))
	st.put(t, "jan", mdPost("1월 회고", "2024-01-31", nil, "일월의 글.\n"))
	r := &recorder{Renderer: newRenderer(t)}
	h := &harness{t: t, st: st, r: r}
	h.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: 70, Height: 20,
		Links: func(url string) (string, bool) {
			if strings.HasSuffix(url, "/jan/") {
				return "jan", true
			}
			return "", false
		}})
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: 70, Height: 20})
	h.press("enter") // mar, the newest
	h.press("tab")
	if v := h.plain(); !strings.Contains(v, "→ https://ash84.io/2024/02/01/jan/ (1/2)") {
		t.Fatalf("tab did not choose the first link:\n%s", v)
	}
	h.press("tab", "enter") // the second link leaves the blog: shown, not followed
	if v := h.plain(); !strings.Contains(v, "outside the blog: https://github.com/x") || !strings.Contains(v, "본문.") {
		t.Fatalf("an outside link:\n%s", v)
	}
	h.press("shift+tab", "enter")
	if v := h.plain(); !strings.Contains(v, "일월의 글.") {
		t.Fatalf("enter did not follow the link to jan:\n%s", v)
	}
	h.press("backspace")
	if v := h.plain(); !strings.Contains(v, "본문.") {
		t.Fatalf("backspace did not come back:\n%s", v)
	}
}

// hasFormat reports whether s holds a Unicode format character (category
// Cf) other than a zero-width joiner.
func hasFormat(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r != '\u200d' && unicode.Is(unicode.Cf, r) })
}

func TestInvisibleCharactersInTitles(t *testing.T) {
	st := newFakeStore()
	st.putRaw(store.Entry{Meta: post.Meta{
		Slug:        "ad\u200bmin",
		Title:       "Ad\U000E0041\U000E0042min\u200e notice\u2060\ufeff\ufff9x\ufffb 👩\u200d💻",
		Description: "zero\u200bwidth\u200f",
		Author:      "mal\u200dlory\u2060",
		Tags:        []string{"t\u200bag"},
		Date:        time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}}, []byte("---\ntitle: fine\n---\n\nbody\n"))
	h := newHarness(t, st, 80, 24)
	v := h.plain()
	if !strings.Contains(v, "Admin notice") || !strings.Contains(v, "👩\u200d💻") {
		t.Fatalf("the post is not shown as it reads:\n%s", v)
	}
	if hasFormat(v) {
		t.Errorf("a format character reached the list: %q", v)
	}
	if wt := h.m.View().WindowTitle; hasFormat(wt) {
		t.Errorf("window title %q", wt)
	}
	h.press("enter")
	if h.m.screen != pagerScreen {
		t.Fatal("enter did not open the post")
	}
	if v := h.plain(); hasFormat(v) {
		t.Errorf("a format character reached the pager: %q", v)
	}
	if wt := h.m.View().WindowTitle; hasFormat(wt) || wt == "" {
		t.Errorf("window title %q", wt)
	}
}

// TestHelpClosesWithQAndEsc: q and esc on a help screen close the help,
// on the list and in the pager, and leave the reader where they were.
func TestHelpClosesWithQAndEsc(t *testing.T) {
	for _, k := range []string{"q", "esc"} {
		h := seeded(t, 100, 30)
		short := h.plain()
		h.press("?", k)
		if h.quits != 0 {
			t.Fatalf("%s on the list's help ended the session", k)
		}
		if v := h.plain(); v != short {
			t.Errorf("%s did not close the list's help:\n%s", k, v)
		}
		h.press("enter")
		post := h.plain()
		h.press("?", k)
		if h.quits != 0 || h.m.screen != pagerScreen {
			t.Fatalf("%s on the pager's help left the post (quits %d)", k, h.quits)
		}
		if v := h.plain(); v != post {
			t.Errorf("%s did not close the pager's help:\n%s", k, v)
		}
		h.press(k)
		if h.m.screen != listScreen {
			t.Errorf("%s without help did not go back to the list", k)
		}
	}
}

// TestSearchMatchesHighlighted: a post opened from a search shows every
// match of its words marked (Hangul by the pairs the search matches, so
// 달리기 marks 달리기 in 달리기를; Latin in any case), the current one in
// its own style, "match 1 of 4" in the status bar; n and N go from match
// to match, and the help says so.
func TestSearchMatchesHighlighted(t *testing.T) {
	st := newFakeStore()
	st.put(t, "run", mdPost("아침 운동", "2024-03-01", nil,
		strings.Repeat("앞 문단입니다.\n\n", 30)+"요즘 달리기를 시작했다. 달리기는 좋다.\n\n"+strings.Repeat("중간 문단.\n\n", 30)+"Running 달리기 끝.\n"))
	r := &recorder{Renderer: newRenderer(t)}
	h := &harness{t: t, st: st, r: r}
	h.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: 70, Height: 20,
		Search: func(q string) []Found { return []Found{{Slug: "run", Snippet: "요즘 달리기를 시작했다."}} }})
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: 70, Height: 20})
	h.press("/")
	h.m.Update(tea.PasteMsg{Content: "달리기 running"})
	h.press("enter", "enter")
	sty := h.m.st
	v := h.view()
	if !strings.Contains(v, sty.FoundCurrent.Render("달리기")) || !strings.Contains(v, sty.Found.Render("달리기")) {
		t.Fatalf("the first line's two matches are not marked (current, then another):\n%q", v)
	}
	if !strings.Contains(h.plain(), "match 1 of 4") {
		t.Errorf("no \"match 1 of 4\" in the status bar:\n%s", h.plain())
	}
	h.press("n")
	if v := h.plain(); !strings.Contains(v, "match 2 of 4") || !strings.Contains(v, "요즘 달리기를") {
		t.Errorf("n did not make the second match on the same line current:\n%s", v)
	}
	h.press("n")
	v = h.view()
	if !strings.Contains(strip(v), "match 3 of 4") || !strings.Contains(v, sty.FoundCurrent.Render("Running")) || !strings.Contains(v, sty.Found.Render("달리기")) {
		t.Errorf("n did not go to the last line's Running:\n%s", strip(v))
	}
	h.press("n", "n")
	if v := h.plain(); !strings.Contains(v, "no more matches below") {
		t.Errorf("n past the last match:\n%s", v)
	}
	h.press("N", "N")
	if v := h.plain(); !strings.Contains(v, "match 2 of 4") || !strings.Contains(v, "요즘 달리기를") {
		t.Errorf("N did not go back to the second match:\n%s", v)
	}
	h.press("?")
	if v := h.plain(); !strings.Contains(v, "next/previous match") || strings.Contains(v, "next post") {
		t.Errorf("the help of a post opened from a search:\n%s", v)
	}
}

// TestChosenLinkMarked: the link chosen with tab is drawn in its own
// style, and only that one.
func TestChosenLinkMarked(t *testing.T) {
	st := newFakeStore()
	st.put(t, "mar", mdPost("3월 회고", "2024-03-31", nil, "본문.\n\n- [24년 1월 회고](https://ash84.io/2024/02/01/jan/)\n- [깃허브](https://github.com/x)\n- [깃허브](https://github.com/y)\n"))
	h := newHarness(t, st, 70, 20)
	h.press("enter")
	chosen := h.m.st.LinkChosen
	if v := h.view(); strings.Contains(v, chosen.Render("24년 1월 회고")) {
		t.Fatalf("a link is marked before tab:\n%q", v)
	}
	h.press("tab")
	v := h.view()
	if !strings.Contains(v, chosen.Render("24년 1월 회고")) || strings.Contains(v, chosen.Render("깃허브")) {
		t.Fatalf("tab did not mark the first link alone:\n%q", v)
	}
	h.press("tab", "tab") // the second link with the text 깃허브: its own line
	lines := strings.Split(h.view(), "\n")
	var marked []int
	for i, l := range lines {
		if strings.Contains(l, chosen.Render("깃허브")) {
			marked = append(marked, i)
		}
	}
	if len(marked) != 1 || !strings.Contains(lines[marked[0]], "github.com/y") {
		t.Errorf("the third link is not the one marked (lines %v):\n%s", marked, strip(h.view()))
	}
}

// TestReadingWidth: on a wide window the post and its header are laid out
// at the reading width, at the left; 0 lays them out at the window's.
func TestReadingWidth(t *testing.T) {
	body := strings.Repeat("A long paragraph of words that goes on and on without end. ", 40) + "\n"
	for _, tt := range []struct{ cap, want int }{{100, 100}, {0, 200}} {
		st := newFakeStore()
		st.put(t, "long", mdPost("Long", "2024-01-01", nil, body))
		r := &recorder{Renderer: newRenderer(t)}
		h := &harness{t: t, st: st, r: r}
		h.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: 200, Height: 40, ReadingWidth: tt.cap})
		h.run(h.m.Init())
		h.send(tea.WindowSizeMsg{Width: 200, Height: 40})
		h.press("enter")
		if k := r.last(); k.Width != tt.want {
			t.Errorf("reading width %d: rendered at %d columns, want %d", tt.cap, k.Width, tt.want)
		}
		lines := strings.Split(h.plain(), "\n")
		widest, rule := 0, 0
		for _, l := range lines[:len(lines)-1] { // the status bar spans the window
			l = strings.TrimRight(l, " ")
			widest = max(widest, termtext.Width(l))
			if strings.Contains(l, "───") {
				rule = termtext.Width(l)
			}
		}
		if widest > tt.want || widest < tt.want-12 {
			t.Errorf("reading width %d: the text is %d columns wide, want about %d:\n%s", tt.cap, widest, tt.want, h.plain())
		}
		if rule != tt.want-2 {
			t.Errorf("reading width %d: the header's rule ends at column %d, want %d", tt.cap, rule, tt.want-2)
		}
		h.checkFits(200, 40)
	}
}

// TestTwinTitles: two posts with the same title and date show their slugs,
// dimmed, after the title; a post whose date tells it apart does not.
func TestTwinTitles(t *testing.T) {
	st := newFakeStore()
	st.put(t, "retro-a", mdPost("회고", "2024-03-01", nil, "a\n"))
	st.put(t, "retro-b", mdPost("회고", "2024-03-01", nil, "b\n"))
	st.put(t, "retro-old", mdPost("회고", "2023-03-01", nil, "c\n"))
	st.put(t, "other", mdPost("Other", "2024-03-01", nil, "d\n"))
	h := newHarness(t, st, 80, 30)
	v := h.plain()
	for _, want := range []string{"회고 retro-a", "회고 retro-b"} {
		if !strings.Contains(v, want) {
			t.Errorf("no %q in the list:\n%s", want, v)
		}
	}
	if strings.Contains(v, "retro-old") || strings.Contains(v, "Other other") {
		t.Errorf("a post told apart by its date or title shows its slug:\n%s", v)
	}
	if !strings.Contains(h.view(), h.m.st.Meta.Render("retro-b")) {
		t.Errorf("the slug is not dimmed:\n%q", h.view())
	}
	// Once one twin goes, the other is alone again.
	st.remove("retro-a")
	h.send(ReloadMsg{})
	if v := h.plain(); strings.Contains(v, "retro-b") {
		t.Errorf("a post no longer a twin shows its slug:\n%s", v)
	}
}
