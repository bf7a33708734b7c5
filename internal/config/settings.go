package config

import (
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
)

// A setting is one configurable value, declared once. Its name is both its
// flag and its key in the YAML file; its environment variable is derived
// from the name (see env). The default, like every other value, is text that
// set parses, so defaults are checked exactly as the operator's values are.
type setting struct {
	name  string // the flag's name and the YAML key, kebab-case
	def   string // the default
	usage string // one line for --help
	text  bool   // free text, written as a quoted YAML string

	set func(c *Config, v string) error // parses and checks v, and stores it in c
	get func(c *Config) string          // c's value as text that set accepts
}

// env is the setting's environment variable: BLOG_ and its name in upper
// case with underscores, e.g. BLOG_MAX_SESSIONS.
func (s setting) env() string { return envName(s.name) }

// envName derives an environment variable from a setting's or flag's name.
func envName(name string) string {
	return "BLOG_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// yaml writes v, a value of s, as a YAML scalar that reads back as v.
func (s setting) yaml(v string) string {
	if s.text {
		// Go's escapes (\n, \t, \xNN, \uNNNN, \UNNNNNNNN, ...) are all YAML
		// double-quoted escapes too; Load rejects text that is not UTF-8,
		// the one case where \xNN would mean something else.
		return strconv.Quote(v)
	}
	return v
}

// settings is the table of every setting, in the order --help and
// --print-config list them.
func settings() []setting {
	return []setting{
		field("addr", ":23234", "address to listen on, host:port", func(c *Config) *string { return &c.Addr }, parseAddr, ident).quoted(),
		text("data", "./data", "folder of the database and, unless host-key is set, the host key", func(c *Config) *string { return &c.Data }),
		text("keys", "./keys", "folder of authors' public keys, one NAME.pub file per author", func(c *Config) *string { return &c.Keys }),
		text("host-key", "", "the server's private host key, made if missing; empty: DATA/host_ed25519", func(c *Config) *string { return &c.HostKey }),
		text("title", "sshblog", "the blog's title", func(c *Config) *string { return &c.Title }),
		text("description", "", "the blog's description", func(c *Config) *string { return &c.Description }),
		{
			name: "timezone", def: "", text: true,
			usage: "the blog's time zone, an IANA name (Asia/Seoul); empty: the machine's",
			set: func(c *Config, v string) error {
				loc, err := loadLocation(v)
				if err != nil {
					return err
				}
				c.TimeZone, c.Location = v, loc
				return nil
			},
			get: func(c *Config) string { return c.TimeZone },
		},
		duration("handshake-timeout", "20s", "cut clients that have not authenticated by then (0: never)", func(c *Config) *time.Duration { return &c.HandshakeTimeout }),
		duration("idle-timeout", "30m", "cut connections idle for this long (0: never)", func(c *Config) *time.Duration { return &c.IdleTimeout }),
		duration("screen-release", "10s", "drop the copy of an idle reader's screen after this long; the next key repaints it (0: never)", func(c *Config) *time.Duration { return &c.ScreenRelease }),
		count("max-sessions", "1000", "open connections and sessions at once, in total (0: no limit)", func(c *Config) *int { return &c.MaxSessions }),
		count("max-sessions-per-ip", "20", "open connections and sessions at once from one IP address, an IPv6 /64 (0: no limit)", func(c *Config) *int { return &c.MaxSessionsPerIP }),
		count("connects-per-ip", "60", "new connections per minute from one IP address (0: no limit)", func(c *Config) *int { return &c.ConnectsPerIP }),
		field("max-post-size", "1MiB", "the largest post accepted, at most 1MiB", func(c *Config) *int64 { return &c.MaxPostSize }, parsePostSize, formatSize),
		field("render-cache", "64MiB", "rendered posts kept for all readers; the process grows by about 2.5 times this as it fills (0: render every time)", func(c *Config) *int64 { return &c.RenderCache }, parseSize, formatSize),
		field("memory-limit", "0", "a soft limit of the process's memory, such as 200MiB (Go's GOMEMLIMIT): the garbage collector works harder near it, and the caches are held to part of it (0: none)", func(c *Config) *int64 { return &c.MemoryLimit }, parseSize, formatSize),
		count("render-jobs", "0", "posts rendered at once; more wait in a short line, then get plain text (0: the number of CPUs)", func(c *Config) *int { return &c.RenderJobs }),
		field("hyperlinks", "on", "links in posts are clickable (OSC 8) in terminals that know them, over ssh -t only: on or off", func(c *Config) *bool { return &c.Hyperlinks }, parseOnOff, formatOnOff),
		field("reading-width", "100", "the widest a post is laid out in the reader and by read with ssh -t, in columns, however wide the window, as glow and browsers do (0: the window's width; else 20 to 500)", func(c *Config) *int { return &c.ReadingWidth }, parseReadingWidth, strconv.Itoa),
		field("images", "on", "posts' pictures are drawn in terminals, in the reader and by read with ssh -t (kitty graphics, sixel or half blocks, as the terminal says it can; i turns them off in the reader): on or off", func(c *Config) *bool { return &c.Images }, parseOnOff, formatOnOff),
		field("max-import", "256MiB", "the largest archive the import command reads, such as 64MiB or 1GiB", func(c *Config) *int64 { return &c.MaxImport }, parseSize, formatSize),
		field("max-file-size", "10MiB", "the largest file (image, attachment) an author may store", func(c *Config) *int64 { return &c.MaxFileSize }, parseSize, formatSize),
		field("max-media", "1GiB", "the most bytes all the blog's files may take (each distinct file counted once)", func(c *Config) *int64 { return &c.MaxMedia }, parseSize, formatSize),
		field("store", "bolt", "where the blog is kept: bolt (the file in data) or etcd://HOST:2379[,HOST:2379...] (several servers share one blog)", func(c *Config) *string { return &c.Store }, parseStore, ident).quoted(),
		text("store-prefix", "/sshblog", "with etcd: the blog's key prefix, so that several blogs share a cluster", func(c *Config) *string { return &c.StorePrefix }),
		text("etcd-ca", "", "with etcd: the CA certificate file of the cluster (TLS)", func(c *Config) *string { return &c.EtcdCA }),
		text("etcd-cert", "", "with etcd: this server's client certificate file (TLS)", func(c *Config) *string { return &c.EtcdCert }),
		text("etcd-key", "", "with etcd: the client certificate's private key file", func(c *Config) *string { return &c.EtcdKey }),
		field("http-addr", ":8080", "address of the web front end (pages, feeds, curl); empty: no web; with domain, :80 unless set, and it answers the CA and redirects to HTTPS (empty: no redirect, the CA checks over HTTPS only)", func(c *Config) *string { return &c.HTTPAddr }, parseOptionalAddr, ident).quoted(),
		field("base-url", "", "the blog's address on the web, such as https://blog.example, for absolute links in feeds and pages; empty: the address each request was made to", func(c *Config) *string { return &c.BaseURL }, parseBaseURL, ident).quoted(),
		field("ssh-url", "", "where readers reach the blog over SSH, such as ssh://blog.example:22, shown on web pages (behind a load balancer, its address); empty: base-url's host and addr's port", func(c *Config) *string { return &c.SSHURL }, parseSSHURL, ident).quoted(),
		field("lang", "en", "the blog's language for web pages (a post's front matter lang overrides it), such as en or ko", func(c *Config) *string { return &c.Lang }, parseLang, ident),
		text("tls-cert", "", "a TLS certificate file: with tls-key, the web serves HTTPS itself; empty: plain HTTP, behind a proxy that does TLS", func(c *Config) *string { return &c.TLSCert }),
		text("tls-key", "", "the TLS certificate's private key file", func(c *Config) *string { return &c.TLSKey }),
		field("domain", "", "the blog's domain names on the web (comma-separated): HTTPS with certificates got and renewed by ACME (Let's Encrypt unless acme-ca), http-addr redirecting to it; empty: off", func(c *Config) *[]string { return &c.Domains }, parseDomains, formatRanges).quoted(),
		field("https-addr", "", "with domain: the address HTTPS is served on; empty: :443", func(c *Config) *string { return &c.HTTPSAddr }, parseOptionalAddr, ident).quoted(),
		field("acme-ca", LetsEncrypt, "with domain: the ACME directory of the CA, such as a staging or internal one", func(c *Config) *string { return &c.ACMECA }, parseDirectory, ident).quoted(),
		text("acme-ca-root", "", "with domain: a PEM file of the roots that sign the CA's own HTTPS (an internal CA); empty: the system's", func(c *Config) *string { return &c.ACMECARoot }),
		field("acme-email", "", "with domain: an address the CA may write to about the certificates (expiry, problems); empty: none", func(c *Config) *string { return &c.ACMEEmail }, parseEmail, ident).quoted(),
		field("https-only", "off", "with domain: on: http-addr never serves pages, only redirects, even before the first certificate; off: it serves them until there is one", func(c *Config) *bool { return &c.HTTPSOnly }, parseOnOff, formatOnOff),
		field("web-cache", "256MiB", "web pages kept, compressed, built ahead and again as posts change; the least recently read make room; 3,000 posts of 20 KB take 60-180MiB (at least 1MiB)", func(c *Config) *int64 { return &c.WebCache }, parseWebCache, formatSize),
		field("http-rate", "20", "web requests a second one address may make, in bursts of twice that (0: no limit)", func(c *Config) *float64 { return &c.HTTPRate }, parseRate, formatRate),
		field("proxy-protocol", "", "load balancers (addresses or CIDR ranges, comma-separated) whose connections open with a PROXY protocol header giving the client's address; empty: off", func(c *Config) *[]string { return &c.ProxyProtocol }, parseRanges, formatRanges).quoted(),
		field("stats", "on", "count reads of each post, without storing who read (see SECURITY.md): on or off", func(c *Config) *bool { return &c.Stats }, parseOnOff, formatOnOff),
		count("stats-days", "400", "days of read counts kept; older days are deleted", func(c *Config) *int { return &c.StatsDays }),
		field("review", "off", "required: an author's publish is a proposal until another author approves it (no effect with one author); off: published at once", func(c *Config) *bool { return &c.Review }, parseReview, formatReview),
		field("log-format", "text", "how log lines are written: text or json", func(c *Config) *string { return &c.LogFormat }, oneOf("text", "json"), ident),
		field("log-level", "info", "the least important log lines written: debug, info, warn or error", func(c *Config) *slog.Level { return &c.LogLevel }, parseLevel, formatLevel),
	}
}

// field declares a setting kept in one field of Config, of type T: ptr finds
// the field, parse reads and checks a value, format writes it back.
func field[T any](name, def, usage string, ptr func(*Config) *T, parse func(string) (T, error), format func(T) string) setting {
	return setting{
		name: name, def: def, usage: usage,
		set: func(c *Config, v string) error {
			x, err := parse(v)
			if err != nil {
				return err
			}
			*ptr(c) = x
			return nil
		},
		get: func(c *Config) string { return format(*ptr(c)) },
	}
}

// quoted marks s as free text.
func (s setting) quoted() setting {
	s.text = true
	return s
}

// text declares a free-text setting; every value is valid.
func text(name, def, usage string, ptr func(*Config) *string) setting {
	return field(name, def, usage, ptr, func(v string) (string, error) { return v, nil }, ident).quoted()
}

// duration declares a setting of a duration of 0 or more, such as 30s.
func duration(name, def, usage string, ptr func(*Config) *time.Duration) setting {
	return field(name, def, usage, ptr, parseDuration, formatDuration)
}

// count declares a setting of a whole number of 0 or more.
func count(name, def, usage string, ptr func(*Config) *int) setting {
	return field(name, def, usage, ptr, parseCount, strconv.Itoa)
}

// ident returns its argument.
func ident(v string) string { return v }

// parseAddr checks an address to listen on: host:port, the host optional,
// the port a number.
func parseAddr(v string) (string, error) {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port, such as :23234 or 127.0.0.1:2222", v)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("%q has no port number from 0 to 65535", v)
	}
	return v, nil
}

