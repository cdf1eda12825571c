package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.Ping(r.Context()); err != nil {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
}

// pendingToken returns the session token of a sign-in in progress, after
// checking the CSRF token that came with it (header, or form field on
// pages). A wrong CSRF token is audited as a denial.
func (s *Server) pendingToken(r *http.Request, form bool) (string, error) {
	c, err := r.Cookie(s.cookie)
	if err != nil || c.Value == "" {
		if err := s.audit(r.Context(), audit.ActionDenied, r.Method+" "+r.URL.Path, audit.Denied, "no sign-in in progress"); err != nil {
			return "", err
		}
		return "", fmt.Errorf("%w: sign in with your password first", auth.ErrUnauthenticated)
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" && form {
		got = r.PostFormValue("csrf_token")
	}
	if !s.validCSRF(c.Value, got) {
		if err := s.audit(r.Context(), audit.ActionDenied, r.Method+" "+r.URL.Path, audit.Denied, "missing or wrong CSRF token during sign-in"); err != nil {
			return "", err
		}
		return "", fmt.Errorf("%w: missing or wrong CSRF token", auth.ErrForbidden)
	}
	return c.Value, nil
}

type operatorJSON struct {
	ID                string            `json:"id"`
	Username          string            `json:"username"`
	Role              auth.Role         `json:"role"`
	MFAEnrolled       bool              `json:"mfa_enrolled"`
	Disabled          bool              `json:"disabled"`
	CreatedAt         *time.Time        `json:"created_at"`
	LastLoginAt       *time.Time        `json:"last_login_at"`
	PasswordChangedAt *time.Time        `json:"password_changed_at"`
	Permissions       []auth.Permission `json:"permissions,omitempty"`
	// InitialPassword is only in the answer to a creation that sent no
	// password: the first password the server made, shown this once.
	InitialPassword string `json:"initial_password,omitempty"`
}

func toOperatorJSON(o *auth.Operator) operatorJSON {
	return operatorJSON{ID: o.ID, Username: o.Username, Role: o.Role, MFAEnrolled: o.MFAEnrolled, Disabled: o.Disabled,
		CreatedAt: timePtr(o.CreatedAt), LastLoginAt: timePtr(o.LastLoginAt), PasswordChangedAt: timePtr(o.PasswordChangedAt)}
}

type loginJSON struct {
	Next              auth.Step     `json:"next"`
	CSRFToken         string        `json:"csrf_token"`
	Operator          *operatorJSON `json:"operator,omitempty"`
	RecoveryCodes     []string      `json:"recovery_codes,omitempty"`
	RecoveryCodesLeft *int          `json:"recovery_codes_left,omitempty"`
}

// signedIn answers a sign-in step: the rotated session in the cookie, its
// CSRF token in the body.
func (s *Server) signedIn(w http.ResponseWriter, res *auth.LoginResult) {
	s.setSession(w, res.Token)
	out := loginJSON{Next: res.Next, CSRFToken: s.csrfToken(res.Token), RecoveryCodes: res.RecoveryCodes}
	if res.Next == auth.StepDone {
		o := toOperatorJSON(res.Operator)
		out.Operator = &o
	}
	writeJSON(w, http.StatusOK, out)
}

// signInFailed answers a failed step; a sign-in that can no longer go on
// (locked, expired) loses its cookie.
func (s *Server) signInFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, auth.ErrLocked) || errors.Is(err, auth.ErrUnauthenticated) {
		s.clearSession(w)
	}
	s.apiError(w, r, err)
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var body apiLoginBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.auth.Login(r.Context(), RequestInfo(r.Context()), body.Username, body.Password)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.signedIn(w, res)
}

