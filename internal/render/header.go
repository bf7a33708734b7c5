package render

import (
	"fmt"
	"strings"
	"time"

	"github.com/sshblog/sshblog/internal/termtext"
)

// Byline is what a post's header says about it, the same in every front
// end: the pager, `read`, the web page.
type Byline struct {
	Title  string
	Date   time.Time // zero when the post has none
	Author string    // empty for none
	Tags   []string
	Image  string // the featured image's URL, as written
	// Series is the post's series, with its place in it (from 1) among the
	// posts the reader may see and how many those are; empty when the post
	// is in none.
	Series      string
	SeriesIndex int
	SeriesLen   int
	Prev, Next  string // the slugs before and after it in its series, if any
}

// SeriesLine is "series NAME, 2 of 5", or "" for a post in no series.
func (b Byline) SeriesLine() string {
	if b.Series == "" {
		return ""
	}
	return fmt.Sprintf("series %s, %d of %d", termtext.SanitizeLine(b.Series), b.SeriesIndex, b.SeriesLen)
}

// headerMargin is the header's left margin, Glamour's document margin.
const headerMargin = 2

// HeaderText is the plain header printed above a rendered post (by `read`
// and for terminals over HTTP), as the reader's pager shows it: a blank
// line; the title; the date (in loc), author and tags; the series; the
// featured image; a rule. No line is wider than width.
func HeaderText(b Byline, loc *time.Location, width int) string {
	inner := max(1, width-2*headerMargin)
	lines := termtext.Wrap(termtext.SanitizeLine(b.Title), inner)
	var info []string
	if !b.Date.IsZero() {
		info = append(info, b.Date.In(loc).Format("2006-01-02"))
	}
	if a := termtext.SanitizeLine(b.Author); a != "" {
		info = append(info, a)
	}
	if len(b.Tags) > 0 {
		tags := make([]string, 0, len(b.Tags))
		for _, t := range b.Tags {
			tags = append(tags, "#"+termtext.SanitizeLine(t))
		}
		info = append(info, strings.Join(tags, " "))
	}
	if len(info) > 0 {
		lines = append(lines, termtext.Wrap(strings.Join(info, " · "), inner)...)
	}
	if s := b.SeriesLine(); s != "" {
		lines = append(lines, termtext.Wrap(s, inner)...)
	}
	if img := termtext.SanitizeLine(b.Image); img != "" {
		lines = append(lines, termtext.Truncate("image: "+img, inner, "…"))
	}
	lines = append(lines, strings.Repeat("─", inner))
	pad := strings.Repeat(" ", headerMargin)
	var out strings.Builder
	out.WriteByte('\n')
	for _, l := range lines {
		out.WriteString(pad + l + "\n")
	}
	return out.String()
}
