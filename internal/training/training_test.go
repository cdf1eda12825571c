package training_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/redact"
	"github.com/trement/trement/internal/training"
)

// Marker PII: each must be masked wherever it appears.
const (
	markEmail = "ana.garcia@example.com"
	markPhone = "+34 612 345 678"
	markDNI   = "12345678Z"
	markWaID  = "34699887766"
)

func contact(state conversation.ConsentState) *conversation.Contact {
	return &conversation.Contact{ID: "c1", WaID: markWaID, ProfileName: "Ana García", ConsentState: state}
}

func conv(sensitive bool) *conversation.Conversation {
	return &conversation.Conversation{ID: "v1", ContactID: "c1", Sensitive: sensitive}
}

func in(body string) *conversation.Message {
	return &conversation.Message{Direction: conversation.In, Author: "customer", Type: "text", Body: body, Status: conversation.StatusReceived}
}

func out(author, body string) *conversation.Message {
	return &conversation.Message{Direction: conversation.Out, Author: author, Type: "text", Body: body, Status: conversation.StatusDelivered}
}

func typed(m *conversation.Message, typ string) *conversation.Message { m.Type = typ; return m }

func failed(m *conversation.Message) *conversation.Message {
	m.Status = conversation.StatusFailed
	return m
}

type chat struct {
	Messages []struct{ Role, Content string } `json:"messages"`
}

func decode(t *testing.T, out string) []chat {
	t.Helper()
	var cs []chat
	for line := range strings.Lines(out) {
		var c chat
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		cs = append(cs, c)
	}
	return cs
}

func roles(c chat) string {
	var rs []string
	for _, m := range c.Messages {
		rs = append(rs, m.Role)
	}
	return strings.Join(rs, ",")
}

