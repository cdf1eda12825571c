package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "notifications", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func parseFixture(t *testing.T, name string) (*Notification, Events) {
	t.Helper()
	n, err := ParseNotification(readFixture(t, name))
	if err != nil {
		t.Fatalf("ParseNotification(%s) error = %v, want nil", name, err)
	}
	return n, n.Events()
}

func TestParseNotificationMessages(t *testing.T) {
	tests := []struct {
		fixture     string
		kind        Kind
		summary     string
		profileName string
		check       func(t *testing.T, m Message)
	}{
		{fixture: "text", kind: KindText, summary: "Does it come in another color?", profileName: "Sheena Nelson"},
		{fixture: "text_reply_context", kind: KindText, summary: "Yes, that one please", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if m.Context == nil || m.Context.From != "15550783881" || !strings.HasPrefix(m.Context.ID, "wamid.") {
					t.Errorf("Context = %+v, want from business with a wamid", m.Context)
				}
			}},
		{fixture: "text_forwarded", kind: KindText, summary: "Look at this deal", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if m.Context == nil || !m.Context.Forwarded || !m.Context.FrequentlyForwarded {
					t.Errorf("Context = %+v, want forwarded and frequently_forwarded", m.Context)
				}
			}},
		{fixture: "text_product_inquiry", kind: KindText, summary: "Is this still available?", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if m.Context == nil || m.Context.ReferredProduct == nil || m.Context.ReferredProduct.ProductRetailerID != "di9ozbzfi4" {
					t.Errorf("Context = %+v, want referred product di9ozbzfi4", m.Context)
				}
			}},
		{fixture: "text_referral", kind: KindText, summary: "Hi! I saw your ad", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if m.Referral == nil || m.Referral.SourceType != "ad" || m.Referral.CTWAClid == "" {
					t.Errorf("Referral = %+v, want an ad referral with ctwa_clid", m.Referral)
				}
			}},
		{fixture: "text_user_ids", kind: KindText, summary: "hello", profileName: "Sheena Nelson"},
		{fixture: "text_escaped_unicode", kind: KindText, summary: "¿Tenéis la talla 42/43? Ärger 😮 https://example.com/a", profileName: "María José Älvarez"},
		{fixture: "image", kind: KindImage, summary: "[image] Taj Mahal", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if m.Image.ID != "1003383421387256" || m.Image.MimeType != "image/jpeg" || m.Image.URL == "" {
					t.Errorf("Image = %+v, want id, mime type and url", m.Image)
				}
			}},
		{fixture: "audio", kind: KindAudio, summary: "[voice message]", profileName: "Sheena Nelson"},
		{fixture: "video", kind: KindVideo, summary: "[video] Unboxing", profileName: "Sheena Nelson"},
		{fixture: "document", kind: KindDocument, summary: "[document: receipt.pdf] my receipt", profileName: "Sheena Nelson"},
		{fixture: "sticker", kind: KindSticker, summary: "[sticker]", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if !m.Sticker.Animated {
					t.Errorf("Sticker.Animated = false, want true")
				}
			}},
		{fixture: "location", kind: KindLocation, summary: "location: Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if m.Location.Latitude != 37.44221496582 || m.Location.Longitude != -122.16165924072 {
					t.Errorf("Location = %+v, want 37.44221496582,-122.16165924072", m.Location)
				}
			}},
		{fixture: "location_pin", kind: KindLocation, summary: "location: 40.4168, -3.7038", profileName: "Sheena Nelson"},
		{fixture: "contacts", kind: KindContacts, summary: "contact: Barbara J. Johnson +1 (415) 555-0829", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				c := m.Contacts[0]
				if c.Org == nil || c.Org.Company != "Social Tsunami" || len(c.Emails) != 1 || len(c.Addresses) != 1 || len(c.URLs) != 1 || c.Birthday != "1999-01-23" {
					t.Errorf("Contacts[0] = %+v, want org, email, address, url and birthday", c)
				}
			}},
		{fixture: "interactive_button_reply", kind: KindButtonReply, summary: "Change", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if m.Interactive.ButtonReply.ID != "change-button" {
					t.Errorf("ButtonReply.ID = %q, want change-button", m.Interactive.ButtonReply.ID)
				}
			}},
		{fixture: "interactive_list_reply", kind: KindListReply, summary: "Priority Mail Express", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if r := m.Interactive.ListReply; r.ID != "priority_express" || r.Description != "Next Day to 2 Days" {
					t.Errorf("ListReply = %+v, want priority_express with description", r)
				}
			}},
		{fixture: "interactive_nfm_reply", kind: KindFlowReply, summary: `form response: {"flow_token":"unused","appointment_date":"2025-07-01"}`, profileName: "Sheena Nelson"},
		{fixture: "button", kind: KindButton, summary: "Unsubscribe", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if m.Button.Payload != "Unsubscribe" {
					t.Errorf("Button.Payload = %q, want Unsubscribe", m.Button.Payload)
				}
			}},
		{fixture: "reaction", kind: KindReaction, summary: "reacted 😮", profileName: "Sheena Nelson"},
		{fixture: "reaction_removed", kind: KindReaction, summary: "removed a reaction", profileName: "Sheena Nelson"},
		{fixture: "order", kind: KindOrder, summary: "order: 2 x di9ozbzfi4 (30 USD), 1 x nqryix03ez (12.5 USD); note: Love these!", profileName: "Sheena Nelson"},
		{fixture: "system", kind: KindSystem, summary: "User Sheena Nelson changed from 16505551234 to 12195555358", profileName: "",
			check: func(t *testing.T, m Message) {
				if m.System.Type != "user_changed_number" || m.System.WaID != "12195555358" {
					t.Errorf("System = %+v, want user_changed_number to 12195555358", m.System)
				}
			}},
		{fixture: "unsupported", kind: KindUnsupported, summary: "[unsupported message: edit]", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if len(m.Errors) != 1 || m.Errors[0].Code != 131051 || m.Errors[0].ErrorData == nil {
					t.Errorf("Errors = %+v, want one 131051 with error_data", m.Errors)
				}
			}},
		{fixture: "unsupported_legacy", kind: KindUnsupported, summary: "[unsupported message]", profileName: "Sheena Nelson"},
		{fixture: "unknown", kind: KindUnsupported, summary: "[unsupported message: unknown]", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if len(m.Errors) != 1 || m.Errors[0].Code != 131060 {
					t.Errorf("Errors = %+v, want one 131060", m.Errors)
				}
			}},
		{fixture: "new_type", kind: KindUnsupported, summary: "[unsupported message: poll_creation]", profileName: "Sheena Nelson",
			check: func(t *testing.T, m Message) {
				if !bytes.Contains(m.Raw, []byte(`"poll_creation"`)) || !bytes.Contains(m.Raw, []byte(`"group_id"`)) {
					t.Errorf("Raw = %s, want the unknown type's content and fields kept", m.Raw)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			_, ev := parseFixture(t, tt.fixture)
			if len(ev.Messages) != 1 || len(ev.Statuses) != 0 || len(ev.Errors) != 0 || len(ev.Ignored) != 0 {
				t.Fatalf("Events() = %d messages, %d statuses, %d errors, %d ignored; want 1, 0, 0, 0",
					len(ev.Messages), len(ev.Statuses), len(ev.Errors), len(ev.Ignored))
			}
			m := ev.Messages[0]
			if m.Kind != tt.kind {
				t.Errorf("Kind = %q, want %q", m.Kind, tt.kind)
			}
			if got := m.Summary(); got != tt.summary {
				t.Errorf("Summary() = %q, want %q", got, tt.summary)
			}
			if m.ProfileName != tt.profileName {
				t.Errorf("ProfileName = %q, want %q", m.ProfileName, tt.profileName)
			}
			if m.WABAID != "102290129340398" || m.PhoneNumberID != "106540352242922" || m.DisplayPhoneNumber != "15550783881" {
				t.Errorf("Origin = %+v, want WABA 102290129340398, number 106540352242922 / 15550783881", m.Origin)
			}
			if m.From == "" || !strings.HasPrefix(m.Message.ID, "wamid.") {
				t.Errorf("From, ID = %q, %q; want a sender and a wamid", m.From, m.Message.ID)
			}
			if _, err := m.Message.Time(); err != nil {
				t.Errorf("Time() error = %v", err)
			}
			if !json.Valid(m.Message.Raw) || !bytes.Contains(m.Message.Raw, []byte(m.Message.ID)) {
				t.Errorf("Raw = %s, want the message's JSON", m.Message.Raw)
			}
			if m.Message.DecodeError != "" {
				t.Errorf("DecodeError = %q, want empty", m.Message.DecodeError)
			}
			if tt.check != nil {
				tt.check(t, m.Message)
			}
		})
	}
}

