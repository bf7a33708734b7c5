package stats

import (
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// Source is where a read came from.
type Source uint8

// The sources a read can come from.
const (
	SSH  Source = iota // the TUI or a command over SSH
	Web                // a page served over HTTP
	Feed               // a feed entry fetched over HTTP
	numSources
)

// sourceNames are the sources' names, as stored.
var sourceNames = [numSources]string{SSH: "ssh", Web: "web", Feed: "feed"}

// String returns the source's name: "ssh", "web" or "feed".
func (s Source) String() string {
	if s < numSources {
		return sourceNames[s]
	}
	return "unknown"
}

// ParseSource returns the source named name, as String writes it.
func ParseSource(name string) (Source, bool) {
	for i, n := range sourceNames {
		if n == name {
			return Source(i), true
		}
	}
	return 0, false
}

// Event is one read of a post, as a front end sees it. Everything in it that
// could name a reader (Fingerprint, Addr, UserAgent) is only looked at in
// memory and never stored: see the package documentation.
type Event struct {
	Slug   string // the post's current slug
	Source Source

	// Fingerprint is the SSH key's fingerprint, when the reader has a key.
	// It identifies the reader in preference to Addr.
	Fingerprint string
	// Addr is the reader's address. Only its /24 (IPv4) or /48 (IPv6)
	// network is hashed; an IPv4-mapped IPv6 address counts as IPv4.
	Addr netip.Addr
	// UserAgent is the HTTP User-Agent, to tell bots apart. Empty for SSH.
	UserAgent string
	// Referer is the HTTP Referer. Only its host is kept.
	Referer string

	// at is when Record was called, stamped by the Recorder.
	at time.Time
}

// botWords are what a user agent contains, in any case, when it says it is
// a robot. Command-line clients such as curl and wget are people reading and
// are not matched.
var botWords = [...]string{"bot", "crawl", "spider", "slurp"}

// IsBot reports whether userAgent says it is a robot: it contains "bot",
// "crawl", "spider" or "slurp", in any case (Googlebot, bingbot, Applebot,
// AhrefsBot, ia_archiver-crawler, Baiduspider, Yahoo! Slurp, ...). An empty
// user agent is not a bot: SSH reads have none.
func IsBot(userAgent string) bool {
	for _, w := range botWords {
		if containsFold(userAgent, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the ASCII lower-case word w, in
// any ASCII case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for ; j < len(w); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// maxDomain is the longest host name DNS allows.
const maxDomain = 253

// RefererDomain returns the registrable domain (eTLD+1, by the Public
// Suffix List: news.example.co.uk gives example.co.uk) of an HTTP
// Referer's host, lower-cased: the host itself may name a reader
// (reader-192-168-7-42.isp.example), the domain names the site. It is ""
// when there is none worth keeping: no host, an IP address (which may be a
// reader's own machine), a host longer than DNS allows, characters no host
// name has, or a host that is a public suffix itself or has no dot.
func RefererDomain(referer string) string {
	return registrable(refererHost(referer))
}

// registrable returns the eTLD+1 of host, or "" when it has none.
func registrable(host string) string {
	if host == "" {
		return ""
	}
	dom, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return ""
	}
	return dom
}

// refererHost returns the host of an HTTP Referer, lower-cased, without
// port, trailing dot, path or query; "" as RefererDomain says.
func refererHost(referer string) string {
	if referer == "" {
		return ""
	}
	u, err := url.Parse(referer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" || len(host) > maxDomain || !utf8.ValidString(host) {
		return ""
	}
	if _, err := netip.ParseAddr(host); err == nil || strings.ContainsRune(host, ':') {
		return "" // an IP address, or a malformed IPv6 one
	}
	for _, r := range host {
		switch {
		case r == '.' || r == '-' || r == '_':
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case r >= 0x80 && r != utf8.RuneError && !isSpaceOrControl(r):
			// an internationalised name, such as 한국.kr
		default:
			return ""
		}
	}
	return host
}

// isSpaceOrControl reports the non-ASCII runes no host name has.
func isSpaceOrControl(r rune) bool {
	return r == 0x85 || r == 0xA0 || (r >= 0x80 && r < 0xA0) || r == 0x2028 || r == 0x2029 || r == 0xFEFF
}

// Identity kinds, hashed with the identity so a key and a network never
// collide.
const (
	kindKey byte = 'k'
	kindNet byte = 'n'
)

// identity appends to buf the bytes that name e's reader for unique
// counting: the key fingerprint, else the address's /24 or /48 network. It
// returns buf unchanged when the reader cannot be told apart.
func (e *Event) identity(buf []byte) []byte {
	if e.Fingerprint != "" {
		buf = append(buf, kindKey)
		return append(buf, e.Fingerprint...)
	}
	a := e.Addr.Unmap()
	if !a.IsValid() {
		return buf
	}
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.WithZone("").Prefix(bits)
	if err != nil {
		return buf
	}
	b := p.Addr().As16()
	buf = append(buf, kindNet, byte(bits))
	return append(buf, b[:]...)
}
