package review

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/tui/theme"
)

// decisions is a Reviewer over fixed proposals that records what it was
// asked to decide.
type decisions struct {
	props   []store.Proposal
	decided []string
}

func (d *decisions) Open(context.Context) ([]store.Proposal, error) { return d.props, nil }

func (d *decisions) Diff(_ context.Context, slug string, n uint64) (store.Proposal, string, error) {
	for _, p := range d.props {
		if p.Slug == slug && p.N == n {
			return p, "--- a\n+++ b\n-old line\n+new line\n", nil
		}
	}
	return store.Proposal{}, "", errors.New("no such proposal")
}

func (d *decisions) Approve(_ context.Context, slug string, n uint64) (string, error) {
	d.decided = append(d.decided, fmt.Sprintf("approve %s %d", slug, n)) // the one shown, never "the newest"
	return "Approved " + slug + ".", nil
}

func (d *decisions) Reject(_ context.Context, slug string, n uint64) (string, error) {
	d.decided = append(d.decided, "reject "+slug)
	return "Rejected " + slug + ".", nil
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

// run hands msg to m, and the messages its commands make, until none is
// left; it returns the messages that were not the screen's.
func run(t *testing.T, m *Model, msg tea.Msg) []tea.Msg {
	t.Helper()
	var out []tea.Msg
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		msg, queue = queue[0], queue[1:]
		if batch, ok := msg.(tea.BatchMsg); ok {
			for _, c := range batch {
				if c != nil {
					queue = append(queue, c())
				}
			}
			continue
		}
		cmd, ok := m.Update(msg)
		if !ok {
			out = append(out, msg)
		}
		if cmd != nil {
			queue = append(queue, cmd())
		}
	}
	return out
}

func TestReviewScreen(t *testing.T) {
	now := time.Now()
	r := &decisions{props: []store.Proposal{
		{Slug: "mine", N: 2, Author: "lee", Time: now.Add(-time.Hour), State: store.Proposed},
		{Slug: "theirs", N: 4, Author: "ash", Time: now, State: store.Proposed,
			Notes: []store.Note{{Author: "lee", Action: store.Commented, Text: "제목을 바꿔 주세요"}}},
	}}
	keys := Keys{
		Up: key.NewBinding(key.WithKeys("up")), Down: key.NewBinding(key.WithKeys("down")),
		Open: key.NewBinding(key.WithKeys("enter")), Back: key.NewBinding(key.WithKeys("esc")),
		Close: key.NewBinding(key.WithKeys("r")), Approve: key.NewBinding(key.WithKeys("a")),
		Reject: key.NewBinding(key.WithKeys("x")),
	}
	m, cmd := New(r, "lee", "블로그", keys, theme.For(true), 60, 20)
	run(t, m, cmd())
	if v := m.View(); !strings.Contains(v, "2 waiting for a review") || !strings.Contains(v, "theirs rev 4") || !strings.Contains(v, "1 note") {
		t.Fatalf("the list of proposals:\n%s", v)
	}

	// One's own proposal cannot be approved.
	run(t, m, press("enter"))
	run(t, m, press("a"))
	if v := m.View(); !strings.Contains(v, "You proposed this") || len(r.decided) != 0 {
		t.Errorf("approving one's own proposal:\n%s", v)
	}
	run(t, m, press("esc"))

	// Someone else's: its notes and diff, x asks, n keeps it, a and y approve.
	run(t, m, press("down"))
	run(t, m, press("enter"))
	v := m.View()
	for _, want := range []string{"theirs rev 4 by ash", "lee: commented: 제목을 바꿔 주세요", "+new line", "-old line"} {
		if !strings.Contains(v, want) {
			t.Errorf("the proposal shown lacks %q:\n%s", want, v)
		}
	}
	run(t, m, press("x"))
	if v := m.View(); !strings.Contains(v, "Reject theirs rev 4 by ash? y/n") {
		t.Errorf("x did not ask:\n%s", v)
	}
	run(t, m, press("n"))
	if v := m.View(); !strings.Contains(v, "Not rejected.") || len(r.decided) != 0 {
		t.Errorf("n did not keep the proposal:\n%s", v)
	}
	run(t, m, press("a"))
	out := run(t, m, press("y"))
	if len(r.decided) != 1 || r.decided[0] != "approve theirs 4" {
		t.Errorf("decided %v, want the approval of theirs", r.decided)
	}
	if len(out) != 1 {
		t.Fatalf("the screen told the reader %v, want one DecidedMsg", out)
	}
	if _, ok := out[0].(DecidedMsg); !ok {
		t.Errorf("the screen told the reader %T, want DecidedMsg", out[0])
	}
	if v := m.View(); !strings.Contains(v, "Approved theirs.") {
		t.Errorf("after the approval:\n%s", v)
	}

	// An answer meant for another screen is dropped; esc closes.
	other, _ := New(r, "lee", "블로그", keys, theme.For(true), 60, 20)
	run(t, m, loadedMsg{to: other, props: nil})
	if v := m.View(); strings.Contains(v, "0 waiting") {
		t.Errorf("the screen took another screen's answer:\n%s", v)
	}
	if out := run(t, m, press("esc")); len(out) != 1 {
		t.Errorf("esc told the reader %v, want ClosedMsg", out)
	} else if _, ok := out[0].(ClosedMsg); !ok {
		t.Errorf("esc told the reader %T, want ClosedMsg", out[0])
	}
}
