package channel

import (
	"context"
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
