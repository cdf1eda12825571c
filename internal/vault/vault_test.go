package vault

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func testKeyring(t testing.TB) *Keyring {
	t.Helper()
	k, err := ParseMasterKey(GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return NewKeyring(1, k)
}

func testCipher(t testing.TB, owner string) *Cipher {
	t.Helper()
	c, err := NewCipher(owner, RandomKey())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseMasterKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, 32)
	hexKey := hex.EncodeToString(raw)
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"hex", hexKey, true},
		{"hex with newline", hexKey + "\n", true},
		{"base64", "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=", true},
		{"raw base64", "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s", true},
		{"too short", "q6urq6ur", false},
		{"empty", "", false},
		{"garbage", strings.Repeat("z", 64), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseMasterKey(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseMasterKey(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadKey) {
				t.Errorf("error = %v, want ErrBadKey", err)
			}
			if tt.ok {
				want, _ := NewMasterKey(raw)
				if !k.Matches(want.CheckValue()) {
					t.Errorf("key parsed from %q does not match the raw key", tt.name)
				}
			}
		})
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	c := testCipher(t, "contact-1")
	loc := Loc{"messages", "body", "m1"}
	for _, pt := range []string{"", "hola", strings.Repeat("x", 70000)} {
		ct := c.SealString(loc, pt)
		got, err := c.OpenString(loc, ct)
		if err != nil || got != pt {
			t.Fatalf("Open(Seal(%.10q)) = %.10q, %v", pt, got, err)
		}
		if pt != "" && bytes.Contains(ct, []byte(pt)) {
			t.Fatalf("ciphertext contains the plaintext")
		}
	}
	if c.Seal(loc, nil) != nil {
		t.Error("Seal(nil) != nil")
	}
	if got, err := c.Open(loc, nil); got != nil || err != nil {
		t.Errorf("Open(nil) = %v, %v; want nil, nil", got, err)
	}
}

func TestSealNoncesDiffer(t *testing.T) {
	c := testCipher(t, "o")
	l := Loc{"t", "c", "r"}
	if bytes.Equal(c.SealString(l, "same"), c.SealString(l, "same")) {
		t.Fatal("two seals of the same plaintext are equal: nonce reuse")
	}
}

func TestOpenRejectsTamperingAndMoves(t *testing.T) {
	c := testCipher(t, "contact-1")
	loc := Loc{"messages", "body", "m1"}
	ct := c.SealString(loc, "the secret body")
	for i := range ct {
		bad := append([]byte(nil), ct...)
		bad[i] ^= 0x01
		if _, err := c.Open(loc, bad); err == nil {
			t.Fatalf("Open with byte %d flipped succeeded", i)
		}
	}
	other := testCipher(t, "contact-1")
	moved := []struct {
		name string
		c    *Cipher
		loc  Loc
	}{
		{"other row", c, Loc{"messages", "body", "m2"}},
		{"other column", c, Loc{"messages", "note", "m1"}},
		{"other table", c, Loc{"contacts", "body", "m1"}},
		{"other contact same key", mustCipher(t, "contact-2", c), loc},
		{"other key", other, loc},
	}
	for _, m := range moved {
		t.Run(m.name, func(t *testing.T) {
			if _, err := m.c.Open(m.loc, ct); !errors.Is(err, ErrDecrypt) {
				t.Errorf("Open = %v, want ErrDecrypt", err)
			}
		})
	}
	for _, short := range [][]byte{{}, {1}, {2, 0, 0}, ct[:20]} {
		if _, err := c.Open(loc, short); !errors.Is(err, ErrFormat) && !errors.Is(err, ErrDecrypt) {
			t.Errorf("Open(%x) = %v, want a format or decrypt error", short, err)
		}
	}
}

// mustCipher returns a cipher with the same key material as c but another
// owner, to show the owner is bound into the additional data.
func mustCipher(t *testing.T, owner string, c *Cipher) *Cipher {
	t.Helper()
	return &Cipher{aead: c.aead, owner: owner}
}

