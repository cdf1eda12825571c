package sim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trement/trement/internal/whatsapp"
)

const (
	testSecret = "sim-app-secret"
	testToken  = "sim-token"
)

// trementStub plays trement's webhook: it checks every signature with
// whatsapp.VerifySignature and answers 500 to the first failFirst valid
// deliveries, then 200.
type trementStub struct {
	t         *testing.T
	mu        sync.Mutex
	failFirst int
	answers   []int
	accepted  [][]byte
	badSigs   int
}

func (ts *trementStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err := whatsapp.VerifySignature(r.Header.Get(whatsapp.SignatureHeader), raw, []byte(testSecret)); err != nil {
		ts.badSigs++
		ts.answers = append(ts.answers, http.StatusUnauthorized)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if ts.failFirst > 0 {
		ts.failFirst--
		ts.answers = append(ts.answers, http.StatusInternalServerError)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	ts.accepted = append(ts.accepted, raw)
	ts.answers = append(ts.answers, http.StatusOK)
	w.WriteHeader(http.StatusOK)
}

// events parses every accepted body.
func (ts *trementStub) events() whatsapp.Events {
	ts.t.Helper()
	ts.mu.Lock()
	bodies := append([][]byte(nil), ts.accepted...)
	ts.mu.Unlock()
	var all whatsapp.Events
	for _, raw := range bodies {
		n, err := whatsapp.ParseNotification(raw)
		if err != nil {
			ts.t.Fatalf("ParseNotification(delivered body) error = %v", err)
		}
		ev := n.Events()
		all.Messages = append(all.Messages, ev.Messages...)
		all.Statuses = append(all.Statuses, ev.Statuses...)
	}
	return all
}

func (ts *trementStub) bodies() [][]byte {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([][]byte(nil), ts.accepted...)
}

type fixture struct {
	sim    *Simulator
	stub   *trementStub
	srv    *httptest.Server // the simulator
	client *whatsapp.Client
}

// start runs a simulator against a trement stub; run=false leaves the
// delivery workers stopped until f.run is called.
func start(t *testing.T, cfg Config, stub *trementStub, run bool) *fixture {
	t.Helper()
	if stub == nil {
		stub = &trementStub{}
	}
	stub.t = t
	trement := httptest.NewServer(stub)
	t.Cleanup(trement.Close)
	cfg.WebhookURL = trement.URL + "/webhook"
	cfg.AppSecret = testSecret
	cfg.Token = testToken
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 5 * time.Millisecond
	}
	if cfg.StatusDelay == 0 {
		cfg.StatusDelay = 5 * time.Millisecond
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	s := New(cfg, nil)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	client, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: srv.URL, Token: testToken, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{sim: s, stub: stub, srv: srv, client: client}
	t.Cleanup(func() { _ = s.Close() })
	if run {
		f.run(t)
	}
	return f
}

func (f *fixture) run(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.sim.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestInboundRetriedUntil200(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, &trementStub{failFirst: 2}, true)
	wamid, err := f.sim.SendFromCustomer(CustomerMessage{From: "+34 612 345 678", Name: "Ana", Text: "¿Tenéis la talla 42/43? 😮"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the message to be accepted", func() bool { return len(f.sim.Deliveries()) == 1 })

	ev := f.stub.events()
	if len(ev.Messages) != 1 {
		t.Fatalf("messages received = %d, want 1", len(ev.Messages))
	}
	m := ev.Messages[0]
	if m.Message.ID != wamid || m.From != "34612345678" || m.ProfileName != "Ana" || m.Kind != whatsapp.KindText ||
		m.Summary() != "¿Tenéis la talla 42/43? 😮" {
		t.Errorf("message = id %q from %q name %q kind %q text %q; want %q from 34612345678 Ana text", m.Message.ID, m.From, m.ProfileName, m.Kind, m.Summary(), wamid)
	}
	if m.PhoneNumberID != "106540352242922" || m.DisplayPhoneNumber != "15550783881" || m.WABAID != "102290129340398" {
		t.Errorf("origin = %+v, want the default business", m.Origin)
	}
	if _, err := m.Message.Time(); err != nil {
		t.Errorf("timestamp %q: %v", m.Message.Timestamp, err)
	}
	d := f.sim.Deliveries()
	if len(d) != 1 || !d[0].Delivered || len(d[0].Statuses) != 3 || d[0].Statuses[0] != 500 || d[0].Statuses[2] != 200 {
		t.Errorf("Deliveries() = %+v, want one delivery answered 500, 500, 200", d)
	}
	// Meta's bodies escape non-ASCII and "/"; the signature covers those bytes.
	body := f.stub.bodies()[0]
	if !bytes.Contains(body, []byte(`\u00bfTen\u00e9is la talla 42\/43? \ud83d\ude2e`)) {
		t.Errorf("body = %s, want Meta-style escapes", body)
	}
	if f.stub.badSigs != 0 {
		t.Errorf("bad signatures = %d, want 0", f.stub.badSigs)
	}
}

func TestDeliveryGivesUpAfterMaxAttempts(t *testing.T) {
	f := start(t, Config{NoStatuses: true, MaxAttempts: 3}, &trementStub{failFirst: 100}, true)
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Text: "hola"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a finished delivery", func() bool { return len(f.sim.Deliveries()) == 1 })
	d := f.sim.Deliveries()[0]
	if d.Delivered || len(d.Statuses) != 3 {
		t.Errorf("Delivery = %+v, want 3 failed attempts", d)
	}
}

func TestRunStopsDuringBackoff(t *testing.T) {
	f := start(t, Config{NoStatuses: true, RetryBase: time.Hour}, &trementStub{failFirst: 1}, false)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.sim.Run(ctx)
	}()
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Text: "hola"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first failed attempt", func() bool {
		f.stub.mu.Lock()
		defer f.stub.mu.Unlock()
		return len(f.stub.answers) == 1
	})
	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after cancel during a 1 h backoff")
	}
}

