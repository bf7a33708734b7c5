package pager

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/text/unicode/norm"

	"github.com/sshblog/sshblog/internal/tui/theme"
)

// Matches in the pager: a post opened from a search starts at its first
// match, and n and N go from match to match.

// matchLines returns the lines of the rendered body (from line start of
// the viewport's content) that contain one of terms, in order.
func matchLines(content string, terms []string) []int {
	if len(terms) == 0 {
		return nil
	}
	var out []int
	for i, line := range strings.Split(content, "\n") {
		plain := theme.Fold(norm.NFC.String(ansi.Strip(line)))
		if containsAny(plain, terms) {
			out = append(out, i)
		}
	}
	return out
}

// containsAny reports whether s contains one of terms.
func containsAny(s string, terms []string) bool {
	for _, t := range terms {
		if strings.Contains(s, t) {
			return true
		}
	}
	return false
}

// jumpToMatch scrolls the pager to the next (dir 1) or previous (dir -1)
// line with a match of the search it was opened from, or to the first when
// dir is 0. It reports whether it moved.
func (p *Model) jumpToMatch(dir int) bool {
	if len(p.matches) == 0 {
		return false
	}
	// A match is shown with matchContext lines above it: the current match
	// is the one the view starts that far above.
	cur := p.vp.YOffset() + matchContext
	target := -1
	switch dir {
	case 0:
		target = p.matches[0]
	case 1:
		for _, l := range p.matches {
			if l > cur {
				target = l
				break
			}
		}
	default:
		for i := len(p.matches) - 1; i >= 0; i-- {
			if p.matches[i] < cur {
				target = p.matches[i]
				break
			}
		}
	}
	if target < 0 {
		return false
	}
	p.vp.SetYOffset(max(0, target-matchContext))
	return true
}

// matchContext is how many lines are shown above a match the pager goes to.
const matchContext = 2
