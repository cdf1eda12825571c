package whatsapp

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// Test vector computed independently:
//
//	printf '%s' '{"object":"whatsapp_business_account","entry":[]}' |
//	  openssl dgst -sha256 -hmac 'test-app-secret'
const (
	vectorSecret = "test-app-secret"
	vectorBody   = `{"object":"whatsapp_business_account","entry":[]}`
	vectorHeader = "sha256=c84a394cc475525991e78ff16e430b02e47f953877d2af0ade26956ce6f384dc"
)

func TestSignVector(t *testing.T) {
	if got := Sign([]byte(vectorSecret), []byte(vectorBody)); got != vectorHeader {
		t.Errorf("Sign() = %q, want %q", got, vectorHeader)
	}
	if err := VerifySignature(vectorHeader, []byte(vectorBody), []byte(vectorSecret)); err != nil {
		t.Errorf("VerifySignature(vector) = %v, want nil", err)
	}
}

func TestVerifySignature(t *testing.T) {
	secret := []byte(vectorSecret)
	body := []byte(vectorBody)
	good := Sign(secret, body)
	hexPart := strings.TrimPrefix(good, "sha256=")
	changed := []byte(vectorBody)
	changed[10] ^= 0x01

	tests := []struct {
		name    string
		header  string
		body    []byte
		secrets [][]byte
		want    error
	}{
		{name: "valid", header: good, body: body, secrets: [][]byte{secret}},
		{name: "uppercase hex", header: "sha256=" + strings.ToUpper(hexPart), body: body, secrets: [][]byte{secret}},
		{name: "missing", header: "", body: body, secrets: [][]byte{secret}, want: ErrSignatureMissing},
		{name: "no prefix", header: hexPart, body: body, secrets: [][]byte{secret}, want: ErrSignatureMalformed},
		{name: "wrong prefix", header: "sha1=" + hexPart, body: body, secrets: [][]byte{secret}, want: ErrSignatureMalformed},
		{name: "uppercase prefix", header: "SHA256=" + hexPart, body: body, secrets: [][]byte{secret}, want: ErrSignatureMalformed},
		{name: "bad hex", header: "sha256=" + strings.Repeat("zz", 32), body: body, secrets: [][]byte{secret}, want: ErrSignatureMalformed},
		{name: "odd hex", header: good[:len(good)-1], body: body, secrets: [][]byte{secret}, want: ErrSignatureMalformed},
		{name: "short", header: "sha256=" + hexPart[:62], body: body, secrets: [][]byte{secret}, want: ErrSignatureMalformed},
		{name: "long", header: good + "00", body: body, secrets: [][]byte{secret}, want: ErrSignatureMalformed},
		{name: "empty mac", header: "sha256=", body: body, secrets: [][]byte{secret}, want: ErrSignatureMalformed},
		{name: "wrong secret", header: good, body: body, secrets: [][]byte{[]byte("other-secret")}, want: ErrSignatureMismatch},
		{name: "one body byte changed", header: good, body: changed, secrets: [][]byte{secret}, want: ErrSignatureMismatch},
		{name: "no secrets", header: good, body: body, want: ErrSignatureMismatch},
		{name: "only empty secret", header: Sign(nil, body), body: body, secrets: [][]byte{nil}, want: ErrSignatureMismatch},
		{name: "rotation: new secret first", header: good, body: body, secrets: [][]byte{[]byte("new-secret"), secret}},
		{name: "rotation: old secret first", header: Sign([]byte("new-secret"), body), body: body, secrets: [][]byte{secret, []byte("new-secret")}},
		{name: "rotation: neither", header: Sign([]byte("third"), body), body: body, secrets: [][]byte{secret, []byte("new-secret")}, want: ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignature(tt.header, tt.body, tt.secrets...)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifySignature(%q) = %v, want nil", tt.header, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifySignature(%q) = %v, want %v", tt.header, err, tt.want)
			}
		})
	}
}

func TestVerifySignatureSentinelsDistinct(t *testing.T) {
	all := []error{ErrSignatureMissing, ErrSignatureMalformed, ErrSignatureMismatch}
	for i, a := range all {
		for j, b := range all {
			if i != j && errors.Is(a, b) {
				t.Errorf("errors.Is(%v, %v) = true, want false", a, b)
			}
		}
	}
}

// TestVerifySignatureEscapedUnicode checks that the MAC is over the raw
// bytes: Meta's escaped form and the decoded, re-serialised form differ.
func TestVerifySignatureEscapedUnicode(t *testing.T) {
	raw := readFixture(t, "text_escaped_unicode")
	secret := []byte("s3cr3t")
	header := Sign(secret, raw)
	if err := VerifySignature(header, raw, secret); err != nil {
		t.Fatalf("VerifySignature(raw escaped body) = %v, want nil", err)
	}
	n, err := ParseNotification(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Events().Messages[0].Summary(); !strings.Contains(got, "¿Tenéis la talla 42/43?") {
		t.Fatalf("Summary() = %q, want the decoded accents and slash", got)
	}
	// The same content unescaped: other bytes, so the header must not match.
	unescaped := strings.NewReplacer(`\u00bf`, "¿", `\u00e9`, "é", `\/`, "/").Replace(string(raw))
	if unescaped == string(raw) {
		t.Fatal("fixture has no escapes to undo")
	}
	if err := VerifySignature(header, []byte(unescaped), secret); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("VerifySignature(unescaped body) = %v, want %v", err, ErrSignatureMismatch)
	}
	// And accented raw UTF-8 bodies verify when signed as they are.
	utf8Body := []byte(`{"text":{"body":"¿Qué tal? Ärger 😮 a/b"}}`)
	if err := VerifySignature(Sign(secret, utf8Body), utf8Body, secret); err != nil {
		t.Errorf("VerifySignature(raw UTF-8 body) = %v, want nil", err)
	}
}

func TestVerifyChallenge(t *testing.T) {
	q := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name   string
		query  url.Values
		token  string
		want   string
		wantOK bool
	}{
		{name: "valid", query: q("hub.mode", "subscribe", "hub.challenge", "1158201444", "hub.verify_token", "vibecoding"), token: "vibecoding", want: "1158201444", wantOK: true},
		{name: "challenge echoed as is", query: q("hub.mode", "subscribe", "hub.challenge", "abc 123", "hub.verify_token", "vibecoding"), token: "vibecoding", want: "abc 123", wantOK: true},
		{name: "wrong token", query: q("hub.mode", "subscribe", "hub.challenge", "1", "hub.verify_token", "vibecodinG"), token: "vibecoding"},
		{name: "token prefix", query: q("hub.mode", "subscribe", "hub.challenge", "1", "hub.verify_token", "vibe"), token: "vibecoding"},
		{name: "missing token", query: q("hub.mode", "subscribe", "hub.challenge", "1"), token: "vibecoding"},
		{name: "wrong mode", query: q("hub.mode", "unsubscribe", "hub.challenge", "1", "hub.verify_token", "vibecoding"), token: "vibecoding"},
		{name: "missing mode", query: q("hub.challenge", "1", "hub.verify_token", "vibecoding"), token: "vibecoding"},
		{name: "missing challenge", query: q("hub.mode", "subscribe", "hub.verify_token", "vibecoding"), token: "vibecoding"},
		{name: "unconfigured token never matches", query: q("hub.mode", "subscribe", "hub.challenge", "1", "hub.verify_token", ""), token: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := VerifyChallenge(tt.query, tt.token)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("VerifyChallenge(%v) = %q, %v; want %q, %v", tt.query, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
