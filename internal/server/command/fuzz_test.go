package command

import (
	"flag"
	"strings"
	"testing"
)

func FuzzFlags(f *testing.F) {
	f.Add("read\x00slug\x00--width\x0040")
	f.Add("publish\x00--if-rev\x00x")
	f.Add("--width=\x00-\x00--")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		c := &call{args: args}
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		width := fs.Int("width", 0, "")
		ifRev := ifRevFlag(fs)
		rest, err := c.flags(fs)
		if err != nil {
			return
		}
		if len(rest) > len(args) {
			t.Errorf("flags(%q) returned more arguments than it was given: %q", args, rest)
		}
		_, _ = width, ifRev()
	})
}
