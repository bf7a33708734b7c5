package post

import (
	"errors"
	"testing"
)

func TestTooLarge(t *testing.T) {
	for limit, want := range map[int64]string{
		10:       "post is too large: the limit is 10 bytes",
		64 << 10: "post is too large: the limit is 64 KiB",
		MaxSize:  "post is too large: the limit is 1 MiB",
	} {
		err := TooLarge(limit)
		if !errors.Is(err, ErrTooLarge) || err.Error() != want {
			t.Errorf("TooLarge(%d) = %q, want %q wrapping ErrTooLarge", limit, err, want)
		}
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1: "1 byte", 10: "10 bytes", 1 << 10: "1 KiB", 64 << 10: "64 KiB", 1 << 20: "1 MiB", 1<<20 + 1: "1.0 MiB", 3 << 20: "3 MiB", 1023: "1023 bytes", 1536: "1.5 KiB", 5<<20 + 1<<19: "5.5 MiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
