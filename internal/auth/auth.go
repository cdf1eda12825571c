// Package auth decides who an operator is and what they may do: accounts
// with mandatory TOTP multi-factor authentication, role-based permissions,
// sessions and scoped API tokens. It is the domain; the store persists its
// types (Store, Tx) and the console adapts it to HTTP.
//
// # Signing in
//
// A password (argon2id, see DefaultPasswordParams) opens a short pending
// session that can do one thing: finish multi-factor authentication. An
// operator without TOTP must enrol first (QR code and secret shown once,
// confirmed with a valid code, ten single-use recovery codes shown once); an
// enrolled one enters a code (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) or a
// recovery code. A code at or before the last accepted time step is refused,
// so a code cannot be replayed. Every step that succeeds issues a new
// session token (rotation), so a token seen before sign-in is worthless
// after it.
//
// # Throttling
//
// Failed passwords and codes count per account and per source address,
// each counted before it is checked (see takeGuess), so concurrent guesses
// cannot get past the limit.
// ThrottlePolicy's defaults lock an account for 15 minutes after 5 failures,
// an address after 20, doubling with each further lockout up to a day; a
// locked account is refused without its password being checked, with a
// message saying until when.
//
// # Sessions and tokens
//
// A session token is 256 random bits in the cookie; only its SHA-256 is
// stored. Sessions end after 30 minutes idle or 12 hours in all, at sign-out,
// or everywhere at once. API tokens ("trm_…") are shown once, stored hashed,
// scoped to a subset of their creator's permissions (and narrowed at once if
// the creator's role shrinks), expire, and can be revoked.
//
// # TOTP secrets at rest
//
// The store seals each operator's TOTP secret under a data key of its own
// (vault owner "operator:<id>"), created with the operator; deleting the
// operator destroys the key, crypto-shredding the secret in every backup.
//
// # Audit
//
// Every sign-in, failure, lockout, enrolment and change to operators, roles
// and tokens appends an audit event in the same transaction as the change;
// if the event cannot be written the change fails (fails closed).
//
// Time comes from Config.Now; nothing here reads the wall clock.
package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trement/trement/internal/audit"
)