// loadLocation loads an IANA zone; "" and "Local" mean the machine's.
func loadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a known time zone", name)
	}
	return loc, nil
}

// parseCount reads a whole number of 0 or more.
func parseCount(v string) (int, error) {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a whole number", v)
	case n < 0:
		return 0, fmt.Errorf("%q is negative (0 means no limit)", v)
	}
	return n, nil
}

// parseDuration reads a duration of 0 or more, such as 30s or 10m.
func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		return 0, fmt.Errorf("%q is not a duration such as 30s or 10m", v)
	case d < 0:
		return 0, fmt.Errorf("%q is negative (0 means never)", v)
	}
	return d, nil
}

// formatDuration writes d as parseDuration reads it, without the zero
// minutes and seconds of time.Duration.String: 30m rather than 30m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// sizeUnit is a unit of sizes.
type sizeUnit struct {
	suffix string
	mult   int64
}

// sizeUnits are the units of sizes, largest first, as formatSize needs them.
func sizeUnits() []sizeUnit {
	return []sizeUnit{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}
}

// parseSize reads a size such as 512KiB, 64MiB, 1GiB or a plain number of
// bytes.
func parseSize(v string) (int64, error) {
	for _, u := range sizeUnits() {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil || n > (1<<62)/u.mult {
			break
		}
		if n < 0 {
			return 0, fmt.Errorf("%q is negative", v)
		}
		return n * u.mult, nil
	}
	return 0, fmt.Errorf("%q is not a size such as 64MiB", v)
}

