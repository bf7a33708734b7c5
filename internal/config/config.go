// Package config reads sshblog's settings. Each setting comes from four
// layers, a later one winning over an earlier one:
//
//  1. its default;
//  2. the YAML file named by --config or BLOG_CONFIG, if any;
//  3. its environment variable, BLOG_ and its name in upper case with
//     underscores (BLOG_MAX_SESSIONS); an empty variable counts as unset;
//  4. its flag, --NAME (--max-sessions).
//
// The file is one YAML mapping whose keys are the settings' names, written
// exactly as the flags are, in kebab-case:
//
//	title: "My blog"
//	max-sessions: 200
//	idle-timeout: 10m
//	max-import: 64MiB
//
// A key that names no setting is an error, as is a value that does not
// parse. Durations are written like 30s or 1h30m, sizes like 512KiB, 64MiB
// or 1GiB, and counts as whole numbers of 0 or more. Relative paths, in the
// file as elsewhere, are relative to the working directory.
//
// Every setting is declared once, in a table (see settings) that gives its
// name, default, usage and parser; the flags, the environment variables,
// the file's keys, --help and --print-config all follow from it.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sshblog/sshblog/internal/termtext"
)

// Config is the blog's effective configuration.
type Config struct {
	Addr        string         // address to listen on
	Data        string         // folder of the database and, by default, the host key
	Keys        string         // folder of authors' public keys
	HostKey     string         // path of the host key; "" for host_ed25519 in Data
	Title       string         // the blog's title
	Description string         // the blog's description
	TimeZone    string         // IANA name of the blog's time zone; "" for the machine's
	Location    *time.Location // TimeZone, loaded

	HandshakeTimeout time.Duration // 0: no limit
	IdleTimeout      time.Duration // 0: no limit
	ScreenRelease    time.Duration // 0: a session keeps its copy of the screen
	MaxPostSize      int64         // bytes, at most post.MaxSize
	MaxImport        int64         // bytes
	MaxFileSize      int64         // bytes: the largest file
	MaxMedia         int64         // bytes: all files, each distinct one once
	RenderCache      int64         // bytes of rendered posts kept; 0: none
	RenderJobs       int           // renders at once; 0: the number of CPUs
	MemoryLimit      int64         // a soft limit of the process's memory, bytes; 0: none
	Hyperlinks       bool          // links in rendered posts are OSC 8 hyperlinks in terminals
	ReadingWidth     int           // the widest a post is laid out on a terminal, in columns; 0: the window's
	Images           bool          // posts' pictures are drawn in terminals (the pager, read with ssh -t)

	MaxSessions      int // open connections at once, in total; 0: no limit
	MaxSessionsPerIP int // open connections at once from one address; 0: no limit
	ConnectsPerIP    int // new connections per minute from one address; 0: no limit

	// Store is where the blog is kept: "bolt" (the file in Data) or
	// "etcd://HOST:2379[,HOST:2379...]".
	Store       string
	StorePrefix string // the key prefix of this blog in etcd
	EtcdCA      string // with etcd: the CA certificate file that signs the cluster's
	EtcdCert    string // with etcd: this server's client certificate file
	EtcdKey     string // with etcd: its private key file

	HTTPAddr string  // the web's address; "" turns the web off
	BaseURL  string  // the blog's address on the web, for absolute links; "" for each request's
	SSHURL   string  // where readers reach the blog over SSH, ssh://HOST[:PORT]; "" for base-url's host and addr's port
	Lang     string  // the blog's language, for web pages
	TLSCert  string  // with TLSKey, serve HTTPS directly
	TLSKey   string  // the TLS certificate's private key
	HTTPRate float64 // web requests a second per address; 0: no limit
	WebCache int64   // bytes of web pages kept, at least 1 MiB

	// Domains are the blog's names on the web whose certificates are got
	// by ACME; none: no ACME. With them the web serves HTTPS on
	// HTTPSAddr, and HTTPAddr answers the CA's challenges and redirects
	// to HTTPS.
	Domains    []string
	HTTPSAddr  string // with Domains: where HTTPS is served (:443 unless set)
	ACMECA     string // the ACME directory URL of the CA
	ACMECARoot string // a PEM file of the roots the CA's own HTTPS is checked against; "": the system's
	ACMEEmail  string // the address the CA may write to about the certificates; "": none
	// HTTPSOnly keeps the blog's pages off plain HTTP even before the
	// first certificate: HTTPAddr only answers challenges and redirects.
	HTTPSOnly bool

	// ProxyProtocol lists the load balancers (addresses or CIDR ranges)
	// whose connections carry a PROXY protocol header; empty: none.
	ProxyProtocol []string

	Stats     bool // count reads of each post
	StatsDays int  // days of read counts kept

	// Review makes authors' publishes wait for another author's approval
	// (the review setting: off or required).
	Review bool

	LogFormat string     // "text" or "json"
	LogLevel  slog.Level // the least important level logged

	sources map[string]string // setting's name -> where its value came from
}

