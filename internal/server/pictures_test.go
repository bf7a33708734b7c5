package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"image"
	"image/png"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/server/servertest"
	"github.com/sshblog/sshblog/internal/termimage"
	"github.com/sshblog/sshblog/internal/termtext"
)

// memFiles is a blog's files in memory, by root-relative path; remote
// references are refused unread.
type memFiles map[string][]byte

func (f memFiles) ImageFile(_ context.Context, _, ref string) (string, []byte, error) {
	data, ok := f[ref]
	if !ok || strings.Contains(ref, "://") {
		return "", nil, fmt.Errorf("image %s: %w", ref, fs.ErrNotExist)
	}
	return fmt.Sprintf("%s#%d", ref, len(data)), data, nil
}

// picturesBlog serves a blog whose one post has a featured PNG and an SVG
// diagram in its body.
func picturesBlog(t *testing.T) *servertest.Blog {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 400, 200))
	for i := 0; i < len(img.Pix); i += 4 {
		copy(img.Pix[i:], []byte{220, 40, 40, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	files := memFiles{
		"/assets/hero.png":    b.Bytes(),
		"/assets/diagram.svg": []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 300"><rect width="600" height="300" fill="#1e3a8a"/><circle cx="300" cy="150" r="100" fill="#fbbf24"/><script>alert(1)</script></svg>`),
	}
	cb := servertest.StartFiles(t, blog.Config{}, files)
	cb.PutFiles(t, files)
	cb.OK(t, cb.Author, "---\ntitle: Pictures\ndate: 2024-03-01\nheroImage: /assets/hero.png\n---\n\nBefore the diagram.\n\n![the diagram](/assets/diagram.svg)\n\nAfter it.\n", "publish pictures")
	return cb
}

// wire is what a TUI session sends its terminal, kept as it comes.
type wire struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *wire) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *wire) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitWire waits until the wire has what ok looks for.
func waitWire(t *testing.T, w *wire, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := w.String()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s on the wire after 10s:\n%q", what, s[max(0, len(s)-3000):])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPicturesOnTheWire opens a post with pictures in the reader over SSH
// as two terminals: one that answers nothing (its session sends half
// blocks, and no kitty image, no sixel, though it is asked), and one that
// answers the kitty query and DA1 (its session sends the kitty images,
// chunked, and places them with Unicode placeholders).
func TestPicturesOnTheWire(t *testing.T) {
	cb := picturesBlog(t)
	for _, answer := range []string{"", "\x1b_Gi=" + fmt.Sprint(termimage.QueryID) + ";OK\x1b\\\x1b[?62;22c"} {
		client, err := gossh.Dial("tcp", cb.Addr, cb.Reader)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := client.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := sess.RequestPty("xterm-256color", 40, 80, gossh.TerminalModes{}); err != nil {
			t.Fatal(err)
		}
		in, _ := sess.StdinPipe()
		out := &wire{}
		sess.Stdout = out
		if err := sess.Shell(); err != nil {
			t.Fatal(err)
		}
		// The terminal is asked what it draws when the first post opens,
		// not before (every session's first frame stays alike).
		waitWire(t, out, "the list", func(s string) bool { return strings.Contains(s, "Pictures") })
		if strings.Contains(out.String(), termimage.Query) {
			t.Error("the terminal was asked before a post was opened")
		}
		io.WriteString(in, "\r") // open the post
		waitWire(t, out, "the query", func(s string) bool { return strings.Contains(s, termimage.Query) })
		if answer != "" {
			io.WriteString(in, answer)
		}
		if answer == "" {
			s := waitWire(t, out, "half blocks", func(s string) bool { return strings.Count(s, "▀") > 200 })
			time.Sleep(300 * time.Millisecond) // anything else it would send
			s = out.String()
			if strings.Contains(s, "\x1b_Ga=T") || strings.Contains(s, "\x1bP0;1q") || strings.ContainsRune(s, '\U0010EEEE') {
				t.Errorf("graphics sent to a terminal that did not answer")
			}
		} else {
			s := waitWire(t, out, "kitty images", func(s string) bool {
				return strings.Count(s, "\x1b_Ga=T,U=1,f=100,t=d,q=2,i=") == 2 && strings.ContainsRune(s, '\U0010EEEE')
			})
			if strings.Count(s, "▀") > 20 {
				t.Errorf("half blocks to a kitty terminal")
			}
			// The placeholders reach the wire whole: U+10EEEE with the
			// row's and the column's diacritics, in the image's colour.
			if !strings.Contains(s, "\x1b[38;5;1m\U0010EEEE\u0305\u0305\U0010EEEE\u0305\u030D") || !strings.Contains(s, "\U0010EEEE\u030D\u0305") {
				i := strings.IndexRune(s, '\U0010EEEE')
				t.Errorf("placeholders mangled on the wire: %q", s[max(0, i-40):min(len(s), i+80)])
			}
		}
		io.WriteString(in, "\x03")
		sess.Close()
		client.Close()
	}
}

// TestPicturesInTmux reads the post with OpenSSH's ssh in tmux at 40 and
// 80 columns: the screen shows the pictures in half blocks (tmux answers
// DA1 itself, without sixel, and ignores the kitty query), no line wider
// than the window, the alt line under the diagram.
func TestPicturesInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux")
	}
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh")
	}
	cb := picturesBlog(t)
	dir := t.TempDir()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(key, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "id")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	host, port, _ := strings.Cut(cb.Addr, ":")
	for _, width := range []int{40, 80} {
		name := fmt.Sprintf("w%d", width)
		sock := filepath.Join(dir, name+".sock")
		tmux := func(args ...string) string {
			cmd := exec.Command("tmux", append([]string{"-u", "-S", sock}, args...)...)
			cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("tmux %v: %v: %s", args, err, out)
			}
			return string(out)
		}
		t.Cleanup(func() { exec.Command("tmux", "-S", sock, "kill-server").Run() })
		ssh := fmt.Sprintf("ssh -t -i %s -p %s -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o IdentitiesOnly=yes reader@%s", keyFile, port, host)
		tmux("-f", "/dev/null", "new-session", "-d", "-s", name, "-x", fmt.Sprint(width), "-y", "40", "env", "TERM=xterm-256color", "LANG=C.UTF-8", "sh", "-c", ssh+"; sleep 30")
		capture := func() string { return tmux("capture-pane", "-p", "-t", name) }
		wait := func(what string, ok func(string) bool) string {
			deadline := time.Now().Add(15 * time.Second)
			for {
				s := capture()
				if ok(s) {
					return s
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d: no %s:\n%s", width, what, s)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		wait("list", func(s string) bool { return strings.Contains(s, "Pictures") })
		tmux("send-keys", "-t", name, "Enter")
		screen := wait("pictures", func(s string) bool { return strings.Count(s, "▀") > width })
		lines := strings.Split(strings.TrimRight(screen, "\n"), "\n")
		rows := 0
		for _, l := range lines {
			if lw := termtext.Width(l); lw > width {
				t.Errorf("%d: a line of %d columns: %q", width, lw, l)
			}
			if strings.Count(l, "▀") > 4 {
				rows++
			}
		}
		if rows < 3 || rows > 40 {
			t.Errorf("%d: %d picture rows:\n%s", width, rows, screen)
		}
		// Down to the diagram: its picture is above its line.
		for range 12 {
			tmux("send-keys", "-t", name, "j")
		}
		screen = wait("the diagram's line", func(s string) bool { return strings.Contains(s, "Image: the diagram") })
		ls := strings.Split(screen, "\n")
		for i, l := range ls {
			if strings.Contains(l, "Image: the diagram") && (i == 0 || strings.Count(ls[i-1], "▀") < 4) {
				t.Errorf("%d: no picture above the diagram's line:\n%s", width, screen)
			}
		}
	}
}
