package e2e

import (
	"strings"
	"testing"
)

// TestScpHeadersAreBounded speaks the legacy scp protocol by hand, as a
// hostile client would, through the real ssh client: the server must refuse
// a file that claims to be 1 TB before reading or allocating it, and names
// that are paths, and keep serving.
func TestScpHeadersAreBounded(t *testing.T) {
	b := newBlog(t)
	ash := newClient(t, "ash")
	b.addAuthor("ash", ash)
	b.start()
	before := ash.must(b, "", "ls")
	for _, tc := range []struct {
		name, stdin, want string
	}{
		{"a claimed size of 1 TB", "C0644 1099511627776 big.md\n" + strings.Repeat("x", 4096), "too large"},
		{"a claimed size past int64", "C0644 99999999999999999999 big.md\nx", ""},
		{"a negative size", "C0644 -1 neg.md\n", ""},
		{"a path for a name", "C0644 5 ../../etc/passwd.md\nhello", ""},
		{"an escape in the name", "C0644 5 \x1b]52;c;aGk=\x07.md\nhello", ""},
		{"a directory going up", "D0755 0 ..\nC0644 5 up.md\nhello", ""},
		{"garbage", "Z nonsense\n", ""},
	} {
		r := ash.run(b, tc.stdin, "scp", "-t", ".")
		if r.code == 0 {
			t.Errorf("%s: scp -t accepted it: stdout %q", tc.name, r.stdout)
		}
		if tc.want != "" && !strings.Contains(r.stdout+r.stderr, tc.want) {
			t.Errorf("%s: the refusal does not say %q: stdout %q, stderr %q", tc.name, tc.want, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, "\x1b]") {
			t.Errorf("%s: the escape came back to the client: %q", tc.name, r.stdout+r.stderr)
		}
	}
	if after := ash.must(b, "", "ls"); after != before {
		t.Errorf("refused scp uploads changed the blog:\n%s", after)
	}
}
