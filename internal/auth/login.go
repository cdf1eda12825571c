package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/trement/trement/internal/audit"
)

// Step is what sign-in needs next.
type Step string

// Sign-in steps.
const (
	StepTOTP  Step = "totp"  // enter a TOTP or recovery code
	StepEnrol Step = "enrol" // enrol TOTP (BeginEnrolment, ConfirmEnrolment)
	StepDone  Step = "done"  // signed in: the session is full
)

// LoginResult is the outcome of a sign-in step that succeeded.
type LoginResult struct {
	Token    string // the new session token for the cookie; the old one is dead
	Session  *Session
	Operator *Operator
	Next     Step
	// RecoveryCodes are the fresh recovery codes after enrolment: shown
	// once, never again.
	RecoveryCodes []string
	// RecoveryCodesLeft is how many unused recovery codes remain after
	// signing in with one.
	RecoveryCodesLeft int
}

func (s *Service) newSession(op *Operator, state SessionState, ip string, now time.Time) (string, *Session) {
	tok := newSessionToken()
	end := now.Add(s.absolute)
	if state != SessionFull {
		end = now.Add(s.pending)
	}
	return tok, &Session{ID: newID(), TokenHash: HashToken(tok), OperatorID: op.ID, State: state, SourceIP: ip,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: end}
}

func operatorTarget(id string) string { return "operator:" + id }

// Login checks a username and password. On success it returns a pending
// session (Next is StepTOTP, or StepEnrol for an operator without TOTP) that
// can only finish sign-in. ErrInvalidCredentials for a wrong username or
// password or a disabled account (the three are not told apart), a
// *LockedError (ErrLocked) while the account or address is locked; a locked
// account's password is not even checked. The attempt is counted before
// the password is checked, so concurrent guesses cannot exceed the limit.
func (s *Service) Login(ctx context.Context, r RequestInfo, username, password string) (*LoginResult, error) {
	now := s.clock()
	username = NormalizeUsername(username)
	acct, addr := s.throttleKeys(username, r.SourceIP)
	var op *Operator
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		op, err = tx.OperatorByUsername(username)
		if errors.Is(err, ErrNotFound) {
			op, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	p, target := Anonymous(), "username:"+s.pseudonym("username", username)
	if op != nil {
		p, target = operatorActor(op), operatorTarget(op.ID)
	}
	g, err := s.takeGuess(ctx, r, p, target, acct, addr)
	if err != nil {
		return nil, err
	}
	phc := ""
	if op != nil {
		phc = op.PasswordHash
	}
	ok, rehash, err := s.verify(ctx, phc, password)
	if err != nil && op != nil {
		s.log.Error("stored password hash unreadable", "operator_id", op.ID, "error", err)
	}
	switch {
	case op == nil:
		return nil, s.miss(ctx, g, "unknown username", ErrInvalidCredentials)
	case !ok:
		return nil, s.miss(ctx, g, "wrong password", ErrInvalidCredentials)
	case op.Disabled:
		return nil, s.miss(ctx, g, "account disabled", ErrInvalidCredentials)
	}
	newHash := ""
	if rehash {
		if newHash, err = s.hash(ctx, password); err != nil {
			return nil, fmt.Errorf("auth: login: rehash: %w", err)
		}
	}
	state, next := SessionMFA, StepTOTP
	if !op.MFAEnrolled {
		state, next = SessionEnrol, StepEnrol
	}
	tok, sess := s.newSession(op, state, r.SourceIP, now)
	err = s.store.Update(ctx, func(tx Tx) error {
		// The password was right: hand the attempt back. The account's
		// failures stay, so wrong codes count on from there.
		if err := s.settle(tx, g, false); err != nil {
			return err
		}
		if newHash != "" {
			cur, err := tx.OperatorForUpdate(op.ID)
			if err != nil {
				return err
			}
			cur.PasswordHash = newHash
			if err := tx.UpdateOperator(cur); err != nil {
				return err
			}
		}
		if err := tx.CreateSession(sess); err != nil {
			return err
		}
		return tx.AppendAudit(event(r, p, audit.ActionLoginPassword, target, audit.Success, "password accepted; "+string(next)+" due"))
	})
	if err != nil {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	return &LoginResult{Token: tok, Session: sess, Operator: op, Next: next}, nil
}

// PendingSession returns a session part-way through sign-in (SessionMFA or
// SessionEnrol) and its operator. ErrUnauthenticated if there is none,
// ErrSessionExpired if it timed out.
func (s *Service) PendingSession(ctx context.Context, token string) (*Session, *Operator, error) {
	return s.session(ctx, token, SessionMFA, SessionEnrol)
}

func (s *Service) session(ctx context.Context, token string, states ...SessionState) (*Session, *Operator, error) {
	if token == "" {
		return nil, nil, ErrUnauthenticated
	}
	var sess *Session
	var op *Operator
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if sess, err = tx.SessionByTokenHash(HashToken(token)); err != nil {
			return notFound(err, ErrUnauthenticated)
		}
		op, err = tx.Operator(sess.OperatorID)
		return notFound(err, ErrUnauthenticated)
	})
	if err != nil {
		return nil, nil, err
	}
	ok := false
	for _, st := range states {
		ok = ok || sess.State == st
	}
	now := s.clock()
	switch {
	case !ok:
		return nil, nil, fmt.Errorf("%w: this session is at another sign-in step", ErrUnauthenticated)
	case op.Disabled:
		return nil, nil, ErrUnauthenticated
	case !now.Before(sess.ExpiresAt), sess.State == SessionFull && now.Sub(sess.LastSeenAt) >= s.idle:
		if err := s.store.Update(ctx, func(tx Tx) error { return tx.DeleteSession(sess.ID) }); err != nil {
			s.log.Warn("delete expired session", "error", err)
		}
		return nil, nil, ErrSessionExpired
	}
	return sess, op, nil
}

