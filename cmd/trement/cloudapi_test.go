package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/anomaly"
	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// templatesTo counts the templates the simulator accepted for a customer.
func (ta *testApp) templatesTo(who string) int {
	n := 0
	for _, m := range ta.sim.Sent() {
		if m.To == who && m.Type == "template" {
			n++
		}
	}
	return n
}

// TestWindowClosedStatusFallsBackToTemplate: Meta accepts a reply and
// then reports 131047 in a failed status webhook, as it usually does; the
// configured template goes out instead, kept as a message, and a template
// failing the same way gets no template of its own.
func TestWindowClosedStatusFallsBackToTemplate(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-template-name", "support_followup", "-template-language", "en_US", "-mark-read=false"}})
	const who, again = "14155550171", "14155550172"
	ta.optIn(who)
	ta.optIn(again)
	ta.settle()

	ta.sim.InjectFault(sim.FaultWindowClosedAsync, 1)
	ta.say(who, "how long does shipping take?")
	waitFor(t, "the template after a failed status", func() bool { return ta.templatesTo(who) == 1 })
	ta.settle()
	var failed, tpl int
	for _, m := range ta.contactMessages(who) {
		if m.Direction != conversation.Out {
			continue
		}
		if m.Status == conversation.StatusFailed && m.ErrorCode == 131047 {
			failed++
		}
		if m.Type == "template" && m.Status != conversation.StatusFailed {
			tpl++
		}
	}
	if failed != 1 || tpl != 1 {
		t.Errorf("stored: %d replies failed with 131047, %d templates; want 1 and 1", failed, tpl)
	}

	// The reply and the template both fail: one template, no loop.
	ta.sim.InjectFault(sim.FaultWindowClosedAsync, 2)
	ta.say(again, "how long does shipping take?")
	waitFor(t, "the template", func() bool { return ta.templatesTo(again) == 1 })
	ta.settle()
	time.Sleep(300 * time.Millisecond)
	ta.settle()
	if n := ta.templatesTo(again); n != 1 {
		t.Errorf("%d templates sent after the template itself failed with 131047, want 1", n)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitForWithin(t, what, 10*time.Second, ok)
}

// TestMarketingPreferencesAndRefusals: a user_preferences webhook records
// marketing stop and resume in the consent ledger (purpose marketing, the
// customer still opted in for service); Meta refusing a message with
// 131050 records the stop too, and the message stays failed, not retried.
func TestMarketingPreferencesAndRefusals(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	const who = "14155550181"
	ta.optIn(who)
	ta.settle()
	post := func(body string) {
		t.Helper()
		if code := ta.postWebhook([]byte(body), ta.sign([]byte(body)), "application/json"); code != 200 {
			t.Fatalf("webhook = %d", code)
		}
		ta.settle()
	}
	pref := func(value string, ts int64) string {
		return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"user_preferences","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"106540352242922"},"contacts":[{"wa_id":%q}],"user_preferences":[{"wa_id":%q,"detail":"User requested to %s marketing messages","category":"marketing_messages","value":%q,"timestamp":%d}]}}]}]}`,
			who, who, value, value, ts)
	}
	marketing := func() []consent.Kind {
		var ks []consent.Kind
		for _, e := range ta.ledgerEvents(who) {
			if e.Purpose == consent.PurposeMarketing {
				ks = append(ks, e.Kind)
			}
		}
		return ks
	}
	now := time.Now().Unix()
	post(pref("stop", now))
	post(pref("stop", now)) // Meta redelivers
	post(pref("resume", now+1))
	if got := marketing(); !slices.Equal(got, []consent.Kind{consent.MarketingStop, consent.MarketingResume}) {
		t.Errorf("marketing ledger = %v, want stop then resume", got)
	}
	if c := ta.contactOf(who); c.ConsentState != conversation.ConsentGranted {
		t.Errorf("after a marketing stop the service consent is %s, want granted", c.ConsentState)
	}

	var wamid string
	for _, m := range ta.sim.Sent() {
		if m.To == who && m.Type != "read" {
			wamid = m.ID
		}
	}
	sent := len(ta.sim.Sent())
	post(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"106540352242922"},"statuses":[{"id":%q,"status":"failed","timestamp":"%d","recipient_id":%q,"errors":[{"code":131050,"title":"Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business"}]}]}}]}]}`,
		wamid, now+2, who))
	if got := marketing(); !slices.Equal(got, []consent.Kind{consent.MarketingStop, consent.MarketingResume, consent.MarketingStop}) {
		t.Errorf("marketing ledger after 131050 = %v, want stop, resume, stop", got)
	}
	if r := ta.auditReasons("message.marketing_refused"); len(r) != 1 || !strings.Contains(r[0], "131050") {
		t.Errorf("audited refusals = %q", r)
	}
	time.Sleep(300 * time.Millisecond)
	ta.settle()
	if n := len(ta.sim.Sent()); n != sent {
		t.Errorf("%d sends after 131050, want none", n-sent)
	}
}

// TestRateLimitBurstSlowsTheNumber: a burst of 130429 slows the number
// instead of giving replies up: every customer gets their answer, none
// fails, and the codes are counted. An errors webhook with 130429 slows
// the number the same way.
func TestRateLimitBurstSlowsTheNumber(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	customers := []string{"14155550191", "14155550192", "14155550193", "14155550194"}
	for _, c := range customers {
		ta.optIn(c)
	}
	ta.settle()
	const burst = 44 // more than MaxAttempts (10) per customer
	ta.sim.InjectFault(sim.FaultRateLimit, burst)
	start := time.Now()
	for _, c := range customers {
		ta.say(c, "how long does shipping take?")
	}
	for _, c := range customers {
		ta.waitRepliesWithin(c, 3, 60*time.Second)
	}
	took := time.Since(start)
	ta.settle()
	if f := ta.app.svc.Stats.SendFailed.Load(); f != 0 {
		t.Errorf("%d sends given up under 130429, want none", f)
	}
	if n := ta.app.svc.Stats.MetaErrors.Snapshot()["130429"]; n != burst {
		t.Errorf("130429 counted %d times, want %d", n, burst)
	}
	throttled := ta.app.svc.Stats.Throttled.Load()
	if throttled == 0 {
		t.Error("the number was never slowed down")
	}
	t.Logf("burst of %d × 130429 over %d customers: all answered %v after the first message; number slowed %d times", burst, len(customers), took.Round(10*time.Millisecond), throttled)

	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"106540352242922"},"errors":[{"code":130429,"title":"Rate limit hit"}]}}]}]}`)
	time.Sleep(300 * time.Millisecond)
	if code := ta.postWebhook(body, ta.sign(body), "application/json"); code != 200 {
		t.Fatalf("errors webhook = %d", code)
	}
	ta.settle()
	if ta.app.svc.Stats.Throttled.Load() != throttled+1 {
		t.Error("an errors webhook with 130429 did not slow the number")
	}
	if n := ta.app.svc.Stats.MetaErrors.Snapshot()["130429"]; n != burst+1 {
		t.Errorf("130429 counted %d times after the errors webhook, want %d", n, burst+1)
	}
	if !strings.Contains(ta.metricsText(""), fmt.Sprintf(`trement_meta_errors_total{code="130429"} %d`, burst+1)) {
		t.Error("metrics do not show the 130429 count by code")
	}
}

