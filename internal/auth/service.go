package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/trement/trement/internal/audit"
)

// ThrottlePolicy says when failed sign-ins lock an account or address.
type ThrottlePolicy struct {
	AccountFailures int           // failures that lock an account (5)
	AddressFailures int           // failures that lock a source address (20: offices share one)
	Lockout         time.Duration // the first lockout (15 min); each further one doubles
	MaxLockout      time.Duration // the longest lockout (24 h)
	Forget          time.Duration // a key quiet this long starts over (24 h)
}

// DefaultThrottlePolicy: 5 failures lock an account for 15 minutes, 20
// lock an address; each further lockout doubles, up to a day.
var DefaultThrottlePolicy = ThrottlePolicy{AccountFailures: 5, AddressFailures: 20, Lockout: 15 * time.Minute, MaxLockout: 24 * time.Hour, Forget: 24 * time.Hour}

// Session lifetimes.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
	// DefaultPendingTimeout bounds a session between password and TOTP.
	DefaultPendingTimeout = 10 * time.Minute
	// touchEvery limits last-seen writes to one a minute per session/token.
	touchEvery = time.Minute
)

// Config configures a Service.
type Config struct {
	Store  Store
	Now    func() time.Time // the clock; required
	Logger *slog.Logger
	// Pseudonym returns a keyed pseudonym of value in domain
	// (vault.Indexer.Pseudonym), for throttle keys and for naming unknown
	// usernames in audit events without writing them down. Required.
	Pseudonym func(domain, value string) string
	// Issuer names trement in authenticator apps ("trement").
	Issuer string
	// Password is the argon2id cost; zero means DefaultPasswordParams.
	Password PasswordParams
	// MaxConcurrentHashes bounds simultaneous argon2id runs (each takes
	// Password.MemoryKiB); zero means 4.
	MaxConcurrentHashes int
	IdleTimeout         time.Duration // zero: DefaultIdleTimeout
	AbsoluteTimeout     time.Duration // zero: DefaultAbsoluteTimeout
	PendingTimeout      time.Duration // zero: DefaultPendingTimeout
	Throttle            ThrottlePolicy
}

// Service is the auth domain's behaviour over a Store.
type Service struct {
	store     Store
	now       func() time.Time
	log       *slog.Logger
	pseudonym func(domain, value string) string
	issuer    string
	params    PasswordParams
	hashSem   chan struct{}
	idle      time.Duration
	absolute  time.Duration
	pending   time.Duration
	throttle  ThrottlePolicy

	dummyOnce sync.Once
	dummy     string // a hash to verify against for unknown usernames
}

// NewService checks c and returns a Service.
func NewService(c Config) (*Service, error) {
	switch {
	case c.Store == nil:
		return nil, errors.New("auth: no store")
	case c.Now == nil:
		return nil, errors.New("auth: no clock")
	case c.Pseudonym == nil:
		return nil, errors.New("auth: no pseudonym function")
	}
	s := &Service{store: c.Store, now: c.Now, log: c.Logger, pseudonym: c.Pseudonym, issuer: c.Issuer,
		params: c.Password, idle: c.IdleTimeout, absolute: c.AbsoluteTimeout, pending: c.PendingTimeout, throttle: c.Throttle}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.issuer == "" {
		s.issuer = "trement"
	}
	if s.params == (PasswordParams{}) {
		s.params = DefaultPasswordParams
	}
	n := c.MaxConcurrentHashes
	if n <= 0 {
		n = 4
	}
	s.hashSem = make(chan struct{}, n)
	if s.idle == 0 {
		s.idle = DefaultIdleTimeout
	}
	if s.absolute == 0 {
		s.absolute = DefaultAbsoluteTimeout
	}
	if s.pending == 0 {
		s.pending = DefaultPendingTimeout
	}
	if s.throttle == (ThrottlePolicy{}) {
		s.throttle = DefaultThrottlePolicy
	}
	return s, nil
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// hash runs argon2id under the concurrency bound.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer s.release()
	return HashPassword(password, s.params)
}

// verify checks password against phc, or against a dummy hash when phc is
// empty (unknown user), so both take the same time.
func (s *Service) verify(ctx context.Context, phc, password string) (ok, rehash bool, err error) {
	if phc == "" {
		s.dummyOnce.Do(func() { s.dummy, _ = HashPassword(randomToken(16), s.params) })
		phc = s.dummy
	}
	if err := s.acquire(ctx); err != nil {
		return false, false, err
	}
	defer s.release()
	return VerifyPassword(phc, password, s.params)
}

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) release() { <-s.hashSem }

