package tui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"

	"github.com/sshblog/sshblog/internal/termimage"
	"github.com/sshblog/sshblog/internal/termtext"
)

// memFiles is a blog's files in memory, keyed by path, for the pager's
// tests: references resolve as root-relative paths, or relative to the
// post's folder (posts/SLUG/); remote ones are refused unread.
type memFiles struct {
	mu    sync.Mutex
	files map[string][]byte
	asked []string
}

func (f *memFiles) ImageFile(_ context.Context, slug, ref string) (string, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, ref)
	if strings.Contains(ref, "://") {
		return "", nil, fmt.Errorf("image %s: remote: %w", ref, fs.ErrNotExist)
	}
	path := ref
	if !strings.HasPrefix(path, "/") {
		path = "/posts/" + slug + "/" + path
	}
	data, ok := f.files[path]
	if !ok {
		return "", nil, fmt.Errorf("image %s: %w", ref, fs.ErrNotExist)
	}
	return fmt.Sprintf("%s#%d", path, len(data)), data, nil
}

// twoColours is a w x h PNG, red above blue.
func twoColours(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{255, 0, 0, 255}
			if y >= h/2 {
				c = color.RGBA{0, 0, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const diagram = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300" viewBox="0 0 600 300"><rect width="600" height="300" fill="#fff"/><rect x="20" y="20" width="200" height="100" fill="#1e3a8a"/><path d="M220 70 L400 70" stroke="#dc2626" stroke-width="8"/><script>alert(1)</script></svg>`

// picturesPost is a post with a featured image, two images in its body
// (one relative to the post's folder), a remote one and a missing one.
func picturesPost() []byte {
	return []byte(`---
title: "Pictures"
pub_date: '2024-06-01'
heroImage: /assets/hero.png
---

The first paragraph.

![a diagram](/assets/diagram.svg)

Between the pictures.

![the photo](photo.png)

![remote](https://example.com/x.png)

![missing](/assets/missing.png)

The end.
`)
}

// picturesHarness opens the pictures post in a w x h window of a reader
// given files; answer, if set, is what the terminal answers to the query.
func picturesHarness(t *testing.T, w, h int, answer ...any) (*harness, *memFiles) {
	t.Helper()
	st := newFakeStore()
	st.put(t, "pictures", picturesPost())
	files := &memFiles{files: map[string][]byte{
		"/assets/hero.png":          twoColours(t, 400, 200),
		"/assets/diagram.svg":       []byte(diagram),
		"/posts/pictures/photo.png": twoColours(t, 300, 300),
	}}
	r := &recorder{Renderer: newRenderer(t)}
	hs := &harness{t: t, st: st, r: r}
	hs.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: w, Height: h, Files: files, Pictures: termimage.NewRenderer(termimage.Limits{}, 1<<20)})
	hs.run(hs.m.Init())
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	for _, a := range answer {
		hs.send(a)
	}
	hs.press("enter")
	return hs, files
}

// pictureRows returns the indexes of the view's lines that are half-block
// picture rows.
func pictureRows(view string) []int {
	var rows []int
	for i, l := range strings.Split(view, "\n") {
		if strings.Count(l, "▀") >= 4 {
			rows = append(rows, i)
		}
	}
	return rows
}

// TestPicturesHalfBlocks: in a terminal that did not answer the query,
// the pager draws the post's pictures in half blocks, at 40 and 80
// columns: the featured image under the header, each body image above the
// line that names it (its alt text), at most half the window tall, no
// wider than the window; the remote and missing ones stay lines. No kitty
// or sixel bytes are written: only the query.
func TestPicturesHalfBlocks(t *testing.T) {
	for _, w := range []int{40, 80} {
		h, files := picturesHarness(t, w, 40)
		if len(h.raw) != 1 || h.raw[0] != termimage.Query {
			t.Fatalf("%d: written to the terminal: %q", w, h.raw)
		}
		lines := h.m.pager.Content()
		full := strings.Join(lines, "\n")
		rows := pictureRows(full)
		if len(rows) == 0 {
			t.Fatalf("%d: no picture:\n%s", w, strip(full))
		}
		// Three pictures: three runs of rows.
		var runs [][]int
		for i, r := range rows {
			if i == 0 || r != rows[i-1]+1 {
				runs = append(runs, nil)
			}
			runs[len(runs)-1] = append(runs[len(runs)-1], r)
		}
		if len(runs) != 3 {
			t.Fatalf("%d: %d pictures, want 3:\n%s", w, len(runs), strip(full))
		}
		for i, want := range []string{"", "Image: a diagram", "Image: the photo"} {
			run := runs[i]
			if len(run) > 20 {
				t.Errorf("%d: picture %d is %d rows, more than half the window", w, i, len(run))
			}
			under := strip(lines[run[len(run)-1]+1])
			if want != "" && !strings.Contains(under, want) {
				t.Errorf("%d: under picture %d: %q, want %q", w, i, under, want)
			}
			for _, r := range run {
				if lw := termtext.Width(lines[r]); lw > w {
					t.Errorf("%d: picture row %d is %d columns", w, r, lw)
				}
			}
		}
		if !strings.Contains(strip(lines[runs[0][0]-2]), "─") {
			t.Errorf("%d: the featured picture is not under the header: %q", w, strip(lines[runs[0][0]-2]))
		}
		// The hero is red above blue; the photo is square: as tall in rows
		// as half its columns.
		if !strings.Contains(lines[runs[0][0]], "196") && !strings.Contains(lines[runs[0][0]], "255;0;0") {
			t.Errorf("%d: the hero's first row is not red: %q", w, lines[runs[0][0]])
		}
		if cols := termtext.Width(strings.TrimLeft(strip(lines[runs[2][0]]), " ")); len(runs[2]) != (cols+1)/2 {
			t.Errorf("%d: the square photo is %d columns by %d rows", w, cols, len(runs[2]))
		}
		for _, l := range []string{"Image: remote", "Image: missing"} {
			if !strings.Contains(strip(full), l) {
				t.Errorf("%d: %q gone", w, l)
			}
		}
		if strings.Contains(full, "\x1b_G") || strings.Contains(full, "\x1bP") || strings.ContainsRune(full, '\U0010EEEE') {
			t.Fatalf("%d: kitty or sixel in the view", w)
		}
		if len(files.asked) != 5 {
			t.Errorf("%d: asked for %q", w, files.asked)
		}
		h.checkFits(w, 40)
	}
}

// TestPicturesScrollAndToggle: scrolling past the pictures and back shows
// the same screen; i turns pictures off and on.
func TestPicturesScrollAndToggle(t *testing.T) {
	h, _ := picturesHarness(t, 60, 24)
	top := h.view()
	if len(pictureRows(top)) == 0 {
		t.Fatalf("no picture at the top:\n%s", strip(top))
	}
	for range 40 {
		h.press("j")
	}
	if h.view() == top {
		t.Fatal("did not scroll")
	}
	for range 40 {
		h.press("k")
	}
	if h.view() != top {
		t.Fatalf("back at the top, the screen differs:\n%s\n---\n%s", strip(top), strip(h.view()))
	}
	h.press("i")
	if rows := pictureRows(h.view()); len(rows) != 0 {
		t.Fatalf("pictures off, still %d rows", len(rows))
	}
	if !strings.Contains(h.plain(), "pictures off") {
		t.Errorf("no note: %s", h.plain())
	}
	h.press("i")
	if h.view() == top || len(pictureRows(h.view())) == 0 {
		// the note differs from the first screen; the pictures are back
		if len(pictureRows(h.view())) == 0 {
			t.Fatal("pictures on again: none")
		}
	}
	h.press("?")
	if !strings.Contains(h.plain(), "pictures on/off") {
		t.Errorf("the help lacks the key:\n%s", h.plain())
	}
}

// TestPicturesOffSetting: the images setting off starts with none, and
// asks the terminal nothing? It still asks: i may turn them on.
func TestPicturesOffSetting(t *testing.T) {
	st := newFakeStore()
	st.put(t, "pictures", picturesPost())
	files := &memFiles{files: map[string][]byte{"/assets/hero.png": twoColours(t, 400, 200)}}
	r := &recorder{Renderer: newRenderer(t)}
	hs := &harness{t: t, st: st, r: r}
	hs.m = New(Options{Title: blogTitle, Posts: st, Renderer: r, Location: time.UTC, Width: 80, Height: 30, Files: files, NoImages: true})
	hs.run(hs.m.Init())
	hs.press("enter")
	if len(pictureRows(hs.view())) != 0 || len(files.asked) != 0 {
		t.Fatalf("images off: %d rows, asked %q", len(pictureRows(hs.view())), files.asked)
	}
	hs.press("i")
	if len(pictureRows(hs.view())) == 0 {
		t.Fatalf("i: no picture:\n%s", hs.plain())
	}
}

// TestPicturesKitty: a terminal that answers the kitty query gets each
// picture once as a kitty image (chunked, no reply asked) and the
// placeholders in the text, in the image's colour; no half blocks.
func TestPicturesKitty(t *testing.T) {
	var answer uv.KittyGraphicsEvent
	answer.Options.ID, answer.Payload = termimage.QueryID, []byte("OK")
	h, _ := picturesHarness(t, 80, 40, answer, uv.PrimaryDeviceAttributesEvent{62, 22})
	var sent []string
	for _, r := range h.raw[1:] {
		sent = append(sent, r)
	}
	if len(sent) == 0 {
		t.Fatal("no kitty image sent")
	}
	ids := map[string]bool{}
	for _, s := range sent {
		if !strings.HasPrefix(s, "\x1b_Ga=T,U=1,f=100,t=d,q=2,i=") {
			t.Fatalf("sent %.60q", s)
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(s, "\x1b_Ga=T,U=1,f=100,t=d,q=2,i="), ",")
		ids[id] = true
	}
	v := h.view()
	if !strings.ContainsRune(v, '\U0010EEEE') {
		t.Fatalf("no placeholders:\n%q", v)
	}
	for id := range ids {
		if !strings.Contains(v, "\x1b[38;5;"+id+"m\U0010EEEE") && id != "3" { // the third may be below the screen
			t.Errorf("image %s is not placed on the first screen", id)
		}
	}
	if len(pictureRows(v)) != 0 {
		t.Fatal("half blocks in a kitty terminal")
	}
	h.checkFits(80, 40)
	// Scrolling does not send them again.
	n := len(h.raw)
	for range 30 {
		h.press("j")
	}
	if len(h.raw) != n {
		t.Fatalf("scrolling sent %d more", len(h.raw)-n)
	}
}

// TestPicturesSixelTerminal: in the pager, a sixel-only terminal gets half
// blocks (a sixel image is not text); no sixel bytes.
func TestPicturesSixelTerminal(t *testing.T) {
	h, _ := picturesHarness(t, 80, 40, uv.PrimaryDeviceAttributesEvent{62, 4, 22})
	if len(h.raw) != 1 {
		t.Fatalf("written: %q", h.raw)
	}
	if len(pictureRows(h.view())) == 0 || strings.Contains(h.view(), "\x1bP") {
		t.Fatalf("sixel terminal:\n%s", h.plain())
	}
}

// TestNoFilesNoQuery: without Files the session asks the terminal nothing
// and draws no picture, as before.
func TestNoFilesNoQuery(t *testing.T) {
	st := newFakeStore()
	st.put(t, "pictures", picturesPost())
	h := newHarness(t, st, 80, 30)
	h.press("enter")
	if len(h.raw) != 0 || len(pictureRows(h.view())) != 0 {
		t.Fatalf("no files: raw %q", h.raw)
	}
}

// TestKittyIDsTurn: ids go round 1 to 255; a new picture takes the one
// given longest ago, and the open post's keep theirs.
func TestKittyIDsTurn(t *testing.T) {
	var answer uv.KittyGraphicsEvent
	answer.Options.ID, answer.Payload = termimage.QueryID, []byte("OK")
	h, _ := picturesHarness(t, 80, 40, answer, uv.PrimaryDeviceAttributesEvent{62, 22})
	first := len(h.raw)
	// 300 more windows' worth of pictures: each resize draws them again.
	for i := range 100 {
		h.send(tea.WindowSizeMsg{Width: 60 + i%40, Height: 40 + i})
	}
	if sent := len(h.raw) - first; sent < 250 {
		t.Fatalf("%d images sent for 100 sizes", sent)
	}
	v := h.view()
	if !strings.ContainsRune(v, '\U0010EEEE') {
		t.Fatalf("after the ids went round, no placeholder:\n%q", v)
	}
	if got := fmt.Sprint(h.m.pager.Pictures()); got != "[true true true false false]" {
		t.Fatalf("pictures drawn: %s", got)
	}
}
