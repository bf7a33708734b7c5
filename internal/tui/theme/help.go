package theme

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// HelpKey says what a help view shows: the keys that are enabled, their
// help, the width and the background. Two views with the same key are the
// same.
func HelpKey(short []key.Binding, groups [][]key.Binding, full bool, width int, dark bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%t %t %d", full, dark, width)
	add := func(group []key.Binding) {
		b.WriteByte('\x1d')
		for _, k := range group {
			if k.Enabled() {
				h := k.Help()
				b.WriteString(h.Key)
				b.WriteByte('\x1f')
				b.WriteString(h.Desc)
				b.WriteByte('\x1e')
			}
		}
	}
	if full {
		for _, g := range groups {
			add(g)
		}
	} else {
		add(short)
	}
	return b.String()
}

// DrawHelp draws a help view with h: the short help, or the full help
// whose columns go side by side while they fit in width, and on to more
// rows when they do not.
func DrawHelp(h help.Model, short []key.Binding, groups [][]key.Binding, full bool, width int) string {
	h.SetWidth(width)
	if !full {
		return h.ShortHelpView(short)
	}
	h.SetWidth(0) // whole columns; they are placed here
	sep := h.Styles.FullSeparator.Render(h.FullSeparator)
	var rows, row []string
	rowWidth := 0
	for _, group := range groups {
		col := h.FullHelpView([][]key.Binding{group})
		if col == "" {
			continue
		}
		w := lipgloss.Width(col)
		if len(row) > 0 && rowWidth+lipgloss.Width(sep)+w > width {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowWidth = nil, 0
		}
		if len(row) > 0 {
			row = append(row, sep)
			rowWidth += lipgloss.Width(sep)
		}
		row = append(row, col)
		rowWidth += w
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}