func (ta *testApp) waitRepliesWithin(who string, n int, d time.Duration) {
	ta.t.Helper()
	waitForWithin(ta.t, fmt.Sprintf("%d replies to %s", n, who), d, func() bool { return len(ta.replies(who)) >= n })
}

func waitForWithin(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAccountWebhooksAreRecordedAndAlerted: Meta's reports about the
// business side, posted signed as Meta sends them (number quality, account
// update, template status and quality, template ids as JSON numbers and a
// null reason), are acknowledged, recorded in the audit log with their
// severity, slow the number down when its quality drops, and raise alerts
// for the serious ones; an approval raises none.
func TestAccountWebhooksAreRecordedAndAlerted(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	const who = "14155550191"
	ta.optIn(who) // the number has sent, so the limiter knows it
	ta.settle()
	post := func(field, value string) {
		t.Helper()
		body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1748454394,"changes":[{"value":` + value + `,"field":"` + field + `"}]}]}`)
		if code := ta.postWebhook(body, ta.sign(body), "application/json"); code != 200 {
			t.Fatalf("%s webhook = %d", field, code)
		}
	}
	throttled := ta.app.svc.Stats.Throttled.Load()
	// The simulator speaks the quality update itself; the others are posted
	// as Meta's webhook reference shows them.
	if err := ta.sim.SendNumberQuality("FLAGGED", "TIER_10K"); err != nil {
		t.Fatal(err)
	}
	ta.settle()
	post("account_update", `{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":"SCHEDULE_FOR_DISABLE","waba_ban_date":"December 9, 2026"}}`)
	post("message_template_status_update", `{"event":"PAUSED","message_template_id":1689556908129832,"message_template_name":"order_update","message_template_language":"en_US","reason":null,"other_info":{"title":"FIRST_PAUSE","description":"Your WhatsApp message template has been paused"}}`)
	post("message_template_status_update", `{"event":"APPROVED","message_template_id":1689556908129833,"message_template_name":"welcome","message_template_language":"es","reason":"NONE","message_template_category":"UTILITY"}`)
	post("message_template_quality_update", `{"previous_quality_score":"GREEN","new_quality_score":"RED","message_template_id":1689556908129832,"message_template_name":"order_update","message_template_language":"en_US"}`)
	ta.settle()

	for action, want := range map[string]string{
		audit.ActionMetaNumberQuality:   "warning: FLAGGED (limit TIER_10K); sending slowed down",
		audit.ActionMetaAccount:         "critical: DISABLED_UPDATE (ban state SCHEDULE_FOR_DISABLE, since December 9, 2026)",
		audit.ActionMetaTemplateQuality: "warning: RED (previous score GREEN)",
	} {
		if got := ta.auditReasons(action); len(got) != 1 || got[0] != want {
			t.Errorf("%s audited %q, want %q", action, got, want)
		}
	}
	if got := ta.auditReasons(audit.ActionMetaTemplate); !slices.Equal(got, []string{"warning: PAUSED (note FIRST_PAUSE)", "info: APPROVED (category UTILITY)"}) {
		t.Errorf("template reports audited %q", got)
	}
	if ta.app.svc.Stats.Throttled.Load() <= throttled {
		t.Error("a flagged number was not slowed down")
	}
	alerts, err := ta.app.alerter.Evaluate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	about := map[string]anomaly.Severity{}
	for _, a := range alerts {
		if a.Rule == "meta_account" {
			about[a.Key] = a.Severity
		}
	}
	want := map[string]anomaly.Severity{"number:…3881": anomaly.Warning, "account:…0398": anomaly.Critical, "template:order_update/en_US": anomaly.Warning}
	if !maps.Equal(about, want) {
		t.Errorf("meta_account alerts = %v, want %v", about, want)
	}
}