func TestDuplicatesOnPurpose(t *testing.T) {
	f := start(t, Config{NoStatuses: true, DuplicateRate: 1}, nil, true)
	wamid, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Name: "Ana", Text: "hola"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the duplicate", func() bool { return len(f.sim.Deliveries()) == 2 })
	b := f.stub.bodies()
	if !bytes.Equal(b[0], b[1]) {
		t.Errorf("duplicate body differs from the original")
	}
	ev := f.stub.events()
	if len(ev.Messages) != 2 || ev.Messages[0].Message.ID != wamid || ev.Messages[1].Message.ID != wamid {
		t.Errorf("received %d messages, want the same wamid twice", len(ev.Messages))
	}
	d := f.sim.Deliveries()
	if len(d) != 2 || d[0].Duplicate || !d[1].Duplicate {
		t.Errorf("Deliveries() = %+v, want an original then a duplicate", d)
	}
}

func TestBatching(t *testing.T) {
	f := start(t, Config{NoStatuses: true, BatchSize: 5}, nil, false)
	for _, c := range []CustomerMessage{
		{From: "34612345678", Name: "Ana", Text: "uno"},
		{From: "5215512345678", Name: "Luis", Text: "dos"},
		{From: "34612345678", Name: "Ana", Text: "tres"},
	} {
		if _, err := f.sim.SendFromCustomer(c); err != nil {
			t.Fatal(err)
		}
	}
	f.run(t)
	waitFor(t, "the batch", func() bool { return len(f.stub.bodies()) == 1 })
	n, err := whatsapp.ParseNotification(f.stub.bodies()[0])
	if err != nil {
		t.Fatal(err)
	}
	v := n.Entry[0].Changes[0].Value
	if len(v.Messages) != 3 || len(v.Contacts) != 2 {
		t.Fatalf("batch = %d messages, %d contacts; want 3, 2", len(v.Messages), len(v.Contacts))
	}
	var got []string
	for _, m := range n.Events().Messages {
		got = append(got, m.ProfileName+":"+m.Summary())
	}
	if strings.Join(got, ",") != "Ana:uno,Luis:dos,Ana:tres" {
		t.Errorf("batch messages = %v, want Ana:uno, Luis:dos, Ana:tres", got)
	}
}

