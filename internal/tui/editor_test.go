package tui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/tui/items"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// saveCall is one call of a SaveFunc.
type saveCall struct {
	slug  string
	src   string
	ifRev uint64
}

// saver is a SaveFunc that does what the server's does, on a fakeStore:
// it parses the post, checks the revision and stores it.
type saver struct {
	st    *fakeStore
	mu    sync.Mutex
	calls []saveCall
	fail  error // if set, Save fails with it
	// missing, if set, is what a save says of the images the blog lacks.
	missing []string
}

func (s *saver) save(ctx context.Context, slug string, src []byte, ifRev uint64) (Saved, error) {
	s.mu.Lock()
	s.calls = append(s.calls, saveCall{slug, string(src), ifRev})
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		return Saved{}, fail
	}
	p, err := post.Parse(src, post.Options{Slug: slug, Location: time.UTC})
	if err != nil {
		return Saved{}, err
	}
	if p.Slug == "" {
		return Saved{}, errors.New("no slug: give the post a title or a slug")
	}
	if cur := s.st.rev(p.Slug); cur != ifRev {
		return Saved{}, fmt.Errorf("%w: %s is at rev %d", store.ErrConflict, p.Slug, cur)
	}
	s.st.putRaw(store.Entry{Meta: p.Meta}, p.Source)
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	e := s.st.entries[p.Slug]
	return Saved{Slug: e.Slug, Entry: e, Missing: s.missing}, nil
}

func (s *saver) last(t testing.TB) saveCall {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) == 0 {
		t.Fatal("Save was not called")
	}
	return s.calls[len(s.calls)-1]
}

func (s *saver) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// rev is the current revision of slug, or 0.
func (f *fakeStore) rev(slug string) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.revs[slug].Rev
}

// source is the current markdown of slug.
func (f *fakeStore) source(slug string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return string(f.revs[slug].Source)
}

// authorHarness is a session of the author "ash", saving into st.
func authorHarness(t testing.TB, st *fakeStore, w, h int, start Start) (*harness, *saver) {
	t.Helper()
	sv := &saver{st: st}
	r := &recorder{Renderer: newRenderer(t)}
	hs := &harness{t: t, st: st, r: r}
	hs.m = New(Options{
		Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: w, Height: h,
		Author: "ash", Save: sv.save, Start: start,
	})
	hs.run(hs.m.Init())
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs, sv
}

// seededAuthor is the seeded blog in an author's session.
func seededAuthor(t testing.TB, w, h int) (*harness, *saver) {
	t.Helper()
	st := newFakeStore()
	st.put(t, seedSlug, seed(t))
	st.put(t, "hello", mdPost("Hello, world", "2024-01-02", []string{"meta"}, "# Hello\n\nFirst post.\n"))
	st.put(t, "newest", mdPost("새 글: 최신 소식", "2024-05-01", []string{"news", "한국어"}, strings.Repeat("문단입니다. ", 200)+"\n"))
	return authorHarness(t, st, w, h, Start{})
}

func ctrl(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }

var (
	backspace = tea.KeyPressMsg{Code: tea.KeyBackspace}
	left      = tea.KeyPressMsg{Code: tea.KeyLeft}
	ctrlEnd   = tea.KeyPressMsg{Code: tea.KeyEnd, Mod: tea.ModCtrl}
	ctrlHome  = tea.KeyPressMsg{Code: tea.KeyHome, Mod: tea.ModCtrl}
)

// lastLine is the bottom line of the screen, as text.
func (h *harness) lastLine() string {
	lines := strings.Split(h.plain(), "\n")
	return lines[len(lines)-1]
}

// firstLine is the top line of the screen, as text.
func (h *harness) firstLine() string {
	return strings.SplitN(h.plain(), "\n", 2)[0]
}

// editText is the editor's whole text.
func (h *harness) editText() string {
	h.t.Helper()
	if h.m.edit == nil {
		h.t.Fatal("the editor is not open")
	}
	return h.m.edit.Text()
}

// openHello opens the post "hello" (the oldest) in the editor.
func openHello(t testing.TB, h *harness) {
	t.Helper()
	h.press("G", "e")
	if h.m.screen != editorScreen || !strings.Contains(h.plain(), "First post.") {
		t.Fatalf("e did not open hello in the editor:\n%s", h.plain())
	}
}