// TestBusinessInitiatedMessagesNeedTheOptIn: POST /api/v1/messages sends
// an approved template (with its body parameters, on the wire) to a
// customer who opted in for its purpose, through the outbox; marketing
// needs a marketing opt-in recorded with evidence; an unknown number, one
// that never opted in to marketing and one that wrote STOP all get the
// same refusal, audited without the number; a token without the scope is
// refused.
func TestBusinessInitiatedMessagesNeedTheOptIn(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	const who = "34600111222"
	ta.optIn(who)
	ta.settle()
	tok := ta.ownerToken(auth.PermMessagesSend)
	send := func(to, purpose string) (int, string) {
		t.Helper()
		var out struct {
			MessageID string `json:"message_id"`
			Status    string `json:"status"`
		}
		body := fmt.Sprintf(`{"to":%q,"purpose":%q,"template":"order_update","language":"es","body":["A-1029","martes"]}`, to, purpose)
		code := ta.api("POST", "/api/v1/messages", tok, body, &out)
		return code, out.MessageID
	}
	before := ta.templatesTo(who)
	code, id := send("+34 600 111 222", "utility")
	if code != 202 || id == "" {
		t.Fatalf("utility send = %d %q, want 202 and the message id", code, id)
	}
	ta.settle()
	if n := ta.templatesTo(who); n != before+1 {
		t.Fatalf("%d templates reached the customer, want 1", n-before)
	}
	var last sim.SentMessage
	for _, m := range ta.sim.Sent() {
		if m.To == who && m.Type == "template" {
			last = m
		}
	}
	if !strings.Contains(string(last.Body), `"name":"order_update"`) || !strings.Contains(string(last.Body), `"text":"A-1029"`) {
		t.Errorf("template on the wire = %s", last.Body)
	}
	// Named body variables and button variables, as Meta's components.
	named := `{"to":"+34600111222","purpose":"utility","template":"pedido_enviado","language":"es",` +
		`"named":{"order_id":"A-1029","day":"martes"},"buttons":[{"index":0,"type":"url","value":"A-1029"},{"index":1,"type":"quick_reply","value":"TRACK-A-1029"}]}`
	if code := ta.api("POST", "/api/v1/messages", tok, named, nil); code != 202 {
		t.Fatalf("named send = %d, want 202", code)
	}
	ta.settle()
	for _, m := range ta.sim.Sent() {
		if m.To == who && m.Type == "template" {
			last = m
		}
	}
	for _, want := range []string{`"parameter_name":"day","text":"martes"`, `"parameter_name":"order_id","text":"A-1029"`,
		`{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"A-1029"}]}`,
		`{"type":"button","sub_type":"quick_reply","index":"1","parameters":[{"type":"payload","payload":"TRACK-A-1029"}]}`} {
		if !strings.Contains(string(last.Body), want) {
			t.Errorf("named template on the wire = %s, want it to hold %s", last.Body, want)
		}
	}
	for name, bad := range map[string]string{
		"both kinds":     `"body":["x"],"named":{"a":"y"}`,
		"bad name":       `"named":{"Order ID":"y"}`,
		"button type":    `"buttons":[{"index":0,"type":"call","value":"x"}]`,
		"button twice":   `"buttons":[{"index":0,"type":"url","value":"x"},{"index":0,"type":"url","value":"y"}]`,
		"empty payload":  `"buttons":[{"index":0,"type":"quick_reply","value":""}]`,
		"button newline": `"buttons":[{"index":0,"type":"url","value":"a\nb"}]`,
	} {
		body := `{"to":"+34600111222","purpose":"utility","template":"pedido_enviado","language":"es",` + bad + `}`
		if code := ta.api("POST", "/api/v1/messages", tok, body, nil); code != 400 {
			t.Errorf("%s: send = %d, want 400", name, code)
		}
	}

	for _, to := range []string{who, "34600999888"} {
		if code, _ := send(to, "marketing"); code != 409 {
			t.Errorf("marketing to %s without a marketing opt-in = %d, want 409", to, code)
		}
	}
	if code := ta.api("POST", "/api/v1/consent/marketing", tok, fmt.Sprintf(`{"to":%q,"granted":true}`, who), nil); code != 400 {
		t.Errorf("a marketing opt-in without evidence = %d, want 400", code)
	}
	if code := ta.api("POST", "/api/v1/consent/marketing", tok, fmt.Sprintf(`{"to":%q,"granted":true,"evidence":"web form 8841, 2026-11-30"}`, who), nil); code != 200 {
		t.Fatalf("record the marketing opt-in = %d", code)
	}
	if code, _ := send(who, "marketing"); code != 202 {
		t.Errorf("marketing after the opt-in = %d, want 202", code)
	}
	ta.say(who, "STOP")
	ta.settle()
	for _, purpose := range []string{"utility", "marketing"} {
		if code, _ := send(who, purpose); code != 409 {
			t.Errorf("%s after STOP = %d, want 409", purpose, code)
		}
	}
	if got := ta.ledger(who); !slices.Contains(got, consent.MarketingOptIn) {
		t.Errorf("ledger = %v, want the marketing opt-in", got)
	}
	denied := 0
	for _, r := range ta.auditReasons("message.business_send") {
		if strings.Contains(r, who) || strings.Contains(r, "600999888") {
			t.Errorf("audit reason holds a number: %q", r)
		}
		if strings.HasSuffix(r, "no opt-in for this purpose") {
			denied++
		}
	}
	if denied != 4 {
		t.Errorf("%d refusals audited, want 4", denied)
	}
	if code, _ := send("not a number", "utility"); code != 400 {
		t.Errorf("a bad number = %d, want 400", code)
	}
	other := ta.api("POST", "/api/v1/messages", ta.anotherToken(auth.PermConversationsReply), `{"to":"34600111222","purpose":"utility","template":"order_update","language":"es"}`, nil)
	if other != 403 {
		t.Errorf("a token without messages:send = %d, want 403", other)
	}
}
