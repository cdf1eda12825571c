package console_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
)

// A 60 KB Origin used to make the refusal's audit event too long to
// append: the answer was 503 and no row was written (issue 9).
func TestHugeHeaderRefusalIsStillAudited(t *testing.T) {
	e := newEnv(t, envOpts{})
	c := e.client()
	origin := "https://evil.example/" + strings.Repeat("A", 60<<10)
	before := len(e.events())
	r := c.do("POST", "/api/v1/login", map[string]string{"username": "owner", "password": "x"}, "Origin", origin)
	if r.Code != 403 {
		t.Fatalf("POST /api/v1/login with a 60 KB foreign Origin = %d %s, want 403", r.Code, r.Body)
	}
	evs := e.events()
	if len(evs) != before+1 {
		t.Fatalf("%d audit events written, want 1", len(evs)-before)
	}
	ev := evs[len(evs)-1]
	if ev.Action != audit.ActionDenied || !strings.HasPrefix(ev.Reason, "cross-origin request (Origin https://evil.example/AAA") ||
		len(ev.Reason) > audit.ClipLen+64 || !strings.Contains(ev.Reason, "bytes]") {
		t.Errorf("refusal event = %s %.120q (%d bytes), want auth.denied quoting the Origin cut to about %d bytes", ev.Action, ev.Reason, len(ev.Reason), audit.ClipLen)
	}
}

// slowReads delays every read-only transaction.
type slowReads struct {
	auth.Store
	d time.Duration
}

func (s slowReads) View(ctx context.Context, fn func(auth.Tx) error) error {
	time.Sleep(s.d)
	return s.Store.View(ctx, fn)
}

// race sends n copies of one request at once (each its own client copy,
// so cookies are not shared state) and returns the status codes.
func race(c *client, n int, method, path string, body func(i int) any) []int {
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		cc := *c
		wg.Go(func() {
			<-start
			codes[i] = cc.do(method, path, body(i)).Code
		})
	}
	close(start)
	wg.Wait()
	return codes
}

func countEvents(evs []*audit.Event, action string, out audit.Outcome, reason string) int {
	n := 0
	for _, ev := range evs {
		if ev.Action == action && ev.Outcome == out && ev.Reason == reason {
			n++
		}
	}
	return n
}

// Issue 9: 12 concurrent wrong passwords were all verified and 16
// concurrent wrong TOTP codes on one pending sign-in all checked, with a
// limit of 5. Through the real endpoints now at most 5 are checked.
func TestConcurrentGuessesThroughTheAPI(t *testing.T) {
	limit := auth.DefaultThrottlePolicy.AccountFailures
	setup := func(t *testing.T) (*env, *auth.Operator) {
		// Reads take 20 ms, as on a loaded database: a check-then-count
		// limit lets every concurrent guess through that window.
		e := newEnv(t, envOpts{wrapAuth: func(s auth.Store) auth.Store { return slowReads{s, 20 * time.Millisecond} }})
		op := e.operator(auth.RoleAgent)
		e.signIn(op) // enrolled: sign-in now asks for a TOTP code
		return e, op
	}
	t.Run("passwords", func(t *testing.T) {
		e, op := setup(t)
		codes := race(e.client(), 12, "POST", "/api/v1/login", func(i int) any {
			return map[string]string{"username": op.Username, "password": fmt.Sprintf("wrong guess %d", i)}
		})
		if got := countEvents(e.events(), audit.ActionLoginFailed, audit.Failure, "wrong password"); got != limit {
			t.Errorf("12 concurrent wrong passwords: %d verified (codes %v), want %d", got, codes, limit)
		}
		if !slices.Contains(codes, 429) {
			t.Errorf("12 concurrent wrong passwords: codes %v, want some 429", codes)
		}
	})
	t.Run("totp", func(t *testing.T) {
		e, op := setup(t)
		c := e.client()
		r := c.do("POST", "/api/v1/login", map[string]string{"username": op.Username, "password": password})
		if r.Code != 200 || r.json()["next"] != "totp" {
			t.Fatalf("login = %d %s, want 200 and next totp", r.Code, r.Body)
		}
		c.csrf = r.json()["csrf_token"].(string)
		codes := race(c, 16, "POST", "/api/v1/login/totp", func(int) any { return map[string]string{"code": "000000"} })
		if got := countEvents(e.events(), audit.ActionLoginFailed, audit.Failure, "wrong or expired TOTP code"); got != limit {
			t.Errorf("16 concurrent wrong TOTP codes on one pending sign-in: %d checked (codes %v), want %d", got, codes, limit)
		}
	})
}

