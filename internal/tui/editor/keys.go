package editor

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
)

// Keys are the editor's own bindings. Every other key is the text
// area's: letters are text there, so the editor's keys are all control
// keys, none of which the text area uses.
type Keys struct {
	Save    key.Binding
	Preview key.Binding // between the markdown and the post as it will look
	Close   key.Binding // back to where the editor was opened from
	Quit    key.Binding // the whole session
	Top     key.Binding // the start of the post (the text area knows only its window)
	Bottom  key.Binding
	Tab     key.Binding // a tab
	Yes     key.Binding // answers to "discard changes?"
	No      key.Binding
}

// NewKeys returns the editor's bindings.
func NewKeys() Keys {
	return Keys{
		Save:    key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Preview: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "preview")),
		Close:   key.NewBinding(key.WithKeys("esc", "ctrl+q"), key.WithHelp("esc", "close")),
		Quit:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Top:     key.NewBinding(key.WithKeys("alt+<", "ctrl+home")),
		Bottom:  key.NewBinding(key.WithKeys("alt+>", "ctrl+end")),
		Tab:     key.NewBinding(key.WithKeys("tab")),
		Yes:     key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "discard")),
		No:      key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n", "keep editing")),
	}
}

// newTextKeyMap is the text area's bindings: its defaults, less the
// clipboard (the server's, not the author's; terminals paste by themselves),
// selections (which do not survive the window moving; see buffer) and the
// jumps to the start and end, which the editor makes over the whole post.
func newTextKeyMap() textarea.KeyMap {
	km := textarea.DefaultKeyMap()
	for _, b := range []*key.Binding{
		&km.Paste, &km.CopySelection, &km.SelectAll,
		&km.SelectCharacterForward, &km.SelectCharacterBackward,
		&km.SelectWordForward, &km.SelectWordBackward,
		&km.SelectLineUp, &km.SelectLineDown,
		&km.InputBegin, &km.InputEnd,
	} {
		b.Unbind()
	}
	return km
}

// withHelp returns b with other help text.
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}
