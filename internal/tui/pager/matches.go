package pager

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"

	"github.com/sshblog/sshblog/internal/search"
)

// Matches in the pager: a post opened from a search shows every match of
// the search's words highlighted, starts at the first, says "match 2 of
// 7", and n and N go from match to match. The chosen link (tab) is marked
// the same way, in its own style.

// span is a run of cells on one line of the viewport's content: a match
// of the search, or the chosen link's text.
type span struct {
	line       int // the line of the content
	start, end int // the cells, end excluded
}

// matchNeedles returns what to highlight as matches of a search for
// words: the terms the blog's index matches them by (Hangul in pairs of
// characters, so 달리기 marks 달리기를), normalised as the index normalises
// text.
func matchNeedles(words []string) []string {
	if len(words) == 0 {
		return nil
	}
	return search.MatchTerms(strings.Join(words, " "))
}

// findSpans returns the runs of cells of lines (styled text) that are part
// of an occurrence of one of needles (normalised with search.Normalize),
// in order. Touching or overlapping occurrences make one run.
func findSpans(lines []string, needles []string) []span {
	if len(needles) == 0 {
		return nil
	}
	var out []span
	for i, line := range lines {
		plain := ansi.Strip(line)
		if !containsAny(search.Normalize(plain), needles) || !utf8.ValidString(plain) {
			// The common case, at the cost of one pass. (A rendered post
			// is valid UTF-8; a line that is not could not be measured.)
			continue
		}
		for _, r := range lineSpans(plain, needles) {
			out = append(out, span{line: i, start: r[0], end: r[1]})
		}
	}
	return out
}

// lineSpans returns the runs of cells of plain (one line of text without
// escapes) that are part of an occurrence of one of needles. It compares
// grapheme by grapheme, each normalised on its own, so that a run starts
// and ends between the cells the terminal shows.
func lineSpans(plain string, needles []string) [][2]int {
	var hay strings.Builder
	var starts, cells []int // by grapheme: where it starts in hay, and on screen
	col := 0
	state := -1
	for rest := plain; rest != ""; {
		var g string
		g, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		starts = append(starts, hay.Len())
		cells = append(cells, col)
		hay.WriteString(search.Normalize(g))
		col += ansi.StringWidth(g)
	}
	n := len(starts)
	starts = append(starts, hay.Len())
	cells = append(cells, col)
	h := hay.String()
	hit := make([]bool, n)
	for _, nd := range needles {
		if nd == "" {
			continue
		}
		for from := 0; from < len(h); {
			j := strings.Index(h[from:], nd)
			if j < 0 {
				break
			}
			s, e := from+j, from+j+len(nd)
			// The graphemes the occurrence overlaps, from the one s is in
			// (starts[0] is 0, so k >= 0).
			k := sort.SearchInts(starts[:n], s+1) - 1
			for ; k < n && starts[k] < e; k++ {
				hit[k] = true
			}
			from = s + 1
		}
	}
	var out [][2]int
	for k := 0; k < n; {
		if !hit[k] {
			k++
			continue
		}
		a := k
		for k < n && hit[k] {
			k++
		}
		if cells[k] > cells[a] {
			out = append(out, [2]int{cells[a], cells[k]})
		}
	}
	return out
}

// containsAny reports whether s contains one of terms.
func containsAny(s string, terms []string) bool {
	for _, t := range terms {
		if t != "" && strings.Contains(s, t) {
			return true
		}
	}
	return false
}

// jumpToMatch makes the next (dir 1) or previous (dir -1) match of the
// search the post was opened from the current one, or the first when dir
// is 0, and scrolls to it. From a match scrolled out of view, n and N
// start from the view. It reports whether it moved.
func (p *Model) jumpToMatch(dir int) bool {
	if len(p.found) == 0 {
		if len(p.terms) > 0 && dir != 0 {
			p.note = "no match in this post's text"
		}
		return false
	}
	top, bottom := p.vp.YOffset(), p.vp.YOffset()+p.vp.Height()
	next := -1
	switch {
	case dir == 0:
		next = 0
	case p.cur >= 0 && p.cur < len(p.found) && p.found[p.cur].line >= top && p.found[p.cur].line < bottom:
		next = p.cur + dir
	case dir > 0:
		next = sort.Search(len(p.found), func(i int) bool { return p.found[i].line >= top })
	default:
		next = sort.Search(len(p.found), func(i int) bool { return p.found[i].line >= bottom }) - 1
	}
	if next < 0 || next >= len(p.found) {
		if dir > 0 {
			p.note = "no more matches below"
		} else {
			p.note = "no more matches above"
		}
		return false
	}
	p.cur = next
	if l := p.found[next].line; l < top || l >= bottom {
		p.vp.SetYOffset(max(0, l-matchContext))
	}
	return true
}

// matchContext is how many lines are shown above a match the pager goes to.
const matchContext = 2

// matchStatus is what the status bar says of the search's matches: "match
// 2 of 7", "7 matches", or nothing when the post was not opened from a
// search.
func (p *Model) matchStatus() string {
	switch {
	case len(p.terms) == 0 || p.body == "":
		return ""
	case len(p.found) == 0:
		return "no match"
	case p.cur >= 0 && p.cur < len(p.found):
		return fmt.Sprintf("match %d of %d", p.cur+1, len(p.found))
	case len(p.found) == 1:
		return "1 match"
	}
	return fmt.Sprintf("%d matches", len(p.found))
}

// mark restyles the viewport's view (its visible lines) where the
// search's matches and the chosen link are: the matches in one style, the
// current match and the chosen link each in a style of its own. Only the
// lines shown are touched.
func (p *Model) mark(view string) string {
	if len(p.found) == 0 && !p.linkShown {
		return view
	}
	lines := strings.Split(view, "\n")
	top, x, w := p.vp.YOffset(), p.vp.XOffset(), p.vp.Width()
	first := sort.Search(len(p.found), func(i int) bool { return p.found[i].line >= top })
	for i := first; i < len(p.found) && p.found[i].line < top+len(lines); i++ {
		if i != p.cur {
			p.restyle(lines, p.found[i], top, x, w, p.st.Found)
		}
	}
	if p.cur >= first && p.cur < len(p.found) {
		p.restyle(lines, p.found[p.cur], top, x, w, p.st.FoundCurrent)
	}
	if p.linkShown {
		p.restyle(lines, p.linkSpan, top, x, w, p.st.LinkChosen)
	}
	return strings.Join(lines, "\n")
}

// restyle draws the cells of s in st, if they are in view: lines start at
// the content's line top, cell x, and are w cells wide.
func (p *Model) restyle(lines []string, s span, top, x, w int, st lipgloss.Style) {
	i := s.line - top
	if i < 0 || i >= len(lines) {
		return
	}
	start, end := max(0, s.start-x), min(w, s.end-x)
	if end <= start {
		return
	}
	lines[i] = lipgloss.StyleRanges(lines[i], lipgloss.NewRange(start, end, st))
}
