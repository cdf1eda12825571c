package console_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
)

var (
	metaCSRF = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)
	formTag  = regexp.MustCompile(`<form data-api="([^"]+)"(?: data-method="([A-Z]+)")?[^>]*class="([a-z-]+)"`)
	optionRE = regexp.MustCompile(`<option value="([a-z]+)"( selected)?>`)
)

// pageForm is one action a page offers: where its script sends the form.
type pageForm struct{ api, method string }

// formsOf lists the data-api forms in part of a page, by class.
func formsOf(part string) map[string]pageForm {
	out := map[string]pageForm{}
	for _, m := range formTag.FindAllStringSubmatch(part, -1) {
		method := m[2]
		if method == "" {
			method = "POST"
		}
		out[m[3]] = pageForm{html.UnescapeString(m[1]), method}
	}
	return out
}

// row is the table row of a page carrying attr="id".
func row(t *testing.T, body, attr, id string) string {
	t.Helper()
	i := strings.Index(body, `<tr `+attr+`="`+id+`"`)
	if i < 0 {
		t.Fatalf("no row %s=%q on the page", attr, id)
	}
	j := strings.Index(body[i:], "</tr>")
	return body[i : i+j]
}

// options lists a <select name=name>'s values in part of a page, and the
// selected one.
func options(part, name string) (vals []string, selected string) {
	i := strings.Index(part, `<select name="`+name+`"`)
	if i < 0 {
		return nil, ""
	}
	j := strings.Index(part[i:], "</select>")
	for _, m := range optionRE.FindAllStringSubmatch(part[i:i+j], -1) {
		vals = append(vals, m[1])
		if m[2] != "" {
			selected = m[1]
		}
	}
	return vals, selected
}

// get loads a page as c and takes the CSRF token the page's script
// would send with it.
func (c *client) get(path string) string {
	c.e.t.Helper()
	r := c.do("GET", path, nil)
	if r.Code != http.StatusOK {
		c.e.t.Fatalf("GET %s = %d %s", path, r.Code, r.Body)
	}
	body := r.Body.String()
	if m := metaCSRF.FindStringSubmatch(body); m != nil {
		c.csrf = html.UnescapeString(m[1])
	}
	return body
}

// send submits a page's form as console.js does: JSON, the CSRF token
// from the page, from the page's own origin.
func (c *client) send(f pageForm, body any) resp {
	c.e.t.Helper()
	return c.do(f.method, f.api, body, "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com")
}

// secrets are what no page may render about op.
func (e *env) secrets(id string) []string {
	e.t.Helper()
	op, err := e.auth.Operator(context.Background(), e.owner, id)
	if err != nil {
		e.t.Fatal(err)
	}
	if op.MFAEnrolled && op.TOTPSecret == "" {
		e.t.Fatalf("operator %s is enrolled but its TOTP secret reads empty: nothing to look for", id)
	}
	out := []string{op.PasswordHash, "$argon2id$"}
	if op.TOTPSecret != "" {
		out = append(out, op.TOTPSecret)
	}
	return out
}

// ownerOp is the bootstrap owner as signIn takes it.
func (e *env) ownerOp() *auth.Operator {
	return &auth.Operator{ID: e.owner.OperatorID, Username: e.owner.Username}
}