// errRetry marks a failure found inside the finishing transaction (a
// replayed code lost a race, a recovery code was used): the transaction is
// rolled back and the failure recorded on its own.
type errRetry struct{ reason string }

func (e errRetry) Error() string { return e.reason }

// finish ends sign-in: in one transaction it runs check, rotates the
// pending session into a full one, records the sign-in, clears the
// account's failure count (hands g back) and appends the audit events.
func (s *Service) finish(ctx context.Context, r RequestInfo, pending *Session, op *Operator, g *guess, check func(Tx) ([]*audit.Event, error)) (*LoginResult, error) {
	now := s.clock()
	p, target := operatorActor(op), operatorTarget(op.ID)
	tok, full := s.newSession(op, SessionFull, r.SourceIP, now)
	err := s.store.Update(ctx, func(tx Tx) error {
		events, err := check(tx)
		if err != nil {
			return err
		}
		if err := tx.DeleteSession(pending.ID); err != nil {
			return err
		}
		if err := tx.CreateSession(full); err != nil {
			return err
		}
		if err := tx.RecordLogin(op.ID, now); err != nil {
			return err
		}
		if err := s.settle(tx, g, true); err != nil {
			return err
		}
		for _, e := range events {
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		return tx.AppendAudit(event(r, p, audit.ActionLogin, target, audit.Success, "session "+full.ID))
	})
	var retry errRetry
	if errors.As(err, &retry) {
		return nil, s.missMFA(ctx, pending, g, retry.reason)
	}
	if err != nil {
		return nil, fmt.Errorf("auth: finish sign-in: %w", err)
	}
	op.LastLoginAt = now
	return &LoginResult{Token: tok, Session: full, Operator: op, Next: StepDone}, nil
}

// missMFA records a wrong code; if that locks the account the pending
// session is ended too, so sign-in starts over from the password.
func (s *Service) missMFA(ctx context.Context, pending *Session, g *guess, reason string) error {
	err := s.miss(ctx, g, reason, ErrInvalidCode)
	if errors.Is(err, ErrLocked) {
		if derr := s.store.Update(ctx, func(tx Tx) error { return tx.DeleteSession(pending.ID) }); derr != nil {
			return fmt.Errorf("auth: end locked session: %w", derr)
		}
	}
	return err
}

// mfaGate loads the pending session and takes a guess for its code;
// while locked it ends the pending session and refuses.
func (s *Service) mfaGate(ctx context.Context, r RequestInfo, token string, state SessionState) (*Session, *Operator, *guess, error) {
	sess, op, err := s.session(ctx, token, state)
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := s.mfaGuess(ctx, r, sess, op)
	return sess, op, g, err
}

func (s *Service) mfaGuess(ctx context.Context, r RequestInfo, sess *Session, op *Operator) (*guess, error) {
	acct, addr := s.throttleKeys(op.Username, r.SourceIP)
	g, err := s.takeGuess(ctx, r, operatorActor(op), operatorTarget(op.ID), acct, addr)
	if errors.Is(err, ErrLocked) {
		if derr := s.store.Update(ctx, func(tx Tx) error { return tx.DeleteSession(sess.ID) }); derr != nil {
			return nil, fmt.Errorf("auth: end locked session: %w", derr)
		}
	}
	return g, err
}

// CompleteTOTP finishes sign-in with a TOTP code and returns a full
// session under a new token. ErrInvalidCode for a wrong, expired (more than
// one step away) or replayed code (its time step is at or before the last
// accepted one); a *LockedError when failures lock the account.
func (s *Service) CompleteTOTP(ctx context.Context, r RequestInfo, token, code string) (*LoginResult, error) {
	sess, op, g, err := s.mfaGate(ctx, r, token, SessionMFA)
	if err != nil {
		return nil, err
	}
	step, ok := matchTOTP(op.TOTPSecret, code, s.clock())
	switch {
	case !ok:
		return nil, s.missMFA(ctx, sess, g, "wrong or expired TOTP code")
	case step <= op.TOTPLastStep:
		return nil, s.missMFA(ctx, sess, g, "replayed TOTP code (time step already used)")
	}
	return s.finish(ctx, r, sess, op, g, func(tx Tx) ([]*audit.Event, error) {
		advanced, err := tx.AdvanceTOTPStep(op.ID, step)
		if err != nil {
			return nil, err
		}
		if !advanced {
			return nil, errRetry{"replayed TOTP code (time step already used)"}
		}
		return nil, nil
	})
}

// CompleteRecovery finishes sign-in with a single-use recovery code instead
// of TOTP. ErrInvalidCode for a wrong or already used code.
func (s *Service) CompleteRecovery(ctx context.Context, r RequestInfo, token, code string) (*LoginResult, error) {
	sess, op, g, err := s.mfaGate(ctx, r, token, SessionMFA)
	if err != nil {
		return nil, err
	}
	left := 0
	res, err := s.finish(ctx, r, sess, op, g, func(tx Tx) ([]*audit.Event, error) {
		used, err := tx.ConsumeRecoveryCode(op.ID, hashRecoveryCode(code))
		if err != nil {
			return nil, err
		}
		if !used {
			return nil, errRetry{"wrong or used recovery code"}
		}
		if left, err = tx.RecoveryCodesLeft(op.ID); err != nil {
			return nil, err
		}
		return []*audit.Event{event(r, operatorActor(op), audit.ActionRecoveryCodeUsed, operatorTarget(op.ID), audit.Success,
			fmt.Sprintf("%d recovery codes left", left))}, nil
	})
	if err != nil {
		return nil, err
	}
	res.RecoveryCodesLeft = left
	return res, nil
}

// BeginEnrolment makes a new TOTP secret for an operator whose session is
// at the enrolment step and returns it with its QR code: shown this once.
// Calling it again replaces the secret. ErrInvalid if already enrolled.
func (s *Service) BeginEnrolment(ctx context.Context, r RequestInfo, token string) (*Enrolment, error) {
	_, op, err := s.session(ctx, token, SessionEnrol)
	if err != nil {
		return nil, err
	}
	en, err := newEnrolment(s.issuer, op.Username)
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.OperatorForUpdate(op.ID)
		if err != nil {
			return err
		}
		if cur.MFAEnrolled {
			return fmt.Errorf("%w: TOTP is already enrolled", ErrInvalid)
		}
		cur.TOTPSecret = en.Secret
		cur.UpdatedAt = s.clock()
		if err := tx.UpdateOperator(cur); err != nil {
			return err
		}
		return tx.AppendAudit(event(r, operatorActor(op), audit.ActionMFAEnrolStart, operatorTarget(op.ID), audit.Success, "new TOTP secret issued"))
	})
	if err != nil {
		return nil, fmt.Errorf("auth: begin enrolment: %w", err)
	}
	return en, nil
}

