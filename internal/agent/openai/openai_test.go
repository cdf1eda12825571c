package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trement/trement/internal/agent"
)

// fakeServer plays a chat-completions server on loopback and records what
// it was sent. handle is called with the 0-based index of each request.
type fakeServer struct {
	*httptest.Server
	handle func(n int, w http.ResponseWriter, r *http.Request)

	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	path, method string
	header       http.Header
	body         chatRequest
	raw          map[string]any
}

func newFakeServer(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) *fakeServer {
	t.Helper()
	f := &fakeServer{handle: handle}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		rec := recorded{path: r.URL.Path, method: r.Method, header: r.Header.Clone()}
		if err := json.Unmarshal(data, &rec.body); err != nil {
			t.Errorf("server: request body is not JSON: %v", err)
		}
		_ = json.Unmarshal(data, &rec.raw)
		f.mu.Lock()
		n := len(f.reqs)
		f.reqs = append(f.reqs, rec)
		f.mu.Unlock()
		f.handle(n, w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

// writeCompletion writes a response in the shape OpenAI documents.
func writeCompletion(w http.ResponseWriter, content, finish string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{
  "id": "chatcmpl-abc123",
  "object": "chat.completion",
  "created": 1700000000,
  "model": "test-model",
  "system_fingerprint": "fp_1",
  "choices": [{
    "index": 0,
    "message": {"role": "assistant", "content": %q, "refusal": null},
    "logprobs": null,
    "finish_reason": %q
  }],
  "usage": {"prompt_tokens": 120, "completion_tokens": 18, "total_tokens": 138}
}`, content, finish)
}

func writeError(w http.ResponseWriter, status int, msg, typ, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error": {"message": %q, "type": %q, "param": null, "code": %q}}`, msg, typ, code)
}

// retrieverFunc is a func-field fake of agent.Retriever.
type retrieverFunc func(query, lang string, k int) []agent.Passage

func (f retrieverFunc) Search(query, lang string, k int) []agent.Passage { return f(query, lang, k) }

func newProvider(t *testing.T, cfg Config) *Provider {
	t.Helper()
	if cfg.Model == "" {
		cfg.Model = "test-model"
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = time.Millisecond
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v) error: %v", cfg, err)
	}
	return p
}

var testReq = agent.Request{
	ConversationID: "conv-1",
	Language:       "es",
	BusinessName:   "Tienda Aurora",
	Instructions:   "Trata al cliente de tú.",
	History: []agent.Turn{
		{Role: agent.RoleCustomer, Text: "Hola, soy [NAME_1]"},
		{Role: agent.RoleAssistant, Text: "¡Hola! ¿En qué puedo ayudarte?"},
		{Role: agent.RoleOperator, Text: "Te escribo desde el equipo."},
	},
	Message: "¿Cuánto cuesta el envío a [ADDRESS_1]?",
}