func TestEditKeysOnlyForAuthors(t *testing.T) {
	h := seeded(t, 100, 30)
	if v := h.plain(); strings.Contains(v, "e edit") || strings.Contains(v, "n new") {
		t.Errorf("a reader's help offers editing:\n%s", v)
	}
	h.press("?")
	if v := h.plain(); strings.Contains(v, "e edit") || strings.Contains(v, "n new") {
		t.Errorf("a reader's full help offers editing:\n%s", v)
	}
	h.press("?", "e", "n")
	if h.m.screen != listScreen || h.st.getCount() != 0 {
		t.Errorf("e or n did something for a reader: screen %v, %d reads", h.m.screen, h.st.getCount())
	}
	h.press("enter", "?", "e")
	if h.m.screen != pagerScreen || strings.Contains(h.plain(), "edit") {
		t.Errorf("the pager offers a reader editing:\n%s", h.plain())
	}

	a, _ := seededAuthor(t, 100, 30)
	if v := a.lastLine(); !strings.Contains(v, "e edit") || !strings.Contains(v, "n new") || !strings.Contains(v, "q quit") {
		t.Errorf("an author's help is %q", v)
	}
	a.press("?")
	if v := a.plain(); !strings.Contains(v, "e edit") || !strings.Contains(v, "n new") {
		t.Errorf("an author's full help:\n%s", v)
	}
	a.press("?", "enter", "?")
	if v := a.plain(); !strings.Contains(v, "edit this post") {
		t.Errorf("the pager's help for an author:\n%s", v)
	}
	a.checkFits(100, 30)
	// At 80 columns the short help still has room for quitting.
	a80, _ := seededAuthor(t, 80, 24)
	if v := a80.lastLine(); !strings.Contains(v, "q quit") {
		t.Errorf("at 80 columns an author's help is %q", v)
	}
}

func TestEditKoreanAndSave(t *testing.T) {
	h, sv := seededAuthor(t, 80, 24)
	original := h.st.source("hello")
	openHello(t, h)
	if v := h.firstLine(); !strings.Contains(v, "hello · rev 1") || strings.Contains(v, "modified") {
		t.Errorf("the title bar is %q", v)
	}
	if c := h.m.View().Cursor; c == nil || c.Position != (tea.Position{X: 0, Y: 1}) {
		t.Errorf("the cursor is at %+v, want the text's first cell", c)
	}

	h.send(ctrlEnd) // the last line, empty: the source ends with a newline
	h.send(tea.KeyPressMsg{Code: '한', Text: "한글"})
	h.send(backspace)
	h.typeText("국어")
	h.send(left)
	h.send(left)
	h.typeText("x")
	if got, want := h.editText(), original+"한x국어"; got != want {
		t.Fatalf("after typing the text is\n%q\nwant\n%q", got, want)
	}
	v := h.plain()
	if !strings.Contains(v, "한x국어") || !strings.Contains(h.firstLine(), "modified") {
		t.Errorf("the screen after typing:\n%s", v)
	}
	// The cursor is after "한x" (three columns), on the last line of the
	// text; the title bar is above.
	lines := strings.Split(v, "\n")
	row := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "한x국어") {
			row = i
		}
	}
	if c := h.m.View().Cursor; c == nil || c.Position != (tea.Position{X: 3, Y: row}) {
		t.Errorf("the cursor is at %+v, want (3, %d)", c, row)
	}
	h.checkFits(80, 24)

	h.send(ctrl('s'))
	call := sv.last(t)
	if call.slug != "hello" || call.ifRev != 1 || call.src != original+"한x국어" {
		t.Errorf("Save(%q, %q, %d)", call.slug, call.src, call.ifRev)
	}
	if h.m.screen != editorScreen {
		t.Fatal("saving closed the editor")
	}
	if v := h.lastLine(); !strings.Contains(v, "Saved hello rev 2.") {
		t.Errorf("after saving the status line is %q", v)
	}
	if v := h.firstLine(); !strings.Contains(v, "rev 2") || strings.Contains(v, "modified") {
		t.Errorf("after saving the title bar is %q", v)
	}

	// Nothing changed: nothing to save.
	h.send(ctrl('s'))
	if sv.count() != 1 || !strings.Contains(h.lastLine(), "No changes") {
		t.Errorf("saving again without changes: %d saves, status %q", sv.count(), h.lastLine())
	}
	// The next save is based on the revision just saved.
	h.send(ctrlEnd)
	h.send(tea.KeyPressMsg{Code: tea.KeyEnter})
	h.typeText("둘째 줄")
	if strings.Contains(h.lastLine(), "Saved") {
		t.Error("the saved message outlived a change")
	}
	h.send(ctrl('s'))
	if call := sv.last(t); call.ifRev != 2 || !strings.HasSuffix(call.src, "한x국어\n둘째 줄") {
		t.Errorf("the second save: Save(%q, …%q, %d)", call.slug, call.src[max(0, len(call.src)-20):], call.ifRev)
	}

	// Back in the list, the post shows its new revision.
	h.press("esc")
	if h.m.screen != listScreen || h.m.selectedSlug() != "hello" {
		t.Fatalf("esc after saving: screen %v, cursor on %q", h.m.screen, h.m.selectedSlug())
	}
	if it, ok := h.m.list.SelectedItem().(*items.Item); !ok || it.Entry.Rev != 3 {
		t.Errorf("the list has %+v", h.m.list.SelectedItem())
	}
}

