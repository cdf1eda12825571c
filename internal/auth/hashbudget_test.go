package auth

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// nopStore is enough for the password paths that touch no rows.
type nopStore struct{}

func (nopStore) Update(context.Context, func(Tx) error) error { return nil }
func (nopStore) View(context.Context, func(Tx) error) error   { return nil }

// Issue 9: 8 concurrent sign-ins took RSS from 32 to 492 MiB, still there
// 15 s later. Hashes now run within a memory budget, and the memory of a
// burst is given back once it ends.
func TestHashMemoryBound(t *testing.T) {
	params := PasswordParams{Time: 1, MemoryKiB: 8 << 10, Threads: 1, SaltLen: 16, KeyLen: 32}
	s, err := NewService(Config{Store: nopStore{}, Now: time.Now, Pseudonym: func(_, v string) string { return v },
		Password: params, HashMemory: 2 * 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	phc, err := HashPassword("some password to check", params)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if ok, _, err := s.verify(context.Background(), phc, "some password to check"); !ok || err != nil {
				t.Errorf("verify = %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
	if s.hashes.peak != 2 {
		t.Errorf("8 concurrent verifications with room for 2: %d ran at once, want 2", s.hashes.peak)
	}
	// A hash larger than the whole budget still runs (alone).
	big := PasswordParams{Time: 1, MemoryKiB: 32 << 10, Threads: 1, SaltLen: 16, KeyLen: 32}
	bigPHC, _ := HashPassword("a bigger old hash", big)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if ok, _, err := s.verify(ctx, bigPHC, "a bigger old hash"); !ok || err != nil {
		t.Errorf("verify of a hash over the budget = %v, %v; want it to run", ok, err)
	}
}

func TestHashBudgetFreesAfterABurst(t *testing.T) {
	var freed atomic.Int32
	b := newHashBudget(64<<20, func() {}, func() { freed.Add(1) })
	ctx := context.Background()
	b.acquire(ctx, 1024)
	b.acquire(ctx, 1024)
	b.release(1024)
	b.release(1024)
	// Another run starts before the quiet time is over: no release yet.
	time.Sleep(releaseAfter / 2)
	b.acquire(ctx, 1024)
	time.Sleep(releaseAfter)
	if n := freed.Load(); n != 0 {
		t.Fatalf("memory released %d times while a run was going, want 0", n)
	}
	b.release(1024)
	time.Sleep(releaseAfter + releaseAfter/2)
	if n := freed.Load(); n != 1 {
		t.Errorf("memory released %d times after the burst, want 1", n)
	}
}

// The real thing: after a burst of 8 argon2id runs of 32 MiB, the heap
// the process holds from the system drops back.
func TestHashBurstMemoryIsReturned(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 256 MiB")
	}
	params := PasswordParams{Time: 1, MemoryKiB: 32 << 10, Threads: 1, SaltLen: 16, KeyLen: 32}
	s, err := NewService(Config{Store: nopStore{}, Now: time.Now, Pseudonym: func(_, v string) string { return v },
		Password: params, HashMemory: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := s.hash(context.Background(), "a password"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	held := func() uint64 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return (m.HeapSys - m.HeapReleased) >> 20
	}
	after := held()
	time.Sleep(releaseAfter + time.Second)
	idle := held()
	t.Logf("heap held from the system: %d MiB right after the burst, %d MiB %v later", after, idle, releaseAfter+time.Second)
	if idle > 40 {
		t.Errorf("heap held after the burst = %d MiB, want under 40 (one run is 32 MiB)", idle)
	}
}

// TestHashBurstRSS measures the process's resident memory around a burst
// of 8 concurrent verifications at the real parameters (64 MiB each) and
// the default budget; BENCHMARKS.md quotes it. Run with
// TREMENT_MEASURE_RSS=1 go test -run TestHashBurstRSS -v ./internal/auth
func TestHashBurstRSS(t *testing.T) {
	if os.Getenv("TREMENT_MEASURE_RSS") == "" {
		t.Skip("a measurement: set TREMENT_MEASURE_RSS=1")
	}
	rss := func() int {
		b, err := os.ReadFile("/proc/self/status")
		if err != nil {
			t.Skip("no /proc/self/status")
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
				return kb >> 10
			}
		}
		return 0
	}
	s, err := NewService(Config{Store: nopStore{}, Now: time.Now, Pseudonym: func(_, v string) string { return v }})
	if err != nil {
		t.Fatal(err)
	}
	phc, _ := HashPassword("a password to check", DefaultPasswordParams)
	runtime.GC()
	debug.FreeOSMemory()
	before := rss()
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				peak.Store(max(peak.Load(), int64(rss())))
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { s.verify(context.Background(), phc, "a password to check") })
	}
	wg.Wait()
	took := time.Since(start)
	close(done)
	end := rss()
	time.Sleep(releaseAfter + 500*time.Millisecond)
	t.Logf("8 concurrent sign-ins (argon2id m=64 MiB t=3 p=2, HashMemory %d MiB): RSS %d MiB before, peak %d MiB, %d MiB at the end (%v), %d MiB %v later; %d ran at once",
		DefaultHashMemory>>20, before, peak.Load(), end, took.Round(time.Millisecond), rss(), releaseAfter+500*time.Millisecond, s.hashes.peak)
}
