// Package e2e tests the real sshblog binary (built from cmd/sshd) on a loopback port with the real
// OpenSSH client, and its screens through tmux.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// binary is sshblog, built once for all tests.
var binary string

// TestMain builds the binary once. Without the OpenSSH client or tmux the
// tests cannot run: with -short they are skipped, saying so; otherwise that
// is a failure, so that a full run never passes by testing nothing.
func TestMain(m *testing.M) {
	flag.Parse()
	for _, tool := range []string{"ssh", "ssh-keygen", "scp", "sftp", "tmux"} {
		if _, err := exec.LookPath(tool); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: %s is not installed (apt-get install -y openssh-client tmux)\n", tool)
			if testing.Short() {
				fmt.Fprintln(os.Stderr, "e2e: skipping the end-to-end tests (-short)")
				os.Exit(0)
			}
			os.Exit(1)
		}
	}
	dir, err := os.MkdirTemp("", "sshblog-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "sshblog")
	build := exec.Command("go", "build", "-race", "-o", binary, "../cmd/sshd")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building sshblog:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// blog is a running sshblog.
type blog struct {
	t    *testing.T
	dir  string // working directory
	data string // data folder
	keys string // keys folder
	addr string // host:port it listens on
	http string // host:port of its web front end, if on
	port string
	cmd  *exec.Cmd
	log  *syncBuffer
	env  []string
}

// syncBuffer is a bytes.Buffer safe for one writer and many readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newBlog prepares a data and keys folder in a fresh temporary directory.
func newBlog(t *testing.T, env ...string) *blog {
	t.Helper()
	dir := t.TempDir()
	b := &blog{t: t, dir: dir, data: filepath.Join(dir, "data"), keys: filepath.Join(dir, "keys"), env: env}
	if err := os.MkdirAll(b.keys, 0o755); err != nil {
		t.Fatal(err)
	}
	return b
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+) http=(\S*)`)

// start runs the binary on a free loopback port with the blog's folders
// and extra args, and waits until it listens.
func (b *blog) start(args ...string) {
	b.t.Helper()
	b.startRaw(append([]string{"--addr", "127.0.0.1:0", "--data", b.data, "--keys", b.keys}, args...)...)
}

// startRaw runs the binary with exactly args and waits until it listens.
func (b *blog) startRaw(args ...string) {
	b.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = b.dir
	startAs(b, cmd)
}

// startAs runs cmd as b's server and waits until it listens.
func startAs(b *blog, cmd *exec.Cmd) {
	b.t.Helper()
	b.cmd = cmd
	// Tests make many connections a minute from one address: lift the
	// per-address limits unless a test sets them.
	// The web listens on a free loopback port too.
	b.cmd.Env = append(os.Environ(), "BLOG_CONNECTS_PER_IP=0", "BLOG_MAX_SESSIONS_PER_IP=0", "BLOG_HTTP_ADDR=127.0.0.1:0")
	b.cmd.Env = append(b.cmd.Env, b.env...)
	log := &syncBuffer{}
	b.log = log
	b.cmd.Stdout = log
	pr, pw := io.Pipe()
	b.cmd.Stderr = pw
	if err := b.cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	found := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			log.Write([]byte(line + "\n"))
			if m := listening.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1:]
				sent = true
			}
		}
		close(found)
	}()
	select {
	case addrs, ok := <-found:
		if !ok {
			b.cmd.Wait()
			b.t.Fatalf("sshblog exited before listening:\n%s", b.log)
		}
		addr := addrs[0]
		b.addr, b.http = addr, addrs[1]
		b.port = addr[strings.LastIndex(addr, ":")+1:]
	case <-time.After(30 * time.Second):
		b.cmd.Process.Kill()
		b.t.Fatalf("sshblog did not listen within 30s:\n%s", b.log)
	}
	b.t.Cleanup(b.stop)
}

// stop sends SIGTERM and waits for the process to exit.
func (b *blog) stop() {
	if b.cmd == nil || b.cmd.ProcessState != nil {
		return
	}
	b.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- b.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			b.t.Errorf("sshblog exited with %v:\n%s", err, b.log)
		}
	case <-time.After(10 * time.Second):
		b.cmd.Process.Kill()
		<-done
		b.t.Errorf("sshblog did not stop within 10s of SIGINT")
	}
	if strings.Contains(b.log.String(), "panic") {
		b.t.Errorf("sshblog logged a panic:\n%s", b.log)
	}
}

// client is an OpenSSH identity: a key pair and a known_hosts file.
type client struct {
	t          *testing.T
	key        string // private key path; "" for a client with no key
	knownHosts string
}

// newClient makes an ed25519 key pair in a temporary folder.
func newClient(t *testing.T, name string) *client {
	t.Helper()
	dir := t.TempDir()
	c := &client{t: t, key: filepath.Join(dir, name), knownHosts: filepath.Join(dir, "known_hosts")}
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", c.key).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	return c
}

// keylessClient has no key: it logs in with keyboard-interactive.
func keylessClient(t *testing.T) *client {
	return &client{t: t, knownHosts: filepath.Join(t.TempDir(), "known_hosts")}
}

// publicKey returns the client's authorized_keys line.
func (c *client) publicKey() []byte {
	b, err := os.ReadFile(c.key + ".pub")
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

// sshArgs are the options for talking to b as this client, before the host.
func (c *client) sshArgs(b *blog) []string {
	args := []string{
		"-F", "/dev/null",
		"-p", b.port,
		"-o", "StrictHostKeyChecking=accept-new",
		"-o", "UserKnownHostsFile=" + c.knownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR",
		"-o", "ConnectTimeout=10",
	}
	if c.key != "" {
		args = append(args, "-o", "IdentitiesOnly=yes", "-o", "PreferredAuthentications=publickey", "-i", c.key, "-o", "BatchMode=yes")
	} else {
		args = append(args, "-o", "PubkeyAuthentication=no", "-o", "IdentityAgent=none", "-o", "PreferredAuthentications=keyboard-interactive")
	}
	return args
}

// result is what a command printed and how it ended.
type result struct {
	stdout, stderr string
	code           int
}

// run runs `ssh HOST args...` without a PTY, feeding stdin.
func (c *client) run(b *blog, stdin string, args ...string) result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := append(c.sshArgs(b), "-T", "reader@127.0.0.1")
	all = append(all, args...)
	cmd := exec.CommandContext(ctx, "ssh", all...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else {
			c.t.Fatalf("ssh %v: %v", args, err)
		}
	}
	return r
}

// must runs args and fails the test unless they succeed.
func (c *client) must(b *blog, stdin string, args ...string) string {
	c.t.Helper()
	r := c.run(b, stdin, args...)
	if r.code != 0 {
		c.t.Fatalf("ssh %v: exit %d\nstderr: %s", args, r.code, r.stderr)
	}
	return r.stdout
}

// sshCommandLine is the shell line tmux runs to open a TUI session.
func (c *client) sshCommandLine(b *blog, args ...string) string {
	all := append(c.sshArgs(b), "-t", "reader@127.0.0.1")
	all = append(all, args...)
	quoted := make([]string, len(all))
	for i, a := range all {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return "ssh " + strings.Join(quoted, " ")
}

// transfer runs scp or sftp (prog) against b as this client, with args
// after the connection options and stdin as its input, and returns what it
// printed.
func (c *client) transfer(b *blog, prog, stdin string, args ...string) (string, error) {
	all := append([]string{"-F", "/dev/null", "-P", b.port}, c.sshArgs(b)[4:]...)
	cmd := exec.Command(prog, append(all, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// writeFiles returns a function that writes a file of the given content in
// a temporary folder of t's and returns its path.
func writeFiles(t *testing.T) func(name, content string) string {
	dir := t.TempDir()
	return func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}