func TestExclusions(t *testing.T) {
	granted := contact(conversation.ConsentGranted)
	dialogue := []*conversation.Message{in("where is my order 4417?"), out("bot", "It ships tomorrow.")}
	tests := []struct {
		name     string
		c        *conversation.Contact
		conv     *conversation.Conversation
		msgs     []*conversation.Message
		readErr  error
		want     training.Reason // "" means exported
		wantBy   string          // the state or cause counted, if any
		wantRole string          // roles of the line, if exported
	}{
		{name: "exported", c: granted, conv: conv(false), msgs: dialogue, wantRole: "system,user,assistant"},
		{name: "withdrawn", c: contact(conversation.ConsentWithdrawn), conv: conv(false), msgs: dialogue, want: training.ReasonNotOptedIn, wantBy: "withdrawn"},
		{name: "declined", c: contact(conversation.ConsentDeclined), conv: conv(false), msgs: dialogue, want: training.ReasonNotOptedIn, wantBy: "declined"},
		{name: "pending", c: contact(conversation.ConsentPending), conv: conv(false), msgs: dialogue, want: training.ReasonNotOptedIn, wantBy: "pending"},
		{name: "none", c: contact(conversation.ConsentNone), conv: conv(false), msgs: dialogue, want: training.ReasonNotOptedIn, wantBy: "none"},
		{name: "flagged", c: granted, conv: conv(true), msgs: dialogue, want: training.ReasonSensitive, wantBy: training.SensitiveFlagged},
		{name: "health in text", c: granted, conv: conv(false), msgs: []*conversation.Message{in("tengo diabetes, ¿el chocolate es sin azúcar?"), out("bot", "Sí, lo es.")},
			want: training.ReasonSensitive, wantBy: string(redact.Health)},
		{name: "health in the answer", c: granted, conv: conv(false), msgs: []*conversation.Message{in("¿es sin azúcar?"), out("operator:op1", "Sí, apto si tienes diabetes.")},
			want: training.ReasonSensitive, wantBy: string(redact.Health)},
		{name: "health in a dropped caption", c: granted, conv: conv(false), msgs: []*conversation.Message{typed(in("[document] tengo diabetes"), "document"), in("¿es sin azúcar?"), out("bot", "Sí.")},
			want: training.ReasonSensitive, wantBy: string(redact.Health)},
		{name: "no answer", c: granted, conv: conv(false), msgs: []*conversation.Message{in("hello?"), in("anyone?")}, want: training.ReasonNoAssistant},
		{name: "failed answer only", c: granted, conv: conv(false), msgs: []*conversation.Message{in("hello?"), failed(out("bot", "Hi!"))}, want: training.ReasonNoAssistant},
		{name: "no customer", c: granted, conv: conv(false), msgs: []*conversation.Message{out("operator:op1", "Your order shipped.")}, want: training.ReasonNoCustomer},
		{name: "only system notices", c: granted, conv: conv(false), msgs: []*conversation.Message{out("system", "Reply YES to accept."), out("system", "You are opted out.")}, want: training.ReasonNoCustomer},
		{name: "customer only after the answer", c: granted, conv: conv(false), msgs: []*conversation.Message{out("bot", "Welcome!"), in("thanks")}, want: training.ReasonNoCustomer},
		{name: "empty", c: granted, conv: conv(false), want: training.ReasonNoCustomer},
		{name: "erased", c: nil, conv: conv(false), readErr: fmt.Errorf("store: data key destroyed (erased): %w", conversation.ErrNotFound), want: training.ReasonErased},
		{name: "unreadable", c: nil, conv: conv(false), readErr: errors.New("vault: ciphertext does not authenticate"), want: training.ReasonUnreadable},
		{name: "no contact", c: nil, conv: conv(false), msgs: dialogue, want: training.ReasonUnreadable},
		{name: "own number left", c: granted, conv: conv(false), msgs: []*conversation.Message{in("pedido 699 88 77 66 no llegó"), out("bot", "Lo reviso.")}, want: training.ReasonResidualPII},
		{name: "own number, whole", c: granted, conv: conv(false), msgs: []*conversation.Message{in("ref 34699887766"), out("bot", "Ok.")}, want: training.ReasonResidualPII},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			e, err := training.NewExporter(&buf, training.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.Add(tt.c, tt.conv, tt.msgs, tt.readErr); err != nil {
				t.Fatalf("Add = %v", err)
			}
			s := e.Summary()
			if s.Read != 1 {
				t.Errorf("Read = %d, want 1", s.Read)
			}
			if tt.want == "" {
				if s.Exported != 1 || s.LeftOutTotal() != 0 {
					t.Fatalf("Exported = %d, left out %v; want exported", s.Exported, s.LeftOut)
				}
				cs := decode(t, buf.String())
				if len(cs) != 1 || roles(cs[0]) != tt.wantRole {
					t.Errorf("line = %s, want roles %s", buf.String(), tt.wantRole)
				}
				return
			}
			if buf.Len() != 0 || s.Exported != 0 {
				t.Errorf("output = %q (exported %d), want nothing", buf.String(), s.Exported)
			}
			for _, r := range training.Reasons {
				want := 0
				if r == tt.want {
					want = 1
				}
				if s.LeftOut[r] != want {
					t.Errorf("LeftOut[%s] = %d, want %d (all: %v)", r, s.LeftOut[r], want, s.LeftOut)
				}
			}
			switch tt.want {
			case training.ReasonNotOptedIn:
				if s.NotOptedIn[conversation.ConsentState(tt.wantBy)] != 1 {
					t.Errorf("NotOptedIn = %v, want %s: 1", s.NotOptedIn, tt.wantBy)
				}
			case training.ReasonSensitive:
				if s.SensitiveBy[tt.wantBy] != 1 {
					t.Errorf("SensitiveBy = %v, want %s: 1", s.SensitiveBy, tt.wantBy)
				}
			}
		})
	}
}