func TestSendThenStatusesAndButtonReply(t *testing.T) {
	f := start(t, Config{}, nil, true)
	ctx := context.Background()
	in, err := f.sim.SendFromCustomer(CustomerMessage{From: "+34 612 345 678", Name: "Ana", Text: "quiero cambiar mi cita"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.client.MarkRead(ctx, "106540352242922", in, true); err != nil {
		t.Fatalf("MarkRead() = %v", err)
	}
	if th, _ := f.sim.Thread("34612345678"); th.Messages[0].Status != "read" || th.TypingUntil == nil || !th.Messages[0].TypingShown {
		t.Errorf("thread after MarkRead = %+v, want the inbound message read and typing shown", th)
	}
	out, err := f.client.Send(ctx, "106540352242922", whatsapp.OutboundMessage{
		To: "+34612345678", ReplyTo: in, BizOpaqueCallbackData: "outbox-1",
		Buttons: &whatsapp.ButtonsContent{Body: "¿Cambiamos la cita?", Buttons: []whatsapp.ReplyButton{{ID: "change", Title: "Cambiar"}, {ID: "keep", Title: "Mantener"}}},
	})
	if err != nil {
		t.Fatalf("Send() = %v", err)
	}
	if !strings.HasPrefix(out, "wamid.") {
		t.Errorf("Send() = %q, want a wamid", out)
	}
	waitFor(t, "sent, delivered and read", func() bool { return len(f.stub.events().Statuses) == 3 })
	var order []string
	for _, s := range f.stub.events().Statuses {
		if s.Status.ID != out || s.Status.RecipientID != "34612345678" || s.Status.BizOpaqueCallbackData != "outbox-1" {
			t.Errorf("status = %+v, want for %s to 34612345678 with outbox-1", s.Status, out)
		}
		order = append(order, s.Status.Status)
	}
	if strings.Join(order, ",") != "sent,delivered,read" {
		t.Errorf("statuses = %v, want sent, delivered, read", order)
	}

	sent := f.sim.Sent()
	if len(sent) != 1 || sent[0].ID != out || sent[0].WaID != "34612345678" || sent[0].To != "+34612345678" || sent[0].ReplyTo != in || sent[0].Type != "interactive" {
		t.Errorf("Sent() = %+v, want the interactive send", sent)
	}
	if th, _ := f.sim.Thread("34612345678"); th.TypingUntil != nil {
		t.Errorf("TypingUntil = %v after a reply, want nil", th.TypingUntil)
	}
	waitFor(t, "the bubble to show read", func() bool {
		th, _ := f.sim.Thread("34612345678")
		return th.Messages[1].Status == "read"
	})

	// The customer taps a button: a real interactive button_reply webhook.
	tap, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", ButtonReply: &whatsapp.ReplyChoice{ID: "change"}})
	if err != nil {
		t.Fatalf("SendFromCustomer(button) = %v", err)
	}
	waitFor(t, "the button reply", func() bool { return len(f.stub.events().Messages) == 2 })
	m := f.stub.events().Messages[1]
	if m.Message.ID != tap || m.Kind != whatsapp.KindButtonReply || m.Summary() != "Cambiar" ||
		m.Message.Interactive.ButtonReply.ID != "change" || m.Message.Context == nil || m.Message.Context.ID != out || m.Message.Context.From != "15550783881" {
		t.Errorf("button reply = %+v, want button_reply change/Cambiar in context of %s", m.Message, out)
	}
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", ButtonReply: &whatsapp.ReplyChoice{ID: "nope"}}); !errors.Is(err, ErrNoSuchTap) {
		t.Errorf("SendFromCustomer(unknown button) = %v, want ErrNoSuchTap", err)
	}
}

// A swipe-reply and a reaction arrive as Meta sends them: context.from and
// context.id on the reply, a reaction message with reaction.message_id and
// the emoji, and a removal with no emoji at all.
func TestCustomerRepliesAndReacts(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, true)
	ctx := context.Background()
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Text: "¿envíos a Canarias?"}); err != nil {
		t.Fatal(err)
	}
	out, err := f.client.Send(ctx, "106540352242922", whatsapp.OutboundMessage{To: "34612345678", Text: &whatsapp.TextContent{Body: "Sí, en 3 días."}})
	if err != nil {
		t.Fatal(err)
	}
	reply, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Text: "¿y a Baleares?", Context: out})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Reaction: &whatsapp.Reaction{MessageID: out, Emoji: "👍"}}); err != nil {
		t.Fatal(err)
	}
	if th, _ := f.sim.Thread("34612345678"); len(th.Messages) != 3 || th.Messages[1].Reaction != "👍" || th.Messages[2].ReplyTo != out {
		t.Errorf("thread = %+v, want the answer reacted to and the reply quoting it, no bubble for the reaction", th.Messages)
	}
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Reaction: &whatsapp.Reaction{MessageID: out}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "four messages", func() bool { return len(f.stub.events().Messages) == 4 })
	ms := f.stub.events().Messages
	if c := ms[1].Message.Context; ms[1].Message.ID != reply || c == nil || c.ID != out || c.From != "15550783881" {
		t.Errorf("reply = %s, want context {from: the business, id: %s}", ms[1].Message.Raw, out)
	}
	for i, emoji := range []string{"👍", ""} {
		m := ms[2+i]
		r := m.Message.Reaction
		if m.Kind != whatsapp.KindReaction || !strings.Contains(string(m.Message.Raw), `"type":"reaction"`) || r == nil || r.MessageID != out || r.Emoji != emoji || m.Message.Context != nil {
			t.Errorf("reaction %d on the wire = %s, want type reaction to %s with emoji %q", i, m.Message.Raw, out, emoji)
		}
	}
	if raw := string(ms[3].Message.Raw); strings.Contains(raw, "emoji") {
		t.Errorf("removal on the wire = %s, want no emoji field", raw)
	}
	if th, _ := f.sim.Thread("34612345678"); th.Messages[1].Reaction != "" {
		t.Errorf("after removal the answer shows reaction %q, want none", th.Messages[1].Reaction)
	}
}

