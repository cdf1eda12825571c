// Package authtest helps tests that sign operators in: a settable clock and
// TOTP codes from the reference implementation, oathtool, so trement's TOTP
// is checked against an independent one rather than against itself.
package authtest

import (
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Clock is a settable clock for Config.Now and store.Options.Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Oathtool returns the TOTP code of a base32 secret at time at, computed by
// `oathtool --totp -b`. It skips the test when oathtool is not installed.
func Oathtool(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	path, err := exec.LookPath("oathtool")
	if err != nil {
		t.Skip("oathtool is not installed (apt-get install oathtool); CI installs it to check TOTP against the reference implementation")
	}
	out, err := exec.Command(path, "--totp", "-b", "--now", at.UTC().Format("2006-01-02 15:04:05 UTC"), secret).Output()
	if err != nil {
		t.Fatalf("oathtool: %v", err)
	}
	return strings.TrimSpace(string(out))
}