// formatSize writes n in the largest unit that holds it exactly, or as a
// plain number of bytes.
func formatSize(n int64) string {
	for _, u := range sizeUnits() {
		if u.mult > 1 && n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// oneOf returns a parser accepting exactly one of options, in any case,
// and returning it in lower case.
func oneOf(options ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		if i := slices.IndexFunc(options, func(o string) bool { return strings.EqualFold(o, v) }); i >= 0 {
			return options[i], nil
		}
		return "", fmt.Errorf("%q is not %s", v, orList(options))
	}
}

// parseStore reads bolt or etcd://HOST:PORT[,HOST:PORT...].
func parseStore(v string) (string, error) {
	if v == "bolt" {
		return v, nil
	}
	rest, ok := strings.CutPrefix(v, "etcd://")
	if !ok || rest == "" {
		return "", fmt.Errorf("%q is not bolt or etcd://HOST:2379[,HOST:2379...]", v)
	}
	for _, ep := range strings.Split(rest, ",") {
		if _, err := parseAddr(ep); err != nil {
			return "", fmt.Errorf("%q: %w", v, err)
		}
	}
	return v, nil
}

// parseOptionalAddr is parseAddr, or empty for none.
func parseOptionalAddr(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	return parseAddr(v)
}

// parseBaseURL reads an absolute http or https URL, without a trailing
// slash; empty is none.
func parseBaseURL(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q is not an address such as https://blog.example", v)
	}
	return strings.TrimRight(v, "/"), nil
}

