package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones the tests name, on any machine

	"github.com/goccy/go-yaml"

	"github.com/sshblog/sshblog/internal/termtext"
)

// env is a fake environment.
type env map[string]string

func (e env) get(name string) string { return e[name] }

// writeFile writes a file in a new temporary folder and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// load calls Load, failing the test on an error.
func load(t *testing.T, args []string, e env) Config {
	t.Helper()
	c, err := Load(args, e.get, io.Discard)
	if err != nil {
		t.Fatalf("Load(%q, %v): %v", args, e, err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := load(t, nil, nil)
	want := Config{
		Addr:             ":23234",
		Data:             "./data",
		Keys:             "./keys",
		Title:            "sshblog",
		Location:         time.Local,
		HandshakeTimeout: 20 * time.Second,
		IdleTimeout:      30 * time.Minute,
		ScreenRelease:    10 * time.Second,
		MaxPostSize:      1 << 20,
		MaxImport:        256 << 20,
		MaxFileSize:      10 << 20,
		MaxMedia:         1 << 30,
		RenderCache:      64 << 20,
		MaxSessions:      1000,
		MaxSessionsPerIP: 20,
		ConnectsPerIP:    60,
		Stats:            true,
		StatsDays:        400,
		Hyperlinks:       true,
		ReadingWidth:     100,
		Images:           true,
		HTTPAddr:         ":8080",
		Store:            "bolt",
		StorePrefix:      "/sshblog",
		Lang:             "en",
		HTTPRate:         20,
		ACMECA:           LetsEncrypt,
		WebCache:         256 << 20,
		LogFormat:        "text",
		LogLevel:         slog.LevelInfo,
	}
	if got := withoutSources(c); !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %s\nwant %s", show(got), show(want))
	}
	for _, s := range settings() {
		if got := c.Source(s.name); got != "default" {
			t.Errorf("Source(%q) = %q, want default", s.name, got)
		}
	}
	if got, want := c.HostKeyPath(), filepath.Join("data", "host_ed25519"); got != want {
		t.Errorf("HostKeyPath() = %q, want %q", got, want)
	}
	if got, want := c.DatabasePath(), filepath.Join("data", "blog.db"); got != want {
		t.Errorf("DatabasePath() = %q, want %q", got, want)
	}
}

// withoutSources returns c without its record of sources, which comparing
// values leaves out.
func withoutSources(c Config) Config {
	c.sources = nil
	return c
}

// show describes c's values for comparing and for messages; Location is
// shown by name, as the same zone loaded twice is two Locations.
func show(c Config) string {
	loc := c.Location
	c.Location, c.sources = nil, nil
	return fmt.Sprintf("%+v Location:%v", c, loc)
}

// samples returns a valid value, not the default, for every setting, and
// how it reads back.
func samples() map[string]struct{ in, out string } {
	return map[string]struct{ in, out string }{
		"addr":                {"127.0.0.1:2222", "127.0.0.1:2222"},
		"data":                {"/var/lib/blog", "/var/lib/blog"},
		"keys":                {"/etc/blog/keys", "/etc/blog/keys"},
		"host-key":            {"/etc/blog/host_key", "/etc/blog/host_key"},
		"title":               {"Field Notes: #1", "Field Notes: #1"},
		"description":         {"Notes from the field", "Notes from the field"},
		"timezone":            {"Asia/Seoul", "Asia/Seoul"},
		"handshake-timeout":   {"45s", "45s"},
		"idle-timeout":        {"90m", "1h30m"},
		"screen-release":      {"0", "0s"},
		"max-sessions":        {"7", "7"},
		"max-sessions-per-ip": {"0", "0"},
		"connects-per-ip":     {"120", "120"},
		"max-import":          {"1024KiB", "1MiB"},
		"max-file-size":       {"2MiB", "2MiB"},
		"max-media":           {"2GiB", "2GiB"},
		"render-cache":        {"16MiB", "16MiB"},
		"render-jobs":         {"3", "3"},
		"memory-limit":        {"200MiB", "200MiB"},
		"hyperlinks":          {"off", "off"},
		"images":              {"no", "off"},
		"reading-width":       {"72", "72"},
		"max-post-size":       {"512KiB", "512KiB"},
		"proxy-protocol":      {"10.0.0.0/8, 192.0.2.7", "10.0.0.0/8,192.0.2.7"},
		"http-addr":           {"127.0.0.1:8081", "127.0.0.1:8081"},
		"store":               {"etcd://10.0.0.1:2379,10.0.0.2:2379", "etcd://10.0.0.1:2379,10.0.0.2:2379"},
		"store-prefix":        {"/blogs/mine", "/blogs/mine"},
		"etcd-ca":             {"/etc/blog/ca.pem", "/etc/blog/ca.pem"},
		"etcd-cert":           {"/etc/blog/etcd.pem", "/etc/blog/etcd.pem"},
		"etcd-key":            {"/etc/blog/etcd-key.pem", "/etc/blog/etcd-key.pem"},
		"base-url":            {"https://blog.example/", "https://blog.example"},
		"ssh-url":             {"ssh://blog.example:22/", "ssh://blog.example:22"},
		"lang":                {"ko", "ko"},
		"tls-cert":            {"/etc/blog/cert.pem", "/etc/blog/cert.pem"},
		"tls-key":             {"/etc/blog/key.pem", "/etc/blog/key.pem"},
		"http-rate":           {"5.5", "5.5"},
		"domain":              {"Blog.Example, www.blog.example.", "blog.example,www.blog.example"},
		"https-addr":          {"127.0.0.1:8443", "127.0.0.1:8443"},
		"acme-ca":             {"https://acme-staging-v02.api.letsencrypt.org/directory", "https://acme-staging-v02.api.letsencrypt.org/directory"},
		"acme-ca-root":        {"/etc/blog/ca-root.pem", "/etc/blog/ca-root.pem"},
		"acme-email":          {"me@blog.example", "me@blog.example"},
		"https-only":          {"on", "on"},
		"web-cache":           {"64MiB", "64MiB"},
		"stats":               {"Off", "off"},
		"review":              {"Required", "required"},
		"stats-days":          {"30", "30"},
		"log-format":          {"JSON", "json"},
		"log-level":           {"Debug", "debug"},
	}
}

func TestSamplesCoverEverySetting(t *testing.T) {
	t.Parallel()
	samples := samples()
	for _, s := range settings() {
		if _, ok := samples[s.name]; !ok {
			t.Errorf("no sample for setting %s", s.name)
		}
	}
}

func TestSettingsTable(t *testing.T) {
	t.Parallel()
	kebab := regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
	seen := map[string]bool{"config": true, "print-config": true, "version": true, "help": true, "h": true}
	for _, s := range settings() {
		if !kebab.MatchString(s.name) {
			t.Errorf("setting %q is not kebab-case", s.name)
		}
		if seen[s.name] {
			t.Errorf("setting %q declared twice, or clashes with a flag", s.name)
		}
		seen[s.name] = true
		if s.usage == "" {
			t.Errorf("setting %s has no usage", s.name)
		}
		if s.set == nil || s.get == nil {
			t.Errorf("setting %s cannot be read or written", s.name)
		}
	}
	if got, want := envName("max-sessions-per-ip"), "BLOG_MAX_SESSIONS_PER_IP"; got != want {
		t.Errorf("envName = %q, want %q", got, want)
	}
}

// TestLayers sets every setting in every combination of layers and checks
// that the last layer wins: default < file < environment < flag.
func TestLayers(t *testing.T) {
	t.Parallel()
	type layers struct{ file, env, flag bool }
	samples := samples()
	for _, s := range settings() {
		sample := samples[s.name]
		for _, l := range []layers{
			{}, {file: true}, {env: true}, {flag: true},
			{file: true, env: true}, {file: true, flag: true}, {env: true, flag: true},
			{file: true, env: true, flag: true},
		} {
			t.Run(fmt.Sprintf("%s/file=%v,env=%v,flag=%v", s.name, l.file, l.env, l.flag), func(t *testing.T) {
				t.Parallel()
				var args []string
				e := env{}
				wantValue, wantSource := s.yaml(s.def), "default"
				if l.file {
					path := writeFile(t, "blog.yaml", s.name+": "+s.yaml(sample.in)+"\n")
					args = append(args, "--config", path)
					wantValue, wantSource = s.yaml(sample.out), "file "+path
				}
				if l.env {
					e[s.env()] = sample.in
					wantValue, wantSource = s.yaml(sample.out), s.env()
				}
				if l.flag {
					args = append(args, "--"+s.name+"="+sample.in)
					wantValue, wantSource = s.yaml(sample.out), "--"+s.name
				}
				c := load(t, args, e)
				if got := s.yaml(s.get(&c)); got != wantValue {
					t.Errorf("%s = %s, want %s", s.name, got, wantValue)
				}
				if got := c.Source(s.name); got != wantSource {
					t.Errorf("Source(%q) = %q, want %q", s.name, got, wantSource)
				}
			})
		}
	}
}

// TestLayerOrder gives one setting a different value in each layer.
func TestLayerOrder(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "blog.yaml", "title: From the file\nmax-sessions: 3\n")
	tests := []struct {
		name       string
		args       []string
		env        env
		wantTitle  string
		wantSource string
	}{
		{"default", nil, nil, "sshblog", "default"},
		{"file", []string{"--config", path}, nil, "From the file", "file " + path},
		{"file from BLOG_CONFIG", nil, env{"BLOG_CONFIG": path}, "From the file", "file " + path},
		{"env over file", []string{"--config", path}, env{"BLOG_TITLE": "From env"}, "From env", "BLOG_TITLE"},
		{"flag over env and file", []string{"--config", path, "--title", "From flag"}, env{"BLOG_TITLE": "From env"}, "From flag", "--title"},
		{"flag over env", []string{"--title=From flag"}, env{"BLOG_TITLE": "From env"}, "From flag", "--title"},
		{"empty env is unset", []string{"--config", path}, env{"BLOG_TITLE": ""}, "From the file", "file " + path},
		{"empty flag is a value", []string{"--config", path, "--title="}, env{"BLOG_TITLE": "From env"}, "", "--title"},
		{"--config over BLOG_CONFIG", []string{"--config", path}, env{"BLOG_CONFIG": "/nonexistent.yaml"}, "From the file", "file " + path},
		{"--config= turns off BLOG_CONFIG", []string{"--config="}, env{"BLOG_CONFIG": "/nonexistent.yaml"}, "sshblog", "default"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := load(t, tt.args, tt.env)
			if c.Title != tt.wantTitle || c.Source("title") != tt.wantSource {
				t.Errorf("title = %q from %q, want %q from %q", c.Title, c.Source("title"), tt.wantTitle, tt.wantSource)
			}
		})
	}
}

func TestFileValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		check      func(Config) bool
	}{
		{"empty file", "", func(c Config) bool { return c.Title == "sshblog" }},
		{"only comments", "# nothing yet\n", func(c Config) bool { return c.Title == "sshblog" }},
		{"document marker", "---\ntitle: x\n", func(c Config) bool { return c.Title == "x" }},
		{"flow mapping", "{title: x, max-sessions: 4}", func(c Config) bool { return c.Title == "x" && c.MaxSessions == 4 }},
		{"number as title", "title: 1.0\n", func(c Config) bool { return c.Title == "1.0" }},
		{"bool as title", "title: yes\n", func(c Config) bool { return c.Title == "yes" }},
		{"null is empty", "description: ~\n", func(c Config) bool { return c.Description == "" }},
		{"no value is empty", "description:\n", func(c Config) bool { return c.Description == "" }},
		{"single quotes", "title: 'it''s'\n", func(c Config) bool { return c.Title == "it's" }},
		{"literal block", "description: |\n  one\n  two\n", func(c Config) bool { return c.Description == "one\ntwo\n" }},
		{"tag", "title: !!str 123\n", func(c Config) bool { return c.Title == "123" }},
		{"anchor", "title: &t x\n", func(c Config) bool { return c.Title == "x" }},
		{"comment after value", "title: x # y\n", func(c Config) bool { return c.Title == "x" }},
		{"quoted number", "max-sessions: \"12\"\n", func(c Config) bool { return c.MaxSessions == 12 }},
		{"size in bytes", "max-import: 1000\n", func(c Config) bool { return c.MaxImport == 1000 }},
		{"zero limits", "max-sessions: 0\nidle-timeout: 0\nmax-import: 0\n", func(c Config) bool {
			return c.MaxSessions == 0 && c.IdleTimeout == 0 && c.MaxImport == 0
		}},
		{"Local time zone", "timezone: Local\n", func(c Config) bool { return c.Location == time.Local }},
		{"host key", "host-key: /k\n", func(c Config) bool { return c.HostKeyPath() == "/k" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := load(t, []string{"--config", writeFile(t, "blog.yaml", tt.yaml)}, nil)
			if !tt.check(c) {
				t.Errorf("%q gives %s", tt.yaml, show(c))
			}
		})
	}
}

