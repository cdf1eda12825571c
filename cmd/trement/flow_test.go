package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// contactOf reads a contact by number through the store.
func (ta *testApp) contactOf(waID string) *conversation.Contact {
	ta.t.Helper()
	var c *conversation.Contact
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		c, err = tx.ContactByWaID(waID)
		if err != nil {
			c = nil
		}
		return nil
	})
	return c
}

func (ta *testApp) ledger(waID string) []consent.Kind {
	ta.t.Helper()
	var kinds []consent.Kind
	for _, e := range ta.ledgerEvents(waID) {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

func (ta *testApp) ledgerEvents(waID string) []*consent.Event {
	ta.t.Helper()
	var evs []*consent.Event
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		if evs, err = tx.ConsentEvents(ta.db.WaIndex(waID)); err != nil {
			ta.t.Fatal(err)
		}
		return nil
	})
	return evs
}

func (ta *testApp) storedBodies(waID string) []string {
	var out []string
	for _, m := range ta.contactMessages(waID) {
		if m.Direction == conversation.In {
			out = append(out, m.Body)
		}
	}
	return out
}

// contactMessages returns every stored message of a customer, notes for
// operators included; none for an unknown customer.
func (ta *testApp) contactMessages(waID string) []*conversation.Message {
	ta.t.Helper()
	c := ta.contactOf(waID)
	if c == nil {
		return nil
	}
	var ms []*conversation.Message
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		if ms, err = tx.ContactMessages(c.ID); err != nil {
			ta.t.Fatal(err)
		}
		return nil
	})
	return ms
}

func TestConsentFlowPerRegion(t *testing.T) {
	ta := startApp(t, appOpt{})
	tests := []struct {
		name, waID, lang string
		hello, question  string
		greetWords       []string // words the greeting must contain
		answerWord       string   // a word the agent's answer holds
	}{
		{"spain", "34612345678", "es", "hola", "¿cuánto tarda el envío?", []string{"IA", "https://example.com/privacy", "14 años"}, "envío"},
		{"brazil", "5511912345678", "pt", "oi", "quanto tempo demora a entrega?", []string{"https://example.com/privacy"}, "entrega"},
		{"california", "14155550132", "en", "hi", "how long does shipping take?", []string{"AI", "https://example.com/privacy"}, "shipping"},
		{"portugal (GDPR, in Portuguese)", "351912345678", "pt", "olá", "quanto tempo demora a entrega?", []string{"IA", "16 anos"}, "entrega"},
		{"mexico", "5215512345678", "es", "hola", "¿cuánto tarda el envío?", []string{"https://example.com/privacy"}, "envío"},
		{"colombia", "573001234567", "es", "buenas", "¿cuánto tarda el envío?", []string{"https://example.com/privacy"}, "envío"},
		{"argentina", "5491123456789", "es", "hola", "¿cuánto tarda el envío?", []string{"https://example.com/privacy"}, "envío"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := "PRECONSENT-" + strings.Fields(tt.name)[0] + "-ZQ7" // a greeting, not a question: not held
			ta.say(tt.waID, tt.hello+" "+marker)
			greet := ta.waitReplies(tt.waID, 1)[0]
			for _, w := range tt.greetWords {
				if !strings.Contains(greet.Text, w) {
					t.Errorf("greeting %q lacks %q", greet.Text, w)
				}
			}
			if len(greet.Buttons) != 2 {
				t.Fatalf("greeting has %d buttons, want Accept and Decline", len(greet.Buttons))
			}
			ta.settle()
			c := ta.contactOf(tt.waID)
			if c == nil || c.ConsentState != conversation.ConsentPending || c.Language != tt.lang {
				t.Fatalf("contact after first message = %+v, want pending in %s", c, tt.lang)
			}
			if got := ta.storedBodies(tt.waID); len(got) != 0 {
				t.Errorf("before consent the content was stored: %q", got)
			}
			ta.tap(tt.waID, conversation.ButtonAccept)
			ta.waitReplies(tt.waID, 2)
			ta.say(tt.waID, tt.question)
			r := ta.waitReplies(tt.waID, 3)
			if !strings.Contains(strings.ToLower(r[2].Text), tt.answerWord) {
				t.Errorf("answer to %q = %q, want it to mention %q", tt.question, r[2].Text, tt.answerWord)
			}
			ta.settle()
			if got := ta.storedBodies(tt.waID); len(got) != 1 || got[0] != tt.question {
				t.Errorf("stored customer messages = %q, want only the question asked after consent", got)
			}
			if got := ta.ledger(tt.waID); len(got) != 2 || got[0] != consent.Asked || got[1] != consent.OptIn {
				t.Errorf("ledger = %v, want [asked opt_in]", got)
			}
		})
	}
}