func TestEditFromPager(t *testing.T) {
	h, sv := seededAuthor(t, 80, 24)
	h.press("G", "enter", "e")
	if h.m.screen != editorScreen || !strings.Contains(h.firstLine(), "hello") {
		t.Fatalf("e in the pager:\n%s", h.plain())
	}
	h.send(ctrlEnd)
	h.typeText("Second paragraph, 둘째 문단.")
	h.send(ctrl('s'))
	if sv.count() != 1 {
		t.Fatal("not saved")
	}
	h.send(tea.WindowSizeMsg{Width: 50, Height: 20}) // while the pager is hidden
	h.press("esc")
	if h.m.screen != pagerScreen {
		t.Fatalf("closing the editor went to screen %v", h.m.screen)
	}
	if v := h.plain(); !strings.Contains(v, "둘째 문단") {
		t.Errorf("the pager does not show the saved revision:\n%s", v)
	}
	if k := h.r.last(); k.ID != "hello@2" || k.Width != 50 {
		t.Errorf("back in the pager the last render was %+v", k)
	}
	h.checkFits(50, 20)

	// Someone else's revision, seen while editing, shows too.
	h.press("e")
	h.st.put(t, "hello", mdPost("Hello, world", "2024-01-02", nil, "Their version.\n"))
	h.send(ReloadMsg{})
	h.press("esc")
	if v := h.plain(); !strings.Contains(v, "Their version.") {
		t.Errorf("the pager does not show the other author's revision:\n%s", v)
	}
}

func TestEditConflict(t *testing.T) {
	h, sv := seededAuthor(t, 80, 24)
	openHello(t, h)
	h.send(ctrlEnd)
	h.typeText("mine")
	// Another author saves hello meanwhile; the server says so.
	h.st.put(t, "hello", mdPost("Hello, world", "2024-01-02", nil, "theirs\n"))
	h.send(ReloadMsg{})
	if v := h.lastLine(); !strings.Contains(v, "hello rev 2 was saved by system while you edit rev 1") {
		t.Errorf("a newer revision elsewhere: status %q", v)
	}
	if !strings.HasSuffix(h.editText(), "mine") {
		t.Fatal("a reload changed the text")
	}
	h.send(ctrl('s'))
	if call := sv.last(t); call.ifRev != 1 {
		t.Errorf("saved with ifRev %d, want 1", call.ifRev)
	}
	if v := h.lastLine(); !strings.Contains(v, "Not saved: someone else saved hello after rev 1") {
		t.Errorf("a conflict shows %q", v)
	}
	if h.st.source("hello") != "---\ntitle: \"Hello, world\"\npub_date: '2024-01-02'\n---\n\ntheirs\n" {
		t.Error("the conflicting save overwrote the other author's")
	}
	if h.m.screen != editorScreen || !strings.HasSuffix(h.editText(), "mine") {
		t.Error("a conflict lost the text")
	}
	if !strings.Contains(h.firstLine(), "modified") {
		t.Error("after a failed save the text is not modified")
	}
	h.checkFits(80, 24)

	// An error with escapes and line breaks shows as one clean line, and
	// goes once the text changes.
	sv.fail = errors.New("line 3: front matter: bad \x1b[31mvalue\x1b]0;owned\a\nsecond line")
	h.send(ctrl('s'))
	v := h.lastLine()
	if !strings.Contains(v, "Not saved: line 3: front matter: bad") || !strings.Contains(v, "second line") {
		t.Errorf("an error shows as %q", v)
	}
	if strings.ContainsAny(h.view(), "\x07") || strings.Contains(h.view(), "\x1b]0;") {
		t.Errorf("the error's escapes reached the screen: %q", h.view())
	}
	h.typeText("!")
	if strings.Contains(h.lastLine(), "Not saved") {
		t.Error("the error outlived the change that fixes it")
	}
}

func TestEditParseError(t *testing.T) {
	h, sv := seededAuthor(t, 80, 24)
	h.press("n")
	h.typeText(`broken "quotes"`) // title: "broken "quotes"" is not YAML
	h.send(ctrl('s'))
	if sv.count() != 1 {
		t.Fatal("not saved")
	}
	v := h.lastLine()
	if !strings.HasPrefix(v, "Not saved:") || !strings.Contains(v, "front matter") {
		t.Errorf("a post that does not parse shows %q", v)
	}
	if !strings.Contains(h.editText(), `title: "broken "quotes""`) {
		t.Errorf("the text is gone:\n%s", h.editText())
	}
	h.checkFits(80, 24)
}

