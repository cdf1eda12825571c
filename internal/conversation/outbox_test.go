package conversation

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestPairGateAllowsABurstThenPaces(t *testing.T) {
	p := newPairGate(time.Hour, 3)
	for i := range 3 {
		if d := p.reserve("34600000001"); d != 0 {
			t.Fatalf("message %d of the burst deferred by %v, want sent at once", i+1, d)
		}
	}
	d := p.reserve("34600000001")
	if d < 59*time.Minute || d > time.Hour {
		t.Errorf("fourth message deferred by %v, want about one interval (1h)", d)
	}
	if d := p.reserve("34600000002"); d != 0 {
		t.Errorf("another customer deferred by %v, want no effect across recipients", d)
	}
	if d := newPairGate(0, 1).reserve("x"); d != 0 {
		t.Errorf("with no interval a send was deferred by %v", d)
	}
}

func TestLimiterKeepsTheRate(t *testing.T) {
	l := newLimiter(200) // burst 20
	start := time.Now()
	for range 60 {
		if err := l.wait(context.Background(), "n1"); err != nil {
			t.Fatal(err)
		}
	}
	// 60 tokens at 200/s with a burst of 20 need at least 200 ms.
	if el := time.Since(start); el < 180*time.Millisecond {
		t.Errorf("60 sends at 200/s took %v, want at least ~200ms", el)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	slow := newLimiter(0.001)
	slow.wait(context.Background(), "n")
	if err := slow.wait(ctx, "n"); err == nil {
		t.Error("wait on a cancelled context returned nil")
	}
}

// TestLimiterQueuesConcurrentWaiters: many senders waiting on one number
// each sleep once until their own token (the bucket goes into debt), so
// together they still keep the rate, and a cancelled wait returns its
// token.
func TestLimiterQueuesConcurrentWaiters(t *testing.T) {
	l := newLimiter(1000) // burst 100
	start := time.Now()
	var wg sync.WaitGroup
	for range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.wait(context.Background(), "n1"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	// 300 tokens at 1000/s with a burst of 100 need at least 200 ms.
	if el := time.Since(start); el < 190*time.Millisecond {
		t.Errorf("300 concurrent sends at 1000/s took %v, want at least ~200ms", el)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	slow := newLimiter(0.001)
	slow.wait(context.Background(), "n")
	if err := slow.wait(ctx, "n"); err == nil {
		t.Fatal("wait past its context's deadline returned nil")
	}
	if tok := slow.b["n"].tokens; tok < -0.01 {
		t.Errorf("after a cancelled wait the bucket holds %.3f tokens, want its debt given back (about 0)", tok)
	}
}

func TestBackoffGrowsWithJitterAndCaps(t *testing.T) {
	for attempt := 1; attempt <= 12; attempt++ {
		for range 20 {
			d := backoff(SendRetry, attempt)
			ceil := min(time.Duration(1<<min(attempt-1, 8))*250*time.Millisecond, 5*time.Minute)
			if d < ceil/2 || d > ceil {
				t.Fatalf("backoff(retry, %d) = %v, want within [%v, %v]", attempt, d, ceil/2, ceil)
			}
		}
	}
	if d := backoff(SendRetryRecipient, 3); d < 8*time.Second || d > 16*time.Second {
		t.Errorf("pair-limit backoff after 3 attempts = %v, want 4^2 s with jitter (8s..16s)", d)
	}
}

type sqlStateErr string

func (e sqlStateErr) Error() string    { return "pg: " + string(e) }
func (e sqlStateErr) SQLState() string { return string(e) }

// TestTransientErrors: a settle batch is retried after a deadlock or a
// serialization failure, however wrapped, and after nothing else.
func TestTransientErrors(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("store: commit: %w", sqlStateErr("40P01")), true},
		{sqlStateErr("40001"), true},
		{sqlStateErr("23505"), false},
		{errors.New("deadlock detected"), false},
		{nil, false},
	} {
		if got := transient(tt.err); got != tt.want {
			t.Errorf("transient(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
