package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccessTable tries every write path as an author, as a client with a
// key that is not an author's, and as a client with no key at all. Only the
// author may write; the others are told "permission denied: not an author"
// and nothing changes.
func TestAccessTable(t *testing.T) {
	b := newBlog(t)
	author := newClient(t, "ash")
	b.addAuthor("ash", author)
	b.start()
	dir := t.TempDir()
	file := filepath.Join(dir, "upload.md")
	if err := os.WriteFile(file, []byte("---\ntitle: 올린 글\n---\n본문\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	archive := makeTar(t, false, [][2]string{{"content/imported.md", "# 가져온 글\n"}})
	sftpBatch := func(c *client, batch string) (string, error) {
		all := append([]string{"-F", "/dev/null", "-P", b.port}, c.sshArgs(b)[4:]...)
		all = append(all, "-b", "-", "user@127.0.0.1")
		cmd := exec.Command("sftp", all...)
		cmd.Stdin = strings.NewReader(batch)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	scp := func(c *client, args ...string) (string, error) {
		all := append([]string{"-F", "/dev/null", "-P", b.port}, c.sshArgs(b)[4:]...)
		out, err := exec.Command("scp", append(all, args...)...).CombinedOutput()
		return string(out), err
	}
	// Each path returns whether it succeeded and what it said.
	type path struct {
		name string
		try  func(c *client, id string) (bool, string)
	}
	viaSSH := func(stdin string, args ...string) func(*client, string) (bool, string) {
		return func(c *client, id string) (bool, string) {
			a := make([]string, len(args))
			for i, x := range args {
				a[i] = strings.ReplaceAll(x, "ID", id)
			}
			r := c.run(b, stdin, a...)
			return r.code == 0, r.stderr
		}
	}
	paths := []path{
		{"publish", viaSSH("# 새 글\n", "publish", "new-ID")},
		{"mv", viaSSH("", "mv", "base-ID", "moved-ID")},
		{"rm", viaSSH("", "rm", "victim-ID")},
		{"revert", viaSSH("", "revert", "victim2-ID", "1")},
		{"import", viaSSH(archive, "import")},
		{"backup", viaSSH("", "backup")},
		{"scp", func(c *client, id string) (bool, string) {
			out, err := scp(c, file, "u@127.0.0.1:scp-"+id+".md")
			return err == nil, out
		}},
		{"scp -O", func(c *client, id string) (bool, string) {
			out, err := scp(c, "-O", file, "u@127.0.0.1:legacy-"+id+".md")
			return err == nil, out
		}},
		{"sftp put", func(c *client, id string) (bool, string) {
			out, err := sftpBatch(c, "put "+file+" sftp-"+id+".md\n")
			return err == nil, out
		}},
		{"sftp rm", func(c *client, id string) (bool, string) {
			out, err := sftpBatch(c, "rm victim3-"+id+".md\n")
			return err == nil, out
		}},
		{"sftp rename", func(c *client, id string) (bool, string) {
			out, err := sftpBatch(c, "rename base2-"+id+".md renamed-"+id+".md\n")
			return err == nil, out
		}},
	}
	identities := []struct {
		name   string
		c      *client
		author bool
	}{
		{"author", author, true},
		{"unknown key", newClient(t, "stranger"), false},
		{"no key", keylessClient(t), false},
	}
	// Posts each identity's paths act on.
	for _, id := range []string{"author", "unknown-key", "no-key"} {
		for _, slug := range []string{"base", "victim", "victim2", "victim3", "base2"} {
			author.must(b, "# "+slug+"\n", "publish", slug+"-"+id)
		}
		author.must(b, "", "rm", "victim2-"+id)
	}

	var table strings.Builder
	fmt.Fprintf(&table, "%-12s", "path")
	for _, id := range identities {
		fmt.Fprintf(&table, " | %-12s", id.name)
	}
	table.WriteString("\n")
	for _, p := range paths {
		fmt.Fprintf(&table, "%-12s", p.name)
		for _, id := range identities {
			before := author.must(b, "", "export")
			ok, said := p.try(id.c, strings.ReplaceAll(id.name, " ", "-"))
			after := author.must(b, "", "export")
			outcome := "denied"
			if ok {
				outcome = "allowed"
			}
			fmt.Fprintf(&table, " | %-12s", outcome)
			switch {
			case id.author && !ok:
				t.Errorf("%s as the author failed: %s", p.name, said)
			case !id.author && ok:
				t.Errorf("%s as %s succeeded", p.name, id.name)
			case !id.author && !strings.HasPrefix(p.name, "sftp") && p.name != "scp" && !strings.Contains(said, "permission denied: not an author"):
				// OpenSSH's sftp (and scp, which speaks sftp) print
				// their own words for the refusal: "Permission denied".
				t.Errorf("%s as %s: want 'permission denied: not an author', got %q", p.name, id.name, said)
			case !id.author && !strings.Contains(strings.ToLower(said), "permission denied"):
				t.Errorf("%s as %s: the refusal does not say permission denied: %q", p.name, id.name, said)
			}
			if !id.author && before != after && p.name != "backup" {
				t.Errorf("%s as %s changed the blog", p.name, id.name)
			}
		}
		table.WriteString("\n")
	}
	t.Logf("access table:\n%s", table.String())
}
