package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPUTime returns the user and system CPU time the process has used.
func CPUTime() (time.Duration, error) {
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

// CPUMark is the CPU time this process and the whole machine had used at
// one moment, to tell apart later what each used since.
type CPUMark struct {
	self, busy time.Duration
	ok         bool
}

// MarkCPU notes the CPU time used so far.
func MarkCPU() CPUMark {
	self, err1 := CPUTime()
	busy, err2 := machineBusy()
	return CPUMark{self: self, busy: busy, ok: err1 == nil && err2 == nil}
}

// Since returns the CPU time this process and the machine's other
// processes used since m, and whether both could be read.
func (m CPUMark) Since() (self, others time.Duration, ok bool) {
	now := MarkCPU()
	if !m.ok || !now.ok {
		return 0, 0, false
	}
	self = now.self - m.self
	return self, max(now.busy-m.busy-self, 0), true
}

// RaiseFileLimit makes sure the process may hold need open files, raising
// the hard limit too if it must (which needs privilege).
func RaiseFileLimit(need uint64) error {
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