// TestBadSettings checks that every bad setting stops Load with one line
// that names the setting, or the file and key, and the problem.
func TestBadSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  env
		file string // YAML, written to a file given with --config
		want []string
	}{
		{name: "unknown key", file: "title: x\ntitel: y\n", want: []string{"config file ", "blog.yaml: line 2: unknown setting \"titel\""}},
		{name: "snake_case key", file: "max_sessions: 3\n", want: []string{"line 1: unknown setting \"max_sessions\" (did you mean max-sessions?)"}},
		{name: "environment variable as key", file: "BLOG_TITLE: x\n", want: []string{"unknown setting \"BLOG_TITLE\" (did you mean title?)"}},
		{name: "flag as key", file: "--title: x\n", want: []string{"unknown setting \"--title\" (did you mean title?)"}},
		{name: "config as key", file: "config: other.yaml\n", want: []string{"unknown setting \"config\""}},
		{name: "merge key", file: "<<: {title: x}\n", want: []string{"unknown setting \"<<\""}},
		{name: "syntax error", file: "title: \"unterminated\nmax-sessions: 3\n", want: []string{"blog.yaml: line 1: could not find end character of double-quoted text"}},
		{name: "syntax error in mapping", file: "title: x\n  bad: 1\n", want: []string{"blog.yaml: line ", "mapping value is not allowed"}},
		{name: "duplicate key", file: "title: x\ntitle: y\n", want: []string{"blog.yaml: line 2: ", "title"}},
		{name: "list value", file: "title: [a, b]\n", want: []string{"line 1: title is a list, not a single value"}},
		{name: "mapping value", file: "title:\n  en: x\n", want: []string{"line 1: title is a mapping, not a single value"}},
		{name: "alias", file: "title: &t x\ndescription: *t\n", want: []string{"line 2: description is a YAML alias"}},
		{name: "not a mapping", file: "- title\n", want: []string{"line 1: the YAML is a list, not a mapping"}},
		{name: "plain text", file: "hello\n", want: []string{"line 1: the YAML is a single value, not a mapping"}},
		{name: "two documents", file: "title: x\n---\ntitle: y\n", want: []string{"line 3: a second YAML document"}},
		{name: "missing file", args: []string{"--config", "/nonexistent/blog.yaml"}, want: []string{"config file (from --config): open /nonexistent/blog.yaml: "}},
		{name: "missing file from env", env: env{"BLOG_CONFIG": "/nonexistent/blog.yaml"}, want: []string{"config file (from BLOG_CONFIG): open /nonexistent/blog.yaml: "}},
		{name: "address without port", args: []string{"--addr", "localhost"}, want: []string{"setting addr (from --addr): \"localhost\" is not host:port"}},
		{name: "address with bad port", env: env{"BLOG_ADDR": ":ssh"}, want: []string{"setting addr (from BLOG_ADDR): \":ssh\" has no port number"}},
		{name: "address with large port", file: "addr: \":65536\"\n", want: []string{"setting addr (from file ", "blog.yaml, line 1): \":65536\" has no port number"}},
		{name: "negative limit in file", file: "title: x\nmax-sessions: -1\n", want: []string{"setting max-sessions (from file ", "blog.yaml, line 2): \"-1\" is negative"}},
		{name: "negative limit in env", env: env{"BLOG_MAX_SESSIONS_PER_IP": "-2"}, want: []string{"setting max-sessions-per-ip (from BLOG_MAX_SESSIONS_PER_IP): \"-2\" is negative"}},
		{name: "negative limit in flag", args: []string{"--connects-per-ip=-3"}, want: []string{"setting connects-per-ip (from --connects-per-ip): \"-3\" is negative"}},
		{name: "fractional limit", file: "max-sessions: 1.5\n", want: []string{"setting max-sessions (from file ", "\"1.5\" is not a whole number"}},
		{name: "hexadecimal limit", file: "max-sessions: 0x10\n", want: []string{"\"0x10\" is not a whole number"}},
		{name: "limit too large", args: []string{"--max-sessions", "99999999999999999999"}, want: []string{"is not a whole number"}},
		{name: "negative size", args: []string{"--max-import", "-1MiB"}, want: []string{"setting max-import (from --max-import): \"-1MiB\" is negative"}},
		{name: "bad size", args: []string{"--max-import", "1TB"}, want: []string{"\"1TB\" is not a size such as 64MiB"}},
		{name: "size too large", args: []string{"--max-import", "9999999999GiB"}, want: []string{"is not a size"}},
		{name: "bad duration", env: env{"BLOG_IDLE_TIMEOUT": "soon"}, want: []string{"setting idle-timeout (from BLOG_IDLE_TIMEOUT): \"soon\" is not a duration"}},
		{name: "duration without unit", file: "handshake-timeout: 30\n", want: []string{"setting handshake-timeout", "\"30\" is not a duration"}},
		{name: "negative duration", args: []string{"--handshake-timeout", "-1s"}, want: []string{"\"-1s\" is negative"}},
		{name: "unknown time zone", args: []string{"--timezone", "Mars/Olympus_Mons"}, want: []string{"setting timezone (from --timezone): \"Mars/Olympus_Mons\" is not a known time zone"}},
		{name: "unknown log level", env: env{"BLOG_LOG_LEVEL": "verbose"}, want: []string{"setting log-level (from BLOG_LOG_LEVEL): \"verbose\" is not a log level: debug, info, warn or error"}},
		{name: "numeric log level", args: []string{"--log-level", "INFO+2"}, want: []string{"is not a log level"}},
		{name: "reading width too narrow", args: []string{"--reading-width", "10"}, want: []string{`setting reading-width (from --reading-width): "10" is not 0 or a width from 20 to 500 columns`}},
		{name: "images neither on nor off", env: env{"BLOG_IMAGES": "sometimes"}, want: []string{`setting images (from BLOG_IMAGES): "sometimes"`}},
		{name: "reading width not a number", env: env{"BLOG_READING_WIDTH": "wide"}, want: []string{`setting reading-width (from BLOG_READING_WIDTH): "wide" is not a whole number`}},
		{name: "unknown log format", file: "log-format: xml\n", want: []string{"setting log-format (from file ", "\"xml\" is not text or json"}},
		{name: "not UTF-8", args: []string{"--title", "caf\xe9"}, want: []string{"setting title (from --title): \"caf\\xe9\" is not valid UTF-8"}},
		{name: "unknown flag", args: []string{"--titel", "x"}, want: []string{"flag provided but not defined: -titel"}},
		{name: "flag without value", args: []string{"--title"}, want: []string{"flag needs an argument: -title"}},
		{name: "argument", args: []string{"serve"}, want: []string{"unexpected argument \"serve\""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := tt.args
			if tt.file != "" {
				args = append([]string{"--config", writeFile(t, "blog.yaml", tt.file)}, args...)
			}
			var out bytes.Buffer
			_, err := Load(args, tt.env.get, &out)
			if err == nil {
				t.Fatalf("Load(%q, %v) succeeded", args, tt.env)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.ContainsAny(msg, "\n\r\x1b") {
				t.Errorf("error is not one plain line: %q", msg)
			}
			if errors.Is(err, ErrDone) {
				t.Errorf("error %q is ErrDone", msg)
			}
			if out.Len() > 0 {
				t.Errorf("Load wrote %q", out.String())
			}
		})
	}
}

