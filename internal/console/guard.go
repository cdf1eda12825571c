package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
)

// csp forbids inline script and style; data: images are the enrolment QR.
const csp = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// frame sets the security headers, the request id and the source address
// on every request, routed or not.
func (s *Server) frame(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// same-origin, not no-referrer: under no-referrer browsers send
		// "Origin: null" on the console's own form posts, which the
		// cross-site check below must then refuse.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if s.secure {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		id := r.Header.Get("X-Request-Id")
		if !requestIDRE.MatchString(id) {
			id = uuid.NewString()
		}
		h.Set("X-Request-Id", id)
		ri := auth.RequestInfo{RequestID: id, SourceIP: s.sourceIP(r)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyInfo, ri)))
	})
}

// sourceIP is the peer address, or, behind a trusted proxy, the last
// address in X-Forwarded-For that is not a trusted proxy.
func (s *Server) sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !s.isTrusted(addr) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !s.isTrusted(a) {
			return a.String()
		}
	}
	return host
}

func (s *Server) isTrusted(a netip.Addr) bool {
	for _, p := range s.trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// denial is why the router refused a request.
type denial struct {
	status int
	reason string // for the audit log
	msg    string // for the caller
}

// kind is the fixed part of a denial's reason, which the refusal
// aggregator and the metric group by: the text before the first " (" or
// ": ", where any caller-controlled detail (an Origin, a media type, an
// error) starts.
func (d *denial) kind() string {
	k := d.reason
	if i := strings.Index(k, " ("); i >= 0 {
		k = k[:i]
	}
	if i := strings.Index(k, ": "); i >= 0 {
		k = k[:i]
	}
	return k
}

func retrySeconds(retry time.Duration) int { return max(1, int((retry+time.Second-1)/time.Second)) }

func tooMany(retry time.Duration) *denial {
	return &denial{http.StatusTooManyRequests, "rate limited (unauthenticated requests from this address)",
		fmt.Sprintf("too many requests from this address: try again in %d s", retrySeconds(retry))}
}

// paced reports whether the request counts against its source's allowance
// for unauthenticated requests before anything is checked: sign-in steps
// (each may check a password or code), webhook posts (checked by
// signature; only refused ones count, but a source out of allowance is
// refused unread), and requests to authenticated routes that carry no
// credentials at all.
func (s *Server) paced(r *http.Request, rt Route) bool {
	switch rt.Auth {
	case AuthPublic:
		return rt.Perm == auth.PermLogin && unsafeMethod(r.Method)
	case AuthSignature:
		return true
	}
	if _, ok := bearerToken(r); ok {
		return false
	}
	c, err := r.Cookie(s.cookie)
	return err != nil || c.Value == ""
}

// guard wraps a route's handler with its authentication and permission
// check, the request rules of its mux, and the audit of every refusal.
func (s *Server) guard(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if s.paced(r, rt) {
			src := RequestInfo(ctx).SourceIP
			ok, retry := true, time.Duration(0)
			if rt.Auth == AuthPublic {
				ok, retry = s.limit.take(src)
			} else if empty, wait := s.limit.empty(src); empty {
				ok, retry = false, wait
			}
			if !ok {
				s.refuse(w, r, rt, auth.Anonymous(), tooMany(retry))
				return
			}
		}
		if !rt.isAPI() && rt.Auth == AuthSession && unsafeMethod(r.Method) {
			// A console form: the CSRF check below reads it.
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		}
		p, tok, d := s.authenticate(r, rt)
		if d == nil && !p.Can(rt.Perm) {
			d = &denial{http.StatusForbidden, "missing permission " + string(rt.Perm), "you do not have permission to do this (" + string(rt.Perm) + ")"}
		}
		if d == nil {
			d = s.policyDenial(ctx, p, rt.Perm)
		}
		if d == nil && (rt.isAPI() || rt.Auth == AuthToken) && unsafeMethod(r.Method) {
			d = checkJSONBody(r)
		}
		if d != nil {
			s.refuse(w, r, rt, p, d)
			return
		}
		if rt.isAPI() {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		}
		ctx = context.WithValue(ctx, keyPrincipal, p)
		if tok != "" {
			ctx = context.WithValue(ctx, keySession, tok)
		}
		rt.Handler.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticate finds the route's principal. tok is the session token when
// a session authenticated the request.
func (s *Server) authenticate(r *http.Request, rt Route) (p *auth.Principal, tok string, d *denial) {
	switch rt.Auth {
	case AuthPublic:
		if unsafeMethod(r.Method) {
			if d := crossSite(r); d != nil {
				return auth.Anonymous(), "", d
			}
		}
		return auth.Anonymous(), "", nil
	case AuthSignature:
		return auth.SignatureCaller(), "", nil
	case AuthLink:
		return auth.LinkHolder(), "", nil
	}
	bearer, hasBearer := bearerToken(r)
	switch {
	case hasBearer && (rt.Auth == AuthToken || rt.Auth == AuthSessionOrToken):
		p, err := s.auth.AuthenticateToken(r.Context(), bearer)
		if err != nil {
			return auth.Anonymous(), "", &denial{http.StatusUnauthorized, "api token: " + err.Error(), "invalid API token"}
		}
		return p, "", nil
	case hasBearer:
		return auth.Anonymous(), "", &denial{http.StatusUnauthorized, "api token on a session-only route", "this endpoint needs a signed-in browser session, not an API token"}
	case rt.Auth == AuthToken:
		return auth.Anonymous(), "", &denial{http.StatusUnauthorized, "no api token", "send an API token: Authorization: Bearer trm_…"}
	}
	c, err := r.Cookie(s.cookie)
	if err != nil || c.Value == "" {
		return auth.Anonymous(), "", &denial{http.StatusUnauthorized, "no session", "sign in first"}
	}
	p, _, err = s.auth.Authenticate(r.Context(), c.Value)
	if err != nil {
		msg := "sign in first"
		if errors.Is(err, auth.ErrSessionExpired) {
			msg = "your session expired: sign in again"
		}
		return auth.Anonymous(), "", &denial{http.StatusUnauthorized, "session: " + err.Error(), msg}
	}
	if unsafeMethod(r.Method) {
		if d := crossSite(r); d != nil {
			return p, "", d
		}
		if !s.validCSRF(c.Value, csrfFromRequest(r, rt)) {
			return p, "", &denial{http.StatusForbidden, "missing or wrong CSRF token", "missing or wrong CSRF token: send the X-CSRF-Token you got at sign-in"}
		}
	}
	return p, c.Value, nil
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true // present but unusable: refused as a bad token
	}
	return strings.TrimSpace(tok), true
}

// crossSite refuses a state-changing request a browser says came from
// another site (Sec-Fetch-Site), or whose Origin is not this host.
func crossSite(r *http.Request) *denial {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return &denial{http.StatusForbidden, "cross-site request (Sec-Fetch-Site " + site + ")", "cross-site requests are refused"}
	}
	if o := r.Header.Get("Origin"); o != "" {
		if o == "null" && r.Header.Get("Sec-Fetch-Site") == "same-origin" {
			return nil // the browser vouches for the origin it will not name
		}
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return &denial{http.StatusForbidden, "cross-origin request (Origin " + audit.Clip(o, audit.ClipLen) + ")", "cross-origin requests are refused"}
		}
	}
	return nil
}

