package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/channel"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
	"github.com/trement/trement/internal/whatsapp"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// optIn takes a customer through the consent question.
func (ta *testApp) optIn(who string) {
	ta.t.Helper()
	n := len(ta.replies(who))
	ta.say(who, "hello")
	ta.waitReplies(who, n+1)
	ta.tap(who, conversation.ButtonAccept)
	ta.waitReplies(who, n+2)
}

func (ta *testApp) outboxStates() map[conversation.OutboxState]int {
	var c map[conversation.OutboxState]int
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		c, err = tx.OutboxCounts()
		return err
	})
	return c
}

func TestOutboundRetriesLoseNothingAndSendNothingTwice(t *testing.T) {
	ta := startApp(t, appOpt{})
	customers := []string{"14155550101", "14155550102", "14155550103", "14155550104"}
	for _, c := range customers {
		ta.optIn(c)
	}
	ta.settle()
	faults := []struct {
		f sim.Fault
		n int
	}{{sim.FaultRateLimit, 3}, {sim.FaultServerError, 2}, {sim.FaultUnavailable, 2}, {sim.FaultPairRateLimit, 1}}
	for _, f := range faults {
		if err := ta.sim.InjectFault(f.f, f.n); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range customers {
		ta.say(c, "how long does shipping take?")
	}
	for _, c := range customers {
		ta.waitReplies(c, 3)
	}
	ta.settle()
	time.Sleep(300 * time.Millisecond)
	if left := ta.sim.PendingFaults(); len(left) != 0 {
		t.Errorf("faults not consumed: %v", left)
	}
	for _, c := range customers {
		if got := len(ta.replies(c)); got != 3 {
			t.Errorf("customer %s got %d messages, want 3", c, got)
		}
	}
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
	if ta.app.svc.Stats.SendRetries.Load() < 8 {
		t.Errorf("SendRetries = %d, want at least the 8 injected faults", ta.app.svc.Stats.SendRetries.Load())
	}
}

func TestTimedOutSendIsResentOnlyAfterReconciliationWindow(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-graph-timeout", "1s", "-reconcile-after", "2s", "-mark-read=false"}})
	const who = "14155550111"
	ta.optIn(who)
	ta.settle()
	if err := ta.sim.InjectFault(sim.FaultHang, 1); err != nil {
		t.Fatal(err)
	}
	ta.say(who, "how long does shipping take?")
	// The hung request never reached Meta's books: the reply arrives once,
	// after the client timeout and the reconciliation window.
	r := ta.waitReplies(who, 3)
	time.Sleep(500 * time.Millisecond)
	if got := len(ta.replies(who)); got != 3 {
		t.Errorf("customer got %d messages, want 3", got)
	}
	if ta.app.svc.Stats.SendUnknown.Load() == 0 {
		t.Error("the timeout was not treated as an unknown outcome")
	}
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
	t.Logf("reply after timeout: %.40q", r[2].Text)
}

// loseAnswers sends for real but reports the first n answers as lost, as
// when the process dies between Meta's 200 and the bookkeeping.
type loseAnswers struct {
	conversation.Sender
	left atomic.Int32
}

func (l *loseAnswers) Send(ctx context.Context, phone string, out conversation.Outbound, cb string) (string, error) {
	id, err := l.Sender.Send(ctx, phone, out, cb)
	if err == nil && out.Read == "" && l.left.Add(-1) >= 0 {
		return "", &conversation.SendError{Action: conversation.SendUnknown, Err: fmt.Errorf("answer lost")}
	}
	return id, err
}

func TestLostAnswerIsReconciledFromStatusWebhooks(t *testing.T) {
	lose := &loseAnswers{}
	ta := startApp(t, appOpt{wrap: func(s conversation.Sender) conversation.Sender { lose.Sender = s; return lose }})
	const who = "14155550121"
	ta.optIn(who)
	ta.settle()
	lose.left.Store(1)
	ta.say(who, "how long does shipping take?")
	ta.waitReplies(who, 3)
	// The lost send's status webhooks come when the simulator sends them:
	// Reconciled can also move first for a send whose status overtook its
	// own 200, so what is waited for is the unknown item leaving.
	deadline := time.Now().Add(20 * time.Second)
	for (ta.app.svc.Stats.Reconciled.Load() == 0 || ta.outboxStates()[conversation.OutboxUnknown] != 0) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if ta.app.svc.Stats.Reconciled.Load() == 0 {
		t.Fatal("the send whose answer was lost was never reconciled")
	}
	ta.settle()
	if c := ta.outboxStates(); c[conversation.OutboxUnknown] != 0 {
		t.Errorf("outbox still has %d unknown items 20 s after the lost answer", c[conversation.OutboxUnknown])
	}
	if got := len(ta.replies(who)); got != 3 {
		t.Errorf("customer got %d messages, want 3", got)
	}
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
}

// waitPaused waits up to 10 s for a pause, failing with why if none comes.
func (ta *testApp) waitPaused(why string) {
	ta.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ta.app.svc.Stats.Paused.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !ta.app.svc.Stats.Paused.Load() {
		ta.t.Fatal(why)
	}
}

func TestExpiredTokenPausesSendingUntilResumed(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	const who = "14155550131"
	ta.optIn(who)
	ta.settle()
	ta.sim.InjectFault(sim.FaultAuth, 1)
	ta.say(who, "how long does shipping take?")
	ta.waitPaused("sending was not paused after Meta refused the token")
	time.Sleep(300 * time.Millisecond)
	if got := len(ta.replies(who)); got != 2 {
		t.Fatalf("while paused the customer got %d messages, want 2", got)
	}
	if err := ta.app.svc.ResumeSending(context.Background()); err != nil {
		t.Fatal(err)
	}
	ta.waitReplies(who, 3)
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
}

func TestClosedWindowFallsBackToTemplate(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-template-name", "support_followup", "-template-language", "en_US", "-mark-read=false"}})
	const who = "14155550141"
	ta.optIn(who)
	ta.settle()
	ta.sim.InjectFault(sim.FaultWindowClosed, 1)
	ta.say(who, "how long does shipping take?")
	r := ta.waitReplies(who, 3)
	if r[2].Type != "template" {
		t.Errorf("after 131047 the customer got a %q message, want the template", r[2].Type)
	}
}

// TestRestartSendsWhatNeverLeftAtOnce reproduces a kill -9 under load: one
// customer's reply was claimed but its request never started, another's
// was started (it may have reached Meta); each has a later reply queued
// behind it. After the restart the first customer's line moves at once;
// the second's waits for a status webhook naming the started item, so
// nothing is sent twice.
func TestRestartSendsWhatNeverLeftAtOnce(t *testing.T) {
	ctx := context.Background()
	url, _ := storetest.NewSQLite(t)
	key := vault.GenerateKey()
	args := []string{"-mark-read=false", "-reconcile-after", "10m"}
	ta := startApp(t, appOpt{url: url, key: key, args: args})
	const neverLeft, inFlight = "14155550161", "14155550162"
	ta.optIn(neverLeft)
	ta.optIn(inFlight)
	ta.settle()
	contacts := []*conversation.Contact{ta.contactOf(neverLeft), ta.contactOf(inFlight)}
	ta.stop()

	// The crash, as the store keeps it: both heads claimed by a run that
	// is gone, the in-flight one also started.
	mk, err := vault.ParseMasterKey(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, store.Options{URL: url, MasterKey: mk})
	if err != nil {
		t.Fatal(err)
	}
	heads := map[string]*conversation.OutboxItem{}
	err = db.Update(ctx, func(tx *store.Tx) error {
		for _, c := range contacts {
			for _, text := range []string{"first", "second"} {
				payload, _ := json.Marshal(conversation.Outbound{To: c.WaID, Text: text + " reply to " + c.WaID})
				it := &conversation.OutboxItem{ContactID: c.ID, PhoneNumberID: "106540352242922", Kind: "message", Payload: payload}
				if err := tx.Enqueue(it); err != nil {
					return err
				}
				if text == "first" {
					heads[c.WaID] = it
				}
			}
		}
		claimed, err := tx.ClaimOutbox("dead-host/1/run", 2*time.Minute, 10)
		if len(claimed) != 2 {
			t.Errorf("ClaimOutbox = %d items, want both heads", len(claimed))
		}
		if err != nil {
			return err
		}
		ok, err := tx.StartOutbox("dead-host/1/run", 2*time.Minute, []string{heads[inFlight].ID})
		if len(ok) != 1 {
			t.Errorf("StartOutbox = %v, want the in-flight head started", ok)
		}
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	restarted := time.Now()
	tb := startApp(t, appOpt{url: url, key: key, args: args})
	r := tb.waitReplies(neverLeft, 2)
	if el := time.Since(restarted); el > 5*time.Second {
		t.Errorf("the never-started reply and the one behind it took %v after the restart, want at once", el)
	}
	if !strings.HasPrefix(r[0].Text, "first") || !strings.HasPrefix(r[1].Text, "second") {
		t.Errorf("replies after the restart = %q, %q; want first then second", r[0].Text, r[1].Text)
	}
	time.Sleep(500 * time.Millisecond)
	if got := len(tb.replies(inFlight)); got != 0 {
		t.Fatalf("the customer whose reply was in flight got %d messages at once, want 0 until reconciled", got)
	}
	var st conversation.OutboxState
	tb.db.View(ctx, func(tx *store.Tx) error {
		it, err := tx.OutboxItem(heads[inFlight].ID)
		if err == nil {
			st = it.State
		}
		return err
	})
	if st != conversation.OutboxUnknown {
		t.Errorf("in-flight item state after the restart = %q, want unknown (awaiting a status webhook)", st)
	}

	// The dead run's request had reached Meta: its status webhooks name the
	// item, which reconciles it, and the line moves on without a resend.
	client, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: tb.app.cfg.GraphURL, APIVersion: tb.app.cfg.GraphVersion, Token: tb.app.cfg.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	var out conversation.Outbound
	json.Unmarshal(heads[inFlight].Payload, &out)
	if _, err := (channel.Sender{Client: client}).Send(ctx, "106540352242922", out, heads[inFlight].ID); err != nil {
		t.Fatal(err)
	}
	r = tb.waitReplies(inFlight, 2)
	tb.settle()
	if got := len(tb.replies(inFlight)); got != 2 || !strings.HasPrefix(r[1].Text, "second") {
		t.Errorf("in-flight customer got %d messages, want the late first and then second", got)
	}
	if d := tb.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
}

// TestSpamRateLimitPausesOnlyThatNumber: Meta restricting one business
// number (131048) pauses that number only: a customer writing to another
// number of the same deployment is still answered, the restricted
// number's customer waits (nothing lost) until sending is resumed.
func TestSpamRateLimitPausesOnlyThatNumber(t *testing.T) {
	const second = "106540352240001"
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}, simCfg: func(c *sim.Config) { c.MoreNumbers = []string{second} }})
	const a, b = "14155550151", "14155550152"
	ta.optIn(a)
	ta.optIn(b)
	ta.settle()
	ta.sim.InjectFault(sim.FaultSpam, 1)
	ta.say(a, "how long does shipping take?")
	ta.waitPaused("131048 did not pause the number")
	deadline := time.Now().Add(10 * time.Second)
	body := []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550780001","phone_number_id":%q},"contacts":[{"profile":{"name":"Bea"},"wa_id":%q}],"messages":[{"from":%q,"id":"wamid.SECONDNUMBER0001","timestamp":"%d","type":"text","text":{"body":"how long does shipping take?"}}]}}]}]}`,
		second, b, b, time.Now().Unix()))
	if code := ta.postWebhook(body, ta.sign(body), "application/json"); code != 200 {
		t.Fatalf("webhook to the second number = %d", code)
	}
	fromSecond := func() int {
		n := 0
		for _, m := range ta.sim.Sent() {
			if m.To == b && m.PhoneNumberID == second {
				n++
			}
		}
		return n
	}
	for fromSecond() == 0 && time.Now().Before(deadline.Add(10*time.Second)) {
		time.Sleep(20 * time.Millisecond)
	}
	if fromSecond() != 1 {
		t.Fatalf("the customer of the second number got %d answers from it while the first was paused, want 1", fromSecond())
	}
	// The metrics say which number is paused and what each one sent.
	first := ta.sim.Sent()[0].PhoneNumberID
	tok := ta.ownerToken(auth.PermMetricsRead)
	m := ta.metricsText(tok)
	for _, want := range []string{
		fmt.Sprintf(`trement_number_paused{phone_number_id=%q} 1`, first),
		fmt.Sprintf(`trement_number_sent_total{phone_number_id=%q} 1`, second),
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, fmt.Sprintf(`trement_number_paused{phone_number_id=%q}`, second)) || strings.Contains(m, `trement_meta_errors_total{code="harmful`) {
		t.Errorf("metrics report the second number paused, or block reasons as Meta error codes")
	}
	ta.say(a, "and to Portugal?")
	time.Sleep(300 * time.Millisecond)
	if got := len(ta.replies(a)); got != 2 {
		t.Fatalf("while its number was paused the customer got %d messages, want the 2 from before", got)
	}
	if err := ta.app.svc.ResumeSending(context.Background()); err != nil {
		t.Fatal(err)
	}
	ta.waitReplies(a, 4)
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
	if m := ta.metricsText(tok); strings.Contains(m, "trement_number_paused{") {
		t.Errorf("a number is still reported paused after resuming")
	}
}

