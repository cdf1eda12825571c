package console_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
)

func TestSecurityHeaders(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprintf("secure=%v", secure), func(t *testing.T) {
			e := newEnv(t, envOpts{secure: secure, extra: extras})
			c := e.client()
			for _, path := range []string{"/healthz", "/login", "/api/v1/me", "/nowhere", "/api/v1/nowhere"} {
				r := c.do("GET", path, nil)
				h := r.Header()
				for k, want := range map[string]string{
					"X-Content-Type-Options": "nosniff",
					"X-Frame-Options":        "DENY",
					"Referrer-Policy":        "same-origin",
					"Cache-Control":          "no-store",
				} {
					if got := h.Get(k); got != want {
						t.Errorf("GET %s: %s = %q, want %q", path, k, got, want)
					}
				}
				if got := h.Get("Content-Security-Policy"); !strings.HasPrefix(got, "default-src 'self'") || strings.Contains(got, "unsafe-inline") {
					t.Errorf("GET %s: CSP = %q, want default-src 'self' without unsafe-inline", path, got)
				}
				if got := h.Get("Strict-Transport-Security"); (got != "") != secure {
					t.Errorf("GET %s: HSTS = %q with secure cookies %v", path, got, secure)
				}
				if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(h.Get("X-Request-Id")) {
					t.Errorf("GET %s: X-Request-Id = %q, want a generated id", path, h.Get("X-Request-Id"))
				}
			}
			if got := c.do("GET", "/healthz", nil, "X-Request-Id", "abc-123").Header().Get("X-Request-Id"); got != "abc-123" {
				t.Errorf("a valid incoming request id became %q", got)
			}
			if got := c.do("GET", "/healthz", nil, "X-Request-Id", "bad id\nX-Evil: 1").Header().Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
				t.Errorf("an invalid incoming request id was kept: %q", got)
			}
			// The session cookie.
			r := c.do("POST", "/api/v1/login", map[string]string{"username": "owner", "password": password})
			var ck *http.Cookie
			for _, k := range r.Result().Cookies() {
				ck = k
			}
			wantName := "trement_session"
			if secure {
				wantName = "__Host-trement_session"
			}
			if ck == nil || ck.Name != wantName || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure != secure || ck.Path != "/" || len(ck.Value) != 43 {
				t.Errorf("session cookie = %+v, want %s, HttpOnly, SameSite=Strict, Secure=%v, 256-bit value", ck, wantName, secure)
			}
		})
	}
}

