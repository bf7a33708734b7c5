package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadsAreCountedWithoutNamingAnyone: reads through the reader, read,
// cat and the web (a page, and a page reached from the feed) are counted
// with their source; authors see them with stats and on the stats screen
// at 40 and 80 columns; readers cannot; and the database file holds no
// key, fingerprint, address or user agent of a reader.
func TestReadsAreCountedWithoutNamingAnyone(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()

	s := newScreen(t, 80, 24, reader.sshCommandLine(b))
	s.waitText("24년 3월 회고")
	s.keys("Enter")
	s.waitText("달리기")
	s.keys("q", "q")
	reader.must(b, "", "read", seedSlug)
	reader.must(b, "", "cat", seedSlug)
	ash.must(b, "", "cat", seedSlug) // an author's own reads are not counted
	if code, _ := httpGet(t, b, "/posts/"+seedSlug); code != 200 {
		t.Fatalf("the post on the web: %d", code)
	}
	_, feed := httpGet(t, b, "/feed.xml")
	link := regexp.MustCompile(`href="http://[^/"]+(/posts/[^"]+\?from=feed)"`).FindStringSubmatch(feed)
	if link == nil {
		t.Fatalf("the feed links to no post with from=feed:\n%s", feed)
	}
	if code, _ := httpGet(t, b, link[1]); code != 200 {
		t.Fatalf("the post from the feed: %d", code)
	}

	wantFail(t, "stats by a reader", reader.run(b, "", "stats"), "permission denied: not an author")
	// Counts are written at most once a second: wait for them.
	var line string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(ash.must(b, "", "stats"), "\n") {
			if strings.HasPrefix(l, seedSlug+"\t") {
				line = l
			}
		}
		if strings.Contains(line, "feed 1") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Three reads by one key over ssh, two by one address on the web: two
	// readers today.
	if want := seedSlug + "\t5\t2\t5\t2\t5\t2\tssh 3, web 1, feed 1\t"; line != want {
		t.Errorf("stats line = %q, want %q", line, want)
	}
	day := ash.must(b, "", "stats", seedSlug)
	if !strings.HasPrefix(day, "DAY\tREADS\tREADERS\tBOTS\n") || !strings.Contains(day, "\t5\t2\t0\n") {
		t.Errorf("stats %s:\n%s", seedSlug, day)
	}

	for _, width := range []int{40, 80} {
		s := newScreen(t, width, 24, ash.sshCommandLine(b))
		s.waitText("24년 3월 회고")
		s.keys("s")
		screen := s.waitText("Reads", "30d 5 · 7d 5 · all 5 · 2 readers")
		checkScreen(t, fmt.Sprintf("stats %d", width), screen, width)
		if !strings.ContainsAny(screen, "▁▂▃▄▅▆▇█") {
			t.Errorf("the stats screen at %d columns has no sparkline:\n%s", width, screen)
		}
		s.keys("q", "q")
	}

	// Nothing in the file names a reader.
	b.stop()
	db, err := os.ReadFile(filepath.Join(b.data, "blog.db"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ssh-keygen", "-l", "-f", reader.key+".pub").Output()
	if err != nil {
		t.Fatal(err)
	}
	fp := strings.Fields(string(out))[1]
	pub := strings.Fields(string(reader.publicKey()))[1]
	for _, secret := range []string{fp, strings.TrimPrefix(fp, "SHA256:"), pub[20:60], "127.0.0.1", "Mozilla"} {
		if strings.Contains(string(db), secret) {
			t.Errorf("the database holds %q", secret)
		}
	}
}
