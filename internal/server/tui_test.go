package server

import (
	"io"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/sshblog/sshblog/internal/tui"
)

// reloadCounter is a model that counts the reloads it is sent.
type reloadCounter struct{ n *atomic.Int32 }

func (m reloadCounter) Init() tea.Cmd  { return nil }
func (m reloadCounter) View() tea.View { return tea.NewView("") }
func (m reloadCounter) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tui.ReloadMsg); ok {
		m.n.Add(1)
	}
	return m, nil
}

func TestReloadsCoalesce(t *testing.T) {
	var n atomic.Int32
	p := tea.NewProgram(reloadCounter{&n},
		tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutRenderer(), tea.WithoutSignals())
	r := &reloads{program: p}

	// A hundred changes while the session does not take messages (here:
	// before it runs) make one message.
	for range 100 {
		r.send()
	}
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()
	waitUntil(t, func() bool { return !r.pending.Load() && n.Load() == 1 })

	// A change after the session took it makes another.
	r.send()
	waitUntil(t, func() bool { return !r.pending.Load() && n.Load() == 2 })

	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("the session was sent %d reloads, want 2", got)
	}
}

// waitUntil polls ok for up to ten seconds.
func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatal("timed out")
}
