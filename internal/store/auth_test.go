package store_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/auth/authtest"
	"github.com/trement/trement/internal/store"
)

// The auth service's flows, run on each backend through the real store.

var fastArgon = auth.PasswordParams{Time: 1, MemoryKiB: 64, Threads: 1, SaltLen: 16, KeyLen: 32}

const goodPassword = "a long and unusual passphrase"

type authEnv struct {
	db    *store.DB
	svc   *auth.Service
	clock *authtest.Clock
	url   string
}

func newAuthEnv(t *testing.T, url string) *authEnv {
	t.Helper()
	clock := authtest.NewClock(time.Date(2026, 11, 24, 9, 0, 5, 0, time.UTC))
	db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: newKey(t), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc, err := auth.NewService(auth.Config{Store: db.AuthStore(), Now: clock.Now, Pseudonym: db.Index().Pseudonym, Password: fastArgon})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if rep := verifyAudit(t, db); rep.Break != nil {
			t.Errorf("audit chain broken after the test: %v", rep.Break)
		}
	})
	return &authEnv{db: db, svc: svc, clock: clock, url: url}
}

var req = auth.RequestInfo{RequestID: "req-1", SourceIP: "198.51.100.7"}

// enrol signs username in for the first time: password, enrolment with a
// code from oathtool. It returns the full session token and the secret.
func (e *authEnv) enrol(t *testing.T, username, password string) (*auth.LoginResult, string) {
	t.Helper()
	ctx := context.Background()
	res, err := e.svc.Login(ctx, req, username, password)
	if err != nil {
		t.Fatalf("Login(%s): %v", username, err)
	}
	if res.Next != auth.StepEnrol {
		t.Fatalf("Login(%s).Next = %s, want enrol", username, res.Next)
	}
	en, err := e.svc.BeginEnrolment(ctx, req, res.Token)
	if err != nil {
		t.Fatalf("BeginEnrolment: %v", err)
	}
	full, err := e.svc.ConfirmEnrolment(ctx, req, res.Token, authtest.Oathtool(t, en.Secret, e.clock.Now()))
	if err != nil {
		t.Fatalf("ConfirmEnrolment: %v", err)
	}
	return full, en.Secret
}