// TestOperatorsPage: the owner sees every operator in words, adds one
// through the page's form and sees its first password once (it works, and
// the list never shows it), offers every role; an admin is offered only
// what the matrix lets them grant; an agent is refused.
func TestOperatorsPage(t *testing.T) {
	e := newEnv(t, envOpts{})
	sup, agent, admin := e.operator(auth.RoleSupervisor), e.operator(auth.RoleAgent), e.operator(auth.RoleAdmin)
	o := e.signIn(e.ownerOp())
	ag := e.signIn(agent)

	body := o.get("/operators")
	for _, want := range []string{"Supervisor", "Agent", "Administrator", "(you)", "Enrolled", "Not enrolled yet", "Active", "Never", `href="/operators" aria-current="page"`} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /operators as owner does not show %q", want)
		}
	}
	var order []string
	for _, name := range []string{admin.Username, agent.Username, "owner", sup.Username} {
		order = append(order, name)
		if !strings.Contains(body, "<td>"+name) {
			t.Errorf("GET /operators does not list %s", name)
		}
	}
	if !slices.IsSortedFunc(order, func(a, b string) int { return strings.Index(body, "<td>"+a) - strings.Index(body, "<td>"+b) }) {
		t.Errorf("operators are not listed by name: want %v in that order", order)
	}
	if roles, _ := options(body[:strings.Index(body, "<table")], "role"); !slices.Equal(roles, []string{"owner", "admin", "dpo", "supervisor", "agent", "auditor"}) {
		t.Errorf("owner's Add form offers roles %v, want all six", roles)
	}
	supRow := row(t, body, "data-operator", sup.ID)
	if roles, sel := options(supRow, "role"); len(roles) != 6 || sel != "supervisor" {
		t.Errorf("owner's role change for a supervisor offers %v (selected %q), want all six with supervisor selected", roles, sel)
	}
	if f := formsOf(row(t, body, "data-operator", e.owner.OperatorID)); len(f) != 0 {
		t.Errorf("the owner's own row offers %v, want nothing (not on one's own account)", f)
	}

	// Add an operator through the page's form: the answer carries the
	// first password once, and it signs in.
	create, ok := formsOf(body)["create-operator"]
	if !ok {
		t.Fatalf("GET /operators offers no create form")
	}
	r := o.send(create, map[string]any{"username": "Nova", "role": "dpo"})
	if r.Code != http.StatusCreated {
		t.Fatalf("create through the page = %d %s", r.Code, r.Body)
	}
	created := r.json()
	pw, _ := created["initial_password"].(string)
	if created["username"] != "nova" || auth.CheckPassword(pw, "nova") != nil {
		t.Fatalf("create answered %v, want nova with a first password the policy accepts", created)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionOperatorCreate || ev.Outcome != audit.Success || strings.Contains(ev.Reason, pw) {
		t.Errorf("creation audited as %+v", ev)
	}
	if r := e.client().do("POST", "/api/v1/login", map[string]string{"username": "nova", "password": pw}); r.Code != http.StatusOK || r.json()["next"] != string(auth.StepEnrol) {
		t.Errorf("sign-in with the first password = %d %s, want 200 and enrolment next", r.Code, r.Body)
	}
	after := o.get("/operators")
	if !strings.Contains(after, "<td>nova") || !strings.Contains(after, "Data-protection officer") {
		t.Errorf("the new operator is not listed after reload")
	}
	if strings.Contains(after, pw) {
		t.Errorf("the first password is shown again on reload")
	}
	for _, id := range []string{e.owner.OperatorID, sup.ID, agent.ID, created["id"].(string)} {
		for _, s := range e.secrets(id) {
			if strings.Contains(after, s) || strings.Contains(after, html.EscapeString(s)) {
				t.Errorf("GET /operators renders a secret of operator %s (%.12q…)", id, s)
			}
		}
	}

	// Change a role and log an operator out everywhere from their row.
	if r := o.send(formsOf(supRow)["set-role"], map[string]any{"role": "agent"}); r.Code != http.StatusOK || r.json()["role"] != "agent" {
		t.Errorf("role change through the page = %d %s", r.Code, r.Body)
	}
	agRow := row(t, after, "data-operator", agent.ID)
	end, ok := formsOf(agRow)["end-sessions"]
	if !ok {
		t.Fatalf("the agent's row offers no log out everywhere: %s", agRow)
	}
	if r := o.send(end, map[string]any{}); r.Code != http.StatusOK || r.json()["sessions_ended"] != float64(1) {
		t.Errorf("log out everywhere through the page = %d %s, want the agent's one session ended", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionLogoutEverywhere || ev.ActorID != e.owner.OperatorID || ev.Target != "operator:"+agent.ID {
		t.Errorf("log out everywhere audited as %+v", ev)
	}
	if r := ag.do("GET", "/conversations", nil); r.Code != http.StatusSeeOther {
		t.Errorf("the agent's session after log out everywhere: GET /conversations = %d, want a redirect to sign in", r.Code)
	}

	// Deactivate, then the row offers reactivation and deletion instead.
	if r := o.send(formsOf(agRow)["deactivate"], map[string]any{"disabled": true}); r.Code != http.StatusOK || r.json()["disabled"] != true {
		t.Errorf("deactivate through the page = %d %s", r.Code, r.Body)
	}
	agRow = row(t, o.get("/operators"), "data-operator", agent.ID)
	f := formsOf(agRow)
	if !strings.Contains(agRow, "Deactivated") || f["reactivate"].method != "PATCH" || f["delete"].method != "DELETE" {
		t.Errorf("a deactivated operator's row = %s, want Deactivated with reactivate (PATCH) and delete (DELETE)", agRow)
	}
	if _, ok := f["reset-mfa"]; !ok {
		t.Errorf("an enrolled agent's row offers no MFA reset to the owner")
	}

	// An admin may staff agents only, and may not change roles or touch
	// the owner.
	ad := e.signIn(admin)
	body = ad.get("/operators")
	if roles, _ := options(body[:strings.Index(body, "<table")], "role"); !slices.Equal(roles, []string{"agent"}) {
		t.Errorf("admin's Add form offers roles %v, want [agent] (the matrix)", roles)
	}
	if strings.Contains(body, `class="set-role"`) {
		t.Errorf("admin is offered role changes without roles:manage")
	}
	if ownRow := row(t, body, "data-operator", e.owner.OperatorID); len(formsOf(ownRow)) != 0 || !strings.Contains(ownRow, "only an owner") {
		t.Errorf("admin's view of the owner's row = %s, want no actions and why", ownRow)
	}
	// The route refuses what the page does not offer, and audits it.
	if r := ad.send(pageForm{"/api/v1/operators/" + e.owner.OperatorID + "/logout-everywhere", "POST"}, map[string]any{}); r.Code != http.StatusForbidden {
		t.Errorf("admin logs the owner out everywhere = %d %s, want 403", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionLogoutEverywhere || ev.Outcome != audit.Denied || ev.Target != "operator:"+e.owner.OperatorID {
		t.Errorf("the refused log out everywhere audited as %+v", ev)
	}
	if r := ad.send(pageForm{"/api/v1/operators/" + admin.ID + "/logout-everywhere", "POST"}, map[string]any{}); r.Code != http.StatusForbidden {
		t.Errorf("admin logs themself out through another's route = %d, want 403 (one's own is /api/v1/logout-everywhere)", r.Code)
	}
	if r := ad.send(formsOf(body)["create-operator"], map[string]any{"username": "helper", "role": "agent"}); r.Code != http.StatusCreated {
		t.Errorf("admin adds an agent = %d %s", r.Code, r.Body)
	}

	// An agent is refused the page, and has no link to it.
	a := e.signIn(e.operator(auth.RoleAgent))
	if r := a.do("GET", "/operators", nil); r.Code != http.StatusForbidden {
		t.Errorf("GET /operators as agent = %d, want 403", r.Code)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionDenied || ev.Reason != "missing permission "+string(auth.PermOperatorsManage) {
		t.Errorf("agent's refusal audited as %+v", ev)
	}
	if strings.Contains(a.get("/conversations"), `href="/operators"`) {
		t.Errorf("agent's navigation links to Operators")
	}
}

// TestTokensPage: a token made through the page's form is answered once
// and works; the list shows it in words and never the token or its hash;
// revoking it from its row ends it. An owner sees and may revoke others'
// tokens; an admin may not revoke the owner's.
func TestTokensPage(t *testing.T) {
	e := newEnv(t, envOpts{})
	dpoOp := e.operator(auth.RoleDPO)
	d := e.signIn(dpoOp)
	body := d.get("/tokens")
	var offered []string
	for _, m := range regexp.MustCompile(`name="scopes" value="([a-z_:]+)"`).FindAllStringSubmatch(body, -1) {
		offered = append(offered, m[1])
	}
	for _, perm := range auth.RoleDPO.Permissions() {
		if perm != auth.PermHealthRead && !slices.Contains(offered, string(perm)) {
			t.Errorf("the DPO's token form does not offer %s", perm)
		}
	}
	if slices.Contains(offered, string(auth.PermOperatorsManage)) || slices.Contains(offered, string(auth.PermHealthRead)) {
		t.Errorf("the DPO's token form offers %v, beyond the role's permissions", offered)
	}
	if strings.Contains(body, "Other operators") {
		t.Errorf("the DPO (no operators:manage) is shown other operators' tokens")
	}

	create := formsOf(body)["create-token"]
	r := d.send(create, map[string]any{"name": "exporter", "scopes": []string{"audit:read"}, "expires_in_days": 30})
	if r.Code != http.StatusCreated {
		t.Fatalf("create a token through the page = %d %s", r.Code, r.Body)
	}
	tok := r.json()
	raw, id := tok["token"].(string), tok["id"].(string)
	api := e.client()
	api.bearer = raw
	if r := api.do("GET", "/api/v1/audit/verify", nil); r.Code != http.StatusOK {
		t.Errorf("the new token on GET /api/v1/audit/verify = %d, want 200", r.Code)
	}

	body = d.get("/tokens")
	mine := row(t, body, "data-token", id)
	for _, want := range []string{"exporter", "Expires in 30 days", "Read and verify the audit log (audit:read)", dpoOp.Username} {
		if !strings.Contains(mine, want) {
			t.Errorf("the token's row does not show %q: %s", want, mine)
		}
	}
	hash := auth.HashToken(raw)
	for _, s := range []string{raw, strings.TrimPrefix(raw, auth.TokenPrefix), hex.EncodeToString(hash), base64.StdEncoding.EncodeToString(hash), base64.RawURLEncoding.EncodeToString(hash)} {
		if strings.Contains(body, s) {
			t.Errorf("GET /tokens renders the token or its hash (%.12q…) after creation", s)
		}
	}

	revoke, ok := formsOf(mine)["revoke"]
	if !ok || revoke.method != "DELETE" {
		t.Fatalf("the token's row offers no revoke (DELETE): %s", mine)
	}
	if r := d.send(revoke, map[string]any{}); r.Code != http.StatusOK {
		t.Fatalf("revoke through the page = %d %s", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionTokenRevoke || ev.Target != "token:"+id {
		t.Errorf("revocation audited as %+v", ev)
	}
	if r := api.do("GET", "/api/v1/audit/verify", nil); r.Code != http.StatusUnauthorized {
		t.Errorf("the revoked token on GET /api/v1/audit/verify = %d, want 401", r.Code)
	}
	mine = row(t, d.get("/tokens"), "data-token", id)
	if !strings.Contains(mine, "Revoked") || strings.Contains(mine, `class="revoke"`) {
		t.Errorf("a revoked token's row = %s, want Revoked and no revoke", mine)
	}

	// The owner sees the DPO's tokens as someone else's, and may revoke
	// them; an admin sees the owner's but may not revoke it.
	_, dpoTok := e.tokenFor(dpoOp, []auth.Permission{auth.PermSelf})
	o := e.signIn(e.ownerOp())
	ownerTok := o.send(formsOf(o.get("/tokens"))["create-token"], map[string]any{"name": "ops", "scopes": []string{"metrics:read"}, "expires_in_days": 7}).json()["id"].(string)
	body = o.get("/tokens")
	if !strings.Contains(body, "Other operators") || !strings.Contains(row(t, body, "data-token", dpoTok), `class="revoke"`) {
		t.Errorf("the owner is not offered the DPO's token to revoke")
	}
	ad := e.signIn(e.operator(auth.RoleAdmin))
	body = ad.get("/tokens")
	if ownerRow := row(t, body, "data-token", ownerTok); !strings.Contains(ownerRow, "owner") || strings.Contains(ownerRow, `class="revoke"`) {
		t.Errorf("admin's view of the owner's token = %s, want its holder and no revoke", ownerRow)
	}

	// An agent (no tokens:manage) is refused.
	a := e.signIn(e.operator(auth.RoleAgent))
	if r := a.do("GET", "/tokens", nil); r.Code != http.StatusForbidden {
		t.Errorf("GET /tokens as agent = %d, want 403", r.Code)
	}
}

// TestResetAnotherOperatorsPassword: the owner resets an agent's password
// from the agent's row: the answer carries a new password once (the
// policy accepts it, trement keeps no copy, the page never shows it
// again); the old password stops working, the new one signs in, the
// agent's session ends, and the reset is audited without the password.
// Nobody resets their own password this way, and an admin may not reset
// an owner's.
func TestResetAnotherOperatorsPassword(t *testing.T) {
	e := newEnv(t, envOpts{})
	agent, admin := e.operator(auth.RoleAgent), e.operator(auth.RoleAdmin)
	o := e.signIn(e.ownerOp())
	ag := e.signIn(agent)

	body := o.get("/operators")
	if _, ok := formsOf(row(t, body, "data-operator", e.owner.OperatorID))["reset-password"]; ok {
		t.Errorf("the owner's own row offers a password reset")
	}
	reset, ok := formsOf(row(t, body, "data-operator", agent.ID))["reset-password"]
	if !ok {
		t.Fatalf("the agent's row offers no password reset")
	}
	r := o.send(reset, map[string]any{})
	if r.Code != http.StatusOK {
		t.Fatalf("reset through the page = %d %s", r.Code, r.Body)
	}
	if cc := r.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the answer carrying the password has Cache-Control %q, want no-store", cc)
	}
	pw, _ := r.json()["initial_password"].(string)
	if auth.CheckPassword(pw, agent.Username) != nil {
		t.Fatalf("reset answered %v, want a new password the policy accepts", r.json())
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionPasswordChange || ev.ActorID != e.owner.OperatorID || ev.Target != "operator:"+agent.ID || strings.Contains(ev.Reason, pw) {
		t.Errorf("reset audited as %+v", ev)
	}
	if r := ag.do("GET", "/conversations", nil); r.Code != http.StatusSeeOther {
		t.Errorf("the agent's session after the reset: GET /conversations = %d, want a redirect to sign in", r.Code)
	}
	if r := e.client().do("POST", "/api/v1/login", map[string]string{"username": agent.Username, "password": password}); r.Code == http.StatusOK {
		t.Errorf("the old password still signs in after the reset")
	}
	if r := e.client().do("POST", "/api/v1/login", map[string]string{"username": agent.Username, "password": pw}); r.Code != http.StatusOK {
		t.Errorf("sign-in with the new password = %d %s", r.Code, r.Body)
	}
	if strings.Contains(o.get("/operators"), pw) {
		t.Errorf("the new password is shown again on reload")
	}
	if r := o.do("POST", "/api/v1/operators/"+e.owner.OperatorID+"/reset-password", map[string]any{}); r.Code != http.StatusForbidden {
		t.Errorf("resetting one's own password by the reset route = %d, want 403", r.Code)
	}
	ad := e.signIn(admin)
	if r := ad.do("POST", "/api/v1/operators/"+e.owner.OperatorID+"/reset-password", map[string]any{}); r.Code != http.StatusForbidden {
		t.Errorf("an admin resetting the owner's password = %d, want 403", r.Code)
	}
}
