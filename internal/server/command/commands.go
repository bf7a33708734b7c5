// Package command runs the blog's plain commands, `ssh HOST COMMAND ARGS...`
// for pipes and scripts: ls, cat, read, publish, review, import, stats and
// the rest. Each one parses its command line, asks the blog, which holds
// every rule, and prints the answer; a failure is one line on stderr and
// exit status 1.
package command

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sshblog/sshblog/internal/blog"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/server/transfer"
	"github.com/sshblog/sshblog/internal/termimage"
	"github.com/sshblog/sshblog/internal/termtext"
	"github.com/sshblog/sshblog/internal/tui"
)

// Runner runs the commands of one blog. Its fields are set once, before
// the first Run.
type Runner struct {
	Blog        *blog.Service     // what the commands ask; it holds the rules
	Renderer    *render.Renderer  // what read renders posts with
	Uploads     *transfer.Buffers // what publish reads its input into
	Title       string            // the blog's title, for help
	Description string            // the blog's one-line description, for help
	// ReadingWidth caps read's width at a terminal without --width
	// (the reading-width setting); 0: the terminal's width.
	ReadingWidth int
	// Files gives read the images posts refer to, to draw them at a
	// terminal; nil: read prints the lines that name them only.
	Files tui.Files
	// Pictures draws and caches pictures; nil with Files: read makes one.
	Pictures *termimage.Renderer
	// NoImages turns pictures off (the images setting, off).
	NoImages bool
}

// Session is one client's command line and its streams, as the SSH server
// hands them over.
type Session struct {
	ID blog.Identity // who runs the command
	// Command is the command line split into words, its name first; empty
	// when the client gave none.
	Command []string
	Stdin   io.Reader // what publish and import read
	Stdout  io.Writer // the answer
	Stderr  io.Writer // errors, warnings and progress, one line each
	// Terminal is set when the client asked for one; Width and Height
	// are then its size in cells, 0 when it did not say, and Truecolor
	// whether its environment says it shows 24-bit colour.
	Terminal  bool
	Width     int
	Height    int
	Truecolor bool
	// Alive asks the client a question it must answer, and fails once the
	// connection is gone: stdin also ends when a connection drops, so an
	// upload is trusted only after the client answered.
	Alive func() error
}

// A command is one thing `ssh host NAME ARGS...` can do.
type command struct {
	name    string
	args    string // the arguments, for help
	summary string
	author  bool // only authors may run it
	run     func(c *call) error
}

// call is one run of a command: the blog's, for a session.
type call struct {
	*Runner
	*Session
	ctx  context.Context
	name string   // the command's name
	args []string // its arguments
}

// usageError is a mistake in how a command was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// commands lists every command, in the order help shows them.
func commands() []command {
	return []command{
		{"ls", "[--tag TAG]", "list the posts, newest first: DATE<TAB>SLUG<TAB>TITLE", false, cmdList},
		{"search", "WORDS [--limit N]", "find posts, best first: DATE<TAB>SLUG<TAB>TITLE<TAB>SNIPPET", false, cmdSearch},
		{"tags", "", "list the tags: TAG<TAB>POSTS", false, cmdTags},
		{"cat", "SLUG[@REV]", "print a post's markdown as stored (or revision REV)", false, cmdCat},
		{"read", "SLUG [--width N] [--body]", "print a post rendered for the terminal, after its header (--body: without); with ssh -t, its pictures too", false, cmdRead},
		{"history", "SLUG|/PATH", "list a post's (or a file's) revisions: REV<TAB>TIME<TAB>AUTHOR<TAB>WHAT", false, cmdHistory},
		{"files", "[PREFIX]", "list the blog's files (images, attachments): PATH<TAB>SIZE<TAB>TYPE<TAB>POSTS", false, cmdFiles},
		{"diff", "SLUG [N [M]]", "show what changed between two revisions", false, cmdDiff},
		{"whoami", "", "say whether you are an author or a reader", false, cmdWhoami},
		{"help", "", "list the commands", false, cmdHelp},
		{"edit", "SLUG", "edit a post in the terminal: ssh -t HOST edit SLUG (authors)", true, cmdNeedsTerminal},
		{"new", "", "write a new post in the terminal: ssh -t HOST new (authors)", true, cmdNeedsTerminal},
		{"publish", "[SLUG] [--if-rev N] < post.md", "publish a post, or a new revision of it (authors)", true, cmdPublish},
		{"mv", "OLD NEW", "rename a post, the old name keeps working; or a file, /OLD /NEW (authors)", true, cmdMove},
		{"rm", "SLUG|/PATH", "remove a post or a file; revert restores it (authors)", true, cmdRemove},
		{"revert", "SLUG|/PATH REV", "make revision REV of a post or a file current again (authors)", true, cmdRevert},
		{"review", "[SLUG [N]]", "list the proposals waiting for a review: SLUG<TAB>REV<TAB>AUTHOR<TAB>AGE; or show one against the post (authors)", true, cmdReview},
		{"approve", "SLUG [N]", "publish a proposal someone else made (authors)", true, cmdApprove},
		{"reject", "SLUG [N] [--why TEXT]", "close a proposal without publishing it (authors)", true, cmdReject},
		{"comment", "SLUG TEXT...", "leave a note on a post's open proposal for its author (authors)", true, cmdComment},
		{"import", "< blog.tar[.gz]", "import an Astro, Hugo or Jekyll project (with its pictures), a content folder, or an export (authors)", true, cmdImport},
		{"export", "> blog.tar", "every post and every revision, and the files, as a tar archive (authors)", true, cmdExport},
		{"stats", "[SLUG] [--all]", "who reads what: reads and readers per post, most read first, or one post by day (authors)", true, cmdStats},
		{"backup", "> blog.db", "a consistent copy of the database file (authors)", false, cmdBackup},
	}
}

