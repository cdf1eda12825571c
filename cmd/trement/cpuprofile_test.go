package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCPUProfileIsWrittenAtShutdown: TREMENT_CPU_PROFILE's file holds a
// profile once serve stops it, readable only by its owner.
func TestCPUProfileIsWrittenAtShutdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	stop, err := startCPUProfile(path)
	if err != nil {
		t.Fatal(err)
	}
	stop()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("profile is %d bytes, mode %v; want a profile, mode 0600", fi.Size(), fi.Mode().Perm())
	}
	if _, err := startCPUProfile(filepath.Join(t.TempDir(), "missing", "cpu.prof")); err == nil {
		t.Error("a profile in a folder that does not exist started")
	}
}
