package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"runtime"
	"runtime/debug"
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
	// HashMemory is how many bytes argon2id runs may use at once: each
	// takes its hash's memory parameter (Password.MemoryKiB for new ones)
	// and waits until it fits, so a burst of sign-ins cannot take more.
	// Zero means DefaultHashMemory.
	HashMemory      int64
	IdleTimeout     time.Duration // zero: DefaultIdleTimeout
	AbsoluteTimeout time.Duration // zero: DefaultAbsoluteTimeout
	PendingTimeout  time.Duration // zero: DefaultPendingTimeout
	Throttle        ThrottlePolicy
}

// Service is the auth domain's behaviour over a Store.
type Service struct {
	store     Store
	now       func() time.Time
	log       *slog.Logger
	pseudonym func(domain, value string) string
	issuer    string
	params    PasswordParams
	hashes    *hashBudget
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
	budget := c.HashMemory
	if budget <= 0 {
		budget = DefaultHashMemory
	}
	s.hashes = newHashBudget(budget, runtime.GC, debug.FreeOSMemory)
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

// hash runs argon2id within the memory budget.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.hashes.acquire(ctx, s.params.MemoryKiB); err != nil {
		return "", err
	}
	defer s.hashes.release(s.params.MemoryKiB)
	return HashPassword(password, s.params)
}

// verify checks password against phc, or against a dummy hash when phc is
// empty (unknown user), so both take the same time. It waits for the
// memory the stored hash's parameters need.
func (s *Service) verify(ctx context.Context, phc, password string) (ok, rehash bool, err error) {
	if phc == "" {
		s.dummyOnce.Do(func() { s.dummy, _ = HashPassword(randomToken(16), s.params) })
		phc = s.dummy
	}
	p, _, _, err := parsePHC(phc)
	if err != nil {
		return false, false, err
	}
	if err := s.hashes.acquire(ctx, p.MemoryKiB); err != nil {
		return false, false, err
	}
	defer s.hashes.release(p.MemoryKiB)
	return VerifyPassword(phc, password, s.params)
}

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

// A guess is one password, TOTP or recovery code about to be checked. It
// is counted against the account and the source address BEFORE it is
// checked, in one transaction that locks both throttle rows (on
// PostgreSQL, across replicas; SQLite has one writer), so however many
// guesses race, no more than the limit are ever checked: the one that
// reaches the limit sets the lock as it is counted, and every later one
// finds the lock and is refused unchecked. A guess that turns out right is
// handed back (settle); one that was wrong stays counted (miss).
type guess struct {
	r      RequestInfo
	p      *Principal
	target string
	keys   []guessKey
}

type guessKey struct {
	key   string
	limit int
	what  string    // "account" or "source address", for the audit log
	set   time.Time // the lock this guess set by reaching the limit; zero if none
	th    *Throttle // the row as this guess left it
}

func (s *Service) guessKeys(acct, addr string) []guessKey {
	keys := []guessKey{{key: acct, limit: s.throttle.AccountFailures, what: "account"}}
	if addr != "" {
		keys = append(keys, guessKey{key: addr, limit: s.throttle.AddressFailures, what: "source address"})
	}
	return keys
}

// errStillLocked rolls back a guess that found a lock.
var errStillLocked = errors.New("auth: locked")

// takeGuess counts a guess against acct and addr (always in that order, so
// concurrent transactions cannot deadlock). While either is locked nothing
// is counted, the refusal is audited and a *LockedError returned: the
// caller must not check the guess.
func (s *Service) takeGuess(ctx context.Context, r RequestInfo, p *Principal, target, acct, addr string) (*guess, error) {
	now := s.clock()
	g := &guess{r: r, p: p, target: target}
	var until time.Time
	err := s.store.Update(ctx, func(tx Tx) error {
		g.keys, until = s.guessKeys(acct, addr), time.Time{}
		for i := range g.keys {
			k := &g.keys[i]
			th, err := tx.LoginThrottleForUpdate(k.key)
			if err != nil {
				return err
			}
			if th.LockedUntil.After(now) {
				until = maxTime(until, th.LockedUntil)
				continue
			}
			if s.throttle.countFailure(th, k.limit, now) {
				k.set = th.LockedUntil
			}
			if err := tx.PutLoginThrottle(th); err != nil {
				return err
			}
			k.th = th
		}
		if !until.IsZero() {
			return errStillLocked
		}
		return nil
	})
	if errors.Is(err, errStillLocked) {
		if err := s.record(ctx, event(r, p, audit.ActionLoginFailed, target, audit.Denied, "locked until "+until.Format(time.RFC3339))); err != nil {
			return nil, err
		}
		return nil, &LockedError{Until: until}
	}
	if err != nil {
		return nil, fmt.Errorf("auth: count sign-in attempt: %w", err)
	}
	return g, nil
}

// miss records that g was wrong: the failure, and a lockout for each key
// g's counting locked. It returns the error to give: a *LockedError if g
// locked the account or address, else plain.
func (s *Service) miss(ctx context.Context, g *guess, reason string, plain error) error {
	events := []*audit.Event{event(g.r, g.p, audit.ActionLoginFailed, g.target, audit.Failure, reason)}
	var until time.Time
	for _, k := range g.keys {
		if k.set.IsZero() {
			continue
		}
		until = maxTime(until, k.set)
		events = append(events, event(g.r, g.p, audit.ActionLockout, g.target, audit.Denied,
			fmt.Sprintf("%s locked until %s after %d failures (lockout %d)", k.what, k.set.Format(time.RFC3339), k.limit, k.th.Lockouts)))
	}
	if err := s.record(ctx, events...); err != nil {
		return fmt.Errorf("auth: record failed sign-in: %w", err)
	}
	if !until.IsZero() {
		return &LockedError{Until: until}
	}
	return plain
}

// settle hands back g, which was right, inside the transaction that acts
// on it: the count it added is taken off again (and a lock its counting
// set is lifted, since the guess that reached the limit was a good one).
// signedIn also clears the account's record, as a finished sign-in does.
func (s *Service) settle(tx Tx, g *guess, signedIn bool) error {
	for i, k := range g.keys {
		if i == 0 && signedIn {
			if err := tx.DeleteLoginThrottle(k.key); err != nil {
				return err
			}
			continue
		}
		th, err := tx.LoginThrottleForUpdate(k.key)
		if err != nil {
			return err
		}
		switch {
		case !k.set.IsZero() && th.LockedUntil.Equal(k.set):
			th.LockedUntil, th.Lockouts, th.Failures = time.Time{}, max(0, th.Lockouts-1), k.limit-1
		case th.Failures > 0:
			th.Failures--
		default:
			continue
		}
		if err := tx.PutLoginThrottle(th); err != nil {
			return err
		}
	}
	return nil
}

// settleNow is settle in a transaction of its own, for a right guess
// whose action is then refused for another reason.
func (s *Service) settleNow(ctx context.Context, g *guess) error {
	return s.store.Update(ctx, func(tx Tx) error { return s.settle(tx, g, false) })
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