// parseDomains reads a comma-separated list of domain names, such as
// blog.example,www.blog.example, in lower case; empty is none.
func parseDomains(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []string
	for _, d := range strings.Split(v, ",") {
		d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
		switch {
		case strings.HasPrefix(d, "*."):
			return nil, fmt.Errorf("%q is a wildcard, which needs the DNS challenge; sshblog answers HTTP and TLS ones: name each host", d)
		case net.ParseIP(d) != nil:
			return nil, fmt.Errorf("%q is an IP address, not a domain name", d)
		case !isDomain(d):
			return nil, fmt.Errorf("%q is not a domain name such as blog.example", d)
		case slices.Contains(out, d):
			return nil, fmt.Errorf("%q is named twice", d)
		}
		out = append(out, d)
	}
	return out, nil
}

// isDomain reports whether d is a host name: labels of letters, digits
// and inner hyphens, each at most 63 bytes, at most 253 in all.
func isDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

// parseDirectory reads an ACME directory URL: https, or http on a
// loopback address only (a CA under test).
func parseDirectory(v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%q is not an ACME directory URL such as %s", v, LetsEncrypt)
	}
	if ip := net.ParseIP(u.Hostname()); u.Scheme == "http" && (ip == nil || !ip.IsLoopback()) && u.Hostname() != "localhost" {
		return "", fmt.Errorf("%q is plain http; a CA is reached over https", v)
	}
	return v, nil
}

// parseEmail reads an email address; empty is none.
func parseEmail(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		return "", fmt.Errorf("%q is not an email address such as me@blog.example", v)
	}
	return v, nil
}

// parseSSHURL reads ssh://HOST[:PORT], without user, path or query; empty
// is none.
func parseSSHURL(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	u, err := url.Parse(v)
	bad := err != nil || u.Scheme != "ssh" || u.Hostname() == "" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != ""
	if !bad && u.Port() != "" {
		n, err := strconv.Atoi(u.Port())
		bad = err != nil || n < 1 || n > 65535
	}
	if bad {
		return "", fmt.Errorf("%q is not an address such as ssh://blog.example:22", v)
	}
	return strings.TrimRight(v, "/"), nil
}

// parseLang reads a language tag (BCP 47) such as en, ko or pt-BR. A
// country's code written for its language (kr for Korean, jp for Japanese)
// is refused with the language's, also where it happens to be another
// language's code (kr is Kanuri's).
func parseLang(v string) (string, error) {
	if country, lang, code, ok := countryNotLanguage(strings.ToLower(v)); ok {
		return "", fmt.Errorf("%q is %s's country code, not a language; %s is %s", v, country, lang, code)
	}
	tag, err := language.Parse(v)
	if err != nil || tag == language.Und || strings.Contains(v, "_") {
		return "", fmt.Errorf("%q is not a language tag (BCP 47) such as en or ko", v)
	}
	return v, nil
}