func TestListReply(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, true)
	out, err := f.client.Send(context.Background(), "106540352242922", whatsapp.OutboundMessage{To: "34612345678", List: &whatsapp.ListContent{
		Body: "¿Envío?", Button: "Opciones", Sections: []whatsapp.ListSection{{Title: "Rápido", Rows: []whatsapp.ListRow{{ID: "express", Title: "Exprés", Description: "24 h"}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", ListReply: &whatsapp.ReplyChoice{ID: "express"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the list reply", func() bool { return len(f.stub.events().Messages) == 1 })
	m := f.stub.events().Messages[0]
	if m.Kind != whatsapp.KindListReply || m.Message.Interactive.ListReply.Title != "Exprés" || m.Message.Context.ID != out {
		t.Errorf("list reply = %+v, want Exprés in context of %s", m.Message, out)
	}
}

func TestStatusesOutOfOrder(t *testing.T) {
	f := start(t, Config{StatusOutOfOrder: true, Seed: 7}, nil, true)
	out, err := f.client.Send(context.Background(), "106540352242922", whatsapp.OutboundMessage{To: "34612345678", Text: &whatsapp.TextContent{Body: "hola"}})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "three statuses", func() bool { return len(f.stub.events().Statuses) == 3 })
	var order []string
	ts := map[string]string{}
	for _, s := range f.stub.events().Statuses {
		if s.Status.ID != out {
			t.Errorf("status for %q, want %q", s.Status.ID, out)
		}
		order = append(order, s.Status.Status)
		ts[s.Status.Status] = s.Status.Timestamp
	}
	if strings.Join(order, ",") == "sent,delivered,read" {
		t.Errorf("statuses = %v, want out of order", order)
	}
	if !(ts["sent"] <= ts["delivered"] && ts["delivered"] <= ts["read"]) {
		t.Errorf("timestamps = %v, want sent <= delivered <= read", ts)
	}
	// The UI never downgrades.
	waitFor(t, "the bubble to settle", func() bool {
		th, _ := f.sim.Thread("34612345678")
		return th.Messages[0].Status == "read"
	})
}

func TestVerifyWebhookHandshake(t *testing.T) {
	wh, err := whatsapp.NewWebhook(whatsapp.WebhookConfig{VerifyToken: "vibecoding", AppSecrets: [][]byte{[]byte(testSecret)},
		Accept: func(context.Context, []byte) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wh)
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		token string
		ok    bool
	}{{"vibecoding", true}, {"wrong", false}} {
		t.Run(tt.token, func(t *testing.T) {
			s := New(Config{WebhookURL: srv.URL, VerifyToken: tt.token}, nil)
			defer s.Close()
			err := s.VerifyWebhook(context.Background())
			if (err == nil) != tt.ok {
				t.Errorf("VerifyWebhook(token %q) = %v, want ok %v", tt.token, err, tt.ok)
			}
		})
	}
}

// TestAgainstRealWebhook wires the simulator to whatsapp.Webhook: what
// the simulator signs, the production handler accepts.
func TestAgainstRealWebhook(t *testing.T) {
	var mu sync.Mutex
	var got []string
	wh, err := whatsapp.NewWebhook(whatsapp.WebhookConfig{VerifyToken: "v", AppSecrets: [][]byte{[]byte(testSecret)},
		Accept: func(_ context.Context, raw []byte) error {
			n, err := whatsapp.ParseNotification(raw)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for _, m := range n.Events().Messages {
				got = append(got, m.Summary())
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wh)
	t.Cleanup(srv.Close)
	s := New(Config{WebhookURL: srv.URL, AppSecret: testSecret, NoStatuses: true}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	defer s.Close()
	loc := &whatsapp.Message{Type: "location", Location: &whatsapp.Location{Latitude: 40.4168, Longitude: -3.7038, Name: "Sol"}}
	for _, c := range []CustomerMessage{{From: "34612345678", Text: "Olá, tudo bem? ação"}, {From: "34612345678", Message: loc}} {
		if _, err := s.SendFromCustomer(c); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "both messages", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 2
	})
	if strings.Join(got, "|") != "Olá, tudo bem? ação|location: Sol" {
		t.Errorf("received %q, want the text and the location", got)
	}
}

func TestSendFromCustomerErrors(t *testing.T) {
	s := New(Config{}, nil)
	defer s.Close()
	tests := []struct {
		name string
		msg  CustomerMessage
		want error
	}{
		{name: "letters", msg: CustomerMessage{From: "ana", Text: "x"}, want: ErrBadNumber},
		{name: "short", msg: CustomerMessage{From: "12345", Text: "x"}, want: ErrBadNumber},
		{name: "long", msg: CustomerMessage{From: "1234567890123456", Text: "x"}, want: ErrBadNumber},
		{name: "empty", msg: CustomerMessage{From: "34612345678"}, want: ErrBadMessage},
		{name: "two", msg: CustomerMessage{From: "34612345678", Text: "x", ButtonReply: &whatsapp.ReplyChoice{ID: "a"}}, want: ErrBadMessage},
		{name: "no such button", msg: CustomerMessage{From: "34612345678", ButtonReply: &whatsapp.ReplyChoice{ID: "a"}}, want: ErrNoSuchTap},
		{name: "reaction to nothing", msg: CustomerMessage{From: "34612345678", Reaction: &whatsapp.Reaction{MessageID: "wamid.none", Emoji: "👍"}}, want: ErrNoSuchMessage},
		{name: "reaction and text", msg: CustomerMessage{From: "34612345678", Text: "x", Reaction: &whatsapp.Reaction{MessageID: "wamid.none"}}, want: ErrBadMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.SendFromCustomer(tt.msg); !errors.Is(err, tt.want) {
				t.Errorf("SendFromCustomer(%+v) = %v, want %v", tt.msg, err, tt.want)
			}
		})
	}
}

func TestNoWebhookURLStillShowsThreads(t *testing.T) {
	s := New(Config{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	defer s.Close()
	if _, err := s.SendFromCustomer(CustomerMessage{From: "+34 612 345 678", Name: "Ana", Text: "hola"}); err != nil {
		t.Fatal(err)
	}
	th := s.Threads()
	if len(th) != 1 || th[0].Name != "Ana" || th[0].Messages[0].Text != "hola" {
		t.Errorf("Threads() = %+v, want Ana's hola", th)
	}
	waitFor(t, "the queue to drain", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.queue) == 0
	})
	if d := s.Deliveries(); len(d) != 0 {
		t.Errorf("Deliveries() = %+v, want none without a webhook URL", d)
	}
}

func TestMetaEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{in: `{"a":"b/c"}`, want: `{"a":"b\/c"}`},
		{in: `"ä"`, want: `"\u00e4"`},
		{in: `"😮"`, want: `"\ud83d\ude2e"`},
		{in: `"plain"`, want: `"plain"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := string(metaEscape([]byte(tt.in))); got != tt.want {
				t.Errorf("metaEscape(%s) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestCloseWithoutRun(t *testing.T) {
	s := New(Config{}, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Close()
		_ = s.Close()
		_ = s.Run(context.Background()) // returns at once after Close
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close/Run after Close blocked")
	}
}

// TestSendAccountUpdate: a business-side webhook goes out signed, in the
// envelope Meta uses, with the field and value as given.
func TestSendAccountUpdate(t *testing.T) {
	bodies := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if whatsapp.VerifySignature(r.Header.Get(whatsapp.SignatureHeader), b, []byte("s3cret")) != nil {
			t.Error("the account update is not signed")
		}
		bodies <- b
	}))
	defer srv.Close()
	s := New(Config{WebhookURL: srv.URL, AppSecret: "s3cret"}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	if err := s.SendNumberQuality("FLAGGED", "TIER_10K"); err != nil {
		t.Fatal(err)
	}
	if err := s.SendAccountUpdate("messages", map[string]string{}); err == nil {
		t.Error("SendAccountUpdate(messages) passed")
	}
	var b []byte
	select {
	case b = <-bodies:
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook")
	}
	ev, err := whatsapp.ParseNotification(b)
	if err != nil {
		t.Fatal(err)
	}
	ig := ev.Events().Ignored
	if len(ig) != 1 || ig[0].Field != whatsapp.FieldPhoneNumberQuality {
		t.Fatalf("changes = %+v, want one quality update", ig)
	}
	u, ok, err := whatsapp.ParseAccountUpdate(ig[0])
	if !ok || err != nil || u.Event != "FLAGGED" || u.DisplayPhoneNumber != "15550783881" || u.Detail != "limit TIER_10K" {
		t.Errorf("ParseAccountUpdate = %+v, %v, %v", u, ok, err)
	}
}
