package channel

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/trement/trement/internal/whatsapp"
)

// WebhookConfig configures the Callback URL handler.
type WebhookConfig struct {
	VerifyToken string
	AppSecrets  [][]byte // current first; the previous one during rotation
	MaxBytes    int64
	// Accept makes the raw body durable; the 200 is sent only after it
	// returns nil.
	Accept func(ctx context.Context, raw []byte) error
	// Rejected is told about every refused request (a metric and an audit
	// event). reason is "signature_missing", "signature_malformed",
	// "signature_mismatch", "too_large", "read_error" or "verify_token".
	Rejected func(r *http.Request, reason string)
	Logger   *slog.Logger
}

// Webhook answers Meta's verification handshake and accepts signed
// notifications: the raw body is read once under a size limit, its HMAC
// checked in constant time, committed, and only then acknowledged.
func Webhook(cfg WebhookConfig) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		switch r.Method {
		case http.MethodGet:
			challenge, ok := whatsapp.VerifyChallenge(r.URL.Query(), cfg.VerifyToken)
			if !ok {
				cfg.Rejected(r, "verify_token")
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, challenge)
		case http.MethodPost:
			raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, cfg.MaxBytes))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					cfg.Rejected(r, "too_large")
					http.Error(w, "payload too large", http.StatusRequestEntityTooLarge)
					return
				}
				cfg.Rejected(r, "read_error")
				http.Error(w, "bad request", http.StatusBadRequest)
				return
			}
			if err := whatsapp.VerifySignature(r.Header.Get(whatsapp.SignatureHeader), raw, cfg.AppSecrets...); err != nil {
				reason := "signature_mismatch"
				switch {
				case errors.Is(err, whatsapp.ErrSignatureMissing):
					reason = "signature_missing"
				case errors.Is(err, whatsapp.ErrSignatureMalformed):
					reason = "signature_malformed"
				}
				cfg.Rejected(r, reason)
				http.Error(w, "invalid signature", http.StatusUnauthorized)
				return
			}
			if err := cfg.Accept(r.Context(), raw); err != nil {
				cfg.Logger.Error("webhook not stored; answering 500 so Meta redelivers", "error", err)
				http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
				return
			}
			w.WriteHeader(http.StatusOK)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}