// event builds an audit event for p.
func event(r RequestInfo, p *Principal, action, target string, out audit.Outcome, reason string) *audit.Event {
	return &audit.Event{ActorType: p.ActorType(), ActorID: p.ActorID(), Action: action, Target: target,
		Outcome: out, Reason: reason, RequestID: r.RequestID, SourceIP: r.SourceIP}
}

// operatorActor is the principal of an operator acting through sign-in.
func operatorActor(o *Operator) *Principal {
	return &Principal{Kind: KindOperator, OperatorID: o.ID, Username: o.Username, Role: o.Role}
}

// record appends events in a transaction of their own: for failures and
// denials, whose action did not happen but must be recorded.
func (s *Service) record(ctx context.Context, es ...*audit.Event) error {
	err := s.store.Update(ctx, func(tx Tx) error {
		for _, e := range es {
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("auth: audit: %w", err)
	}
	return nil
}

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{2,63}$`)

// NormalizeUsername lower-cases and trims a username.
func NormalizeUsername(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

func checkUsername(u string) error {
	if !usernameRE.MatchString(u) {
		return fmt.Errorf("%w: a username is 3–64 characters: letters, digits, '.', '_', '@', '-'", ErrInvalid)
	}
	return nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// throttleKeys returns the keys failures count under: the account and the
// source address, both as keyed pseudonyms.
func (s *Service) throttleKeys(username, ip string) (acct, addr string) {
	acct = "acct:" + s.pseudonym("login-user", username)
	if ip != "" {
		addr = "addr:" + s.pseudonym("login-ip", ip)
	}
	return acct, addr
}

// lockedUntil returns the latest lock on any of keys still in force.
func (s *Service) lockedUntil(tx Tx, now time.Time, keys ...string) (time.Time, error) {
	var until time.Time
	for _, k := range keys {
		if k == "" {
			continue
		}
		th, err := tx.LoginThrottle(k)
		if err != nil {
			return time.Time{}, err
		}
		if th.LockedUntil.After(now) && th.LockedUntil.After(until) {
			until = th.LockedUntil
		}
	}
	return until, nil
}

// countFailure adds a failure to th and reports whether it locked th now.
func (p ThrottlePolicy) countFailure(th *Throttle, limit int, now time.Time) bool {
	if !th.UpdatedAt.IsZero() && now.Sub(th.UpdatedAt) >= p.Forget {
		th.Failures, th.Lockouts = 0, 0
	}
	th.Failures++
	th.UpdatedAt = now
	if th.Failures < limit {
		return false
	}
	th.Lockouts++
	d := p.Lockout
	for i := 1; i < th.Lockouts && d < p.MaxLockout; i++ {
		d *= 2
	}
	d = min(d, p.MaxLockout)
	th.LockedUntil = now.Add(d)
	th.Failures = 0
	return true
}

// fail records a failed sign-in step: it counts it against the account
// and the address, appends the failure (and any lockout) to the audit log,
// and returns the error to give: a LockedError if this failure locked the
// account or address, else plain.
func (s *Service) fail(ctx context.Context, r RequestInfo, p *Principal, acct, addr, target, reason string, plain error) error {
	now := s.clock()
	var until time.Time
	err := s.store.Update(ctx, func(tx Tx) error {
		for _, k := range []struct {
			key   string
			limit int
			what  string
		}{{acct, s.throttle.AccountFailures, "account"}, {addr, s.throttle.AddressFailures, "source address"}} {
			if k.key == "" {
				continue
			}
			th, err := tx.LoginThrottle(k.key)
			if err != nil {
				return err
			}
			if s.throttle.countFailure(th, k.limit, now) {
				until = maxTime(until, th.LockedUntil)
				msg := fmt.Sprintf("%s locked until %s after %d failures (lockout %d)", k.what, th.LockedUntil.Format(time.RFC3339), k.limit, th.Lockouts)
				if err := tx.AppendAudit(event(r, p, audit.ActionLockout, target, audit.Denied, msg)); err != nil {
					return err
				}
			}
			if err := tx.PutLoginThrottle(th); err != nil {
				return err
			}
		}
		return tx.AppendAudit(event(r, p, audit.ActionLoginFailed, target, audit.Failure, reason))
	})
	if err != nil {
		return fmt.Errorf("auth: record failed sign-in: %w", err)
	}
	if !until.IsZero() {
		return &LockedError{Until: until}
	}
	return plain
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// notFound maps ErrNotFound to alt.
func notFound(err, alt error) error {
	if errors.Is(err, ErrNotFound) {
		return alt
	}
	return err
}
