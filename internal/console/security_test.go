package console_test

import (
	"strings"
	"testing"

	"github.com/trement/trement/internal/audit"
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
