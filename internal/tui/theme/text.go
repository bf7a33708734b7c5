package theme

import (
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode"

	"charm.land/lipgloss/v2"
	"github.com/sshblog/sshblog/internal/post"
	"github.com/sshblog/sshblog/internal/store"
	"github.com/sshblog/sshblog/internal/termtext"
)

// Ellipsis ends every line cut to fit the window.
const Ellipsis = "…"

// DateLayout is how dates are shown.
const DateLayout = "2006-01-02"

// FormatDate shows t as a day in loc, or nothing for the zero time.
func FormatDate(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	if loc != nil {
		t = t.In(loc)
	}
	return t.Format(DateLayout)
}

// JoinTags sanitises tags and joins them with commas.
func JoinTags(tags []string) string {
	clean := make([]string, 0, len(tags))
	for _, t := range tags {
		if t = termtext.SanitizeLine(t); t != "" {
			clean = append(clean, t)
		}
	}
	return strings.Join(clean, ", ")
}

// JoinNonEmpty joins the parts that are not empty.
func JoinNonEmpty(sep string, parts ...string) string {
	kept := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// MarginWidth is the left Margin of the pager's header: glamour's document
// Margin, so the header lines up with the body, or none in a very narrow
// window.
func MarginWidth(w int) int {
	if w < 20 {
		return 0
	}
	return 2
}

func Margin(w int) string { return strings.Repeat(" ", MarginWidth(w)) }

// ImageLine is "image: URL", cut to width, and a hyperlink to the image in
// terminals that have them (only for web URLs: the link is the author's).
func ImageLine(u string, width int, st lipgloss.Style) string {
	const label = "image: "
	text := termtext.Truncate(label+u, width, Ellipsis)
	if pu, err := url.Parse(u); err == nil && (pu.Scheme == "https" || pu.Scheme == "http") && pu.Host != "" {
		st = st.Hyperlink(u)
	}
	return st.Render(text)
}

// Wrap breaks one line of plain text into lines of at most width columns,
// at spaces where it can and anywhere where it must.
func Wrap(s string, width int) []string {
	if s == "" {
		return nil
	}
	lines := strings.Split(lipgloss.Wrap(s, width, ""), "\n")
	for i, l := range lines {
		lines[i] = termtext.Truncate(strings.TrimRight(l, " "), width, "")
	}
	return lines
}

// ErrorLine makes an error fit for the screen: one sanitised line.
func ErrorLine(err error) string {
	if errors.Is(err, store.ErrNotFound) {
		return "That post is no longer on the blog."
	}
	return termtext.SanitizeLine(err.Error())
}

// PostHeader is a post's header as the pager shows it (and the editor's
// preview), every line at most w
// columns: a blank line, the title (wrapped), the date, author and tags
// (wrapped), the featured image as a link, and a rule.
func PostHeader(st *Styles, loc *time.Location, w int, title string, meta post.Meta, author, series string) []string {
	if w < 1 {
		return nil
	}
	ind := Margin(w)
	inner := max(1, w-2*MarginWidth(w))

	lines := []string{""}
	for _, l := range Wrap(title, inner) {
		lines = append(lines, ind+st.PostTitle.Render(l))
	}
	info := JoinNonEmpty(" · ",
		FormatDate(meta.Date, loc),
		termtext.SanitizeLine(author),
		JoinTags(meta.Tags),
	)
	if info != "" {
		for _, l := range Wrap(info, inner) {
			lines = append(lines, ind+st.PostMeta.Render(l))
		}
	}
	for _, l := range Wrap(series, inner) {
		lines = append(lines, ind+st.PostMeta.Render(l))
	}
	if img := termtext.SanitizeLine(meta.Image); img != "" {
		lines = append(lines, ind+ImageLine(img, inner, st.PostImage))
	}
	lines = append(lines, ind+st.Rule.Render(strings.Repeat("─", inner)))
	return lines
}

// ListMargin is the list screen's left and right margin.
func ListMargin(w int) int {
	if w < 20 {
		return 0
	}
	return 1
}

// BrandLine is the blog's title, cut to width.
func BrandLine(st *Styles, title string, width int) string {
	if title == "" || width < 1 {
		return ""
	}
	if width < 3 {
		return st.Brand.Render(termtext.Truncate(title, width, Ellipsis))
	}
	return st.Brand.Padding(0, 1).Render(termtext.Truncate(title, width-2, Ellipsis))
}

// Indent puts n spaces before every line of s that is not empty.
func Indent(s string, n int) string {
	if n <= 0 {
		return s
	}
	pad := strings.Repeat(" ", n)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = pad + l
		}
	}
	return strings.Join(lines, "\n")
}

// Fold lower-cases s rune by rune, so that rune offsets in the result are
// offsets in s.
func Fold(s string) string {
	return strings.Map(unicode.ToLower, s)
}