// ConfirmEnrolment checks a code from the newly enrolled secret; on
// success TOTP is on, ten recovery codes are made (returned once) and the
// session becomes full under a new token. ErrInvalidCode for a wrong code,
// ErrInvalid if enrolment was not begun.
func (s *Service) ConfirmEnrolment(ctx context.Context, r RequestInfo, token, code string) (*LoginResult, error) {
	sess, op, err := s.session(ctx, token, SessionEnrol)
	if err != nil {
		return nil, err
	}
	if op.TOTPSecret == "" {
		return nil, fmt.Errorf("%w: begin enrolment first", ErrInvalid)
	}
	g, err := s.mfaGuess(ctx, r, sess, op)
	if err != nil {
		return nil, err
	}
	step, ok := matchTOTP(op.TOTPSecret, code, s.clock())
	if !ok {
		return nil, s.missMFA(ctx, sess, g, "wrong or expired TOTP code at enrolment")
	}
	codes := make([]string, RecoveryCodes)
	hashes := make([][]byte, RecoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = hashRecoveryCode(codes[i])
	}
	res, err := s.finish(ctx, r, sess, op, g, func(tx Tx) ([]*audit.Event, error) {
		cur, err := tx.OperatorForUpdate(op.ID)
		if err != nil {
			return nil, err
		}
		if cur.TOTPSecret != op.TOTPSecret || cur.MFAEnrolled {
			return nil, fmt.Errorf("%w: enrolment changed meanwhile; start again", ErrInvalid)
		}
		cur.MFAEnrolled = true
		cur.UpdatedAt = s.clock()
		if err := tx.UpdateOperator(cur); err != nil {
			return nil, err
		}
		if _, err := tx.AdvanceTOTPStep(op.ID, step); err != nil {
			return nil, err
		}
		if err := tx.ReplaceRecoveryCodes(op.ID, hashes); err != nil {
			return nil, err
		}
		return []*audit.Event{event(r, operatorActor(op), audit.ActionMFAEnrolled, operatorTarget(op.ID), audit.Success,
			fmt.Sprintf("TOTP confirmed; %d recovery codes issued", len(codes)))}, nil
	})
	if err != nil {
		return nil, err
	}
	res.Operator.MFAEnrolled = true
	res.RecoveryCodes = codes
	return res, nil
}

