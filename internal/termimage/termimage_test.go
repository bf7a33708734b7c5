package termimage

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/ansi/kitty"
)

func newTestRenderer() *Renderer { return NewRenderer(Limits{}, 1<<20) }

// TestSniff names formats by their bytes, not their names.
func TestSniff(t *testing.T) {
	img := photo(8, 4)
	for _, c := range []struct {
		data []byte
		want Format
	}{
		{encodePNG(t, img), PNG},
		{encodeJPEG(t, img), JPEG},
		{encodeGIF(t, img), GIF},
		{[]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), WebP},
		{diagramSVG(), SVG},
		{[]byte("\xef\xbb\xbf<!-- a comment --><svg xmlns='http://www.w3.org/2000/svg'/>"), SVG},
		{[]byte("<html><body><svg></svg></body></html>"), Unknown},
		{[]byte("<!DOCTYPE html><p>hello"), Unknown},
		{nil, Unknown},
	} {
		if got := Sniff(c.data); got != c.want {
			t.Errorf("Sniff(%.20q) = %v, want %v", c.data, got, c.want)
		}
	}
}

// TestHalfBlocks draws each format as half blocks: every row is exactly as
// wide as the picture, the picture keeps the image's aspect (a cell is 1 x
// 2 pixels), and its colours are the image's.
func TestHalfBlocks(t *testing.T) {
	r := newTestRenderer()
	img := photo(800, 400)
	for name, data := range map[string][]byte{"png": encodePNG(t, img), "jpeg": encodeJPEG(t, img), "gif": encodeGIF(t, img), "svg": diagramSVG()} {
		for _, cols := range []int{40, 80} {
			for _, proto := range []Protocol{Blocks24, Blocks256} {
				pic, err := r.Draw(context.Background(), data, Request{Cols: cols, MaxRows: 30, Protocol: proto})
				if err != nil {
					t.Fatalf("%s at %d: %v", name, cols, err)
				}
				// 800 x 400 at cols columns of 1 x 2 pixels: cols/2 pixels
				// high, cols/4 rows; wider than tall as the image.
				if pic.Cols != cols || pic.Rows != cols/4 {
					t.Errorf("%s %v at %d: %d x %d cells, want %d x %d", name, proto, cols, pic.Cols, pic.Rows, cols, cols/4)
				}
				lines := pic.Lines(0)
				if len(lines) != pic.Rows {
					t.Fatalf("%s: %d lines for %d rows", name, len(lines), pic.Rows)
				}
				for i, l := range lines {
					if w := ansi.StringWidth(l); w != cols {
						t.Fatalf("%s %v line %d is %d columns, want %d: %q", name, proto, i, w, cols, l)
					}
					if !strings.Contains(l, "▀") || !strings.HasSuffix(l, "\x1b[m") {
						t.Fatalf("%s line %d: no half block or no reset: %q", name, i, l)
					}
					if proto == Blocks256 && strings.Contains(l, ";2;") {
						t.Fatalf("%s: 24-bit colour in a 256-colour picture: %q", name, l)
					}
					if proto == Blocks24 && !strings.Contains(l, "38;2;") {
						t.Fatalf("%s: no 24-bit colour: %q", name, l)
					}
				}
			}
		}
	}
}

// TestHalfBlockColours checks the colours: a red-over-blue image is red
// foregrounds on blue backgrounds, and transparent pixels leave the
// terminal's background.
func TestHalfBlockColours(t *testing.T) {
	img := photo(2, 4)
	for x := range 2 {
		img.Pix[img.PixOffset(x, 0)+0], img.Pix[img.PixOffset(x, 0)+1], img.Pix[img.PixOffset(x, 0)+2] = 255, 0, 0
		img.Pix[img.PixOffset(x, 1)+0], img.Pix[img.PixOffset(x, 1)+1], img.Pix[img.PixOffset(x, 1)+2] = 0, 0, 255
	}
	for i := img.PixOffset(0, 2); i < len(img.Pix); i++ {
		img.Pix[i] = 0 // the lower half transparent
	}
	lines := blocks(img, true)
	if want := "\x1b[38;2;255;0;0;48;2;0;0;255m▀▀\x1b[m"; lines[0] != want {
		t.Errorf("row 0 = %q, want %q", lines[0], want)
	}
	if !strings.Contains(lines[1], "49m  ") {
		t.Errorf("transparent row = %q, want default background spaces", lines[1])
	}
	if got := blocks(img, false)[0]; got != "\x1b[38;5;196;48;5;21m▀▀\x1b[m" {
		t.Errorf("256-colour row 0 = %q", got)
	}
}