func TestMakeFolders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := load(t, []string{
		"--data", filepath.Join(dir, "a", "data"),
		"--host-key", filepath.Join(dir, "b", "host_key"),
	}, env{"BLOG_KEYS": filepath.Join(dir, "c", "keys")})
	if err := c.MakeFolders(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a/data", "b", "c/keys"} {
		if fi, err := os.Stat(filepath.Join(dir, d)); err != nil || !fi.IsDir() {
			t.Errorf("%s: not a folder: %v", d, err)
		}
	}
	if err := c.MakeFolders(); err != nil {
		t.Errorf("second MakeFolders: %v", err)
	}
}

// TestMakeFoldersNamesTheSetting puts a file where a folder must be made.
func TestMakeFoldersNamesTheSetting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok")
	bad := filepath.Join(blocker, "sub")
	tests := []struct {
		name string
		args []string
		env  env
		want string
	}{
		{"data", []string{"--data", bad, "--keys", ok}, nil, "setting data (from --data): creating the folder: mkdir " + blocker + ": not a directory"},
		{"keys", []string{"--data", ok}, env{"BLOG_KEYS": bad}, "setting keys (from BLOG_KEYS): creating the folder: mkdir " + blocker + ": not a directory"},
		{"host-key", []string{"--data", ok, "--keys", ok, "--host-key", filepath.Join(bad, "key")}, nil, "setting host-key (from --host-key): creating the folder: mkdir " + blocker + ": not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := load(t, tt.args, tt.env).MakeFolders()
			if err == nil || err.Error() != tt.want {
				t.Errorf("MakeFolders() = %v, want %s", err, tt.want)
			}
		})
	}
}

