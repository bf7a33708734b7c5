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

// FormatSize formats a size in bytes for a message: "1 MiB", "64 KiB" or
// "100 bytes".
func FormatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}
