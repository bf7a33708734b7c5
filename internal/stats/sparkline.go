package stats

import "strings"

// sparks are the eight heights of a sparkline, lowest first. They are one
// column wide in every terminal: block elements are not East Asian
// ambiguous width.
var sparks = [...]rune{'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'}

// Sparkline draws values as at most width block characters, scaled so the
// largest is █. Zero and negative values are ▁ and any positive value is at
// least ▂. When there are more values than width, consecutive values are
// summed into width columns, the later columns taking any extra ones.
// It returns "" when width is not positive or there are no values.
func Sparkline(values []int, width int) string {
	if width <= 0 || len(values) == 0 {
		return ""
	}
	cols := values
	if len(values) > width {
		cols = make([]int, width)
		for i := range cols {
			lo, hi := i*len(values)/width, (i+1)*len(values)/width
			for _, v := range values[lo:hi] {
				if v > 0 {
					cols[i] += v
				}
			}
		}
	}
	top := 0
	for _, v := range cols {
		top = max(top, v)
	}
	var b strings.Builder
	b.Grow(len(cols) * len(string(sparks[0])))
	for _, v := range cols {
		level := 0
		if v > 0 && top > 0 {
			// 1..7: the largest is 7, a small count still shows.
			level = min(1+int(float64(v)*6/float64(top)), len(sparks)-1)
		}
		b.WriteRune(sparks[level])
	}
	return b.String()
}