// TestPrintConfigRoundTrip prints a configuration whose values come from
// every layer and include text that YAML would misread unquoted, feeds the
// output back with --config, and checks that the same configuration comes
// out.
func TestPrintConfigRoundTrip(t *testing.T) {
	t.Parallel()
	tricky := []string{
		"", " padded ", "true", "null", "~", "123", "0x10", "1e3", "- item", "key: value", "# not a comment",
		"'single'", `"double"`, `back\slash`, "two\nlines", "tab\there", "bell\a", "[a, b]", "{a: b}", "&anchor", "*alias",
		"!tag", "%directive", "@at", "`tick`", "|", ">", "Ünïcödé ☃ 日本語 😀", "line\u2028separator", "nul\x00byte", "del\x7f",
		"zero\u200bwidth", "\ufeffbom",
	}
	for _, title := range tricky {
		t.Run(fmt.Sprintf("%q", title), func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, "first.yaml", "description: from the file\nmax-sessions: 5\nmax-import: 1000\n")
			args := []string{"--config", path, "--title", title, "--log-level", "warn", "--print-config"}
			e := env{"BLOG_IDLE_TIMEOUT": "90m", "BLOG_TIMEZONE": "Asia/Seoul", "BLOG_HOST_KEY": "/k # key"}
			first := printConfig(t, args, e)

			// The output is YAML, every value on its own line with its source.
			var m map[string]any
			if err := yaml.Unmarshal([]byte(first), &m); err != nil {
				t.Fatalf("output is not YAML: %v\n%s", err, first)
			}
			if len(m) != len(settings()) {
				t.Errorf("output has %d keys, want %d:\n%s", len(m), len(settings()), first)
			}
			for name, source := range map[string]string{
				"title": "--title", "log-level": "--log-level", "description": "file " + path, "max-sessions": "file " + path,
				"idle-timeout": "BLOG_IDLE_TIMEOUT", "timezone": "BLOG_TIMEZONE", "host-key": "BLOG_HOST_KEY", "addr": "default",
			} {
				re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `: .*  # ` + regexp.QuoteMeta(source) + `$`)
				if !re.MatchString(first) {
					t.Errorf("no line for %s from %s:\n%s", name, source, first)
				}
			}

			again := writeFile(t, "again.yaml", first)
			want := load(t, args[:len(args)-1], e)
			got := load(t, []string{"--config", again}, nil)
			if show(got) != show(want) {
				t.Errorf("read back:\n got %s\nwant %s", show(got), show(want))
			}
			if got.Title != title {
				t.Errorf("title read back as %q, want %q", got.Title, title)
			}
			second := printConfig(t, []string{"--config", again, "--print-config"}, nil)
			if values(second) != values(first) {
				t.Errorf("printed again:\n%s\nfirst:\n%s", second, first)
			}
		})
	}
}