func TestRedaction(t *testing.T) {
	msgs := []*conversation.Message{
		out("system", "Hi! I'm an AI assistant. Reply YES to accept our privacy notice."),
		in("yes"),
		in("my email is " + markEmail + " and my phone " + markPhone),
		out("bot", "Thanks Ana, we will write to "+markEmail+"."),
		in("mi DNI es " + markDNI),
		typed(in("[location] Calle Mayor 5"), "location"),
		failed(out("bot", "Lost answer")),
		out("operator:op-7", "Hola Ana García, DNI "+markDNI+" anotado; te llamamos al "+markPhone+"."),
		out("system", "You have opted out."),
		in("   "),
		in("gracias"),
	}
	var buf bytes.Buffer
	e, err := training.NewExporter(&buf, training.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Add(contact(conversation.ConsentGranted), conv(false), msgs, nil); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, mark := range []string{markEmail, markPhone, markDNI, "612", "García", "Ana", "Calle Mayor", "Lost answer", "AI assistant. Reply YES", "opted out"} {
		if strings.Contains(got, mark) {
			t.Errorf("output holds %q:\n%s", mark, got)
		}
	}
	cs := decode(t, got)
	if len(cs) != 1 {
		t.Fatalf("got %d lines, want 1", len(cs))
	}
	want := []struct{ Role, Content string }{
		{"system", training.DefaultSystemPrompt},
		{"user", "yes\nmy email is [EMAIL_1] and my phone [PHONE_1]"},
		{"assistant", "Thanks [NAME_1], we will write to [EMAIL_1]."},
		{"user", "mi DNI es [DNI_ES_1]"},
		{"assistant", "Hola [NAME_1], DNI [DNI_ES_1] anotado; te llamamos al [PHONE_1]."},
	}
	if !reflect.DeepEqual(cs[0].Messages, want) {
		t.Errorf("messages =\n%q\nwant\n%q", cs[0].Messages, want)
	}
	s := e.Summary()
	if s.Exported != 1 || s.Messages != 5 || s.Turns != 4 {
		t.Errorf("Exported, Messages, Turns = %d, %d, %d; want 1, 5, 4", s.Exported, s.Messages, s.Turns)
	}
	wantSkipped := map[string]int{training.SkipSystemNotice: 2, training.SkipType: 1, training.SkipUndelivered: 1, training.SkipEmpty: 1, training.SkipAuthor: 0, training.SkipTrailing: 1}
	if !reflect.DeepEqual(s.MessagesLeftOut, wantSkipped) {
		t.Errorf("MessagesLeftOut = %v, want %v", s.MessagesLeftOut, wantSkipped)
	}
	wantPH := map[redact.Type]int{redact.Email: 1, redact.Phone: 1, redact.DNIES: 1, "NAME": 1}
	if !reflect.DeepEqual(s.Placeholders, wantPH) {
		t.Errorf("Placeholders = %v, want %v", s.Placeholders, wantPH)
	}
	if str := s.String(); !strings.Contains(str, "exported 1 (5 messages)") || !strings.Contains(str, "DNI_ES=1 EMAIL=1 NAME=1 PHONE=1") {
		t.Errorf("String() = %q", str)
	}
}

// A fresh mapping per conversation: the second conversation's first e-mail
// is [EMAIL_1] again, and counts add up across conversations.
func TestMappingPerConversation(t *testing.T) {
	var buf bytes.Buffer
	e, err := training.NewExporter(&buf, training.Options{SystemPrompt: "Be brief."})
	if err != nil {
		t.Fatal(err)
	}
	for _, mail := range []string{"a@example.com", "b@example.com"} {
		msgs := []*conversation.Message{in("write to x@example.com or " + mail), out("bot", "Done: "+mail)}
		if err := e.Add(contact(conversation.ConsentGranted), conv(false), msgs, nil); err != nil {
			t.Fatal(err)
		}
	}
	cs := decode(t, buf.String())
	if len(cs) != 2 {
		t.Fatalf("got %d lines, want 2", len(cs))
	}
	for i, c := range cs {
		if c.Messages[0].Content != "Be brief." || c.Messages[2].Content != "Done: [EMAIL_2]" {
			t.Errorf("line %d = %q, want the custom prompt and [EMAIL_2]", i, c.Messages)
		}
	}
	if got := e.Summary().Placeholders[redact.Email]; got != 4 {
		t.Errorf("Placeholders[EMAIL] = %d, want 4", got)
	}
}

func TestSystemPromptWithPII(t *testing.T) {
	if _, err := training.NewExporter(&bytes.Buffer{}, training.Options{SystemPrompt: "Escalate to boss@example.com"}); err == nil {
		t.Error("NewExporter with an e-mail in the prompt = nil error, want refused")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	e, err := training.NewExporter(failWriter{}, training.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = e.Add(contact(conversation.ConsentGranted), conv(false), []*conversation.Message{in("hi"), out("bot", "hello")}, nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Add to a failing writer = %v, want the write error", err)
	}
}

func TestSummaryJSON(t *testing.T) {
	e, _ := training.NewExporter(&bytes.Buffer{}, training.Options{})
	e.Add(contact(conversation.ConsentDeclined), conv(false), nil, nil)
	b, err := json.Marshal(e.Summary())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"conversations_read":1`, `"not_opted_in":1`, `"sensitive":0`, `"not_opted_in_by_state":{"declined":1}`, `"system_notice":0`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("summary JSON %s lacks %s", b, want)
		}
	}
}

func TestSystemPrompt(t *testing.T) {
	if got := training.SystemPrompt(" "); got != training.DefaultSystemPrompt {
		t.Errorf("SystemPrompt(blank) = %q, want the default", got)
	}
	if got := training.SystemPrompt("Tienda Aurora"); !strings.HasPrefix(got, "You are an AI assistant for Tienda Aurora, ") || !strings.Contains(got, "[EMAIL_1]") {
		t.Errorf("SystemPrompt(Tienda Aurora) = %q", got)
	}
}

// BenchmarkExporter measures Add on an opted-in conversation of ten
// messages, two of them with personal data.
func BenchmarkExporter(b *testing.B) {
	msgs := []*conversation.Message{
		out("system", "Reply YES to accept our privacy notice."),
		in("hola, ¿dónde está mi pedido 4417-2291? lo pedí el lunes"),
		out("bot", "Hola, tu pedido 4417-2291 sale mañana por la mañana."),
		in("mi email es " + markEmail + " por si acaso"),
		out("bot", "Perfecto, te avisamos en "+markEmail+"."),
		in("y si no estoy en casa?"),
		out("bot", "El repartidor deja un aviso y vuelve al día siguiente."),
		in("vale, mi móvil es " + markPhone),
		out("operator:op1", "Anotado, gracias."),
		in("gracias!"),
	}
	e, err := training.NewExporter(io.Discard, training.Options{})
	if err != nil {
		b.Fatal(err)
	}
	c, v := contact(conversation.ConsentGranted), conv(false)
	b.ReportAllocs()
	for b.Loop() {
		if err := e.Add(c, v, msgs, nil); err != nil {
			b.Fatal(err)
		}
	}
	if s := e.Summary(); s.Exported != s.Read {
		b.Fatalf("exported %d of %d", s.Exported, s.Read)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "conv/s")
}

// TestAllowedTermsSurvive: the business's allow-list keeps its product
// and its shop's street in the exported line (without it they are masked
// as a name and an address), while the customer's name is masked as
// before and the line is still written.
func TestAllowedTermsSurvive(t *testing.T) {
	msgs := []*conversation.Message{
		in("hola, quiero el perfume Carolina Herrera de 100 ml, me llamo Lucía Gómez"),
		out("bot", "Recógelo en Calle Serrano 50, Lucía Gómez."),
	}
	export := func(o training.Options) string {
		t.Helper()
		var buf bytes.Buffer
		e, err := training.NewExporter(&buf, o)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Add(contact(conversation.ConsentGranted), conv(false), msgs, nil); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	if got := export(training.Options{}); strings.Contains(got, "Carolina Herrera") || strings.Contains(got, "Serrano") {
		t.Fatalf("without an allow-list the product and the street are not masked, so this test proves nothing:\n%s", got)
	}
	got := export(training.Options{Redactor: redact.NewDetector(redact.Options{Allow: []string{"Carolina Herrera", "Calle Serrano 50"}})})
	cs := decode(t, got)
	if len(cs) != 1 {
		t.Fatalf("got %d lines, want 1:\n%s", len(cs), got)
	}
	all := fmt.Sprint(cs[0].Messages)
	for _, kept := range []string{"perfume Carolina Herrera de 100 ml", "Calle Serrano 50"} {
		if !strings.Contains(all, kept) {
			t.Errorf("the line lacks the allowed %q: %s", kept, all)
		}
	}
	if strings.Contains(all, "Lucía") || strings.Contains(all, "Gómez") || !strings.Contains(all, "[NAME_1]") {
		t.Errorf("the customer's name was not masked: %s", all)
	}
}