func TestReplySendsRealRequestShape(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeCompletion(w, "El envío estándar cuesta **4,95 €** a [ADDRESS_1].", "stop")
	})
	var gotQuery, gotLang string
	var gotK int
	passages := []agent.Passage{
		{ArticleID: "shipping-costs", Title: "¿Cuánto cuesta el envío?", Lang: "es", Text: "Estándar: 4,95 €."},
		{ArticleID: "shipping-times", Title: "Plazos", Lang: "es", Text: "2–4 días."},
	}
	p := newProvider(t, Config{
		BaseURL:     srv.URL + "/v1/",
		APIKey:      "sk-test-secret",
		MaxTokens:   200,
		Temperature: 0.2,
		Retriever: retrieverFunc(func(q, lang string, k int) []agent.Passage {
			gotQuery, gotLang, gotK = q, lang, k
			return passages
		}),
	})
	r, err := p.Reply(context.Background(), testReq)
	if err != nil {
		t.Fatalf("Reply error: %v", err)
	}
	want := agent.Reply{
		Text:       "El envío estándar cuesta *4,95 €* a [ADDRESS_1].",
		Confidence: 0.8,
		Sources:    []string{"shipping-costs", "shipping-times"},
		Provider:   "openai:test-model",
		Generated:  true,     // the flow checks its facts
		Passages:   passages, // against what the model was given
	}
	if fmt.Sprint(r) != fmt.Sprint(want) {
		t.Errorf("Reply = %+v, want %+v", r, want)
	}
	if gotQuery != testReq.Message || gotLang != "es" || gotK != 3 {
		t.Errorf("Retriever.Search(%q, %q, %d), want (%q, es, 3)", gotQuery, gotLang, gotK, testReq.Message)
	}

	reqs := srv.requests()
	if len(reqs) != 1 {
		t.Fatalf("server got %d requests, want 1", len(reqs))
	}
	got := reqs[0]
	if got.method != http.MethodPost || got.path != "/v1/chat/completions" {
		t.Errorf("request = %s %s, want POST /v1/chat/completions", got.method, got.path)
	}
	if h := got.header.Get("Authorization"); h != "Bearer sk-test-secret" {
		t.Errorf("Authorization = %q, want Bearer sk-test-secret", h)
	}
	if h := got.header.Get("Content-Type"); h != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", h)
	}
	if got.body.Model != "test-model" || got.body.MaxTokens != 200 || got.body.Temperature != 0.2 {
		t.Errorf("body model, max_tokens, temperature = %q, %d, %v, want test-model, 200, 0.2", got.body.Model, got.body.MaxTokens, got.body.Temperature)
	}
	for _, k := range []string{"model", "messages", "max_tokens", "temperature"} {
		if _, ok := got.raw[k]; !ok {
			t.Errorf("request JSON lacks %q: %v", k, got.raw)
		}
	}
	var roles []string
	for _, m := range got.body.Messages {
		roles = append(roles, m.Role)
	}
	if want := "system user assistant assistant user"; strings.Join(roles, " ") != want {
		t.Errorf("roles = %v, want %s", roles, want)
	}
	msgs := got.body.Messages
	if msgs[3].Content != "(human operator) Te escribo desde el equipo." {
		t.Errorf("operator turn = %q, want it marked as the operator's", msgs[3].Content)
	}
	if msgs[4].Content != testReq.Message {
		t.Errorf("last message = %q, want %q", msgs[4].Content, testReq.Message)
	}
	sys := msgs[0].Content
	for _, want := range []string{
		"You are an AI assistant for Tienda Aurora",
		"say that you are an AI assistant",
		"Never invent personal data",
		"[EMAIL_1]", "kept verbatim",
		"exactly UNSURE",
		"Reply in Spanish",
		"Trata al cliente de tú.",
		"[1] ¿Cuánto cuesta el envío? (shipping-costs)\nEstándar: 4,95 €.",
		"[2] Plazos (shipping-times)",
	} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q:\n%s", want, sys)
		}
	}
}

func TestReplyWithoutAPIKeySendsNoAuthorization(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeCompletion(w, "Hola", "stop") })
	p := newProvider(t, Config{BaseURL: srv.URL + "/v1"})
	r, err := p.Reply(context.Background(), agent.Request{Language: "es", Message: "hola"})
	if err != nil {
		t.Fatal(err)
	}
	if h := srv.requests()[0].header.Get("Authorization"); h != "" {
		t.Errorf("Authorization = %q, want none", h)
	}
	if r.Confidence != 0.6 || r.Sources != nil {
		t.Errorf("Reply without passages = %+v, want confidence 0.6 and no sources", r)
	}
}

func TestReplyUnsure(t *testing.T) {
	tests := []struct {
		content, finish string
		unsure          bool
	}{
		{"UNSURE", "stop", true},
		{"UNSURE.", "stop", true},
		{"\"unsure\"", "stop", true},
		{"UNSURE - the passages do not cover this.", "stop", true},
		{"", "stop", true},
		{"Some text", "content_filter", true},
		{"Unsurely we ship to Madeira.", "stop", false},
		{"I'm not unsure: we ship in 2 days.", "stop", false},
	}
	for _, tt := range tests {
		t.Run(tt.content, func(t *testing.T) {
			srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeCompletion(w, tt.content, tt.finish) })
			p := newProvider(t, Config{BaseURL: srv.URL})
			r, err := p.Reply(context.Background(), testReq)
			if err != nil {
				t.Fatal(err)
			}
			if r.Unsure != tt.unsure || (r.Unsure && (r.Text != "" || r.Confidence != 0)) {
				t.Errorf("Reply(content %q, finish %q) = %+v, want Unsure=%v with no text when unsure", tt.content, tt.finish, r, tt.unsure)
			}
		})
	}
}