func TestEditEscAsks(t *testing.T) {
	h, sv := seededAuthor(t, 80, 24)
	openHello(t, h)
	h.press("esc")
	if h.m.screen != listScreen {
		t.Fatal("esc without changes did not close the editor")
	}
	h.press("e")
	h.typeText("x")
	h.press("esc")
	if v := h.lastLine(); !strings.Contains(v, "Discard your changes? y/n") {
		t.Errorf("esc with changes: status %q", v)
	}
	if h.m.View().Cursor != nil {
		t.Error("the cursor shows in the text while asking")
	}
	h.press("n")
	if h.m.screen != editorScreen || h.m.edit.Asking() || !strings.HasPrefix(h.editText(), "x---") {
		t.Fatalf("n did not go back to editing:\n%s", h.plain())
	}
	h.typeText("y") // a letter again
	if !strings.HasPrefix(h.editText(), "xy---") {
		t.Errorf("after n, y is not text: %q", h.editText()[:10])
	}
	h.send(ctrl('q'))
	h.press("y")
	if h.m.screen != listScreen || h.m.edit != nil {
		t.Fatal("y did not discard")
	}
	if sv.count() != 0 || h.st.rev("hello") != 1 {
		t.Error("discarding saved")
	}

	// ctrl+c asks too, and a second ctrl+c quits.
	h.press("e")
	h.typeText("z")
	h.press("ctrl+c")
	if h.quits != 0 || !strings.Contains(h.lastLine(), "Quit and discard your changes? y/n") {
		t.Fatalf("ctrl+c with changes: %d quits, status %q", h.quits, h.lastLine())
	}
	h.send(tea.WindowSizeMsg{Width: 20, Height: 10})
	if v := h.lastLine(); !strings.HasSuffix(v, "… y/n") {
		t.Errorf("in a narrow window the question is %q", v)
	}
	h.press("n", "ctrl+c", "ctrl+c")
	if h.quits != 1 {
		t.Error("ctrl+c twice did not quit")
	}
}

func TestEditWhileSaving(t *testing.T) {
	h, sv := seededAuthor(t, 80, 24)
	openHello(t, h)
	h.typeText("a")
	_, cmd := h.m.Update(ctrl('s')) // the save is in flight until cmd runs
	if v := h.lastLine(); !strings.Contains(v, "Saving…") {
		t.Errorf("while saving the status is %q", v)
	}
	h.typeText("b")   // typing goes on
	h.send(ctrl('s')) // one save at a time
	h.press("esc")    // not while saving
	if h.m.screen != editorScreen || h.m.edit.Asking() {
		t.Fatal("esc while saving closed or asked")
	}
	h.run(cmd)
	if sv.count() != 1 || sv.last(t).src != "a"+h.st.source("hello")[1:] {
		t.Fatalf("%d saves", sv.count())
	}
	if !strings.HasPrefix(h.editText(), "ab") || !strings.Contains(h.firstLine(), "modified") {
		t.Errorf("the b typed while saving is not a change: %q", h.firstLine())
	}
}

func TestEditPreview(t *testing.T) {
	h, _ := seededAuthor(t, 80, 24)
	openHello(t, h)
	h.send(ctrlEnd)
	h.typeText("미리보기 **굵게**")
	h.send(ctrl('r'))
	v := h.plain()
	if !strings.Contains(h.firstLine(), "preview") || !strings.Contains(v, "Hello, world") ||
		!strings.Contains(v, "First post.") || !strings.Contains(v, "미리보기 굵게") {
		t.Errorf("the preview shows:\n%s", v)
	}
	if strings.Contains(v, "# Hello") || strings.Contains(v, "**") {
		t.Errorf("the preview shows markdown:\n%s", v)
	}
	k := h.r.last()
	if !strings.HasPrefix(k.ID, "draft:") || k.Width != 80 {
		t.Errorf("the preview rendered %+v", k)
	}
	if h.m.View().Cursor != nil {
		t.Error("the text's cursor shows in the preview")
	}
	h.checkFits(80, 24)

	h.send(tea.WindowSizeMsg{Width: 50, Height: 20})
	if k := h.r.last(); k.Width != 50 || !strings.HasPrefix(k.ID, "draft:") {
		t.Errorf("after a resize the preview rendered %+v", k)
	}
	h.checkFits(50, 20)

	h.press("esc") // back to the text, not out of the editor
	if h.m.screen != editorScreen || !strings.Contains(h.plain(), "# Hello") {
		t.Fatalf("esc in the preview:\n%s", h.plain())
	}
	h.send(ctrl('r'))
	h.send(ctrl('r'))
	if !strings.Contains(h.plain(), "# Hello") {
		t.Error("ctrl+r did not go back to the text")
	}

	// A text that does not parse says why.
	h.send(ctrlHome)
	h.typeText("---\ntitle: [\n")
	h.send(ctrl('r'))
	if v := h.plain(); !strings.Contains(v, "Cannot preview") {
		t.Errorf("a broken post's preview:\n%s", v)
	}
	h.checkFits(50, 20)
}

