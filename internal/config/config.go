// Package config reads the blog's settings: defaults, then environment
// variables (BLOG_*), then command-line flags; later layers win.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the blog's effective configuration.
type Config struct {
	Addr     string         // address to listen on
	Data     string         // folder of the database and host key
	Keys     string         // folder of authors' public keys
	Title    string         // the blog's title
	TimeZone string         // IANA name of the blog's time zone; "" for the machine's
	Location *time.Location // TimeZone, loaded

	HandshakeTimeout time.Duration
	IdleTimeout      time.Duration
	MaxImport        int64 // bytes
}

// HostKeyPath is where the server's private host key lives.
func (c Config) HostKeyPath() string { return filepath.Join(c.Data, "host_ed25519") }

// DatabasePath is the bbolt file.
func (c Config) DatabasePath() string { return filepath.Join(c.Data, "blog.db") }

// ErrHelp is returned by Load when -h or --help was asked for; the usage has
// been written.
var ErrHelp = flag.ErrHelp

// setting is one configurable value: its flag, its variable, its default.
type setting struct {
	flag, env, def, usage string
	set                   func(c *Config, v string) error
}

func settings() []setting {
	str := func(dst func(*Config) *string) func(*Config, string) error {
		return func(c *Config, v string) error { *dst(c) = v; return nil }
	}
	dur := func(dst func(*Config) *time.Duration) func(*Config, string) error {
		return func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("%q is not a duration such as 30s or 10m", v)
			}
			*dst(c) = d
			return nil
		}
	}
	return []setting{
		{"addr", "BLOG_ADDR", ":23234", "address to listen on", func(c *Config, v string) error {
			if _, _, err := net.SplitHostPort(v); err != nil {
				return fmt.Errorf("%q is not host:port", v)
			}
			c.Addr = v
			return nil
		}},
		{"data", "BLOG_DATA", "./data", "folder for the database and the host key", str(func(c *Config) *string { return &c.Data })},
		{"keys", "BLOG_KEYS", "./keys", "folder of authors' public keys (NAME.pub)", str(func(c *Config) *string { return &c.Keys })},
		{"title", "BLOG_TITLE", "sshblog", "the blog's title", str(func(c *Config) *string { return &c.Title })},
		{"timezone", "BLOG_TIMEZONE", "", "the blog's time zone (IANA name, e.g. Asia/Seoul); empty for the machine's", func(c *Config, v string) error {
			loc, err := loadLocation(v)
			if err != nil {
				return err
			}
			c.TimeZone, c.Location = v, loc
			return nil
		}},
		{"handshake-timeout", "BLOG_HANDSHAKE_TIMEOUT", "20s", "cut clients that have not authenticated by then", dur(func(c *Config) *time.Duration { return &c.HandshakeTimeout })},
		{"max-import", "BLOG_MAX_IMPORT", "256MiB", "the largest archive `import` reads", func(c *Config, v string) error {
			n, err := parseSize(v)
			if err != nil {
				return err
			}
			c.MaxImport = n
			return nil
		}},
		{"idle-timeout", "BLOG_IDLE_TIMEOUT", "30m", "cut connections idle for this long (0: never)", dur(func(c *Config) *time.Duration { return &c.IdleTimeout })},
	}
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

// Load builds the configuration from args (without the program name) and
// getenv. Usage goes to usage when asked for.
func Load(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	var c Config
	all := settings()
	fs := flag.NewFlagSet("sshd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	values := make([]*string, len(all))
	for i, s := range all {
		values[i] = fs.String(s.flag, "", s.usage)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			writeUsage(usage, all)
			return c, ErrHelp
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for i, s := range all {
		v, from := s.def, "default"
		if e := getenv(s.env); e != "" {
			v, from = e, s.env
		}
		if given[s.flag] {
			v, from = *values[i], "--"+s.flag
		}
		if err := s.set(&c, v); err != nil {
			return c, fmt.Errorf("setting %s (from %s): %w", s.flag, from, err)
		}
	}
	return c, nil
}

// writeUsage lists every setting with its flag, variable and default.
func writeUsage(w io.Writer, all []setting) {
	var b strings.Builder
	b.WriteString("Usage: sshd [flags]\n\nEvery setting is a flag or an environment variable; flags win.\n\n")
	for _, s := range all {
		fmt.Fprintf(&b, "  --%-20s %-24s %s (default %q)\n", s.flag, s.env, s.usage, s.def)
	}
	io.WriteString(w, b.String())
}

// parseSize reads a size such as 512KiB, 64MiB, 1GiB or a plain number of
// bytes.
func parseSize(v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}, {"", 1}}
	for _, u := range units {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
		if err != nil || n < 0 || n > (1<<62)/u.mult {
			break
		}
		return n * u.mult, nil
	}
	return 0, fmt.Errorf("%q is not a size such as 64MiB", v)
}