func (e *authEnv) owner(t *testing.T) *auth.Operator {
	t.Helper()
	op, err := e.svc.BootstrapOwner(context.Background(), req, "owner", goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

func (e *authEnv) actions(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, ev := range readEvents(t, e.db) {
		out = append(out, ev.Action+"/"+string(ev.Outcome))
	}
	return out
}

func (e *authEnv) lastEvent(t *testing.T, action string) *audit.Event {
	t.Helper()
	evs := readEvents(t, e.db)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Action == action {
			return evs[i]
		}
	}
	t.Fatalf("no %s event in the audit log: %v", action, e.actions(t))
	return nil
}

func TestAuthEnrolmentAndTOTP(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		e := newAuthEnv(t, url)
		ctx := context.Background()
		e.owner(t)

		res, err := e.svc.Login(ctx, req, "Owner ", goodPassword)
		if err != nil || res.Next != auth.StepEnrol {
			t.Fatalf("Login = %+v, %v; want the enrolment step", res, err)
		}
		pending := res.Token
		if _, _, err := e.svc.Authenticate(ctx, pending); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Authenticate(pending enrolment session) = %v, want ErrUnauthenticated: nothing but enrolment is allowed", err)
		}
		if _, err := e.svc.CompleteTOTP(ctx, req, pending, "123456"); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("CompleteTOTP before enrolment = %v, want ErrUnauthenticated", err)
		}
		if _, err := e.svc.ConfirmEnrolment(ctx, req, pending, "123456"); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("ConfirmEnrolment before BeginEnrolment = %v, want ErrInvalid", err)
		}
		en, err := e.svc.BeginEnrolment(ctx, req, pending)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(en.QRDataURL, "data:image/png;base64,") || en.Secret == "" {
			t.Errorf("BeginEnrolment = %+v, want a secret and a PNG QR", en)
		}
		// The secret is sealed at rest.
		raw := newAuthRaw(t, url)
		if enc := raw.bytes("SELECT totp_secret_enc FROM operators WHERE username = 'owner'"); len(enc) == 0 || bytes.Contains(enc, []byte(en.Secret)) {
			t.Errorf("totp_secret_enc = %q, want ciphertext without the secret", enc)
		}
		bad := authtest.Oathtool(t, en.Secret, e.clock.Now().Add(-5*time.Minute))
		if _, err := e.svc.ConfirmEnrolment(ctx, req, pending, bad); !errors.Is(err, auth.ErrInvalidCode) {
			t.Errorf("ConfirmEnrolment(expired code) = %v, want ErrInvalidCode", err)
		}
		code := authtest.Oathtool(t, en.Secret, e.clock.Now())
		full, err := e.svc.ConfirmEnrolment(ctx, req, pending, code)
		if err != nil {
			t.Fatal(err)
		}
		if full.Next != auth.StepDone || len(full.RecoveryCodes) != 10 || full.Token == pending {
			t.Errorf("ConfirmEnrolment = next %s, %d recovery codes, token rotated %v; want done, 10, true", full.Next, len(full.RecoveryCodes), full.Token != pending)
		}
		if _, _, err := e.svc.PendingSession(ctx, pending); err == nil {
			t.Errorf("the pre-enrolment token still works after enrolment: not rotated")
		}
		p, _, err := e.svc.Authenticate(ctx, full.Token)
		if err != nil || p.Role != auth.RoleOwner || p.Kind != auth.KindOperator {
			t.Fatalf("Authenticate(full) = %+v, %v; want the owner", p, err)
		}
		if err := e.svc.Logout(ctx, req, p); err != nil {
			t.Fatal(err)
		}

		// Next sign-in asks for a code. The enrolment code's time step is spent.
		res, err = e.svc.Login(ctx, req, "owner", goodPassword)
		if err != nil || res.Next != auth.StepTOTP {
			t.Fatalf("Login = %+v, %v; want the TOTP step", res, err)
		}
		if _, err := e.svc.CompleteTOTP(ctx, req, res.Token, code); !errors.Is(err, auth.ErrInvalidCode) {
			t.Errorf("CompleteTOTP(replayed enrolment code) = %v, want ErrInvalidCode", err)
		}
		if ev := e.lastEvent(t, audit.ActionLoginFailed); !strings.Contains(ev.Reason, "replayed") {
			t.Errorf("replay recorded with reason %q, want it named", ev.Reason)
		}
		if _, err := e.svc.CompleteTOTP(ctx, req, res.Token, authtest.Oathtool(t, en.Secret, e.clock.Now().Add(-90*time.Second))); !errors.Is(err, auth.ErrInvalidCode) {
			t.Errorf("CompleteTOTP(code 90 s old) = %v, want ErrInvalidCode", err)
		}
		e.clock.Advance(30 * time.Second)
		// A code one step old is within the skew, but that step is spent.
		if _, err := e.svc.CompleteTOTP(ctx, req, res.Token, authtest.Oathtool(t, en.Secret, e.clock.Now().Add(-30*time.Second))); !errors.Is(err, auth.ErrInvalidCode) {
			t.Errorf("CompleteTOTP(previous, spent step) = %v, want ErrInvalidCode", err)
		}
		code2 := authtest.Oathtool(t, en.Secret, e.clock.Now())
		done, err := e.svc.CompleteTOTP(ctx, req, res.Token, code2)
		if err != nil || done.Next != auth.StepDone || done.Token == res.Token {
			t.Fatalf("CompleteTOTP(fresh code) = %+v, %v; want a new full session", done, err)
		}
		// The same code again, on a new sign-in within its 30 s, is refused.
		res, _ = e.svc.Login(ctx, req, "owner", goodPassword)
		if _, err := e.svc.CompleteTOTP(ctx, req, res.Token, code2); !errors.Is(err, auth.ErrInvalidCode) {
			t.Errorf("CompleteTOTP(code used a moment ago) = %v, want ErrInvalidCode", err)
		}
		acts := e.actions(t)
		for _, want := range []string{"operator.create/success", "auth.mfa_enrol_started/success", "auth.mfa_enrolled/success", "auth.login/success", "auth.logout/success", "auth.login_failed/failure"} {
			if !slices.Contains(acts, want) {
				t.Errorf("audit log lacks %s: %v", want, acts)
			}
		}
	})
}

