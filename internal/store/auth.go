package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/vault"
)

var (
	_ auth.Tx    = (*Tx)(nil)
	_ auth.Store = authStore{}
)

// authStore adapts DB's transactions to auth.Store.
type authStore struct{ db *DB }

// AuthStore returns the store the auth service runs on.
func (db *DB) AuthStore() auth.Store { return authStore{db} }

func (s authStore) Update(ctx context.Context, fn func(auth.Tx) error) error {
	return s.db.Update(ctx, func(t *Tx) error { return fn(t) })
}

func (s authStore) View(ctx context.Context, fn func(auth.Tx) error) error {
	return s.db.View(ctx, func(t *Tx) error { return fn(t) })
}

// OperatorOwner is the vault owner of an operator's data key, which seals
// their TOTP secret; destroying it crypto-shreds the secret.
func OperatorOwner(id string) string { return "operator:" + id }

func totpLoc(id string) vault.Loc {
	return vault.Loc{Table: "operators", Column: "totp_secret", Row: id}
}

func authNotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return auth.ErrNotFound
	}
	return err
}

const operatorCols = "id, username, role, password_hash, totp_secret_enc, mfa_enrolled, totp_last_step, disabled, password_changed_at, last_login_at, created_at, updated_at"

func (t *Tx) scanOperator(row interface{ Scan(...any) error }) (*auth.Operator, error) {
	var o auth.Operator
	var role string
	var secret []byte
	var changed, login, created, updated int64
	err := row.Scan(&o.ID, &o.Username, &role, &o.PasswordHash, &secret, &o.MFAEnrolled, &o.TOTPLastStep, &o.Disabled, &changed, &login, &created, &updated)
	if err != nil {
		return nil, authNotFound(err)
	}
	o.Role = auth.Role(role)
	o.PasswordChangedAt, o.LastLoginAt, o.CreatedAt, o.UpdatedAt = fromMS(changed), fromMS(login), fromMS(created), fromMS(updated)
	if secret != nil {
		ci, err := t.cipherFor(OperatorOwner(o.ID))
		if err != nil {
			return nil, fmt.Errorf("store: operator %s key: %w", o.ID, err)
		}
		if o.TOTPSecret, err = ci.OpenString(totpLoc(o.ID), secret); err != nil {
			return nil, fmt.Errorf("store: open operator %s totp secret: %w", o.ID, err)
		}
	}
	return &o, nil
}

func (t *Tx) sealTOTP(o *auth.Operator) ([]byte, error) {
	if o.TOTPSecret == "" {
		return nil, nil
	}
	ci, err := t.cipherFor(OperatorOwner(o.ID))
	if err != nil {
		return nil, fmt.Errorf("store: operator %s key: %w", o.ID, err)
	}
	return ci.SealString(totpLoc(o.ID), o.TOTPSecret), nil
}