// codeStep reads {"code"} and the pending sign-in token, and runs one
// code-checking step of sign-in (TOTP, recovery code, enrolment) with
// them. It answers the request itself when it fails.
func (s *Server) codeStep(w http.ResponseWriter, r *http.Request,
	step func(ctx context.Context, ri auth.RequestInfo, token, code string) (*auth.LoginResult, error)) (*auth.LoginResult, bool) {
	var body codeStepBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return nil, false
	}
	tok, err := s.pendingToken(r, false)
	if err != nil {
		s.apiError(w, r, err)
		return nil, false
	}
	res, err := step(r.Context(), RequestInfo(r.Context()), tok, body.Code)
	if err != nil {
		s.signInFailed(w, r, err)
		return nil, false
	}
	return res, true
}

func (s *Server) apiLoginTOTP(w http.ResponseWriter, r *http.Request) {
	if res, ok := s.codeStep(w, r, s.auth.CompleteTOTP); ok {
		s.signedIn(w, res)
	}
}

func (s *Server) apiLoginRecovery(w http.ResponseWriter, r *http.Request) {
	res, ok := s.codeStep(w, r, s.auth.CompleteRecovery)
	if !ok {
		return
	}
	s.setSession(w, res.Token)
	o := toOperatorJSON(res.Operator)
	writeJSON(w, http.StatusOK, loginJSON{Next: res.Next, CSRFToken: s.csrfToken(res.Token), Operator: &o, RecoveryCodesLeft: &res.RecoveryCodesLeft})
}

func (s *Server) apiEnrolBegin(w http.ResponseWriter, r *http.Request) {
	tok, err := s.pendingToken(r, false)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	en, err := s.auth.BeginEnrolment(r.Context(), RequestInfo(r.Context()), tok)
	if err != nil {
		s.signInFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": en.Secret, "otpauth_url": en.URL, "qr_png": en.QRDataURL})
}

func (s *Server) apiEnrolConfirm(w http.ResponseWriter, r *http.Request) {
	if res, ok := s.codeStep(w, r, s.auth.ConfirmEnrolment); ok {
		s.signedIn(w, res)
	}
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.Logout(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context())); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.clearSession(w)
	writeJSON(w, http.StatusOK, map[string]string{"status": "signed out"})
}

