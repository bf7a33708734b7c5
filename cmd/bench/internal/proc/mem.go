// Package proc reads what this process uses, as the kernel and the Go
// runtime count it: memory (RSS and its parts, the heap, stacks,
// goroutines), CPU time, the whole machine's CPU time, and profiles; and
// describes the machine. Every figure is the whole process's: the bench's
// servers and clients share it.
package proc

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"time"

	"github.com/sshblog/sshblog/cmd/bench/internal/wait"
)

// Mem is the process's memory at one moment.
type Mem struct {
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

// ReadMem samples the process's memory.
func ReadMem() (Mem, error) {
	rss, err := ReadRSS()
	if err != nil {
		return Mem{}, err
	}
	anon, err := readStatus("RssAnon:")
	if err != nil {
		return Mem{}, err
	}
	file, err := readStatus("RssFile:")
	if err != nil {
		return Mem{}, err
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
			return Mem{}, fmt.Errorf("runtime metric %s is not supported", m.Name)
		}
	}
	var runtimeOwn uint64
	for _, m := range ms[5:] {
		runtimeOwn += m.Value.Uint64()
	}
	return Mem{
		RSS: rss, RSSAnon: anon, RSSFile: file,
		HeapLive: ms[0].Value.Uint64(), Stacks: ms[1].Value.Uint64(), Goroutines: ms[2].Value.Uint64(),
		HeapUnused: ms[3].Value.Uint64(), HeapFree: ms[4].Value.Uint64(), Runtime: runtimeOwn,
	}, nil
}

// HeapActivity is what the Go heap did over a span of time.
type HeapActivity struct {
	Allocated uint64 // bytes allocated, garbage included
	GCs       uint64 // garbage collections that ended
	Live      uint64 // heap marked live by the last GC before the span, bytes
	Goal      uint64 // the GC's heap size target at the start, bytes
}

// ReadHeapCounters returns the heap's running totals: Allocated and GCs
// count from the start of the process.
func ReadHeapCounters() HeapActivity {
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
	return HeapActivity{Allocated: v[0], GCs: v[1], Live: v[2], Goal: v[3]}
}

// Since returns the activity between start and h, both from
// ReadHeapCounters; Live and Goal are start's.
func (h HeapActivity) Since(start HeapActivity) HeapActivity {
	return HeapActivity{Allocated: h.Allocated - start.Allocated, GCs: h.GCs - start.GCs, Live: start.Live, Goal: start.Goal}
}

// finalizerPause is how long SettledMem lets other goroutines run between
// its two collections.
const finalizerPause = 10 * time.Millisecond

// SettledMem collects garbage, returns free memory to the system and then
// samples, so that two samples differ by what is live in between. The
// pause between the two collections lets what the first one queued, such
// as finalizers, run before the second: without it, a sample just after
// the upload run now and then still counted the closed connection's 2 MiB
// of channel data.
func SettledMem() (Mem, error) {
	runtime.GC()
	time.Sleep(finalizerPause)
	debug.FreeOSMemory()
	return ReadMem()
}

// ReadRSS returns VmRSS from /proc/self/status, in bytes.
func ReadRSS() (uint64, error) { return readStatus("VmRSS:") }

// ReadPeakRSS returns VmHWM, the highest RSS since the process started or
// since ResetPeakRSS, in bytes.
func ReadPeakRSS() (uint64, error) { return readStatus("VmHWM:") }

// ResetPeakRSS sets VmHWM back to the current RSS (Linux 4.0 and later).
func ResetPeakRSS() error {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// ReadRSSOf returns the resident set size of the process pid, and of it
// the anonymous memory (heap, stacks) and the file pages mapped in (the
// binary, the database), in bytes.
func ReadRSSOf(pid int) (rss, anon, file uint64, err error) {
	status := "/proc/" + strconv.Itoa(pid) + "/status"
	if rss, err = readStatusOf(status, "VmRSS:"); err != nil {
		return 0, 0, 0, err
	}
	if anon, err = readStatusOf(status, "RssAnon:"); err != nil {
		return 0, 0, 0, err
	}
	if file, err = readStatusOf(status, "RssFile:"); err != nil {
		return 0, 0, 0, err
	}
	return rss, anon, file, nil
}

// readStatus returns a size in kB from /proc/self/status, in bytes.
func readStatus(key string) (uint64, error) { return readStatusOf("/proc/self/status", key) }

// readStatusOf returns a size in kB from a status file, in bytes.
func readStatusOf(file, key string) (uint64, error) {
	b, err := os.ReadFile(file)
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
	return 0, fmt.Errorf("no %s in %s", key, file)
}

// WaitGoroutines waits until at most n goroutines are left, for up to
// limit or until ctx is done, and reports whether that happened.
func WaitGoroutines(ctx context.Context, n uint64, limit time.Duration) bool {
	return wait.Until(ctx, limit, func() bool {
		m, err := ReadMem()
		return err == nil && m.Goroutines <= n
	})
}
