package stats

import "context"

// Hooks into the Recorder's goroutine for the tests of package stats_test.

// Salt returns the salt of the day the recorder is in.
func (r *Recorder) Salt(ctx context.Context) ([32]byte, error) {
	var s [32]byte
	err := r.do(ctx, func() { s = r.salt })
	return s, err
}

// ReaderHash returns what names e's reader today, after the reads recorded
// before it.
func (r *Recorder) ReaderHash(ctx context.Context, e Event) (h uint64, ok bool, err error) {
	err = r.do(ctx, func() {
		r.drain()
		h, ok = r.hash(&e)
	})
	return h, ok, err
}

// Drain makes the recorder take the reads recorded so far, without
// writing them.
func (r *Recorder) Drain(ctx context.Context) error {
	return r.do(ctx, r.drain)
}

// Pause holds the recorder's goroutine until resume is called: reads pile
// up in the buffer.
func (r *Recorder) Pause() (resume func()) {
	held, release := make(chan struct{}), make(chan struct{})
	go r.do(context.Background(), func() { close(held); <-release })
	<-held
	return func() { close(release) }
}