// checkJSONBody refuses forms (and anything but JSON) on the API, so no
// cross-site form can reach it; a body-less request is fine.
func checkJSONBody(r *http.Request) *denial {
	ct := r.Header.Get("Content-Type")
	if ct == "" && (r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody) {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == "application/json" {
		return nil
	}
	return &denial{http.StatusUnsupportedMediaType, "non-JSON body (" + audit.Clip(mt, audit.ClipLen) + ") on the API", "the API takes application/json only; form posts are refused"}
}

// csrfToken is the CSRF token of a session: an HMAC of its token, so it
// changes whenever the session rotates and needs no storage.
func (s *Server) csrfToken(session string) string {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte("csrf|"))
	m.Write([]byte(session))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Server) validCSRF(session, got string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(s.csrfToken(session)))
}

func csrfFromRequest(r *http.Request, rt Route) string {
	if v := r.Header.Get("X-CSRF-Token"); v != "" {
		return v
	}
	if !rt.isAPI() {
		return r.PostFormValue("csrf_token")
	}
	return ""
}

// refuse records a denial in the audit log and answers it. An
// unauthenticated caller's refusal spends one of its source's allowance;
// with none left the answer is 429 instead. If the audit write fails the
// request is still refused, with 503.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, rt Route, p *auth.Principal, d *denial) {
	ri := RequestInfo(r.Context())
	if (p.Kind == auth.KindAnonymous || p.Kind == auth.KindSignature) && d.status != http.StatusTooManyRequests {
		if ok, retry := s.limit.take(ri.SourceIP); !ok {
			d = tooMany(retry)
		}
	}
	e := &audit.Event{ActorType: p.ActorType(), ActorID: p.ActorID(), Action: audit.ActionDenied, Target: rt.String(),
		Outcome: audit.Denied, Reason: d.reason, RequestID: ri.RequestID, SourceIP: ri.SourceIP}
	if err := s.recordRefusal(r.Context(), e, d.kind()); err != nil {
		s.log.Error("audit write failed; refusing", "route", rt.String(), "error", err, "request_id", ri.RequestID)
		s.fail(w, r, rt, http.StatusServiceUnavailable, "the audit log is unavailable")
		return
	}
	s.log.Debug("request refused", "route", rt.String(), "status", d.status, "reason", d.reason, "request_id", ri.RequestID)
	if d.status == http.StatusTooManyRequests {
		_, wait := s.limit.empty(ri.SourceIP)
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(wait)))
	}
	if d.status == http.StatusUnauthorized && rt.Auth == AuthSession && !rt.isAPI() && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.fail(w, r, rt, d.status, d.msg)
}

