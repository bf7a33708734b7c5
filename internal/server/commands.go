package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"charm.land/ssh"

	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/render"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
)

// A command is one thing `ssh host NAME ARGS...` can do.
type command struct {
	name    string
	args    string // the arguments, for help
	summary string
	author  bool // only authors may run it
	run     func(c *call) error
}

// call is one run of a command in a session.
type call struct {
	s      *Server
	sess   ssh.Session
	ctx    context.Context
	id     Identity
	args   []string
	stdout io.Writer
}

// newCall prepares a call in sess with the command's arguments.
func (s *Server) newCall(sess ssh.Session, args []string) *call {
	return &call{s: s, sess: sess, ctx: sess.Context(), id: IdentityFrom(sess.Context()), args: args, stdout: sess}
}

// usageError is a mistake in how a command was called.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// commands lists every command, in the order help shows them.
func (s *Server) commands() []command {
	return []command{
		{"ls", "", "list the posts, newest first: DATE<TAB>SLUG<TAB>TITLE", false, cmdList},
		{"cat", "SLUG[@REV]", "print a post's markdown as stored (or revision REV)", false, cmdCat},
		{"read", "SLUG [--width N]", "print a post rendered for the terminal", false, cmdRead},
		{"history", "SLUG", "list a post's revisions: REV<TAB>TIME<TAB>AUTHOR<TAB>WHAT", false, cmdHistory},
		{"diff", "SLUG [N [M]]", "show what changed between two revisions", false, cmdDiff},
		{"whoami", "", "say whether you are an author or a reader", false, cmdWhoami},
		{"help", "", "list the commands", false, cmdHelp},
		{"edit", "SLUG", "edit a post in the terminal: ssh -t HOST edit SLUG (authors)", true, cmdNeedsTerminal},
		{"new", "", "write a new post in the terminal: ssh -t HOST new (authors)", true, cmdNeedsTerminal},
		{"publish", "[SLUG] [--if-rev N] < post.md", "publish a post, or a new revision of it (authors)", true, cmdPublish},
		{"mv", "OLD NEW", "rename a post; the old name keeps working (authors)", true, cmdMove},
		{"rm", "SLUG", "remove a post; revert restores it (authors)", true, cmdRemove},
		{"revert", "SLUG REV", "make revision REV current again (authors)", true, cmdRevert},
		{"import", "< blog.tar[.gz]", "import an Astro, Hugo or Jekyll content folder, or an export (authors)", true, cmdImport},
		{"export", "> blog.tar", "every post and every revision, as a tar archive (authors)", true, cmdExport},
		{"backup", "> blog.db", "a consistent copy of the database file (authors)", false, cmdBackup},
	}
}

// runCommand runs the session's command, or the list and a hint when there
// is none. Errors end as one line on stderr and exit status 1.
func (s *Server) runCommand(sess ssh.Session) {
	args := sess.Command()
	if len(args) == 0 {
		args = []string{"ls"}
		fmt.Fprintln(sess.Stderr(), "sshblog: no terminal: here is the list; use `ssh -t` to browse, or `help` for commands")
	}
	c := s.newCall(sess, args[1:])
	cmd, err := s.lookup(args[0])
	switch {
	case err != nil:
	case cmd.author && !c.id.IsAuthor():
		err = errNotAuthor
	default:
		err = cmd.run(c)
	}
	if err != nil {
		name := args[0]
		if cmd == nil {
			name = ""
		}
		fmt.Fprintln(sess.Stderr(), errorLine(name, err))
		_ = sess.Exit(1)
		return
	}
	_ = sess.Exit(0)
}

// lookup returns the command called name, or a usage error naming it.
func (s *Server) lookup(name string) (*command, error) {
	for _, c := range s.commands() {
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

// flags parses a command's flags, which may come before or after its
// other arguments, and returns the other arguments. It never prints.
func (c *call) flags(fs *flag.FlagSet) ([]string, error) {
	fs.SetOutput(io.Discard)
	var rest []string
	args := c.args
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest, args = append(rest, args[0]), args[1:]
	}
}

// oneSlug checks that args is exactly one slug.
func oneSlug(args []string) (string, error) {
	if len(args) != 1 {
		return "", usageError{"expected one SLUG"}
	}
	return args[0], nil
}

func cmdList(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments"}
	}
	entries, err := c.reader().List(c.ctx)
	if err != nil {
		return fmt.Errorf("listing posts: %w", err)
	}
	now := c.s.store.Now()
	var b strings.Builder
	for _, e := range entries {
		if e.Page {
			continue // pages are not dated posts
		}
		date := e.Date
		if date.IsZero() {
			date = e.Updated
		}
		b.WriteString(date.In(c.s.cfg.Location).Format("2006-01-02"))
		b.WriteByte('\t')
		b.WriteString(termtext.SanitizeLine(e.Slug))
		b.WriteByte('\t')
		switch {
		case e.Draft:
			b.WriteString("(draft) ")
		case e.IsScheduled(now):
			b.WriteString("(scheduled) ")
		}
		b.WriteString(termtext.SanitizeLine(e.Title))
		b.WriteByte('\n')
	}
	_, err = io.WriteString(c.stdout, b.String())
	return err
}

