package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
)

// seedAt runs fn in a write transaction with the clock at t, so the rows
// carry t as the store writes it, and puts the clock back.
func (e *env) seedAt(t time.Time, fn func(tx *store.Tx) error) {
	e.t.Helper()
	back := e.clock.Now()
	e.clock.Set(t)
	defer e.clock.Set(back)
	if err := e.db.Update(context.Background(), fn); err != nil {
		e.t.Fatal(err)
	}
}

// TestDashboardPage: a supervisor sees the period's counts drawn and in
// words (messages, consent rates, escalations and the median first human
// reply, requests on time and late), with no customer's data on the page;
// an agent is refused it and has no link to it.
func TestDashboardPage(t *testing.T) {
	e := newEnv(t, envOpts{})
	now := e.clock.Now()
	day := func(daysAgo int, h, m int) time.Time {
		return now.Truncate(24*time.Hour).AddDate(0, 0, -daysAgo).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
	}
	sup := e.signIn(e.operator(auth.RoleSupervisor))

	r := sup.do("GET", "/dashboard", nil)
	if r.Code != http.StatusOK {
		t.Fatalf("GET /dashboard as supervisor = %d %s", r.Code, r.Body)
	}
	for _, want := range []string{"No messages in these days.", "No consent decisions in these days.", "No escalations in these days.",
		"none answered yet", "no answers to the consent question yet"} {
		if !strings.Contains(r.Body.String(), want) {
			t.Errorf("empty dashboard does not say %q", want)
		}
	}

	var conv *conversation.Conversation
	const phone, name, body = "34612345678", "Ana García", "¿dónde está mi pedido 4417?"
	e.seedAt(day(2, 10, 0), func(tx *store.Tx) error {
		c := &conversation.Contact{WaID: phone, ProfileName: name, Region: "ES", RegionReason: "+34", Language: "es", ConsentState: conversation.ConsentGranted}
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		var err error
		if conv, err = tx.OpenConversation(c.ID, "106540352242922"); err != nil {
			return err
		}
		for i, author := range []string{"customer", "customer", "customer", "bot", "bot"} {
			m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.Out, Type: "text", Body: body, Author: author, Status: conversation.StatusSent}
			if author == "customer" {
				m.Direction, m.Status, m.WAMessageID = conversation.In, conversation.StatusReceived, "wamid.dash."+string(rune('a'+i))
			}
			if err := tx.InsertMessage(m); err != nil {
				return err
			}
		}
		for _, k := range []consent.Kind{consent.Asked, consent.OptIn, consent.OptIn, consent.Decline} {
			if err := tx.AppendConsent(&consent.Event{ContactID: c.ID, WaIndex: []byte("idx"), Kind: k, NoticeVersion: "v1", Purpose: "service", Region: "ES", Channel: "whatsapp"}); err != nil {
				return err
			}
		}
		return tx.AppendAudit(&audit.Event{ActorType: audit.ActorType("customer"), ActorID: "wa:pseudo", Action: audit.ActionEscalate,
			Target: "conversation:" + conv.ID, Outcome: audit.Success, Reason: "customer_request"})
	})
	e.seedAt(day(2, 10, 12), func(tx *store.Tx) error {
		return tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: conv.ContactID, Direction: conversation.Out, Type: "text",
			Body: body, Author: "operator:op1", Status: conversation.StatusSent})
	})
	e.seedAt(day(1, 9, 0), func(tx *store.Tx) error {
		if err := tx.AppendAudit(&audit.Event{ActorType: audit.ActorType("customer"), ActorID: "wa:pseudo", Action: audit.ActionEscalate,
			Target: "conversation:" + conv.ID, Outcome: audit.Success, Reason: "sensitive_topic"}); err != nil {
			return err
		}
		if err := tx.AppendConsent(&consent.Event{ContactID: conv.ContactID, WaIndex: []byte("idx"), Kind: consent.OptOut, NoticeVersion: "v1", Purpose: "service", Region: "ES", Channel: "whatsapp"}); err != nil {
			return err
		}
		for i, rq := range []struct {
			due, done time.Time
			st        rights.Status
		}{
			{day(-3, 0, 0), day(1, 9, 0), rights.StatusCompleted}, // on time
			{day(4, 0, 0), day(1, 9, 0), rights.StatusRefused},    // late
			{day(3, 0, 0), time.Time{}, rights.StatusOpen},        // overdue
		} {
			if err := tx.CreateRequest(&rights.Request{ID: "r" + string(rune('0'+i)), WaIndex: []byte("idx"), Type: rights.Access, Source: rights.SourceDPO,
				Identity: rights.IdentityVerified, Status: rq.st, Region: "ES", DueAt: rq.due, CreatedAt: day(20, 9, 0), CompletedAt: rq.done}); err != nil {
				return err
			}
		}
		return nil
	})

	r = sup.do("GET", "/dashboard", nil)
	page := r.Body.String()
	if r.Code != http.StatusOK {
		t.Fatalf("GET /dashboard as supervisor = %d %s", r.Code, page)
	}
	for _, want := range []string{
		`<p id="sum-messages">From customers: 3; answered by the bot: 2; by operators: 1.</p>`,
		`Opt-in rate: 67% (2 of 3 answers to the consent question). Opt-out rate: 50% (1 of 2 customers who had consented).`,
		`Escalations: 2, of which answered by a person: 1; median time to the first human reply: 12 min.`,
		`Answered on time in these days: 1; answered late: 1; open past their due date now: 1.`,
		// The hidden tables hold each day's numbers.
		`<tr><th scope="row">Nov 22</th><td>3</td><td>2</td><td>1</td></tr>`,
		`<tr><th scope="row">Nov 22</th><td>2</td><td>1</td><td>0</td></tr>`,
		`<tr><th scope="row">Nov 23</th><td>1</td></tr>`,
		`<tr><th scope="row">Last 30 days</th><td>1</td><td>1</td><td>1</td></tr>`,
		`role="img" aria-labelledby="chart-messages-title chart-messages-desc"`,
		`<a href="/dashboard" aria-current="page">Dashboard</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("GET /dashboard does not show %s", want)
		}
	}
	if n := strings.Count(page, `<svg class="chart"`); n != 4 {
		t.Errorf("GET /dashboard draws %d charts, want 4", n)
	}
	for _, bad := range []string{phone, "+34 6", name, "García", body, "4417", "style=", "<script>", "<style"} {
		if strings.Contains(page, bad) {
			t.Errorf("GET /dashboard contains %q: counts only, no inline style or script", bad)
		}
	}

	agent := e.signIn(e.operator(auth.RoleAgent))
	if r := agent.do("GET", "/dashboard", nil); r.Code != http.StatusForbidden {
		t.Errorf("GET /dashboard as agent = %d, want 403", r.Code)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionDenied || ev.Reason != "missing permission "+string(auth.PermMetricsRead) {
		t.Errorf("agent's refusal audited as %+v", ev)
	}
	if r := agent.do("GET", "/conversations", nil); strings.Contains(r.Body.String(), `href="/dashboard"`) {
		t.Errorf("agent's navigation links to the dashboard")
	}
}
