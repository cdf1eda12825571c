package auth

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// DefaultHashMemory is the default Config.HashMemory: 128 MiB, two
// argon2id runs at DefaultPasswordParams at a time (about 20 sign-ins a
// second on two cores).
const DefaultHashMemory = 128 << 20

// releaseAfter is how long the hashers must stay idle before the memory of
// a burst is given back to the system.
const releaseAfter = time.Second

// hashBudget bounds the memory argon2id runs hold at once: a weighted
// semaphore in KiB. argon2 allocates its whole memory parameter per run
// and drops it after, as garbage the collector would let pile up to twice
// the live heap, and that an idle server would then keep (the collector
// runs when something allocates, and the runtime returns freed pages
// slowly). So each run ends with a collection (collect: runtime.GC, a few
// milliseconds against a run's hundred, since argon2's memory holds no
// pointers to scan), and once the last run of a burst ends and none starts
// for releaseAfter, free returns the pages to the system
// (debug.FreeOSMemory).
type hashBudget struct {
	sem     *semaphore.Weighted
	budget  int64 // KiB
	collect func()
	free    func()

	mu       sync.Mutex
	inFlight int
	peak     int // most runs at once, for tests
	runs     int // runs started; a pending release checks it did not change
	timer    *time.Timer
}

func newHashBudget(bytes int64, collect, free func()) *hashBudget {
	kib := max(1, bytes>>10)
	return &hashBudget{sem: semaphore.NewWeighted(kib), budget: kib, collect: collect, free: free}
}

// weight is what a run with memKiB takes; one larger than the whole budget
// takes all of it (it runs alone rather than never).
func (b *hashBudget) weight(memKiB uint32) int64 { return min(max(1, int64(memKiB)), b.budget) }

func (b *hashBudget) acquire(ctx context.Context, memKiB uint32) error {
	if err := b.sem.Acquire(ctx, b.weight(memKiB)); err != nil {
		return err
	}
	b.mu.Lock()
	b.inFlight++
	b.runs++
	b.peak = max(b.peak, b.inFlight)
	b.mu.Unlock()
	return nil
}

func (b *hashBudget) release(memKiB uint32) {
	b.mu.Lock()
	b.inFlight--
	if b.inFlight == 0 {
		runs := b.runs
		if b.timer != nil {
			b.timer.Stop()
		}
		b.timer = time.AfterFunc(releaseAfter, func() {
			b.mu.Lock()
			idle := b.inFlight == 0 && b.runs == runs
			b.mu.Unlock()
			if idle {
				b.free()
			}
		})
	}
	b.mu.Unlock()
	b.collect() // before the next run allocates, so it reuses these pages
	b.sem.Release(b.weight(memKiB))
}