// TestFit keeps the aspect and the box: a tall image is at most MaxRows
// rows; a small one is not blown up past its size.
func TestFit(t *testing.T) {
	for _, c := range []struct {
		nat                Size
		req                Request
		pw, ph, cols, rows int
	}{
		{Size{800, 400}, Request{Cols: 80, MaxRows: 20, Protocol: Blocks24}, 80, 40, 80, 20},
		{Size{800, 400}, Request{Cols: 80, MaxRows: 10, Protocol: Blocks24}, 40, 20, 40, 10},
		{Size{400, 1600}, Request{Cols: 80, MaxRows: 12, Protocol: Blocks24}, 6, 24, 6, 12},
		{Size{64, 64}, Request{Cols: 80, MaxRows: 20, Protocol: Blocks24}, 7, 7, 7, 4},
		{Size{800, 400}, Request{Cols: 80, MaxRows: 30, Protocol: Kitty}, 800, 400, 80, 20},
		{Size{800, 400}, Request{Cols: 40, MaxRows: 30, Protocol: Sixel}, 400, 200, 40, 10},
	} {
		pw, ph, cols, rows := c.req.fit(c.nat)
		if pw != c.pw || ph != c.ph || cols != c.cols || rows != c.rows {
			t.Errorf("fit(%v, %+v) = %d x %d px, %d x %d cells; want %d x %d px, %d x %d cells", c.nat, c.req, pw, ph, cols, rows, c.pw, c.ph, c.cols, c.rows)
		}
	}
}

// TestKitty checks the kitty encoding: the transmission is chunked at
// 4096 bytes of base64 with m=1 on all but the last; the placeholders are
// U+10EEEE with the row's and column's diacritics, in the image id's
// colour, each row as wide as the picture.
func TestKitty(t *testing.T) {
	r := newTestRenderer()
	pic, err := r.Draw(context.Background(), encodePNG(t, photo(800, 400)), Request{Cols: 40, MaxRows: 20, Protocol: Kitty})
	if err != nil {
		t.Fatal(err)
	}
	if pic.Cols != 40 || pic.Rows != 10 {
		t.Fatalf("%d x %d cells, want 40 x 10", pic.Cols, pic.Rows)
	}
	seq := pic.KittyTransmit(42)
	cmds := strings.Split(strings.TrimSuffix(seq, "\x1b\\"), "\x1b\\")
	if len(cmds) < 2 {
		t.Fatalf("one chunk for a 400x200 photo: %d bytes", len(seq))
	}
	for i, c := range cmds {
		keys, payload, ok := strings.Cut(strings.TrimPrefix(c, "\x1b_G"), ";")
		if !ok || !strings.HasPrefix(c, "\x1b_G") || len(payload) > 4096 || len(payload)%4 != 0 {
			t.Fatalf("chunk %d: %.60q (%d bytes of payload)", i, c, len(payload))
		}
		last := i == len(cmds)-1
		if strings.HasSuffix(keys, "m=1") == last || strings.HasSuffix(keys, "m=0") != last {
			t.Fatalf("chunk %d of %d has keys %q", i, len(cmds), keys)
		}
		if i == 0 && !strings.HasPrefix(keys, "a=T,U=1,f=100,t=d,q=2,i=42,c=40,r=10,") {
			t.Fatalf("first keys %q", keys)
		}
		if !last && len(payload) != 4096 {
			t.Fatalf("chunk %d is %d bytes, not 4096", i, len(payload))
		}
	}
	lines := pic.Lines(42)
	if len(lines) != 10 {
		t.Fatalf("%d placeholder rows", len(lines))
	}
	for row, l := range lines {
		if !strings.HasPrefix(l, "\x1b[38;5;42m") || !strings.HasSuffix(l, "\x1b[39m") {
			t.Fatalf("row %d colour: %q", row, l)
		}
		if w := ansi.StringWidth(l); w != 40 {
			t.Fatalf("row %d is %d columns wide", row, w)
		}
		cells := []rune(ansi.Strip(l))
		if len(cells) != 3*40 || cells[0] != kitty.Placeholder || cells[1] != kitty.Diacritic(row) || cells[3*5+2] != kitty.Diacritic(5) {
			t.Fatalf("row %d cells: %q", row, string(cells[:9]))
		}
	}
	if in := pic.Inline(); !strings.HasPrefix(in, "\x1b_Ga=T,f=100,t=d,q=2,c=40,m=1;") {
		t.Fatalf("inline kitty starts %.40q", in)
	}
}