func TestWrapUnwrap(t *testing.T) {
	r := testKeyring(t)
	dek := RandomKey()
	w := r.Wrap("contact-1", dek)
	got, err := r.Unwrap("contact-1", w)
	if err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("Unwrap(Wrap(dek)) = %x, %v", got, err)
	}
	if _, err := r.Unwrap("contact-2", w); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Unwrap for another owner = %v, want ErrDecrypt", err)
	}
	other := testKeyring(t)
	if _, err := other.Unwrap("contact-1", w); !errors.Is(err, ErrDecrypt) {
		t.Errorf("Unwrap with another master key = %v, want ErrDecrypt", err)
	}
	k2, _ := ParseMasterKey(GenerateKey())
	r2 := NewKeyring(2, k2)
	if _, err := r2.Unwrap("contact-1", w); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("Unwrap with unknown version = %v, want ErrUnknownVersion", err)
	}
	// Rotation: re-wrap under version 2, and the old key no longer opens it.
	r2.Add(1, r.keys[1])
	w2 := r2.Wrap("contact-1", dek)
	if v, _ := WrappedVersion(w2); v != 2 {
		t.Errorf("WrappedVersion after rotation = %d, want 2", v)
	}
	if _, err := r.Unwrap("contact-1", w2); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("old keyring Unwrap(new wrap) = %v, want ErrUnknownVersion", err)
	}
}

func TestIndexer(t *testing.T) {
	x := NewIndexer(Derive(RandomKey(), "blind-index"))
	a, b := x.Index("wa_id", "34612345678"), x.Index("wa_id", "34612345678")
	if !bytes.Equal(a, b) {
		t.Fatal("blind index is not deterministic")
	}
	if bytes.Equal(a, x.Index("email", "34612345678")) {
		t.Fatal("domains do not separate indexes")
	}
	if !strings.HasPrefix(x.Pseudonym("wa", "1"), "wa:") {
		t.Fatal("pseudonym lacks its domain")
	}
	// The pooled HMAC states give what a fresh one does: HMAC-SHA256 of
	// domain, a zero byte and the value, whatever came before.
	key := Derive(RandomKey(), "blind-index")
	y := NewIndexer(key)
	for _, v := range []string{"34612345678", "", strings.Repeat("x", 5000), "wamid.HBgLMzQ2MTIzNDU2NzgVAgARGBI"} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte("wamid\x00" + v))
		if got := y.Index("wamid", v); !bytes.Equal(got, m.Sum(nil)) {
			t.Fatalf("Index(wamid, %.20q) differs from HMAC-SHA256(domain 0 value)", v)
		}
	}
}

func BenchmarkIndex(b *testing.B) {
	x := NewIndexer(Derive(RandomKey(), "blind-index"))
	b.ReportAllocs()
	for b.Loop() {
		x.Index("wamid", "wamid.HBgLMzQ2MTIzNDU2NzgVAgARGBI")
	}
}

func TestDeriveSeparatesPurposes(t *testing.T) {
	root := RandomKey()
	if bytes.Equal(Derive(root, "a"), Derive(root, "b")) {
		t.Fatal("Derive(a) == Derive(b)")
	}
	if !bytes.Equal(Derive(root, "a"), Derive(root, "a")) {
		t.Fatal("Derive is not deterministic")
	}
}

func BenchmarkSeal(b *testing.B) {
	c := testCipher(b, "contact-1")
	body := []byte(strings.Repeat("Hola, ¿cuándo llega mi pedido? ", 4))
	loc := Loc{"messages", "body", "0190c2d4-aaaa-bbbb-cccc-0123456789ab"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		c.Seal(loc, body)
	}
}

func BenchmarkOpen(b *testing.B) {
	c := testCipher(b, "contact-1")
	body := []byte(strings.Repeat("Hola, ¿cuándo llega mi pedido? ", 4))
	loc := Loc{"messages", "body", "0190c2d4-aaaa-bbbb-cccc-0123456789ab"}
	ct := c.Seal(loc, body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Open(loc, ct); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnwrap(b *testing.B) {
	r := testKeyring(b)
	w := r.Wrap("contact-1", RandomKey())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Unwrap("contact-1", w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSealOpenString is one message body sealed and opened again, as
// the message path does for every stored field.
func BenchmarkSealOpenString(b *testing.B) {
	c, err := NewCipher("contact-01JCX9", RandomKey())
	if err != nil {
		b.Fatal(err)
	}
	l := Loc{Table: "messages", Column: "body", Row: "01JCX9Z6V6T7M0Q4H5S8K2N3PD"}
	b.ReportAllocs()
	for b.Loop() {
		ct := c.SealString(l, "how long does shipping take to Valencia?")
		if _, err := c.OpenString(l, ct); err != nil {
			b.Fatal(err)
		}
	}
}
