package console_test

import (
	"testing"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
)

// TestAdminCannotReachPersonalData replays issue 9 item 2 through the
// HTTP API: an admin (operators:manage, no customer data) must not create
// or promote an account that may reveal personal data, nor take one over
// by resetting its password and MFA.
func TestAdminCannotReachPersonalData(t *testing.T) {
	e := newEnv(t, envOpts{})
	admin := e.signIn(e.operator(auth.RoleAdmin))
	for _, role := range []string{"supervisor", "dpo", "owner", "admin"} {
		r := admin.do("POST", "/api/v1/operators", map[string]any{"username": "mallory" + role, "password": password, "role": role})
		if r.Code != 403 {
			t.Errorf("admin creates a %s = %d %s, want 403", role, r.Code, r.Body)
		}
		if ev := e.lastEvent(); ev.Action != audit.ActionOperatorCreate || ev.Outcome != audit.Denied {
			t.Errorf("refused create audited as %+v", ev)
		}
	}
	// Agents and auditors hold nothing beyond what an admin may hand out.
	if r := admin.do("POST", "/api/v1/operators", map[string]any{"username": "agent1x", "password": password, "role": "agent"}); r.Code != 201 {
		t.Errorf("admin creates an agent = %d %s, want 201", r.Code, r.Body)
	}
	// Taking over an existing DPO or supervisor: password and MFA reset.
	for _, role := range []auth.Role{auth.RoleDPO, auth.RoleSupervisor} {
		op := e.operator(role)
		victim := e.signIn(op)
		raw, _ := e.tokenFor(op, []auth.Permission{auth.PermSelf, auth.PermPIIReveal})
		if r := admin.do("PATCH", "/api/v1/operators/"+op.ID, map[string]any{"password": "an attacker's new passphrase"}); r.Code != 403 {
			t.Errorf("admin resets a %s's password = %d %s, want 403", role, r.Code, r.Body)
		}
		if r := admin.do("POST", "/api/v1/operators/"+op.ID+"/reset-mfa", nil); r.Code != 403 {
			t.Errorf("admin resets a %s's MFA = %d %s, want 403", role, r.Code, r.Body)
		}
		if r := victim.do("GET", "/api/v1/me", nil); r.Code != 200 {
			t.Errorf("%s's session after refused resets = %d, want 200", role, r.Code)
		}
		tc := e.client()
		tc.bearer = raw
		if r := tc.do("GET", "/api/v1/me", nil); r.Code != 200 {
			t.Errorf("%s's token after refused resets = %d, want 200", role, r.Code)
		}
	}
	// Promotion needs roles:manage already; an owner still may do all of it.
	owner := e.signIn(e.operator(auth.RoleOwner))
	if r := owner.do("POST", "/api/v1/operators", map[string]any{"username": "sup1x", "password": password, "role": "supervisor"}); r.Code != 201 {
		t.Errorf("owner creates a supervisor = %d %s, want 201", r.Code, r.Body)
	}
}

// TestTakeoverResetRevokesCredentials: a password or MFA reset by another
// operator ends the account's sessions and revokes its API tokens, so
// whoever held them is out.
func TestTakeoverResetRevokesCredentials(t *testing.T) {
	e := newEnv(t, envOpts{})
	owner := e.signIn(e.operator(auth.RoleOwner))
	for _, reset := range []struct {
		name string
		do   func(id string) resp
	}{
		{"password", func(id string) resp {
			return owner.do("PATCH", "/api/v1/operators/"+id, map[string]any{"password": "a brand new long passphrase"})
		}},
		{"mfa", func(id string) resp { return owner.do("POST", "/api/v1/operators/"+id+"/reset-mfa", nil) }},
	} {
		op := e.operator(auth.RoleDPO)
		victim := e.signIn(op)
		raw, _ := e.tokenFor(op, []auth.Permission{auth.PermSelf, auth.PermAuditRead})
		tc := e.client()
		tc.bearer = raw
		if r := tc.do("GET", "/api/v1/me", nil); r.Code != 200 {
			t.Fatalf("token before reset = %d", r.Code)
		}
		if r := reset.do(op.ID); r.Code != 200 {
			t.Fatalf("%s reset = %d %s", reset.name, r.Code, r.Body)
		}
		if r := victim.do("GET", "/api/v1/me", nil); r.Code != 401 {
			t.Errorf("session after %s reset = %d, want 401", reset.name, r.Code)
		}
		if r := tc.do("GET", "/api/v1/me", nil); r.Code != 401 {
			t.Errorf("token after %s reset = %d, want 401", reset.name, r.Code)
		}
	}
}

// TestOnlyTheOwnerManagesOwnerTokens replays issue 9 item 14: an admin
// (operators:manage) could revoke the owner's API tokens.
func TestOnlyTheOwnerManagesOwnerTokens(t *testing.T) {
	e := newEnv(t, envOpts{})
	ownerOp := e.operator(auth.RoleOwner)
	owner := e.signIn(ownerOp)
	r := owner.do("POST", "/api/v1/tokens", map[string]any{"name": "ci", "scopes": []string{"self:manage"}})
	if r.Code != 201 {
		t.Fatalf("owner creates a token = %d %s", r.Code, r.Body)
	}
	id := r.json()["id"].(string)
	admin := e.signIn(e.operator(auth.RoleAdmin))
	if r := admin.do("DELETE", "/api/v1/tokens/"+id, nil); r.Code != 403 {
		t.Errorf("admin revokes the owner's token = %d %s, want 403", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionTokenRevoke || ev.Outcome != audit.Denied {
		t.Errorf("refused revoke audited as %+v", ev)
	}
	tc := e.client()
	tc.bearer = r.json()["token"].(string)
	if r := tc.do("GET", "/api/v1/me", nil); r.Code != 200 {
		t.Errorf("owner's token after the admin's attempt = %d, want 200", r.Code)
	}
	// An admin still revokes an agent's token; the owner revokes their own.
	agent := e.operator(auth.RoleAgent)
	_, agentTok := e.tokenFor(agent, []auth.Permission{auth.PermSelf})
	if r := admin.do("DELETE", "/api/v1/tokens/"+agentTok, nil); r.Code != 200 {
		t.Errorf("admin revokes an agent's token = %d %s, want 200", r.Code, r.Body)
	}
	if r := owner.do("DELETE", "/api/v1/tokens/"+id, nil); r.Code != 200 {
		t.Errorf("owner revokes their own token = %d %s, want 200", r.Code, r.Body)
	}
}
