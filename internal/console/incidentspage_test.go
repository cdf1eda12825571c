package console_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/auth"
)

// TestIncidentsPages: the DPO's breach desk lists an incident with its
// legal clocks in words (Spain's 72 hours overdue, Brazil's three business
// days still running), and the incident's page offers the checklist's
// steps, the authorities' "notified" and closing through the audited API;
// a step done there shows as done, by whom, with its note. Roles without
// incidents:manage are refused and not linked.
func TestIncidentsPages(t *testing.T) {
	e := newEnv(t, envOpts{breachTemplate: "security_notice"})
	e.customers("ES", "ES", "BR")
	dpoOp := e.operator(auth.RoleDPO)
	dpo := e.signIn(dpoOp)
	now := e.clock.Now()
	r := dpo.do("POST", "/api/v1/incidents", map[string]any{
		"title": "Backup bucket exposed", "what": "a backup bucket was public for two hours",
		"data": []string{"message content"}, "systems": []string{"backup bucket"}, "high_risk": true,
		"scope": map[string]any{"all": true}, "discovered_at": now.Add(-73 * time.Hour),
	})
	if r.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", r.Code, r.Body)
	}
	id := r.json()["id"].(string)

	p := dpo.do("GET", "/incidents", nil)
	body := p.Body.String()
	if p.Code != http.StatusOK {
		t.Fatalf("GET /incidents as DPO = %d %s", p.Code, body)
	}
	for _, want := range []string{
		`<a href="/incidents/` + id + `">Backup bucket exposed</a>`, `<td class="state">Open</td>`, "1 open, 2 legal clock(s) overdue",
		"Authority: AEPD – Agencia Española de Protección de Datos (Spain, 72 hours)", "<strong>overdue by 1 h 0 min</strong>",
		"Authority: ANPD – Autoridade Nacional de Proteção de Dados (Brazil, 3 business days)", "Affected customers (Spain, 72 hours)",
		"<td>3</td>", "0 of 9", `class="overdue"`, `href="/incidents" aria-current="page">Incidents`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /incidents does not show %q", want)
		}
	}
	for _, raw := range []string{">open<", ">authority<", ">customers<", "71h"} {
		if strings.Contains(body, raw) {
			t.Errorf("GET /incidents shows the raw %q", raw)
		}
	}

	page := func(c *client) string {
		t.Helper()
		r := c.do("GET", "/incidents/"+id, nil)
		if r.Code != http.StatusOK {
			t.Fatalf("GET /incidents/%s = %d %s", id, r.Code, r.Body)
		}
		return r.Body.String()
	}
	body = page(dpo)
	api := `data-api="/api/v1/incidents/` + id
	for _, want := range []string{
		"High risk: the customers must be told", "every customer on file", "Brazil: 1, Spain: 2", "backup bucket",
		"Contain the breach and keep the evidence", api + `/steps/contain"`, api + `/steps/approve_notice"`,
		api + `/authority/ES"`, api + `/authority/BR"`, api + `/close"`, `<input type="checkbox" name="not_a_breach" value="true" data-type="bool">`,
		"Notify the customers over WhatsApp <em>Waits for the DPO&#39;s approval of the notice.</em>",
		"Notice to the authority: Spain", "Notice to the authority: Brazil", "Notice to customers: Spanish", "Notice to customers: Portuguese",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /incidents/{id} does not show %q", want)
		}
	}
	if strings.Contains(body, api+`/steps/notify_customers"`) {
		t.Errorf("GET /incidents/{id} offers to notify customers before the DPO approved the notice")
	}

	// The forms' posts, as the script sends them: the step is done, by the
	// DPO, with the note; the notified authority's clock is done.
	if r := dpo.do("POST", "/api/v1/incidents/"+id+"/steps/contain", map[string]string{"note": "bucket made private"}); r.Code != http.StatusOK {
		t.Fatalf("contain = %d %s", r.Code, r.Body)
	}
	if r := dpo.do("POST", "/api/v1/incidents/"+id+"/authority/ES", map[string]string{}); r.Code != http.StatusOK {
		t.Fatalf("authority ES notified = %d %s", r.Code, r.Body)
	}
	if r := dpo.do("POST", "/api/v1/incidents/"+id+"/close", map[string]bool{"not_a_breach": false}); r.Code != http.StatusConflict {
		t.Errorf("close with steps open = %d %s, want 409", r.Code, r.Body)
	}
	body = page(dpo)
	if !strings.Contains(body, "<strong>Contain the breach and keep the evidence</strong>: done") || !strings.Contains(body, "by "+dpoOp.Username+". bucket made private") {
		t.Errorf("GET /incidents/{id} after containing does not show the step done by %s with its note:\n%s", dpoOp.Username, body)
	}
	if strings.Contains(body, api+`/steps/contain"`) || strings.Contains(body, api+`/authority/ES"`) || !strings.Contains(body, api+`/authority/BR"`) {
		t.Errorf("GET /incidents/{id} still offers done actions, or no longer offers Brazil's")
	}
	if list := dpo.do("GET", "/incidents", nil).Body.String(); !strings.Contains(list, "1 of 9") || !strings.Contains(list, "1 open, 1 legal clock(s) overdue") {
		t.Errorf("GET /incidents after the step and Spain's notice does not count them")
	}

	// Only a DPO approves the notice: the owner's page says so instead.
	owner := e.signIn(e.operator(auth.RoleOwner))
	if body := page(owner); strings.Contains(body, api+`/steps/approve_notice"`) || !strings.Contains(body, "Only a DPO approves the customer notice.") {
		t.Errorf("owner's incident page offers the DPO's approval")
	}
	if r := dpo.do("GET", "/incidents/no-such-incident", nil); r.Code != http.StatusNotFound {
		t.Errorf("GET an unknown incident = %d, want 404", r.Code)
	}
	for _, role := range auth.Roles() {
		c := e.signIn(e.operator(role))
		for _, path := range []string{"/incidents", "/incidents/" + id} {
			r := c.do("GET", path, nil)
			if want := role.Can(auth.PermIncidentsManage); (r.Code == http.StatusOK) != want || (!want && r.Code != http.StatusForbidden) {
				t.Errorf("GET %s as %s = %d, want allowed %v (403 if not)", path, role, r.Code, want)
			}
		}
	}
	if r := e.signIn(e.operator(auth.RoleAgent)).do("GET", "/conversations", nil); strings.Contains(r.Body.String(), `href="/incidents"`) {
		t.Errorf("agent's navigation links to Incidents")
	}
}
