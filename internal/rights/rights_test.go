package rights

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/policy"
)

func TestDue(t *testing.T) {
	eng, err := policy.New(policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2027, time.January, 25, 12, 0, 0, 0, time.UTC) // a Monday
	d := func(month time.Month, day int) time.Time { return time.Date(2027, month, day, 12, 0, 0, 0, time.UTC) }
	capped := d(time.January, 28) // erasure: 72 hours at most
	tests := []struct {
		region                                   policy.Region
		access, correction, restriction, erasure time.Time
	}{
		// GDPR Art. 12(3): one month for all; erasure capped at 72 h.
		{policy.GDPR, d(time.February, 25), d(time.February, 25), d(time.February, 25), capped},
		{policy.ES, d(time.February, 25), d(time.February, 25), d(time.February, 25), capped},
		// LGPD: access 15 days; correction 5 business days (Monday → Monday).
		{policy.BR, d(time.February, 9), d(time.February, 1), d(time.February, 1), capped},
		// LFPDPPP: 20 days.
		{policy.MX, d(time.February, 14), d(time.February, 14), d(time.February, 14), capped},
		// Ley 1581: 10 and 15 business days.
		{policy.CO, d(time.February, 8), d(time.February, 15), d(time.February, 8), capped},
		// Ley 25.326: 10 calendar days, 5 business days.
		{policy.AR, d(time.February, 4), d(time.February, 1), d(time.February, 1), capped},
		// CCPA: 45 days.
		{policy.CA, d(time.March, 11), d(time.March, 11), d(time.March, 11), capped},
		// The strict pack takes the strictest of every law.
		{policy.Strict, d(time.February, 4), d(time.February, 1), d(time.February, 1), capped},
	}
	for _, tt := range tests {
		pack, ok := eng.Pack(tt.region)
		if !ok {
			t.Fatalf("no pack %s", tt.region)
		}
		for _, c := range []struct {
			typ  Type
			want time.Time
		}{{Access, tt.access}, {Portability, tt.access}, {Correction, tt.correction}, {Restriction, tt.restriction}, {Erasure, tt.erasure}} {
			t.Run(string(tt.region)+"/"+string(c.typ), func(t *testing.T) {
				got, err := Due(pack, c.typ, start)
				if err != nil || !got.Equal(c.want) {
					t.Errorf("Due(%s, %s, %s) = %s, %v; want %s", tt.region, c.typ, start, got, err, c.want)
				}
			})
		}
	}
	pack, _ := eng.Pack(policy.BR)
	// From a Friday, 5 business days end the next Friday; 72 hours end Monday.
	fri := time.Date(2027, time.January, 29, 12, 0, 0, 0, time.UTC)
	if got, _ := Due(pack, Erasure, fri); !got.Equal(fri.Add(72 * time.Hour)) {
		t.Errorf("Due(BR, erasure, Friday) = %s, want the 72-hour cap %s", got, fri.Add(72*time.Hour))
	}
	if _, err := Due(pack, "deletion", start); err == nil {
		t.Error("Due accepted an unknown type")
	}
}

func TestStatusMoves(t *testing.T) {
	tests := []struct {
		from, to Status
		ok       bool
	}{
		{StatusAwaitingConfirmation, StatusOpen, true},
		{StatusAwaitingConfirmation, StatusAwaitingApproval, true},
		{StatusAwaitingApproval, StatusOpen, true},
		{StatusOpen, StatusInProgress, true},
		{StatusInProgress, StatusCompleted, true},
		{StatusInProgress, StatusOpen, true},
		{StatusCompleted, StatusOpen, false},
		{StatusClosed, StatusOpen, false},
		{StatusRefused, StatusCompleted, false},
		{StatusOpen, StatusAwaitingConfirmation, false},
	}
	for _, tt := range tests {
		if got := tt.from.CanMove(tt.to); got != tt.ok {
			t.Errorf("%s.CanMove(%s) = %v, want %v", tt.from, tt.to, got, tt.ok)
		}
	}
}

func TestTokens(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tok, hash, err := newToken(key)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := checkToken(key, tok); !ok || string(h) != string(hash) {
		t.Fatalf("checkToken(newToken()) = %x, %v; want %x, true", h, ok, hash)
	}
	if _, ok := checkToken([]byte("another key, another deployment."), tok); ok {
		t.Error("a token signed by another key passed")
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 1
		if _, ok := checkToken(key, base64.RawURLEncoding.EncodeToString(b)); ok {
			t.Errorf("token with byte %d flipped passed", i)
		}
	}
	for _, bad := range []string{"", "x", strings.Repeat("A", 43), tok + "A", tok[:len(tok)-1], "../../etc/passwd"} {
		if _, ok := checkToken(key, bad); ok {
			t.Errorf("checkToken(%q) passed", bad)
		}
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in    string
		field string
		value string
		ok    bool
	}{
		{"LANGUAGE es", "language", "es", true},
		{"idioma: português", "language", "português", true},
		{"NOMBRE Ana María", "name", "Ana María", true},
		{"name: Ana", "name", "Ana", true},
		{"CORRECT my address is wrong", "statement", "my address is wrong", true},
		{"CORRIGIR", "statement", "", true},
		{"Name of the product?", "", "", false},
		{"correct me if I'm wrong", "", "", false},
		{"language", "", "", false},
		{"hola", "", "", false},
	}
	for _, tt := range tests {
		c, ok := parseCommand(tt.in)
		if ok != tt.ok || c.field != tt.field || c.value != tt.value {
			t.Errorf("parseCommand(%q) = %+v, %v; want {%s %s}, %v", tt.in, c, ok, tt.field, tt.value, tt.ok)
		}
	}
}

func TestTextsComplete(t *testing.T) {
	for lang, m := range texts {
		for k := msgPreparing; k <= msgErasureWaits; k++ {
			if m[k] == "" {
				t.Errorf("text %d missing in %s", k, lang)
			}
		}
		if len([]rune(m[msgConfirmButton])) > policy.MaxButtonLen || len([]rune(m[msgDenyButton])) > policy.MaxButtonLen {
			t.Errorf("%s button titles longer than %d characters", lang, policy.MaxButtonLen)
		}
		for _, ty := range Types() {
			if typeNames[lang][ty] == "" {
				t.Errorf("type %s has no name in %s", ty, lang)
			}
		}
	}
}

// TestOperatorMoves: an operator may make every transition but opening a
// request the customer has not confirmed; a final status has no moves.
func TestOperatorMoves(t *testing.T) {
	for from := range transitions {
		for _, to := range from.OperatorMoves() {
			if !from.CanMove(to) {
				t.Errorf("%s offers %s, which it cannot become", from, to)
			}
		}
	}
	if got := StatusAwaitingConfirmation.OperatorMoves(); slices.Contains(got, StatusOpen) || !slices.Contains(got, StatusClosed) {
		t.Errorf("awaiting_confirmation offers %v: want closed, never open", got)
	}
	if got := StatusAwaitingApproval.OperatorMoves(); !slices.Contains(got, StatusOpen) {
		t.Errorf("awaiting_approval offers %v: want open", got)
	}
	if got := StatusCompleted.OperatorMoves(); len(got) != 0 {
		t.Errorf("completed offers %v: want none", got)
	}
}
