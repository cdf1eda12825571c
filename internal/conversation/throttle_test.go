package conversation

import (
	"testing"
	"time"
)

// TestThrottleHalvesAndRecovers: 130429 halves the number's rate (a burst
// of refusals counts once), other numbers keep theirs, and the rate comes
// back on its own.
func TestThrottleHalvesAndRecovers(t *testing.T) {
	l := newLimiter(100)
	l.throttle("a")
	l.throttle("a") // same burst: counted once
	l.mu.Lock()
	now := time.Now()
	if s := l.scaleLocked("a", now); s < 0.49 || s > 0.52 {
		t.Errorf("scale after one 130429 burst = %.3f, want 0.5", s)
	}
	if s := l.scaleLocked("b", now); s != 1 {
		t.Errorf("another number's scale = %.3f, want 1", s)
	}
	l.slow["a"].at = now.Add(-250 * time.Millisecond)
	l.mu.Unlock()
	l.throttle("a")
	l.mu.Lock()
	if s := l.scaleLocked("a", time.Now()); s > 0.27 {
		t.Errorf("scale after a second burst = %.3f, want about 0.25", s)
	}
	if s := l.scaleLocked("a", time.Now().Add(time.Minute)); s != 1 {
		t.Errorf("scale a minute later = %.3f, want 1 (recovered)", s)
	}
	l.mu.Unlock()
	for range 100 {
		l.throttle("c")
		l.mu.Lock()
		l.slow["c"].at = l.slow["c"].at.Add(-time.Second)
		l.mu.Unlock()
	}
	l.mu.Lock()
	if s := l.scaleLocked("c", l.slow["c"].at.Add(time.Second)); s < minScale {
		t.Errorf("scale fell to %.4f, below the floor %.2f", s, minScale)
	}
	l.mu.Unlock()
}
