package post

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// ErrTooLarge is returned, wrapped in a message naming the limit, when a post
// is larger than allowed.
var ErrTooLarge = errors.New("post is too large")

// ReadAll reads r until EOF, like io.ReadAll, but never reads more than
// limit+1 bytes and never allocates more than the input needs: it returns an
// error wrapping ErrTooLarge as soon as r yields more than limit bytes. It
// is the bounded read for every upload; limit is usually MaxSize.
//
// On any error ReadAll returns nil and the error. A negative limit is an
// error; a limit beyond what a slice can hold is lowered to it.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	if limit < 0 {
		return nil, fmt.Errorf("reading a post: negative limit %d", limit)
	}
	// No slice holds more than math.MaxInt bytes; this also keeps limit+1
	// from overflowing.
	limit = min(limit, math.MaxInt-1)
	want := limit + 1 // enough to tell whether the input is too large
	buf := make([]byte, 0, min(512, want))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) == want {
				break
			}
			// Grow by doubling, but never past limit+1.
			next := make([]byte, len(buf), min(2*int64(cap(buf)), want))
			copy(next, buf)
			buf = next
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading a post: %w", err)
		}
	}
	if int64(len(buf)) > limit {
		return nil, tooLarge(limit)
	}
	return buf, nil
}

// tooLarge returns ErrTooLarge wrapped in a message naming limit.
func tooLarge(limit int64) error {
	return fmt.Errorf("%w: the limit is %s", ErrTooLarge, formatSize(limit))
}

// formatSize formats a size in bytes for a message: "1 MiB", "64 KiB" or
// "100 bytes".
func formatSize(n int64) string {
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
