package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"
)

// PasswordParams are argon2id's cost parameters.
type PasswordParams struct {
	Time      uint32 // passes over memory
	MemoryKiB uint32 // memory in KiB
	Threads   uint8  // lanes
	SaltLen   uint32 // bytes of random salt
	KeyLen    uint32 // bytes of derived key
}

// DefaultPasswordParams: argon2id with t=3, m=64 MiB, p=2, a 16-byte salt
// and a 32-byte key. This is above OWASP's argon2id floor (m=19 MiB, t=2,
// p=1) and RFC 9106's second recommended option's time cost, at about 60–100
// ms on one server core; Service bounds how many run at once so sign-ins
// cannot exhaust memory.
var DefaultPasswordParams = PasswordParams{Time: 3, MemoryKiB: 64 * 1024, Threads: 2, SaltLen: 16, KeyLen: 32}

// Password policy.
const (
	MinPasswordLen = 12   // characters
	MaxPasswordLen = 1024 // bytes, so hashing cost stays bounded
	// MinPasswordGuesses is how many guesses zxcvbn must estimate an
	// attacker needs: 10^10, its top score ("very unguessable": strong
	// protection from offline slow-hash attacks). Common passwords with a
	// year, a symbol or l33t spelling added (Password2026, Pa$$w0rd2026)
	// estimate in the thousands to millions; four random words in the 10^14
	// and up.
	MinPasswordGuesses = 1e10
	// strengthRunes is how much of a password the estimator reads: zxcvbn
	// is super-linear (a 1,024-character password takes seconds), and a
	// prefix's estimate never exceeds the whole's, so this only errs on
	// the safe side.
	strengthRunes = 64
)

// contextWords are words an attacker guessing trement's passwords tries
// first; the estimator ranks them like the username.
var contextWords = []string{"trement", "whatsapp", "admin", "operator", "console", "support"}

// deniedPasswords are common passwords of 12 characters or more (from public
// breach top lists) and product words; a password equal to one of these, to
// the username, or a single repeated character is refused.
var deniedPasswords = map[string]bool{
	"123456789012": true, "1234567890123": true, "12345678901234": true, "123456123456": true,
	"qwertyuiopas": true, "qwertyuiop123": true, "qwerty123456": true, "1q2w3e4r5t6y": true,
	"passwordpassword": true, "password1234": true, "password12345": true, "password123456": true,
	"password123!": true, "iloveyou1234": true, "letmein12345": true, "welcome12345": true,
	"welcome123456": true, "administrator": true, "admin1234567": true, "adminadmin123": true,
	"changeme1234": true, "changemechangeme": true, "trement12345": true, "trementtrement": true,
	"whatsapp1234": true, "whatsapp12345": true, "correcthorsebatterystaple": true,
	"abcdefghijkl": true, "abc123abc123": true, "111111111111": true, "000000000000": true,
	"football1234": true, "baseball1234": true, "sunshine1234": true, "princess1234": true,
	"superman1234": true, "dragon123456": true, "monkey123456": true, "contraseña123": true,
	"contrasena123": true, "contrasenha123": true, "senhasenha12": true,
}

// ErrWeakPassword means a new password breaks the policy; the wrapped text
// says how.
var ErrWeakPassword = errors.New("password does not meet the policy")

// CheckPassword enforces the policy on a new password: at least 12
// characters, at most 1024 bytes, not on the deny list, not the username,
// not one repeated character, and at least MinPasswordGuesses guesses by
// zxcvbn (Dropbox's estimator, ported; it knows 30,000 common passwords,
// English words, names, dates, keyboard walks, repeats, sequences and l33t
// spelling, with the username and product words as context). Runs
// offline: the dictionaries are compiled in.
func CheckPassword(password, username string) error {
	n := utf8.RuneCountInString(password)
	low := strings.ToLower(password)
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("%w: use at least %d characters", ErrWeakPassword, MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return fmt.Errorf("%w: use at most %d bytes", ErrWeakPassword, MaxPasswordLen)
	case deniedPasswords[low]:
		return fmt.Errorf("%w: it is a commonly used password", ErrWeakPassword)
	case username != "" && strings.Contains(low, strings.ToLower(username)):
		return fmt.Errorf("%w: it contains the username", ErrWeakPassword)
	case oneRune(password):
		return fmt.Errorf("%w: it repeats one character", ErrWeakPassword)
	case estimatedGuesses(password, username) < MinPasswordGuesses:
		return fmt.Errorf("%w: it is too easy to guess (common words, names, years, keyboard patterns or l33t spelling); add a few uncommon words", ErrWeakPassword)
	}
	return nil
}

// estimatedGuesses is zxcvbn's estimate for the first strengthRunes
// characters of password.
func estimatedGuesses(password, username string) float64 {
	if r := []rune(password); len(r) > strengthRunes {
		password = string(r[:strengthRunes])
	}
	inputs := contextWords
	if username != "" {
		inputs = append([]string{username}, contextWords...)
		// "ana.garcia" → "ana", "garcia" too.
		inputs = append(inputs, strings.FieldsFunc(username, func(r rune) bool { return strings.ContainsRune("._@-", r) })...)
	}
	return zxcvbn.PasswordStrength(password, inputs).Guesses
}

func oneRune(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	for _, r := range s {
		if r != first {
			return false
		}
	}
	return true
}

// HashPassword returns the argon2id hash of password as a PHC string:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<key>, salt and key in unpadded
// standard base64.
func HashPassword(password string, p PasswordParams) (string, error) {
	if len(password) > MaxPasswordLen {
		return "", fmt.Errorf("%w: use at most %d bytes", ErrWeakPassword, MaxPasswordLen)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// errBadHash means a stored hash is not an argon2id PHC string this package
// accepts.
var errBadHash = errors.New("auth: stored password hash is not a valid argon2id PHC string")

// parsePHC reads a PHC string, refusing parameters outside sane bounds so a
// tampered row cannot make verification allocate gigabytes.
func parsePHC(phc string) (p PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errBadHash
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &threads); err != nil {
		return p, nil, nil, errBadHash
	}
	if p.MemoryKiB < 8 || p.MemoryKiB > 1<<20 || p.Time < 1 || p.Time > 64 || threads < 1 || threads > 64 {
		return p, nil, nil, errBadHash
	}
	p.Threads = uint8(threads)
	if salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	if key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errBadHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword reports whether password matches the PHC hash, comparing
// in constant time. needsRehash is true when the hash used parameters other
// than want, so the caller can upgrade it after a successful sign-in.
func VerifyPassword(phc, password string, want PasswordParams) (ok, needsRehash bool, err error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, false, err
	}
	if len(password) > MaxPasswordLen {
		return false, false, nil
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, p != want, nil
}

// GeneratePassword returns a random first password for a new account,
// for the operator who creates it to hand over once: 16 letters and digits
// without look-alikes (about 79 bits), shown as xxxx-xxxx-xxxx-xxxx, and
// one that CheckPassword accepts for username (the retry covers a random
// draw that happens to contain it).
func GeneratePassword(username string) (string, error) {
	var err error
	for range 20 {
		pw := newRecoveryCode()
		if err = CheckPassword(pw, username); err == nil {
			return pw, nil
		}
	}
	return "", fmt.Errorf("auth: generate password: %w", err)
}