func TestDeclineKeepsOnlyTheRecord(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34699000001"
	ta.say(who, "hola, mi email es ana@example.com")
	ta.waitReplies(who, 1)
	ta.say(who, "no")
	r := ta.waitReplies(who, 2)
	if strings.Contains(r[1].Text, "http") && len(r[1].Buttons) > 0 {
		t.Errorf("decline answer = %q, want a short polite answer without a new question", r[1].Text)
	}
	ta.settle()
	if got := ta.storedBodies(who); len(got) != 0 {
		t.Errorf("after decline stored %q, want nothing", got)
	}
	if got := ta.ledger(who); len(got) != 2 || got[1] != consent.Decline {
		t.Errorf("ledger = %v, want [asked decline]", got)
	}
}

func TestOptOutMidConversationAndBack(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "5511988887777"
	ta.say(who, "oi")
	ta.waitReplies(who, 1)
	ta.say(who, "sim")
	ta.waitReplies(who, 2)
	ta.say(who, "qual é o prazo de devolução?")
	ta.waitReplies(who, 3)
	ta.say(who, "PARAR")
	r := ta.waitReplies(who, 4)
	if !strings.Contains(strings.ToUpper(r[3].Text), "START") && !strings.Contains(strings.ToUpper(r[3].Text), "VOLTAR") {
		t.Logf("opt-out confirmation: %q", r[3].Text)
	}
	ta.say(who, "ainda estão aí? quero saber do meu pedido SILENCED-MARKER")
	ta.settle()
	time.Sleep(200 * time.Millisecond)
	if got := ta.replies(who); len(got) != 4 {
		t.Fatalf("after opt-out the customer got %d messages, want the single confirmation (4 in all)", len(got))
	}
	for _, b := range ta.storedBodies(who) {
		if strings.Contains(b, "SILENCED-MARKER") {
			t.Error("a message sent after opting out was stored")
		}
	}
	ta.say(who, "START")
	ta.waitReplies(who, 5)
	ta.say(who, "qual é o prazo de devolução?")
	ta.waitReplies(who, 6)
	want := []consent.Kind{consent.Asked, consent.OptIn, consent.OptOut, consent.ReOptIn}
	if got := ta.ledger(who); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
}

func TestHumanEscalationStopsTheBot(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "14155550199"
	ta.optIn(who)
	ta.say(who, "I want to talk to a human")
	ta.waitReplies(who, 3)
	ta.say(who, "how long does shipping take?")
	ta.settle()
	time.Sleep(200 * time.Millisecond)
	if got := ta.replies(who); len(got) != 3 {
		t.Errorf("after escalation the bot sent %d messages, want it silent (3 in all)", len(got))
	}
	if st := ta.stateOf(who); st != conversation.StateWaitingHuman {
		t.Errorf("conversation state = %s, want waiting_human", st)
	}
}

func TestEraseMyData(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34611222333"
	ta.optIn(who)
	ta.say(who, "¿cuánto tarda el envío?")
	ta.waitReplies(who, 3)
	ta.say(who, "borrar mis datos")
	ta.waitReplies(who, 4)
	ta.say(who, "SÍ BORRAR")
	r := ta.waitReplies(who, 5)
	ta.settle()
	if ta.contactOf(who) != nil {
		t.Fatal("contact still readable after erasure")
	}
	if got := ta.ledger(who); len(got) < 2 {
		t.Errorf("ledger after erasure = %v, want the evidence kept", got)
	}
	// Spain blocks before deleting (LOPDGDD Art. 32): the customer is told
	// so, and the data key waits in blocked_keys, out of every reader's reach.
	if !strings.Contains(r[4].Text, "bloqueados") {
		t.Errorf("erasure confirmation %q does not say the data is blocked", r[4].Text)
	}
	raw, err := sqlOpenReadOnly(ta)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var blocked int
	raw.QueryRow("SELECT COUNT(*) FROM blocked_keys").Scan(&blocked)
	if blocked != 1 {
		t.Errorf("%d blocked keys after a Spanish erasure, want 1", blocked)
	}
}