// Run runs the session's command, or the list and a hint when there is
// none, and returns its exit status: 0, or 1 after an error, which it
// prints as one line on stderr.
func (r *Runner) Run(ctx context.Context, s *Session) (status int) {
	line := s.Command
	if len(line) == 0 {
		line = []string{"ls"}
		fmt.Fprintln(s.Stderr, "sshblog: no terminal: here is the list; use `ssh -t` to browse, or `help` for commands")
	}
	c := &call{Runner: r, Session: s, ctx: ctx, name: line[0], args: line[1:]}
	cmd, err := lookup(c.name)
	switch {
	case err != nil:
		c.name = "" // the error names it
	case wantsHelp(c.args):
		err = c.print(usage(cmd))
	case cmd.author && !s.ID.IsAuthor():
		err = blog.ErrNotAuthor
	default:
		err = cmd.run(c)
	}
	if err != nil {
		c.warn(err)
		return 1
	}
	return 0
}

// lookup returns the command called name, or a usage error naming it.
func lookup(name string) (*command, error) {
	for _, c := range commands() {
		if c.name == name {
			return &c, nil
		}
	}
	return nil, usageError{fmt.Sprintf("unknown command %q; try `help`", termtext.SanitizeLine(name))}
}

// errorLine formats err as the one line a command prints on failure.
func errorLine(cmd string, err error) string {
	msg := termtext.SanitizeLine(err.Error())
	if cmd == "" {
		return "sshblog: " + msg
	}
	return "sshblog: " + termtext.SanitizeLine(cmd) + ": " + msg
}

// warn prints err on stderr as one line, naming the command.
func (c *call) warn(err error) {
	fmt.Fprintln(c.Stderr, errorLine(c.name, err))
}

// print writes out on stdout.
func (c *call) print(out string) error {
	_, err := io.WriteString(c.Stdout, out)
	return err
}

// printf formats a line (or more) on stdout.
func (c *call) printf(format string, a ...any) error {
	_, err := fmt.Fprintf(c.Stdout, format, a...)
	return err
}

// flagSet is an empty set of the command's flags.
func (c *call) flagSet() *flag.FlagSet {
	return flag.NewFlagSet(c.name, flag.ContinueOnError)
}