// HostKeyPath is where the server's private host key lives: HostKey, or
// host_ed25519 in the data folder.
func (c Config) HostKeyPath() string {
	if c.HostKey != "" {
		return c.HostKey
	}
	return filepath.Join(c.Data, "host_ed25519")
}

// EtcdEndpoints returns the cluster's addresses when Store names etcd, or
// nil for the bbolt file.
func (c Config) EtcdEndpoints() []string {
	rest, ok := strings.CutPrefix(c.Store, "etcd://")
	if !ok {
		return nil
	}
	return strings.Split(rest, ",")
}

// RenderCacheBytes is the render cache's bound: the render-cache setting,
// held to an eighth of the memory limit when there is one, so that the
// caches shrink before the process grows past the limit.
func (c Config) RenderCacheBytes() int64 {
	if c.MemoryLimit > 0 {
		return min(c.RenderCache, c.MemoryLimit/8)
	}
	return c.RenderCache
}

// SSHAddress is where readers reach the blog over SSH, host:port, for
// the pages that say how: ssh-url's, or else addr (whose empty host the
// web fills from base-url's, or the request's).
func (c Config) SSHAddress() string {
	if c.SSHURL == "" {
		return c.Addr
	}
	u, err := url.Parse(c.SSHURL)
	if err != nil {
		return c.Addr // parseSSHURL let it through: it cannot happen
	}
	port := u.Port()
	if port == "" {
		port = "22"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// DatabasePath is the bbolt file.
func (c Config) DatabasePath() string { return filepath.Join(c.Data, "blog.db") }

// Source says where the named setting's value came from: "default",
// "file PATH", its environment variable such as "BLOG_TITLE", or its flag
// such as "--title". It is "" for a name that is not a setting, or for a
// Config that Load did not make.
func (c Config) Source(name string) string { return c.sources[name] }

// Logger returns a logger that writes to w in the configured format, text
// or JSON, the lines of the configured level and above.
func (c Config) Logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// MakeFolders creates the data and keys folders, and the host key's, where
// they are missing. Its error names the setting at fault.
func (c Config) MakeFolders() error {
	for _, f := range []struct {
		setting, dir string
		perm         fs.FileMode
	}{
		{"data", c.Data, 0o700},
		{"keys", c.Keys, 0o755},
		{"host-key", filepath.Dir(c.HostKeyPath()), 0o700},
	} {
		if err := os.MkdirAll(f.dir, f.perm); err != nil {
			return settingError(f.setting, c.Source(f.setting), fmt.Errorf("creating the folder: %w", err))
		}
	}
	return nil
}

// settingError reports a problem with the named setting, whose value came
// from from.
func settingError(name, from string, err error) error {
	if from == "" {
		return fmt.Errorf("setting %s: %w", name, err)
	}
	return fmt.Errorf("setting %s (from %s): %w", name, from, err)
}

// ErrDone is returned by Load when it has done all that was asked for
// (--help, --version or --print-config, with the answer written) and the
// program should exit successfully.
var ErrDone = errors.New("config: done")

// Load builds the configuration from args (without the program name), the
// environment read through getenv, and the YAML file they name. It writes
// the answer to --help, --version or --print-config to stdout and returns
// ErrDone. Any other error is one line naming the setting or the file at
// fault.
func Load(args []string, getenv func(string) string, stdout io.Writer) (Config, error) {
	all := settings()
	fset := flag.NewFlagSet("sshblog", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	fset.Usage = func() {}
	flags := make([]*string, len(all))
	for i, s := range all {
		flags[i] = fset.String(s.name, "", s.usage)
	}
	configFlag := fset.String("config", "", "YAML file of settings")
	printConfig := fset.Bool("print-config", false, "print the effective configuration")
	version := fset.Bool("version", false, "print the version")
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, done(writeUsage(stdout, all))
		}
		return Config{}, fmt.Errorf("%w (sshblog --help lists the flags)", err)
	}
	if fset.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q (sshblog --help lists the flags)", fset.Arg(0))
	}
	if *version {
		_, err := fmt.Fprintln(stdout, Version())
		return Config{}, done(err)
	}
	given := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { given[f.Name] = true })

	path, pathFrom := getenv(envName("config")), envName("config")
	if given["config"] {
		path, pathFrom = *configFlag, "--config"
	}
	var file map[string]fileValue
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("config file (from %s): %w", pathFrom, err)
		}
		if file, err = parseFile(data, all); err != nil {
			return Config{}, fmt.Errorf("config file %s: %w", path, err)
		}
	}

	c := Config{sources: make(map[string]string, len(all))}
	for i, s := range all {
		v, from, where := s.def, "default", "default"
		if fv, ok := file[s.name]; ok {
			from = "file " + path
			v, where = fv.text, fmt.Sprintf("%s, line %d", from, fv.line)
		}
		if e := getenv(s.env()); e != "" {
			v, from, where = e, s.env(), s.env()
		}
		if given[s.name] {
			v, from, where = *flags[i], "--"+s.name, "--"+s.name
		}
		if !utf8.ValidString(v) {
			return Config{}, settingError(s.name, where, fmt.Errorf("%q is not valid UTF-8", v))
		}
		if err := s.set(&c, v); err != nil {
			return Config{}, settingError(s.name, where, err)
		}
		c.sources[s.name] = from
	}
	if err := c.resolveDomains(); err != nil {
		return Config{}, err
	}
	if *printConfig {
		return Config{}, done(writeConfig(stdout, all, &c))
	}
	return c, nil
}