func TestDuplicateWebhooksProcessedOnce(t *testing.T) {
	ta := startApp(t, appOpt{simCfg: func(c *sim.Config) { c.DuplicateRate = 1 }})
	const who = "34655000111"
	ta.optIn(who)
	ta.say(who, "¿cuánto tarda el envío?")
	ta.waitReplies(who, 3)
	ta.settle()
	time.Sleep(300 * time.Millisecond)
	if got := ta.replies(who); len(got) != 3 {
		t.Errorf("with every webhook delivered twice the customer got %d messages, want 3", len(got))
	}
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("sim saw %d duplicate sends", d)
	}
	if got := ta.storedBodies(who); len(got) != 1 {
		t.Errorf("stored %d customer messages, want 1", len(got))
	}
	if ta.app.svc.Stats.Duplicates.Load() == 0 {
		t.Error("no duplicate was detected, so the test proved nothing")
	}
}

func TestMaterialNoticeChangeAsksAgain(t *testing.T) {
	dbURL, _ := storetest.NewSQLite(t)
	key := vault.GenerateKey()
	const who = "34633444555"
	first := startApp(t, appOpt{url: dbURL, key: key})
	first.optIn(who)
	first.settle()
	first.stop()

	second := startApp(t, appOpt{url: dbURL, key: key, args: []string{"-notice-version", "2027-01-01", "-notice-material"}})
	second.say(who, "¿cuánto tarda el envío? NOTICE-MARKER")
	r := second.waitReplies(who, 1)
	if len(r[0].Buttons) != 2 {
		t.Fatalf("after a material notice change the customer got %q without the consent buttons", r[0].Text)
	}
	second.settle()
	for _, b := range second.storedBodies(who) {
		if strings.Contains(b, "NOTICE-MARKER") {
			t.Error("content was kept before consent to the new notice")
		}
	}
	second.tap(who, conversation.ButtonAccept)
	second.waitReplies(who, 2)
	c := second.contactOf(who)
	if c.NoticeVersion != "2027-01-01" || c.ConsentState != conversation.ConsentGranted {
		t.Errorf("contact = notice %q state %s, want 2027-01-01 granted", c.NoticeVersion, c.ConsentState)
	}
	want := []consent.Kind{consent.Asked, consent.OptIn, consent.Asked, consent.ReOptIn}
	if got := second.ledger(who); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
}

func TestCommandsInThreeLanguages(t *testing.T) {
	ta := startApp(t, appOpt{})
	tests := []struct {
		name, who, msg string
		want           string // a fragment the answer holds
	}{
		{"help en", "14155550301", "HELP", "STOP"},
		{"ayuda es", "34600000301", "ayuda", "BAJA"},
		{"ajuda pt", "5511900000301", "Ajuda!", "PARAR"},
		{"privacy en", "14155550302", "privacy", "https://example.com/privacy"},
		{"privacidad es", "34600000302", "Privacidad", "https://example.com/privacy"},
		{"my data pt", "5511900000303", "meus dados", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta.optIn(tt.who)
			ta.say(tt.who, tt.msg)
			r := ta.waitReplies(tt.who, 3)
			if !strings.Contains(strings.ToUpper(r[2].Text), strings.ToUpper(tt.want)) {
				t.Errorf("answer to %q = %q, want it to contain %q", tt.msg, r[2].Text, tt.want)
			}
		})
	}
	// MY DATA opened an access request with the region's deadline (the
	// rights service fulfils it at once, so it may be done already).
	ta.settle()
	var n int
	raw, err := sqlOpenReadOnly(ta)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.QueryRow("SELECT COUNT(*) FROM dsar_requests WHERE kind = 'access' AND state IN ('open', 'in_progress', 'completed') AND due_at > 0").Scan(&n)
	if n != 1 {
		t.Errorf("access requests = %d, want 1", n)
	}
}

