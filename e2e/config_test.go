package e2e

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLayeredConfiguration(t *testing.T) {
	b := newBlog(t)
	file := filepath.Join(b.dir, "blog.yaml")
	yaml := "title: \"From the file\"\ntimezone: Asia/Seoul\nidle-timeout: 5m\nmax-sessions-per-ip: 7\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	// The environment beats the file, a flag beats both.
	cmd := exec.Command(binary, "--config", file, "--idle-timeout", "9m", "--print-config")
	cmd.Env = append(os.Environ(), "BLOG_TITLE=From the environment", "BLOG_IDLE_TIMEOUT=7m")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("--print-config: %v", err)
	}
	for _, want := range []string{
		`title: "From the environment" # BLOG_TITLE`,
		`timezone: "Asia/Seoul" # file ` + file,
		`idle-timeout: 9m # --idle-timeout`,
		`max-sessions-per-ip: 7 # file ` + file,
		`addr: ":23234" # default`,
	} {
		if !strings.Contains(strings.Join(strings.Fields(string(out)), " "), want) {
			t.Errorf("--print-config lacks %q:\n%s", want, out)
		}
	}
	// The running blog uses them: the title heads the TUI.
	b.env = []string{"BLOG_CONFIG=" + file, "BLOG_TITLE=From the environment"}
	b.start()
	s := newScreen(t, 80, 24, newClient(t, "visitor").sshCommandLine(b))
	s.waitText("From the environment")
}

func TestBadSettingsStopTheStart(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.yaml")
	os.WriteFile(file, []byte("titel: typo\n"), 0o644)
	notDir := filepath.Join(dir, "file")
	os.WriteFile(notDir, nil, 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", file}, "titel"},
		{[]string{"--addr", "nonsense"}, "addr"},
		{[]string{"--keys", filepath.Join(notDir, "keys")}, "keys"},
		{[]string{"--max-sessions", "-1"}, "max-sessions"},
		{[]string{"--timezone", "Mars/Olympus"}, "timezone"},
		{[]string{"--log-level", "chatty"}, "log-level"},
		{[]string{"--max-post-size", "2MiB"}, "max-post-size"},
	} {
		cmd := exec.Command(binary, append(tc.args, "--data", filepath.Join(dir, "data"))...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err == nil || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), tc.want) {
			t.Errorf("%v: want one line naming %q and a failure; got %v: %q", tc.args, tc.want, err, out)
		}
	}
}

func TestConnectionLimits(t *testing.T) {
	b := newBlog(t)
	b.env = []string{"BLOG_CONNECTS_PER_IP=10", "BLOG_MAX_SESSIONS_PER_IP=50"}
	b.start()
	c := newClient(t, "visitor")
	// A burst from one address: the first ten get in, the rest are refused,
	// and the server keeps serving.
	var mu sync.Mutex
	ok, refused := 0, 0
	var wg sync.WaitGroup
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.run(b, "", "whoami")
			mu.Lock()
			defer mu.Unlock()
			if r.code == 0 {
				ok++
			} else {
				refused++
			}
		}()
	}
	wg.Wait()
	if ok > 10 || refused < 20 {
		t.Errorf("of 30 connections at once with a limit of 10 a minute: %d served, %d refused", ok, refused)
	}
	if !strings.Contains(b.log.String(), "too many new connections") {
		t.Errorf("refusals are not logged")
	}
	// Another address is still served.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", b.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(conn).ReadString('\n')
	if !strings.HasPrefix(line, "SSH-2.0-") {
		t.Errorf("another address got %q", line)
	}
}

func TestMaxPostSizeSetting(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start("--max-post-size", "4KiB")
	wantFail(t, "a 5 KB post with a 4 KiB limit", ash.run(b, "# big\n"+strings.Repeat("가", 1700), "publish", "big"), "the limit is 4 KiB")
	ash.must(b, "# small\n"+strings.Repeat("가", 1000), "publish", "small")
}
