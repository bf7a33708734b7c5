package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// argsVar, when set, makes the test binary run main with the arguments it
// holds, as JSON, instead of the tests: the tests run sshd as a process
// without building it.
const argsVar = "SSHD_TEST_MAIN_ARGS"

func TestMain(m *testing.M) {
	if v, ok := os.LookupEnv(argsVar); ok {
		var args []string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			panic(err)
		}
		os.Args = append([]string{"sshd"}, args...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// sshd runs main in a new process with args and the environment env (and
// nothing else), in dir, and returns its exit code and output.
func sshd(t *testing.T, dir string, env []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	encoded, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Dir = dir
	cmd.Env = append([]string{argsVar + "=" + string(encoded), "PATH=" + os.Getenv("PATH")}, env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String(), errOut.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errOut.String()
}

// TestExits checks what sshd prints, and its exit code, for the flags that
// answer and exit, and for bad settings: these stop it before it opens
// anything.
func TestExits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.yaml", "title: From the file\nmax-sessions: 5\n")
	unknown := write("unknown.yaml", "title: x\nmax_sessions: 5\n")
	broken := write("broken.yaml", "title: \"x\nmax-sessions: 5\n")
	write("file", "")

	tests := []struct {
		name   string
		env    []string
		args   []string
		code   int
		stdout string // a regular expression; "" for nothing
		stderr string // a regular expression for the one line; "" for nothing
	}{
		{name: "version", args: []string{"--version"}, stdout: `^sshblog \S+( \([^)]+\))?\n$`},
		{name: "help", args: []string{"--help"}, stdout: `(?s)^Usage: sshblog .*--max-sessions-per-ip +BLOG_MAX_SESSIONS_PER_IP +max-sessions-per-ip: +20\n`},
		{
			name: "print-config", env: []string{"BLOG_CONFIG=" + good, "BLOG_MAX_SESSIONS=6"}, args: []string{"--print-config", "--log-level=debug"},
			stdout: `(?s)\ntitle: "From the file" +# file ` + regexp.QuoteMeta(good) + `\n.*\nmax-sessions: 6 +# BLOG_MAX_SESSIONS\n.*\nlog-level: debug +# --log-level\n\z`,
		},
		{name: "negative limit", args: []string{"--max-sessions=-1"}, code: 1, stderr: `^sshblog: setting max-sessions \(from --max-sessions\): "-1" is negative`},
		{name: "unknown key", args: []string{"--config", unknown}, code: 1, stderr: `^sshblog: config file ` + regexp.QuoteMeta(unknown) + `: line 2: unknown setting "max_sessions"`},
		{name: "syntax error", env: []string{"BLOG_CONFIG=" + broken}, code: 1, stderr: `^sshblog: config file ` + regexp.QuoteMeta(broken) + `: line 1: `},
		{name: "bad address", env: []string{"BLOG_ADDR=nowhere"}, code: 1, stderr: `^sshblog: setting addr \(from BLOG_ADDR\): "nowhere" is not host:port`},
		{name: "unknown time zone", args: []string{"--timezone", "Nowhere/Town"}, code: 1, stderr: `^sshblog: setting timezone \(from --timezone\): "Nowhere/Town" is not a known time zone`},
		{name: "unknown log level", args: []string{"--log-level", "loud"}, code: 1, stderr: `^sshblog: setting log-level \(from --log-level\): "loud" is not a log level`},
		{name: "unknown log format", env: []string{"BLOG_LOG_FORMAT=xml"}, code: 1, stderr: `^sshblog: setting log-format \(from BLOG_LOG_FORMAT\): "xml" is not text or json`},
		{
			name: "keys folder", args: []string{"--data", filepath.Join(dir, "data"), "--keys", filepath.Join(dir, "file", "keys")}, code: 1,
			stderr: `^sshblog: setting keys \(from --keys\): creating the folder: mkdir ` + regexp.QuoteMeta(filepath.Join(dir, "file")) + `: not a directory`,
		},
		{name: "unknown flag", args: []string{"--verbose"}, code: 1, stderr: `^sshblog: flag provided but not defined: -verbose`},
		{name: "domain with tls-cert", args: []string{"--domain", "blog.example", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, code: 1, stderr: `^sshblog: settings domain \(from --domain\) and tls-cert/tls-key do not go together`},
		{name: "wildcard domain", env: []string{"BLOG_DOMAIN=*.blog.example"}, code: 1, stderr: `^sshblog: setting domain \(from BLOG_DOMAIN\): "\*.blog.example" is a wildcard`},
		{name: "restore without --to", args: []string{"restore", filepath.Join(dir, "good.yaml")}, code: 1, stderr: `^sshblog: usage: sshblog restore FILE --to bolt:PATH\|etcd://`},
		{name: "restore with FILE last", args: []string{"restore", "--to", "bolt:" + filepath.Join(dir, "r.db"), filepath.Join(dir, "good.yaml")}, code: 1, stderr: `^sshblog: usage: sshblog restore FILE --to`},
		{name: "restore of nothing", args: []string{"restore", filepath.Join(dir, "none.jsonl"), "--to", "bolt:" + filepath.Join(dir, "r.db")}, code: 1, stderr: `^sshblog: no backup at .*none.jsonl; nothing was written`},
		{name: "restore of a file that is no backup", args: []string{"restore", good, "--to", "bolt:" + filepath.Join(dir, "r2.db")}, code: 1, stderr: `^sshblog: opening the backup .*good.yaml: `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := sshd(t, dir, tt.env, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			check := func(name, got, pattern string) {
				switch {
				case pattern == "" && got != "":
					t.Errorf("%s: %q, want nothing", name, got)
				case pattern != "" && !regexp.MustCompile(pattern).MatchString(got):
					t.Errorf("%s: %q, want a match for %s", name, got, pattern)
				}
			}
			check("stdout", stdout, tt.stdout)
			check("stderr", stderr, tt.stderr)
			if tt.stderr != "" && strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
		})
	}
}