func (s *Server) apiLogoutEverywhere(w http.ResponseWriter, r *http.Request) {
	n, err := s.auth.LogoutEverywhere(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.clearSession(w)
	writeJSON(w, http.StatusOK, map[string]any{"status": "signed out everywhere", "sessions_ended": n})
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	op, err := s.auth.Operator(r.Context(), p, p.OperatorID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	o := toOperatorJSON(op)
	for _, perm := range auth.Permissions() {
		if p.Can(perm) {
			o.Permissions = append(o.Permissions, perm)
		}
	}
	out := map[string]any{"operator": o, "via": string(p.Kind)}
	if tok := sessionToken(r.Context()); tok != "" {
		out["csrf_token"] = s.csrfToken(tok)
	}
	if p.Kind == auth.KindToken {
		out["token_id"] = p.TokenID
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiChangePassword(w http.ResponseWriter, r *http.Request) {
	var body apiChangePasswordBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.auth.ChangePassword(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), body.Current, body.New); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.clearSession(w)
	writeJSON(w, http.StatusOK, map[string]string{"status": "password changed; every session ended: sign in again"})
}

func (s *Server) apiRoles(w http.ResponseWriter, r *http.Request) {
	out := map[auth.Role][]auth.Permission{}
	for _, role := range auth.Roles() {
		out[role] = role.Permissions()
	}
	writeJSON(w, http.StatusOK, map[string]any{"roles": out})
}

func (s *Server) apiOperators(w http.ResponseWriter, r *http.Request) {
	ops, err := s.auth.Operators(r.Context(), PrincipalFrom(r.Context()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]operatorJSON, len(ops))
	for i, o := range ops {
		out[i] = toOperatorJSON(o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"operators": out})
}

func (s *Server) apiCreateOperator(w http.ResponseWriter, r *http.Request) {
	var body apiCreateOperatorBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	// Without a password the server makes the first one and answers it
	// this once (initial_password), for the creator to hand over: the
	// console's page creates operators so, and nothing keeps it but the hash.
	generated := body.Password == ""
	if generated {
		var err error
		if body.Password, err = auth.GeneratePassword(auth.NormalizeUsername(body.Username)); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	op, err := s.auth.CreateOperator(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), body.Username, body.Password, body.Role)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := toOperatorJSON(op)
	if generated {
		out.InitialPassword = body.Password
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiOperator(w http.ResponseWriter, r *http.Request) {
	op, err := s.auth.Operator(r.Context(), PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toOperatorJSON(op))
}

func (s *Server) apiUpdateOperator(w http.ResponseWriter, r *http.Request) {
	var body apiUpdateOperatorBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx, ri, p, id := r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), r.PathValue("id")
	if body.Disabled == nil && body.Password == nil {
		s.apiError(w, r, fmt.Errorf("%w: send disabled and/or password", ErrInvalid))
		return
	}
	var op *auth.Operator
	var err error
	if body.Password != nil {
		if op, err = s.auth.ResetPassword(ctx, ri, p, id, *body.Password); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	if body.Disabled != nil {
		if op, err = s.auth.SetDisabled(ctx, ri, p, id, *body.Disabled); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, toOperatorJSON(op))
}

func (s *Server) apiDeleteOperator(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.DeleteOperator(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "deleted"})
}

func (s *Server) apiResetMFA(w http.ResponseWriter, r *http.Request) {
	op, err := s.auth.ResetMFA(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toOperatorJSON(op))
}

// apiResetPassword gives another operator a new password trement makes,
// in the answer only (initial_password), for the caller to hand over; the
// account's sessions end and its API tokens are revoked.
func (s *Server) apiResetPassword(w http.ResponseWriter, r *http.Request) {
	op, pw, err := s.auth.ResetPasswordGenerated(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := toOperatorJSON(op)
	out.InitialPassword = pw
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// apiEndSessions signs another operator out of every browser (their API
// tokens are revoked separately); one's own sessions end through
// /api/v1/logout-everywhere.
func (s *Server) apiEndSessions(w http.ResponseWriter, r *http.Request) {
	n, err := s.auth.EndSessions(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "signed out everywhere", "sessions_ended": n})
}

func (s *Server) apiSetRole(w http.ResponseWriter, r *http.Request) {
	var body apiSetRoleBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	op, err := s.auth.SetRole(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), r.PathValue("id"), body.Role)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toOperatorJSON(op))
}

type tokenJSON struct {
	ID         string            `json:"id"`
	Token      string            `json:"token,omitempty"` // only when created
	Name       string            `json:"name"`
	OperatorID string            `json:"operator_id"`
	Scopes     []auth.Permission `json:"scopes"`
	CreatedAt  *time.Time        `json:"created_at"`
	ExpiresAt  *time.Time        `json:"expires_at"`
	RevokedAt  *time.Time        `json:"revoked_at"`
	LastUsedAt *time.Time        `json:"last_used_at"`
}

func toTokenJSON(t *auth.Token) tokenJSON {
	return tokenJSON{ID: t.ID, Name: t.Name, OperatorID: t.OperatorID, Scopes: t.Scopes, CreatedAt: timePtr(t.CreatedAt),
		ExpiresAt: timePtr(t.ExpiresAt), RevokedAt: timePtr(t.RevokedAt), LastUsedAt: timePtr(t.LastUsedAt)}
}

func (s *Server) apiTokens(w http.ResponseWriter, r *http.Request) {
	list, err := s.auth.Tokens(r.Context(), PrincipalFrom(r.Context()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]tokenJSON, len(list))
	for i, t := range list {
		out[i] = toTokenJSON(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": out})
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var body apiCreateTokenBody
	if err := readJSON(r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	if body.ExpiresInDays < 0 || body.ExpiresInDays > 366 {
		s.apiError(w, r, fmt.Errorf("%w: expires_in_days is 1–366 (0: 90)", ErrInvalid))
		return
	}
	raw, t, err := s.auth.CreateToken(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), body.Name, body.Scopes,
		time.Duration(body.ExpiresInDays)*24*time.Hour)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := toTokenJSON(t)
	out.Token = raw
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.RevokeToken(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context()), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "revoked"})
}

// auditFilter reads after, limit, action, actor, since and until
// (RFC 3339) from the query.
func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	f := audit.Filter{Action: q.Get("action"), ActorID: q.Get("actor"), Limit: 100}
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, fmt.Errorf("%w: after is a sequence number", ErrInvalid)
		}
		f.AfterSeq = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return f, fmt.Errorf("%w: limit is 1–1000", ErrInvalid)
		}
		f.Limit = n
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(t.name); v != "" {
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, fmt.Errorf("%w: %s is an RFC 3339 time", ErrInvalid, t.name)
			}
			*t.dst = tm
		}
	}
	return f, nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx := r.Context()
	if err := s.audit(ctx, audit.ActionAuditRead, "audit", audit.Success, "query "+clip(r.URL.RawQuery, 256)); err != nil {
		s.apiError(w, r, err)
		return
	}
	var events []*audit.Event
	err = s.db.AuditSnapshot(ctx, func(rd audit.Reader) error {
		var err error
		events, err = rd.AuditEvents(f)
		return err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := map[string]any{"events": events}
	if len(events) == f.Limit {
		out["next_after"] = events[len(events)-1].Seq
	}
	if events == nil {
		out["events"] = []*audit.Event{}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiAuditExport(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx := r.Context()
	// Recorded first: an export that cannot be audited does not happen.
	if err := s.audit(ctx, audit.ActionAuditExport, "audit", audit.Success, "query "+clip(r.URL.RawQuery, 256)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="trement-audit.jsonl"`)
	if _, err := audit.Export(ctx, s.db, w, f); err != nil {
		// Headers are gone; the truncated stream fails VerifyExport.
		s.log.Error("audit export failed", "error", err, "request_id", RequestInfo(ctx).RequestID)
	}
}

func (s *Server) apiAuditVerify(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var anchor *audit.Checkpoint
	if s.anchorFile != "" {
		a, ok, err := audit.ReadAnchorFile(s.anchorFile)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if ok {
			anchor = &a
		}
	}
	rep, err := audit.VerifyAnchored(ctx, s.db, s.auditKey, anchor)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out, reason := audit.Success, fmt.Sprintf("intact: %d events", rep.Events)
	if rep.Break != nil {
		out, reason = audit.Failure, rep.Break.Error()
	}
	if err := s.audit(ctx, audit.ActionAuditVerify, "audit", out, reason); err != nil {
		s.apiError(w, r, err)
		return
	}
	body := map[string]any{"intact": rep.Break == nil, "events": rep.Events, "last_seq": rep.LastSeq,
		"head_seq": rep.HeadSeq, "checkpoints": rep.Checkpoints, "anchor_seq": rep.AnchorSeq, "floor_seq": rep.FloorSeq}
	if b := rep.Break; b != nil {
		body["break"] = map[string]any{"seq": b.Seq, "kind": b.Kind, "reason": b.Reason}
	}
	writeJSON(w, http.StatusOK, body)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// apiLoginBody is the JSON body apiLogin reads.
type apiLoginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// codeStepBody is the JSON body codeStep reads.
type codeStepBody struct {
	Code string `json:"code"`
}

// apiChangePasswordBody is the JSON body apiChangePassword reads.
type apiChangePasswordBody struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

// apiCreateOperatorBody is the JSON body apiCreateOperator reads.
type apiCreateOperatorBody struct {
	Username string    `json:"username"`
	Password string    `json:"password"`
	Role     auth.Role `json:"role"`
}

// apiUpdateOperatorBody is the JSON body apiUpdateOperator reads.
type apiUpdateOperatorBody struct {
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
}

// apiSetRoleBody is the JSON body apiSetRole reads.
type apiSetRoleBody struct {
	Role auth.Role `json:"role"`
}

// apiCreateTokenBody is the JSON body apiCreateToken reads.
type apiCreateTokenBody struct {
	Name          string            `json:"name"`
	Scopes        []auth.Permission `json:"scopes"`
	ExpiresInDays int               `json:"expires_in_days"`
}