// printConfig runs Load with args, which ask for --print-config, and
// returns what it wrote.
func printConfig(t *testing.T, args []string, e env) string {
	t.Helper()
	var out bytes.Buffer
	if _, err := Load(args, e.get, &out); !errors.Is(err, ErrDone) {
		t.Fatalf("Load(%q) = %v, want ErrDone", args, err)
	}
	return out.String()
}

// values drops the comments from printed YAML.
func values(printed string) string {
	return regexp.MustCompile(`(?m)\s+# .*$`).ReplaceAllString(printed, "")
}

func TestPrintConfigDefaults(t *testing.T) {
	t.Parallel()
	out := printConfig(t, []string{"--print-config"}, nil)
	for _, s := range settings() {
		line := s.name + ": " + s.yaml(s.def)
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + ` +# default$`).MatchString(out) {
			t.Errorf("no line %q with # default in:\n%s", line, out)
		}
	}
	path := writeFile(t, "defaults.yaml", out)
	c := load(t, []string{"--config", path}, nil)
	if got, want := show(c), show(load(t, nil, nil)); got != want {
		t.Errorf("defaults read back:\n got %s\nwant %s", got, want)
	}
}

func TestHelpListsEverySetting(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"-h", "--help", "-help"} {
		var out bytes.Buffer
		if _, err := Load([]string{"--title", "x", flag}, env{}.get, &out); !errors.Is(err, ErrDone) {
			t.Fatalf("Load(%s) = %v, want ErrDone", flag, err)
		}
		help := out.String()
		for _, s := range settings() {
			row := regexp.MustCompile(`(?m)^  --` + regexp.QuoteMeta(s.name) + ` +` + regexp.QuoteMeta(s.env()) + ` +` +
				regexp.QuoteMeta(s.name) + `: +` + regexp.QuoteMeta(s.yaml(s.def)) + "\n +" + regexp.QuoteMeta(s.usage) + "$")
			if !row.MatchString(help) {
				t.Errorf("%s: no row for %s (flag, variable, key, default, usage)", flag, s.name)
			}
		}
		for _, w := range []string{"--config FILE", "BLOG_CONFIG", "--print-config", "--version", "-h, --help", "kebab-case"} {
			if !strings.Contains(help, w) {
				t.Errorf("%s: help does not mention %s", flag, w)
			}
		}
		if t.Failed() {
			t.Logf("help:\n%s", help)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	// --version answers even when the rest of the configuration is bad.
	if _, err := Load([]string{"--version", "--max-sessions", "-1"}, env{"BLOG_CONFIG": "/nonexistent"}.get, &out); !errors.Is(err, ErrDone) {
		t.Fatalf("Load(--version) = %v, want ErrDone", err)
	}
	// A test binary records no version and no VCS information.
	if out.String() != "sshblog (devel)\n" {
		t.Errorf("--version printed %q", out.String())
	}

	setting := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "sshblog (devel)"},
		{"go run, -buildvcs=false", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "sshblog (devel)"},
		{"a test", &debug.BuildInfo{}, "sshblog (devel)"},
		{"release", &debug.BuildInfo{
			Main:     debug.Module{Version: "v1.2.3"},
			Settings: setting("vcs.revision", "0123456789abcdef0123456789abcdef01234567", "vcs.time", "2026-01-02T03:04:05Z", "vcs.modified", "false"),
		}, "sshblog v1.2.3 (0123456789ab, 2026-01-02T03:04:05Z)"},
		{"release without VCS", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "sshblog v1.2.3"},
		{"modified", &debug.BuildInfo{
			Main:     debug.Module{Version: "v1.2.4-0.20260101000000-0123456789ab+dirty"},
			Settings: setting("vcs.modified", "true", "vcs.revision", "0123456789abcdef0123456789abcdef01234567", "vcs.time", "2026-01-01T00:00:00Z"),
		}, "sshblog v1.2.4-0.20260101000000-0123456789ab+dirty (0123456789ab-dirty, 2026-01-01T00:00:00Z)"},
		{"devel with VCS", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: setting("vcs.revision", "abc", "vcs.time", "bad")}, "sshblog (devel) (abc)"},
	}
	for _, tt := range tests {
		if got := versionLine(tt.info); got != tt.want {
			t.Errorf("%s: versionLine = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestLogger(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	load(t, []string{"--log-format", "json", "--log-level", "warn"}, nil).Logger(&out).Info("hidden")
	load(t, []string{"--log-format", "json", "--log-level", "warn"}, nil).Logger(&out).Warn("shown", "n", 1)
	var line struct {
		Level, Msg string
		N          int
	}
	if err := json.Unmarshal(out.Bytes(), &line); err != nil || line.Msg != "shown" || line.Level != "WARN" || line.N != 1 {
		t.Errorf("JSON log = %q (%v)", out.String(), err)
	}

	out.Reset()
	log := load(t, nil, env{"BLOG_LOG_LEVEL": "debug"}).Logger(&out)
	log.Debug("listening", "addr", "127.0.0.1:1")
	if got, want := out.String(), "msg=listening addr=127.0.0.1:1\n"; !strings.HasSuffix(got, want) || !strings.Contains(got, "level=DEBUG") {
		t.Errorf("text log = %q, want level=DEBUG ... %q", got, want)
	}
}

func TestSizes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		n    int64
		back string
	}{
		{"0", 0, "0"}, {"1", 1, "1"}, {"1000B", 1000, "1000"}, {"1 KiB", 1 << 10, "1KiB"}, {"1536KiB", 1536 << 10, "1536KiB"},
		{"2048KiB", 2 << 20, "2MiB"}, {"64MiB", 64 << 20, "64MiB"}, {"1GiB", 1 << 30, "1GiB"}, {"4096GiB", 4096 << 30, "4096GiB"},
	} {
		n, err := parseSize(tt.in)
		if err != nil || n != tt.n {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, n, err, tt.n)
		}
		if got := formatSize(n); got != tt.back {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, tt.back)
		}
	}
	for _, bad := range []string{"", "MiB", "1.5MiB", "1 TB", "1MB", "-1", "0x10", "4611686018427387905"} {
		if n, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", bad, n)
		}
	}
}

