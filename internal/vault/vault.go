// Package vault is trement's envelope encryption: everything personal that
// reaches a disk is sealed here first, and nothing here touches a disk.
//
// # Keys
//
// A 256-bit master key (the key-encryption key, KEK) never encrypts data. It
// wraps data keys (DEKs): one per contact, plus one system secret from which
// the blind-index, audit and inbox keys are derived with HKDF. Erasing a
// contact is destroying its DEK (crypto-shredding): every field sealed under
// it in the live database becomes unreadable. A copy taken before (a
// backup) still holds the wrapped key; see the store's erasure journal.
//
// # Formats
//
// A sealed field is: format byte (1) | 12-byte nonce | AES-256-GCM ciphertext
// and tag. Its additional data binds it to table, column, row and contact, so
// ciphertext copied into another row or column does not open.
//
// A wrapped key is: format byte (1) | master-key version (uint32, big endian)
// | 12-byte nonce | GCM(32-byte key). Its additional data binds it to the
// owner id and the version, so wrapped keys cannot be swapped between
// contacts.
package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"unsafe"
)

// KeySize is the size in bytes of every key in this package (AES-256).
const KeySize = 32

const (
	fieldFormat = 1
	wrapFormat  = 1
	nonceSize   = 12
	tagSize     = 16
)

// Errors returned by this package. Callers may test them with errors.Is.
var (
	// ErrDecrypt means ciphertext did not authenticate: it was tampered with,
	// moved to another row, or sealed under another (perhaps destroyed) key.
	ErrDecrypt = errors.New("vault: ciphertext does not authenticate (tampered, moved, or wrong key)")
	// ErrFormat means the bytes are not a ciphertext this package produced.
	ErrFormat = errors.New("vault: not a recognised ciphertext format")
	// ErrUnknownVersion means a wrapped key names a master-key version this
	// keyring does not hold.
	ErrUnknownVersion = errors.New("vault: wrapped under a master-key version this keyring does not hold")
	// ErrBadKey means a key is not 32 bytes of valid encoding.
	ErrBadKey = errors.New("vault: master key must be 32 bytes, written as 64 hex digits or base64")
)

// MasterKey is a key-encryption key. Its zero value is not usable.
type MasterKey struct {
	aead cipher.AEAD
	kcv  []byte
}

// NewMasterKey makes a MasterKey from 32 raw bytes.
func NewMasterKey(raw []byte) (*MasterKey, error) {
	if len(raw) != KeySize {
		return nil, ErrBadKey
	}
	aead, err := newGCM(raw)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, raw)
	mac.Write([]byte("trement/master-key-check/v1"))
	return &MasterKey{aead: aead, kcv: mac.Sum(nil)[:16]}, nil
}

// ParseMasterKey reads a master key written as 64 hex digits or as standard
// or URL-safe base64 (padded or not). Surrounding white space is ignored.
func ParseMasterKey(s string) (*MasterKey, error) {
	s = strings.TrimSpace(s)
	var raw []byte
	if len(s) == 2*KeySize {
		if b, err := hex.DecodeString(s); err == nil {
			raw = b
		}
	}
	if raw == nil {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
				raw = b
				break
			}
		}
	}
	if raw == nil {
		return nil, ErrBadKey
	}
	return NewMasterKey(raw)
}

// GenerateKey returns a fresh random key, base64 encoded, for `trement keys
// generate` and for the development key written on first run.
func GenerateKey() string {
	return base64.StdEncoding.EncodeToString(RandomKey())
}

// RandomKey returns 32 bytes from the system's CSPRNG.
func RandomKey() []byte {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic("vault: system random source failed: " + err.Error())
	}
	return b
}

// CheckValue is a 16-byte key check value: it identifies the key without
// revealing it, so start-up can tell a wrong master key before touching data.
func (k *MasterKey) CheckValue() []byte { return append([]byte(nil), k.kcv...) }

// Matches reports in constant time whether kcv is this key's check value.
func (k *MasterKey) Matches(kcv []byte) bool { return hmac.Equal(k.kcv, kcv) }

