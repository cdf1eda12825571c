package whatsapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// SignatureHeader carries the HMAC-SHA256 of the raw webhook body.
const SignatureHeader = "X-Hub-Signature-256"

const signaturePrefix = "sha256="

// Signature errors. Each means "do not process; reply 401".
var (
	ErrSignatureMissing   = errors.New("whatsapp: signature header missing")
	ErrSignatureMalformed = errors.New("whatsapp: signature header malformed")
	ErrSignatureMismatch  = errors.New("whatsapp: signature mismatch")
)

// VerifySignature checks an X-Hub-Signature-256 header against the raw
// request body (spec §1.3). The MAC is computed over body exactly as
// received: never over re-serialised JSON, which changes escaped unicode.
//
// Each of secrets (app secrets) is tried in turn, so an endpoint can serve
// several apps or rotate a secret. Empty secrets are skipped.
//
// It returns nil, or ErrSignatureMissing (empty header),
// ErrSignatureMalformed (no "sha256=" prefix, bad hex, or not 32 bytes), or
// ErrSignatureMismatch (no secret matched, or no usable secret given).
func VerifySignature(header string, body []byte, secrets ...[]byte) error {
	if header == "" {
		return ErrSignatureMissing
	}
	hexMAC, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return fmt.Errorf("%w: want prefix %q", ErrSignatureMalformed, signaturePrefix)
	}
	got, err := hex.DecodeString(hexMAC)
	if err != nil {
		return fmt.Errorf("%w: not hex", ErrSignatureMalformed)
	}
	if len(got) != sha256.Size {
		return fmt.Errorf("%w: %d bytes, want %d", ErrSignatureMalformed, len(got), sha256.Size)
	}
	tried := 0
	for _, secret := range secrets {
		if len(secret) == 0 {
			continue
		}
		tried++
		if hmac.Equal(mac(secret, body), got) {
			return nil
		}
	}
	if tried == 0 {
		return fmt.Errorf("%w: no app secret configured", ErrSignatureMismatch)
	}
	return ErrSignatureMismatch
}

// Sign returns the X-Hub-Signature-256 value Meta would send for body.
func Sign(secret, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, body))
}

func mac(secret, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write(body)
	return h.Sum(nil)
}

// VerifyChallenge answers Meta's GET verification handshake (spec §1.1).
// It returns the hub.challenge to echo as a plain-text 200, and ok=false
// (reply 403) unless hub.mode is "subscribe", verifyToken is non-empty and
// equals hub.verify_token, and a challenge is present. The token comparison
// takes the same time whatever the tokens' contents and lengths.
func VerifyChallenge(query url.Values, verifyToken string) (challenge string, ok bool) {
	if verifyToken == "" || query.Get("hub.mode") != "subscribe" {
		return "", false
	}
	// Hashing first makes the comparison constant-time even when the
	// lengths differ.
	want := sha256.Sum256([]byte(verifyToken))
	got := sha256.Sum256([]byte(query.Get("hub.verify_token")))
	if !hmac.Equal(want[:], got[:]) {
		return "", false
	}
	challenge = query.Get("hub.challenge")
	if challenge == "" {
		return "", false
	}
	return challenge, true
}