// recordRefusal counts a refusal (the metric is exact) and audits it
// through the aggregator: the first of its kind in a window is written
// now, so a refusal that cannot be audited fails closed; the rest are
// written as one event with their count at the window's end.
func (s *Server) recordRefusal(ctx context.Context, e *audit.Event, kind string) error {
	e.ClipFields() // an oversized value must not let the refusal go unrecorded
	s.refused(kind)
	if !s.refusals.Note(e, kind) {
		return nil
	}
	return s.db.Audit(ctx, e)
}

// RefuseWebhook records a webhook refused by its handler (bad signature,
// wrong verify token, too large): audited through the refusal aggregator
// under kind, and counted against the source's allowance for
// unauthenticated requests, so a source that keeps sending unsigned posts
// gets 429 before its bodies are read.
func (s *Server) RefuseWebhook(r *http.Request, e *audit.Event, kind string) error {
	if e.SourceIP == "" {
		e.SourceIP = RequestInfo(r.Context()).SourceIP
	}
	s.limit.take(e.SourceIP)
	return s.recordRefusal(r.Context(), e, kind)
}

// fail answers an error as JSON on the API and as text elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rt Route, status int, msg string) {
	if rt.isAPI() || rt.Auth == AuthToken {
		writeError(w, status, msg)
		return
	}
	http.Error(w, msg, status)
}

// audit appends an event for the request's principal in its own
// transaction.
func (s *Server) audit(ctx context.Context, action, target string, out audit.Outcome, reason string) error {
	p, ri := PrincipalFrom(ctx), RequestInfo(ctx)
	return s.db.Audit(ctx, &audit.Event{ActorType: p.ActorType(), ActorID: p.ActorID(), Action: action, Target: target,
		Outcome: out, Reason: reason, RequestID: ri.RequestID, SourceIP: ri.SourceIP})
}