// Authenticate returns the principal of a full session. ErrUnauthenticated
// if the token names no full session or its operator is disabled,
// ErrSessionExpired after 30 minutes idle or 12 hours in all (the session
// is then deleted).
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, *Session, error) {
	sess, op, err := s.session(ctx, token, SessionFull)
	if err != nil {
		return nil, nil, err
	}
	if now := s.clock(); now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.Update(ctx, func(tx Tx) error { return tx.TouchSession(sess.ID, now) }); err != nil {
			return nil, nil, fmt.Errorf("auth: touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	p := operatorActor(op)
	p.SessionID = sess.ID
	return p, sess, nil
}

// Logout ends p's session.
func (s *Service) Logout(ctx context.Context, r RequestInfo, p *Principal) error {
	if p.Kind != KindOperator || p.SessionID == "" {
		return fmt.Errorf("%w: not a console session", ErrInvalid)
	}
	err := s.store.Update(ctx, func(tx Tx) error {
		if err := tx.DeleteSession(p.SessionID); err != nil {
			return err
		}
		return tx.AppendAudit(event(r, p, audit.ActionLogout, "session:"+p.SessionID, audit.Success, ""))
	})
	if err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// LogoutEverywhere ends every session of p's operator, this one included,
// and returns how many there were. API tokens are not touched: revoke them.
func (s *Service) LogoutEverywhere(ctx context.Context, r RequestInfo, p *Principal) (int, error) {
	if p.OperatorID == "" {
		return 0, fmt.Errorf("%w: no operator", ErrInvalid)
	}
	n := 0
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		if n, err = tx.DeleteOperatorSessions(p.OperatorID); err != nil {
			return err
		}
		return tx.AppendAudit(event(r, p, audit.ActionLogoutEverywhere, operatorTarget(p.OperatorID), audit.Success, fmt.Sprintf("%d sessions ended", n)))
	})
	if err != nil {
		return 0, fmt.Errorf("auth: logout everywhere: %w", err)
	}
	return n, nil
}

// PurgeSessions deletes sessions past their absolute end; run it now and
// then (sessions idle out on use anyway).
func (s *Service) PurgeSessions(ctx context.Context) (int, error) {
	n := 0
	err := s.store.Update(ctx, func(tx Tx) error {
		var err error
		n, err = tx.DeleteExpiredSessions(s.clock())
		return err
	})
	return n, err
}
