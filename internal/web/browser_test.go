package web

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromium finds Debian's Chromium.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium here (Debian: apt-get install chromium fonts-noto-cjk; scripts/test.sh installs it)")
	return ""
}

// shotsDir is where screenshots go: $SSHBLOG_ARTIFACTS, or a folder in the
// system's temporary folder that outlives the test.
func shotsDir(t *testing.T) string {
	dir := os.Getenv("SSHBLOG_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "sshblog-web-shots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSeedPostInABrowser opens the seed post in headless Chromium at a
// phone's size and a laptop's, light and dark: the Korean text is there,
// nothing scrolls sideways, no script error, the feed is linked, and no
// request but images leaves the blog.
func TestSeedPostInABrowser(t *testing.T) {
	exe := chromium(t)
	s := newSite(t, Config{Lang: "ko"})
	site, _ := url.Parse(s.url)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	dir := shotsDir(t)
	for _, size := range [][2]int64{{390, 844}, {1280, 800}} {
		for _, scheme := range []string{"light", "dark"} {
			name := fmt.Sprintf("seed-%dx%d-%s", size[0], size[1], scheme)
			t.Run(name, func(t *testing.T) {
				ctx, cancel := chromedp.NewContext(actx)
				defer cancel()
				ctx, cancelTime := context.WithTimeout(ctx, 60*time.Second)
				defer cancelTime()
				var mu sync.Mutex
				var problems []string
				listen := func(ev any) {
					mu.Lock()
					defer mu.Unlock()
					switch ev := ev.(type) {
					case *runtime.EventExceptionThrown:
						problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
					case *runtime.EventConsoleAPICalled:
						if ev.Type == runtime.ConsoleAPICalledTypeError {
							problems = append(problems, "console error")
						}
					case *network.EventRequestWillBeSent:
						u, err := url.Parse(ev.Request.URL)
						if err == nil && u.Host != site.Host && ev.Type != network.ResourceTypeImage && u.Scheme != "data" {
							problems = append(problems, "a request elsewhere: "+ev.Request.URL)
						}
					}
				}
				if err := chromedp.Listen(ctx, listen); err != nil {
					t.Fatal(err)
				}
				setup := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
						return err
					}
					if _, err := cdp.Call(ctx, tg, runtime.Enable, cdp.Empty{}); err != nil {
						return err
					}
					_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
						Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
					})
					return err
				})
				var opts []chromedp.EmulateViewportOption
				if size[0] < 500 {
					opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
				}
				err := chromedp.Do(ctx,
					setup,
					chromedp.EmulateViewport(size[0], size[1], opts...),
					chromedp.Navigate(s.url+"/posts/"+seedSlug),
					chromedp.WaitVisible("article h1"),
				)
				if err != nil {
					t.Fatal(err)
				}
				text := evaluate[string](t, ctx, `document.body.innerText`)
				scrollWidth := evaluate[int64](t, ctx, `document.documentElement.scrollWidth`)
				innerWidth := evaluate[int64](t, ctx, `window.innerWidth`)
				feedLinks := evaluate[int](t, ctx, `document.querySelectorAll('link[rel=alternate][type="application/atom+xml"]').length`)
				shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				for _, want := range []string{"24년 3월 회고", "달리기를 시작했다", "테크블로그 개편"} {
					if !strings.Contains(text, want) {
						t.Errorf("the page lacks %q", want)
					}
				}
				if scrollWidth > innerWidth {
					t.Errorf("the page scrolls sideways: %d > %d", scrollWidth, innerWidth)
				}
				if feedLinks != 1 {
					t.Errorf("%d feed links", feedLinks)
				}
				mu.Lock()
				for _, p := range problems {
					t.Error(p)
				}
				mu.Unlock()
				path := filepath.Join(dir, name+".png")
				if err := os.WriteFile(path, shot, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", path)
			})
		}
	}
}

// evaluate runs a script in the page and returns its value.
func evaluate[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return v
}

// splitHangulWords lists the Hangul words of the page that a line break
// cuts in two (a word whose text spans two lines).
const splitHangulWords = `(() => {
  const split = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode, re = /[\uAC00-\uD7A3]{2,}/g;
    let m;
    while ((m = re.exec(n.textContent))) {
      const r = document.createRange();
      r.setStart(n, m.index);
      r.setEnd(n, m.index + m[0].length);
      const tops = new Set(Array.from(r.getClientRects()).map(x => Math.round(x.top)));
      if (tops.size > 1) split.push(m[0]);
    }
  }
  return split.join(' ');
})()`

// TestKoreanBreaksBetweenWordsInABrowser reads the seed post and the list
// at a phone's width on the blog's default settings (lang en): Korean broke
// in the middle of words ("점심시" / "간에도"), since keep-all applied only
// under :lang(ko).
func TestKoreanBreaksBetweenWordsInABrowser(t *testing.T) {
	exe := chromium(t)
	s := newSite(t, Config{})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	for _, width := range []int64{320, 390, 768} {
		for _, path := range []string{"/posts/" + seedSlug, "/"} {
			ctx, cancel := chromedp.NewContext(actx)
			ctx, cancelTime := context.WithTimeout(ctx, 60*time.Second)
			err := chromedp.Do(ctx,
				chromedp.EmulateViewport(width, 800),
				chromedp.Navigate(s.url+path),
				chromedp.WaitReady("footer.site"),
			)
			if err != nil {
				t.Fatal(err)
			}
			if split := evaluate[string](t, ctx, splitHangulWords); split != "" {
				t.Errorf("%s at %d px: Hangul words broken across lines: %s", path, width, split)
			}
			cancelTime()
			cancel()
		}
	}
}
