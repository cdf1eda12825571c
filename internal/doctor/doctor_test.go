package doctor

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/policy"
)

// healthy returns facts every check passes.
func healthy(t *testing.T) *Facts {
	t.Helper()
	cfg, _, err := config.Load(nil, func(k string) string {
		return map[string]string{
			"TREMENT_DATA_DIR":                "/var/lib/trement",
			"TREMENT_MASTER_KEY_FILE":         "/run/secrets/trement.key",
			"TREMENT_APP_SECRET":              "s3cret",
			"TREMENT_VERIFY_TOKEN":            "verify",
			"TREMENT_ACCESS_TOKEN":            "EAAG",
			"TREMENT_PRIVACY_URL":             "https://shop.es/privacidad",
			"TREMENT_DPO_CONTACT":             "dpo@shop.es",
			"TREMENT_TLS_CERT":                "/etc/trement/cert.pem",
			"TREMENT_TLS_KEY":                 "/etc/trement/key.pem",
			"TREMENT_LISTEN":                  "0.0.0.0:8443",
			"TREMENT_BREACH_CONTACT":          "security@shop.es",
			"TREMENT_CONTROLLER_CONTACT":      "Tienda Aurora SL, Calle Mayor 1, Madrid, legal@shop.es",
			"TREMENT_KEY_BACKUP_CONFIRMED":    "2026-12-01 vault + offline safe",
			"TREMENT_HANDLING_POLICY_URL":     "https://intranet.shop.es/handling",
			"TREMENT_HANDLING_POLICY_VERSION": "3",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	pe, err := policy.New(policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	regions := []policy.Region{policy.Strict, policy.ES, policy.BR, policy.CA}
	return &Facts{
		Config: cfg, Policy: pe, Regions: regions,
		Privacy:         Probe{Checked: true, OK: true, Detail: "200 OK"},
		Operators:       []Operator{{Username: "alice", Role: "owner", MFAEnrolled: true, PolicyVersion: "3"}, {Username: "old", Disabled: true}},
		AuditEvents:     42,
		AnchorAge:       10 * time.Minute,
		OverdueRequests: 0,
		Records:         BuildRecords(cfg, pe, regions, time.Unix(0, 0)),
	}
}

func TestHealthyDeploymentPasses(t *testing.T) {
	rep := Run(healthy(t), time.Unix(0, 0))
	for _, r := range rep.Results {
		if r.Status != Pass {
			t.Errorf("%s = %s (%s), want pass", r.ID, r.Status, r.Reason)
		}
		if r.Fix != "" {
			t.Errorf("%s passed with a fix %q", r.ID, r.Fix)
		}
	}
	if !rep.OK() || rep.Score != 100 || len(rep.Results) != len(IDs()) {
		t.Errorf("report = ok %v score %d, %d results; want ok, 100, %d", rep.OK(), rep.Score, len(rep.Results), len(IDs()))
	}
}

// TestEveryCheckFails breaks each check in turn and expects that check, and
// only it, to leave pass with a reason and a fix.
func TestEveryCheckFails(t *testing.T) {
	tests := []struct {
		id     string
		want   Status
		break_ func(f *Facts)
		says   string
	}{
		{"cloud_api", Fail, func(f *Facts) { f.Config.AppSecret = "" }, "TREMENT_APP_SECRET"},
		{"cloud_api", Fail, func(f *Facts) { f.Config.GraphURL = "http://127.0.0.1:8090" }, "not Meta's"},
		{"cloud_api", Fail, func(f *Facts) { f.Config.GraphURL = "https://graph.facebook.com.evil.io" }, "not Meta's"},
		{"cloud_api", Fail, func(f *Facts) { f.Config.Dev = true }, "development"},
		{"privacy_notice", Fail, func(f *Facts) { f.Config.PrivacyURL = "" }, "empty"},
		{"privacy_notice", Fail, func(f *Facts) { f.Config.PrivacyURL = "http://shop.es/privacy" }, "HTTPS"},
		{"privacy_notice", Fail, func(f *Facts) { f.Config.PrivacyURL = "https://example.com/privacy" }, "placeholder"},
		{"privacy_notice", Fail, func(f *Facts) { f.Privacy = Probe{Checked: true, Detail: "404 Not Found"} }, "404"},
		{"privacy_notice", Skip, func(f *Facts) { f.Privacy = Probe{Detail: "no network: dial tcp"} }, "not fetched"},
		{"retention", Fail, func(f *Facts) { f.Config.RetentionDays = 365 }, "no documented reason"},
		{"retention", Warn, func(f *Facts) { f.Config.RetentionDays = 365; f.Config.RetentionReason = "tax law" }, "tax law"},
		{"retention", Fail, func(f *Facts) { f.Config.RetentionDays = 0 }, "forever"},
		{"master_key", Fail, func(f *Facts) { f.DevKey = true }, "DEVELOPMENT"},
		{"master_key", Fail, func(f *Facts) { f.Config.MasterKeyFile = "/var/lib/trement/keys/master.key" }, "inside the data folder"},
		{"master_key", Warn, func(f *Facts) { f.Config.MasterKeyFile = ""; f.Config.MasterKey = "00" }, "inline"},
		{"key_backup", Fail, func(f *Facts) { f.Config.KeyBackupConfirmed = "" }, "backed up"},
		{"tls", Fail, func(f *Facts) { f.Config.TLSCert, f.Config.TLSKey = "", "" }, "no TLS"},
		{"tls", Warn, func(f *Facts) { f.Config.TLSCert, f.Config.TLSKey, f.Config.InsecureHTTP = "", "", true }, "proxy"},
		{"dpo", Fail, func(f *Facts) { f.Config.DPOContact = "" }, "require a DPO"},
		{"dpo", Fail, func(f *Facts) { f.Config.DPOContact = "dpo@example.com" }, "require a DPO"},
		{"breach_contacts", Fail, func(f *Facts) { f.Config.BreachContact = "" }, "breach contact"},
		{"records", Fail, func(f *Facts) {
			f.Config.ControllerContact = ""
			f.Records = BuildRecords(f.Config, f.Policy, f.Regions, time.Unix(0, 0))
		}, "controller contact"},
		{"records", Fail, func(f *Facts) {
			f.Config.AgentProvider = "openai"
			f.Records = BuildRecords(f.Config, f.Policy, f.Regions, time.Unix(0, 0))
		}, "language model"},
		{"operators_mfa", Fail, func(f *Facts) { f.Operators = append(f.Operators, Operator{Username: "bob", PolicyVersion: "3"}) }, "bob"},
		{"operators_mfa", Warn, func(f *Facts) { f.Operators = nil }, "no operator"},
		{"operators_policy", Fail, func(f *Facts) { f.Operators[0].PolicyVersion = "2" }, "alice"},
		{"operators_policy", Fail, func(f *Facts) { f.Config.HandlingPolicyURL = "" }, "no data-handling policy"},
		{"audit_chain", Fail, func(f *Facts) { f.AuditError = "seq 7 edited" }, "seq 7"},
		{"audit_anchor", Fail, func(f *Facts) { f.AnchorAge = -1 }, "not anchored"},
		{"audit_anchor", Fail, func(f *Facts) { f.AnchorError = "log shorter than its anchor" }, "shorter"},
		{"audit_anchor", Warn, func(f *Facts) { f.AnchorAge = 5 * time.Hour }, "old"},
		{"requests_overdue", Fail, func(f *Facts) { f.OverdueRequests = 2 }, "2 data-subject"},
		{"requests_overdue", Skip, func(f *Facts) { f.OverdueRequests = -1 }, "cannot"},
		{"sender", Fail, func(f *Facts) { f.PausedSends = 3 }, "paused"},
	}
	for _, tt := range tests {
		t.Run(tt.id+"/"+tt.says, func(t *testing.T) {
			f := healthy(t)
			tt.break_(f)
			rep := Run(f, time.Unix(0, 0))
			for _, r := range rep.Results {
				if r.ID != tt.id {
					if r.Status != Pass {
						t.Errorf("%s = %s (%s), want pass: only %s was broken", r.ID, r.Status, r.Reason, tt.id)
					}
					continue
				}
				if r.Status != tt.want || !strings.Contains(r.Reason, tt.says) {
					t.Errorf("%s = %s %q, want %s saying %q", r.ID, r.Status, r.Reason, tt.want, tt.says)
				}
				if r.Status != Skip && r.Fix == "" {
					t.Errorf("%s = %s with no fix", r.ID, r.Status)
				}
			}
			if wantOK := tt.want != Fail; rep.OK() != wantOK {
				t.Errorf("OK() = %v, want %v", rep.OK(), wantOK)
			}
		})
	}
}

func TestOptOutWordsAreRecognised(t *testing.T) {
	st, reason, _ := checkOptOut(healthy(t))
	if st != Pass {
		t.Fatalf("opt_out = %s (%s): the intent package no longer recognises a shipped opt-out word", st, reason)
	}
}

// TestRecordsForTwoConfigurations: the built-in agent sends nothing to a
// model provider; an LLM provider on another host is a processor with a
// transfer; one on loopback is self-hosted.
func TestRecordsForTwoConfigurations(t *testing.T) {
	f := healthy(t)
	builtin := BuildRecords(f.Config, f.Policy, f.Regions, time.Unix(0, 0))
	if len(builtin.Recipients) != 1 || !strings.Contains(builtin.Recipients[0].Name, "Meta") {
		t.Errorf("built-in agent: recipients = %+v, want only Meta", builtin.Recipients)
	}
	llm := *f.Config
	llm.AgentProvider, llm.OpenAIURL, llm.OpenAIModel = "openai", "https://api.openai.com/v1", "gpt-4o-mini"
	withLLM := BuildRecords(&llm, f.Policy, f.Regions, time.Unix(0, 0))
	if len(withLLM.Recipients) != 2 || withLLM.Recipients[1].Role != "processor" || !strings.Contains(withLLM.Recipients[1].Name, "api.openai.com") {
		t.Errorf("LLM agent: recipients = %+v, want Meta and the provider at api.openai.com as a processor", withLLM.Recipients)
	}
	if g := withLLM.Gaps(); len(g) != 0 {
		t.Errorf("LLM record gaps = %v, want none", g)
	}
	llm.OpenAIURL = "http://127.0.0.1:11434/v1"
	local := BuildRecords(&llm, f.Policy, f.Regions, time.Unix(0, 0))
	if local.Recipients[1].Transfer != "none" {
		t.Errorf("loopback LLM transfer = %q, want none", local.Recipients[1].Transfer)
	}
	if !slicesContain(withLLM.Activities[0].Recipients, withLLM.Recipients[1].Name) || slicesContain(builtin.Activities[0].Recipients, "language model") {
		t.Errorf("support activity recipients: builtin %v, llm %v", builtin.Activities[0].Recipients, withLLM.Activities[0].Recipients)
	}
	// Region rules come from the packs, not typed by hand.
	var es *RegionRules
	for i := range builtin.Regions {
		if builtin.Regions[i].Region == "ES" {
			es = &builtin.Regions[i]
		}
	}
	if es == nil || !es.Block || !strings.Contains(es.Law, "LOPDGDD") || es.Breach != "72 hours" {
		t.Errorf("ES rules = %+v, want LOPDGDD, block before delete, 72 hours", es)
	}
	if !strings.Contains(strings.Join(builtin.Activities[0].Retention, " "), "30 days") {
		t.Errorf("retention = %v, want the configured 30 days", builtin.Activities[0].Retention)
	}
}

func TestRecordsFormats(t *testing.T) {
	r := healthy(t).Records
	var md, js, cs bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Record of processing activities", "Tienda Aurora", "dpo@shop.es", "| ES |", "AES-256-GCM"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md.String(), "## Missing") {
		t.Errorf("complete record lists missing items:\n%s", md.String())
	}
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Records
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Controller.Name != "Tienda Aurora" || len(back.Activities) != len(r.Activities) {
		t.Errorf("JSON round trip = %+v, %v", back.Controller, err)
	}
	if err := r.WriteCSV(&cs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&cs).ReadAll()
	if err != nil || len(rows) < 20 || strings.Join(rows[0], ",") != "section,item,field,value" {
		t.Errorf("CSV = %d rows, header %v, %v", len(rows), rows[0], err)
	}
}

func slicesContain(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
