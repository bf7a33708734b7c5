package proc

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strings"
)

// Machine describes where the run happened.
type Machine struct {
	CPUs  int
	Model string
	Go    string
}

// ReadMachine reads the CPU count and model and the Go version.
func ReadMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, Model: "unknown"}
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return m // not Linux: the model stays unknown
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			m.Model = strings.TrimSpace(v)
			break
		}
	}
	return m
}
