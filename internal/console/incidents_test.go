package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// TestIncidentWorkflow runs a breach through the API: created by the DPO
// with customers in three regions on file, the estimate counts them per
// region, the clocks run per law, a supervisor-free checklist refuses to
// notify customers before the DPO approves, and every step is audited.
func TestIncidentWorkflow(t *testing.T) {
	e := newEnv(t, envOpts{breachTemplate: "security_notice"})
	now := e.clock.Now()
	err := e.db.Update(t.Context(), func(tx *store.Tx) error {
		for i, reg := range []string{"ES", "ES", "BR", "CA", "GDPR"} {
			c := &conversation.Contact{ID: fmt.Sprintf("c%d", i), WaID: fmt.Sprintf("3461100000%d", i), Region: reg, RegionReason: "test",
				Language: "es", ConsentState: conversation.ConsentGranted, LastInboundAt: now.Add(-time.Duration(i) * time.Hour), CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateContact(c); err != nil {
				return err
			}
			if _, err := tx.OpenConversation(c.ID, "106540352242922"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	dpo := e.signIn(e.operator(auth.RoleDPO))
	r := dpo.do("POST", "/api/v1/incidents", map[string]any{
		"title": "Database snapshot exposed", "what": "a backup bucket was public for two hours",
		"data": []string{"message content"}, "high_risk": true,
		"scope":         map[string]any{"from": now.Add(-150 * time.Minute), "until": now.Add(time.Minute)},
		"discovered_at": now.Add(-time.Hour),
	})
	if r.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", r.Code, r.Body)
	}
	inc := r.json()
	id := inc["id"].(string)
	aff := map[string]float64{}
	for _, a := range inc["affected"].([]any) {
		m := a.(map[string]any)
		aff[m["region"].(string)] = m["customers"].(float64)
	}
	// Contacts 0–2 wrote within the window (0, 1 and 2 hours ago).
	if aff["ES"] != 2 || aff["BR"] != 1 || aff["CA"] != 0 {
		t.Errorf("affected = %v, want ES 2, BR 1 (CA and GDPR wrote before the window)", aff)
	}
	clocks := inc["clocks"].([]any)
	if len(clocks) != 4 {
		t.Errorf("clocks = %v, want authority and customers for ES and BR", clocks)
	}
	drafts := inc["drafts"].(map[string]any)
	if d, _ := drafts["authorities"].(map[string]any)["ES"].(string); !strings.Contains(d, "AEPD") {
		t.Errorf("ES authority draft = %q", d)
	}
	if d, _ := drafts["customers"].(map[string]any)["pt"].(string); !strings.Contains(d, "incidente de segurança") {
		t.Errorf("pt customer draft = %q", d)
	}

	// A supervisor has no incidents:manage; the DPO's checklist rules hold.
	sup := e.signIn(e.operator(auth.RoleSupervisor))
	if r := sup.do("GET", "/api/v1/incidents/"+id, nil); r.Code != http.StatusForbidden {
		t.Errorf("supervisor GET incident = %d, want 403", r.Code)
	}
	owner := e.signIn(e.operator(auth.RoleOwner))
	if r := owner.do("POST", "/api/v1/incidents/"+id+"/steps/approve_notice", nil); r.Code != http.StatusForbidden {
		t.Errorf("owner approving the customer notice = %d %s, want 403 (a DPO approves)", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Action != "incident.step" || ev.Outcome != "denied" {
		t.Errorf("refused approval not audited: %+v", ev)
	}
	if r := dpo.do("POST", "/api/v1/incidents/"+id+"/steps/notify_customers", nil); r.Code != http.StatusConflict {
		t.Errorf("notify before approval = %d, want 409", r.Code)
	}
	if r := dpo.do("POST", "/api/v1/incidents/"+id+"/steps/approve_notice", map[string]string{"note": "text reviewed"}); r.Code != http.StatusOK {
		t.Errorf("DPO approval = %d %s", r.Code, r.Body)
	}
	// The approved notice goes to the three customers in scope, through the
	// outbox, with the template.
	r = dpo.do("POST", "/api/v1/incidents/"+id+"/steps/notify_customers", nil)
	if r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "3 notices queued with template security_notice") {
		t.Errorf("notify customers = %d %s", r.Code, r.Body)
	}
	var queued int
	e.db.View(t.Context(), func(tx *store.Tx) error {
		counts, err := tx.OutboxCounts()
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range counts {
			queued += n
		}
		return nil
	})
	if queued != 3 {
		t.Errorf("outbox holds %d items, want the 3 notices", queued)
	}
	if r := dpo.do("POST", "/api/v1/incidents/"+id+"/authority/ES", nil); r.Code != http.StatusOK {
		t.Errorf("authority notified = %d %s", r.Code, r.Body)
	}
	if r := dpo.do("POST", "/api/v1/incidents/"+id+"/authority/CA", nil); r.Code != http.StatusConflict {
		t.Errorf("authority of an unaffected region = %d, want 409", r.Code)
	}
	if r := dpo.do("POST", "/api/v1/incidents/"+id+"/close", nil); r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "contain") {
		t.Errorf("close with steps open = %d %s", r.Code, r.Body)
	}
	r = dpo.do("GET", "/api/v1/incidents", nil)
	list := r.json()["incidents"].([]any)
	if len(list) != 1 {
		t.Fatalf("list = %v", list)
	}
	for _, c := range list[0].(map[string]any)["clocks"].([]any) {
		m := c.(map[string]any)
		if m["region"] == "ES" && m["to"] == "authority" && m["done"] != true {
			t.Errorf("ES authority clock after notifying = %v, want done", m)
		}
	}
	if ev := e.lastEvent(); ev.Action == "" {
		t.Error("no audit events")
	}
	// Bad input: a clear refusal.
	if r := dpo.do("POST", "/api/v1/incidents", map[string]any{"title": "x"}); r.Code != http.StatusBadRequest || !strings.Contains(r.Body.String(), "discovered_at") {
		t.Errorf("invalid incident = %d %s", r.Code, r.Body)
	}
}
