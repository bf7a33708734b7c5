package e2e

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// setKeys writes keys/NAME.pub with content.
func (b *blog) setKeys(name, content string) {
	b.t.Helper()
	if err := os.WriteFile(filepath.Join(b.keys, name+".pub"), []byte(content), 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// sshWith runs `ssh OPTS... HOST args...` as c, with extra options before
// the host (-tt for a terminal, a certificate file, ...), and returns what
// it printed on stdout and stderr together.
func (c *client) sshWith(b *blog, opts []string, args ...string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := append(append(c.sshArgs(b), opts...), "reader@127.0.0.1")
	cmd := exec.CommandContext(ctx, "ssh", append(all, args...)...)
	cmd.Stdin = strings.NewReader("")
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// waitLog waits up to 10 s for the server's log to contain want.
func (b *blog) waitLog(want string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(b.log.String(), want) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func TestKeyOptions(t *testing.T) {
	b := newBlog(t)
	b.start()
	ash := newClient(t, "ash")
	key := string(ash.publicKey())
	for _, tc := range []struct{ options, want, log string }{
		{`from="10.9.9.9"`, "reader\n", "is outside from="},
		{`from="127.0.0.1"`, "author ash\n", ""},
		{`from="10.0.0.0/8,127.0.0.*"`, "author ash\n", ""},
		{`from="*,!127.0.0.1"`, "reader\n", "is outside from="},
		{`expiry-time="20200101"`, "reader\n", "expired at 2020-01-01"},
		{`expiry-time="29991231Z"`, "author ash\n", ""},
		{`command="/bin/sh"`, "reader\n", "option command= is not honoured"},
		{`environment="A=B",from="127.0.0.1"`, "reader\n", "option environment= is not honoured"},
		{`no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-user-rc`, "author ash\n", ""},
		{`restrict`, "author ash\n", ""},
	} {
		b.setKeys("ash", tc.options+" "+key)
		if got := ash.must(b, "", "whoami"); got != tc.want {
			t.Errorf("%s: whoami = %q, want %q", tc.options, got, tc.want)
		}
		if tc.log != "" && !b.waitLog(tc.log) {
			t.Errorf("%s: the log does not say %q:\n%s", tc.options, tc.log, b.log)
		}
	}
	// A command= line grants nothing: not even publishing.
	b.setKeys("ash", `command="/bin/sh" `+key)
	wantFail(t, "publish with a command= key", ash.run(b, hello, "publish", "x"), "permission denied: not an author")

	// no-pty and restrict: an author without a terminal, a reader with one.
	for _, opts := range []string{"no-pty", "restrict", "pty,restrict"} {
		b.setKeys("ash", opts+" "+key)
		if got := ash.sshWith(b, []string{"-tt"}, "whoami"); !strings.Contains(got, "reader") {
			t.Errorf("%s with a terminal: whoami = %q, want reader", opts, got)
		}
		if got := ash.must(b, "", "whoami"); got != "author ash\n" {
			t.Errorf("%s without a terminal: whoami = %q", opts, got)
		}
	}
	b.setKeys("ash", "restrict,pty "+key)
	if got := ash.sshWith(b, []string{"-tt"}, "whoami"); !strings.Contains(got, "author ash") {
		t.Errorf("restrict,pty with a terminal: whoami = %q, want author ash", got)
	}
}

// keygen runs ssh-keygen with args and fails the test if it fails.
func keygen(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ssh-keygen", args...).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen %v: %v: %s", args, err, out)
	}
}

func TestCertificates(t *testing.T) {
	b := newBlog(t)
	b.start()
	ca := newClient(t, "ca")
	b.setKeys("ash", "cert-authority "+string(ca.publicKey()))
	for _, tc := range []struct{ what, principals, validity, want string }{
		{"valid", "ash", "-1h:+1h", "author ash\n"},
		{"valid, several principals", "kim,ash", "-1h:+1h", "author ash\n"},
		{"expired", "ash", "-1d:-1h", "reader\n"},
		{"not yet valid", "ash", "+1h:+2h", "reader\n"},
		{"another principal", "kim", "-1h:+1h", "reader\n"},
	} {
		user := newClient(t, "user")
		keygen(t, "-q", "-s", ca.key, "-I", "test-"+tc.principals, "-n", tc.principals, "-V", tc.validity, user.key+".pub")
		got := user.sshWith(b, []string{"-o", "CertificateFile=" + user.key + "-cert.pub", "-T"}, "whoami")
		if got != tc.want {
			t.Errorf("%s certificate: whoami = %q, want %q", tc.what, got, tc.want)
		}
	}
	if !b.waitLog("cert has expired") {
		t.Errorf("the expired certificate was not logged:\n%s", b.log)
	}
	// The CA's own key is not an author's.
	if got := ca.must(b, "", "whoami"); got != "reader\n" {
		t.Errorf("the CA's key: whoami = %q", got)
	}
	// A source-address critical option is honoured.
	for _, tc := range []struct{ source, want string }{{"127.0.0.1", "author ash\n"}, {"10.9.9.9", "reader\n"}} {
		user := newClient(t, "user")
		keygen(t, "-q", "-s", ca.key, "-I", "src", "-n", "ash", "-V", "-1h:+1h", "-O", "source-address="+tc.source, user.key+".pub")
		if got := user.sshWith(b, []string{"-o", "CertificateFile=" + user.key + "-cert.pub", "-T"}, "whoami"); got != tc.want {
			t.Errorf("source-address=%s: whoami = %q, want %q", tc.source, got, tc.want)
		}
	}
	// A certificate listed in a key file, as if it were a key, grants
	// nothing, expired or not.
	lee := newClient(t, "lee")
	keygen(t, "-q", "-s", ca.key, "-I", "lee", "-n", "lee", "-V", "-1d:-1h", lee.key+".pub")
	cert, err := os.ReadFile(lee.key + "-cert.pub")
	if err != nil {
		t.Fatal(err)
	}
	b.setKeys("lee", string(cert))
	if got := lee.sshWith(b, []string{"-o", "CertificateFile=" + lee.key + "-cert.pub", "-T"}, "whoami"); got != "reader\n" {
		t.Errorf("a listed expired certificate: whoami = %q, want reader", got)
	}
	if !b.waitLog("a certificate is not a key to list") {
		t.Errorf("the certificate line was not logged:\n%s", b.log)
	}
}

// TestOpenSftpSessionRevoked removes an author's key file while their sftp
// session is open: the next upload fails in sftp, and is not published.
func TestOpenSftpSessionRevoked(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	write := writeFiles(t)
	one := write("one.md", strings.Replace(hello, "안녕하세요", "하나", 1))
	two := write("two.md", strings.Replace(hello, "안녕하세요", "둘", 1))

	all := append([]string{"-F", "/dev/null", "-P", b.port}, ash.sshArgs(b)[4:]...)
	cmd := exec.Command("sftp", append(all, "ash@127.0.0.1")...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "put "+one+" one.md\n")
	published := func(slug string) bool {
		return strings.Contains(reader.must(b, "", "ls"), "\t"+slug+"\t")
	}
	deadline := time.Now().Add(20 * time.Second)
	for !published("one") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !published("one") {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("the first upload was not published: %s", out.String())
	}
	if err := os.Remove(filepath.Join(b.keys, "ash.pub")); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, "put "+two+" two.md\nrm one.md\nbye\n")
	stdin.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("sftp did not end: %s", out.String())
	}
	if published("two") || !published("one") {
		t.Errorf("after the key file was removed, the open session still changed the blog:\n%s", reader.must(b, "", "ls"))
	}
	if got := out.String(); !strings.Contains(strings.ToLower(got), "permission denied") {
		t.Errorf("sftp did not report the refusal: %q", got)
	}
}

// TestOpenEditorRevoked removes an author's key file while their editor is
// open: saving is refused with the blog's one-line error, and nothing new
// is stored.
func TestOpenEditorRevoked(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	before := reader.must(b, "", "history", seedSlug)

	s := newScreen(t, 80, 24, ash.sshCommandLine(b, "edit", seedSlug))
	s.waitText(seedSlug, "rev 1")
	if err := os.Remove(filepath.Join(b.keys, "ash.pub")); err != nil {
		t.Fatal(err)
	}
	s.keys("C-End")
	s.text("after the key was removed")
	s.keys("C-s")
	s.waitText("not an author")
	if got := reader.must(b, "", "history", seedSlug); got != before {
		t.Errorf("the open editor saved after the key file was removed:\n%s", got)
	}
}
