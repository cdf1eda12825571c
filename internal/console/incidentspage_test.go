package console_test

import (
	"net/http"
	"net/url"
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

// TestIncidentForm: the incidents page's form declares an incident. Bad
// input comes back (422) with each problem next to its field and in the
// summary, every value as typed, and nothing recorded; a good one is
// recorded and audited as the API records it (incident.create, by the
// operator, in the same chain) and the browser goes to the incident with
// its legal clocks. The form needs the session's CSRF token and, per
// role, incidents:manage (403 and nothing recorded otherwise).
func TestIncidentForm(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.customers("ES", "ES", "BR")
	dpoOp := e.operator(auth.RoleDPO)
	dpo := e.signIn(dpoOp)

	list := dpo.do("GET", "/incidents", nil).Body.String()
	for _, want := range []string{
		`<form method="post" action="/incidents" class="declare-incident" novalidate>`, `<input type="hidden" name="csrf_token" value="` + dpo.csrf + `">`,
		`<details class="create" id="declare" open>`, `<label for="inc-title">Title</label>`, `<label for="inc-discovered">Detected (UTC)</label>`,
		`<input type="datetime-local" id="inc-discovered" name="discovered_at" value="" required aria-describedby="inc-discovered-hint">`,
		`<legend>Data touched (at least one)</legend>`, `value="message content"`, `<option value="` + dpoOp.ID + `">` + dpoOp.Username + `</option>`,
	} {
		if !strings.Contains(list, want) {
			t.Errorf("GET /incidents: the form lacks %q", want)
		}
	}
	if strings.Contains(list, `aria-invalid`) || strings.Contains(list, "not recorded") {
		t.Errorf("GET /incidents shows problems before anything was posted")
	}

	count := func() int {
		t.Helper()
		r := dpo.do("GET", "/api/v1/incidents", nil)
		return len(r.json()["incidents"].([]any))
	}
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}

	// Bad input: no account of what happened, no data, detected in the
	// future, a time window without its start, a typo in a time.
	bad := form("title", "Laptop <stolen>", "what", "  ", "data_other", "backups, ", "discovered_at", "2026-11-25T09:00",
		"occurred_at", "yesterday", "scope", "window", "scope_until", "2026-11-24T08:00", "consequences", "messages could be read", "high_risk", "true")
	r := dpo.do("POST", "/incidents", bad)
	body := r.Body.String()
	if r.Code != http.StatusUnprocessableEntity {
		t.Fatalf("POST /incidents with bad input = %d, want 422:\n%s", r.Code, body)
	}
	for _, want := range []string{
		"<strong>The incident was not recorded.</strong> Check 4 field(s):",
		`<a href="#inc-what">What happened: Say what happened.</a>`,
		`<p class="field-error" id="inc-what-error">Say what happened.</p>`,
		`<textarea id="inc-what" name="what" maxlength="4000" required aria-invalid="true" aria-describedby="inc-what-hint inc-what-error" autofocus>`,
		`<p class="field-error" id="inc-discovered-error">The detection time is in the future.</p>`,
		`<p class="field-error" id="inc-occurred-error">Write the time as YYYY-MM-DD HH:MM, in UTC.</p>`,
		`<p class="field-error" id="inc-scope-from-error">Give the start of the time window.</p>`,
		// What was typed stays: escaped, not lost.
		`name="title" value="Laptop &lt;stolen&gt;"`, `name="data_other" value="backups, "`, `value="2026-11-25T09:00"`, `value="yesterday"`,
		`value="window" checked`, `value="2026-11-24T08:00"`, `>messages could be read</textarea>`, `name="high_risk" value="true" checked`,
		`<details class="create" id="declare" open>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("POST /incidents with bad input does not show %q", want)
		}
	}
	if strings.Contains(body, "inc-title-error") || strings.Contains(body, "inc-data-0-error") || strings.Contains(body, "inc-scope-all-error") {
		t.Errorf("POST /incidents flags a field that was right (title, data given as other categories) or the scope twice")
	}
	if n := count(); n != 0 {
		t.Errorf("after bad input %d incidents are recorded, want 0", n)
	}

	// No scope chosen, no data: said so.
	r = dpo.do("POST", "/incidents", form("title", "x", "what", "y", "discovered_at", "2026-11-24T08:00"))
	for _, want := range []string{"Check 2 field(s)", `id="inc-data-0-error">Name at least one category of data touched.`, `id="inc-scope-all-error">Choose whose data it touched.`,
		`<input type="checkbox" id="inc-data-0" name="data" value="phone numbers" autofocus>`} {
		if !strings.Contains(r.Body.String(), want) {
			t.Errorf("POST /incidents without data or scope does not show %q", want)
		}
	}

	// CSRF: the form's token is what a browser sends; none is refused.
	good := form("title", "Backup bucket exposed", "what", "a backup bucket was public for two hours", "data", "message content", "data", "phone numbers",
		"systems", "backup bucket", "discovered_at", "2026-11-21T08:00", "occurred_at", "2026-11-21T06:00", "scope", "all", "high_risk", "true")
	browser := *dpo
	browser.csrf = ""
	if r := browser.do("POST", "/incidents", good); r.Code != http.StatusForbidden {
		t.Errorf("POST /incidents without a CSRF token = %d, want 403", r.Code)
	}
	if r := browser.do("POST", "/incidents", good, "Origin", "https://evil.example"); r.Code != http.StatusForbidden {
		t.Errorf("POST /incidents from another origin = %d, want 403", r.Code)
	}
	r = browser.do("POST", "/incidents", good+"&csrf_token="+url.QueryEscape(dpo.csrf))
	if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/incidents/") || !strings.HasSuffix(r.Header().Get("Location"), "?created=1") {
		t.Fatalf("POST /incidents = %d → %q, want 303 to the incident:\n%s", r.Code, r.Header().Get("Location"), r.Body)
	}
	loc := r.Header().Get("Location")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/incidents/"), "?created=1")
	ev := e.lastEvent()
	if ev.Action != "incident.create" || ev.Target != "incident:"+id || ev.ActorID != dpoOp.ID || ev.Reason != "3 customers estimated" {
		t.Errorf("the form's incident is audited as %+v, want incident.create by the DPO, 3 customers", ev)
	}
	page := dpo.do("GET", loc, nil).Body.String()
	for _, want := range []string{
		`<p class="notice" role="status">The incident is recorded: its legal clocks below are running.</p>`,
		"<h2>Backup bucket exposed</h2>", "message content, phone numbers", "backup bucket", "High risk: the customers must be told", "every customer on file",
		"Brazil: 1, Spain: 2", `<time datetime="2026-11-21T06:00:00Z">`, "Recorded by</dt><dd>" + dpoOp.Username,
		"Authority: AEPD – Agencia Española de Protección de Datos", `<time datetime="2026-11-24T08:00:00Z">2026-11-24 08:00 UTC</time>`, "<strong>overdue by 1 h 0 min</strong>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the recorded incident's page does not show %q", want)
		}
	}
	if strings.Contains(dpo.do("GET", "/incidents/"+id, nil).Body.String(), "The incident is recorded") {
		t.Errorf("the incident's page says it was just recorded without ?created=1")
	}

	// A compromised account: the operator's scope, named on the page.
	r = dpo.do("POST", "/incidents", form("title", "Stolen session", "what", "an operator's session was stolen", "data", "message content",
		"discovered_at", "2026-11-24T08:30", "scope", "operator", "scope_operator", dpoOp.ID, "scope_from", "2026-11-23T00:00"))
	if r.Code != http.StatusSeeOther {
		t.Fatalf("POST /incidents with an operator's scope = %d:\n%s", r.Code, r.Body)
	}
	if p := dpo.do("GET", r.Header().Get("Location"), nil).Body.String(); !strings.Contains(p, "customers whose data the operator "+dpoOp.Username+" handled or revealed from 2026-11-23 00:00 UTC") {
		t.Errorf("the operator-scoped incident's page does not name the operator and the window")
	}
	if r := dpo.do("POST", "/incidents", form("title", "x", "what", "y", "data", "names", "discovered_at", "2026-11-24T08:00", "scope", "operator", "scope_operator", "nobody")); !strings.Contains(r.Body.String(), `id="inc-scope-operator-error">Choose the operator whose account was involved.`) {
		t.Errorf("POST /incidents with an unknown operator = %d, does not ask for one", r.Code)
	}

	// Per role: only incidents:manage records; the others get 403 and
	// nothing is recorded.
	for _, role := range auth.Roles() {
		before := count()
		r := e.signIn(e.operator(role)).do("POST", "/incidents", good)
		want := role.Can(auth.PermIncidentsManage)
		if want && r.Code != http.StatusSeeOther || !want && r.Code != http.StatusForbidden {
			t.Errorf("POST /incidents as %s = %d, want %v", role, r.Code, map[bool]string{true: "303", false: "403"}[want])
		}
		if got := count() - before; got != map[bool]int{true: 1, false: 0}[want] {
			t.Errorf("POST /incidents as %s recorded %d incidents", role, got)
		}
	}
}
