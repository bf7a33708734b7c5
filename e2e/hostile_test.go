package e2e

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// rssKiB returns the resident memory of process pid, from /proc.
func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc here: %v", err)
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(rest)[0])
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestHostilePostsCannotTakeTheServerDown publishes posts that cost Glamour
// far more than their size (1,000 and 10,000 nested quotes: 27 s and 845 MB
// at 1,000 before rendering was bounded), reads them with read and in the
// reader, and checks that they come back with their text, that another
// reader is answered meanwhile, and that the server's memory stays small.
func TestHostilePostsCannotTakeTheServerDown(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	before := rssKiB(t, b.cmd.Process.Pid)

	huge := "---\ntitle: 1 MiB of deep quotes\n---\n" + strings.Repeat(strings.Repeat(">", 16)+" 깊다\n\n", 800<<10/26)
	posts := map[string]string{
		"deep1000":  "---\ntitle: 천 겹\ndate: 2020-01-01\n---\n" + strings.Repeat(">", 1000) + " 천 겹 아래\n",
		"deep10000": "---\ntitle: 만 겹\ndate: 2020-01-01\n---\n" + strings.Repeat(">", 10000) + " 만 겹 아래\n",
		"wide":      "---\ntitle: wide\ndate: 2020-01-01\n---\n" + huge[strings.Index(huge, "\n---\n")+5:],
	}
	for slug, src := range posts {
		r := ash.run(b, src, "publish", slug)
		if r.code != 0 || !strings.Contains(r.stderr, "warning:") {
			t.Errorf("publish %s: exit %d, stderr %q: want it stored with one warning", slug, r.code, r.stderr)
		}
	}

	var wg sync.WaitGroup
	for slug, want := range map[string]string{"deep1000": "천 겹 아래", "deep10000": "만 겹 아래", "wide": "깊다"} {
		for _, width := range []string{"40", "120"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out := reader.must(b, "", "read", slug, "--width", width)
				if !strings.Contains(out, want) {
					t.Errorf("read %s --width %s lost the text: %.200q", slug, width, out)
				}
			}()
		}
	}
	// Another reader is answered while those render.
	if ls := reader.must(b, "", "ls"); !strings.Contains(ls, "deep1000") {
		t.Errorf("ls while rendering: %q", ls)
	}
	wg.Wait()

	s := newScreen(t, 60, 20, reader.sshCommandLine(b))
	s.waitText("만 겹")
	s.keys("/")
	s.text("만 겹")
	s.keys("Enter", "Enter")
	// On a loaded machine the render may outlast a reader's 2 s wait:
	// then the pager shows the plain text while the render finishes once
	// for everyone, and opening the post again shows it rendered.
	for try := 0; ; try++ {
		screen := s.waitFor("the post, rendered or plain", func(screen string) bool {
			return strings.Contains(screen, "│ │ │ │") || strings.Contains(screen, "takes too long to render")
		})
		if strings.Contains(screen, "│ │ │ │") {
			break
		}
		if try == 5 {
			t.Fatalf("the post was never shown rendered:\n%s", screen)
		}
		s.keys("q")
		time.Sleep(2 * time.Second)
		s.keys("Enter")
	}
	s.keys("G") // the text is under 16 levels' worth of quote lines
	s.waitText("만 겹 아래")
	s.keys("q")

	// The bound: the server grew by far less than the 845 MB one render
	// of the 1,000 quotes took before.
	if grew := rssKiB(t, b.cmd.Process.Pid) - before; grew > 300<<10 {
		t.Errorf("the server grew by %d MiB", grew>>10)
	} else {
		t.Logf("the server grew by %d MiB (race detector on)", grew>>10)
	}
}
