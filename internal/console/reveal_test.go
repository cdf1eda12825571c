package console_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
)

func TestRevealReason(t *testing.T) {
	good := []string{
		"customer asked to be called back about order 1234",
		"el cliente pidió que le llamemos por el pedido 88",
		"cliente pediu confirmação do endereço de entrega",
		"courier cannot find the address, ticket 4471",
	}
	bad := []string{
		"xxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "aaaaaaaaaaaa bbbbbbbbbbb", "asdfasdfasdf",
		"asdf asdf asdf asdf", "qwerty qwerty", "1234567890", "..........", "because", "test test test test",
		"asdf qwer zxcv uiop", "abc abc abc abc abc", "reason reason reason", "x y z x y z x y z",
		"lorem ipsum dolor sit amet", "n/a n/a n/a n/a",
	}
	for _, s := range good {
		if err := console.CheckRevealReason(s); err != nil {
			t.Errorf("CheckRevealReason(%q) = %v, want accepted", s, err)
		}
	}
	for _, s := range bad {
		if err := console.CheckRevealReason(s); err == nil {
			t.Errorf("CheckRevealReason(%q) accepted, want refused as filler", s)
		}
	}
}

// TestRevealNeedsACategoryAndARealReason replays issue 9 item 12 through
// the HTTP API: "xxxxxxxxxx" used to pass, and a refused reveal left no
// trace in the audit log.
func TestRevealNeedsACategoryAndARealReason(t *testing.T) {
	e := newEnv(t, envOpts{})
	sup := e.signIn(e.operator(auth.RoleSupervisor))
	reason := "customer asked to be called back about order 1234"
	for _, body := range []map[string]any{
		{"reason": "xxxxxxxxxx", "category": "customer_request"},
		{"reason": "because", "category": "customer_request"},
		{"reason": reason},                          // no category
		{"reason": reason, "category": "curiosity"}, // not on the list
		{"reason": "asdf asdf asdf asdf", "category": "delivery"},
	} {
		before := len(e.events())
		r := sup.do("POST", "/api/v1/conversations/c1/reveal", body)
		if r.Code != 400 {
			t.Errorf("reveal %v = %d %s, want 400", body, r.Code, r.Body)
		}
		evs := e.events()
		if len(evs) != before+1 {
			t.Fatalf("refused reveal %v left %d audit events, want 1", body, len(evs)-before)
		}
		if ev := evs[len(evs)-1]; ev.Action != audit.ActionPIIReveal || ev.Outcome != audit.Denied || ev.Target != "conversation:c1" || ev.ActorID == "" {
			t.Errorf("refused reveal audited as %+v", ev)
		}
	}
	// Malformed bodies are refused and audited too.
	before := len(e.events())
	if r := sup.do("POST", "/api/v1/conversations/c1/reveal", map[string]any{"reason": 5}); r.Code != 400 {
		t.Errorf("reveal with a malformed body = %d, want 400", r.Code)
	}
	if evs := e.events(); len(evs) != before+1 || evs[len(evs)-1].Outcome != audit.Denied {
		t.Errorf("malformed reveal not audited as denied")
	}
	if e.convs.revealed != 0 {
		t.Fatalf("data was read unmasked before the reason was accepted")
	}
	r := sup.do("POST", "/api/v1/conversations/c1/reveal", map[string]any{"reason": reason, "category": "customer_request"})
	if r.Code != 200 || r.json()["phone"] != "+34612345678" {
		t.Fatalf("reveal = %d %s", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Outcome != audit.Success || ev.Reason != "customer_request: "+reason {
		t.Errorf("reveal audited as %+v, want the category and the reason", ev)
	}
	// The refusal names the categories to choose from.
	r = sup.do("POST", "/api/v1/conversations/c1/reveal", map[string]any{"reason": reason})
	for _, c := range console.RevealCategories() {
		if !strings.Contains(r.json()["error"].(string), c) {
			t.Errorf("refusal %s does not name category %s", r.Body, c)
		}
	}
}

// TestAuditVerifyHoldsTheLogToItsAnchor: the API's verify reports a log
// shorter than its external anchor as broken.
func TestAuditVerifyHoldsTheLogToItsAnchor(t *testing.T) {
	path := filepath.Join(t.TempDir(), "anchor.json")
	e := newEnv(t, envOpts{anchorFile: path})
	aud := e.signIn(e.operator(auth.RoleAuditor))
	key := e.db.DeriveKey(audit.CheckpointKeyPurpose)
	last := e.lastEvent()
	if err := audit.WriteAnchorFile(path, audit.NewHead(key, last.Seq, last.Hash, last.At)); err != nil {
		t.Fatal(err)
	}
	if r := aud.do("GET", "/api/v1/audit/verify", nil); r.Code != 200 || r.json()["intact"] != true || r.json()["anchor_seq"] != float64(last.Seq) {
		t.Errorf("verify against a current anchor = %d %s", r.Code, r.Body)
	}
	// An anchor from a longer log (this one was cut back, say).
	if err := audit.WriteAnchorFile(path, audit.NewHead(key, last.Seq+500, last.Hash, last.At)); err != nil {
		t.Fatal(err)
	}
	r := aud.do("GET", "/api/v1/audit/verify", nil)
	if b, _ := r.json()["break"].(map[string]any); r.Code != 200 || r.json()["intact"] != false || b["kind"] != string(audit.BreakTruncated) {
		t.Errorf("verify against a longer anchor = %d %s, want broken (truncated)", r.Code, r.Body)
	}
}
