package authors

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// FuzzKeyLine reads one key file line with any options: it never panics,
// and a line whose options are not all honoured grants nothing.
func FuzzKeyLine(f *testing.F) {
	_, keyLine := newKey(f)
	for _, opts := range []string{"", `from="10.0.0.0/8,!10.1.*"`, `expiry-time="20991231Z"`, "restrict,pty",
		`command="x",no-pty`, `cert-authority,from="127.0.0.1"`, `from="a\"b"`, `environment="A=B"`} {
		f.Add(opts, "127.0.0.1")
	}
	f.Fuzz(func(t *testing.T, opts, addr string) {
		line := keyLine
		if opts != "" {
			line = opts + " " + keyLine
		}
		if strings.ContainsAny(line, "\n") {
			return // one line
		}
		line = strings.TrimSpace(line) // as load reads it
		key, _, raw, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return
		}
		folder := &Folder{log: logTo(new(strings.Builder)), now: time.Now, loc: time.UTC}
		keys, cas := map[string]*entry{}, map[string][]*entry{}
		folder.load(keyFile{name: "ash.pub", data: []byte(line + "\n")}, keys, cas)
		folder.keys, folder.cas = keys, cas
		a, _ := netip.ParseAddr(addr)
		folder.mu.Lock()
		g, _ := folder.check0(key, a)
		folder.mu.Unlock()
		if _, err := parseOptions(raw, time.UTC); err != nil && g.Name != "" {
			t.Errorf("%q: options refused (%v) yet granted %+v", line, err, g)
		}
	})
}