func TestNewPost(t *testing.T) {
	h, sv := seededAuthor(t, 80, 24)
	before := time.Now().UTC().Format(theme.DateLayout)
	h.press("n")
	after := time.Now().UTC().Format(theme.DateLayout)
	text := h.editText()
	if text != "---\ntitle: \"\"\ndate: "+before+"\ntags: []\ndraft: true\n---\n\n" &&
		text != "---\ntitle: \"\"\ndate: "+after+"\ntags: []\ndraft: true\n---\n\n" {
		t.Errorf("the new post's text is\n%s", text)
	}
	if p, err := post.Parse([]byte(text), post.Options{Location: time.UTC}); err != nil || !p.Draft || p.Date.IsZero() {
		t.Errorf("the template parses as %+v, %v", p, err)
	}
	if v := h.firstLine(); !strings.Contains(v, "New post") || !strings.Contains(v, "ln 2/8, col 9") {
		t.Errorf("the title bar is %q", v)
	}
	h.send(ctrl('q')) // nothing typed: nothing to lose
	if h.m.screen != listScreen {
		t.Fatal("ctrl+q did not close an untouched new post")
	}

	h.press("n")
	h.typeText("새 글 두 번째")
	h.send(ctrlEnd)
	h.typeText("본문.")
	h.send(ctrl('s'))
	call := sv.last(t)
	if call.slug != "" || call.ifRev != 0 || !strings.Contains(call.src, `title: "새 글 두 번째"`) {
		t.Errorf("Save(%q, %q, %d)", call.slug, call.src, call.ifRev)
	}
	slug := post.MakeSlug("새 글 두 번째")
	if v := h.firstLine(); !strings.Contains(v, slug+" · rev 1") {
		t.Errorf("after saving a new post the title bar is %q, want its slug %q", v, slug)
	}
	h.typeText("더")
	h.send(ctrl('s'))
	if call := sv.last(t); call.slug != slug || call.ifRev != 1 {
		t.Errorf("the second save of a new post: Save(%q, …, %d)", call.slug, call.ifRev)
	}
	h.press("esc")
	if h.m.selectedSlug() != slug || !strings.Contains(h.plain(), "새 글 두 번째") {
		t.Errorf("back in the list the cursor is on %q:\n%s", h.m.selectedSlug(), h.plain())
	}

	// A new post whose slug is taken is refused.
	h.press("n")
	h.typeText("새 글 두 번째")
	h.send(ctrl('s'))
	if v := h.lastLine(); !strings.Contains(v, "a post with this slug exists") {
		t.Errorf("a taken slug shows %q", v)
	}
}

func TestEditorResizeFits(t *testing.T) {
	h, _ := seededAuthor(t, 80, 24)
	h.press("j", "e") // the seed post: long lines of Hangul
	if !strings.Contains(h.plain(), "달리기") {
		t.Fatalf("the seed post is not in the editor:\n%s", h.plain())
	}
	for _, size := range [][2]int{{80, 24}, {40, 10}, {21, 8}, {20, 8}, {13, 5}, {7, 4}, {4, 3}, {3, 3}, {2, 2}, {1, 1}, {0, 0}, {120, 40}, {33, 12}} {
		w, ht := size[0], size[1]
		h.send(tea.WindowSizeMsg{Width: w, Height: ht})
		h.checkFits(w, ht)
		h.checkCursor(w, ht)
		for _, k := range []tea.KeyPressMsg{ctrlEnd, {Code: tea.KeyUp}, {Code: tea.KeyUp}, {Code: tea.KeyEnd}, {Code: '한', Text: "한"},
			{Code: tea.KeyPgUp}, {Code: tea.KeyDown}, {Code: tea.KeyLeft}, {Code: '글', Text: "글"}, ctrlHome} {
			h.send(k)
			h.checkFits(w, ht)
			h.checkCursor(w, ht)
		}
		h.send(ctrl('r'))
		h.checkFits(w, ht)
		h.send(ctrl('r'))
	}
	if !strings.Contains(h.editText(), "한") {
		t.Error("typing was lost")
	}
	// However narrow, the title bar says the text is modified.
	for _, w := range []int{40, 30, 23, 16} {
		h.send(tea.WindowSizeMsg{Width: w, Height: 10})
		if v := h.firstLine(); !strings.Contains(v, "modified") {
			t.Errorf("at %d columns the title bar is %q", w, v)
		}
	}
}

// checkCursor fails when the terminal's cursor is outside the window or
// on the title bar or the status line.
func (h *harness) checkCursor(w, ht int) {
	h.t.Helper()
	c := h.m.View().Cursor
	if c == nil {
		return
	}
	if c.Position.X < 0 || c.Position.X >= w || c.Position.Y < 1 || c.Position.Y >= ht-1 {
		h.t.Errorf("%dx%d: the cursor is at %+v", w, ht, c.Position)
	}
}

func TestEditorNarrowWrapsHangul(t *testing.T) {
	// A line of Hangul wraps into rows that fit, however narrow the window,
	// and the cursor follows it across rows.
	h, _ := seededAuthor(t, 80, 24)
	openHello(t, h)
	h.send(ctrlEnd)
	long := strings.Repeat("가나다라마바사", 6)
	h.typeText(long)
	for w := 2; w <= 30; w++ {
		h.send(tea.WindowSizeMsg{Width: w, Height: 12})
		h.checkFits(w, 12)
		h.checkCursor(w, 12)
	}
	h.send(tea.WindowSizeMsg{Width: 11, Height: 30})
	// 10 columns for text: five syllables a row.
	if v := h.plain(); !strings.Contains(v, "가나다라마") || !strings.Contains(v, "바사가나다") {
		t.Errorf("Hangul wraps as:\n%s", v)
	}
	for range long {
		h.send(backspace)
	}
	if !strings.HasSuffix(h.editText(), "First post.\n") {
		t.Errorf("backspace over the Hangul left %q", h.editText())
	}
}