// bulkBody is one webhook body carrying n text messages from one customer.
func bulkBody(from, idPrefix string, n int) []byte {
	var b strings.Builder
	b.WriteString(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",` +
		`"metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Bulk"},"wa_id":"` + from + `"}],"messages":[`)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"from":"%s","id":"wamid.%s%d","timestamp":"%s","type":"text","text":{"body":"message %d"}}`, from, idPrefix, i, ts, i)
	}
	b.WriteString(`]}}]}]}`)
	return []byte(b.String())
}

// TestOneNoticePerPendingConsent replays the attack: one signed body with
// 5,000 messages from a customer who has not answered the consent
// question. They get one notice, not 5,000, and the ledger gets one row
// that counts the rest; the notice is sent again only after
// NOTICE_RESEND_AFTER.
func TestOneNoticePerPendingConsent(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	const who = "14155550171"
	body := bulkBody(who, "BULK", 5000)
	if code := ta.postWebhook(body, ta.sign(body), "application/json"); code != 200 {
		t.Fatalf("bulk webhook = %d, want 200", code)
	}
	// 5,000 messages take a while under the race detector: wait for the
	// body to be processed before settling.
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n, _ := ta.db.InboxDepth(context.Background()); n == 0 {
			break
		}
	}
	ta.settle()
	if got := len(ta.replies(who)); got != 1 {
		t.Errorf("5,000 messages before answering got %d notices, want 1", got)
	}
	evs := ta.ledgerEvents(who)
	if len(evs) != 1 || evs[0].Kind != consent.Asked {
		t.Fatalf("ledger after 5,000 pre-consent messages = %d rows, want 1 (asked)", len(evs))
	}
	if got := ta.storedBodies(who); len(got) != 0 {
		t.Errorf("stored %d bodies before consent, want none", len(got))
	}

	// A day later the question is asked again, once, and the ledger row
	// counts the 4,999 messages that went unanswered before it.
	c := ta.contactOf(who)
	c.NoticeSentAt = time.Now().Add(-25 * time.Hour)
	if err := ta.db.Update(context.Background(), func(tx *store.Tx) error { return tx.UpdateContact(c) }); err != nil {
		t.Fatal(err)
	}
	ta.say(who, "hello?")
	ta.waitReplies(who, 2)
	ta.say(who, "anyone?")
	ta.settle()
	time.Sleep(200 * time.Millisecond)
	ta.settle()
	if got := len(ta.replies(who)); got != 2 {
		t.Errorf("after NOTICE_RESEND_AFTER two more messages got %d notices in all, want 2", got)
	}
	ta.tap(who, conversation.ButtonAccept)
	ta.waitReplies(who, 3)
	ta.settle()
	evs = ta.ledgerEvents(who)
	var kinds []consent.Kind
	var counts []int
	for _, e := range evs {
		kinds, counts = append(kinds, e.Kind), append(counts, e.Messages)
	}
	if !slices.Equal(kinds, []consent.Kind{consent.Asked, consent.Asked, consent.OptIn}) || !slices.Equal(counts, []int{0, 4999, 1}) {
		t.Errorf("ledger = %v with messages not kept %v, want [asked asked opt_in] with [0 4999 1]", kinds, counts)
	}
}

// TestErasurePendingMetric: the gauge counts erased customers whose rows
// the scrubber has not deleted yet, and is back at zero once an erasure
// through WhatsApp is complete.
func TestErasurePendingMetric(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "5511987654321"
	ta.optIn(who)
	ta.say(who, "apagar meus dados")
	ta.waitReplies(who, 3)
	ta.say(who, "SIM APAGAR")
	ta.waitReplies(who, 4)
	ta.settle()
	tok := ta.ownerToken(auth.PermMetricsRead)
	gauge := func() string {
		for _, l := range strings.Split(ta.metricsText(tok), "\n") {
			if strings.HasPrefix(l, "trement_erasure_pending_customers ") {
				return strings.TrimPrefix(l, "trement_erasure_pending_customers ")
			}
		}
		return "(absent)"
	}
	deadline := time.Now().Add(30 * time.Second)
	for gauge() != "0" && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if g := gauge(); g != "0" {
		t.Fatalf("trement_erasure_pending_customers = %s after a complete erasure, want 0", g)
	}
	// A customer marked erased whose rows were not deleted (a process that
	// stopped between the two steps) is counted until the scrubber runs.
	const other = "5511912345678"
	ta.optIn(other)
	ta.settle()
	raw, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(ta.url, "sqlite:")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	res, err := raw.Exec("UPDATE contacts SET erased_at = 1 WHERE erased_at = 0")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("marked %d contacts, want 1", n)
	}
	if g := gauge(); g != "1" {
		t.Errorf("trement_erasure_pending_customers = %s with one marked contact, want 1", g)
	}
}
