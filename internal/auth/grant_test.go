package auth

import (
	"slices"
	"strings"
	"testing"
)

// TestGrantableRoles: an owner grants every role, an admin staffs agents
// only (every other role reveals personal data or holds what an admin
// lacks), and a role without operators:manage grants none.
func TestGrantableRoles(t *testing.T) {
	tests := []struct {
		role Role
		want []Role
	}{
		{RoleOwner, Roles()},
		{RoleAdmin, []Role{RoleAgent}},
		{RoleDPO, nil},
		{RoleSupervisor, nil},
		{RoleAgent, nil},
		{RoleAuditor, nil},
	}
	for _, tt := range tests {
		p := &Principal{Kind: KindOperator, OperatorID: "me", Role: tt.role}
		if got := GrantableRoles(p); !slices.Equal(got, tt.want) {
			t.Errorf("GrantableRoles(%s) = %v, want %v", tt.role, got, tt.want)
		}
	}
}

func TestManageRefusal(t *testing.T) {
	owner := &Principal{Kind: KindOperator, OperatorID: "o", Role: RoleOwner}
	admin := &Principal{Kind: KindOperator, OperatorID: "a", Role: RoleAdmin}
	tests := []struct {
		name   string
		p      *Principal
		target *Operator
		reset  bool
		want   string // a part of the refusal; "" for allowed
	}{
		{"owner disables an admin", owner, &Operator{ID: "x", Role: RoleAdmin}, false, ""},
		{"owner resets a supervisor's MFA", owner, &Operator{ID: "x", Role: RoleSupervisor}, true, ""},
		{"not oneself", owner, &Operator{ID: "o", Role: RoleOwner}, false, "your own account"},
		{"admin disables a supervisor", admin, &Operator{ID: "x", Role: RoleSupervisor}, false, ""},
		{"admin resets a supervisor", admin, &Operator{ID: "x", Role: RoleSupervisor}, true, "reveal customers' personal data"},
		{"admin resets an agent", admin, &Operator{ID: "x", Role: RoleAgent}, true, ""},
		{"admin and the owner", admin, &Operator{ID: "x", Role: RoleOwner}, false, "only an owner"},
	}
	for _, tt := range tests {
		got := ManageRefusal(tt.p, tt.target, tt.reset)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: ManageRefusal = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		pw, err := GeneratePassword("agent7")
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckPassword(pw, "agent7"); err != nil || len(pw) != 19 || seen[pw] {
			t.Errorf("GeneratePassword = %q (CheckPassword: %v, seen before: %v), want a fresh 19-character password the policy accepts", pw, err, seen[pw])
		}
		seen[pw] = true
	}
}