// CreateOperator stores o with a fresh data key (owner "operator:<id>")
// for its TOTP secret; it sets o.ID if empty, CreatedAt and UpdatedAt.
// auth.ErrDuplicate if the username is taken.
func (t *Tx) CreateOperator(o *auth.Operator) error {
	if o.ID == "" {
		o.ID = NewID()
	}
	o.CreatedAt, o.UpdatedAt = t.Now, t.Now
	if _, err := t.newOwnerKey(OperatorOwner(o.ID)); err != nil {
		return err
	}
	secret, err := t.sealTOTP(o)
	if err != nil {
		return err
	}
	res, err := t.exec("INSERT INTO operators ("+operatorCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
		o.ID, o.Username, string(o.Role), o.PasswordHash, secret, o.MFAEnrolled, o.TOTPLastStep, o.Disabled,
		ms(o.PasswordChangedAt), ms(o.LastLoginAt), ms(o.CreatedAt), ms(o.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: create operator: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if err := t.DestroyDataKey(OperatorOwner(o.ID)); err != nil {
			return err
		}
		return auth.ErrDuplicate
	}
	return nil
}

// Operator returns an operator by id. auth.ErrNotFound.
func (t *Tx) Operator(id string) (*auth.Operator, error) {
	return t.scanOperator(t.queryRow("SELECT "+operatorCols+" FROM operators WHERE id = ?", id))
}

// OperatorForUpdate is Operator, locking the row to the end of the
// transaction on PostgreSQL (SQLite's single writer already serialises).
func (t *Tx) OperatorForUpdate(id string) (*auth.Operator, error) {
	q := "SELECT " + operatorCols + " FROM operators WHERE id = ?"
	if t.db.backend == Postgres {
		q += " FOR UPDATE"
	}
	return t.scanOperator(t.queryRow(q, id))
}

// OperatorByUsername returns an operator by username. auth.ErrNotFound.
func (t *Tx) OperatorByUsername(username string) (*auth.Operator, error) {
	return t.scanOperator(t.queryRow("SELECT "+operatorCols+" FROM operators WHERE username = ?", username))
}

// Operators lists every operator by username.
func (t *Tx) Operators() ([]*auth.Operator, error) {
	rows, err := t.query("SELECT " + operatorCols + " FROM operators ORDER BY username")
	if err != nil {
		return nil, fmt.Errorf("store: operators: %w", err)
	}
	defer rows.Close()
	var out []*auth.Operator
	for rows.Next() {
		o, err := t.scanOperator(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// UpdateOperator writes o's role, password hash, TOTP secret (sealed),
// enrolment, disabled flag and change times; not its username, last
// accepted TOTP step or last sign-in, which have methods of their own.
// auth.ErrNotFound.
func (t *Tx) UpdateOperator(o *auth.Operator) error {
	secret, err := t.sealTOTP(o)
	if err != nil {
		return err
	}
	o.UpdatedAt = t.Now
	res, err := t.exec(`UPDATE operators SET role = ?, password_hash = ?, totp_secret_enc = ?, mfa_enrolled = ?, disabled = ?,
		password_changed_at = ?, updated_at = ? WHERE id = ?`,
		string(o.Role), o.PasswordHash, secret, o.MFAEnrolled, o.Disabled, ms(o.PasswordChangedAt), ms(o.UpdatedAt), o.ID)
	if err != nil {
		return fmt.Errorf("store: update operator: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return auth.ErrNotFound
	}
	return nil
}

// AdvanceTOTPStep stores step as the operator's last accepted TOTP step if
// it is later than the stored one, and reports whether it was; a
// conditional UPDATE, so two requests racing with one code cannot both win.
func (t *Tx) AdvanceTOTPStep(operatorID string, step int64) (bool, error) {
	res, err := t.exec("UPDATE operators SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", step, operatorID, step)
	if err != nil {
		return false, fmt.Errorf("store: advance totp step: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecordLogin sets an operator's last sign-in time.
func (t *Tx) RecordLogin(operatorID string, at time.Time) error {
	if _, err := t.exec("UPDATE operators SET last_login_at = ? WHERE id = ?", ms(at), operatorID); err != nil {
		return fmt.Errorf("store: record login: %w", err)
	}
	return nil
}

// DeleteOperator destroys the operator's data key (crypto-shredding the
// TOTP secret) and deletes the operator; sessions, tokens and recovery
// codes go with it. auth.ErrNotFound.
func (t *Tx) DeleteOperator(id string) error {
	res, err := t.exec("DELETE FROM operators WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("store: delete operator: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return auth.ErrNotFound
	}
	return t.DestroyDataKey(OperatorOwner(id))
}

// CountOperators counts enabled operators with role.
func (t *Tx) CountOperators(role auth.Role) (int, error) {
	var n int
	err := t.queryRow("SELECT COUNT(*) FROM operators WHERE role = ? AND disabled = ?", string(role), false).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count operators: %w", err)
	}
	return n, nil
}

// ReplaceRecoveryCodes replaces an operator's recovery-code hashes.
func (t *Tx) ReplaceRecoveryCodes(operatorID string, hashes [][]byte) error {
	if _, err := t.exec("DELETE FROM operator_recovery_codes WHERE operator_id = ?", operatorID); err != nil {
		return fmt.Errorf("store: replace recovery codes: %w", err)
	}
	for _, h := range hashes {
		if _, err := t.exec("INSERT INTO operator_recovery_codes (operator_id, code_hash, created_at) VALUES (?, ?, ?)", operatorID, h, ms(t.Now)); err != nil {
			return fmt.Errorf("store: replace recovery codes: %w", err)
		}
	}
	return nil
}

// ConsumeRecoveryCode marks an unused code used and reports whether one
// was; a conditional UPDATE, so a code works once even under races.
func (t *Tx) ConsumeRecoveryCode(operatorID string, hash []byte) (bool, error) {
	res, err := t.exec("UPDATE operator_recovery_codes SET used_at = ? WHERE operator_id = ? AND code_hash = ? AND used_at = 0", ms(t.Now), operatorID, hash)
	if err != nil {
		return false, fmt.Errorf("store: consume recovery code: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RecoveryCodesLeft counts an operator's unused recovery codes.
func (t *Tx) RecoveryCodesLeft(operatorID string) (int, error) {
	var n int
	if err := t.queryRow("SELECT COUNT(*) FROM operator_recovery_codes WHERE operator_id = ? AND used_at = 0", operatorID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: recovery codes left: %w", err)
	}
	return n, nil
}

const sessionCols = "id, token_hash, operator_id, state, source_ip, created_at, last_seen_at, expires_at"

// CreateSession stores s.
func (t *Tx) CreateSession(s *auth.Session) error {
	_, err := t.exec("INSERT INTO sessions ("+sessionCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		s.ID, s.TokenHash, s.OperatorID, string(s.State), s.SourceIP, ms(s.CreatedAt), ms(s.LastSeenAt), ms(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// SessionByTokenHash returns a session by its token's hash. auth.ErrNotFound.
func (t *Tx) SessionByTokenHash(hash []byte) (*auth.Session, error) {
	var s auth.Session
	var state string
	var created, seen, expires int64
	err := t.queryRow("SELECT "+sessionCols+" FROM sessions WHERE token_hash = ?", hash).
		Scan(&s.ID, &s.TokenHash, &s.OperatorID, &state, &s.SourceIP, &created, &seen, &expires)
	if err != nil {
		return nil, authNotFound(err)
	}
	s.State = auth.SessionState(state)
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return &s, nil
}

// TouchSession sets a session's last-seen time.
func (t *Tx) TouchSession(id string, at time.Time) error {
	if _, err := t.exec("UPDATE sessions SET last_seen_at = ? WHERE id = ?", ms(at), id); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession removes a session; a missing one is not an error.
func (t *Tx) DeleteSession(id string) error {
	if _, err := t.exec("DELETE FROM sessions WHERE id = ?", id); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteOperatorSessions removes every session of an operator and returns
// how many there were.
func (t *Tx) DeleteOperatorSessions(operatorID string) (int, error) {
	res, err := t.exec("DELETE FROM sessions WHERE operator_id = ?", operatorID)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteExpiredSessions removes sessions whose absolute end is before at.
func (t *Tx) DeleteExpiredSessions(at time.Time) (int, error) {
	res, err := t.exec("DELETE FROM sessions WHERE expires_at < ?", ms(at))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

const tokenCols = "id, token_hash, operator_id, name, scopes, created_at, expires_at, revoked_at, last_used_at"

func scanToken(row interface{ Scan(...any) error }) (*auth.Token, error) {
	var tk auth.Token
	var scopes string
	var created, expires, revoked, used int64
	if err := row.Scan(&tk.ID, &tk.TokenHash, &tk.OperatorID, &tk.Name, &scopes, &created, &expires, &revoked, &used); err != nil {
		return nil, authNotFound(err)
	}
	for _, s := range strings.Split(scopes, ",") {
		if s != "" {
			tk.Scopes = append(tk.Scopes, auth.Permission(s))
		}
	}
	tk.CreatedAt, tk.ExpiresAt, tk.RevokedAt, tk.LastUsedAt = fromMS(created), fromMS(expires), fromMS(revoked), fromMS(used)
	return &tk, nil
}

// CreateAPIToken stores tk.
func (t *Tx) CreateAPIToken(tk *auth.Token) error {
	scopes := make([]string, len(tk.Scopes))
	for i, s := range tk.Scopes {
		scopes[i] = string(s)
	}
	_, err := t.exec("INSERT INTO api_tokens ("+tokenCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		tk.ID, tk.TokenHash, tk.OperatorID, tk.Name, strings.Join(scopes, ","), ms(tk.CreatedAt), ms(tk.ExpiresAt), ms(tk.RevokedAt), ms(tk.LastUsedAt))
	if err != nil {
		return fmt.Errorf("store: create api token: %w", err)
	}
	return nil
}

// APITokenByHash returns a token by its hash. auth.ErrNotFound.
func (t *Tx) APITokenByHash(hash []byte) (*auth.Token, error) {
	return scanToken(t.queryRow("SELECT "+tokenCols+" FROM api_tokens WHERE token_hash = ?", hash))
}

// APIToken returns a token by id. auth.ErrNotFound.
func (t *Tx) APIToken(id string) (*auth.Token, error) {
	return scanToken(t.queryRow("SELECT "+tokenCols+" FROM api_tokens WHERE id = ?", id))
}

// APITokens lists the tokens operatorID created (all if empty), newest first.
func (t *Tx) APITokens(operatorID string) ([]*auth.Token, error) {
	rows, err := t.query("SELECT "+tokenCols+" FROM api_tokens WHERE (? = '' OR operator_id = ?) ORDER BY created_at DESC, id DESC", operatorID, operatorID)
	if err != nil {
		return nil, fmt.Errorf("store: api tokens: %w", err)
	}
	defer rows.Close()
	var out []*auth.Token
	for rows.Next() {
		tk, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tk)
	}
	return out, rows.Err()
}

// RevokeAPIToken sets a token's revocation time. auth.ErrNotFound.
func (t *Tx) RevokeAPIToken(id string, at time.Time) error {
	res, err := t.exec("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", ms(at), id)
	if err != nil {
		return fmt.Errorf("store: revoke api token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return auth.ErrNotFound
	}
	return nil
}

// RevokeOperatorTokens revokes every unrevoked token of an operator and
// returns how many there were.
func (t *Tx) RevokeOperatorTokens(operatorID string, at time.Time) (int, error) {
	res, err := t.exec("UPDATE api_tokens SET revoked_at = ? WHERE operator_id = ? AND revoked_at = 0", ms(at), operatorID)
	if err != nil {
		return 0, fmt.Errorf("store: revoke operator tokens: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// TouchAPIToken sets a token's last-used time.
func (t *Tx) TouchAPIToken(id string, at time.Time) error {
	if _, err := t.exec("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", ms(at), id); err != nil {
		return fmt.Errorf("store: touch api token: %w", err)
	}
	return nil
}

// LoginThrottle returns the throttle of key, or a zero one with Key set.
func (t *Tx) LoginThrottle(key string) (*auth.Throttle, error) {
	return t.loginThrottle(key, "")
}

func (t *Tx) loginThrottle(key, lock string) (*auth.Throttle, error) {
	th := auth.Throttle{Key: key}
	var locked, updated int64
	err := t.queryRow("SELECT failures, lockouts, locked_until, updated_at FROM login_throttle WHERE key = ?"+lock, key).
		Scan(&th.Failures, &th.Lockouts, &locked, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return &th, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: login throttle: %w", err)
	}
	th.LockedUntil, th.UpdatedAt = fromMS(locked), fromMS(updated)
	return &th, nil
}

// LoginThrottleForUpdate is LoginThrottle, locking the row to the end of
// the transaction. On PostgreSQL the row is created first if missing
// (FOR UPDATE locks only rows that exist), so two replicas counting the
// first failures of a key also take turns; SQLite's single writer already
// serialises write transactions.
func (t *Tx) LoginThrottleForUpdate(key string) (*auth.Throttle, error) {
	if t.db.backend != Postgres {
		return t.LoginThrottle(key)
	}
	if _, err := t.exec("INSERT INTO login_throttle (key, updated_at) VALUES (?, 0) ON CONFLICT (key) DO NOTHING", key); err != nil {
		return nil, fmt.Errorf("store: login throttle: %w", err)
	}
	return t.loginThrottle(key, " FOR UPDATE")
}

// PutLoginThrottle stores th.
func (t *Tx) PutLoginThrottle(th *auth.Throttle) error {
	_, err := t.exec(`INSERT INTO login_throttle (key, failures, lockouts, locked_until, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, lockouts = excluded.lockouts,
		locked_until = excluded.locked_until, updated_at = excluded.updated_at`,
		th.Key, th.Failures, th.Lockouts, ms(th.LockedUntil), ms(th.UpdatedAt))
	if err != nil {
		return fmt.Errorf("store: put login throttle: %w", err)
	}
	return nil
}

// DeleteLoginThrottle forgets key.
func (t *Tx) DeleteLoginThrottle(key string) error {
	if _, err := t.exec("DELETE FROM login_throttle WHERE key = ?", key); err != nil {
		return fmt.Errorf("store: delete login throttle: %w", err)
	}
	return nil
}
