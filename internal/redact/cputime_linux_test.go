package redact

import (
	"runtime"
	"syscall"
	"time"
)

// cpuTime runs f on a locked OS thread and returns the CPU time that
// thread spent, which other processes on a loaded machine do not inflate
// the way they inflate wall time.
func cpuTime(f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	t0 := threadTime()
	f()
	return threadTime() - t0
}

func threadTime() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