func TestReplyTruncatedAnswerHasLowerConfidence(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeCompletion(w, "We ship in", "length") })
	p := newProvider(t, Config{BaseURL: srv.URL})
	r, err := p.Reply(context.Background(), testReq)
	if err != nil {
		t.Fatal(err)
	}
	if r.Confidence != 0.5 || r.Unsure {
		t.Errorf("Reply(finish length) = %+v, want confidence 0.5", r)
	}
}

func TestReplyRetries(t *testing.T) {
	tests := []struct {
		name       string
		maxRetries int
		fail       func(w http.ResponseWriter) // how failing attempts answer
		failures   int                         // failing attempts before success
		wantReqs   int
		wantErr    bool
		wantStatus int
	}{
		{"429 then ok", 2, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			writeError(w, 429, "Rate limit reached", "requests", "rate_limit_exceeded")
		}, 1, 2, false, 0},
		{"503 twice then ok", 2, func(w http.ResponseWriter) {
			writeError(w, 503, "The engine is currently overloaded", "server_error", "")
		}, 2, 3, false, 0},
		{"500 always", 2, func(w http.ResponseWriter) {
			writeError(w, 500, "internal", "server_error", "")
		}, 99, 3, true, 500},
		{"no retries", -1, func(w http.ResponseWriter) {
			writeError(w, 502, "bad gateway", "server_error", "")
		}, 99, 1, true, 502},
		{"400 not retried", 2, func(w http.ResponseWriter) {
			writeError(w, 400, "This model's maximum context length is 4096 tokens", "invalid_request_error", "context_length_exceeded")
		}, 99, 1, true, 400},
		{"401 not retried", 2, func(w http.ResponseWriter) {
			writeError(w, 401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key")
		}, 99, 1, true, 401},
		{"garbage then ok", 2, func(w http.ResponseWriter) {
			w.WriteHeader(200)
			io.WriteString(w, "<html>proxy error</html>")
		}, 1, 2, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
				if n < tt.failures {
					tt.fail(w)
					return
				}
				writeCompletion(w, "ok", "stop")
			})
			p := newProvider(t, Config{BaseURL: srv.URL, MaxRetries: tt.maxRetries})
			_, err := p.Reply(context.Background(), testReq)
			if got := len(srv.requests()); got != tt.wantReqs {
				t.Errorf("server got %d requests, want %d", got, tt.wantReqs)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("Reply error = %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr {
				return
			}
			if !errors.Is(err, agent.ErrUnavailable) {
				t.Errorf("Reply error = %v, want it to wrap agent.ErrUnavailable", err)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantStatus || apiErr.Message == "" {
				t.Errorf("Reply error = %#v, want *APIError with status %d and a message", err, tt.wantStatus)
			}
		})
	}
}

func TestReplyHonoursRetryAfter(t *testing.T) {
	srv := newFakeServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			w.Header().Set("Retry-After-Ms", "150")
			writeError(w, 429, "slow down", "requests", "rate_limit_exceeded")
			return
		}
		writeCompletion(w, "ok", "stop")
	})
	p := newProvider(t, Config{BaseURL: srv.URL})
	start := time.Now()
	if _, err := p.Reply(context.Background(), testReq); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 150*time.Millisecond {
		t.Errorf("Reply after retry-after-ms 150 took %v, want ≥ 150ms", el)
	}
}

func TestReplyGivesUpOnLongRetryAfter(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "120")
		writeError(w, 429, "quota", "insufficient_quota", "insufficient_quota")
	})
	p := newProvider(t, Config{BaseURL: srv.URL, MaxRetryWait: time.Second})
	start := time.Now()
	_, err := p.Reply(context.Background(), testReq)
	if !errors.Is(err, agent.ErrUnavailable) {
		t.Errorf("Reply error = %v, want ErrUnavailable", err)
	}
	if n := len(srv.requests()); n != 1 || time.Since(start) > 500*time.Millisecond {
		t.Errorf("Reply sent %d requests in %v, want 1 and no wait", n, time.Since(start))
	}
}