// TestSixel checks the sixel sequence: a DCS with the raster size of the
// picture, a palette, bands, and ST.
func TestSixel(t *testing.T) {
	r := newTestRenderer()
	pic, err := r.Draw(context.Background(), diagramSVG(), Request{Cols: 40, MaxRows: 20, Protocol: Sixel})
	if err != nil {
		t.Fatal(err)
	}
	s := pic.Inline()
	if !strings.HasPrefix(s, "\x1bP0;1q\"1;1;400;200") || !strings.HasSuffix(s, "\x1b\\\n") || !strings.Contains(s, "#0;2;") || strings.Count(s, "-") < 200/6-1 {
		t.Fatalf("sixel: %.80q ... %q", s, s[max(0, len(s)-20):])
	}
	if pic.Lines(1) != nil {
		t.Fatal("sixel has text lines")
	}
}

// TestHostileRaster refuses images whose declared size is past the limits
// before decoding any pixel: in well under a millisecond of work and with
// a few KiB allocated, however many pixels they claim.
func TestHostileRaster(t *testing.T) {
	r := newTestRenderer()
	bomb := craftedPNG(t, 50000, 50000, 64<<20) // 64 MiB of zeros in ~64 KiB
	if len(bomb) > 200<<10 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	for name, data := range map[string][]byte{
		"png 100000x100000":    craftedPNG(t, 100000, 100000, 1<<10),
		"png deflate bomb":     bomb,
		"png 1x100000000":      craftedPNG(t, 1, 100000000, 1<<10),
		"gif 65535x65535":      hugeGIF(65535, 65535),
		"gif 20000x20000":      hugeGIF(20000, 20000),
		"png 16-bit 4000x3000": craftedPNGDepth(t, 4000, 3000, 1<<10, 16), // 96 MB decoded
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		_, err := r.limits.open(data)
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", name, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<10 {
			t.Errorf("%s: %d bytes allocated to refuse it", name, alloc)
		}
		if took > 20*time.Millisecond { // microseconds; generous for -race on a busy machine
			t.Errorf("%s: refused in %v", name, took)
		}
		// Through the renderer too, and its error is cached.
		if _, err := r.Picture(context.Background(), name, data, Request{Cols: 80, MaxRows: 20, Protocol: Blocks24}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s via Picture: %v", name, err)
		}
		if _, err, ok := r.Cached(name, Request{Cols: 80, MaxRows: 20, Protocol: Blocks24}); !ok || !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: refusal not cached (%v, %v)", name, ok, err)
		}
	}
	// Not images at all.
	for _, data := range [][]byte{[]byte("<html><script>alert(1)</script></html>"), []byte("\x89PNG\r\n\x1a\nshort"), nil, []byte("\x1b]52;c;AAAA\a")} {
		if _, err := r.Draw(context.Background(), data, Request{Cols: 80, MaxRows: 20}); !errors.Is(err, ErrFormat) {
			t.Errorf("%.20q: %v, want ErrFormat", data, err)
		}
	}
	big := make([]byte, r.limits.MaxInput+1)
	copy(big, "\x89PNG\r\n\x1a\n")
	if _, err := r.Draw(context.Background(), big, Request{Cols: 80, MaxRows: 20}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file past MaxInput: %v", err)
	}
}