// TestClosedWindowUsesTheNumbersOwnTemplate: a business number listed in
// NUMBER_TEMPLATES (a number of another WhatsApp Business Account, whose
// templates are its own) gets its own template after 131047, with its
// language and body variables, not TEMPLATE_NAME.
func TestClosedWindowUsesTheNumbersOwnTemplate(t *testing.T) {
	const number = "106540352242922" // the simulator's business number
	own := `{"` + number + `":{"name":"seguimiento_tienda","language":"es","body":["Tienda Aurora"]}}`
	ta := startApp(t, appOpt{args: []string{"-template-name", "support_followup", "-template-language", "en_US", "-number-templates", own, "-mark-read=false"}})
	const who = "14155550143"
	ta.optIn(who)
	ta.settle()
	ta.sim.InjectFault(sim.FaultWindowClosed, 1)
	ta.say(who, "how long does shipping take?")
	r := ta.waitReplies(who, 3)
	if r[2].Type != "template" {
		t.Fatalf("after 131047 the customer got a %q message, want the template", r[2].Type)
	}
	var body string
	for _, m := range ta.sim.Sent() {
		if m.To == who && m.Type == "template" {
			body = string(m.Body)
		}
	}
	for _, want := range []string{`"name":"seguimiento_tienda"`, `"code":"es"`, `Tienda Aurora`} {
		if !strings.Contains(body, want) {
			t.Errorf("the template sent = %s, want it to hold %s", body, want)
		}
	}
	if strings.Contains(body, "support_followup") {
		t.Errorf("the default template was sent instead of the number's own: %s", body)
	}
}