func TestReplyTimeout(t *testing.T) {
	slow := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}
	t.Run("slow then ok", func(t *testing.T) {
		srv := newFakeServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 0 {
				slow(w, r)
				return
			}
			writeCompletion(w, "ok", "stop")
		})
		// Long enough for the fast answer on a loaded machine, far below
		// the slow one's 2 s.
		p := newProvider(t, Config{BaseURL: srv.URL, Timeout: 400 * time.Millisecond})
		r, err := p.Reply(context.Background(), testReq)
		if err != nil || r.Text != "ok" {
			t.Fatalf("Reply = %+v, %v, want ok after a timed-out attempt", r, err)
		}
		if n := len(srv.requests()); n != 2 {
			t.Errorf("server got %d requests, want 2", n)
		}
	})
	t.Run("always slow", func(t *testing.T) {
		srv := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) { slow(w, r) })
		p := newProvider(t, Config{BaseURL: srv.URL, Timeout: 50 * time.Millisecond, MaxRetries: 1})
		start := time.Now()
		_, err := p.Reply(context.Background(), testReq)
		if !errors.Is(err, agent.ErrUnavailable) || !errors.Is(err, errTimeout) {
			t.Errorf("Reply error = %v, want ErrUnavailable wrapping a timeout", err)
		}
		if el := time.Since(start); el > time.Second {
			t.Errorf("Reply took %v, want about 2 × 50ms", el)
		}
	})
	t.Run("caller deadline", func(t *testing.T) {
		srv := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) { slow(w, r) })
		p := newProvider(t, Config{BaseURL: srv.URL, Timeout: time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := p.Reply(ctx, testReq)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Reply error = %v, want context.DeadlineExceeded", err)
		}
		if n := len(srv.requests()); n != 1 {
			t.Errorf("server got %d requests, want 1: no retry after the caller gave up", n)
		}
	})
}

func TestReplyCanceledDuringBackoff(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeError(w, 503, "overloaded", "server_error", "")
	})
	p := newProvider(t, Config{BaseURL: srv.URL, RetryBackoff: 10 * time.Second, MaxRetryWait: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Reply(ctx, testReq)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("Reply = %v after %v, want context.DeadlineExceeded promptly", err, time.Since(start))
	}
}

func TestReplyTokenBudgetDropsOldestHistory(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeCompletion(w, "ok", "stop") })
	var hist []agent.Turn
	for i := range 40 {
		role := agent.RoleCustomer
		if i%2 == 1 {
			role = agent.RoleAssistant
		}
		hist = append(hist, agent.Turn{Role: role, Text: fmt.Sprintf("turn %02d %s", i, strings.Repeat("x", 200))})
	}
	const contextTokens, maxTokens = 1500, 300
	p := newProvider(t, Config{BaseURL: srv.URL, ContextTokens: contextTokens, MaxTokens: maxTokens})
	req := testReq
	req.History = hist
	if _, err := p.Reply(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	msgs := srv.requests()[0].body.Messages
	total := 0
	for _, m := range msgs {
		total += estimateTokens(m.Content)
	}
	if total > contextTokens-maxTokens {
		t.Errorf("prompt estimate = %d tokens, want ≤ %d", total, contextTokens-maxTokens)
	}
	kept := msgs[1 : len(msgs)-1]
	if len(kept) == 0 || len(kept) >= len(hist) {
		t.Fatalf("kept %d of %d history turns, want some but not all", len(kept), len(hist))
	}
	// The newest turns are kept, in order, ending with the last one.
	for i, m := range kept {
		want := hist[len(hist)-len(kept)+i].Text
		if m.Content != want {
			t.Errorf("kept[%d] = %.10q…, want %.10q…", i, m.Content, want)
		}
	}
	if msgs[len(msgs)-1].Content != req.Message {
		t.Errorf("last message = %q, want the customer's new message", msgs[len(msgs)-1].Content)
	}
}

