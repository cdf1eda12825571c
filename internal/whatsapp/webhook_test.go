package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestWebhook(t *testing.T) {
	secret := []byte("app-secret")
	body := readFixture(t, "text_escaped_unicode")
	var (
		mu       sync.Mutex
		accepted [][]byte
		failNext bool
	)
	wh, err := NewWebhook(WebhookConfig{
		VerifyToken: "vibecoding",
		AppSecrets:  [][]byte{[]byte("old-secret"), secret},
		Accept: func(_ context.Context, raw []byte) error {
			mu.Lock()
			defer mu.Unlock()
			if failNext {
				failNext = false
				return errors.New("disk full")
			}
			accepted = append(accepted, raw)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wh)
	t.Cleanup(srv.Close)

	tests := []struct {
		name       string
		method     string
		query      string
		body       []byte
		sig        string
		failAccept bool
		wantStatus int
		wantBody   string
		wantStored bool
	}{
		{name: "handshake", method: "GET", query: "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=vibecoding", wantStatus: 200, wantBody: "1158201444"},
		{name: "handshake wrong token", method: "GET", query: "?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=nope", wantStatus: 403},
		{name: "signed post", method: "POST", body: body, sig: Sign(secret, body), wantStatus: 200, wantStored: true},
		{name: "unsigned post", method: "POST", body: body, wantStatus: 401},
		{name: "wrong secret", method: "POST", body: body, sig: Sign([]byte("attacker"), body), wantStatus: 401},
		{name: "accept fails so Meta retries", method: "POST", body: body, sig: Sign(secret, body), failAccept: true, wantStatus: 500},
		{name: "put", method: "PUT", wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			before := len(accepted)
			failNext = tt.failAccept
			mu.Unlock()
			req, _ := http.NewRequest(tt.method, srv.URL+"/webhook"+tt.query, bytes.NewReader(tt.body))
			if tt.sig != "" {
				req.Header.Set("x-hub-signature-256", tt.sig) // any case
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s status = %d, want %d", tt.method, resp.StatusCode, tt.wantStatus)
			}
			if tt.wantBody != "" && (string(got) != tt.wantBody || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain")) {
				t.Errorf("body = %q (%s), want %q as text/plain", got, resp.Header.Get("Content-Type"), tt.wantBody)
			}
			mu.Lock()
			stored := len(accepted) > before
			var last []byte
			if stored {
				last = accepted[len(accepted)-1]
			}
			mu.Unlock()
			if stored != tt.wantStored {
				t.Fatalf("stored = %v, want %v", stored, tt.wantStored)
			}
			if stored && !bytes.Equal(last, tt.body) {
				t.Errorf("stored body differs from the raw bytes sent")
			}
		})
	}
}

func TestWebhookTooLarge(t *testing.T) {
	wh, err := NewWebhook(WebhookConfig{VerifyToken: "t", AppSecrets: [][]byte{[]byte("s")}, Accept: func(context.Context, []byte) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	wh.ServeHTTP(rec, httptest.NewRequest("POST", "/webhook", bytes.NewReader(make([]byte, MaxBodyBytes+1))))
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST %d bytes status = %d, want %d", MaxBodyBytes+1, rec.Code, http.StatusRequestEntityTooLarge)
	}
}

func TestNewWebhookConfig(t *testing.T) {
	accept := func(context.Context, []byte) error { return nil }
	tests := []struct {
		name string
		cfg  WebhookConfig
	}{
		{name: "no token", cfg: WebhookConfig{AppSecrets: [][]byte{[]byte("s")}, Accept: accept}},
		{name: "no secret", cfg: WebhookConfig{VerifyToken: "t", AppSecrets: [][]byte{nil}, Accept: accept}},
		{name: "no accept", cfg: WebhookConfig{VerifyToken: "t", AppSecrets: [][]byte{[]byte("s")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewWebhook(tt.cfg); err == nil {
				t.Errorf("NewWebhook(%s) error = nil, want an error", tt.name)
			}
		})
	}
}

// TestWebhookMemoryBudget replays the attack: many concurrent large
// unsigned posts whose bodies trickle in. Only as many as the budget holds
// are read at once; the others are answered 503 with Retry-After before a
// byte of their body was even sent, and the budget frees up as reads end.
func TestWebhookMemoryBudget(t *testing.T) {
	const size, budget, posts = 1 << 20, 3 << 20, 8
	var busyCalls atomic.Int64
	wh, err := NewWebhook(WebhookConfig{VerifyToken: "t", AppSecrets: [][]byte{[]byte("s")}, MaxBytes: 2 << 20, MemoryBudget: budget,
		Accept: func(context.Context, []byte) error { return nil },
		Rejected: func(_ *http.Request, reason string) {
			if reason == "busy" {
				busyCalls.Add(1)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wh)
	t.Cleanup(srv.Close)

	type answer struct {
		status     int
		retryAfter string
	}
	answers := make(chan answer, posts)
	writers := make([]*io.PipeWriter, posts)
	for i := range posts {
		pr, pw := io.Pipe() // nothing is written until the end
		writers[i] = pw
		req, _ := http.NewRequest("POST", srv.URL, pr)
		req.ContentLength = size
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				answers <- answer{status: -1}
				return
			}
			resp.Body.Close()
			answers <- answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
		}()
	}
	// Three bodies fit the budget and wait to be sent; the other five are
	// answered meanwhile.
	for range posts - 3 {
		select {
		case a := <-answers:
			if a.status != http.StatusServiceUnavailable || a.retryAfter != "1" {
				t.Errorf("post over the budget = %d (Retry-After %q), want 503 with Retry-After 1", a.status, a.retryAfter)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("posts over the memory budget were not answered while the admitted ones were read")
		}
	}
	if held := wh.Held(); held != budget {
		t.Errorf("bytes held while three 1 MiB bodies are read = %d, want %d", held, budget)
	}
	chunk := make([]byte, 64<<10)
	for _, pw := range writers {
		go func() {
			for sent := 0; sent < size; sent += len(chunk) {
				if _, err := pw.Write(chunk); err != nil {
					return
				}
			}
			pw.Close()
		}()
	}
	for range 3 {
		if a := <-answers; a.status != http.StatusUnauthorized {
			t.Errorf("an admitted unsigned post = %d, want 401 once read", a.status)
		}
	}
	if held := wh.Held(); held != 0 {
		t.Errorf("bytes held after every post was answered = %d, want 0", held)
	}
	if n := busyCalls.Load(); n != posts-3 {
		t.Errorf("Rejected(busy) calls = %d, want %d", n, posts-3)
	}
	// The budget is free again: a signed post is accepted.
	rec := httptest.NewRecorder()
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	req := httptest.NewRequest("POST", "/webhook", bytes.NewReader(body))
	req.Header.Set(SignatureHeader, Sign([]byte("s"), body))
	wh.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("signed post after the burst = %d, want 200", rec.Code)
	}
}