// LetsEncrypt is the ACME directory of Let's Encrypt, acme-ca's default.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

// resolveDomains fills in what a domain changes: with one, http-addr
// defaults to :80 (the challenges and the redirect), https-addr to :443
// and base-url to https://DOMAIN; a certificate of one's own (tls-cert)
// and one got by ACME (domain) are two answers to one question.
func (c *Config) resolveDomains() error {
	if len(c.Domains) == 0 {
		return nil
	}
	if c.TLSCert != "" || c.TLSKey != "" {
		return fmt.Errorf("settings domain (from %s) and tls-cert/tls-key do not go together: domain gets certificates by ACME, tls-cert brings your own; set one", c.Source("domain"))
	}
	if c.Source("http-addr") == "default" {
		c.HTTPAddr = ":80"
		c.sources["http-addr"] = "default with domain"
	}
	if c.HTTPSAddr == "" {
		c.HTTPSAddr = ":443"
		c.sources["https-addr"] = "default with domain"
	}
	if c.BaseURL == "" {
		c.BaseURL = "https://" + c.Domains[0]
		if _, port, err := net.SplitHostPort(c.HTTPSAddr); err == nil && port != "443" && port != "0" {
			c.BaseURL = "https://" + net.JoinHostPort(c.Domains[0], port)
		}
		c.sources["base-url"] = "default with domain"
	}
	return nil
}

// done returns ErrDone, or err if writing the answer failed.
func done(err error) error {
	if err != nil {
		return fmt.Errorf("writing to standard output: %w", err)
	}
	return ErrDone
}

// writeUsage writes --help: every setting with its flag, environment
// variable, YAML key, default and usage, then the other flags.
func writeUsage(w io.Writer, all []setting) error {
	var b strings.Builder
	b.WriteString(`Usage: sshblog [flags]
       sshblog health | backup FILE | migrate --from STORE --to STORE [flags]

sshblog serves the blog over SSH and the web. Each setting is taken from, the later winning:
its default; the YAML file named by --config or BLOG_CONFIG; its environment
variable (empty counts as unset); its flag. In the file, a setting's key is
its flag's name, in kebab-case: "max-sessions: 200". Durations are written
like 30s or 1h30m, sizes like 64MiB or 1GiB.

Settings:
`)
	rows := [][]string{{"FLAG", "ENVIRONMENT", "YAML KEY", "DEFAULT"}}
	for _, s := range all {
		rows = append(rows, []string{"--" + s.name, s.env(), s.name + ":", s.yaml(s.def)})
	}
	var widths [3]int
	for _, r := range rows {
		for i := range widths {
			widths[i] = max(widths[i], len(r[i]))
		}
	}
	for i, r := range rows {
		fmt.Fprintf(&b, "  %-*s  %-*s  %-*s  %s\n", widths[0], r[0], widths[1], r[1], widths[2], r[2], r[3])
		if i > 0 {
			fmt.Fprintf(&b, "      %s\n", all[i-1].usage)
		}
	}
	fmt.Fprintf(&b, `
Other flags:
  --config FILE   %s
      read settings from this YAML file
  --print-config
      print the effective settings as YAML, with their sources, and exit
  --version
      print the version and exit
  -h, --help
      print this help and exit
`, envName("config"))
	_, err := io.WriteString(w, b.String())
	return err
}

// writeConfig writes c as YAML that Load reads back, each setting with a
// comment saying where its value came from.
func writeConfig(w io.Writer, all []setting, c *Config) error {
	lines := make([]string, len(all))
	width := 0
	for i, s := range all {
		lines[i] = s.name + ": " + s.yaml(s.get(c))
		width = max(width, termtext.Width(lines[i]))
	}
	var b strings.Builder
	b.WriteString("# sshblog's effective configuration; sshblog --config FILE reads it back.\n")
	for i, s := range all {
		// Padded to the same column on screen: a Korean title's
		// characters are two columns wide each.
		pad := strings.Repeat(" ", width-termtext.Width(lines[i]))
		fmt.Fprintf(&b, "%s%s  # %s\n", lines[i], pad, comment(c.Source(s.name)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// comment makes s safe in a YAML comment, which a line break would end.
func comment(s string) string {
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}

// DialAddr is the address to reach this blog at from the same machine: the
// listening address, with an unspecified host (":23234", "0.0.0.0:22")
// replaced by the loopback address.
func (c Config) DialAddr() string {
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return c.Addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
