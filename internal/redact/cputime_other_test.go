//go:build !linux

package redact

import "time"

// cpuTime falls back to wall time where thread CPU time is not at hand.
func cpuTime(f func()) time.Duration {
	t0 := time.Now()
	f()
	return time.Since(t0)
}
