package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// memSample is the process's memory at one moment.
type memSample struct {
	RSS        uint64 // resident set size, bytes (VmRSS)
	RSSAnon    uint64 // of which anonymous memory: the heap, stacks, the runtime's (RssAnon)
	RSSFile    uint64 // of which file pages mapped in: the binary, the database (RssFile)
	HeapLive   uint64 // Go heap marked live by the last GC, bytes
	HeapUnused uint64 // free room in heap spans that hold live objects: fragmentation, bytes
	HeapFree   uint64 // free heap pages not yet given back to the system, bytes
	Runtime    uint64 // the runtime's own memory: GC and span metadata, profiling, other, bytes
	Stacks     uint64 // goroutine stacks, bytes
	Goroutines uint64
}

// readMem samples the process's memory.
func readMem() (memSample, error) {
	rss, err := readRSS()
	if err != nil {
		return memSample{}, err
	}
	anon, err := readStatus("RssAnon:")
	if err != nil {
		return memSample{}, err
	}
	file, err := readStatus("RssFile:")
	if err != nil {
		return memSample{}, err
	}
	ms := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/sched/goroutines:goroutines"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/metadata/mcache/inuse:bytes"},
		{Name: "/memory/classes/metadata/mspan/inuse:bytes"},
		{Name: "/memory/classes/metadata/other:bytes"},
		{Name: "/memory/classes/profiling/buckets:bytes"},
		{Name: "/memory/classes/other:bytes"},
		{Name: "/memory/classes/os-stacks:bytes"},
	}
	metrics.Read(ms)
	for _, m := range ms {
		if m.Value.Kind() != metrics.KindUint64 {
			return memSample{}, fmt.Errorf("runtime metric %s is not supported", m.Name)
		}
	}
	var runtimeOwn uint64
	for _, m := range ms[5:] {
		runtimeOwn += m.Value.Uint64()
	}
	return memSample{
		RSS: rss, RSSAnon: anon, RSSFile: file,
		HeapLive: ms[0].Value.Uint64(), Stacks: ms[1].Value.Uint64(), Goroutines: ms[2].Value.Uint64(),
		HeapUnused: ms[3].Value.Uint64(), HeapFree: ms[4].Value.Uint64(), Runtime: runtimeOwn,
	}, nil
}

// heapActivity is what the Go heap did over a span of time.
type heapActivity struct {
	Allocated uint64 // bytes allocated, garbage included
	GCs       uint64 // garbage collections that ended
	Live      uint64 // heap marked live by the last GC before the span, bytes
	Goal      uint64 // the GC's heap size target at the start, bytes
}

// readHeapCounters returns the heap's running totals: Allocated and GCs
// count from the start of the process.
func readHeapCounters() heapActivity {
	ms := []metrics.Sample{
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/heap/goal:bytes"},
	}
	metrics.Read(ms)
	var v [4]uint64
	for i, m := range ms {
		if m.Value.Kind() == metrics.KindUint64 { // else unsupported: 0
			v[i] = m.Value.Uint64()
		}
	}
	return heapActivity{Allocated: v[0], GCs: v[1], Live: v[2], Goal: v[3]}
}

// since returns the activity between start and h, both from
// readHeapCounters; Live and Goal are start's.
func (h heapActivity) since(start heapActivity) heapActivity {
	return heapActivity{Allocated: h.Allocated - start.Allocated, GCs: h.GCs - start.GCs, Live: start.Live, Goal: start.Goal}
}

// finalizerPause is how long settledMem lets other goroutines run between
// its two collections.
const finalizerPause = 10 * time.Millisecond

// settledMem collects garbage, returns free memory to the system and then
// samples, so that two samples differ by what is live in between. The
// pause between the two collections lets what the first one queued, such
// as finalizers, run before the second: without it, a sample just after
// the upload run now and then still counted the closed connection's 2 MiB
// of channel data.
func settledMem() (memSample, error) {
	runtime.GC()
	time.Sleep(finalizerPause)
	debug.FreeOSMemory()
	return readMem()
}

// readRSS returns VmRSS from /proc/self/status, in bytes.
func readRSS() (uint64, error) { return readStatus("VmRSS:") }

// readPeakRSS returns VmHWM, the highest RSS since the process started or
// since resetPeakRSS, in bytes.
func readPeakRSS() (uint64, error) { return readStatus("VmHWM:") }

// resetPeakRSS sets VmHWM back to the current RSS (Linux 4.0 and later).
func resetPeakRSS() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// readStatus returns a size in kB from /proc/self/status, in bytes.
func readStatus(key string) (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) == 3 && string(f[0]) == key && string(f[2]) == "kB" {
			kb, err := strconv.ParseUint(string(f[1]), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s %w", key, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/self/status", key)
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// userHZ is the unit of the times in /proc/stat.
const userHZ = 100

// machineBusy returns the CPU time all processes have used, from the
// first line of /proc/stat: user, nice, system, irq, softirq and steal.
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("unexpected /proc/stat: %q", line)
	}
	var ticks uint64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, err := strconv.ParseUint(f[i], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// raiseFileLimit makes sure the process may hold need open files, raising
// the hard limit too if it must (which needs privilege).
func raiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur >= need {
		return nil
	}
	lim.Cur = need
	lim.Max = max(lim.Max, need)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("raising the open file limit to %d: %w (try `ulimit -n %d` first, or a smaller -hold)", need, err, need)
	}
	return nil
}

// distribution is a sorted set of durations.
type distribution []time.Duration

// newDistribution sorts ds (in place) into a distribution.
func newDistribution(ds []time.Duration) distribution {
	slices.Sort(ds)
	return ds
}

// quantile returns the nearest-rank q-quantile, 0 < q <= 1; 0 when empty.
func (d distribution) quantile(q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(d)))) - 1
	return d[min(max(i, 0), len(d)-1)]
}

// p50p99 is "p50 / p99" of d, in milliseconds.
func (d distribution) p50p99() string {
	return ms(d.quantile(0.5)) + " / " + ms(d.quantile(0.99))
}
