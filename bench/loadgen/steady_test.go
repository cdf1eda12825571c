package main

import (
	"os"
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	// A command name with spaces and a parenthesis; utime 250, stime 130 ticks.
	line := "4242 (tre ment) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 130 0 0 20 0 12 0 100 0 0\n"
	if got, want := statCPU(line), 3800*time.Millisecond; got != want {
		t.Fatalf("statCPU = %s, want %s", got, want)
	}
	if got := statCPU("garbage"); got != 0 {
		t.Fatalf("statCPU(garbage) = %s, want 0", got)
	}
}

func TestCPUTimeOfThisProcessGrows(t *testing.T) {
	before := cpuTime(os.Getpid())
	deadline := time.Now().Add(300 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	if after := cpuTime(os.Getpid()); after <= before {
		t.Fatalf("CPU time went from %s to %s after 300ms of spinning", before, after)
	}
}
