package e2e

import (
	"strings"
	"testing"
)

// hostile are terminal attacks a post might carry.
var hostile = map[string]string{
	"OSC 52 clipboard": "\x1b]52;c;aGVsbG8=\x07",
	"clear screen":     "\x1b[2J",
	"cursor move":      "\x1b[10;10H",
	"SGR":              "\x1b[31m",
	"C1 CSI":           "\u009b2J",
	"RTL override":     "\u202e",
	"isolate":          "\u2066",
}

func TestEscapesNeverReachReaders(t *testing.T) {
	b := newBlog(t)
	ash, reader := newClient(t, "ash"), newClient(t, "reader")
	b.addAuthor("ash", ash)
	b.start()
	before := reader.must(b, "", "ls")

	// Raw escapes are refused in the front matter's fields, and
	// bidirectional controls in the text too; other control characters
	// in the text are kept (TestControlCharactersAreKeptAndShown).
	for name, seq := range hostile {
		docs := map[string]string{
			"title": "---\ntitle: \"x" + seq + "y\"\n---\nbody\n",
			"tags":  "---\ntitle: ok\ntags: [a" + seq + "]\n---\nbody\n",
		}
		if strings.ContainsAny(seq, "\u202e\u2066") {
			docs["body"] = "---\ntitle: ok\n---\nbody " + seq + "\n"
		}
		for where, doc := range docs {
			r := ash.run(b, doc, "publish", "attack")
			want := "front matter"
			if docs["body"] != "" { // a bidi control is refused wherever it is
				want = "control character"
			}
			wantFail(t, name+" in "+where, r, want)
			if strings.ContainsAny(r.stderr, "\x1b\u009b\u202e\u2066") {
				t.Errorf("%s in %s: the error echoes the escape: %q", name, where, r.stderr)
			}
		}
	}
	// YAML escapes that decode to control characters are refused too.
	wantFail(t, "YAML \\e in a title", ash.run(b, "---\ntitle: \"\\e[2J\"\n---\nbody\n", "publish", "attack"), "control character")
	if after := reader.must(b, "", "ls"); after != before {
		t.Fatalf("a hostile post got in:\n%s", after)
	}

	// HTML entities are text in the source, but markdown decodes them: the
	// renderer must not let them become escapes.
	entity := "---\ntitle: \"&#x1b;[2J entity\"\ntags: [\"&#27;]52\"]\n---\n\nclip &#x1b;]52;c;aGk=&#x07; clear &#27;[2J &#x202e;rtl\n"
	ash.must(b, entity, "publish", "entity")
	ash.must(b, strings.Replace(entity, "clip", "clip again", 1), "publish", "entity")
	for _, cmd := range [][]string{{"ls"}, {"read", "entity"}, {"read", "entity", "--width", "30"}, {"history", "entity"}, {"diff", "entity"}, {"cat", "entity"}} {
		out := reader.must(b, "", cmd...)
		if strings.ContainsAny(out, "\x1b\x07\u009b\u202e") {
			t.Errorf("%v prints a control character: %q", cmd, out)
		}
	}
	// Unknown commands and slugs are echoed sanitised.
	for _, cmd := range [][]string{{"\x1b[2Jboom"}, {"cat", "\x1b]52;c;aGk=\x07"}, {"read", "\u202eevil"}} {
		r := reader.run(b, "", cmd...)
		if r.code == 0 || strings.ContainsAny(r.stderr, "\x1b\x07\u202e") {
			t.Errorf("%q: exit %d, stderr %q", cmd, r.code, r.stderr)
		}
	}
	// And the TUI shows the entity post without any of it.
	s := newScreen(t, 80, 24, reader.sshCommandLine(b))
	list := s.waitText("entity")
	s.keys("Enter")
	post := s.waitText("clip again")
	for _, screen := range []string{list, post} {
		if strings.ContainsAny(screen, "\x1b\u202e") {
			t.Errorf("the TUI shows a control character:\n%q", screen)
		}
	}
}