func TestEditorReloadDoesNotDisrupt(t *testing.T) {
	h, _ := seededAuthor(t, 80, 24)
	h.press("j", "e")
	for range 30 {
		h.send(tea.KeyPressMsg{Code: tea.KeyDown})
	}
	h.typeText("편집 중")
	screen, cursor, text := h.view(), h.m.View().Cursor, h.editText()
	h.st.put(t, "brand-new", mdPost("방금 올린 글", "2024-06-01", nil, "new\n"))
	h.send(ReloadMsg{})
	h.send(tea.BackgroundColorMsg{Color: color.Black})
	if h.view() != screen || h.editText() != text || *h.m.View().Cursor != *cursor {
		t.Errorf("a reload disturbed the editor:\n%s", h.plain())
	}
	h.press("esc", "y")
	if v := h.plain(); !strings.Contains(v, "방금 올린 글") {
		t.Errorf("the list did not take the reload:\n%s", v)
	}
}

func TestStartInEditor(t *testing.T) {
	st := newFakeStore()
	st.put(t, "hello", mdPost("Hello, world", "2024-01-02", nil, "First post.\n"))
	h, sv := authorHarness(t, st, 60, 20, Start{Edit: "hello"})
	if h.m.screen != editorScreen || !strings.Contains(h.plain(), "First post.") {
		t.Fatalf("Start.Edit shows:\n%s", h.plain())
	}
	if !strings.Contains(h.m.View().WindowTitle, "Editing hello") {
		t.Errorf("the window's title is %q", h.m.View().WindowTitle)
	}
	h.typeText("x")
	h.send(ctrl('s'))
	h.press("esc")
	if h.quits != 1 || sv.count() != 1 {
		t.Errorf("closing an editor started by Start: %d quits, %d saves", h.quits, sv.count())
	}

	h, _ = authorHarness(t, st, 60, 20, Start{New: true})
	if !strings.Contains(h.editText(), "draft: true") {
		t.Fatalf("Start.New shows:\n%s", h.plain())
	}
	h.press("esc")
	if h.quits != 1 {
		t.Error("esc on an untouched new post did not quit")
	}

	h, _ = authorHarness(t, st, 60, 20, Start{Edit: "nope"})
	if v := h.lastLine(); !strings.Contains(v, `There is no post "nope" to edit.`) {
		t.Errorf("Start.Edit of a missing post: %q", v)
	}
	h.typeText("abc")
	h.send(ctrl('s'))
	h.press("esc")
	if h.quits != 1 {
		t.Error("esc did not quit")
	}

	// A reader cannot be started in the editor.
	r := New(Options{Posts: st, Renderer: newRenderer(t), Width: 60, Height: 20, Start: Start{Edit: "hello"}})
	rh := &harness{t: t, m: r, st: st}
	rh.run(r.Init())
	if r.screen != listScreen || !strings.Contains(rh.plain(), "Only the blog's authors can edit") {
		t.Errorf("a reader started in the editor sees:\n%s", rh.plain())
	}
}

// TestEditorKeepsWhatWasNotEdited: tabs, CRLF line ends, trailing spaces,
// control characters and a missing final newline are saved byte for byte
// when nobody edited them, shown as control pictures, never raw; TAB
// inserts a tab.
func TestEditorKeepsWhatWasNotEdited(t *testing.T) {
	st := newFakeStore()
	src := "---\r\ntitle: Tabs\r\n---\r\n\r\n```go\r\nfunc f() {\r\n\treturn \x01 \x1b[2J\r\n}\r\n```\r\n- a\tb  \n\ttail"
	st.putRaw(store.Entry{Meta: post.Meta{Slug: "tabs", Title: "Tabs"}}, []byte(src))
	h, sv := authorHarness(t, st, 60, 20, Start{Edit: "tabs"})
	if got := h.editText(); got != src {
		t.Errorf("the text is\n%q\nwant\n%q", got, src)
	}
	if strings.Contains(h.firstLine(), "modified") {
		t.Error("loading made the text modified")
	}
	v := h.m.View().Content
	if strings.ContainsAny(v, "\t\x01") || strings.Contains(v, "\x1b[2J") {
		t.Errorf("the editor draws a tab or a control character raw: %q", v)
	}
	if plain := h.plain(); !strings.Contains(plain, "␉return ␁ ␛[2J␍") {
		t.Errorf("the editor does not show the control characters:\n%s", plain)
	}
	// TAB inserts a tab; an edit of the first line leaves the rest alone.
	h.send(tea.KeyPressMsg{Code: tea.KeyTab})
	h.typeText("가")
	h.send(ctrl('s'))
	if got, want := sv.last(t).src, "\t가"+src; got != want {
		t.Errorf("saved\n%q\nwant\n%q", got, want)
	}
}

