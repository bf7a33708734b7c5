package web

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// gradientPNG is a w x h picture of colour, not one flat tone.
func gradientPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 180, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// colours counts the distinct colours of a PNG screenshot, and how many
// of its pixels are not the page's background (near white or near black).
func colours(t *testing.T, shot []byte) (distinct int, inked float64) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[color.RGBA]bool{}
	n, ink := 0, 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			seen[c] = true
			n++
			if lo, hi := min(c.R, c.G, c.B), max(c.R, c.G, c.B); !(lo > 235 || hi < 25) {
				ink++
			}
		}
	}
	return len(seen), float64(ink) / float64(max(n, 1))
}

// TestImagesInABrowser: a post with an SVG diagram and a PNG photo from the
// blog's own files, at a phone's width and a laptop's: both load, fit the
// column, and their area on the screen is drawn, not blank. An SVG with
// scripts, opened on its own, runs none.
func TestImagesInABrowser(t *testing.T) {
	exe := chromium(t)
	s := newSite(t, Config{Lang: "ko"})
	s.putFile("/assets/posts/photo.png", gradientPNG(t, 1600, 900))
	s.putFile("/assets/posts/diagram.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 160"><rect width="320" height="160" fill="#fde"/><rect x="10" y="10" width="120" height="60" fill="#4a90d9"/><rect x="190" y="90" width="120" height="60" fill="#e94e77"/><path d="M130 40 L190 120" stroke="#333" stroke-width="4"/></svg>`))
	s.putFile("/assets/evil.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="document.documentElement.setAttribute('data-onload','ran')"><script>document.documentElement.setAttribute('data-script','ran')</script><rect width="10" height="10"/></svg>`))
	s.publish("pictures", "---\ntitle: 그림이 있는 글\n---\n도표입니다.\n\n![구성도](/assets/posts/diagram.svg)\n\n사진입니다.\n\n![사진](/assets/posts/photo.png)\n")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	dir := shotsDir(t)
	for _, size := range [][2]int64{{390, 844}, {1280, 800}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			ctx, cancelTime := context.WithTimeout(ctx, 60*time.Second)
			defer cancelTime()
			var vp []chromedp.EmulateViewportOption
			if size[0] < 500 {
				vp = append(vp, chromedp.EmulateMobile, chromedp.EmulatePortrait)
			}
			if err := chromedp.Do(ctx,
				chromedp.EmulateViewport(size[0], size[1], vp...),
				chromedp.Navigate(s.url+"/posts/pictures"),
				chromedp.WaitVisible("article h1"),
			); err != nil {
				t.Fatal(err)
			}
			// Lazy images load as they come near: bring each into view.
			loaded := false
			for end := time.Now().Add(20 * time.Second); time.Now().Before(end) && !loaded; time.Sleep(100 * time.Millisecond) {
				loaded = evaluate[bool](t, ctx, `(() => { const im = [...document.querySelectorAll('article img')]; im.forEach((e, i) => { e.id = 'im' + i; if (!e.complete) e.scrollIntoView(); }); return im.length == 2 && im.every(e => e.complete && e.naturalWidth > 0); })()`)
			}
			if !loaded {
				t.Fatal("the images did not load")
			}
			column := evaluate[float64](t, ctx, `document.querySelector('article').getBoundingClientRect().width`)
			for i, want := range []struct{ natural [2]float64 }{{[2]float64{320, 160}}, {[2]float64{1600, 900}}} {
				w := evaluate[float64](t, ctx, fmt.Sprintf(`document.getElementById('im%d').getBoundingClientRect().width`, i))
				h := evaluate[float64](t, ctx, fmt.Sprintf(`document.getElementById('im%d').getBoundingClientRect().height`, i))
				if w <= 0 || w > column+1 {
					t.Errorf("image %d is %.0f wide in a column of %.0f", i, w, column)
				}
				if ratio := w / h; ratio < want.natural[0]/want.natural[1]*0.95 || ratio > want.natural[0]/want.natural[1]*1.05 {
					t.Errorf("image %d is %.0fx%.0f: its shape is lost", i, w, h)
				}
				if err := chromedp.Do(ctx, chromedp.ScrollIntoView(fmt.Sprintf("#im%d", i))); err != nil {
					t.Fatal(err)
				}
				shot, err := chromedp.Run(ctx, chromedp.Screenshot(fmt.Sprintf("#im%d", i)))
				if err != nil {
					t.Fatal(err)
				}
				if n, ink := colours(t, shot); n < 4 || ink < 0.2 {
					t.Errorf("image %d on screen: %d colours, %.0f%% drawn: blank", i, n, ink*100)
				}
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("images-%dx%d-%d.png", size[0], size[1], i)), shot, 0o644)
			}
			page, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("images-%dx%d.jpg", size[0], size[1])), page, 0o644)
		})
	}
	t.Run("svg-opened-on-its-own", func(t *testing.T) {
		ctx, cancel := chromedp.NewContext(actx)
		defer cancel()
		ctx, cancelTime := context.WithTimeout(ctx, 30*time.Second)
		defer cancelTime()
		if err := chromedp.Do(ctx, chromedp.Navigate(s.url+"/assets/evil.svg"), chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		ran := evaluate[string](t, ctx, `(document.documentElement.getAttribute('data-script') || '') + (document.documentElement.getAttribute('data-onload') || '')`)
		if ran != "" {
			t.Errorf("the SVG's script ran: %q", ran)
		}
		if tag := evaluate[string](t, ctx, `document.documentElement.tagName`); tag != "svg" {
			t.Errorf("the SVG did not open as an SVG: %q", tag)
		}
	})
}
