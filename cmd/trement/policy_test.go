package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/policy"
)

func TestPolicyFileOverridesRegionRules(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	tests := []struct {
		name, body, wantErr string
	}{
		{"tighter Spanish access deadline", `{"overrides":{"ES":{"access":{"days":7},"dpo_required":true}}}`, ""},
		{"negative days", `{"overrides":{"ES":{"access":{"days":-3}}}}`, "access.days"},
		{"misspelt field", `{"overides":{}}`, "unknown field"},
		{"unknown region", `{"overrides":{"XX":{}}}`, "XX"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Config{DefaultRegion: "STRICT", PolicyFile: write(strings.ReplaceAll(tt.name, " ", "_")+".json", tt.body)}
			pol, err := newPolicy(cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("newPolicy = %v, want an error naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p, _ := pol.Pack(policy.ES)
			if p.Access.Days != 7 || !p.DPORequired {
				t.Errorf("ES pack = access %+v, DPO %v; want the override", p.Access, p.DPORequired)
			}
		})
	}
}
