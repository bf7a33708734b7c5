package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// httpGet fetches path from b's web front end as a browser would.
func httpGet(t *testing.T, b *blog, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+b.http+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Mozilla/5.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestPublishShowsOnTheWeb publishes, edits and removes a post over real
// ssh and reads the web front end of the same binary after each step.
func TestPublishShowsOnTheWeb(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	if b.http == "" {
		t.Fatalf("the web is not listening:\n%s", b.log)
	}
	if code, body := httpGet(t, b, "/posts/"+seedSlug); code != 200 || !strings.Contains(body, "달리기") {
		t.Fatalf("the seed post on the web: %d", code)
	}
	waitWeb := func(path, want string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, body := httpGet(t, b, path); strings.Contains(body, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never showed %q", path, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	ash.must(b, hello, "publish", "hello")
	waitWeb("/", `href="/posts/hello"`)
	waitWeb("/posts/hello", "첫 글입니다.")
	ash.must(b, strings.Replace(hello, "첫 글입니다.", "고친 글입니다.", 1), "publish", "hello")
	waitWeb("/posts/hello", "고친 글입니다.")
	ash.must(b, "", "mv", "hello", "greetings")
	waitWeb("/posts/greetings", "고친 글입니다.")
	ash.must(b, "", "rm", "greetings")
	deadline := time.Now().Add(5 * time.Second)
	for {
		if code, _ := httpGet(t, b, "/posts/greetings"); code == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a removed post is still on the web")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
