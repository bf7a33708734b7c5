package transfer

import (
	"fmt"
	"io"
	"sync"

	"github.com/sshblog/sshblog/internal/post"
)

// smallUpload is the size of the buffers most uploads fit in.
const smallUpload = 64 << 10

// Buffers lends the buffers that uploads (publish, scp, sftp) are
// read into, from two pools: small ones, which most posts fit in, and ones
// that hold the largest post and one byte more, lent only when a small one
// is full. An upload thus moves at most once, never grows a buffer and
// leaves no garbage, however large it is, and a buffer given back serves
// the next upload. The zero value is ready to use.
type Buffers struct {
	small sync.Pool // of *[]byte with capacity smallUpload
	large sync.Pool // of *[]byte with room for the largest post and one byte more
}

// lentBytes is one upload's bytes, in a buffer lent by Buffers. The
// zero value holds nothing and has borrowed nothing.
type lentBytes struct {
	b    []byte     // the bytes, in *p; cap(b) is the room the upload may use
	p    *[]byte    // the borrowed buffer, nil when none
	pool *sync.Pool // where p goes back
}

// reserve makes room for n bytes in all, with n at most limit+1, where
// limit is the upload's: when b is too small it moves to a small buffer or
// else to one that holds limit+1 bytes, never to more room than that.
func (l *lentBytes) reserve(from *Buffers, n, limit int) {
	if n <= cap(l.b) {
		return
	}
	pool, size := &from.large, limit+1
	if n <= smallUpload {
		pool, size = &from.small, smallUpload
	}
	p, ok := pool.Get().(*[]byte)
	if !ok || cap(*p) < size { // none pooled, or one for a smaller limit
		buf := make([]byte, 0, size)
		p = &buf
	}
	b := append((*p)[:0:min(size, limit+1)], l.b...)
	l.release()
	l.b, l.p, l.pool = b, p, pool
}

// release gives the buffer back; l then holds nothing. Nothing may use the
// bytes afterwards.
func (l *lentBytes) release() {
	if l.p != nil {
		*l.p = (*l.p)[:0]
		l.pool.Put(l.p)
	}
	*l = lentBytes{}
}

// readFrom reads r to its end into l, which must hold nothing yet, and at
// most limit bytes of it, stopping with an error wrapping
// post.ErrTooLarge at the first byte over limit, without reading further.
// limit is a post's, at most post.MaxSize. On error l holds nothing.
func (l *lentBytes) readFrom(from *Buffers, r io.Reader, limit int64) error {
	if limit < 0 {
		return fmt.Errorf("reading an upload: negative limit %d", limit)
	}
	for {
		if len(l.b) == cap(l.b) {
			if int64(len(l.b)) > limit {
				l.release()
				return post.TooLarge(limit)
			}
			l.reserve(from, len(l.b)+1, int(limit))
		}
		n, err := r.Read(l.b[len(l.b):cap(l.b)])
		l.b = l.b[:len(l.b)+n]
		if err == io.EOF {
			return nil
		}
		if err != nil {
			l.release()
			return fmt.Errorf("reading an upload: %w", err)
		}
	}
}

// ReadAll reads r to its end as lentBytes.readFrom does and returns what
// was read. On success the caller must call release once it no longer uses
// data; on error there is nothing to release.
func (b *Buffers) ReadAll(r io.Reader, limit int64) (data []byte, release func(), err error) {
	l := new(lentBytes)
	if err := l.readFrom(b, r, limit); err != nil {
		return nil, nil, err
	}
	return l.b, l.release, nil
}