// Unauthenticated requests are paced per source address (IPv6 by /64);
// requests with valid credentials are not; refusals are audited once per
// kind per window, with the rest counted at the flush; the metric hook
// sees every one.
func TestUnauthenticatedRequestsArePacedPerSource(t *testing.T) {
	var mu sync.Mutex
	kinds := map[string]int{}
	e := newEnv(t, envOpts{unauthBurst: 10, refused: func(k string) { mu.Lock(); kinds[k]++; mu.Unlock() }})
	token, _ := e.tokenFor(e.operator(auth.RoleSupervisor), []auth.Permission{auth.PermSelf})
	before := len(e.events())
	anon := e.client()
	anon.ip = "198.51.100.7"
	var got []int
	for range 50 {
		got = append(got, anon.do("GET", "/api/v1/me", nil).Code)
	}
	if slices.Index(got, 429) != 10 || slices.Contains(got[10:], 401) {
		t.Errorf("50 unauthenticated requests with a burst of 10 = %v, want 10 × 401 then 429", got)
	}
	r := anon.do("GET", "/api/v1/me", nil)
	if r.Code != 429 || r.Header().Get("Retry-After") != "1" {
		t.Errorf("paced request = %d, Retry-After %q; want 429 and 1 (one a second)", r.Code, r.Header().Get("Retry-After"))
	}
	// Sign-in posts count too: the source cannot try passwords now.
	if r := anon.do("POST", "/api/v1/login", map[string]string{"username": "owner", "password": password}); r.Code != 429 {
		t.Errorf("sign-in from the paced source = %d, want 429", r.Code)
	}
	// The same source with a valid API token is not paced.
	anon.bearer = token
	if r := anon.do("GET", "/api/v1/me", nil); r.Code != 200 {
		t.Errorf("API token from the paced source = %d %s, want 200", r.Code, r.Body)
	}
	anon.bearer = ""
	// Another address is not affected; another in the same IPv6 /64 is.
	other := e.client()
	other.ip = "198.51.100.8"
	if r := other.do("GET", "/api/v1/me", nil); r.Code != 401 {
		t.Errorf("another address = %d, want 401", r.Code)
	}
	v6a, v6b := e.client(), e.client()
	v6a.ip, v6b.ip = "[2001:db8:1:2::1]", "[2001:db8:1:2:ffff::9]"
	for range 10 {
		v6a.do("GET", "/api/v1/me", nil)
	}
	if r := v6b.do("GET", "/api/v1/me", nil); r.Code != 429 {
		t.Errorf("another address in the same /64 = %d, want 429", r.Code)
	}
	// A second later one more is allowed.
	e.clock.Advance(time.Second)
	if r := anon.do("GET", "/api/v1/me", nil); r.Code != 401 {
		t.Errorf("after a second = %d, want 401", r.Code)
	}

	during := e.events()[before:]
	if len(during) > 6 {
		t.Errorf("%d audit events while refusing 60-odd requests, want the first of each kind per source only", len(during))
	}
	if err := e.srv.Refusals().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	counted := 0
	for _, ev := range e.events()[before:] {
		if ev.Action != audit.ActionDenied {
			continue
		}
		counted++
		if _, rest, ok := strings.Cut(ev.Reason, ": "); ok && strings.Contains(rest, " more refused from ") {
			var n int
			fmt.Sscan(rest, &n)
			counted += n - 1
		}
	}
	mu.Lock()
	total := 0
	for _, n := range kinds {
		total += n
	}
	mu.Unlock()
	const want = 50 + 1 + 1 + 1 + 10 + 1 + 1 // every refused request above
	if total != want || counted != want {
		t.Errorf("metric counted %d refusals (%v), the audit log %d after the flush; want both %d", total, kinds, counted, want)
	}
}