// TestHostileSVG draws SVGs that carry scripts, event handlers, a
// foreignObject and external references: they are drawn as shapes, and
// nothing is fetched (a listener on loopback is never called). A DOCTYPE
// (entity expansion) and documents past the element, <use> and depth
// limits are refused.
func TestHostileSVG(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer srv.Close()
	ext := srv.URL + "/x.png"
	r := newTestRenderer()
	hostile := `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100" onload="fetch('` + ext + `')">
<style>@import url(` + ext + `); rect { fill: red }</style>
<script>fetch("` + ext + `")</script>
<rect width="200" height="100" fill="#0000ff" onclick="alert(1)"/>
<foreignObject width="100" height="100"><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="` + ext + `"/></body></foreignObject>
<image href="` + ext + `" width="50" height="50"/>
<image xlink:href="` + ext + `" width="50" height="50"/>
<use xlink:href="` + ext + `#a"/>
<a href="javascript:alert(1)"><circle cx="10" cy="10" r="5"/></a>
</svg>`
	pic, err := r.Draw(context.Background(), []byte(hostile), Request{Cols: 20, MaxRows: 10, Protocol: Blocks24})
	if err != nil {
		// oksvg may refuse the external <use>: refused is harmless too.
		t.Logf("hostile svg refused: %v", err)
	} else if !strings.Contains(strings.Join(pic.Lines(0), ""), "0;0;255") {
		t.Errorf("the rectangle is not drawn blue: %q", pic.Lines(0)[0])
	}
	for _, proto := range []Protocol{Kitty, Sixel} {
		_, _ = r.Draw(context.Background(), []byte(hostile), Request{Cols: 20, MaxRows: 10, Protocol: proto})
	}
	// The listener accepted nothing: no request was even tried.
	time.Sleep(50 * time.Millisecond)
	if n := hits.Load(); n != 0 {
		t.Fatalf("the server fetched %d external references", n)
	}
	if c, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), time.Second); err == nil {
		c.Close() // the listener was there to be called
	}

	lol := `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>`
	if _, err := r.Draw(context.Background(), []byte(lol), Request{Cols: 20, MaxRows: 10}); !errors.Is(err, ErrFormat) {
		t.Errorf("DOCTYPE defining entities: %v, want ErrFormat", err)
	}
	// As draw.io writes them: a DOCTYPE naming the SVG DTD (never
	// fetched), the diagram in a long attribute, &nbsp; in its text.
	drawio := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "` + srv.URL + `/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" width="641px" height="281px" viewBox="-0.5 -0.5 641 281" content="` + strings.Repeat("&lt;mxfile x=&quot;1&quot;&gt;", 400) + `"><g><rect x="0" y="0" width="641" height="281" fill="#00ff00"/><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">a&nbsp;b&mdash;c</div></foreignObject><text>a&nbsp;b</text></g></svg>`
	if Sniff([]byte(drawio)) != SVG {
		t.Fatal("a draw.io svg is not sniffed as svg")
	}
	pic, err = r.Draw(context.Background(), []byte(drawio), Request{Cols: 20, MaxRows: 10, Protocol: Blocks24})
	if err != nil || !strings.Contains(pic.Lines(0)[0], "0;255;0") {
		t.Errorf("draw.io svg: %v", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the DTD was fetched (%d requests)", n)
	}
	many := "<svg xmlns='http://www.w3.org/2000/svg'>" + strings.Repeat("<rect width='1' height='1'/>", r.limits.MaxSVGNodes+1) + "</svg>"
	uses := "<svg xmlns='http://www.w3.org/2000/svg'><defs><rect id='r' width='1' height='1'/></defs>" + strings.Repeat("<use href='#r'/>", r.limits.MaxSVGUses+1) + "</svg>"
	deep := "<svg xmlns='http://www.w3.org/2000/svg'>" + strings.Repeat("<g>", 100) + strings.Repeat("</g>", 100) + "</svg>"
	nested := "<svg xmlns='http://www.w3.org/2000/svg'><defs><rect id='a' width='1' height='1'/><g id='b'><use href='#a'/><use href='#a'/></g><g id='c'><use href='#b'/><use href='#b'/></g></defs><use href='#c'/></svg>"
	wide := "<svg xmlns='http://www.w3.org/2000/svg'><defs><g id='a'>" + strings.Repeat("<rect width='1' height='1'/>", 2000) + "</g></defs>" + strings.Repeat("<use href='#a'/>", 200) + "</svg>"
	for name, doc := range map[string]string{"elements": many, "uses": uses, "depth": deep, "nested use": nested, "use expansion": wide} {
		if _, err := r.Draw(context.Background(), []byte(doc), Request{Cols: 20, MaxRows: 10}); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: %v, want ErrTooLarge", name, err)
		}
	}
	// A huge declared size is only a shape: it is drawn at the box's.
	pic, err = r.Draw(context.Background(), []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="100000000" height="50000000"><rect width="100%" height="100%" fill="red"/></svg>`), Request{Cols: 20, MaxRows: 10, Protocol: Blocks24})
	if err != nil || pic.Cols != 20 || pic.Rows != 5 {
		t.Errorf("huge declared svg: %v, %+v", err, pic)
	}
}

// TestLimitsTimeAndConcurrency: a decode past the time limit is given up,
// and holds its slot until it ends, so others wait or are refused.
func TestLimitsTimeAndConcurrency(t *testing.T) {
	sem := make(chan struct{}, 1)
	release := make(chan struct{})
	_, err := run(context.Background(), sem, 20*time.Millisecond, func() (int, error) { <-release; return 1, nil })
	if !errors.Is(err, ErrSlow) {
		t.Fatalf("slow: %v", err)
	}
	if _, err := run(context.Background(), sem, 20*time.Millisecond, func() (int, error) { return 2, nil }); !errors.Is(err, ErrBusy) {
		t.Fatalf("while the slow one runs: %v, want ErrBusy", err)
	}
	close(release)
	deadline := time.Now().Add(2 * time.Second)
	for {
		v, err := run(context.Background(), sem, 20*time.Millisecond, func() (int, error) { return 3, nil })
		if err == nil && v == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the slot was not given back: %v", err)
		}
	}
	if _, err := run(context.Background(), sem, time.Second, func() (int, error) { panic("boom") }); !errors.Is(err, ErrFormat) {
		t.Fatalf("panic: %v", err)
	}
}

// TestCache keeps pictures by (file, box, protocol), least recently used
// out first, within its bytes.
func TestCache(t *testing.T) {
	r := NewRenderer(Limits{}, 64<<10)
	data := encodePNG(t, photo(300, 150))
	req := Request{Cols: 30, MaxRows: 10, Protocol: Blocks24}
	a, err := r.Picture(context.Background(), "k1", data, req)
	if err != nil {
		t.Fatal(err)
	}
	if b, err, ok := r.Cached("k1", req); !ok || err != nil || b != a {
		t.Fatal("not cached")
	}
	if _, _, ok := r.Cached("k1", Request{Cols: 29, MaxRows: 10, Protocol: Blocks24}); ok {
		t.Fatal("another width is cached")
	}
	if _, _, ok := r.Cached("k1", Request{Cols: 30, MaxRows: 10, Protocol: Blocks256}); ok {
		t.Fatal("another protocol is cached")
	}
	for i := range 40 {
		if _, err := r.Picture(context.Background(), "k"+itoa(i+2), data, req); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := r.CacheSize(); n > 64<<10 {
		t.Fatalf("cache holds %d bytes", n)
	}
	if _, _, ok := r.Cached("k1", req); ok {
		t.Fatal("the least recently used is still cached")
	}
	if _, _, ok := r.Cached("k41", req); !ok {
		t.Fatal("the most recent is not cached")
	}
}

// TestDetector reads the answers to Query among other input, in pieces.
func TestDetector(t *testing.T) {
	kittyOK := "\x1b_Gi=7311;OK\x1b\\"
	for _, c := range []struct {
		name   string
		input  string
		want   Caps
		chunks int
	}{
		{"kitty and DA1", kittyOK + "\x1b[?62;22c", Caps{Kitty: true, Answered: true}, 1},
		{"sixel", "\x1b[?63;1;2;4;6;9;15;22c", Caps{Sixel: true, Answered: true}, 1},
		{"sixel byte by byte", "\x1b[?64;4c", Caps{Sixel: true, Answered: true}, 100},
		{"kitty in pieces with keys", "abc\x1b[A" + kittyOK + "zz\x1b[?1;2c", Caps{Kitty: true, Answered: true}, 3},
		{"kitty error", "\x1b_Gi=7311;ENOTSUPPORTED:no\x1b\\\x1b[?1;2c", Caps{Answered: true}, 1},
		{"another id", "\x1b_Gi=1;OK\x1b\\\x1b[?1;2c", Caps{Answered: true}, 1},
		{"none yet", "\x1b_Gi=7311;O", Caps{}, 1},
		{"garbage", strings.Repeat("\x1b\x1b[[_", 50) + "\x00\xff", Caps{}, 7},
		{"DA2 is not DA1", "\x1b[>1;2c", Caps{}, 1},
	} {
		var d Detector
		in := []byte(c.input)
		step := max(1, len(in)/c.chunks)
		for len(in) > 0 {
			n := min(step, len(in))
			d.Feed(in[:n])
			in = in[n:]
		}
		if d.Caps != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, d.Caps, c.want)
		}
		if len(d.buf) > maxPending+step {
			t.Errorf("%s: keeps %d bytes", c.name, len(d.buf))
		}
	}
	// Endless input with no answer: it gives up, holding little.
	var d Detector
	for range 1000 {
		if d.Feed([]byte("\x1b_G" + strings.Repeat("x", 100))) {
			break
		}
	}
	if !d.Done() || d.Answered || len(d.buf) > maxPending+110 {
		t.Fatalf("endless input: done %v, %d bytes kept", d.Done(), len(d.buf))
	}
	if !KittyAnswer(kittyOK) || KittyAnswer("\x1b_Gi=7311;EINVAL\x1b\\") {
		t.Fatal("KittyAnswer")
	}
	if (Caps{Kitty: true, Sixel: true}).Best(true, true) != Kitty || (Caps{Sixel: true}).Best(false, false) != Blocks256 || (Caps{Sixel: true}).Best(true, true) != Sixel {
		t.Fatal("Best")
	}
	if !strings.HasPrefix(Query, "\x1b_Gi=7311,") || !strings.HasSuffix(Query, "\x1b[c") {
		t.Fatal("Query")
	}
}

// TestWebP draws a real WebP file, and refuses one that declares 16384 x
// 16384 pixels (268 million) from its header alone.
func TestWebP(t *testing.T) {
	data, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	if Sniff(data) != WebP {
		t.Fatal("not sniffed as webp")
	}
	pic, err := newTestRenderer().Draw(context.Background(), data, Request{Cols: 40, MaxRows: 20, Protocol: Blocks24})
	if err != nil || pic.Rows < 2 || !strings.Contains(pic.Lines(0)[0], "38;2;") {
		t.Fatalf("webp: %v %+v", err, pic)
	}
	bits := uint32(16383) | uint32(16383)<<14
	hdr := []byte{0x2f, byte(bits), byte(bits >> 8), byte(bits >> 16), byte(bits >> 24)}
	huge := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8L\x05\x00\x00\x00"), hdr...)
	huge = append(huge, make([]byte, 63)...)
	size := uint32(len(huge) - 8)
	huge[4], huge[5], huge[6], huge[7] = byte(size), byte(size>>8), byte(size>>16), byte(size>>24)
	if _, err := newTestRenderer().Draw(context.Background(), huge, Request{Cols: 40, MaxRows: 20}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge webp: %v", err)
	}
}

// TestOneDecodeForMany: sessions asking for the same picture at once
// share one decode.
func TestOneDecodeForMany(t *testing.T) {
	r := NewRenderer(Limits{Concurrency: 1}, 1<<20)
	data := encodeJPEG(t, photo(1600, 1200))
	req := Request{Cols: 80, MaxRows: 20, Protocol: Blocks24}
	var wg sync.WaitGroup
	pics := make([]*Picture, 8)
	for i := range pics {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := r.Picture(context.Background(), "same", data, req)
			if err != nil {
				t.Error(err)
			}
			pics[i] = p
		}()
	}
	wg.Wait()
	for _, p := range pics[1:] {
		if p != pics[0] {
			t.Fatal("two decodes of one picture")
		}
	}
}
