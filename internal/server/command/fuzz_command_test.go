package command

import (
	"flag"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/anmitsu/go-shlex"
)

// FuzzCommandLine feeds what a client sends as `ssh HOST CMD` through what
// the commands do with it: charm.land/ssh splits it as a POSIX shell would
// (shlex, as Session.Command does), a command's flags are parsed, and an
// unknown command is named in a one-line error. None of it may panic, and
// the error must be one safe line whatever the client sent.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{
		"ls", "cat march-2024-retrospective", "read '회고 글' --width 40", `publish "a b" --if-rev=3`,
		"scp -t .", "scp -f -r posts", "scp -O -t -d /", "scp -v -t 'a b.md'", "\x1b]52;c;aGk=\x07",
		"'unterminated", `"\`, "help\nrm x", "edit\x00x", "--width=-1 read", strings.Repeat("a ", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		args, err := shlex.Split(raw, true)
		if err != nil || len(args) == 0 {
			return // charm.land/ssh runs no command then: the session gets the TUI or `ls`
		}
		if _, err := lookup(args[0]); err != nil {
			if line := errorLine("", err); strings.ContainsAny(line, "\x1b\n\r") || !utf8.ValidString(line) {
				t.Errorf("the error for %q is not one safe line: %q", raw, line)
			}
		}

		c := &call{args: args[1:]}
		fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
		fs.Int("width", 0, "")
		fs.Bool("plain", false, "")
		ifRev := ifRevFlag(fs)
		if rest, err := c.flags(fs); err == nil {
			if len(rest) > len(args)-1 {
				t.Errorf("flags of %q returned more arguments than it was given: %q", raw, rest)
			}
			_ = ifRev()
			for _, a := range rest {
				_, _ = oneSlug([]string{a})
			}
		} else if l := errorLine(args[0], err); strings.ContainsAny(l, "\x1b\n\r") {
			t.Errorf("the flag error for %q is not one safe line: %q", raw, l)
		}
	})
}
