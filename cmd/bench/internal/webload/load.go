package webload

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Figures are what one or more load runs measured.
type Figures struct {
	Requests int
	Errors   int // failed requests and statuses other than 200
	Rate     float64
	P50, P99 time.Duration
	Bytes    int64 // of bodies, as sent

	times []time.Duration // every request's, sorted once summed up
	took  time.Duration
}

// add counts the runs of o in f too.
func (f *Figures) add(o Figures) {
	f.times = append(f.times, o.times...)
	f.Errors += o.Errors
	f.Bytes += o.Bytes
	f.took += o.took
	f.sum()
}

// sum works out the rate and percentiles.
func (f *Figures) sum() {
	f.Requests = len(f.times)
	if f.Requests == 0 || f.took <= 0 {
		return
	}
	slices.Sort(f.times)
	f.Rate = float64(f.Requests) / f.took.Seconds()
	f.P50, f.P99 = f.times[f.Requests/2], f.times[f.Requests*99/100]
}

// load asks for random paths of base from conns keep-alive connections
// for d, each with Accept-Encoding: encoding, and measures the answers;
// the warm-up before d is not counted.
func load(ctx context.Context, base string, paths []string, conns int, warmup, d time.Duration, encoding string, seed uint64) Figures {
	tr := &http.Transport{
		MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	warm := time.Now().Add(warmup)
	end := warm.Add(d)
	var mu sync.Mutex
	var all []time.Duration
	var f Figures
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			var mine []time.Duration
			var errs int
			var bytes int64
			buf := make([]byte, 64<<10)
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+paths[rng.IntN(len(paths))], nil)
				req.Header.Set("Accept", "text/html,application/xhtml+xml")
				req.Header.Set("User-Agent", "Mozilla/5.0 (bench)")
				req.Header.Set("Accept-Encoding", encoding)
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				resp, err := client.Do(req)
				var n int64
				if err == nil {
					n, err = io.CopyBuffer(io.Discard, resp.Body, buf)
					resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if t0.Before(warm) {
					continue
				}
				if err != nil {
					errs++
					continue
				}
				mine = append(mine, time.Since(t0))
				bytes += n
			}
			mu.Lock()
			all = append(all, mine...)
			f.Errors += errs
			f.Bytes += bytes
			mu.Unlock()
		}()
	}
	wg.Wait()
	f.times, f.took = all, d
	f.sum()
	return f
}