func TestSignInFlowAPI(t *testing.T) {
	e := newEnv(t, envOpts{})
	c := e.client()
	if r := c.do("POST", "/api/v1/login", map[string]string{"username": "owner", "password": "wrong wrong wrong"}); r.Code != 401 || r.json()["error"] != "wrong username or password" {
		t.Errorf("wrong password = %d %s", r.Code, r.Body)
	}
	r := c.do("POST", "/api/v1/login", map[string]string{"username": "owner", "password": password})
	if r.Code != 200 || r.json()["next"] != "enrol" {
		t.Fatalf("login = %d %s, want next enrol", r.Code, r.Body)
	}
	pending := c.cookie.Value
	// The pending session opens nothing but enrolment.
	if r := c.do("GET", "/api/v1/me", nil); r.Code != 401 {
		t.Errorf("GET /api/v1/me before enrolment = %d, want 401", r.Code)
	}
	// Enrolment steps need the CSRF token the login returned.
	if r := c.do("POST", "/api/v1/login/enrolment", nil); r.Code != 403 {
		t.Errorf("enrolment without CSRF token = %d, want 403", r.Code)
	}
	c.csrf = r.json()["csrf_token"].(string)
	r = c.do("POST", "/api/v1/login/enrolment", nil)
	en := r.json()
	if r.Code != 200 || !strings.HasPrefix(en["qr_png"].(string), "data:image/png;base64,") || !strings.HasPrefix(en["otpauth_url"].(string), "otpauth://totp/") {
		t.Fatalf("enrolment = %d %s", r.Code, r.Body)
	}
	code, _ := totp.GenerateCode(en["secret"].(string), e.clock.Now())
	r = c.do("POST", "/api/v1/login/enrolment/confirm", map[string]string{"code": code})
	done := r.json()
	if r.Code != 200 || done["next"] != "done" || len(done["recovery_codes"].([]any)) != 10 {
		t.Fatalf("confirm = %d %s", r.Code, r.Body)
	}
	if c.cookie.Value == pending {
		t.Errorf("session token not rotated after MFA")
	}
	c.csrf = done["csrf_token"].(string)
	me := c.do("GET", "/api/v1/me", nil)
	if me.Code != 200 || me.json()["csrf_token"] != c.csrf {
		t.Errorf("GET /api/v1/me = %d %s", me.Code, me.Body)
	}
	// Idle timeout through the injected clock.
	e.clock.Advance(31 * time.Minute)
	if r := c.do("GET", "/api/v1/me", nil); r.Code != 401 || r.json()["error"] != "your session expired: sign in again" {
		t.Errorf("GET /api/v1/me after 31 idle minutes = %d %s, want 401 expired", r.Code, r.Body)
	}
	// Lockout: the fifth failure locks, with Retry-After and a clear message.
	for range 4 {
		c.do("POST", "/api/v1/login", map[string]string{"username": "owner", "password": "wrong wrong wrong"})
	}
	r = c.do("POST", "/api/v1/login", map[string]string{"username": "owner", "password": "wrong wrong wrong"})
	if r.Code != 429 || r.Header().Get("Retry-After") != "900" || !strings.Contains(r.json()["error"].(string), "try again after") {
		t.Errorf("5th failure = %d Retry-After %q %s, want 429, 900 and when", r.Code, r.Header().Get("Retry-After"), r.Body)
	}
	e.clock.Advance(15 * time.Minute)
	r = c.do("POST", "/api/v1/login", map[string]string{"username": "owner", "password": password})
	if r.Code != 200 || r.json()["next"] != "totp" {
		t.Fatalf("login after lockout = %d %s, want the TOTP step", r.Code, r.Body)
	}
	c.csrf = r.json()["csrf_token"].(string)
	code, _ = totp.GenerateCode(en["secret"].(string), e.clock.Now())
	if r := c.do("POST", "/api/v1/login/totp", map[string]string{"code": code}); r.Code != 200 {
		t.Fatalf("TOTP = %d %s", r.Code, r.Body)
	}
	c.csrf = "" // the CSRF token changed with the session
	if r := c.do("POST", "/api/v1/logout", nil); r.Code != 403 {
		t.Errorf("logout with the pre-MFA CSRF token = %d, want 403", r.Code)
	}
	c.csrf = c.do("GET", "/api/v1/me", nil).json()["csrf_token"].(string)
	if r := c.do("POST", "/api/v1/logout", nil); r.Code != 200 || c.cookie != nil {
		t.Errorf("logout = %d, cookie %v; want 200 and the cookie cleared", r.Code, c.cookie)
	}
}

func TestCSRFRequiredOnSessionWrites(t *testing.T) {
	e := newEnv(t, envOpts{})
	c := e.signIn(e.operator(auth.RoleSupervisor))
	good := c.csrf
	tests := []struct {
		name string
		csrf string
		hdr  []string
		want int
	}{
		{"no token", "", nil, 403},
		{"wrong token", "AAAA" + good[4:], nil, 403},
		{"another session's token", e.signIn(e.operator(auth.RoleSupervisor)).csrf, nil, 403},
		{"cross-site", good, []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"foreign origin", good, []string{"Origin", "https://evil.example"}, 403},
		{"opaque origin without the browser's word", good, []string{"Origin", "null"}, 403},
		{"opaque origin cross-site", good, []string{"Origin", "null", "Sec-Fetch-Site", "cross-site"}, 403},
		// Browsers send Origin: null on same-origin posts under some
		// referrer policies; Sec-Fetch-Site still tells the truth.
		{"opaque origin, same-origin fetch", good, []string{"Origin", "null", "Sec-Fetch-Site", "same-origin"}, 200},
		{"right token", good, []string{"Origin", "http://example.com", "Sec-Fetch-Site", "same-origin"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.csrf = tt.csrf
			r := c.do("POST", "/api/v1/conversations/c1/take", nil, tt.hdr...)
			if r.Code != tt.want {
				t.Errorf("POST take with %s = %d %s, want %d", tt.name, r.Code, r.Body, tt.want)
			}
			if tt.want == 403 {
				if ev := e.lastEvent(); ev.Action != audit.ActionDenied || ev.Outcome != audit.Denied {
					t.Errorf("refusal not audited: %+v", ev)
				}
			}
		})
	}
	// Reads need no CSRF token.
	c.csrf = ""
	if r := c.do("GET", "/api/v1/conversations", nil); r.Code != 200 {
		t.Errorf("GET without CSRF token = %d, want 200", r.Code)
	}
	// HTML forms carry it as a field.
	c.csrf = ""
	if r := c.do("POST", "/logout", "csrf_token="+url.QueryEscape(good)); r.Code != http.StatusSeeOther {
		t.Errorf("POST /logout form with csrf_token = %d %s, want 303", r.Code, r.Body)
	}
}

