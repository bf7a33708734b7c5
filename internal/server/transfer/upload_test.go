package transfer

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sshblog/sshblog/internal/post"
)

func TestReadFromStopsAtTheFirstByteOverTheLimit(t *testing.T) {
	var bufs Buffers
	for _, tc := range []struct {
		name    string
		size    int64
		limit   int64
		tooBig  bool
		wantErr string
	}{
		{name: "empty", size: 0, limit: 10},
		{name: "under", size: 9, limit: 10},
		{name: "at the limit", size: 10, limit: 10},
		{name: "past a small buffer", size: smallUpload + 1, limit: post.MaxSize},
		{name: "at the largest post", size: post.MaxSize, limit: post.MaxSize},
		{name: "over by one", size: 11, limit: 10, tooBig: true, wantErr: "post is too large: the limit is 10 bytes"},
		{name: "far over", size: 1 << 20, limit: 10, tooBig: true},
		{name: "zero limit", size: 1, limit: 0, tooBig: true},
		{name: "a MiB over a MiB", size: 2 << 20, limit: post.MaxSize, tooBig: true, wantErr: "the limit is 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := make([]byte, tc.size)
			for i := range want {
				want[i] = byte('a' + i%23)
			}
			src := bytes.NewReader(want)
			data, release, err := bufs.ReadAll(src, tc.limit)
			if tc.tooBig {
				if !errors.Is(err, post.ErrTooLarge) || data != nil || release != nil {
					t.Fatalf("readAll = %d bytes, release %v, %v; want post.ErrTooLarge", len(data), release != nil, err)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %q does not say %q", err, tc.wantErr)
				}
				if read := tc.size - int64(src.Len()); read != tc.limit+1 {
					t.Errorf("read %d bytes of %d; want it to stop at limit+1 = %d", read, tc.size, tc.limit+1)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("read %d bytes, not the %d sent", len(data), tc.size)
			}
			release()
		})
	}
}

func TestReadFromPassesOnReadErrors(t *testing.T) {
	var bufs Buffers
	boom := errors.New("boom")
	_, _, err := bufs.ReadAll(io.MultiReader(strings.NewReader("abc"), iotestErrReader{boom}), 10)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "reading an upload") {
		t.Errorf("err = %v, want it to wrap %v", err, boom)
	}
	if _, _, err := bufs.ReadAll(strings.NewReader(""), -1); err == nil {
		t.Error("a negative limit was accepted")
	}
}

// iotestErrReader fails every read with err.
type iotestErrReader struct{ err error }

// Read returns the error.
func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestUploadsNeverShowAFormerUpload(t *testing.T) {
	var bufs Buffers
	first := &upload{limit: 64, bufs: &bufs}
	if _, err := first.WriteAt([]byte("secret draft"), 0); err != nil {
		t.Fatal(err)
	}
	first.TransferError(errors.New("torn")) // gives its buffer back
	// The pool may hand the same buffer to the next upload, which writes
	// only past the start.
	second := &upload{limit: 64, bufs: &bufs}
	if _, err := second.WriteAt([]byte("end"), 20); err != nil {
		t.Fatal(err)
	}
	if want := append(make([]byte, 20), "end"...); !bytes.Equal(second.data.b, want) {
		t.Errorf("the second upload holds %q, want %q", second.data.b, want)
	}
}

func TestUploadsMoveToALargerBufferIntact(t *testing.T) {
	var bufs Buffers
	u := &upload{limit: post.MaxSize, bufs: &bufs}
	head := bytes.Repeat([]byte("0123456789"), smallUpload/10)
	if _, err := u.WriteAt(head, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := u.WriteAt([]byte("tail"), 2*smallUpload); err != nil {
		t.Fatal(err)
	}
	want := append(append(head, make([]byte, 2*smallUpload-len(head))...), "tail"...)
	if !bytes.Equal(u.data.b, want) {
		t.Errorf("after moving to a large buffer the upload is %d bytes, not the %d written", len(u.data.b), len(want))
	}
	if _, err := u.WriteAt([]byte("x"), post.MaxSize); err == nil || u.data.b != nil {
		t.Errorf("a write past the limit: %v, and %d bytes still held", err, len(u.data.b))
	}
}
