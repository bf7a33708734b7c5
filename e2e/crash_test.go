package e2e

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestKillLosesNoAcknowledgedWrite publishes from several authors, kills the
// server with SIGKILL at a random moment, restarts it and checks that every
// revision it acknowledged is stored, byte for byte.
func TestKillLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the server 20 times")
	}
	const rounds, writers = 20, 4
	b := newBlog(t)
	authors := make([]*client, writers)
	for i := range authors {
		authors[i] = newClient(t, fmt.Sprintf("w%d", i))
		b.addAuthor(fmt.Sprintf("w%d", i), authors[i])
	}
	acked := map[string]string{} // "slug@rev" -> source
	var mu sync.Mutex
	for round := range rounds {
		b.start()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w, a := range authors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					slug := fmt.Sprintf("crash-%d", w)
					src := fmt.Sprintf("# round %d writer %d try %d 한글\n", round, w, n)
					r := a.run(b, src, "publish", slug)
					var rev int
					if r.code == 0 {
						if _, err := fmt.Sscanf(r.stdout, "published "+slug+" rev %d\n", &rev); err == nil {
							mu.Lock()
							acked[fmt.Sprintf("%s@%d", slug, rev)] = src
							mu.Unlock()
							continue
						}
					}
					return // the server died under us
				}
			}()
		}
		time.Sleep(time.Duration(300+rand.IntN(900)) * time.Millisecond)
		b.cmd.Process.Kill()
		b.cmd.Wait()
		close(stop)
		wg.Wait()
	}

	b.start()
	stored := exportedRevisions(t, authors[0].must(b, "", "export"))
	lost := 0
	for key, src := range acked {
		if stored[key] != src {
			lost++
			t.Errorf("acknowledged %s is %q after the kills, want %q", key, stored[key], src)
		}
	}
	t.Logf("%d rounds of SIGKILL, %d acknowledged revisions, %d lost", rounds, len(acked), lost)
	if len(acked) < rounds {
		t.Errorf("only %d revisions were acknowledged in %d rounds; the test proved little", len(acked), rounds)
	}
}

// exportedRevisions reads an export into "slug@rev" -> source.
func exportedRevisions(t *testing.T, archive string) map[string]string {
	t.Helper()
	out := map[string]string{}
	tr := tar.NewReader(strings.NewReader(archive))
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		rev, ok := hdr.PAXRecords["SCHILY.xattr.user.sshblog.rev"]
		if !ok {
			continue
		}
		parts := strings.Split(hdr.Name, "/")
		data, _ := io.ReadAll(tr)
		out[parts[1]+"@"+strings.TrimLeft(rev, "0")] = string(data)
	}
}

// TestTornUploadStoresNothing drops the connection in the middle of a
// publish: nothing may be stored.
func TestTornUploadStoresNothing(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	args := append(ash.sshArgs(b), "-T", "ash@127.0.0.1", "publish", "torn")
	cmd := exec.Command("ssh", args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "---\ntitle: 반쯤\n---\n반쯤 쓴 글")
	time.Sleep(500 * time.Millisecond) // the server has the half post
	cmd.Process.Kill()                 // the connection drops; no EOF is sent
	cmd.Wait()
	time.Sleep(500 * time.Millisecond)
	wantFail(t, "cat after a torn upload", ash.run(b, "", "cat", "torn"), "no post")
}

// TestKilledImportIsAllOrNothing kills the server as soon as a reader sees
// the first imported post: after a restart, the import is there whole, or
// not at all.
func TestKilledImportIsAllOrNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 3,000 posts")
	}
	const n = 3000
	files := make([][2]string, n)
	for i := range files {
		files[i] = [2]string{fmt.Sprintf("posts/import-%04d.md", i), fmt.Sprintf("---\ntitle: 글 %d\ndate: 2024-01-01\n---\n%s\n", i, strings.Repeat("본문입니다. ", 50))}
	}
	archive := makeTar(t, true, files)
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	imported := func() int { return strings.Count(reader.must(b, "", "ls"), "\timport-") }
	done := make(chan result, 1)
	go func() { done <- ash.run(b, archive, "import") }()
	for seen := false; !seen; {
		select {
		case <-done:
			seen = true
		default:
			seen = imported() > 0
		}
	}
	b.cmd.Process.Kill()
	b.cmd.Wait()
	b.start()
	if got := imported(); got != 0 && got != n {
		t.Fatalf("after a kill mid-import, %d of %d posts are stored", got, n)
	}
}