func TestAuthRecoveryCodes(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		e := newAuthEnv(t, url)
		ctx := context.Background()
		e.owner(t)
		full, _ := e.enrol(t, "owner", goodPassword)
		code := full.RecoveryCodes[3]
		res, _ := e.svc.Login(ctx, req, "owner", goodPassword)
		done, err := e.svc.CompleteRecovery(ctx, req, res.Token, strings.ToUpper(code))
		if err != nil || done.Next != auth.StepDone || done.RecoveryCodesLeft != 9 {
			t.Fatalf("CompleteRecovery = %+v, %v; want signed in with 9 codes left", done, err)
		}
		res, _ = e.svc.Login(ctx, req, "owner", goodPassword)
		if _, err := e.svc.CompleteRecovery(ctx, req, res.Token, code); !errors.Is(err, auth.ErrInvalidCode) {
			t.Errorf("CompleteRecovery(used code) = %v, want ErrInvalidCode", err)
		}
		if _, err := e.svc.CompleteRecovery(ctx, req, res.Token, "aaaa-bbbb-cccc-dddd"); !errors.Is(err, auth.ErrInvalidCode) {
			t.Errorf("CompleteRecovery(made-up code) = %v, want ErrInvalidCode", err)
		}
		if ev := e.lastEvent(t, audit.ActionRecoveryCodeUsed); ev.Reason != "9 recovery codes left" {
			t.Errorf("recovery event reason = %q", ev.Reason)
		}
	})
}

func TestAuthLockout(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		e := newAuthEnv(t, url)
		ctx := context.Background()
		e.owner(t)
		_, secret := e.enrol(t, "owner", goodPassword)
		start := e.clock.Now()
		for i := 1; i <= 4; i++ {
			if _, err := e.svc.Login(ctx, req, "owner", "wrong password "+string(rune('a'+i))); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("wrong password %d = %v, want ErrInvalidCredentials", i, err)
			}
		}
		_, err := e.svc.Login(ctx, req, "owner", "wrong again")
		var locked *auth.LockedError
		if !errors.As(err, &locked) || !locked.Until.Equal(start.Add(15*time.Minute)) {
			t.Fatalf("5th wrong password = %v, want locked for 15 minutes", err)
		}
		if !strings.Contains(err.Error(), "try again after 09:15 UTC") {
			t.Errorf("lockout message = %q, want it to say when", err)
		}
		// While locked, even the right password is refused without being checked.
		if _, err := e.svc.Login(ctx, req, "owner", goodPassword); !errors.Is(err, auth.ErrLocked) {
			t.Errorf("right password while locked = %v, want ErrLocked", err)
		}
		// Another address is locked out of this account too.
		other := auth.RequestInfo{SourceIP: "203.0.113.9"}
		if _, err := e.svc.Login(ctx, other, "owner", goodPassword); !errors.Is(err, auth.ErrLocked) {
			t.Errorf("right password from another address while the account is locked = %v, want ErrLocked", err)
		}
		e.clock.Advance(15 * time.Minute)
		res, err := e.svc.Login(ctx, req, "owner", goodPassword)
		if err != nil {
			t.Fatalf("Login after the lockout = %v", err)
		}
		// Wrong TOTP codes count too; the fifth ends the pending session.
		for i := 1; i <= 5; i++ {
			_, err = e.svc.CompleteTOTP(ctx, req, res.Token, "000000")
		}
		if !errors.As(err, &locked) || !locked.Until.Equal(e.clock.Now().Add(30*time.Minute)) {
			t.Fatalf("5th wrong TOTP code = %v, want locked for 30 minutes (second lockout doubles)", err)
		}
		e.clock.Advance(30 * time.Minute)
		if _, err := e.svc.CompleteTOTP(ctx, req, res.Token, authtest.Oathtool(t, secret, e.clock.Now())); err == nil {
			t.Errorf("the pending session survived the lockout")
		}
		// A success clears the account's count.
		res, _ = e.svc.Login(ctx, req, "owner", goodPassword)
		if _, err := e.svc.CompleteTOTP(ctx, req, res.Token, authtest.Oathtool(t, secret, e.clock.Now())); err != nil {
			t.Fatalf("CompleteTOTP after the lockout: %v", err)
		}
		for i := 1; i <= 4; i++ {
			e.svc.Login(ctx, req, "owner", "wrong password")
		}
		if _, err := e.svc.Login(ctx, req, "owner", goodPassword); err != nil {
			t.Errorf("4 failures after a success locked the account: %v", err)
		}
		var lockouts int
		for _, a := range e.actions(t) {
			if a == "auth.lockout/denied" {
				lockouts++
			}
		}
		if lockouts != 2 {
			t.Errorf("audit log holds %d lockouts, want 2", lockouts)
		}
	})
}

