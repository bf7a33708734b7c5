package post

import (
	"errors"
	"fmt"
)

// ErrTooLarge is returned, wrapped in a message naming the limit, when a post
// is larger than allowed.
var ErrTooLarge = errors.New("post is too large")

// TooLarge returns ErrTooLarge wrapped in a message naming limit, as every
// refusal of a post over the size limit words it: "post is too large: the
// limit is 1 MiB".
func TooLarge(limit int64) error {
	return fmt.Errorf("%w: the limit is %s", ErrTooLarge, FormatSize(limit))
}

// FormatSize formats a size in bytes for people, the one way the blog
// words sizes: a whole number of MiB, or under a MiB of KiB, as such
// ("1 MiB", "64 KiB"), under a KiB in bytes ("100 bytes", "1 byte"), and
// any other size to one decimal ("3.4 KiB", "5.5 MiB").
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}
