package server

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"charm.land/ssh"

	"github.com/sshblog/sshblog/internal/blog"
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
	id     blog.Identity
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
		{"ls", "[--tag TAG]", "list the posts, newest first: DATE<TAB>SLUG<TAB>TITLE", false, cmdList},
		{"search", "WORDS [--limit N]", "find posts, best first: DATE<TAB>SLUG<TAB>TITLE<TAB>SNIPPET", false, cmdSearch},
		{"tags", "", "list the tags: TAG<TAB>POSTS", false, cmdTags},
		{"cat", "SLUG[@REV]", "print a post's markdown as stored (or revision REV)", false, cmdCat},
		{"read", "SLUG [--width N] [--body]", "print a post rendered for the terminal, after its header (--body: without)", false, cmdRead},
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
		{"review", "[SLUG [N]]", "list the proposals waiting for a review: SLUG<TAB>REV<TAB>AUTHOR<TAB>AGE; or show one against the post (authors)", true, cmdReview},
		{"approve", "SLUG [N]", "publish a proposal someone else made (authors)", true, cmdApprove},
		{"reject", "SLUG [N] [--why TEXT]", "close a proposal without publishing it (authors)", true, cmdReject},
		{"comment", "SLUG TEXT...", "leave a note on a post's open proposal for its author (authors)", true, cmdComment},
		{"import", "< blog.tar[.gz]", "import an Astro, Hugo or Jekyll content folder, or an export (authors)", true, cmdImport},
		{"export", "> blog.tar", "every post and every revision, as a tar archive (authors)", true, cmdExport},
		{"stats", "[SLUG]", "who reads what: reads and readers per post, or one post by day (authors)", true, cmdStats},
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
		err = blog.ErrNotAuthor
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

// cmdNeedsTerminal answers edit and new when they reach the command runner:
// without a terminal, or editing a post that does not exist.
func cmdNeedsTerminal(c *call) error {
	if len(c.args) > 0 {
		if _, err := c.s.blog.Entry(c.id, c.args[0]); err != nil {
			return err
		}
	}
	if _, _, isPty := c.sess.Pty(); !isPty {
		return usageError{"needs a terminal: ssh -t HOST " + termtext.SanitizeLine(strings.Join(c.sess.Command(), " "))}
	}
	return usageError{"usage: edit SLUG, or new"}
}
