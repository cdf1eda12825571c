package moderation

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer speaks OpenAI's /v1/moderations and a Llama Guard model behind
// /v1/chat/completions, flagging texts that contain "hurt".
type fakeServer struct {
	mu     sync.Mutex
	bodies []string
	auth   []string
}

func (f *fakeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies = append(f.bodies, string(b))
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/v1/moderations":
		var req struct{ Model, Input string }
		if json.Unmarshal(b, &req) != nil || req.Model == "" {
			http.Error(w, `{"error":{"message":"bad request"}}`, 400)
			return
		}
		flagged := strings.Contains(req.Input, "hurt")
		json.NewEncoder(w).Encode(map[string]any{"id": "modr-1", "model": req.Model, "results": []any{map[string]any{
			"flagged":         flagged,
			"categories":      map[string]bool{"harassment": false, "hate": false, "violence": flagged, "violence/graphic": false, "self-harm/intent": false},
			"category_scores": map[string]float64{"violence": 0.97},
		}}})
	case "/v1/chat/completions":
		var req struct {
			Model    string
			Messages []struct{ Role, Content string }
		}
		if json.Unmarshal(b, &req) != nil || len(req.Messages) != 2 || req.Messages[1].Role != "assistant" {
			http.Error(w, `{"error":{"message":"bad request"}}`, 400)
			return
		}
		content := "safe"
		if strings.Contains(req.Messages[1].Content, "hurt") {
			content = "unsafe\nS1,S10"
		}
		json.NewEncoder(w).Encode(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}}})
	default:
		http.NotFound(w, r)
	}
}

func TestCheck(t *testing.T) {
	fake := &fakeServer{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	tests := []struct {
		kind, answer string
		want         Result
	}{
		{KindOpenAI, "Your parcel ships today.", Result{}},
		{KindOpenAI, "I will hurt you.", Result{Flagged: true, Categories: []string{"violence"}}},
		{KindGuard, "Your parcel ships today.", Result{}},
		{KindGuard, "I will hurt you.", Result{Flagged: true, Categories: []string{"violent_crimes", "hate"}}},
	}
	for _, tt := range tests {
		c, err := New(Config{Kind: tt.kind, BaseURL: srv.URL + "/v1", Model: "m", APIKey: "sk-mod"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Check(context.Background(), "where is [ORDER_1]?", tt.answer)
		if err != nil {
			t.Fatalf("%s Check(%q) error: %v", tt.kind, tt.answer, err)
		}
		if got.Flagged != tt.want.Flagged || !slices.Equal(got.Categories, tt.want.Categories) {
			t.Errorf("%s Check(%q) = %+v, want %+v", tt.kind, tt.answer, got, tt.want)
		}
	}
	if fake.auth[0] != "Bearer sk-mod" {
		t.Errorf("Authorization = %q, want the bearer key", fake.auth[0])
	}
	// The guard model sees the customer's message as given (redacted).
	if !strings.Contains(fake.bodies[2], `[ORDER_1]`) {
		t.Errorf("guard request = %s, want the message", fake.bodies[2])
	}
}

func TestCheckFailures(t *testing.T) {
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/moderations":
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
		default:
			io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"I think it is fine"}}]}`)
		}
	}))
	defer broken.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(300 * time.Millisecond):
		}
	}))
	defer slow.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"5xx", Config{Kind: KindOpenAI, BaseURL: broken.URL + "/v1", Model: "m"}},
		{"unreadable guard verdict", Config{Kind: KindGuard, BaseURL: broken.URL + "/v1", Model: "m"}},
		{"timeout", Config{Kind: KindOpenAI, BaseURL: slow.URL + "/v1", Model: "m", Timeout: 50 * time.Millisecond}},
		{"unreachable", Config{Kind: KindGuard, BaseURL: closedURL + "/v1", Model: "m"}},
	} {
		c, err := New(tt.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Check(context.Background(), "hi", "hello"); err == nil {
			t.Errorf("%s: Check error = nil, want one (callers fail closed)", tt.name)
		}
	}
}

func TestNewRejects(t *testing.T) {
	for _, cfg := range []Config{
		{Kind: "other", BaseURL: "http://127.0.0.1/v1", Model: "m"},
		{Kind: KindOpenAI, BaseURL: "127.0.0.1/v1", Model: "m"},
		{Kind: KindOpenAI, BaseURL: "http://u:p@127.0.0.1/v1", Model: "m"},
		{Kind: KindGuard, BaseURL: "http://127.0.0.1/v1"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) error = nil", cfg)
		}
	}
}
