// Package tally gathers what the bench's clients measured: durations,
// sorted for their quantiles, and failures, counted with the first kept;
// and words durations in milliseconds, as every table prints them.
package tally

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Failures counts errors and keeps the first.
type Failures struct {
	N     int
	First error
}

// Add counts err.
func (f *Failures) Add(err error) {
	if f.N == 0 {
		f.First = err
	}
	f.N++
}

// Merge adds g's errors to f.
func (f *Failures) Merge(g Failures) {
	if f.N == 0 {
		f.First = g.First
	}
	f.N += g.N
}

// Distribution is a sorted set of durations.
type Distribution []time.Duration

// NewDistribution sorts ds (in place) into a distribution.
func NewDistribution(ds []time.Duration) Distribution {
	slices.Sort(ds)
	return ds
}

// Quantile returns the nearest-rank q-quantile, 0 < q <= 1; 0 when empty.
func (d Distribution) Quantile(q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(d)))) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// P50P99 is "p50 / p99" of d, in milliseconds.
func (d Distribution) P50P99() string {
	return Ms(d.Quantile(0.5)) + " / " + Ms(d.Quantile(0.99))
}

// Spread is "p50 / p99 / max" of ds, in milliseconds, or "-" when ds is
// empty. It leaves ds as it is.
func Spread(ds []time.Duration) string {
	d := NewDistribution(slices.Clone(ds))
	if len(d) == 0 {
		return "-"
	}
	return fmt.Sprintf("%s / %s / %s", Ms(d.Quantile(0.5)), Ms(d.Quantile(0.99)), Ms(d[len(d)-1]))
}

// Ms formats d in milliseconds.
func Ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
