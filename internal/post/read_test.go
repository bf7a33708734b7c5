package post

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestReadAll(t *testing.T) {
	tests := []struct {
		name    string
		size    int // bytes of input
		limit   int64
		oneByte bool // read through iotest.OneByteReader
		wantErr string
	}{
		{name: "empty", size: 0, limit: 10},
		{name: "under", size: 9, limit: 10},
		{name: "at limit", size: 10, limit: 10},
		{name: "over by one", size: 11, limit: 10, wantErr: "post is too large: the limit is 10 bytes"},
		{name: "far over", size: 5000, limit: 10, wantErr: "post is too large: the limit is 10 bytes"},
		{name: "zero limit", size: 0, limit: 0},
		{name: "zero limit over", size: 1, limit: 0, wantErr: "post is too large: the limit is 0 bytes"},
		{name: "MaxSize", size: MaxSize, limit: MaxSize},
		{name: "MaxSize over", size: MaxSize + 1, limit: MaxSize, wantErr: "post is too large: the limit is 1 MiB"},
		{name: "MaxSize far over", size: 3 * MaxSize, limit: MaxSize, wantErr: "post is too large: the limit is 1 MiB"},
		{name: "one byte at a time", size: 1000, limit: 1000, oneByte: true},
		{name: "one byte at a time over", size: 1001, limit: 1000, oneByte: true, wantErr: "post is too large: the limit is 1000 bytes"},
		{name: "huge limit", size: 100, limit: 1<<63 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bytes.Repeat([]byte("가"), tt.size/3+1)[:tt.size]
			cr := &countingReader{r: bytes.NewReader(in)}
			var r io.Reader = cr
			if tt.oneByte {
				r = iotest.OneByteReader(cr)
			}
			got, err := ReadAll(r, tt.limit)
			most := min(tt.limit, math.MaxInt64-1) + 1
			if cr.n > most {
				t.Errorf("read %d bytes, want at most limit+1 = %d", cr.n, most)
			}
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrTooLarge) {
					t.Fatalf("ReadAll = %v, want %q wrapping ErrTooLarge", err, tt.wantErr)
				}
				if got != nil {
					t.Errorf("ReadAll returned %d bytes with an error, want nil", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadAll: %v", err)
			}
			if !bytes.Equal(got, in) {
				t.Fatalf("ReadAll returned %d bytes, want the %d of the input", len(got), len(in))
			}
			if int64(cap(got)) > most || cap(got) > 2*len(got)+512 {
				t.Errorf("cap = %d for %d bytes (limit %d): allocated more than needed", cap(got), len(got), tt.limit)
			}
		})
	}
}

func TestReadAllErrors(t *testing.T) {
	boom := errors.New("boom")
	got, err := ReadAll(io.MultiReader(strings.NewReader("some"), iotest.ErrReader(boom)), 100)
	if !errors.Is(err, boom) || got != nil {
		t.Errorf("ReadAll of a failing reader = %q, %v; want nil and an error wrapping the reader's", got, err)
	}
	if err != nil && err.Error() != "reading a post: boom" {
		t.Errorf("error = %q", err)
	}
	if _, err := ReadAll(strings.NewReader("x"), -1); err == nil {
		t.Error("ReadAll with a negative limit succeeded")
	}
	// A reader returning data with io.EOF.
	got, err = ReadAll(iotest.DataErrReader(strings.NewReader("hello")), 5)
	if err != nil || string(got) != "hello" {
		t.Errorf("ReadAll of a DataErrReader = %q, %v", got, err)
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1: "1 byte", 10: "10 bytes", 1 << 10: "1 KiB", 64 << 10: "64 KiB", 1 << 20: "1 MiB", 1<<20 + 1: "1048577 bytes", 3 << 20: "3 MiB"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
