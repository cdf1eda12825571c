package whatsapp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
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
	// Rejected, if set, is told about every refused request (for a metric
	// and an audit event). reason is "verify_token", "too_large",
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
	if cfg.Rejected == nil {
		cfg.Rejected = func(*http.Request, string) {}
	}
	return &Webhook{cfg: cfg, log: log}, nil
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
		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wh.cfg.MaxBytes))
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
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