// Keyring holds the master keys a process may use: the current one, which
// wraps, and older versions, which may still unwrap during a rotation.
type Keyring struct {
	current uint32
	keys    map[uint32]*MasterKey
}

// NewKeyring returns a keyring whose current key is k at version v.
func NewKeyring(v uint32, k *MasterKey) *Keyring {
	return &Keyring{current: v, keys: map[uint32]*MasterKey{v: k}}
}

// Add lets the keyring unwrap keys wrapped under version v.
func (r *Keyring) Add(v uint32, k *MasterKey) { r.keys[v] = k }

// Key returns the master key held at version v, or nil.
func (r *Keyring) Key(v uint32) *MasterKey { return r.keys[v] }

// Current returns the version that Wrap uses.
func (r *Keyring) Current() uint32 { return r.current }

func wrapAAD(owner string, v uint32) []byte {
	aad := make([]byte, 0, 32+len(owner))
	aad = append(aad, "trement/wrap/v1|"...)
	aad = binary.BigEndian.AppendUint32(aad, v)
	aad = append(aad, '|')
	return append(aad, owner...)
}

// Wrap seals a data key for owner under the current master key.
func (r *Keyring) Wrap(owner string, dek []byte) []byte {
	return r.WrapWith(r.current, owner, dek)
}

// WrapWith seals a data key under master-key version v, which must be held.
func (r *Keyring) WrapWith(v uint32, owner string, dek []byte) []byte {
	k := r.keys[v]
	if k == nil {
		panic(fmt.Sprintf("vault: wrap with unknown master-key version %d", v))
	}
	out := make([]byte, 5, 5+nonceSize+len(dek)+tagSize)
	out[0] = wrapFormat
	binary.BigEndian.PutUint32(out[1:], v)
	out = appendNonce(out)
	return k.aead.Seal(out, out[5:5+nonceSize], dek, wrapAAD(owner, v))
}

// WrappedVersion returns the master-key version a wrapped key names.
func WrappedVersion(wrapped []byte) (uint32, error) {
	if len(wrapped) < 5+nonceSize+tagSize || wrapped[0] != wrapFormat {
		return 0, ErrFormat
	}
	return binary.BigEndian.Uint32(wrapped[1:5]), nil
}

// Unwrap opens a data key wrapped for owner.
func (r *Keyring) Unwrap(owner string, wrapped []byte) ([]byte, error) {
	v, err := WrappedVersion(wrapped)
	if err != nil {
		return nil, err
	}
	k := r.keys[v]
	if k == nil {
		return nil, fmt.Errorf("%w (version %d)", ErrUnknownVersion, v)
	}
	dek, err := k.aead.Open(nil, wrapped[5:5+nonceSize], wrapped[5+nonceSize:], wrapAAD(owner, v))
	if err != nil {
		return nil, ErrDecrypt
	}
	if len(dek) != KeySize {
		return nil, ErrFormat
	}
	return dek, nil
}

// Cipher seals and opens fields with one data key.
type Cipher struct {
	aead  cipher.AEAD
	owner string
}

// NewCipher returns a field cipher for the data key dek belonging to owner.
func NewCipher(owner string, dek []byte) (*Cipher, error) {
	if len(dek) != KeySize {
		return nil, ErrBadKey
	}
	aead, err := newGCM(dek)
	if err != nil {
		return nil, err
	}
	return &Cipher{aead: aead, owner: owner}, nil
}

// Owner returns the id of the contact (or system owner) the key belongs to.
func (c *Cipher) Owner() string { return c.owner }

// Loc names where a field lives, so its ciphertext only opens there.
type Loc struct{ Table, Column, Row string }

// aadBufs recycles the additional-data buffers of Seal and Open: one per
// sealed or opened field is the vault's commonest allocation on the
// message path.
var aadBufs = sync.Pool{New: func() any { b := make([]byte, 0, 128); return &b }}

// aad returns the additional data binding a field to l and to the key's
// owner, in a pooled buffer; give it back with putAAD once the AEAD call
// returned.
func (c *Cipher) aad(l Loc) *[]byte {
	p := aadBufs.Get().(*[]byte)
	aad := append((*p)[:0], "trement/field/v1|"...)
	for _, s := range [...]string{l.Table, l.Column, l.Row, c.owner} {
		aad = binary.BigEndian.AppendUint16(aad, uint16(len(s)))
		aad = append(aad, s...)
	}
	*p = aad
	return p
}