func TestPasteInEditor(t *testing.T) {
	h, _ := seededAuthor(t, 80, 24)
	openHello(t, h)
	h.send(ctrlEnd)
	h.send(tea.PasteMsg{Content: "첫 줄\r\n둘째\t줄\n셋째 \x1b[31m줄"})
	h.typeText("!")
	if got := h.editText(); !strings.HasSuffix(got, "First post.\n첫 줄\n둘째\t줄\n셋째 \x1b[31m줄!") {
		t.Errorf("after a paste the text ends %q", got[max(0, len(got)-60):])
	}
	h.checkFits(80, 24)

	// A paste that would make the post too large is refused, whole.
	before := h.editText()
	h.send(tea.PasteMsg{Content: strings.Repeat("가", post.MaxSize/3)})
	if h.editText() != before || !strings.Contains(h.lastLine(), "Not pasted: too large") {
		t.Errorf("a paste over the limit: status %q", h.lastLine())
	}
}

// bigPost is a post of n lines of mixed text, and its front matter.
func bigPost(n int) string {
	var b strings.Builder
	b.WriteString("---\ntitle: Big\n---\n")
	for i := range n {
		fmt.Fprintf(&b, "%d. 요즘은 러닝이라고 하던데 달리기를 시작했다. line %s\n", i, strings.Repeat("x", i%30))
	}
	return b.String()
}

func TestLargePost(t *testing.T) {
	// More lines than a text area takes (10,000), nearly 1 MiB.
	var b strings.Builder
	b.WriteString("---\ntitle: Big\n---\n")
	for i := 0; b.Len() < post.MaxSize-100; i++ {
		if i%50 == 0 {
			b.WriteString(strings.Repeat("긴 줄 ", 20) + "\n")
		} else {
			fmt.Fprintf(&b, "%d. 달리기 line\n", i)
		}
	}
	src := b.String()
	st := newFakeStore()
	st.put(t, "big", []byte(src))
	h, sv := authorHarness(t, st, 80, 24, Start{Edit: "big"})
	if h.editText() != src {
		t.Fatal("the editor does not hold the whole post")
	}
	start := time.Now()
	h.send(ctrlEnd)
	if v := h.firstLine(); !strings.Contains(v, fmt.Sprintf("ln %d/%d", strings.Count(src, "\n")+1, strings.Count(src, "\n")+1)) {
		t.Errorf("at the end the title bar is %q", v)
	}
	h.typeText("끝")
	for range 40 {
		h.send(tea.KeyPressMsg{Code: tea.KeyPgUp})
	}
	h.typeText("중간")
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("moving and typing in a 1 MiB post took %v", d)
	}
	h.send(ctrl('s'))
	got := sv.last(t).src
	if len(got) != len(src)+len("끝중간") || !strings.HasSuffix(got, "\n끝") || !strings.Contains(got, "중간") {
		t.Errorf("saved %d bytes, want %d", len(got), len(src)+len("끝중간"))
	}
	h.checkFits(80, 24)
}

func TestPagesApart(t *testing.T) {
	st := newFakeStore()
	st.put(t, seedSlug, seed(t))
	st.put(t, "hello", mdPost("Hello, world", "2024-01-02", nil, "First post.\n"))
	st.put(t, "now", []byte("---\ntitle: 지금\npage: true\n---\n\n요즘 하는 일.\n"))
	st.put(t, "about", []byte("---\ntitle: About\npage: true\ndate: 2024-06-01\n---\n\nAbout me.\n"))
	h := newHarness(t, st, 80, 24)
	v := h.plain()
	if !strings.Contains(v, "2 posts · 2 pages") || strings.Contains(v, "About") || strings.Contains(v, "지금") {
		t.Errorf("the posts list:\n%s", v)
	}
	if !strings.Contains(h.lastLine(), "tab pages") {
		t.Errorf("the help does not say where the pages are: %q", h.lastLine())
	}
	h.press("j")
	h.press("tab")
	v = h.plain()
	if !strings.Contains(v, "About") || !strings.Contains(v, "지금") || strings.Contains(v, seedTitle) || strings.Contains(v, "Hello") {
		t.Errorf("the pages list:\n%s", v)
	}
	if a, b := strings.Index(v, "About"), strings.Index(v, "지금"); a > b {
		t.Errorf("pages are not by title:\n%s", v)
	}
	if !strings.Contains(h.lastLine(), "tab posts") {
		t.Errorf("the pages' help: %q", h.lastLine())
	}
	h.press("j", "enter")
	if !strings.Contains(h.plain(), "요즘 하는 일.") {
		t.Errorf("opening a page:\n%s", h.plain())
	}
	h.press("q", "/")
	h.typeText("about")
	h.press("enter")
	if v := h.plain(); !strings.Contains(v, "“about” · 1 of 2 pages") {
		t.Errorf("filtering pages:\n%s", v)
	}
	h.press("esc", "P")
	if h.m.showPages || h.m.selectedSlug() != "hello" {
		t.Errorf("back to the posts the cursor is on %q", h.m.selectedSlug())
	}
	h.checkFits(80, 24)

	// Without pages there is nothing to switch to.
	h = seeded(t, 80, 24)
	h.press("tab")
	if v := h.plain(); strings.Contains(v, "pages") || !strings.Contains(v, "3 posts") {
		t.Errorf("a blog without pages:\n%s", v)
	}

	// An author's n in the pages writes a page.
	a, _ := authorHarness(t, st, 80, 24, Start{})
	a.press("tab", "n")
	if !strings.Contains(a.editText(), "page: true") || !strings.Contains(a.firstLine(), "New page") {
		t.Errorf("n among the pages:\n%s", a.plain())
	}

	// A post saved as a page shows among the pages when the editor closes,
	// even when the list is read again only after.
	b, _ := authorHarness(t, newFakeStore(), 80, 24, Start{})
	b.press("n")
	b.typeText("처음 페이지")
	b.send(tea.KeyPressMsg{Code: tea.KeyDown}) // "date: …" becomes "page: true"
	b.send(tea.KeyPressMsg{Code: tea.KeyHome})
	b.send(ctrl('k'))
	b.typeText("page: true")
	_, cmd := b.m.Update(ctrl('s'))
	msg := cmd()
	_, reload := b.m.Update(msg) // saved; the list is not read yet
	b.press("esc")
	if !b.m.showPages && b.m.pendingSlug == "" {
		t.Error("closing after saving a page remembers nothing to show")
	}
	b.run(reload)
	if !b.m.showPages || b.m.selectedSlug() != post.MakeSlug("처음 페이지") || !strings.Contains(b.plain(), "0 posts · 1 page") {
		t.Errorf("after saving the first page the list shows:\n%s", b.plain())
	}
}

