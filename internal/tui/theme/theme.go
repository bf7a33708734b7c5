// Package theme holds the reader's colours and text attributes: two sets,
// for dark and light backgrounds, built once and shared by every session.
package theme

import (
	"image/color"
	"sync"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Styles is every colour and text attribute the reader uses, for one
// background. There are two sets, built once and shared by every session
// (see [For]): nothing changes them.
type Styles struct {
	// The list screen.
	Brand       lipgloss.Style // the blog's title
	Status      lipgloss.Style // "3 posts", the filter in effect
	Notice      lipgloss.Style // a one-line error
	Empty       lipgloss.Style // "No posts yet."
	Title       lipgloss.Style // a post's title
	Meta        lipgloss.Style // its date and tags
	Desc        lipgloss.Style // its description
	SelTitle    lipgloss.Style // the same, for the post under the cursor
	SelMeta     lipgloss.Style
	SelDesc     lipgloss.Style
	Gutter      lipgloss.Style // the bar left of the post under the cursor
	Match       lipgloss.Style // the part of a title the filter matched
	FilterInput textinput.Styles
	List        list.Styles    // the pagination dots
	KindOn      lipgloss.Style // "3 posts · 2 pages": the kind shown
	KindOff     lipgloss.Style // and the other

	// The pager.
	PostTitle  lipgloss.Style
	PostMeta   lipgloss.Style
	PostImage  lipgloss.Style
	Rule       lipgloss.Style
	Bar        lipgloss.Style // the status bar's background
	BarTitle   lipgloss.Style
	BarPercent lipgloss.Style
	BarHelp    lipgloss.Style
	// Marks over the rendered post: the matches of the search it was
	// opened from, the current one, and the link chosen with tab.
	Found        lipgloss.Style
	FoundCurrent lipgloss.Style
	LinkChosen   lipgloss.Style

	// The editor: a title bar in the pager's status bar's colours, the
	// text, and a line for messages.
	BarModified lipgloss.Style // "modified" in the title bar
	Text        textarea.Styles
	Info        lipgloss.Style // "saved hello rev 3"

	// The review screen's diff.
	Added   lipgloss.Style
	Removed lipgloss.Style

	Help help.Styles
}

// themes holds the styles for a light (0) and a dark (1) background. A set
// is about 50 KiB: one per session would be 50 MiB for 1,000 readers.
var themes = sync.OnceValue(func() [2]*Styles {
	light, dark := newStyles(false), newStyles(true)
	return [2]*Styles{&light, &dark}
})

// For returns the shared styles for a dark or a light background.
// They must not be changed.
func For(dark bool) *Styles {
	if dark {
		return themes()[1]
	}
	return themes()[0]
}

// newStyles returns the styles for a dark or a light background. The brand
// colours are glamour's first-level heading, so the chrome and the rendered
// posts look like one thing.
func newStyles(dark bool) Styles {
	ld := lipgloss.LightDark(dark)
	var (
		brandBg  = lipgloss.Color("63")
		brandFg  = lipgloss.Color("228")
		normal   = ld(lipgloss.Color("#1A1A1A"), lipgloss.Color("#DDDDDD"))
		dim      = ld(lipgloss.Color("#8A8A8A"), lipgloss.Color("#777777"))
		dimmer   = ld(lipgloss.Color("#A8A8A8"), lipgloss.Color("#5C5C5C"))
		accent   = ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#A9A6FF"))
		accentLo = ld(lipgloss.Color("#7D7AE8"), lipgloss.Color("#7471D9"))
		red      = ld(lipgloss.Color("#D7263D"), lipgloss.Color("#FF5F87"))
		barBg    = ld(lipgloss.Color("#E6E6E6"), lipgloss.Color("#242424"))
		barFg    = ld(lipgloss.Color("#4A4A4A"), lipgloss.Color("#A8A8A8"))
		barHiBg  = ld(lipgloss.Color("#D6D6D6"), lipgloss.Color("#323232"))
	)

	s := Styles{
		Brand:    lipgloss.NewStyle().Bold(true).Foreground(brandFg).Background(brandBg),
		Status:   lipgloss.NewStyle().Foreground(dim),
		Notice:   lipgloss.NewStyle().Foreground(red),
		Empty:    lipgloss.NewStyle().Foreground(dim),
		Title:    lipgloss.NewStyle().Foreground(normal),
		Meta:     lipgloss.NewStyle().Foreground(dim),
		Desc:     lipgloss.NewStyle().Foreground(dimmer),
		SelTitle: lipgloss.NewStyle().Foreground(accent).Bold(true),
		SelMeta:  lipgloss.NewStyle().Foreground(accentLo),
		SelDesc:  lipgloss.NewStyle().Foreground(accentLo),
		Gutter:   lipgloss.NewStyle().Foreground(accent),
		Match:    lipgloss.NewStyle().Underline(true),

		PostTitle: lipgloss.NewStyle().Bold(true).Foreground(accent),
		PostMeta:  lipgloss.NewStyle().Foreground(dim),
		PostImage: lipgloss.NewStyle().Foreground(dim),
		Rule:      lipgloss.NewStyle().Foreground(dimmer),

		Bar:        lipgloss.NewStyle().Foreground(barFg).Background(barBg),
		BarTitle:   lipgloss.NewStyle().Foreground(normal).Background(barBg).Bold(true),
		BarPercent: lipgloss.NewStyle().Foreground(barFg).Background(barBg),
		BarHelp:    lipgloss.NewStyle().Foreground(barFg).Background(barHiBg),

		Found:        lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#1A1A1A"), lipgloss.Color("#FFFFFF"))).Background(ld(lipgloss.Color("#FFE58A"), lipgloss.Color("#5F5300"))),
		FoundCurrent: lipgloss.NewStyle().Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#FFAF00")).Bold(true),
		LinkChosen:   lipgloss.NewStyle().Reverse(true).Bold(true),

		KindOn:  lipgloss.NewStyle().Foreground(accent).Bold(true),
		KindOff: lipgloss.NewStyle().Foreground(dim),

		BarModified: lipgloss.NewStyle().Foreground(accent).Background(barBg).Bold(true),
		Info:        lipgloss.NewStyle().Foreground(accent),
		Added:       lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#1F7A1F"), lipgloss.Color("#7BD88F"))),
		Removed:     lipgloss.NewStyle().Foreground(red),

		Help: help.DefaultStyles(dark),
	}

	s.Text = editorStyles(ld, accent, dim)

	// The filter's cursor does not blink: a blinking cursor is a timer that
	// wakes the session twice a second for as long as it is open.
	s.FilterInput = textinput.DefaultStyles(dark)
	s.FilterInput.Cursor.Blink = false
	s.FilterInput.Cursor.Color = accent
	s.FilterInput.Focused.Prompt = lipgloss.NewStyle().Foreground(accent)
	s.FilterInput.Blurred.Prompt = lipgloss.NewStyle().Foreground(dim)

	// The list draws only its items; the model draws the rest. The list
	// measures the filter's prompt in its title style, so that must be bare.
	s.List = list.DefaultStyles(dark)
	s.List.Title = lipgloss.NewStyle()
	return s
}

// editorStyles are the editor's. The text is in the terminal's own
// colours, the line with the cursor a shade off the background. The cursor
// is the terminal's, a bar between characters, and blinks if the terminal
// makes it.
func editorStyles(ld lipgloss.LightDarkFunc, accent, dim color.Color) textarea.Styles {
	plain := lipgloss.NewStyle()
	state := textarea.StyleState{
		Base: plain, Text: plain, LineNumber: plain, CursorLineNumber: plain,
		CursorLine:  lipgloss.NewStyle().Background(ld(lipgloss.Color("#F2F2F2"), lipgloss.Color("#1C1C1C"))),
		EndOfBuffer: plain, Placeholder: lipgloss.NewStyle().Foreground(dim), Prompt: plain,
		Selection: lipgloss.NewStyle().Reverse(true),
	}
	return textarea.Styles{
		Focused: state,
		Blurred: state,
		Cursor:  textarea.CursorStyle{Color: accent, Shape: tea.CursorBar, Blink: true},
	}
}
