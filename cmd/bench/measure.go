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
	HeapLive   uint64 // Go heap marked live by the last GC, bytes
	Stacks     uint64 // goroutine stacks, bytes
	Goroutines uint64
}

// readMem samples the process's memory.
func readMem() (memSample, error) {
	rss, err := readRSS()
	if err != nil {
		return memSample{}, err
	}
	ms := []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/memory/classes/heap/stacks:bytes"},
		{Name: "/sched/goroutines:goroutines"},
	}
	metrics.Read(ms)
	for _, m := range ms {
		if m.Value.Kind() != metrics.KindUint64 {
			return memSample{}, fmt.Errorf("runtime metric %s is not supported", m.Name)
		}
	}
	return memSample{RSS: rss, HeapLive: ms[0].Value.Uint64(), Stacks: ms[1].Value.Uint64(), Goroutines: ms[2].Value.Uint64()}, nil
}

// settledMem collects garbage, returns free memory to the system and then
// samples, so that two samples differ by what is live in between.
func settledMem() (memSample, error) {
	runtime.GC()
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