func TestAPIRefusesForms(t *testing.T) {
	e := newEnv(t, envOpts{extra: extras})
	op := e.operator(auth.RoleAgent)
	e.convs.setAssignee(op.ID)
	c := e.signIn(op)
	if r := c.do("POST", "/api/v1/conversations/c1/reply", "text=hello"); r.Code != http.StatusUnsupportedMediaType {
		t.Errorf("session form post to the API = %d, want 415", r.Code)
	}
	tok := e.client()
	tok.bearer, _ = e.tokenFor(op, []auth.Permission{auth.PermConversationsReply, auth.PermConversationsReadAssigned})
	if r := tok.do("POST", "/api/v1/conversations/c1/reply", "text=hello"); r.Code != http.StatusUnsupportedMediaType {
		t.Errorf("token form post = %d, want 415", r.Code)
	}
	if r := tok.do("POST", "/api/v1/conversations/c1/reply", map[string]string{"text": "hello"}); r.Code != http.StatusCreated {
		t.Errorf("token JSON post = %d %s, want 201", r.Code, r.Body)
	}
	// A token does not need (or get) CSRF: there is no ambient credential.
	if r := tok.do("POST", "/api/v1/conversations/c1/take", nil); r.Code != http.StatusUnauthorized {
		t.Errorf("token on a session-only route = %d, want 401", r.Code)
	}
	if r := tok.do("POST", "/api/v1/conversations/c1/reply", map[string]string{"text": "hello", "extra": "x"}); r.Code != 400 {
		t.Errorf("unknown JSON field = %d, want 400", r.Code)
	}
}