func TestDurations(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, back string }{
		{"0", "0s"}, {"20s", "20s"}, {"30m", "30m"}, {"90m", "1h30m"}, {"1h", "1h"}, {"1h0m5s", "1h0m5s"}, {"1500ms", "1.5s"}, {"100ms", "100ms"}, {"61m", "1h1m"},
	} {
		d, err := parseDuration(tt.in)
		if err != nil {
			t.Errorf("parseDuration(%q): %v", tt.in, err)
			continue
		}
		back := formatDuration(d)
		if back != tt.back {
			t.Errorf("formatDuration(%v) = %q, want %q", d, back, tt.back)
		}
		if again, err := parseDuration(back); err != nil || again != d {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", back, again, err, d)
		}
	}
}

// FuzzParseFile checks that no file makes the parser panic past parseFile,
// and that every error is one plain line.
func FuzzParseFile(f *testing.F) {
	for _, seed := range []string{
		"", "title: x\n", "title: \"x\n", "a: b: c\n", "- a\n", "{title: [}\n", "title: &a x\ndescription: *a\n",
		"title: !!binary aGk=\n", "? a\n: b\n", "title: |\n  x\n", "\t\x00\xff", "[[[[[[[[[[[[[[[[[[[[",
	} {
		f.Add(seed)
	}
	all := settings()
	f.Fuzz(func(t *testing.T, src string) {
		_, err := parseFile([]byte(src), all)
		if err != nil && strings.ContainsAny(err.Error(), "\n\r\x1b") {
			t.Errorf("error is not one plain line: %q", err)
		}
	})
}

func TestDialAddr(t *testing.T) {
	for addr, want := range map[string]string{
		":23234":         "127.0.0.1:23234",
		"0.0.0.0:22":     "127.0.0.1:22",
		"[::]:22":        "127.0.0.1:22",
		"127.0.0.1:2222": "127.0.0.1:2222",
		"[::1]:22":       "[::1]:22",
	} {
		if got := (Config{Addr: addr}).DialAddr(); got != want {
			t.Errorf("DialAddr of %q = %q, want %q", addr, got, want)
		}
	}
}

// TestPrintConfigAlignsWideValues: the comments of --print-config start in
// one column on screen, also after a Korean title, whose characters are
// two columns wide.
func TestPrintConfigAlignsWideValues(t *testing.T) {
	t.Parallel()
	out := printConfig(t, []string{"--title", "한국어로 쓰는 아주 긴 블로그 제목입니다", "--description", "짧은 설명", "--print-config"}, nil)
	col := -1
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n")[1:] {
		i := strings.LastIndex(line, "  # ")
		if i < 0 {
			t.Fatalf("no comment on %q", line)
		}
		w := termtext.Width(line[:i])
		if col < 0 {
			col = w
		}
		if w != col {
			t.Errorf("comment at column %d, not %d: %q", w, col, line)
		}
	}
}

// TestLangIsALanguage: lang takes a BCP 47 language tag, and refuses a
// country's code written for its language.
func TestLangIsALanguage(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"ko", "en", "pt-BR", "zh-Hant", "ko-KR", "ja"} {
		if c := load(t, []string{"--lang", ok}, nil); c.Lang != ok {
			t.Errorf("--lang %s read as %q", ok, c.Lang)
		}
	}
	for in, want := range map[string]string{
		"kr":    `setting lang (from --lang): "kr" is South Korea's country code, not a language; Korean is ko`,
		"jp":    `setting lang (from --lang): "jp" is Japan's country code, not a language; Japanese is ja`,
		"xx":    `setting lang (from --lang): "xx" is not a language tag (BCP 47) such as en or ko`,
		"en_US": `setting lang (from --lang): "en_US" is not a language tag (BCP 47) such as en or ko`,
	} {
		_, err := Load([]string{"--lang", in}, env{}.get, io.Discard)
		if err == nil || err.Error() != want {
			t.Errorf("--lang %s: %v, want %s", in, err, want)
		}
	}
}

