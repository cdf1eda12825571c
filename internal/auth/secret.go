package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters (RFC 6238 as every authenticator app implements it).
const (
	totpPeriod = 30 // seconds per step
	totpSkew   = 1  // steps accepted either side of now
	totpDigits = otp.DigitsSix
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: totpSkew, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

// totpStep is the RFC 6238 time step of t.
func totpStep(t time.Time) int64 { return t.Unix() / totpPeriod }

// matchTOTP returns the time step whose code equals code, trying now's
// step and one either side (±30 s of clock skew). Codes are compared in
// constant time and every candidate is computed, so timing does not say
// which step matched.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != totpDigits.Length() || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	cur := totpStep(now)
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, ok = s, true
		}
	}
	return step, ok
}

// Enrolment is what an operator needs to add trement to an authenticator
// app. It is shown once: asking again makes a new secret.
type Enrolment struct {
	Secret    string // base32, for typing in
	URL       string // otpauth:// URL
	QRDataURL string // data:image/png;base64,… of the URL as a QR code
}

func newEnrolment(issuer, account string) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod,
		SecretSize: 20, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("auth: totp key: %w", err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return nil, fmt.Errorf("auth: totp qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("auth: totp qr: %w", err)
	}
	return &Enrolment{Secret: key.Secret(), URL: key.URL(),
		QRDataURL: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// randomToken returns n random bytes as unpadded base64url.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: system random source failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is how session and API tokens are stored and looked up:
// SHA-256 of the token. Tokens carry 256 random bits, so a plain hash is
// enough; a database leak gives no usable token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// TokenPrefix starts every API token, so secret scanners can spot leaks.
const TokenPrefix = "trm_"

func newSessionToken() string { return randomToken(32) }
func newAPIToken() string     { return TokenPrefix + randomToken(32) }

// Recovery codes: RecoveryCodes codes of 16 characters from a 31-letter
// alphabet without look-alikes (about 79 bits each), shown as
// xxxx-xxxx-xxxx-xxxx, stored as SHA-256 of the normalised code.
const (
	RecoveryCodes   = 10
	recoveryLen     = 16
	recoveryLetters = "abcdefghjkmnpqrstuvwxyz23456789"
)

func newRecoveryCode() string {
	var b strings.Builder
	buf := make([]byte, 1)
	for i := 0; b.Len() < recoveryLen+recoveryLen/4-1; {
		if _, err := rand.Read(buf); err != nil {
			panic("auth: system random source failed: " + err.Error())
		}
		// Rejection sampling keeps the letters uniform.
		if int(buf[0]) >= 256/len(recoveryLetters)*len(recoveryLetters) {
			continue
		}
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(recoveryLetters[int(buf[0])%len(recoveryLetters)])
		i++
	}
	return b.String()
}

// hashRecoveryCode normalises (case, dashes, spaces) and hashes a code.
func hashRecoveryCode(code string) []byte {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	h := sha256.Sum256([]byte("trement/recovery-code/v1|" + code))
	return h[:]
}
