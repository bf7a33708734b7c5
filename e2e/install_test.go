package e2e

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// unit is docs/sshblog.service as systemd reads it: its [Service] lines.
type unit struct {
	text string
	env  map[string]string   // Environment=
	keys map[string][]string // every other key, each value as written
}

// readUnit reads the systemd unit.
func readUnit(t *testing.T) unit {
	t.Helper()
	b, err := os.ReadFile("../docs/sshblog.service")
	if err != nil {
		t.Fatal(err)
	}
	u := unit{text: string(b), env: map[string]string{}, keys: map[string][]string{}}
	sc := bufio.NewScanner(strings.NewReader(u.text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if k == "Environment" {
			ek, ev, _ := strings.Cut(v, "=")
			u.env[ek] = ev
			continue
		}
		u.keys[k] = append(u.keys[k], v)
	}
	return u
}

// TestSystemdUnitStartsOnAFreshMachine checks docs/sshblog.service: systemd
// finds nothing wrong in it, and the blog starts under the layout it makes.
// Its keys folder, in /etc under ProtectSystem=strict, was never created by
// its install steps, so the start failed and restarted every 2 s.
//
// No systemd runs here, so the start is made as systemd would make it: the
// state folder made for the dynamic user (a user of its own, here nobody)
// and private to it, the configuration folders made for root and only
// readable by the service, the settings of its Environment= lines, its
// working folder, and no new privileges; every other folder is read-only
// to that user, as ProtectSystem=strict makes it.
func TestSystemdUnitStartsOnAFreshMachine(t *testing.T) {
	u := readUnit(t)
	root, err := os.MkdirTemp("", "sshblog-unit-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "usr/local/bin/sshblog")
	copyFile(t, binary, bin, 0o755)

	// systemd-analyze checks the unit with our binary in the ExecStart.
	if analyze, err := exec.LookPath("systemd-analyze"); err == nil {
		unitFile := filepath.Join(root, "sshblog.service")
		text := strings.ReplaceAll(u.text, "/usr/local/bin/sshblog", bin)
		if err := os.WriteFile(unitFile, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(analyze, "verify", "--man=no", unitFile).CombinedOutput()
		if err != nil || len(strings.TrimSpace(string(out))) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	} else if !testing.Short() {
		t.Error("systemd-analyze is not installed (apt-get install -y systemd)")
	}

	under := func(p string) string { return filepath.Join(root, p) }
	want := map[string]string{"StateDirectory": "sshblog", "DynamicUser": "yes", "ProtectSystem": "strict", "NoNewPrivileges": "yes"}
	for k, v := range want {
		if got := u.keys[k]; len(got) != 1 || got[0] != v {
			t.Errorf("the unit's %s is %q, want %q", k, got, v)
		}
	}
	// StateDirectory: /var/lib/NAME, the dynamic user's, 0700.
	state := under("/var/lib/" + u.keys["StateDirectory"][0])
	mkdirOwned(t, state, 0o700, nobody)
	// ConfigurationDirectory: /etc/NAME..., root's, 0755.
	for _, dirs := range u.keys["ConfigurationDirectory"] {
		for _, d := range strings.Fields(dirs) {
			mkdirOwned(t, under("/etc/"+d), 0o755, 0)
		}
	}
	for _, k := range []string{"BLOG_DATA", "BLOG_KEYS"} {
		if !strings.HasPrefix(u.env[k], "/var/lib/") && !strings.HasPrefix(u.env[k], "/etc/") {
			t.Fatalf("the unit's %s=%s is neither in its state nor its configuration folder", k, u.env[k])
		}
	}
	b := newBlog(t)
	b.data, b.keys = under(u.env["BLOG_DATA"]), under(u.env["BLOG_KEYS"])
	if _, err := os.Stat(b.keys); err != nil {
		t.Fatalf("the unit does not make the keys folder %s: %v", u.env["BLOG_KEYS"], err)
	}
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash) // as root, as the install steps say

	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs", bin)
	cmd.Dir = under(u.keys["WorkingDirectory"][0])
	b.env = []string{"BLOG_ADDR=127.0.0.1:0", "BLOG_DATA=" + b.data, "BLOG_KEYS=" + b.keys, "HOME=/nonexistent"}
	startAs(b, cmd)
	if got := ash.must(b, "", "whoami"); got != "author ash\n" {
		t.Errorf("whoami = %q", got)
	}
	if _, err := os.Stat(filepath.Join(b.data, "host_ed25519")); err != nil {
		t.Errorf("no host key in the state folder: %v", err)
	}
}

// nobody is the user the test runs the unit's service as.
const nobody = 65534

// mkdirOwned makes dir with perm, owned by uid.
func mkdirOwned(t *testing.T, dir string, perm os.FileMode, uid int) {
	t.Helper()
	if err := os.MkdirAll(dir, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, uid); err != nil {
		t.Skipf("cannot give %s to user %d (the test needs root): %v", dir, uid, err)
	}
	// The folders above are root's and readable, as / is.
	for p := filepath.Dir(dir); strings.Count(p, "/") > 2; p = filepath.Dir(p) {
		os.Chmod(p, 0o755)
	}
}

// copyFile copies src to dst with perm, making dst's folder.
func copyFile(t *testing.T, src, dst string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDockerImageLayout checks what the Dockerfile makes, as far as can be
// without a Docker daemon: nothing in the image made /data the non-root
// user's, so a fresh named volume was not writable, and the keys were
// mounted inside the data volume. The start of the binary as a non-root
// user with a writable data folder and read-only keys is what
// TestSystemdUnitStartsOnAFreshMachine runs.
func TestDockerImageLayout(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{
		"chown 65532:65532 /out/data",                           // the folder made the user's in the build stage
		"COPY --from=build --chown=65532:65532 /out/data /data", // and copied so into the image
		"USER nonroot:nonroot",                                  // distroless's nonroot is 65532
		"BLOG_DATA=/data BLOG_KEYS=/keys",                       // keys apart from the data
		"VOLUME /data",
	} {
		if !strings.Contains(df, want) {
			t.Errorf("the Dockerfile lacks %q", want)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"-v sshblog-data:/data", `-v "$PWD/keys:/keys:ro"`} {
		if !strings.Contains(df, want) || !strings.Contains(string(readme), want) {
			t.Errorf("the Dockerfile's and the README's docker run lines disagree on %q", want)
		}
	}
}
