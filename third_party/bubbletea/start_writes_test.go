package tea

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// writeCounter is a program's output that counts its writes, as an SSH
// channel sends a packet for each.
type writeCounter struct {
	mu     sync.Mutex
	writes int
	buf    bytes.Buffer
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	return w.buf.Write(p)
}

func (w *writeCounter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.writes
}

// startModel opens on the alternate screen and asks for the background
// colour in Init, as sshblog's reader does.
type startModel struct{}

func (startModel) Init() Cmd                 { return RequestBackgroundColor }
func (m startModel) Update(Msg) (Model, Cmd) { return m, nil }
func (startModel) View() View {
	v := NewView("the list of posts\nsecond line")
	v.AltScreen = true
	return v
}

// TestSessionStartsInFewWrites measures sshblog's change 5 (PATCHES.md):
// a program's start (the first frame, the terminal set-up and the start-up
// queries, and the query its Init makes) takes at most two writes, one
// packet each over SSH; upstream's order took three or more (the queries
// and an empty inline frame, then the first frame, then Init's query).
func TestSessionStartsInFewWrites(t *testing.T) {
	var in bytes.Buffer
	out := &writeCounter{}
	p := NewProgram(startModel{}, WithInput(&in), WithOutput(out), WithWindowSize(80, 24))
	done := make(chan error, 1)
	go func() {
		_, err := p.Run()
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // the start, and several frames' time
	writes := out.count()
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d writes in the first 300ms", writes)
	if writes < 1 || writes > 2 {
		t.Errorf("the program's start took %d writes, want 1 or 2", writes)
	}
}