// TestDomain checks what a domain changes: the ports and the base URL
// default to HTTPS on it, what is set stays, and a certificate of one's
// own with it is one line naming both.
func TestDomain(t *testing.T) {
	t.Parallel()
	c := load(t, []string{"--domain", "blog.example,www.blog.example"}, nil)
	if c.HTTPAddr != ":80" || c.HTTPSAddr != ":443" || c.BaseURL != "https://blog.example" {
		t.Errorf("with domain: http-addr %q, https-addr %q, base-url %q; want :80, :443, https://blog.example", c.HTTPAddr, c.HTTPSAddr, c.BaseURL)
	}
	if got := c.Source("http-addr"); got != "default with domain" {
		t.Errorf("Source(http-addr) = %q", got)
	}
	c = load(t, []string{"--domain", "blog.example", "--http-addr", "127.0.0.1:8080", "--https-addr", "127.0.0.1:8443"}, env{"BLOG_BASE_URL": "https://blog.example/x"})
	if c.HTTPAddr != "127.0.0.1:8080" || c.HTTPSAddr != "127.0.0.1:8443" || c.BaseURL != "https://blog.example/x" {
		t.Errorf("set: http-addr %q, https-addr %q, base-url %q", c.HTTPAddr, c.HTTPSAddr, c.BaseURL)
	}
	c = load(t, []string{"--domain", "blog.example", "--https-addr", ":8443"}, nil)
	if c.BaseURL != "https://blog.example:8443" {
		t.Errorf("base-url = %q, want the port of https-addr", c.BaseURL)
	}
	c = load(t, []string{"--http-addr", ""}, nil)
	if c.HTTPAddr != "" || c.HTTPSAddr != "" || c.BaseURL != "" {
		t.Errorf("without domain: %s", show(c))
	}
	for _, args := range [][]string{
		{"--domain", "blog.example", "--tls-cert", "c.pem", "--tls-key", "k.pem"},
		{"--domain", "blog.example", "--tls-cert", "c.pem"},
	} {
		_, err := Load(args, env{}.get, io.Discard)
		if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "domain") || !strings.Contains(err.Error(), "tls-cert") {
			t.Errorf("Load(%q) = %v, want one line naming domain and tls-cert", args, err)
		}
	}
	for _, bad := range []string{"*.blog.example", "127.0.0.1", "blog_example", "-a.example", "a..example", "blog.example,blog.example"} {
		_, err := Load([]string{"--domain", bad}, env{}.get, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "setting domain") {
			t.Errorf("domain %q: %v, want an error naming the setting", bad, err)
		}
	}
	for name, bad := range map[string]string{"acme-ca": "http://ca.example/dir", "acme-email": "me at blog"} {
		_, err := Load([]string{"--" + name, bad}, env{}.get, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "setting "+name) {
			t.Errorf("%s %q: %v, want an error naming the setting", name, bad, err)
		}
	}
}

func TestMemoryLimitHoldsTheCaches(t *testing.T) {
	c := Config{RenderCache: 64 << 20}
	if got := c.RenderCacheBytes(); got != 64<<20 {
		t.Errorf("without a limit the render cache is %d", got)
	}
	c.MemoryLimit = 200 << 20
	if got := c.RenderCacheBytes(); got != 25<<20 {
		t.Errorf("with a 200 MiB limit the render cache is %d, want 25 MiB", got)
	}
	c.MemoryLimit = 4 << 30
	if got := c.RenderCacheBytes(); got != 64<<20 {
		t.Errorf("a large limit grew the render cache to %d", got)
	}
}

// TestSSHURL: ssh-url is the address web pages give readers (behind a
// load balancer, its own); without it, addr's port; bad values are
// refused with one line.
func TestSSHURL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ url, addr, want string }{
		{"", ":33001", ":33001"},
		{"ssh://blog.example:22", ":33001", "blog.example:22"},
		{"ssh://blog.example", ":33001", "blog.example:22"},
		{"ssh://[2001:db8::1]:2222", ":33001", "[2001:db8::1]:2222"},
	} {
		if got := (Config{SSHURL: c.url, Addr: c.addr}).SSHAddress(); got != c.want {
			t.Errorf("SSHAddress of %q, %q = %q, want %q", c.url, c.addr, got, c.want)
		}
	}
	for _, bad := range []string{"blog.example:22", "https://blog.example", "ssh://", "ssh://me@blog.example", "ssh://blog.example/x", "ssh://blog.example:0", "ssh://blog.example:99999"} {
		if _, err := parseSSHURL(bad); err == nil || !strings.Contains(err.Error(), "ssh://blog.example:22") {
			t.Errorf("parseSSHURL(%q): %v, want a refusal", bad, err)
		}
	}
}
