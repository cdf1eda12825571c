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
