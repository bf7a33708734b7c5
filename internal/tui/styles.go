package tui

import (
	"sync"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// styles is every colour and text attribute the reader uses, for one
// background. There are two sets, built once and shared by every session
// (see [stylesFor]): nothing changes them.
type styles struct {
	// The list screen.
	brand       lipgloss.Style // the blog's title
	status      lipgloss.Style // "3 posts", the filter in effect
	notice      lipgloss.Style // a one-line error
	empty       lipgloss.Style // "No posts yet."
	title       lipgloss.Style // a post's title
	meta        lipgloss.Style // its date and tags
	desc        lipgloss.Style // its description
	selTitle    lipgloss.Style // the same, for the post under the cursor
	selMeta     lipgloss.Style
	selDesc     lipgloss.Style
	gutter      lipgloss.Style // the bar left of the post under the cursor
	match       lipgloss.Style // the part of a title the filter matched
	filterInput textinput.Styles
	list        list.Styles    // the pagination dots
	kindOn      lipgloss.Style // "3 posts · 2 pages": the kind shown
	kindOff     lipgloss.Style // and the other

	// The pager.
	postTitle  lipgloss.Style
	postMeta   lipgloss.Style
	postImage  lipgloss.Style
	rule       lipgloss.Style
	bar        lipgloss.Style // the status bar's background
	barTitle   lipgloss.Style
	barPercent lipgloss.Style
	barHelp    lipgloss.Style

	// The editor: a title bar in the pager's status bar's colours, the
	// text, and a line for messages.
	barModified lipgloss.Style // "modified" in the title bar
	text        textarea.Styles
	info        lipgloss.Style // "saved hello rev 3"

	// The review screen's diff.
	added   lipgloss.Style
	removed lipgloss.Style

	help help.Styles
}

// themes holds the styles for a light (0) and a dark (1) background. A set
// is about 50 KiB: one per session would be 50 MiB for 1,000 readers.
var themes = sync.OnceValue(func() [2]*styles {
	light, dark := newStyles(false), newStyles(true)
	return [2]*styles{&light, &dark}
})

// stylesFor returns the shared styles for a dark or a light background.
// They must not be changed.
func stylesFor(dark bool) *styles {
	if dark {
		return themes()[1]
	}
	return themes()[0]
}

// newStyles returns the styles for a dark or a light background. The brand
// colours are glamour's first-level heading, so the chrome and the rendered
// posts look like one thing.
func newStyles(dark bool) styles {
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

	s := styles{
		brand:    lipgloss.NewStyle().Bold(true).Foreground(brandFg).Background(brandBg),
		status:   lipgloss.NewStyle().Foreground(dim),
		notice:   lipgloss.NewStyle().Foreground(red),
		empty:    lipgloss.NewStyle().Foreground(dim),
		title:    lipgloss.NewStyle().Foreground(normal),
		meta:     lipgloss.NewStyle().Foreground(dim),
		desc:     lipgloss.NewStyle().Foreground(dimmer),
		selTitle: lipgloss.NewStyle().Foreground(accent).Bold(true),
		selMeta:  lipgloss.NewStyle().Foreground(accentLo),
		selDesc:  lipgloss.NewStyle().Foreground(accentLo),
		gutter:   lipgloss.NewStyle().Foreground(accent),
		match:    lipgloss.NewStyle().Underline(true),

		postTitle: lipgloss.NewStyle().Bold(true).Foreground(accent),
		postMeta:  lipgloss.NewStyle().Foreground(dim),
		postImage: lipgloss.NewStyle().Foreground(dim),
		rule:      lipgloss.NewStyle().Foreground(dimmer),

		bar:        lipgloss.NewStyle().Foreground(barFg).Background(barBg),
		barTitle:   lipgloss.NewStyle().Foreground(normal).Background(barBg).Bold(true),
		barPercent: lipgloss.NewStyle().Foreground(barFg).Background(barBg),
		barHelp:    lipgloss.NewStyle().Foreground(barFg).Background(barHiBg),

		kindOn:  lipgloss.NewStyle().Foreground(accent).Bold(true),
		kindOff: lipgloss.NewStyle().Foreground(dim),

		barModified: lipgloss.NewStyle().Foreground(accent).Background(barBg).Bold(true),
		info:        lipgloss.NewStyle().Foreground(accent),
		added:       lipgloss.NewStyle().Foreground(ld(lipgloss.Color("#1F7A1F"), lipgloss.Color("#7BD88F"))),
		removed:     lipgloss.NewStyle().Foreground(red),

		help: help.DefaultStyles(dark),
	}

	// The text is in the terminal's own colours, the line with the cursor
	// a shade off the background. The cursor is the terminal's, a bar
	// between characters, and blinks if the terminal makes it.
	plain := lipgloss.NewStyle()
	state := textarea.StyleState{
		Base: plain, Text: plain, LineNumber: plain, CursorLineNumber: plain,
		CursorLine:  lipgloss.NewStyle().Background(ld(lipgloss.Color("#F2F2F2"), lipgloss.Color("#1C1C1C"))),
		EndOfBuffer: plain, Placeholder: lipgloss.NewStyle().Foreground(dim), Prompt: plain,
		Selection: lipgloss.NewStyle().Reverse(true),
	}
	s.text = textarea.Styles{
		Focused: state,
		Blurred: state,
		Cursor:  textarea.CursorStyle{Color: accent, Shape: tea.CursorBar, Blink: true},
	}

	// The filter's cursor does not blink: a blinking cursor is a timer that
	// wakes the session twice a second for as long as it is open.
	s.filterInput = textinput.DefaultStyles(dark)
	s.filterInput.Cursor.Blink = false
	s.filterInput.Cursor.Color = accent
	s.filterInput.Focused.Prompt = lipgloss.NewStyle().Foreground(accent)
	s.filterInput.Blurred.Prompt = lipgloss.NewStyle().Foreground(dim)

	// The list draws only its items; the model draws the rest. The list
	// measures the filter's prompt in its title style, so that must be bare.
	s.list = list.DefaultStyles(dark)
	s.list.Title = lipgloss.NewStyle()
	return s
}