func putAAD(p *[]byte) {
	*p = (*p)[:0]
	aadBufs.Put(p)
}

// Seal encrypts plaintext for the field at l. A nil plaintext seals to nil, so
// optional fields stay NULL.
func (c *Cipher) Seal(l Loc, plaintext []byte) []byte {
	if plaintext == nil {
		return nil
	}
	out := make([]byte, 1, 1+nonceSize+len(plaintext)+tagSize)
	out[0] = fieldFormat
	out = appendNonce(out)
	aad := c.aad(l)
	out = c.aead.Seal(out, out[1:1+nonceSize], plaintext, *aad)
	putAAD(aad)
	return out
}

// SealString is Seal for strings.
func (c *Cipher) SealString(l Loc, s string) []byte { return c.Seal(l, []byte(s)) }

// Open decrypts the field at l. A nil ciphertext opens to nil.
func (c *Cipher) Open(l Loc, ciphertext []byte) ([]byte, error) {
	if ciphertext == nil {
		return nil, nil
	}
	if len(ciphertext) < 1+nonceSize+tagSize || ciphertext[0] != fieldFormat {
		return nil, ErrFormat
	}
	aad := c.aad(l)
	pt, err := c.aead.Open(nil, ciphertext[1:1+nonceSize], ciphertext[1+nonceSize:], *aad)
	putAAD(aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	if pt == nil {
		pt = []byte{}
	}
	return pt, nil
}

// OpenString is Open for strings.
func (c *Cipher) OpenString(l Loc, ciphertext []byte) (string, error) {
	b, err := c.Open(l, ciphertext)
	if len(b) == 0 {
		return "", err
	}
	// b is Open's own fresh plaintext, referenced nowhere else: the string
	// takes it over instead of copying it.
	return unsafe.String(&b[0], len(b)), err
}

// Derive expands a root secret into a purpose-bound subkey (HKDF-SHA256), so
// one leaked subkey reveals neither the root nor its siblings.
func Derive(root []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, root, nil, "trement/"+purpose, KeySize)
	if err != nil {
		panic("vault: hkdf: " + err.Error())
	}
	return k
}

// Indexer computes blind indexes: keyed HMACs that let the database find a
// row by an exact value (a phone number) without holding the value.
type Indexer struct {
	key []byte
	// macs recycles keyed HMAC states (each a few hundred bytes: the
	// padded key and two SHA-256 states), with a buffer for the input: an
	// index is computed for every message id and number the message path
	// looks up.
	macs sync.Pool
}

type indexMAC struct {
	h   hash.Hash
	buf []byte
}

// NewIndexer returns an indexer keyed with key (derive it with Derive).
func NewIndexer(key []byte) *Indexer {
	x := &Indexer{key: append([]byte(nil), key...)}
	x.macs.New = func() any { return &indexMAC{h: hmac.New(sha256.New, x.key)} }
	return x
}

// Index returns the blind index of value within a domain such as "wa_id".
func (x *Indexer) Index(domain, value string) []byte {
	m := x.macs.Get().(*indexMAC)
	m.h.Reset()
	m.buf = append(append(append(m.buf[:0], domain...), 0), value...)
	m.h.Write(m.buf)
	sum := m.h.Sum(make([]byte, 0, sha256.Size))
	if cap(m.buf) <= 1024 {
		x.macs.Put(m) // a huge value's buffer is not kept
	}
	return sum
}

// Pseudonym is Index as short text, for audit events and logs that must link
// events of one person without naming them.
func (x *Indexer) Pseudonym(domain, value string) string {
	return domain + ":" + base64.RawURLEncoding.EncodeToString(x.Index(domain, value)[:12])
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return cipher.NewGCM(block)
}

func appendNonce(b []byte) []byte {
	n := len(b)
	b = b[:n+nonceSize]
	if _, err := rand.Read(b[n:]); err != nil {
		panic("vault: system random source failed: " + err.Error())
	}
	return b
}