func TestReplyTokenBudgetDropsPassagesLast(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) { writeCompletion(w, "ok", "stop") })
	big := strings.Repeat("y", 1200) // ≈ 300 tokens each
	p := newProvider(t, Config{
		BaseURL: srv.URL, ContextTokens: 1300, MaxTokens: 300,
		Retriever: retrieverFunc(func(string, string, int) []agent.Passage {
			return []agent.Passage{{ArticleID: "a", Text: big}, {ArticleID: "b", Text: big}, {ArticleID: "c", Text: big}}
		}),
	})
	r, err := p.Reply(context.Background(), agent.Request{Language: "en", Message: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(r.Sources) != "[a b]" {
		t.Errorf("Reply sources = %v, want [a b]: the lowest-ranked passage dropped to fit", r.Sources)
	}
	// Instructions alone too big: an error, not a silent truncation.
	req := agent.Request{Language: "en", Message: "hi", Instructions: strings.Repeat("z", 8000)}
	if _, err := p.Reply(context.Background(), req); !errors.Is(err, agent.ErrUnavailable) || !strings.Contains(err.Error(), "budget") {
		t.Errorf("Reply(huge instructions) error = %v, want a budget error wrapping ErrUnavailable", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestParseAPIError(t *testing.T) {
	tests := []struct {
		name string
		body string
		want APIError
	}{
		{"openai", `{"error":{"message":"Rate limit","type":"requests","param":null,"code":"rate_limit_exceeded"}}`,
			APIError{429, "requests", "rate_limit_exceeded", "Rate limit"}},
		{"llama.cpp numeric code", `{"error":{"code":500,"message":"boom","type":"server_error"}}`,
			APIError{429, "server_error", "500", "boom"}},
		{"null code", `{"error":{"message":"m","type":"t","code":null}}`, APIError{429, "t", "", "m"}},
		{"ollama string", `{"error":"model \"x\" not found, try pulling it first"}`,
			APIError{429, "", "", `model "x" not found, try pulling it first`}},
		{"not json", `<html>oops</html>`, APIError{429, "", "", "Too Many Requests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseAPIError(429, []byte(tt.body)); *got != tt.want {
				t.Errorf("parseAPIError(%s) = %+v, want %+v", tt.body, *got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name, key, value string
		want             time.Duration
	}{
		{"seconds", "Retry-After", "3", 3 * time.Second},
		{"date", "Retry-After", now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{"past date", "Retry-After", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"ms", "Retry-After-Ms", "250", 250 * time.Millisecond},
		{"junk", "Retry-After", "soon", 0},
		{"none", "X", "1", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			h.Set(tt.key, tt.value)
			if got := retryAfter(h, now); got != tt.want {
				t.Errorf("retryAfter(%s: %s) = %v, want %v", tt.key, tt.value, got, tt.want)
			}
		})
	}
}

func TestAPIKeyNeverLogged(t *testing.T) {
	const key = "sk-live-DO-NOT-LOG-1234"
	srv := newFakeServer(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			writeError(w, 500, "internal", "server_error", "")
			return
		}
		writeCompletion(w, "ok", "stop")
	})
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := Config{BaseURL: srv.URL, APIKey: key, Logger: log}
	p := newProvider(t, cfg)
	if _, err := p.Reply(context.Background(), testReq); err != nil {
		t.Fatal(err)
	}
	log.Info("config", slog.Any("openai", cfg))
	out := buf.String()
	if strings.Contains(out, key) || strings.Contains(out, testReq.Message) {
		t.Errorf("log contains the API key or the message:\n%s", out)
	}
	if !strings.Contains(out, `"api_key":"[set]"`) || !strings.Contains(out, "openai: retrying") {
		t.Errorf("log lacks the redacted config or the retry line:\n%s", out)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no base", Config{Model: "m"}, "BaseURL is required"},
		{"relative", Config{BaseURL: "localhost:11434/v1", Model: "m"}, "absolute"},
		{"ftp", Config{BaseURL: "ftp://host/v1", Model: "m"}, "absolute"},
		{"credentials", Config{BaseURL: "http://u:p@host/v1", Model: "m"}, "credentials"},
		{"no model", Config{BaseURL: "http://host/v1"}, "Model is required"},
		{"budget", Config{BaseURL: "http://host/v1", Model: "m", ContextTokens: 500, MaxTokens: 400}, "ContextTokens"},
		{"temperature", Config{BaseURL: "http://host/v1", Model: "m", Temperature: 3}, "Temperature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(%s) error = %v, want one mentioning %q", tt.name, err, tt.want)
			}
		})
	}
}

// TestReplyPromptFollowsTheLatestMessage checks the prompt the issue asks
// for: the latest message's language, titled passages, a short history, and
// a follow-up found with the previous question.
func TestReplyPromptFollowsTheLatestMessage(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeCompletion(w, "It takes 4–7 working days to the Azores.", "stop")
	})
	var queries []string
	p := newProvider(t, Config{BaseURL: srv.URL + "/v1", HistoryTurns: 2,
		Retriever: retrieverFunc(func(q, lang string, k int) []agent.Passage {
			queries = append(queries, q)
			if !strings.Contains(q, "shipping") {
				return nil
			}
			return []agent.Passage{{ArticleID: "shipping-times", Title: "Delivery times", Lang: lang, Text: "Azores: 4–7 working days."}}
		})})
	req := agent.Request{Language: "en", BusinessName: "Tienda Aurora", Message: "and to the Azores?", History: []agent.Turn{
		{Role: agent.RoleCustomer, Text: "hola, ¿tenéis tienda en Madrid?"},
		{Role: agent.RoleAssistant, Text: "Sí, en la Calle de la Aurora 12."},
		{Role: agent.RoleCustomer, Text: "how long does shipping take to Madeira?"},
		{Role: agent.RoleAssistant, Text: "4–7 working days."},
	}}
	r, err := p.Reply(context.Background(), req)
	if err != nil || r.Unsure || len(r.Sources) != 1 {
		t.Fatalf("Reply = %+v, %v; want an answer from shipping-times", r, err)
	}
	if len(queries) != 2 || !strings.Contains(queries[1], "Madeira") {
		t.Errorf("retrieval queries = %q, want the follow-up searched again with the previous question", queries)
	}
	msgs := srv.requests()[0].body.Messages
	if len(msgs) != 4 { // system, the last two turns, the message
		t.Errorf("prompt has %d messages, want system + 2 history turns + the message", len(msgs))
	}
	for _, m := range msgs {
		if strings.Contains(m.Content, "tienda en Madrid") {
			t.Errorf("an old turn beyond HistoryTurns reached the model: %q", m.Content)
		}
	}
	sys := msgs[0].Content
	for _, want := range []string{"Reply in English", "English is the language of the customer's latest message", "[1] Delivery times (shipping-times)", "exactly UNSURE"} {
		if !strings.Contains(sys, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
}

// A swipe-reply reaches the model with the message it quotes, in the user
// turn, and a short one is searched together with the quote rather than
// with the customer's previous question.
func TestReplyPromptCarriesTheQuotedMessage(t *testing.T) {
	srv := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeCompletion(w, "Express delivery is next working day.", "stop")
	})
	var queries []string
	p := newProvider(t, Config{BaseURL: srv.URL + "/v1", HistoryTurns: 4,
		Retriever: retrieverFunc(func(q, lang string, k int) []agent.Passage {
			queries = append(queries, q)
			if !strings.Contains(q, "Express") {
				return nil
			}
			return []agent.Passage{{ArticleID: "shipping-times", Title: "Delivery times", Lang: lang, Text: "Express: next working day."}}
		})})
	req := agent.Request{Language: "en", Message: "what about this one?", Quoted: "Express (mainland only): next working day.", History: []agent.Turn{
		{Role: agent.RoleCustomer, Text: "how can I pay?"},
		{Role: agent.RoleAssistant, Text: "Visa, Mastercard or PayPal."},
	}}
	if r, err := p.Reply(context.Background(), req); err != nil || r.Unsure {
		t.Fatalf("Reply = %+v, %v", r, err)
	}
	if len(queries) != 2 || !strings.Contains(queries[1], "Express") || strings.Contains(queries[1], "pay") {
		t.Errorf("retrieval queries = %q, want the reply searched with the message it quotes", queries)
	}
	msgs := srv.requests()[0].body.Messages
	last := msgs[len(msgs)-1]
	if last.Role != "user" || !strings.Contains(last.Content, `"Express (mainland only): next working day."`) || !strings.HasSuffix(last.Content, "what about this one?") {
		t.Errorf("user turn = %+v, want the quote then the message", last)
	}
	if strings.Contains(msgs[0].Content, "Express (mainland") {
		t.Error("the quote reached the system prompt, want it in the user turn only")
	}
}