// countryNotLanguage names the country whose code is v, when v is a
// country's code often written for a language, with that language and its
// code.
func countryNotLanguage(v string) (country, lang, code string, ok bool) {
	switch v {
	case "kr":
		return "South Korea", "Korean", "ko", true
	case "jp":
		return "Japan", "Japanese", "ja", true
	case "cn":
		return "China", "Chinese", "zh", true
	case "tw":
		return "Taiwan", "Chinese in traditional characters", "zh-Hant", true
	case "gr":
		return "Greece", "Greek", "el", true
	case "dk":
		return "Denmark", "Danish", "da", true
	case "se":
		return "Sweden", "Swedish", "sv", true
	case "ua":
		return "Ukraine", "Ukrainian", "uk", true
	case "cz":
		return "Czechia", "Czech", "cs", true
	case "vn":
		return "Vietnam", "Vietnamese", "vi", true
	case "us":
		return "the United States", "English", "en", true
	case "gb":
		return "the United Kingdom", "English", "en", true
	}
	return "", "", "", false
}

// parseReadingWidth reads a reading width: 0 (none), or a width a post
// can be rendered at.
func parseReadingWidth(v string) (int, error) {
	n, err := parseCount(v)
	if err != nil {
		return 0, err
	}
	if n != 0 && (n < render.MinWidth || n > render.MaxWidth) {
		return 0, fmt.Errorf("%q is not 0 or a width from %d to %d columns", v, render.MinWidth, render.MaxWidth)
	}
	return n, nil
}

// parseRate reads a rate of 0 or more.
func parseRate(v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not a number of requests a second, 0 or more", v)
	}
	return f, nil
}

// formatRate writes a rate as parseRate reads it.
func formatRate(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// parseRanges reads a comma-separated list of IP addresses and CIDR ranges;
// empty or "off" is none.
func parseRanges(v string) ([]string, error) {
	if strings.TrimSpace(v) == "" || strings.EqualFold(v, "off") {
		return nil, nil
	}
	var out []string
	for _, r := range strings.Split(v, ",") {
		r = strings.TrimSpace(r)
		if _, err := netip.ParsePrefix(r); err == nil {
			out = append(out, r)
			continue
		}
		if _, err := netip.ParseAddr(r); err != nil {
			return nil, fmt.Errorf("%q is not an IP address or a CIDR range such as 10.0.0.0/8", r)
		}
		out = append(out, r)
	}
	return out, nil
}

// formatRanges writes ranges as parseRanges reads them.
func formatRanges(r []string) string { return strings.Join(r, ",") }

// parseOnOff reads on or off (also true/false, yes/no), in any case.
func parseOnOff(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "true", "yes":
		return true, nil
	case "off", "false", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q is not on or off", v)
}

// formatOnOff writes on or off.
func formatOnOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// logLevels are the levels log-level accepts, by their names in any case.
func logLevels() []slog.Level {
	return []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}
}

// parseLevel reads a log level by its name, in any case.
func parseLevel(v string) (slog.Level, error) {
	var names []string
	for _, l := range logLevels() {
		if strings.EqualFold(l.String(), v) {
			return l, nil
		}
		names = append(names, formatLevel(l))
	}
	return 0, fmt.Errorf("%q is not a log level: %s", v, orList(names))
}

// formatLevel names a level as parseLevel reads it: debug, info, warn or
// error.
func formatLevel(l slog.Level) string { return strings.ToLower(l.String()) }

// orList writes options as "a, b or c".
func orList(options []string) string {
	if len(options) < 2 {
		return strings.Join(options, "")
	}
	return strings.Join(options[:len(options)-1], ", ") + " or " + options[len(options)-1]
}

// parsePostSize reads the largest post size: a size from 1KiB to 1MiB, the
// most every part of the blog (the editor, the stored revisions) is built
// for.
func parsePostSize(v string) (int64, error) {
	n, err := parseSize(v)
	if err != nil {
		return 0, err
	}
	if n < 1<<10 || n > post.MaxSize {
		return 0, fmt.Errorf("%q is not between 1KiB and 1MiB", v)
	}
	return n, nil
}

// parseWebCache reads the web-cache setting: a size of at least 1 MiB.
func parseWebCache(v string) (int64, error) {
	n, err := parseSize(v)
	if err != nil {
		return 0, err
	}
	if n < 1<<20 {
		return 0, fmt.Errorf("%q is less than 1MiB", v)
	}
	return n, nil
}

// parseReview reads the review setting: off or required.
func parseReview(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "off", "":
		return false, nil
	case "required":
		return true, nil
	}
	return false, fmt.Errorf("want off or required, not %q", v)
}

// formatReview writes the review setting back.
func formatReview(required bool) string {
	if required {
		return "required"
	}
	return "off"
}
