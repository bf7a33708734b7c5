package soak

import (
	"testing"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/proc"
)

// samplesOf makes one sample every sampleEvery with these anonymous RSS
// and render cache figures, in MiB.
func samplesOf(anon, cache []uint64) []sample {
	out := make([]sample, len(anon))
	for i := range anon {
		out[i] = sample{at: time.Duration(i+1) * sampleEvery, mem: proc.Mem{RSSAnon: anon[i] << 20}, cache: int(cache[i] << 20)}
	}
	return out
}

// TestRSSWindows checks the windows the soak's RSS check compares: the
// first and the last quarter of the samples from a time on, at least
// minWindow samples each, and their peaks less the render cache.
func TestRSSWindows(t *testing.T) {
	anon := []uint64{900, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210, 220}
	cache := []uint64{0, 0, 5, 10, 15, 20, 20, 20, 20, 20, 20, 20, 20, 20}
	s := samplesOf(anon, cache)

	// From the second sample on: 13 samples, quarters of 3 (13/4 = 3).
	early, late, ok := rssWindows(s, 2*sampleEvery)
	if !ok {
		t.Fatal("13 samples make no windows")
	}
	if len(early) != 3 || len(late) != 3 || early.from() != 2*sampleEvery || late.to() != 14*sampleEvery {
		t.Fatalf("windows %v–%v (%d) and %v–%v (%d), want 3 samples from 10s and 3 to 1m10s",
			early.from(), early.to(), len(early), late.from(), late.to(), len(late))
	}
	// Early: 100-0, 110-5, 120-10 → 110; late: 200-20, 210-20, 220-20 → 200.
	if got, want := early.peak(), uint64(110)<<20; got != want {
		t.Errorf("early peak %d MiB, want %d", got>>20, want>>20)
	}
	if got, want := late.peak(), uint64(200)<<20; got != want {
		t.Errorf("late peak %d MiB, want %d", got>>20, want>>20)
	}

	// Longer runs: a quarter each.
	long := samplesOf(make([]uint64, 40), make([]uint64, 40))
	if early, late, ok := rssWindows(long, 0); !ok || len(early) != 10 || len(late) != 10 {
		t.Errorf("40 samples: windows of %d and %d, want 10", len(early), len(late))
	}

	// Too few samples after the time given: no windows.
	if _, _, ok := rssWindows(s, 10*sampleEvery); ok {
		t.Error("5 samples made two windows of at least 3")
	}
	if _, _, ok := rssWindows(nil, 0); ok {
		t.Error("no samples made windows")
	}

	// A cache larger than the sample (it cannot be, but the sum must not wrap).
	odd := samplesOf([]uint64{1}, []uint64{2})
	if p := rssWindow(odd).peak(); p != 0 {
		t.Errorf("a cache larger than RSS: peak %d, want 0", p)
	}
}
