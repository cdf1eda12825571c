// Package proc reads what the benchmark commands measure of a process from
// Linux's /proc.
package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// PeakRSSKB is the process's peak resident set size (VmHWM) in KiB, or 0
// if it cannot be read.
func PeakRSSKB(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}
