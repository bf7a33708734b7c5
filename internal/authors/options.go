package authors

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// options are the options of one key line that sshblog honours, as
// authorized_keys(5) defines them.
type options struct {
	from          []string  // from= patterns; nil: from anywhere
	expiry        time.Time // expiry-time=; zero: never
	noPTY         bool      // no-pty or restrict, not undone by a later pty
	certAuthority bool      // cert-authority: the key is a CA's
}

// parseOptions reads a key line's options, as golang.org/x/crypto/ssh split
// them. An option sshblog does not honour is an error: the line then grants
// nothing, never more than it says.
func parseOptions(raw []string, loc *time.Location) (options, error) {
	var o options
	seen := map[string]bool{}
	for _, opt := range raw {
		name, value, hasValue := strings.Cut(opt, "=")
		name = strings.ToLower(name)
		if hasValue {
			if seen[name] {
				return o, fmt.Errorf("option %s given twice", name)
			}
			seen[name] = true
			v, err := unquote(value)
			if err != nil {
				return o, fmt.Errorf("option %s: %w", name, err)
			}
			value = v
		}
		switch {
		case name == "from" && hasValue:
			pats, err := parseFrom(value)
			if err != nil {
				return o, fmt.Errorf("option from=%q: %w", value, err)
			}
			o.from = pats
		case name == "expiry-time" && hasValue:
			t, err := parseExpiry(value, loc)
			if err != nil {
				return o, fmt.Errorf("option expiry-time=%q: %w", value, err)
			}
			o.expiry = t
		case hasValue:
			return o, fmt.Errorf("option %s= is not honoured by sshblog", name)
		case name == "restrict", name == "no-pty":
			o.noPTY = true
		case name == "pty":
			o.noPTY = false
		case name == "cert-authority":
			o.certAuthority = true
		case name == "no-port-forwarding", name == "no-agent-forwarding", name == "no-x11-forwarding", name == "no-user-rc":
			// They only forbid what sshblog never offers: they hold already.
		default:
			return o, fmt.Errorf("option %s is not honoured by sshblog", name)
		}
	}
	return o, nil
}

// unquote reads an option's value: "TEXT", where \" stands for a quote.
func unquote(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errors.New("the value must be in double quotes")
	}
	return strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`), nil
}

// parseFrom checks a from= list: comma-separated patterns, each an address,
// a CIDR network or a wildcard pattern, optionally negated with '!'.
func parseFrom(list string) ([]string, error) {
	pats := strings.Split(list, ",")
	for _, p := range pats {
		p = strings.TrimPrefix(p, "!")
		if p == "" {
			return nil, errors.New("empty pattern")
		}
		if strings.Contains(p, "/") {
			pfx, err := netip.ParsePrefix(p)
			if err != nil {
				return nil, fmt.Errorf("bad network %q", p)
			}
			if pfx.Masked() != pfx {
				return nil, fmt.Errorf("network %q has bits set past its mask", p)
			}
		}
	}
	return pats, nil
}

// matchFrom reports whether addr matches the from= patterns as OpenSSH
// matches them without DNS (UseDNS no): a negated pattern that matches
// refuses at once; otherwise one plain pattern must match. Patterns are
// compared with the address in its text form ('*' and '?' wildcards,
// ignoring case) or, for a CIDR network, as a network.
func matchFrom(pats []string, addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap()
	text := addr.String()
	found := false
	for _, p := range pats {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		var hit bool
		if pfx, err := netip.ParsePrefix(p); err == nil {
			hit = pfx.Contains(addr)
		} else {
			hit = wildcard(strings.ToLower(p), strings.ToLower(text))
		}
		if hit && neg {
			return false
		}
		found = found || hit
	}
	return found
}

// wildcard matches s against pattern, where '*' is any run of characters
// and '?' any one character.
func wildcard(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

// parseExpiry reads an expiry-time: YYYYMMDD[HHMM[SS]], in loc, or in UTC
// with a trailing Z.
func parseExpiry(v string, loc *time.Location) (time.Time, error) {
	if s, ok := strings.CutSuffix(v, "Z"); ok {
		v, loc = s, time.UTC
	} else if s, ok := strings.CutSuffix(v, "z"); ok {
		v, loc = s, time.UTC
	}
	if _, err := strconv.ParseUint(v, 10, 64); err != nil {
		return time.Time{}, errors.New("want YYYYMMDD[HHMM[SS]][Z]")
	}
	var layout string
	switch len(v) {
	case 8:
		layout = "20060102"
	case 12:
		layout = "200601021504"
	case 14:
		layout = "20060102150405"
	default:
		return time.Time{}, errors.New("want YYYYMMDD[HHMM[SS]][Z]")
	}
	t, err := time.ParseInLocation(layout, v, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("want YYYYMMDD[HHMM[SS]][Z]: %w", err)
	}
	return t, nil
}

// matchSourceAddress checks a certificate's source-address critical option:
// a comma-separated list of addresses and CIDR networks, one of which must
// hold addr. A list that does not parse matches nothing.
func matchSourceAddress(list string, addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap()
	found := false
	for _, p := range strings.Split(list, ",") {
		if a, err := netip.ParseAddr(p); err == nil {
			found = found || a.Unmap() == addr
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil || pfx.Masked() != pfx {
			return false
		}
		found = found || pfx.Contains(addr)
	}
	return found
}