func TestAuthAddressLockout(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		e := newAuthEnv(t, url)
		ctx := context.Background()
		e.owner(t)
		// Spraying passwords over many usernames from one address locks it.
		var err error
		for i := range 20 {
			_, err = e.svc.Login(ctx, req, "user"+string(rune('a'+i)), "guess guess guess")
		}
		if !errors.Is(err, auth.ErrLocked) {
			t.Fatalf("20th failure from one address = %v, want ErrLocked", err)
		}
		if _, err := e.svc.Login(ctx, req, "owner", goodPassword); !errors.Is(err, auth.ErrLocked) {
			t.Errorf("right password from the locked address = %v, want ErrLocked", err)
		}
		if _, err := e.svc.Login(ctx, auth.RequestInfo{SourceIP: "203.0.113.9"}, "owner", goodPassword); err != nil {
			t.Errorf("right password from another address = %v, want it accepted", err)
		}
		// Unknown usernames are named in the log by pseudonym only.
		for _, ev := range readEvents(t, e.db) {
			if strings.Contains(ev.Target, "usera") {
				t.Errorf("audit target %q holds a typed username", ev.Target)
			}
		}
	})
}

func TestAuthSessionTimeouts(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		e := newAuthEnv(t, url)
		ctx := context.Background()
		e.owner(t)
		full, secret := e.enrol(t, "owner", goodPassword)
		tok := full.Token
		// Idle: 29 minutes is fine, and use resets the idle clock.
		for range 3 {
			e.clock.Advance(29 * time.Minute)
			if _, _, err := e.svc.Authenticate(ctx, tok); err != nil {
				t.Fatalf("Authenticate after 29 idle minutes: %v", err)
			}
		}
		e.clock.Advance(30 * time.Minute)
		if _, _, err := e.svc.Authenticate(ctx, tok); !errors.Is(err, auth.ErrSessionExpired) {
			t.Errorf("Authenticate after 30 idle minutes = %v, want ErrSessionExpired", err)
		}
		if _, _, err := e.svc.Authenticate(ctx, tok); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("Authenticate of an expired session again = %v, want ErrUnauthenticated (deleted)", err)
		}
		// Absolute: 12 hours even when busy.
		e.clock.Advance(time.Minute)
		res, _ := e.svc.Login(ctx, req, "owner", goodPassword)
		done, err := e.svc.CompleteTOTP(ctx, req, res.Token, authtest.Oathtool(t, secret, e.clock.Now()))
		if err != nil {
			t.Fatal(err)
		}
		for elapsed := 20 * time.Minute; elapsed < 12*time.Hour; elapsed += 20 * time.Minute {
			e.clock.Advance(20 * time.Minute)
			if _, _, err := e.svc.Authenticate(ctx, done.Token); err != nil {
				t.Fatalf("Authenticate after %s of use: %v", elapsed, err)
			}
		}
		e.clock.Advance(20 * time.Minute)
		if _, _, err := e.svc.Authenticate(ctx, done.Token); !errors.Is(err, auth.ErrSessionExpired) {
			t.Errorf("Authenticate after 12h20m = %v, want ErrSessionExpired", err)
		}
		// A pending session lasts 10 minutes.
		e.clock.Advance(time.Minute)
		res, _ = e.svc.Login(ctx, req, "owner", goodPassword)
		e.clock.Advance(10 * time.Minute)
		if _, err := e.svc.CompleteTOTP(ctx, req, res.Token, authtest.Oathtool(t, secret, e.clock.Now())); !errors.Is(err, auth.ErrSessionExpired) {
			t.Errorf("CompleteTOTP 10 minutes after the password = %v, want ErrSessionExpired", err)
		}
		// Log out everywhere ends every session.
		var toks []string
		for range 2 {
			e.clock.Advance(time.Minute)
			res, _ := e.svc.Login(ctx, req, "owner", goodPassword)
			d, err := e.svc.CompleteTOTP(ctx, req, res.Token, authtest.Oathtool(t, secret, e.clock.Now()))
			if err != nil {
				t.Fatal(err)
			}
			toks = append(toks, d.Token)
		}
		p, _, err := e.svc.Authenticate(ctx, toks[0])
		if err != nil {
			t.Fatal(err)
		}
		if n, err := e.svc.LogoutEverywhere(ctx, req, p); err != nil || n != 2 {
			t.Errorf("LogoutEverywhere = %d, %v; want 2 sessions ended", n, err)
		}
		for _, tok := range toks {
			if _, _, err := e.svc.Authenticate(ctx, tok); err == nil {
				t.Errorf("a session survived log out everywhere")
			}
		}
	})
}