func TestParseNotificationStatuses(t *testing.T) {
	tests := []struct {
		fixture string
		status  string
		check   func(t *testing.T, s Status)
	}{
		{fixture: "status_sent", status: StatusSent, check: func(t *testing.T, s Status) {
			if s.Conversation == nil || s.Conversation.Origin == nil || s.Conversation.Origin.Type != "marketing" || s.Conversation.ExpirationTimestamp != "1750116480" {
				t.Errorf("Conversation = %+v, want marketing origin with expiration", s.Conversation)
			}
			if s.Pricing == nil || s.Pricing.PricingModel != "PMP" || s.Pricing.Billable == nil || !*s.Pricing.Billable {
				t.Errorf("Pricing = %+v, want PMP billable", s.Pricing)
			}
			if s.BizOpaqueCallbackData != "outbox-42" {
				t.Errorf("BizOpaqueCallbackData = %q, want outbox-42", s.BizOpaqueCallbackData)
			}
		}},
		{fixture: "status_delivered", status: StatusDelivered, check: func(t *testing.T, s Status) {
			if s.Conversation != nil {
				t.Errorf("Conversation = %+v, want nil (v24 omits it)", s.Conversation)
			}
			if s.Pricing == nil || s.Pricing.Billable == nil || *s.Pricing.Billable || s.Pricing.Category != "service" {
				t.Errorf("Pricing = %+v, want free service", s.Pricing)
			}
		}},
		{fixture: "status_read", status: StatusRead},
		{fixture: "status_played", status: StatusPlayed},
		{fixture: "status_failed", status: StatusFailed, check: func(t *testing.T, s Status) {
			if len(s.Errors) != 1 || s.Errors[0].Code != 131049 || s.Errors[0].Href == "" || s.Errors[0].ErrorData == nil {
				t.Errorf("Errors = %+v, want 131049 with href and details", s.Errors)
			}
			if got := ClassifyCode(s.Errors[0].Code); got != Permanent {
				t.Errorf("ClassifyCode(131049) = %v, want %v", got, Permanent)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			_, ev := parseFixture(t, tt.fixture)
			if len(ev.Statuses) != 1 || len(ev.Messages) != 0 {
				t.Fatalf("Events() = %d statuses, %d messages; want 1, 0", len(ev.Statuses), len(ev.Messages))
			}
			s := ev.Statuses[0]
			if s.Status.Status != tt.status {
				t.Errorf("Status = %q, want %q", s.Status.Status, tt.status)
			}
			if s.PhoneNumberID != "106540352242922" || s.Status.RecipientID != "16505551234" || !strings.HasPrefix(s.Status.ID, "wamid.") {
				t.Errorf("StatusUpdate = %+v, want number 106540352242922, recipient 16505551234, a wamid", s)
			}
			if _, err := s.Status.Time(); err != nil {
				t.Errorf("Time() error = %v", err)
			}
			if !json.Valid(s.Status.Raw) {
				t.Errorf("Raw = %s, want valid JSON", s.Status.Raw)
			}
			if tt.check != nil {
				tt.check(t, s.Status)
			}
		})
	}
}

func TestParseNotificationValueErrors(t *testing.T) {
	_, ev := parseFixture(t, "value_errors")
	if len(ev.Errors) != 1 {
		t.Fatalf("len(Errors) = %d, want 1", len(ev.Errors))
	}
	e := ev.Errors[0]
	if e.Error.Code != 131042 || e.PhoneNumberID != "106540352242922" || e.Error.ErrorData == nil {
		t.Errorf("Errors[0] = %+v, want 131042 for 106540352242922 with details", e)
	}
	if got := ClassifyCode(e.Error.Code); got != PauseNumber {
		t.Errorf("ClassifyCode(131042) = %v, want %v", got, PauseNumber)
	}
}

func TestParseNotificationOtherFieldIgnored(t *testing.T) {
	n, ev := parseFixture(t, "other_field")
	if len(ev.Ignored) != 1 || ev.Ignored[0].Field != "message_template_status_update" || ev.Ignored[0].WABAID != "102290129340398" {
		t.Fatalf("Ignored = %+v, want the template status update", ev.Ignored)
	}
	if !bytes.Contains(ev.Ignored[0].Raw, []byte("APPROVED")) {
		t.Errorf("Ignored[0].Raw = %s, want the raw value", ev.Ignored[0].Raw)
	}
	if n.Entry[0].Changes[0].Value != nil {
		t.Errorf("Value = %+v, want nil for a non-messages field", n.Entry[0].Changes[0].Value)
	}
	if len(ev.Messages)+len(ev.Statuses)+len(ev.Errors) != 0 {
		t.Errorf("Events() = %+v, want nothing but the ignored change", ev)
	}
}

func TestParseNotificationBatch(t *testing.T) {
	_, ev := parseFixture(t, "batch")
	var got []string
	for _, m := range ev.Messages {
		got = append(got, fmt.Sprintf("%s/%s/%s/%s", m.PhoneNumberID, m.From, m.ProfileName, m.Message.ID))
	}
	want := []string{
		"106540352242922/16505551234/Sheena Nelson/wamid.BATCH1",
		"106540352242922/34612345678/Ana/wamid.BATCH2",
		"200000000000001/34699999999/Luis/wamid.BATCH3",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Messages = %q, want %q", got, want)
	}
	if len(ev.Statuses) != 2 || ev.Statuses[0].Status.Status != StatusRead || ev.Statuses[1].Status.Status != StatusDelivered {
		t.Errorf("Statuses = %+v, want read then delivered, as sent", ev.Statuses)
	}
	if len(ev.Ignored) != 1 || ev.Ignored[0].Field != "account_update" {
		t.Errorf("Ignored = %+v, want account_update", ev.Ignored)
	}
	if ev.Messages[2].WABAID != "109876543210987" {
		t.Errorf("Messages[2].WABAID = %q, want 109876543210987", ev.Messages[2].WABAID)
	}
}

func TestParseNotificationErrors(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	deepInObject := `{"object":"whatsapp_business_account","entry":[],"x":` + deep + `}`
	deepInString := `{"object":"whatsapp_business_account","entry":[],"x":"` + strings.Repeat("[", 10*MaxDepth) + `"}`
	tests := []struct {
		name string
		raw  string
		want error
	}{
		{name: "empty", raw: "", want: ErrInvalidJSON},
		{name: "truncated", raw: `{"object":"whatsapp_business_account","entry":[`, want: ErrInvalidJSON},
		{name: "not an object", raw: `"whatsapp_business_account"`, want: ErrInvalidJSON},
		{name: "entry wrong type", raw: `{"object":"whatsapp_business_account","entry":{}}`, want: ErrInvalidJSON},
		{name: "trailing garbage", raw: `{"object":"whatsapp_business_account"} x`, want: ErrInvalidJSON},
		{name: "invalid utf8", raw: "{\"object\":\"whatsapp_business_account\",\"x\":\"\xff\"}", want: ErrInvalidUTF8},
		{name: "wrong object", raw: `{"object":"page","entry":[]}`, want: ErrWrongObject},
		{name: "missing object", raw: `{"entry":[]}`, want: ErrWrongObject},
		{name: "too deep", raw: deepInObject, want: ErrTooDeep},
		{name: "brackets in string are not depth", raw: deepInString, want: nil},
		{name: "too large", raw: `{"object":"whatsapp_business_account","x":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, want: ErrTooLarge},
		{name: "too many events", raw: manyStatuses(MaxEvents + 1), want: ErrTooManyEvents},
		{name: "max events ok", raw: manyStatuses(MaxEvents), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseNotification([]byte(tt.raw))
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("ParseNotification() error = %v, want %v", err, tt.want)
			}
			if err != nil && n != nil {
				t.Errorf("ParseNotification() = %v with error, want nil", n)
			}
		})
	}
}

func manyStatuses(n int) string {
	var b strings.Builder
	b.WriteString(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"2"},"statuses":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"wamid.%d","status":"sent","timestamp":"1","recipient_id":"3"}`, i)
	}
	b.WriteString(`]}}]}]}`)
	return b.String()
}

func TestParseNotificationLenient(t *testing.T) {
	// Meta changes a field's JSON type: the message survives with its raw
	// JSON and the rest of the payload is still read.
	raw := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
		"metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
		"contacts":[{"profile":{"name":"Ana"},"wa_id":"34612345678","identity_key_hash":"x"}],
		"messages":[
			{"from":"34612345678","id":"wamid.A","timestamp":1749416383,"type":"text","text":{"body":"hola"},"brand_new":{"a":1}},
			{"from":"34612345678","id":"wamid.B","timestamp":"1749416384","type":"location","location":{"latitude":"40.1","longitude":-3.7}},
			"surprise",
			{"from":"34612345678","id":"wamid.C","timestamp":"1749416385","type":"text"}
		],
		"statuses":[{"id":"wamid.S","status":"sent","timestamp":1750030073,"recipient_id":"34612345678","pricing":{"billable":"yes"}}]
	}}]}]}`
	_, ev := parseNotificationOrFatal(t, raw)
	if len(ev.Messages) != 4 || len(ev.Statuses) != 1 {
		t.Fatalf("Events() = %d messages, %d statuses; want 4, 1", len(ev.Messages), len(ev.Statuses))
	}
	a := ev.Messages[0]
	if a.Message.Timestamp != "1749416383" || a.Kind != KindText || a.Summary() != "hola" || a.Message.DecodeError == "" {
		t.Errorf("Messages[0] = ts %q kind %q summary %q decodeErr %q; want numeric timestamp recovered, text hola, a decode error",
			a.Message.Timestamp, a.Kind, a.Summary(), a.Message.DecodeError)
	}
	if !bytes.Contains(a.Message.Raw, []byte("brand_new")) {
		t.Errorf("Messages[0].Raw = %s, want unknown fields kept", a.Message.Raw)
	}
	b := ev.Messages[1]
	if b.Kind != KindLocation || b.Message.Location.Longitude != -3.7 || b.Message.DecodeError == "" {
		t.Errorf("Messages[1] = %+v, want a location with longitude kept and a decode error", b.Message)
	}
	if c := ev.Messages[2]; c.Kind != KindUnsupported || string(c.Message.Raw) != `"surprise"` {
		t.Errorf("Messages[2] = kind %q raw %s, want unsupported with raw kept", c.Kind, c.Message.Raw)
	}
	if d := ev.Messages[3]; d.Kind != KindUnsupported || d.Summary() != "[unsupported message: text]" {
		t.Errorf("Messages[3] = kind %q summary %q, want unsupported (text without body)", d.Kind, d.Summary())
	}
	s := ev.Statuses[0].Status
	if s.Timestamp != "1750030073" || s.Status != StatusSent || s.DecodeError == "" {
		t.Errorf("Statuses[0] = %+v, want recovered timestamp and a decode error", s)
	}
	if got, _ := s.Time(); !got.Equal(time.Unix(1750030073, 0)) {
		t.Errorf("Statuses[0].Time() = %v, want %v", got, time.Unix(1750030073, 0))
	}
}

func parseNotificationOrFatal(t *testing.T, raw string) (*Notification, Events) {
	t.Helper()
	n, err := ParseNotification([]byte(raw))
	if err != nil {
		t.Fatalf("ParseNotification() error = %v, want nil", err)
	}
	return n, n.Events()
}

func TestNilNotificationEvents(t *testing.T) {
	var n *Notification
	if ev := n.Events(); len(ev.Messages)+len(ev.Statuses)+len(ev.Errors)+len(ev.Ignored) != 0 {
		t.Errorf("(*Notification)(nil).Events() = %+v, want empty", ev)
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "1749416383", want: time.Unix(1749416383, 0).UTC()},
		{in: "", wantErr: true},
		{in: "12.5", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimestamp(tt.in)
			if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
				t.Errorf("ParseTimestamp(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestJSONDepth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{in: `1`, want: 0},
		{in: `{}`, want: 1},
		{in: `{"a":[{"b":[]}]}`, want: 4},
		{in: `{"a":"[[[[\"[["}`, want: 1},
		{in: `{"a":"\\"}`, want: 1},
		{in: `[[],[[]]]`, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := jsonDepth([]byte(tt.in)); got != tt.want {
				t.Errorf("jsonDepth(%s) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}
