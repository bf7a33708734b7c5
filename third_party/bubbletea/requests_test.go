package tea

import (
	"bytes"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// requestsModel asks the terminal questions, then quits, and remembers
// every message it was given.
type requestsModel struct {
	mu   sync.Mutex
	seen []reflect.Type
}

func (m *requestsModel) Init() Cmd {
	return Sequence(
		Batch(RequestBackgroundColor, RequestForegroundColor, RequestCursorColor,
			RequestCursorPosition, RequestTerminalVersion, ReadClipboard, SetClipboard("x")),
		Quit,
	)
}

func (m *requestsModel) Update(msg Msg) (Model, Cmd) {
	m.mu.Lock()
	m.seen = append(m.seen, reflect.TypeOf(msg))
	m.mu.Unlock()
	return m, nil
}

func (m *requestsModel) View() View { return NewView("asking") }

// TestRequestsStayWithTheProgram checks sshblog's change to the event loop:
// the program carries out its own requests (the queries reach the terminal)
// and does not pass their messages, of types the model cannot name, on to
// the model.
func TestRequestsStayWithTheProgram(t *testing.T) {
	var in, out bytes.Buffer
	m := &requestsModel{}
	p := NewProgram(m, WithInput(&in), WithOutput(&out))
	if _, err := p.Run(); err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, typ := range m.seen {
		if typ == nil {
			continue
		}
		name := typ.Name()
		if typ.PkgPath() == reflect.TypeOf(QuitMsg{}).PkgPath() && name != "" && unicode.IsLower(rune(name[0])) {
			t.Errorf("the model was given the program's own %s", typ)
		}
	}
	for _, query := range []string{"\x1b]11;?", "\x1b]10;?", "\x1b]12;?", "\x1b[6n", "\x1b[>q", "\x1b]52;c;?"} {
		if !strings.Contains(out.String(), query) {
			t.Errorf("the query %q was not written: %q", query, out.String())
		}
	}
}