// Operator is a console user.
type Operator struct {
	ID                string
	Username          string // lower case; unique
	Role              Role
	PasswordHash      string // argon2id PHC string
	TOTPSecret        string // base32; empty until enrolment starts; sealed at rest
	MFAEnrolled       bool   // the secret was confirmed with a valid code
	TOTPLastStep      int64  // the last accepted time step; codes at or before it are refused
	Disabled          bool
	PasswordChangedAt time.Time
	LastLoginAt       time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// SessionState is how far a session got through sign-in.
type SessionState string

// Session states. Only SessionFull sessions authenticate requests.
const (
	SessionMFA   SessionState = "mfa"   // password accepted; a TOTP or recovery code is due
	SessionEnrol SessionState = "enrol" // password accepted; TOTP enrolment is due
	SessionFull  SessionState = "full"
)

// Session is a signed-in (or signing-in) browser.
type Session struct {
	ID         string
	TokenHash  []byte // SHA-256 of the cookie's token
	OperatorID string
	State      SessionState
	SourceIP   string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute end
}

// Token is an API token. Its secret is shown once; only the hash is kept.
type Token struct {
	ID         string
	TokenHash  []byte
	OperatorID string // the creator, whose role bounds the token
	Name       string
	Scopes     []Permission
	CreatedAt  time.Time
	ExpiresAt  time.Time
	RevokedAt  time.Time
	LastUsedAt time.Time
}

// Throttle counts failed sign-ins for one key (an account or an address).
type Throttle struct {
	Key         string
	Failures    int // since the last lockout
	Lockouts    int // consecutive lockouts; each doubles the next
	LockedUntil time.Time
	UpdatedAt   time.Time
}

// Tx is one store transaction; *store.Tx implements it. Methods return
// ErrNotFound for a missing row and ErrDuplicate for a taken unique value.
type Tx interface {
	audit.Appender

	// CreateOperator stores o with a fresh data key for its secrets; it sets
	// CreatedAt and UpdatedAt. ErrDuplicate if the username is taken.
	CreateOperator(o *Operator) error
	// Operator returns an operator by id. ErrNotFound.
	Operator(id string) (*Operator, error)
	// OperatorByUsername returns an operator by (lower-case) username. ErrNotFound.
	OperatorByUsername(username string) (*Operator, error)
	// Operators lists every operator by username.
	Operators() ([]*Operator, error)
	// OperatorForUpdate is Operator, locking the row until the transaction
	// ends (on PostgreSQL), for read-modify-write.
	OperatorForUpdate(id string) (*Operator, error)
	// UpdateOperator writes o's role, password hash, TOTP secret, enrolment,
	// disabled flag and change times; never its username, TOTPLastStep
	// (AdvanceTOTPStep) or LastLoginAt (RecordLogin). ErrNotFound.
	UpdateOperator(o *Operator) error
	// AdvanceTOTPStep records step as the last accepted one if it is later
	// than the stored one, and reports whether it was.
	AdvanceTOTPStep(operatorID string, step int64) (bool, error)
	// RecordLogin sets an operator's last sign-in time.
	RecordLogin(operatorID string, at time.Time) error
	// DeleteOperator removes an operator with its sessions, tokens and
	// recovery codes, and destroys its data key. ErrNotFound.
	DeleteOperator(id string) error
	// CountOperators counts enabled operators with role.
	CountOperators(role Role) (int, error)

	// ReplaceRecoveryCodes replaces an operator's recovery-code hashes.
	ReplaceRecoveryCodes(operatorID string, hashes [][]byte) error
	// ConsumeRecoveryCode marks an unused code used and reports whether one was.
	ConsumeRecoveryCode(operatorID string, hash []byte) (bool, error)
	// RecoveryCodesLeft counts an operator's unused recovery codes.
	RecoveryCodesLeft(operatorID string) (int, error)

	// CreateSession stores s.
	CreateSession(s *Session) error
	// SessionByTokenHash returns a session by its token's hash. ErrNotFound.
	SessionByTokenHash(hash []byte) (*Session, error)
	// TouchSession sets a session's last-seen time.
	TouchSession(id string, at time.Time) error
	// DeleteSession removes a session (no error if it is gone).
	DeleteSession(id string) error
	// DeleteOperatorSessions removes every session of an operator and
	// returns how many there were.
	DeleteOperatorSessions(operatorID string) (int, error)
	// DeleteExpiredSessions removes sessions whose absolute end is before t.
	DeleteExpiredSessions(t time.Time) (int, error)

	// CreateAPIToken stores t.
	CreateAPIToken(t *Token) error
	// APITokenByHash returns a token by its hash. ErrNotFound.
	APITokenByHash(hash []byte) (*Token, error)
	// APIToken returns a token by id. ErrNotFound.
	APIToken(id string) (*Token, error)
	// APITokens lists the tokens an operator created, or all if operatorID
	// is empty, newest first.
	APITokens(operatorID string) ([]*Token, error)
	// RevokeAPIToken sets a token's revocation time. ErrNotFound.
	RevokeAPIToken(id string, at time.Time) error
	// RevokeOperatorTokens revokes every unrevoked token of an operator
	// and returns how many there were.
	RevokeOperatorTokens(operatorID string, at time.Time) (int, error)
	// TouchAPIToken sets a token's last-used time.
	TouchAPIToken(id string, at time.Time) error

	// LoginThrottle returns the throttle of key, or a zero one (Key set).
	LoginThrottle(key string) (*Throttle, error)
	// LoginThrottleForUpdate is LoginThrottle, locking the row until the
	// transaction ends (creating it if missing), so concurrent sign-in
	// attempts on one key are counted one after another, on every replica.
	LoginThrottleForUpdate(key string) (*Throttle, error)
	// PutLoginThrottle stores th.
	PutLoginThrottle(th *Throttle) error
	// DeleteLoginThrottle forgets key.
	DeleteLoginThrottle(key string) error
}

// Store runs transactions; store.DB.AuthStore implements it.
type Store interface {
	// Update runs fn in a read-write transaction, committed if fn returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
}

// Errors. The console maps each to a status; callers test them with
// errors.Is.
var (
	ErrNotFound           = errors.New("auth: not found")
	ErrDuplicate          = errors.New("auth: already exists")
	ErrInvalidCredentials = errors.New("auth: wrong username or password")
	ErrInvalidCode        = errors.New("auth: wrong, used or expired code")
	ErrLocked             = errors.New("auth: too many failed sign-ins")
	ErrUnauthenticated    = errors.New("auth: not signed in")
	ErrSessionExpired     = fmt.Errorf("%w: the session expired", ErrUnauthenticated)
	ErrTokenInvalid       = fmt.Errorf("%w: the API token is unknown, expired or revoked", ErrUnauthenticated)
	ErrForbidden          = errors.New("auth: not allowed")
	ErrInvalid            = errors.New("auth: invalid request")
	ErrOwnerExists        = errors.New("auth: an owner already exists")
	ErrLastOwner          = errors.New("auth: refusing to remove the last owner")
)

// LockedError says until when an account or address is locked. It matches
// ErrLocked.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many failed sign-ins: try again after %s", e.Until.UTC().Format("15:04 UTC (2 Jan)"))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// RequestInfo is what an audit event records about the request.
type RequestInfo struct {
	RequestID string
	SourceIP  string
}