func TestAuthTokens(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		e := newAuthEnv(t, url)
		ctx := context.Background()
		e.owner(t)
		ownerRes, _ := e.enrol(t, "owner", goodPassword)
		owner, _, _ := e.svc.Authenticate(ctx, ownerRes.Token)
		aud, err := e.svc.CreateOperator(ctx, req, owner, "audra", goodPassword, auth.RoleAuditor)
		if err != nil {
			t.Fatal(err)
		}
		audRes, _ := e.enrol(t, "audra", goodPassword)
		auditor, _, _ := e.svc.Authenticate(ctx, audRes.Token)

		if _, _, err := e.svc.CreateToken(ctx, req, auditor, "siem", []auth.Permission{auth.PermAuditExport, auth.PermPIIReveal}, 0); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("CreateToken(scope beyond the creator) = %v, want ErrForbidden", err)
		}
		if ev := e.lastEvent(t, audit.ActionTokenCreate); ev.Outcome != audit.Denied {
			t.Errorf("refused token creation recorded as %s, want denied", ev.Outcome)
		}
		raw, tok, err := e.svc.CreateToken(ctx, req, auditor, "siem", []auth.Permission{auth.PermAuditExport}, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(raw, "trm_") || !tok.ExpiresAt.Equal(e.clock.Now().Add(24*time.Hour)) {
			t.Errorf("CreateToken = %q expiring %s", raw, tok.ExpiresAt)
		}
		if b := newAuthRaw(t, url).bytes("SELECT token_hash FROM api_tokens"); bytes.Contains(b, []byte(raw)) || len(b) != 32 {
			t.Errorf("stored token_hash is %d bytes, want a 32-byte hash, not the token", len(b))
		}
		p, err := e.svc.AuthenticateToken(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != auth.KindToken || p.TokenID != tok.ID || !p.Can(auth.PermAuditExport) || p.Can(auth.PermAuditRead) {
			t.Errorf("token principal = %+v; want a token that can export but not read", p)
		}
		if _, _, err := e.svc.CreateToken(ctx, req, p, "child", []auth.Permission{auth.PermAuditExport}, 0); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("a token minting a token = %v, want ErrForbidden", err)
		}
		e.clock.Advance(2 * time.Minute)
		e.svc.AuthenticateToken(ctx, raw)
		list, _ := e.svc.Tokens(ctx, auditor)
		if len(list) != 1 || !list[0].LastUsedAt.Equal(e.clock.Now()) {
			t.Errorf("Tokens = %+v, want one with last_used_at now", list)
		}
		if _, err := e.svc.AuthenticateToken(ctx, "trm_forged"); !errors.Is(err, auth.ErrTokenInvalid) {
			t.Errorf("AuthenticateToken(unknown) = %v, want ErrTokenInvalid", err)
		}
		// The creator's role bounds the token at once.
		if _, err := e.svc.SetRole(ctx, req, owner, aud.ID, auth.RoleAgent); err != nil {
			t.Fatal(err)
		}
		if p, _ := e.svc.AuthenticateToken(ctx, raw); p.Can(auth.PermAuditExport) {
			t.Errorf("a token kept audit:export after its creator became an agent")
		}
		e.svc.SetRole(ctx, req, owner, aud.ID, auth.RoleAuditor)
		// Disabled creator: the token stops working.
		e.svc.SetDisabled(ctx, req, owner, aud.ID, true)
		if _, err := e.svc.AuthenticateToken(ctx, raw); !errors.Is(err, auth.ErrTokenInvalid) {
			t.Errorf("token of a disabled creator = %v, want ErrTokenInvalid", err)
		}
		e.svc.SetDisabled(ctx, req, owner, aud.ID, false)
		// Expiry.
		e.clock.Advance(24 * time.Hour)
		if _, err := e.svc.AuthenticateToken(ctx, raw); !errors.Is(err, auth.ErrTokenInvalid) || !strings.Contains(err.Error(), "expired") {
			t.Errorf("expired token = %v, want ErrTokenInvalid (expired)", err)
		}
		// Revocation, by its creator or an admin only.
		raw2, tok2, err := e.svc.CreateToken(ctx, req, owner, "ops", []auth.Permission{auth.PermMetricsRead}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RevokeToken(ctx, req, &auth.Principal{Kind: auth.KindOperator, OperatorID: aud.ID, Role: auth.RoleAuditor}, tok2.ID); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("RevokeToken(someone else's) = %v, want ErrForbidden", err)
		}
		if err := e.svc.RevokeToken(ctx, req, owner, tok2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuthenticateToken(ctx, raw2); !errors.Is(err, auth.ErrTokenInvalid) || !strings.Contains(err.Error(), "revoked") {
			t.Errorf("revoked token = %v, want ErrTokenInvalid (revoked)", err)
		}
		if all, _ := e.svc.Tokens(ctx, owner); len(all) != 2 {
			t.Errorf("owner sees %d tokens, want all 2", len(all))
		}
	})
}

