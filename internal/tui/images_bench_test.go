package tui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"

	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/termimage"
)

// benchDiagram is an SVG shaped like a technical blog's diagram: a dozen
// labelled boxes with a gradient, arrows, a dashed curve.
func benchDiagram(seed int) []byte {
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="800" height="400" viewBox="0 0 800 400"><defs><linearGradient id="g"><stop offset="0" stop-color="#dbeafe"/><stop offset="1" stop-color="#93c5fd"/></linearGradient></defs><rect width="800" height="400" fill="#fff"/>`)
	for i := range 12 {
		x, y := 40+(i%4)*190, 40+(i/4)*120
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="140" height="60" rx="8" fill="url(#g)" stroke="#1e3a8a" stroke-width="2"/><text x="%d" y="%d">node %d</text>`, x, y, x+30, y+35, i+seed)
		if i%4 != 3 {
			fmt.Fprintf(&b, `<path d="M%d %d L%d %d" stroke="#334155" stroke-width="3"/><polygon points="%d,%d %d,%d %d,%d" fill="#334155"/>`, x+140, y+30, x+190, y+30, x+190, y+30, x+180, y+24, x+180, y+36)
		}
	}
	b.WriteString(`<path d="M100 380 C 300 300, 500 460, 700 380" stroke="#dc2626" stroke-width="4" stroke-dasharray="10 6" fill="none"/></svg>`)
	return []byte(b.String())
}

// benchPhoto is a w x h JPEG with gradients and noise, as a photo.
func benchPhoto(b *testing.B, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := uint8(rng.IntN(24))
			img.SetRGBA(x, y, color.RGBA{uint8(x*255/w) + n, uint8(y*255/h) + n, 96 + n, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkOpenPostWithPictures opens a post with five pictures (a
// featured 4000x3000 photo, three SVG diagrams and a 1600x1200 photo) in
// an 80x40 pager, until every picture is drawn: first, with an empty
// cache (each decoded, scaled and encoded), and cached (another session,
// the server's cache warm). Half blocks, and kitty.
func BenchmarkOpenPostWithPictures(b *testing.B) {
	files := &memFiles{files: map[string][]byte{
		"/assets/hero.jpg": benchPhoto(b, 4000, 3000),
		"/assets/d1.svg":   benchDiagram(0),
		"/assets/d2.svg":   benchDiagram(12),
		"/assets/d3.svg":   benchDiagram(24),
		"/assets/p.jpg":    benchPhoto(b, 1600, 1200),
	}}
	st := newFakeStore()
	st.put(b, "five", []byte("---\ntitle: Five\npub_date: '2024-06-01'\nheroImage: /assets/hero.jpg\n---\n\nOne.\n\n![d1](/assets/d1.svg)\n\nTwo.\n\n![d2](/assets/d2.svg)\n\n![d3](/assets/d3.svg)\n\nThree.\n\n![photo](/assets/p.jpg)\n"))
	renderer := render.New(16 << 20)
	kitty := uv.KittyGraphicsEvent{Payload: []byte("OK")}
	kitty.Options.ID = termimage.QueryID
	open := func(b *testing.B, pics *termimage.Renderer, answer tea.Msg) {
		hs := &harness{t: b, st: st, r: &recorder{Renderer: renderer}}
		hs.m = New(Options{Title: blogTitle, Posts: st, Renderer: hs.r, Location: time.UTC, Width: 80, Height: 40, Files: files, Pictures: pics})
		hs.run(hs.m.Init())
		if answer != nil {
			hs.send(answer)
		}
		hs.press("enter")
		drawn := 0
		for _, pc := range hs.m.pager.Pictures() {
			if pc {
				drawn++
			}
		}
		if drawn != 5 {
			b.Fatalf("%d pictures drawn", drawn)
		}
	}
	for _, proto := range []struct {
		name   string
		answer tea.Msg
	}{{"blocks", nil}, {"kitty", kitty}} {
		b.Run(proto.name+"/first", func(b *testing.B) {
			for b.Loop() {
				open(b, termimage.NewRenderer(termimage.Limits{}, termimage.DefaultCacheBytes), proto.answer)
			}
		})
		b.Run(proto.name+"/cached", func(b *testing.B) {
			pics := termimage.NewRenderer(termimage.Limits{}, termimage.DefaultCacheBytes)
			open(b, pics, proto.answer)
			for b.Loop() {
				open(b, pics, proto.answer)
			}
		})
	}
}
