// Package upload measures what an oversized upload does to the blog's
// memory: an author sends far more than a post may hold to `publish big`,
// from a child process (so that the memory measured is the server's
// alone), while this process's RSS is sampled until the server answers.
package upload

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sshblog/sshblog/cmd/bench/internal/clients"
	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
	"github.com/sshblog/sshblog/cmd/bench/internal/wait"
)

// rssInterval is how often RSS is sampled during the upload.
const rssInterval = 2 * time.Millisecond

// hangUpLimit bounds the wait for the server to close the upload's
// connection after its answer.
const hangUpLimit = 5 * time.Second

// Config is one upload's settings.
type Config struct {
	Addr      string             // the blog's address
	Key       ed25519.PrivateKey // an author's key
	HostKey   ssh.PublicKey      // the blog's host key
	Size      int64              // bytes to offer
	Limit     time.Duration      // the whole upload's time limit
	OpenConns func() int64       // the connections the blog's server has open
}

// Result is one oversized `publish`.
type Result struct {
	Size     int64             // bytes the client offered
	Sent     int64             // bytes the client got to send before the server closed
	Answer   string            // the server's error line
	ExitCode int               // the command's exit status; -1 if none
	Took     time.Duration     // until the server's answer
	Before   uint64            // RSS before, settled
	Peak     uint64            // the highest RSS during the upload
	After    uint64            // RSS after, settled
	Exact    bool              // Peak is the kernel's high-water mark, not sampled
	Samples  int               // RSS samples taken
	Heap     proc.HeapActivity // what the Go heap did from the upload's start until the server hung up
	Failed   error             // the upload could not be made at all
}

// Growth is how much RSS rose above the settled level during the upload.
func (r Result) Growth() int64 { return int64(r.Peak) - int64(r.Before) }

// Run sends c.Size bytes of markdown to `publish big` as the author whose
// key is c.Key, from a child process (see RunClient), and samples this
// process's RSS until the server answers or c.Limit passes. The RSS kept
// is read once the server has closed the upload's connection (c.OpenConns
// is back where it was), as the channel's buffered data lives until then.
func Run(ctx context.Context, c Config) (Result, error) {
	r := Result{Size: c.Size, ExitCode: -1}
	job, err := newJob(c.Addr, c.Key, c.HostKey, c.Size, time.Now().Add(c.Limit))
	if err != nil {
		return r, err
	}
	open := c.OpenConns()
	before, err := proc.SettledMem()
	if err != nil {
		return r, err
	}
	r.Before = before.RSS
	// The kernel's high-water mark sees every peak; sampling, the
	// fallback, may miss a short one.
	r.Exact = proc.ResetPeakRSS() == nil
	ctx, cancel := context.WithTimeout(ctx, c.Limit)
	defer cancel()
	done := make(chan struct{})
	sampled := samplePeak(ctx, done, before.RSS)
	heapBefore := proc.ReadHeapCounters()
	start := time.Now()
	o, err := runElsewhere(ctx, job)
	r.Took = time.Since(start)
	if err != nil {
		return r, err
	}
	r.Sent, r.Answer, r.ExitCode = o.Sent, o.Answer, o.Code
	if o.Err != "" {
		r.Failed = errors.New(o.Err)
	}
	close(done)
	p := <-sampled
	r.Peak, r.Samples = p.rss, p.samples
	if r.Exact {
		hwm, err := proc.ReadPeakRSS()
		r.Exact = err == nil
		r.Peak = max(r.Peak, hwm)
	}
	// The client may still be sending, and the server receiving, when the
	// answer arrives: count the heap's work until the server hangs up.
	wait.Until(ctx, hangUpLimit, func() bool { return c.OpenConns() <= open })
	r.Heap = proc.ReadHeapCounters().Since(heapBefore)
	after, err := proc.SettledMem()
	if err != nil {
		return r, err
	}
	r.After = after.RSS
	return r, nil
}

// peak is the highest RSS sampled, and how many samples there were.
type peak struct {
	rss     uint64
	samples int
}

// samplePeak samples RSS every rssInterval, starting from from, until done
// is closed or ctx is done, and then sends the peak.
func samplePeak(ctx context.Context, done <-chan struct{}, from uint64) <-chan peak {
	sampled := make(chan peak, 1)
	go func() {
		p := peak{rss: from}
		defer func() { sampled <- p }()
		tick := time.NewTicker(rssInterval)
		defer tick.Stop()
		for { // until the upload ends, within its limit
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				if rss, err := proc.ReadRSS(); err == nil {
					p.rss = max(p.rss, rss)
					p.samples++
				}
			}
		}
	}()
	return sampled
}

// upload runs `publish big` with size bytes on stdin and returns how many
// bytes went, the server's error line and the exit status.
func upload(ctx context.Context, addr string, cfg *ssh.ClientConfig, size int64, deadline time.Time) (sent int64, answer string, code int, err error) {
	client, _, _, err := clients.Dial(ctx, addr, cfg, deadline)
	if err != nil {
		return 0, "", -1, err
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		return 0, "", -1, err
	}
	defer sess.Close()
	in := newMarkdownStream(size)
	var out, errOut clients.LimitedBuffer
	sess.Stdin, sess.Stdout, sess.Stderr = in, &out, &errOut
	err = sess.Run("publish big")
	code = 0
	var exit *ssh.ExitError
	switch {
	case errors.As(err, &exit):
		code, err = exit.ExitStatus(), nil
	case err != nil:
		code = -1
	}
	return in.read.Load(), strings.TrimSpace(errOut.String() + out.String()), code, err
}

// markdownStream is size bytes of markdown, made as they are read: a front
// matter, then the same lines over and over.
type markdownStream struct {
	left    int64
	read    atomic.Int64 // bytes read; the SSH library may still read after Wait returns
	pattern []byte       // the front matter, then lines
	body    int          // where the lines start in pattern
	off     int          // the next byte of pattern
}

// newMarkdownStream returns a stream of size bytes.
func newMarkdownStream(size int64) *markdownStream {
	p := []byte("---\ntitle: big\n---\n\n")
	body := len(p)
	line := []byte("A large post, 큰 글, that no server should keep in memory.\n")
	p = append(p, bytes.Repeat(line, 4096/len(line))...)
	return &markdownStream{left: size, pattern: p, body: body}
}

// Read fills p with the next bytes of the stream.
func (m *markdownStream) Read(p []byte) (int, error) {
	if m.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), m.left)]
	n := 0
	for n < len(p) { // at most len(p)/len(lines)+1 rounds
		c := copy(p[n:], m.pattern[m.off:])
		n += c
		if m.off += c; m.off == len(m.pattern) {
			m.off = m.body
		}
	}
	m.left -= int64(n)
	m.read.Add(int64(n))
	return n, nil
}