func TestAuthOperatorManagement(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		e := newAuthEnv(t, url)
		ctx := context.Background()
		ownerOp := e.owner(t)
		if _, err := e.svc.BootstrapOwner(ctx, req, "second", goodPassword); !errors.Is(err, auth.ErrOwnerExists) {
			t.Errorf("BootstrapOwner with an owner = %v, want ErrOwnerExists", err)
		}
		ownerRes, _ := e.enrol(t, "owner", goodPassword)
		owner, _, _ := e.svc.Authenticate(ctx, ownerRes.Token)
		adminOp, err := e.svc.CreateOperator(ctx, req, owner, "ada", goodPassword, auth.RoleAdmin)
		if err != nil {
			t.Fatal(err)
		}
		admin := &auth.Principal{Kind: auth.KindOperator, OperatorID: adminOp.ID, Role: auth.RoleAdmin}
		if _, err := e.svc.CreateOperator(ctx, req, owner, "ADA", goodPassword, auth.RoleAgent); !errors.Is(err, auth.ErrDuplicate) {
			t.Errorf("CreateOperator(taken username, other case) = %v, want ErrDuplicate", err)
		}
		if _, err := e.svc.CreateOperator(ctx, req, owner, "bob", "short", auth.RoleAgent); !errors.Is(err, auth.ErrWeakPassword) {
			t.Errorf("CreateOperator(weak password) = %v, want ErrWeakPassword", err)
		}
		if _, err := e.svc.CreateOperator(ctx, req, owner, "x", goodPassword, auth.RoleAgent); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("CreateOperator(bad username) = %v, want ErrInvalid", err)
		}
		agent, err := e.svc.CreateOperator(ctx, req, admin, "bob", goodPassword, auth.RoleAgent)
		if err != nil {
			t.Fatalf("admin creating an agent: %v", err)
		}
		for _, tt := range []struct {
			name string
			do   func() error
		}{
			{"admin creates an owner", func() error {
				_, err := e.svc.CreateOperator(ctx, req, admin, "eve", goodPassword, auth.RoleOwner)
				return err
			}},
			{"admin changes a role", func() error { _, err := e.svc.SetRole(ctx, req, admin, agent.ID, auth.RoleSupervisor); return err }},
			{"admin disables the owner", func() error { _, err := e.svc.SetDisabled(ctx, req, admin, ownerOp.ID, true); return err }},
			{"owner demotes themself", func() error { _, err := e.svc.SetRole(ctx, req, owner, ownerOp.ID, auth.RoleAgent); return err }},
			{"owner deletes themself", func() error { return e.svc.DeleteOperator(ctx, req, owner, ownerOp.ID) }},
			{"agent disables an agent", func() error {
				_, err := e.svc.SetDisabled(ctx, req, &auth.Principal{Kind: auth.KindOperator, OperatorID: "x", Role: auth.RoleAgent}, agent.ID, true)
				return err
			}},
		} {
			if err := tt.do(); !errors.Is(err, auth.ErrForbidden) {
				t.Errorf("%s = %v, want ErrForbidden", tt.name, err)
			}
		}
		denied := 0
		for _, a := range e.actions(t) {
			if strings.HasSuffix(a, "/denied") {
				denied++
			}
		}
		if denied != 6 {
			t.Errorf("audit log holds %d denials, want 6", denied)
		}
		// Owner changes roles; the change is audited with from → to.
		if _, err := e.svc.SetRole(ctx, req, owner, agent.ID, auth.RoleSupervisor); err != nil {
			t.Fatal(err)
		}
		if ev := e.lastEvent(t, audit.ActionRoleChange); ev.Reason != "role agent → supervisor" || ev.Target != "operator:"+agent.ID {
			t.Errorf("role change event = %+v", ev)
		}
		// Bob now may reveal personal data: an admin may not take his
		// account over; the owner resets his MFA and password, and his
		// sessions end.
		if _, err := e.svc.ResetMFA(ctx, req, admin, agent.ID); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("admin resets a supervisor's MFA = %v, want ErrForbidden", err)
		}
		if _, err := e.svc.ResetPassword(ctx, req, admin, agent.ID, "another long passphrase"); !errors.Is(err, auth.ErrForbidden) {
			t.Errorf("admin resets a supervisor's password = %v, want ErrForbidden", err)
		}
		bobRes, _ := e.enrol(t, "bob", goodPassword)
		if _, err := e.svc.ResetMFA(ctx, req, owner, agent.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Authenticate(ctx, bobRes.Token); err == nil {
			t.Errorf("a session survived an MFA reset")
		}
		if res, err := e.svc.Login(ctx, req, "bob", goodPassword); err != nil || res.Next != auth.StepEnrol {
			t.Errorf("Login after MFA reset = %+v, %v; want enrolment again", res, err)
		}
		if _, err := e.svc.ResetPassword(ctx, req, owner, agent.ID, "another long passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Login(ctx, req, "bob", goodPassword); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("old password after reset = %v, want ErrInvalidCredentials", err)
		}
		// Deleting crypto-shreds the operator's key.
		raw := newAuthRaw(t, url)
		if n := raw.count("SELECT COUNT(*) FROM data_keys WHERE owner_id = ?", store.OperatorOwner(agent.ID)); n != 1 {
			t.Fatalf("operator data keys = %d, want 1", n)
		}
		if err := e.svc.DeleteOperator(ctx, req, admin, agent.ID); err != nil {
			t.Fatal(err)
		}
		if n := raw.count("SELECT COUNT(*) FROM data_keys WHERE owner_id = ?", store.OperatorOwner(agent.ID)); n != 0 {
			t.Errorf("operator data key survived deletion")
		}
		if _, err := e.svc.Operator(ctx, owner, agent.ID); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("Operator(deleted) = %v, want ErrNotFound", err)
		}
		ops, err := e.svc.Operators(ctx, owner)
		if err != nil || len(ops) != 2 {
			t.Errorf("Operators = %d, %v; want owner and admin", len(ops), err)
		}
		// Own password change ends every session.
		if err := e.svc.ChangePassword(ctx, req, owner, "not it", "yet another passphrase"); !errors.Is(err, auth.ErrInvalidCredentials) {
			t.Errorf("ChangePassword(wrong current) = %v, want ErrInvalidCredentials", err)
		}
		if err := e.svc.ChangePassword(ctx, req, owner, goodPassword, "yet another passphrase"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Authenticate(ctx, ownerRes.Token); err == nil {
			t.Errorf("session survived a password change")
		}
	})
}

// authRaw reads the database directly, to check what is at rest.
type authRaw struct{ *auditSQL }

func newAuthRaw(t *testing.T, url string) authRaw { return authRaw{newAuditSQL(t, url)} }

func (a authRaw) bytes(query string, args ...any) []byte {
	a.t.Helper()
	var b []byte
	if err := a.db.QueryRow(a.q(query), args...).Scan(&b); err != nil {
		a.t.Fatalf("%s: %v", query, err)
	}
	return b
}

func (a authRaw) count(query string, args ...any) int {
	a.t.Helper()
	var n int
	if err := a.db.QueryRow(a.q(query), args...).Scan(&n); err != nil {
		a.t.Fatalf("%s: %v", query, err)
	}
	return n
}