// flags parses a command's flags, which may come before or after its
// other arguments (-x and --x alike, a value after = or as the next
// word; -- ends them), and returns the other arguments. It never prints:
// a mistake is a usage error in the blog's words, naming the flag.
func (c *call) flags(fs *flag.FlagSet) ([]string, error) {
	var rest []string
	args := c.args
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			return append(rest, args[i+1:]...), nil
		}
		if len(arg) < 2 || arg[0] != '-' {
			rest = append(rest, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(arg[1:], "-"), "=")
		f := fs.Lookup(name)
		if f == nil || name == "" {
			return nil, usageError{fmt.Sprintf("unknown flag %s; try `%s --help`", termtext.SanitizeLine(arg), c.name)}
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 == len(args) {
				return nil, usageError{fmt.Sprintf("--%s needs a value", name)}
			}
			i++
			value = args[i]
		}
		if err := fs.Set(name, value); err != nil {
			return nil, usageError{fmt.Sprintf("--%s: %s", name, badValue(f, value, err))}
		}
	}
	return rest, nil
}

// badValue says why value does not fit the flag f, which refused it with
// err: the flag package's own words ("parse error") mean nothing to a
// reader.
func badValue(f *flag.Flag, value string, err error) string {
	v := termtext.SanitizeLine(value)
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case int, int64, uint, uint64:
			return fmt.Sprintf("%q is not a number", v)
		case bool:
			return fmt.Sprintf("%q is not true or false", v)
		}
	}
	return termtext.SanitizeLine(err.Error())
}

// wantsHelp reports whether a command line asks for the command's usage:
// -h or --help among its flags.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// usage is a command's usage, as --help prints it: one line of synopsis,
// then its flags, one a line.
func usage(cmd *command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: ssh HOST %s\n", strings.TrimSpace(cmd.name+" "+cmd.args))
	docs := flagDocs(cmd.name)
	wide := 0
	for _, d := range docs {
		wide = max(wide, len(d.flag))
	}
	for _, d := range docs {
		fmt.Fprintf(&b, "  %-*s  %s\n", wide, d.flag, d.doc)
	}
	return b.String()
}

// flagDoc is one flag of a command, for its usage.
type flagDoc struct{ flag, doc string }

// flagDocs returns the flags of the command called name, for its usage.
func flagDocs(name string) []flagDoc {
	ifRev := flagDoc{"--if-rev N", "refuse if the post is no longer at revision N"}
	switch name {
	case "ls":
		return []flagDoc{{"--tag TAG", "only the posts tagged TAG"}}
	case "search":
		return []flagDoc{{"--limit N", "at most N posts, 1 to 1000 (default 20)"}}
	case "read":
		return []flagDoc{
			{"--width N", "no line wider than N columns, 20 to 500 (default 80; with ssh -t, the window's, up to the blog's reading width)"},
			{"--body", "leave the header out"},
		}
	case "publish", "rm":
		return []flagDoc{ifRev}
	case "reject":
		return []flagDoc{{"--why TEXT", "the reason, for the proposal's author"}}
	case "stats":
		return []flagDoc{{"--all", "the posts never read too"}}
	}
	return nil
}

// slugAndFlags parses a command's flags, and checks that its other
// arguments are exactly one slug.
func (c *call) slugAndFlags(fs *flag.FlagSet) (string, error) {
	args, err := c.flags(fs)
	if err != nil {
		return "", err
	}
	return oneSlug(args)
}

// noArgs checks that a command was given no arguments; hint, if any, says
// what to do instead.
func noArgs(args []string, hint string) error {
	if len(args) != 0 {
		return usageError{"takes no arguments" + hint}
	}
	return nil
}

// oneSlug checks that args is exactly one slug.
func oneSlug(args []string) (string, error) {
	if len(args) != 1 {
		return "", usageError{"expected one SLUG"}
	}
	return args[0], nil
}

// number reads arg as a revision or proposal number (what is which), least
// or more.
func number(arg, what string, least uint64) (uint64, error) {
	n, err := strconv.ParseUint(arg, 10, 64)
	if err != nil || n < least {
		return 0, usageError{fmt.Sprintf("%q is not a %s number", termtext.SanitizeLine(arg), what)}
	}
	return n, nil
}

// cmdNeedsTerminal answers edit and new when they reach the command runner:
// without a terminal, or editing a post that does not exist.
func cmdNeedsTerminal(c *call) error {
	if len(c.args) > 0 {
		if _, err := c.Blog.Entry(c.ID, c.args[0]); err != nil {
			return err
		}
	}
	if !c.Terminal {
		return usageError{"needs a terminal: ssh -t HOST " + termtext.SanitizeLine(strings.Join(c.Command, " "))}
	}
	return usageError{"usage: edit SLUG, or new"}
}
