package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/whatsapp"
)

func TestClassifyTellsTimeoutsFromRefusals(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices the client leaving only once the body is read
		<-r.Context().Done()
	}))
	defer hang.Close()
	refused := httptest.NewServer(http.NotFoundHandler())
	refusedURL := refused.URL
	refused.Close()
	meta := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		w.Write([]byte(`{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429,"fbtrace_id":"x"}}`))
	}))
	defer meta.Close()
	tests := []struct {
		name, url string
		want      conversation.SendAction
	}{
		{"timeout may have been accepted", hang.URL, conversation.SendUnknown},
		{"refused connection never arrived", refusedURL, conversation.SendRetry},
		{"rate limit", meta.URL, conversation.SendRetry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: tt.url, APIVersion: "v24.0", Token: "t", Timeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Sender{Client: c}.Send(context.Background(), "123", conversation.Outbound{To: "34600000000", Text: "hi"}, "cb")
			var se *conversation.SendError
			if !errors.As(err, &se) || se.Action != tt.want {
				t.Errorf("Send error = %v (action %v), want action %v", err, se, tt.want)
			}
		})
	}
}

func TestSendTemplateBodyParametersOnTheWire(t *testing.T) {
	var got []byte
	meta := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"messaging_product":"whatsapp","contacts":[{"input":"34600000000","wa_id":"34600000000"}],"messages":[{"id":"wamid.T1"}]}`))
	}))
	defer meta.Close()
	c, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: meta.URL, APIVersion: "v24.0", Token: "t", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	out := conversation.Outbound{To: "34600000000", Template: &conversation.Template{Name: "reopen", Language: "es", Body: []string{"Tienda Aurora", "https://aurora.example/help"}}}
	id, err := Sender{Client: c}.Send(context.Background(), "123", out, "cb")
	if err != nil || id != "wamid.T1" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	var body struct {
		Type     string `json:"type"`
		Template struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
			Components []struct {
				Type       string `json:"type"`
				Parameters []struct {
					Type string `json:"type"`
					Text string `json:"text"`
				} `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
	}
	if err := json.Unmarshal(got, &body); err != nil {
		t.Fatalf("%v: %s", err, got)
	}
	tp := body.Template
	if body.Type != "template" || tp.Name != "reopen" || tp.Language.Code != "es" || len(tp.Components) != 1 || tp.Components[0].Type != "body" ||
		len(tp.Components[0].Parameters) != 2 || tp.Components[0].Parameters[0].Type != "text" ||
		tp.Components[0].Parameters[0].Text != "Tienda Aurora" || tp.Components[0].Parameters[1].Text != "https://aurora.example/help" {
		t.Errorf("wire body = %s", got)
	}

	// Without variables no components are sent at all.
	out.Template.Body = nil
	if _, err := (Sender{Client: c}).Send(context.Background(), "123", out, "cb"); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte("components")) {
		t.Errorf("template without variables sent components: %s", got)
	}
}

// Context, reactions and referrals (spec §2) reach the conversation layer:
// a reply names the message it quotes, a reaction names its message and
// emoji (empty when removed), and forwards, ads and products are metadata.
func TestParseContextReactionAndReferral(t *testing.T) {
	const body = `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{
 "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
 "contacts":[{"profile":{"name":"Sheena"},"wa_id":"16505551234"}],
 "messages":[
  {"context":{"from":"15550783881","id":"wamid.ANSWER"},"from":"16505551234","id":"wamid.R1","timestamp":"1749416383","type":"text","text":{"body":"what about this one?"}},
  {"context":{"forwarded":true,"frequently_forwarded":true},"from":"16505551234","id":"wamid.F1","timestamp":"1749416384","type":"text","text":{"body":"look"}},
  {"from":"16505551234","id":"wamid.X1","timestamp":"1749416385","type":"reaction","reaction":{"message_id":"wamid.ANSWER","emoji":"\ud83d\ude2e"}},
  {"from":"16505551234","id":"wamid.X2","timestamp":"1749416386","type":"reaction","reaction":{"message_id":"wamid.ANSWER"}},
  {"referral":{"source_url":"https://fb.me/ad","source_id":"120","source_type":"ad","headline":"Spring sale","body":"20% off","media_type":"image","image_url":"https://x/y.jpg","ctwa_clid":"ARAkLkA"},
   "from":"16505551234","id":"wamid.A1","timestamp":"1749416387","type":"text","text":{"body":"Is this still on?"}},
  {"context":{"from":"15550783881","id":"wamid.CAT","referred_product":{"catalog_id":"194836987003835","product_retailer_id":"di9ozbzfi4"}},
   "from":"16505551234","id":"wamid.P1","timestamp":"1749416388","type":"text","text":{"body":"in red?"}}]}}]}]}`
	b, err := Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Messages) != 6 {
		t.Fatalf("Parse = %d messages, want 6", len(b.Messages))
	}
	reply, fwd, react, unreact, ad, product := b.Messages[0], b.Messages[1], b.Messages[2], b.Messages[3], b.Messages[4], b.Messages[5]
	if reply.ReplyTo != "wamid.ANSWER" || reply.Meta != nil || reply.Reaction != nil || reply.Text != "what about this one?" {
		t.Errorf("reply = %+v, want ReplyTo wamid.ANSWER and no metadata", reply)
	}
	if fwd.ReplyTo != "" || fwd.Meta == nil || !fwd.Meta.Forwarded || !fwd.Meta.FrequentlyForwarded {
		t.Errorf("forwarded = %+v, want forwarded and frequently forwarded", fwd)
	}
	if react.Reaction == nil || *react.Reaction != (conversation.Reaction{WAMessageID: "wamid.ANSWER", Emoji: "😮"}) || react.Text != "" || react.Type != "reaction" {
		t.Errorf("reaction = %+v, want 😮 on wamid.ANSWER and no text", react)
	}
	if unreact.Reaction == nil || *unreact.Reaction != (conversation.Reaction{WAMessageID: "wamid.ANSWER"}) {
		t.Errorf("removed reaction = %+v, want an empty emoji on wamid.ANSWER", unreact.Reaction)
	}
	want := conversation.Referral{SourceType: "ad", SourceID: "120", SourceURL: "https://fb.me/ad", Headline: "Spring sale", Body: "20% off", MediaType: "image"}
	if ad.Meta == nil || ad.Meta.Referral == nil || *ad.Meta.Referral != want || ad.Meta.Forwarded {
		t.Errorf("referral = %+v, want %+v (no click id, no media URL)", ad.Meta, want)
	}
	if product.ReplyTo != "wamid.CAT" || product.Meta == nil || product.Meta.Product == nil || *product.Meta.Product != (conversation.Product{CatalogID: "194836987003835", ProductRetailerID: "di9ozbzfi4"}) {
		t.Errorf("product inquiry = %+v, want the referred product", product)
	}
}
