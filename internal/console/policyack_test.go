package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
)

// TestPolicyAcknowledgedBeforeWork: an operator who has not acknowledged
// the current data-handling policy is refused routes that reach customer
// data (and told how to acknowledge), acknowledging the wrong version is
// refused, and the acknowledgement is audited and listed.
func TestPolicyAcknowledgedBeforeWork(t *testing.T) {
	e := newEnv(t, envOpts{policy: console.HandlingPolicy{URL: "https://intranet.example/handling", Version: "2026-11"}})
	agent := e.signIn(e.operator(auth.RoleAgent))
	r := agent.do("GET", "/api/v1/conversations", nil)
	if r.Code != http.StatusForbidden || !strings.Contains(r.Body.String(), "policy-ack") {
		t.Fatalf("conversations before acknowledging = %d %s, want 403 naming policy-ack", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Action != "auth.denied" || !strings.Contains(ev.Reason, "not acknowledged") {
		t.Errorf("refusal not audited: %+v", ev)
	}
	// Oneself stays reachable.
	if r := agent.do("GET", "/api/v1/me/policy", nil); r.Code != 200 || r.json()["acknowledged"] != false || r.json()["version"] != "2026-11" {
		t.Errorf("GET /api/v1/me/policy = %d %s", r.Code, r.Body)
	}
	if r := agent.do("POST", "/api/v1/me/policy-ack", map[string]string{"version": "2026-10"}); r.Code != http.StatusConflict {
		t.Errorf("acknowledging an old version = %d, want 409", r.Code)
	}
	if r := agent.do("POST", "/api/v1/me/policy-ack", map[string]string{"version": "2026-11"}); r.Code != 200 {
		t.Fatalf("acknowledge = %d %s", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Action != "operator.policy_ack" || ev.Target != "policy:2026-11" {
		t.Errorf("acknowledgement audited as %+v", ev)
	}
	if r := agent.do("GET", "/api/v1/conversations", nil); r.Code != 200 {
		t.Errorf("conversations after acknowledging = %d %s", r.Code, r.Body)
	}
	admin := e.signIn(e.operator(auth.RoleAdmin))
	r = admin.do("GET", "/api/v1/policy-acks", nil)
	if r.Code != 200 {
		t.Fatalf("policy-acks = %d", r.Code)
	}
	acked := map[string]bool{}
	for _, o := range r.json()["operators"].([]any) {
		m := o.(map[string]any)
		acked[m["role"].(string)] = m["acknowledged"].(bool)
	}
	if !acked["agent"] || acked["owner"] || acked["admin"] {
		t.Errorf("acknowledgements = %v, want only the agent", acked)
	}
}