func TestConversationsMaskedAndScoped(t *testing.T) {
	e := newEnv(t, envOpts{})
	agent := e.operator(auth.RoleAgent)
	e.convs.setAssignee(agent.ID)
	a := e.signIn(agent)
	r := a.do("GET", "/api/v1/conversations", nil)
	list := r.json()["conversations"].([]any)
	if r.Code != 200 || len(list) != 2 {
		t.Fatalf("agent list = %d %s, want their conversation and the queue", r.Code, r.Body)
	}
	if f := e.convs.listed[len(e.convs.listed)-1]; f.AssignedTo != agent.ID || !f.Queue {
		t.Errorf("agent list filter = %+v, want their own and the queue", f)
	}
	c1 := list[0].(map[string]any)
	if c1["phone"] != "+34 6•• ••• •78" || c1["profile_name"] != "A•• G•••••" || c1["masked"] != true {
		t.Errorf("agent sees %v / %v, want masked", c1["phone"], c1["profile_name"])
	}
	// Another's conversation: refused and audited.
	e.convs.setAssignee("someone-else")
	if r := a.do("GET", "/api/v1/conversations/c1", nil); r.Code != 403 {
		t.Errorf("agent reading another's conversation = %d, want 403", r.Code)
	}
	if ev := e.lastEvent(); ev.Outcome != audit.Denied || ev.Target != "conversation:c1" || ev.ActorID != agent.ID {
		t.Errorf("denial audited as %+v", ev)
	}
	if r := a.do("POST", "/api/v1/conversations/c1/reply", map[string]string{"text": "hi"}); r.Code != 403 {
		t.Errorf("agent replying to another's conversation = %d, want 403", r.Code)
	}
	// The supervisor reads everything, masked, and reveals with a reason.
	sup := e.signIn(e.operator(auth.RoleSupervisor))
	r = sup.do("GET", "/api/v1/conversations/c1", nil)
	if d := r.json(); r.Code != 200 || d["phone"] != "+34 6•• ••• •78" || strings.Contains(r.Body.String(), "612 345") {
		t.Errorf("supervisor read = %d %s, want masked", r.Code, r.Body)
	}
	if r := sup.do("POST", "/api/v1/conversations/c1/reveal", map[string]string{"reason": "because"}); r.Code != 400 {
		t.Errorf("reveal with a short reason = %d, want 400", r.Code)
	}
	if e.convs.revealed != 0 {
		t.Errorf("data was read unmasked before the reason was accepted")
	}
	reason := "customer asked to be called back about order 1234"
	r = sup.do("POST", "/api/v1/conversations/c1/reveal", map[string]string{"category": "customer_request", "reason": reason})
	d := r.json()
	if r.Code != 200 || d["phone"] != "+34612345678" || d["profile_name"] != "Ana García" || d["masked"] != false {
		t.Errorf("reveal = %d %s, want the number and name", r.Code, r.Body)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionPIIReveal || ev.Reason != "customer_request: "+reason || ev.Target != "conversation:c1" || ev.Outcome != audit.Success {
		t.Errorf("reveal audited as %+v", ev)
	}
	// Not found maps to 404.
	if r := sup.do("GET", "/api/v1/conversations/nope", nil); r.Code != 404 {
		t.Errorf("unknown conversation = %d, want 404", r.Code)
	}
	// A service error kind maps through the table; its detail is shown.
	e.convs.TakeFn = func(context.Context, console.Actor, string) error {
		return fmt.Errorf("%w: already taken by another operator", console.ErrConflict)
	}
	if r := sup.do("POST", "/api/v1/conversations/c1/take", nil); r.Code != 409 || r.json()["error"] != "already taken by another operator" {
		t.Errorf("take conflict = %d %s", r.Code, r.Body)
	}
	e.convs.TakeFn = func(context.Context, console.Actor, string) error { return errors.New("database on fire") }
	if r := sup.do("POST", "/api/v1/conversations/c1/take", nil); r.Code != 500 || r.json()["error"] != "internal error" {
		t.Errorf("internal failure = %d %s, want a bare 500", r.Code, r.Body)
	}
}

func TestActorReachesTheService(t *testing.T) {
	e := newEnv(t, envOpts{})
	op := e.operator(auth.RoleAgent)
	e.convs.setAssignee(op.ID)
	var got console.Actor
	e.convs.HandBackFn = func(_ context.Context, a console.Actor, _ string) error { got = a; return nil }
	c := e.signIn(op)
	r := c.do("POST", "/api/v1/conversations/c1/handback", nil, "X-Request-Id", "req-42")
	if r.Code != 200 {
		t.Fatalf("handback = %d %s", r.Code, r.Body)
	}
	ev := got.Event(audit.ActionConversationBack, "conversation:c1", audit.Success, "")
	if got.OperatorID() != op.ID || ev.ActorType != audit.ActorOperator || ev.ActorID != op.ID || ev.RequestID != "req-42" || ev.SourceIP != "192.0.2.10" {
		t.Errorf("Actor = %+v → event %+v", got, ev)
	}
}

func TestTokensAPI(t *testing.T) {
	e := newEnv(t, envOpts{})
	aud := e.signIn(e.operator(auth.RoleAuditor))
	if r := aud.do("POST", "/api/v1/tokens", map[string]any{"name": "siem", "scopes": []string{"pii:reveal"}}); r.Code != 403 {
		t.Errorf("token with a scope beyond the creator = %d, want 403", r.Code)
	}
	r := aud.do("POST", "/api/v1/tokens", map[string]any{"name": "siem", "scopes": []string{"audit:export"}, "expires_in_days": 30})
	created := r.json()
	raw, _ := created["token"].(string)
	if r.Code != 201 || !strings.HasPrefix(raw, "trm_") {
		t.Fatalf("create token = %d %s", r.Code, r.Body)
	}
	list := aud.do("GET", "/api/v1/tokens", nil)
	if strings.Contains(list.Body.String(), raw) || !strings.Contains(list.Body.String(), created["id"].(string)) {
		t.Errorf("token list shows the secret or lacks the token: %s", list.Body)
	}
	m := e.client()
	m.bearer = raw
	r = m.do("GET", "/api/v1/audit/export", nil)
	if r.Code != 200 || r.Header().Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("export with the token = %d %s", r.Code, r.Body)
	}
	rep, err := audit.VerifyExport(strings.NewReader(r.Body.String()))
	if err != nil || rep.Break != nil || rep.Events == 0 {
		t.Errorf("VerifyExport(API export) = %+v, %v", rep, err)
	}
	lines := 0
	for sc := bufio.NewScanner(strings.NewReader(r.Body.String())); sc.Scan(); lines++ {
	}
	if int64(lines) != rep.Events {
		t.Errorf("export has %d lines, %d events", lines, rep.Events)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionAuditExport || ev.ActorType != audit.ActorToken || ev.ActorID != created["id"] {
		t.Errorf("export audited as %+v, want by the token", ev)
	}
	if r := m.do("GET", "/api/v1/audit", nil); r.Code != 403 {
		t.Errorf("token outside its scope = %d, want 403", r.Code)
	}
	if r := aud.do("DELETE", "/api/v1/tokens/"+created["id"].(string), nil); r.Code != 200 {
		t.Fatalf("revoke = %d %s", r.Code, r.Body)
	}
	if r := m.do("GET", "/api/v1/audit/export", nil); r.Code != 401 {
		t.Errorf("revoked token = %d, want 401", r.Code)
	}
	// Expiry.
	r = aud.do("POST", "/api/v1/tokens", map[string]any{"name": "short", "scopes": []string{"audit:read"}, "expires_in_days": 1})
	m.bearer = r.json()["token"].(string)
	if r := m.do("GET", "/api/v1/audit/verify", nil); r.Code != 200 || r.json()["intact"] != true {
		t.Errorf("verify = %d %s", r.Code, r.Body)
	}
	e.clock.Advance(25 * time.Hour)
	if r := m.do("GET", "/api/v1/audit/verify", nil); r.Code != 401 {
		t.Errorf("expired token = %d, want 401", r.Code)
	}
}

func TestOperatorsAPI(t *testing.T) {
	e := newEnv(t, envOpts{})
	admin := e.signIn(e.operator(auth.RoleAdmin))
	r := admin.do("POST", "/api/v1/operators", map[string]any{"username": "Bob", "password": password, "role": "agent"})
	bob := r.json()
	if r.Code != 201 || bob["username"] != "bob" || bob["mfa_enrolled"] != false || strings.Contains(r.Body.String(), "argon2") {
		t.Fatalf("create = %d %s", r.Code, r.Body)
	}
	for _, tt := range []struct {
		body any
		want int
		msg  string
	}{
		{map[string]any{"username": "bob", "password": password, "role": "agent"}, 409, "already exists"},
		{map[string]any{"username": "carol", "password": "short", "role": "agent"}, 400, "use at least 12 characters"},
		{map[string]any{"username": "carol", "password": password, "role": "owner"}, 403, "only an owner may manage owners and admins"},
		{map[string]any{"username": "carol", "password": password, "role": "emperor"}, 400, `unknown role "emperor"`},
	} {
		r := admin.do("POST", "/api/v1/operators", tt.body)
		if r.Code != tt.want || r.json()["error"] != tt.msg {
			t.Errorf("create %v = %d %s, want %d %q", tt.body, r.Code, r.Body, tt.want, tt.msg)
		}
	}
	id := bob["id"].(string)
	if r := admin.do("PATCH", "/api/v1/operators/"+id, map[string]any{"disabled": true}); r.Code != 200 || r.json()["disabled"] != true {
		t.Errorf("disable = %d %s", r.Code, r.Body)
	}
	if r := admin.do("PUT", "/api/v1/operators/"+id+"/role", map[string]any{"role": "supervisor"}); r.Code != 403 {
		t.Errorf("admin changing a role = %d, want 403", r.Code)
	}
	owner := e.signIn(e.operator(auth.RoleOwner))
	if r := owner.do("PUT", "/api/v1/operators/"+id+"/role", map[string]any{"role": "supervisor"}); r.Code != 200 || r.json()["role"] != "supervisor" {
		t.Errorf("owner changing a role = %d %s", r.Code, r.Body)
	}
	if r := admin.do("DELETE", "/api/v1/operators/"+id, nil); r.Code != 200 {
		t.Errorf("delete = %d %s", r.Code, r.Body)
	}
	if r := admin.do("GET", "/api/v1/operators/"+id, nil); r.Code != 404 {
		t.Errorf("get deleted = %d, want 404", r.Code)
	}
	// Log out everywhere.
	other := e.client()
	other.do("POST", "/api/v1/login", map[string]string{"username": "owner", "password": password})
	if r := owner.do("POST", "/api/v1/logout-everywhere", nil); r.Code != 200 {
		t.Fatalf("logout everywhere = %d %s", r.Code, r.Body)
	}
	if r := owner.do("GET", "/api/v1/me", nil); r.Code != 401 {
		t.Errorf("me after logout everywhere = %d, want 401", r.Code)
	}
}

func TestPagesSignIn(t *testing.T) {
	e := newEnv(t, envOpts{})
	op := e.operator(auth.RoleAgent)
	e.convs.setAssignee(op.ID)
	c := e.client()
	r := c.do("GET", "/login", nil)
	if r.Code != 200 || strings.Contains(r.Body.String(), "<script") || strings.Contains(r.Body.String(), "style=") {
		t.Fatalf("login page = %d, inline script or style: %s", r.Code, r.Body)
	}
	r = c.do("POST", "/login", "username="+op.Username+"&password=wrong+password+here")
	if r.Code != 401 || !strings.Contains(r.Body.String(), "wrong username or password") {
		t.Errorf("wrong password page = %d", r.Code)
	}
	r = c.do("POST", "/login", "username="+op.Username+"&password="+url.QueryEscape(password))
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/login/mfa" {
		t.Fatalf("login form = %d → %s", r.Code, r.Header().Get("Location"))
	}
	r = c.do("GET", "/login/mfa", nil)
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(r.Body.String())
	if r.Code != 200 || csrf == nil || !strings.Contains(r.Body.String(), "/login/enrol/start") {
		t.Fatalf("MFA page = %d %s", r.Code, r.Body)
	}
	if r := c.do("POST", "/login/enrol/start", "csrf_token=forged"); r.Code != 403 {
		t.Errorf("enrolment with a forged CSRF field = %d, want 403", r.Code)
	}
	r = c.do("POST", "/login/enrol/start", "csrf_token="+url.QueryEscape(csrf[1]))
	secret := regexp.MustCompile(`<code>([A-Z2-7]{32})</code>`).FindStringSubmatch(r.Body.String())
	if r.Code != 200 || secret == nil || !strings.Contains(r.Body.String(), `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page = %d %s", r.Code, r.Body)
	}
	code, _ := totp.GenerateCode(secret[1], e.clock.Now())
	r = c.do("POST", "/login/enrol", "csrf_token="+url.QueryEscape(csrf[1])+"&code="+code)
	if r.Code != 200 || strings.Count(r.Body.String(), "<li><code>") != 10 {
		t.Fatalf("recovery page = %d %s", r.Code, r.Body)
	}
	r = c.do("GET", "/conversations", nil)
	if r.Code != 200 || !strings.Contains(r.Body.String(), "34 6•• ••• •78") || strings.Contains(r.Body.String(), "612345678") {
		t.Errorf("conversations page = %d %s", r.Code, r.Body)
	}
	if r := c.do("GET", "/", nil); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/conversations" {
		t.Errorf("GET / = %d → %s", r.Code, r.Header().Get("Location"))
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"34612345678", "+34 6•• ••• •78"},
		{"+34612345678", "+34 6•• ••• •78"},
		{"5511987654321", "+55 1•• ••• ••• 21"},
		{"14155550123", "+1 4•• ••• ••23"},
		{"447911123456", "+44 7•• ••• ••56"},
		{"123", "•••"},
		{"not a number", "•••"},
	}
	for _, tt := range tests {
		if got := console.MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := console.MaskName("Ana  García"); got != "A••  G•••••" {
		t.Errorf("MaskName = %q", got)
	}
}

// TestRevealFailsClosed: when the reveal cannot be written to the audit
// log, nothing is revealed. (An id shaped like a phone number makes the
// audit log refuse the event.)
func TestRevealFailsClosed(t *testing.T) {
	e := newEnv(t, envOpts{})
	sup := e.signIn(e.operator(auth.RoleSupervisor))
	e.convs.GetFn = func(_ context.Context, id string, reveal bool) (*console.ConversationDetail, error) {
		d := &console.ConversationDetail{ConversationSummary: console.ConversationSummary{ID: id, Phone: "34612345678", ProfileName: "Ana García", State: "human"}}
		if reveal {
			d.ProfileName = "Ana García (revealed)"
		}
		return d, nil
	}
	r := sup.do("POST", "/api/v1/conversations/34612345678/reveal", map[string]string{"category": "fraud", "reason": "checking the fail-closed path"})
	if r.Code != http.StatusServiceUnavailable || strings.Contains(r.Body.String(), "García") || strings.Contains(r.Body.String(), "612345678") {
		t.Errorf("reveal without an audit record = %d %s, want 503 and nothing revealed", r.Code, r.Body)
	}
}