func cmdCat(c *call) error {
	arg, err := oneSlug(c.args)
	if err != nil {
		return err
	}
	slug, at, hasRev := strings.Cut(arg, "@")
	if !hasRev {
		rev, err := c.reader().Get(c.ctx, slug)
		if err != nil {
			return lookupError(slug, err)
		}
		_, err = c.stdout.Write(rev.Source)
		return err
	}
	n, err := strconv.ParseUint(at, 10, 64)
	if err != nil {
		return usageError{fmt.Sprintf("%q is not a revision number", termtext.SanitizeLine(at))}
	}
	e, err := c.entry(slug)
	if err != nil {
		return err
	}
	src, err := c.revisionSource(e, n)
	if err != nil {
		return err
	}
	_, err = io.WriteString(c.stdout, src)
	return err
}

// notFound is the error for a post that does not exist or may not be seen.
type notFound struct{ slug string }

func (e notFound) Error() string { return fmt.Sprintf("no post %q", termtext.SanitizeLine(e.slug)) }
func (e notFound) Unwrap() error { return store.ErrNotFound }

// lookupError words a failed lookup of slug for the person who asked.
func lookupError(slug string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound{slug}
	}
	return fmt.Errorf("%q: %w", termtext.SanitizeLine(slug), err)
}

// Bounds of read --width.
const (
	minWidth     = 20
	maxWidth     = 500
	defaultWidth = 80
)

func cmdRead(c *call) error {
	fs := flag.NewFlagSet("read", flag.ContinueOnError)
	width := fs.Int("width", 0, "")
	args, err := c.flags(fs)
	if err != nil {
		return err
	}
	slug, err := oneSlug(args)
	if err != nil {
		return err
	}
	pty, _, isPty := c.sess.Pty()
	w := *width
	switch {
	case w == 0 && isPty && pty.Window.Width > 0:
		w = pty.Window.Width
	case w == 0:
		w = defaultWidth
	case w < minWidth || w > maxWidth:
		return usageError{"--width must be between " + strconv.Itoa(minWidth) + " and " + strconv.Itoa(maxWidth)}
	}
	style := render.Plain
	if isPty {
		style = render.Dark
	}
	rev, err := c.reader().Get(c.ctx, slug)
	if err != nil {
		return lookupError(slug, err)
	}
	p, err := post.Parse(rev.Source, post.Options{Slug: rev.Slug, Location: c.s.cfg.Location})
	if err != nil {
		return fmt.Errorf("reading %q: %w", rev.Slug, err)
	}
	out, err := c.s.renderer.Render(render.Key{ID: fmt.Sprintf("%s@%d", rev.Slug, rev.Rev), Width: w, Style: style}, p.Body)
	if err != nil {
		return fmt.Errorf("rendering %q: %w", rev.Slug, err)
	}
	_, err = io.WriteString(c.stdout, out)
	return err
}

func cmdWhoami(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments"}
	}
	_, err := fmt.Fprintln(c.stdout, c.id.String())
	return err
}

func cmdHelp(c *call) error {
	var b strings.Builder
	b.WriteString(termtext.SanitizeLine(c.s.cfg.Title))
	if d := termtext.SanitizeLine(c.s.cfg.Description); d != "" {
		b.WriteString(": " + d)
	}
	b.WriteString("\n\nCommands (ssh HOST COMMAND):\n")
	for _, cmd := range c.s.commands() {
		fmt.Fprintf(&b, "  %-28s %s\n", strings.TrimSpace(cmd.name+" "+cmd.args), cmd.summary)
	}
	b.WriteString("With no command and a terminal (ssh -t HOST), browse the blog.\n")
	_, err := io.WriteString(c.stdout, b.String())
	return err
}

func cmdBackup(c *call) error {
	if len(c.args) != 0 {
		return usageError{"takes no arguments; redirect stdout to a file: ssh HOST backup > blog.db"}
	}
	if !c.id.IsAuthor() && !c.id.Operator {
		return errNotAuthor
	}
	n, err := c.s.store.WriteTo(c.stdout)
	if err != nil {
		return err
	}
	c.s.log.Info("backup", "bytes", n, "who", c.id.String())
	return nil
}

// cmdNeedsTerminal answers edit and new when they reach the command runner:
// without a terminal, or editing a post that does not exist.
func cmdNeedsTerminal(c *call) error {
	if len(c.args) > 0 {
		if _, ok := c.s.store.Entry(c.args[0]); !ok {
			return notFound{c.args[0]}
		}
	}
	if _, _, isPty := c.sess.Pty(); !isPty {
		return usageError{"needs a terminal: ssh -t HOST " + termtext.SanitizeLine(strings.Join(c.sess.Command(), " "))}
	}
	return usageError{"usage: edit SLUG, or new"}
}