func TestEditorRandomKeys(t *testing.T) {
	// Whatever is typed, in whatever window, the editor fits, nothing
	// panics, and the text is the text typed.
	keys := []tea.KeyPressMsg{
		{Code: tea.KeyUp}, {Code: tea.KeyDown}, {Code: tea.KeyLeft}, {Code: tea.KeyRight},
		{Code: tea.KeyPgUp}, {Code: tea.KeyPgDown}, {Code: tea.KeyHome}, {Code: tea.KeyEnd},
		{Code: tea.KeyEnter}, backspace, {Code: tea.KeyDelete}, {Code: tea.KeyTab},
		ctrl('k'), ctrl('u'), ctrl('w'), ctrl('t'), ctrlHome, ctrlEnd, ctrl('r'), ctrl('v'), ctrl('g'),
		{Code: 'f', Mod: tea.ModAlt}, {Code: 'b', Mod: tea.ModAlt}, {Code: 'u', Mod: tea.ModAlt},
		{Code: '한', Text: "한"}, {Code: 'a', Text: "a"}, {Code: ' ', Text: " "}, {Code: '글', Text: "글자"},
		{Code: 'e', Text: "é"}, {Code: '👍', Text: "👍"}, {Code: tea.KeyEscape}, {Code: 'n', Text: "n"},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	h, _ := seededAuthor(t, 80, 24)
	h.press("j", "e")
	w, ht := 80, 24
	for i := range 400 {
		switch r := rng.IntN(25); {
		case r == 0:
			w, ht = rng.IntN(120), rng.IntN(40)
			h.send(tea.WindowSizeMsg{Width: w, Height: ht})
		case r == 1:
			h.send(ReloadMsg{})
		case r == 2:
			h.send(tea.PasteMsg{Content: "붙여\n넣기 "})
		default:
			h.send(keys[rng.IntN(len(keys))])
		}
		if h.m.screen != editorScreen {
			h.press("e")
		}
		if w > 0 && ht > 0 {
			h.checkFits(w, ht)
			h.checkCursor(w, ht)
		}
		if t.Failed() {
			t.Fatalf("after step %d", i)
		}
	}
}

// BenchmarkKeystroke measures one key typed and the frame drawn after it,
// in the middle of a post of 5,000 lines, in the editor, whose text area
// holds a window of the post; editor.BenchmarkWholeTextarea is the same in a
// text area holding all of it.
func BenchmarkKeystroke(b *testing.B) {
	src := bigPost(5000)
	st := newFakeStore()
	st.put(b, "big", []byte(src))
	b.Run("editor", func(b *testing.B) {
		h, _ := authorHarness(b, st, 100, 40, Start{Edit: "big"})
		for range 2500 {
			h.send(tea.KeyPressMsg{Code: tea.KeyDown})
		}
		keys := []tea.KeyPressMsg{{Code: '한', Text: "한"}, backspace, {Code: tea.KeyDown}, {Code: tea.KeyUp}}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			h.m.Update(keys[i%len(keys)])
			_ = h.m.View()
		}
	})
}

// TestSaveWarnsOfMissingImages: a save of a post naming an image the blog
// has no file for goes through, and the status line says which.
func TestSaveWarnsOfMissingImages(t *testing.T) {
	h, sv := seededAuthor(t, 100, 24)
	sv.missing = []string{"/assets/posts/d.svg"}
	openHello(t, h)
	h.send(ctrlEnd)
	h.typeText("x")
	h.send(ctrl('s'))
	sv.last(t)
	if v := h.lastLine(); !strings.Contains(v, "Saved hello rev 2. Warning: no file for 1 image(s): /assets/posts/d.svg") {
		t.Errorf("after saving the status line is %q", v)
	}
}
