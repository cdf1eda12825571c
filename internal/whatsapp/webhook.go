package whatsapp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// WebhookConfig configures a Webhook.
type WebhookConfig struct {
	// VerifyToken answers the GET handshake. Required.
	VerifyToken string
	// AppSecrets verify X-Hub-Signature-256; each is tried in turn. At
	// least one is required.
	AppSecrets [][]byte
	// Accept persists or enqueues a verified raw body. It must be fast
	// (Meta wants a median under 250 ms); parse and process later with
	// ParseNotification. An error makes the webhook reply 500 so that Meta
	// redelivers. Required.
	Accept func(ctx context.Context, raw []byte) error
	// MaxBytes caps the body (413 past it). Zero means MaxBodyBytes.
	MaxBytes int64
	// MemoryBudget caps the bytes of bodies held at once, from the first
	// byte read until Accept returns: each POST reserves its declared
	// Content-Length (MaxBytes when it declares none) before reading, and
	// one that does not fit gets 503 with Retry-After, unread. Zero means
	// 16 × MaxBytes; a budget below MaxBytes is raised to it.
	MemoryBudget int64
	// RetryAfter is the Retry-After of a 503 for a full budget. Zero means
	// 1 s.
	RetryAfter time.Duration
	// Rejected, if set, is told about every refused request (for a metric
	// and an audit event). reason is "verify_token", "too_large", "busy",
	// "read_error", "signature_missing", "signature_malformed" or
	// "signature_mismatch".
	Rejected func(r *http.Request, reason string)
	// Logger defaults to a logger that discards.
	Logger *slog.Logger
}

// Webhook is the http.Handler for the Callback URL: GET answers the
// verification handshake, POST verifies the signature over the raw body and
// hands the body to Accept before replying 200.
type Webhook struct {
	cfg WebhookConfig
	log *slog.Logger

	mu   sync.Mutex
	held int64 // body bytes reserved by requests in progress
}

// NewWebhook checks cfg and returns the handler.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	if cfg.VerifyToken == "" {
		return nil, errors.New("whatsapp: new webhook: verify token is required")
	}
	usable := 0
	for _, s := range cfg.AppSecrets {
		if len(s) > 0 {
			usable++
		}
	}
	if usable == 0 {
		return nil, errors.New("whatsapp: new webhook: an app secret is required")
	}
	if cfg.Accept == nil {
		return nil, errors.New("whatsapp: new webhook: accept func is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = MaxBodyBytes
	}
	if cfg.MemoryBudget <= 0 {
		cfg.MemoryBudget = 16 * cfg.MaxBytes
	}
	cfg.MemoryBudget = max(cfg.MemoryBudget, cfg.MaxBytes)
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Second
	}
	if cfg.Rejected == nil {
		cfg.Rejected = func(*http.Request, string) {}
	}
	return &Webhook{cfg: cfg, log: log}, nil
}

// reserve takes n bytes of the memory budget, or reports that they do not
// fit now.
func (wh *Webhook) reserve(n int64) bool {
	wh.mu.Lock()
	defer wh.mu.Unlock()
	if wh.held+n > wh.cfg.MemoryBudget {
		return false
	}
	wh.held += n
	return true
}

func (wh *Webhook) release(n int64) {
	wh.mu.Lock()
	wh.held -= n
	wh.mu.Unlock()
}

// Held returns the body bytes reserved by requests in progress.
func (wh *Webhook) Held() int64 {
	wh.mu.Lock()
	defer wh.mu.Unlock()
	return wh.held
}

// ServeHTTP implements http.Handler.
func (wh *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch r.Method {
	case http.MethodGet:
		challenge, ok := VerifyChallenge(r.URL.Query(), wh.cfg.VerifyToken)
		if !ok {
			wh.cfg.Rejected(r, "verify_token")
			wh.log.Warn("whatsapp: webhook verification refused")
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, challenge)
	case http.MethodPost:
		wh.post(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// post reads, verifies and accepts a notification within the memory
// budget.
func (wh *Webhook) post(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > wh.cfg.MaxBytes {
		wh.cfg.Rejected(r, "too_large")
		wh.log.Warn("whatsapp: webhook body too large", slog.Int64("limit", wh.cfg.MaxBytes))
		w.Header().Set("Connection", "close") // do not read what was refused
		http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
		return
	}
	size := r.ContentLength
	if size < 0 {
		size = wh.cfg.MaxBytes // chunked: it may use all of it
	}
	size = max(size, 1)
	if !wh.reserve(size) {
		wh.cfg.Rejected(r, "busy")
		wh.log.Warn("whatsapp: webhook memory budget full", slog.Int64("budget", wh.cfg.MemoryBudget))
		w.Header().Set("Retry-After", strconv.Itoa(max(int(math.Ceil(wh.cfg.RetryAfter.Seconds())), 1)))
		w.Header().Set("Connection", "close")
		http.Error(w, "busy, retry later", http.StatusServiceUnavailable)
		return
	}
	defer wh.release(size)
	raw, err := readBody(http.MaxBytesReader(w, r.Body, wh.cfg.MaxBytes), r.ContentLength)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			wh.cfg.Rejected(r, "too_large")
			wh.log.Warn("whatsapp: webhook body too large", slog.Int64("limit", tooBig.Limit))
			http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
			return
		}
		wh.cfg.Rejected(r, "read_error")
		wh.log.Warn("whatsapp: webhook read body", slog.String("error", err.Error()))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if err := VerifySignature(r.Header.Get(SignatureHeader), raw, wh.cfg.AppSecrets...); err != nil {
		reason := "signature_mismatch"
		switch {
		case errors.Is(err, ErrSignatureMissing):
			reason = "signature_missing"
		case errors.Is(err, ErrSignatureMalformed):
			reason = "signature_malformed"
		}
		wh.cfg.Rejected(r, reason)
		wh.log.Warn("whatsapp: webhook signature rejected", slog.String("error", err.Error()))
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if err := wh.cfg.Accept(r.Context(), raw); err != nil {
		wh.log.Error("whatsapp: webhook accept", slog.String("error", err.Error()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// readBody reads a body into one buffer of its declared length, so that
// what is held is what was reserved (io.ReadAll's doubling would hold up
// to twice as much).
func readBody(r io.Reader, declared int64) ([]byte, error) {
	if declared < 0 {
		return io.ReadAll(r)
	}
	buf := make([]byte, declared)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}
