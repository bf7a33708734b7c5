package authors

import (
	"crypto/ed25519"
	"crypto/rand"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

func TestMatchFrom(t *testing.T) {
	for _, tc := range []struct {
		list, addr string
		want       bool
	}{
		{"10.0.0.1", "10.0.0.1", true},
		{"10.0.0.1", "10.0.0.2", false},
		{"10.0.0.*", "10.0.0.200", true},
		{"10.0.0.?", "10.0.0.20", false},
		{"10.0.0.?", "10.0.0.2", true},
		{"*", "192.0.2.7", true},
		{"*,!192.0.2.7", "192.0.2.7", false},
		{"!192.0.2.7,*", "192.0.2.8", true},
		{"!192.0.2.7", "192.0.2.8", false}, // a negation alone allows nothing
		{"10.0.0.0/8", "10.200.3.4", true},
		{"10.0.0.0/8", "11.0.0.1", false},
		{"10.0.0.0/8,!10.9.0.0/16", "10.9.1.1", false},
		{"2001:db8::/32", "2001:db8::1", true},
		{"2001:DB8::*", "2001:db8::1", true},
		{"127.0.0.1", "::ffff:127.0.0.1", true},
		{"*.example.com", "127.0.0.1", false}, // names are not looked up
	} {
		pats, err := parseFrom(tc.list)
		if err != nil {
			t.Errorf("parseFrom(%q): %v", tc.list, err)
			continue
		}
		if got := matchFrom(pats, netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("from=%q against %s = %v, want %v", tc.list, tc.addr, got, tc.want)
		}
	}
	for _, bad := range []string{"", "10.0.0.1,", "!", "10.0.0.1/8", "10.0.0.0/33"} {
		if _, err := parseFrom(bad); err == nil {
			t.Errorf("parseFrom(%q) accepted", bad)
		}
	}
}

func TestParseOptions(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		opts []string
		want options
	}{
		{nil, options{}},
		{[]string{`from="10.0.0.1,10.0.0.2"`}, options{from: []string{"10.0.0.1", "10.0.0.2"}}},
		{[]string{`expiry-time="20200101"`}, options{expiry: time.Date(2020, 1, 1, 0, 0, 0, 0, berlin)}},
		{[]string{`EXPIRY-TIME="202001021304Z"`}, options{expiry: time.Date(2020, 1, 2, 13, 4, 0, 0, time.UTC)}},
		{[]string{`expiry-time="20200102130405"`}, options{expiry: time.Date(2020, 1, 2, 13, 4, 5, 0, berlin)}},
		{[]string{"no-pty"}, options{noPTY: true}},
		{[]string{"restrict"}, options{noPTY: true}},
		{[]string{"restrict", "pty"}, options{}},
		{[]string{"pty", "restrict"}, options{noPTY: true}},
		{[]string{"no-port-forwarding", "no-agent-forwarding", "No-X11-Forwarding", "no-user-rc"}, options{}},
		{[]string{"cert-authority"}, options{certAuthority: true}},
	} {
		got, err := parseOptions(tc.opts, berlin)
		if err != nil {
			t.Errorf("%q: %v", tc.opts, err)
			continue
		}
		if !got.expiry.Equal(tc.want.expiry) || strings.Join(got.from, ",") != strings.Join(tc.want.from, ",") ||
			got.noPTY != tc.want.noPTY || got.certAuthority != tc.want.certAuthority {
			t.Errorf("%q = %+v, want %+v", tc.opts, got, tc.want)
		}
	}
	for _, bad := range [][]string{
		{`command="echo hi"`}, {`environment="A=B"`}, {`permitopen="host:22"`}, {`permitlisten="8080"`},
		{`tunnel="1"`}, {`principals="ash"`}, {"port-forwarding"}, {"verify-required"}, {"no-touch-required"},
		{`from=10.0.0.1`}, {`from="10.0.0.1/8"`}, {`from="a"`, `from="b"`},
		{`expiry-time="2020"`}, {`expiry-time="20201301"`}, {`expiry-time="2020010112"`}, {`expiry-time="+20200101"`},
		{"made-up"},
	} {
		if _, err := parseOptions(bad, time.UTC); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// clockAt makes f's clock read at.
func clockAt(f *Folder, at time.Time) { f.now = func() time.Time { return at } }

func TestKeyOptions(t *testing.T) {
	dir := t.TempDir()
	keys := make([]gossh.PublicKey, 7)
	lines := make([]string, 7)
	for i := range keys {
		keys[i], lines[i] = newKey(t)
	}
	write(t, filepath.Join(dir, "ash.pub"), strings.Join([]string{
		`from="10.9.9.9" ` + lines[0],
		`from="127.0.0.0/8,!127.0.0.2" ` + lines[1],
		`expiry-time="20200101" ` + lines[2],
		`command="/bin/true" ` + lines[3],
		`restrict ` + lines[4],
		`restrict,pty,no-agent-forwarding ` + lines[5],
		lines[3], // listed again without the option: the first line counts
		`expiry-time="21000101Z" ` + lines[6],
	}, "\n")+"\n")
	var logs strings.Builder
	f, err := Open(dir, logTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "ash.pub") || !strings.Contains(logs.String(), "line=4") || !strings.Contains(logs.String(), "command") {
		t.Errorf("the command= line was not logged as refused:\n%s", logs.String())
	}
	clockAt(f, time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		key  int
		addr string
		want Grant
	}{
		{0, "127.0.0.1", Grant{}},
		{0, "10.9.9.9", Grant{Name: "ash"}},
		{1, "127.0.0.1", Grant{Name: "ash"}},
		{1, "127.0.0.2", Grant{}},
		{1, "10.0.0.1", Grant{}},
		{2, "127.0.0.1", Grant{}},
		{3, "127.0.0.1", Grant{}},
		{4, "127.0.0.1", Grant{Name: "ash", NoPTY: true}},
		{5, "127.0.0.1", Grant{Name: "ash"}},
		{6, "127.0.0.1", Grant{Name: "ash"}},
	} {
		logs.Reset()
		if got := f.Lookup(keys[tc.key], netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("key %d from %s: %+v, want %+v", tc.key, tc.addr, got, tc.want)
		}
		if logged := strings.Contains(logs.String(), "reader"); logged != (tc.want.Name == "") {
			t.Errorf("key %d from %s: logged %v:\n%s", tc.key, tc.addr, logged, logs.String())
		}
	}
	clockAt(f, time.Date(2100, 1, 1, 0, 0, 1, 0, time.UTC))
	if got := f.Lookup(keys[6], local); got.Name != "" {
		t.Errorf("past its expiry-time: %+v", got)
	}
	if names := f.Names(); strings.Join(names, ",") != "ash" {
		t.Errorf("Names = %v", names)
	}
}

// signer makes a fresh ed25519 signer.
func signer(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCertificates(t *testing.T) {
	dir := t.TempDir()
	ca, otherCA := signer(t), signer(t)
	caLine := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(ca.PublicKey())))
	write(t, filepath.Join(dir, "ash.pub"), "cert-authority,no-pty "+caLine+"\n")
	write(t, filepath.Join(dir, "kim.pub"), `cert-authority,from="10.0.0.0/8" `+caLine+"\n")
	now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	cert := func(principals []string, after, before time.Time, critical map[string]string, by gossh.Signer) *gossh.Certificate {
		t.Helper()
		user := signer(t)
		c := &gossh.Certificate{
			Key: user.PublicKey(), CertType: gossh.UserCert, KeyId: "test",
			ValidPrincipals: principals,
			ValidAfter:      uint64(after.Unix()), ValidBefore: uint64(before.Unix()),
			Permissions: gossh.Permissions{CriticalOptions: critical, Extensions: map[string]string{"permit-pty": ""}},
		}
		if err := c.SignCert(rand.Reader, by); err != nil {
			t.Fatal(err)
		}
		return c
	}
	hour := time.Hour
	valid := cert([]string{"ash"}, now.Add(-hour), now.Add(hour), nil, ca)
	var logs strings.Builder
	f, err := Open(dir, logTo(&logs))
	if err != nil {
		t.Fatal(err)
	}
	clockAt(f, now)
	for _, tc := range []struct {
		what string
		cert *gossh.Certificate
		addr string
		want Grant
	}{
		{"valid", valid, "127.0.0.1", Grant{Name: "ash", NoPTY: true}},
		{"expired", cert([]string{"ash"}, now.Add(-2*hour), now.Add(-hour), nil, ca), "127.0.0.1", Grant{}},
		{"not yet valid", cert([]string{"ash"}, now.Add(hour), now.Add(2*hour), nil, ca), "127.0.0.1", Grant{}},
		{"another principal", cert([]string{"lee"}, now.Add(-hour), now.Add(hour), nil, ca), "127.0.0.1", Grant{}},
		{"another CA", cert([]string{"ash"}, now.Add(-hour), now.Add(hour), nil, otherCA), "127.0.0.1", Grant{}},
		{"unknown critical option", cert([]string{"ash"}, now.Add(-hour), now.Add(hour), map[string]string{"force-command": "/bin/true"}, ca), "127.0.0.1", Grant{}},
		{"inside source-address", cert([]string{"ash"}, now.Add(-hour), now.Add(hour), map[string]string{"source-address": "10.0.0.1,127.0.0.0/8"}, ca), "127.0.0.1", Grant{Name: "ash", NoPTY: true}},
		{"outside source-address", cert([]string{"ash"}, now.Add(-hour), now.Add(hour), map[string]string{"source-address": "10.0.0.1"}, ca), "127.0.0.1", Grant{}},
		{"the line's from=", cert([]string{"kim"}, now.Add(-hour), now.Add(hour), nil, ca), "10.1.1.1", Grant{Name: "kim"}},
		{"outside the line's from=", cert([]string{"kim"}, now.Add(-hour), now.Add(hour), nil, ca), "127.0.0.1", Grant{}},
		{"two authors", cert([]string{"ash", "kim"}, now.Add(-hour), now.Add(hour), nil, ca), "10.1.1.1", Grant{}},
	} {
		if got := f.Lookup(tc.cert, netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.what, got, tc.want)
		}
	}
	// The CA's own key is no author's key.
	if got := f.Lookup(ca.PublicKey(), local); got.Name != "" {
		t.Errorf("the CA's key as a plain key: %+v", got)
	}
	// A certificate listed as if it were a key grants nothing.
	write(t, filepath.Join(dir, "lee.pub"), string(gossh.MarshalAuthorizedKey(valid)))
	if got := f.Lookup(valid, local); got.Name != "ash" {
		t.Errorf("valid certificate: %+v", got)
	}
	expired := cert([]string{"lee"}, now.Add(-2*hour), now.Add(-hour), nil, otherCA)
	write(t, filepath.Join(dir, "lee.pub"), string(gossh.MarshalAuthorizedKey(expired)))
	if got := f.Lookup(expired, local); got.Name != "" {
		t.Errorf("a certificate listed as a key: %+v", got)
	}
	if !strings.Contains(logs.String(), "certificate is not a key") {
		t.Errorf("the certificate line was not logged as refused:\n%s", logs.String())
	}
	// Recheck answers the same from the wire form.
	if got := f.Recheck(valid.Marshal(), local); got.Name != "ash" {
		t.Errorf("Recheck: %+v", got)
	}
}
