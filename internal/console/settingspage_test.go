package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/store"
)

// customers puts one contact with a conversation on file per region
// given, and returns the last conversation's id.
func (e *env) customers(regions ...string) (contactID, convID string) {
	e.t.Helper()
	now := e.clock.Now()
	err := e.db.Update(e.t.Context(), func(tx *store.Tx) error {
		for _, reg := range regions {
			e.nextID++
			c := &conversation.Contact{ID: store.NewID(), WaID: fmt.Sprintf("3461100%04d", e.nextID), Region: reg,
				RegionReason: "test", Language: "es", ConsentState: conversation.ConsentGranted, LastInboundAt: now, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateContact(c); err != nil {
				return err
			}
			conv, err := tx.OpenConversation(c.ID, "106540352242922")
			if err != nil {
				return err
			}
			contactID, convID = c.ID, conv.ID
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return contactID, convID
}

// pauseSending puts one send on file in the state the outbox leaves it
// in when Meta refuses the token.
func (e *env) pauseSending() {
	e.t.Helper()
	contact, conv := e.customers("ES")
	err := e.db.Update(e.t.Context(), func(tx *store.Tx) error {
		it := &conversation.OutboxItem{ContactID: contact, ConversationID: conv, PhoneNumberID: "106540352242922", Kind: "message",
			Payload: []byte(`{"to":"34611000000","text":"hello"}`)}
		if err := tx.Enqueue(it); err != nil {
			return err
		}
		return tx.OutboxSetState(it.ID, conversation.OutboxPaused, "(#190) access token expired")
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func testSettings(t *testing.T) console.Settings {
	t.Helper()
	rules, err := policy.New(policy.Config{Default: policy.GDPR, Retention: map[policy.Region]policy.Retention{"ES": {Days: 60}}})
	if err != nil {
		t.Fatal(err)
	}
	return console.Settings{PrivacyURL: "https://aurora.example/privacy", NoticeVersion: "2026-11-01", Purpose: "customer support for your orders",
		DPOContact: "dpo@aurora.example", RetentionDays: 30, AuditRetentionDays: 730, DSARLinkTTL: 24 * time.Hour, Rules: rules,
		Agent: "openai", AgentModel: "llama3.1:8b", AgentURL: "https://bob:s3cr3t-pw@llm.aurora.example:8443/v1?api_key=sk-in-query"}
}

// TestSettingsPage: an admin sees the configuration in words — notice,
// purpose, DPO, retention per region as the policy file sets it, each
// region's law and clocks, the agent's model and server but not the
// credentials its URL carries; roles without settings:manage are refused
// and not linked to it.
func TestSettingsPage(t *testing.T) {
	e := newEnv(t, envOpts{settings: testSettings(t)})
	e.customers("ES", "ES", "BR")
	admin := e.signIn(e.operator(auth.RoleAdmin))
	r := admin.do("GET", "/settings", nil)
	body := r.Body.String()
	if r.Code != http.StatusOK {
		t.Fatalf("GET /settings as admin = %d %s", r.Code, body)
	}
	for _, want := range []string{
		`href="https://aurora.example/privacy"`, "2026-11-01", "customer support for your orders", "dpo@aurora.example",
		"Sending normally.",
		// Retention: the default, and Spain's from the policy file.
		"<dd>30 days (a region may differ", "<dd>60 days (set by the policy file)</dd>", "<dd>1 day, then the export is shredded", "<dt>Audit log</dt><dd>730 days</dd>",
		// Regions in use with their customers, laws, clocks and authorities.
		"Spain (ES)", "2 customer(s) on file", "Brazil (BR)", "1 customer(s) on file", "LGPD", "ANPD", "AEPD",
		"<dt>Breach notice to the authority within</dt><dd>3 business days", "<dt>Breach notice to the authority within</dt><dd>72 hours",
		"blocked for 1095 days, then shredded", "shredded at once",
		// The default rules, in use with no customers yet.
		"Numbers no law claims get the rules of: EU and EEA (except Spain).", "EU and EEA (except Spain) (GDPR) · also for numbers no law claims",
		"Language model on an OpenAI-compatible server", "llama3.1:8b", "<dd>https://llm.aurora.example:8443</dd>",
		`href="/settings" aria-current="page">Settings`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /settings does not show %q", want)
		}
	}
	for _, secret := range []string{"s3cr3t-pw", "bob", "sk-in-query", "api_key", ">openai<", ">breach_authority<"} {
		if strings.Contains(body, secret) {
			t.Errorf("GET /settings shows %q", secret)
		}
	}
	if strings.Contains(body, "Resume sending") {
		t.Errorf("GET /settings offers to resume a sender that is not paused")
	}
	for _, role := range auth.Roles() {
		c := e.signIn(e.operator(role))
		r := c.do("GET", "/settings", nil)
		if want := role.Can(auth.PermSettingsManage); (r.Code == http.StatusOK) != want || (!want && r.Code != http.StatusForbidden) {
			t.Errorf("GET /settings as %s = %d, want allowed %v (403 if not)", role, r.Code, want)
		}
		// The page the role lands on links to Settings only if it may open it.
		home := c.do("GET", "/", nil).Header().Get("Location")
		if strings.HasPrefix(home, "/api/") {
			continue // no page at all
		}
		if r := c.do("GET", home, nil); r.Code != 200 || strings.Contains(r.Body.String(), `href="/settings"`) != role.Can(auth.PermSettingsManage) {
			t.Errorf("GET %s as %s = %d; links to Settings: %v, want %v", home, role, r.Code, !role.Can(auth.PermSettingsManage), role.Can(auth.PermSettingsManage))
		}
	}
}

// TestSettingsBuiltinAgent: the offline agent has no model or server to
// show, whatever the configuration says of a language model.
func TestSettingsBuiltinAgent(t *testing.T) {
	st := testSettings(t)
	st.Agent = "builtin"
	e := newEnv(t, envOpts{settings: st})
	body := e.signIn(e.operator(auth.RoleAdmin)).do("GET", "/settings", nil).Body.String()
	if !strings.Contains(body, "Built-in offline knowledge agent") || strings.Contains(body, "llama3.1:8b") || strings.Contains(body, "llm.aurora.example") {
		t.Errorf("GET /settings with the built-in agent:\n%s", body)
	}
}

// TestSettingsPausedSender: a paused send shows as a paused sender; the
// Resume button is offered only when the server serves the resume route
// (cmd/trement adds it; its own test presses it).
func TestSettingsPausedSender(t *testing.T) {
	resume := console.Route{Method: "POST", Pattern: "/api/v1/outbox/resume", Perm: auth.PermSettingsManage, Auth: console.AuthSessionOrToken, Handler: okHandler}
	for _, served := range []bool{false, true} {
		var extra []console.Route
		if served {
			extra = []console.Route{resume}
		}
		e := newEnv(t, envOpts{settings: testSettings(t), extra: extra})
		e.pauseSending()
		body := e.signIn(e.operator(auth.RoleAdmin)).do("GET", "/settings", nil).Body.String()
		if !strings.Contains(body, "Sending is paused</strong>: 1 message(s) wait") || strings.Contains(body, "Sending normally") {
			t.Errorf("GET /settings with a paused send does not say sending is paused:\n%s", body)
		}
		if got := strings.Contains(body, `<form data-api="/api/v1/outbox/resume" data-after="reload"><button>Resume sending</button>`); got != served {
			t.Errorf("resume route served %v: Resume button shown %v", served, got)
		}
		if strings.Contains(body, "access token expired") {
			t.Errorf("GET /settings shows the send's error text")
		}
	}
}
