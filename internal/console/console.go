// Package console is trement's HTTP surface for operators: a small
// server-rendered UI (sign-in, TOTP enrolment, conversations) and a JSON API
// under /api/v1/, plus the routes the caller adds (webhook, metrics).
//
// # Every route declares its permission
//
// A Route names its method, pattern, the one auth.Permission it needs and
// how the caller authenticates (Authn). New refuses a route without a known
// permission or authentication, so a route cannot be added unguarded; the
// router checks the permission before the handler runs and records every
// denial in the audit log (through audit.Refusals: the first of a kind per
// window at once, the rest as one event with their count). Unauthenticated
// callers are paced per source address: past their allowance, 429.
//
// # Browser and API
//
// Browser routes (HTML) and the API are separate muxes with separate rules
// (after tailscale's safeweb): a session lives in a SameSite=Strict,
// HttpOnly cookie holding 256 random bits (only its SHA-256 is stored), and
// every state-changing request made with it must carry the session's CSRF
// token (header X-CSRF-Token, or form field csrf_token on HTML forms) and
// must not come from another site. The API takes JSON only: form posts are
// refused, so a cross-site form cannot reach it, and Bearer API tokens
// ("trm_…") are accepted where the route allows. Every response carries a
// strict Content-Security-Policy (no inline script or style), nosniff,
// X-Frame-Options DENY, Referrer-Policy same-origin, no-store, and HSTS when
// cookies are Secure; and an X-Request-Id that the audit events name.
//
// # Personal data
//
// Conversations are listed and read masked: the number as "+34 6•• ••• •78",
// the name as initials, bodies masked by the ConversationService. An agent
// sees only conversations assigned to them and the waiting queue. Revealing
// needs pii:reveal, a category (RevealCategories) and a reason in words
// (CheckRevealReason), and is written to the audit log before anything is
// shown: if the audit write fails, nothing is revealed. A refused reveal is
// audited too.
package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
)

// Authn says how a route's caller proves who they are.
type Authn int

// Authentication kinds. The zero value is invalid, so a Route that forgets
// to say is refused by New.
const (
	_ Authn = iota // invalid
	// AuthSession: a browser session cookie of a signed-in operator (TOTP
	// done); state-changing requests also need the CSRF token.
	AuthSession
	// AuthToken: an API token in "Authorization: Bearer trm_…"; form posts
	// are refused.
	AuthToken
	// AuthSessionOrToken: either; a Bearer header selects the token.
	AuthSessionOrToken
	// AuthSignature: the handler authenticates the caller itself (Meta's
	// webhook HMAC); the router still checks the route's permission, which
	// must be webhook:deliver, against a signature-only principal.
	AuthSignature
	// AuthPublic: no authentication. Only for health and the sign-in steps
	// themselves (permission health:read or auth:login); each such route
	// says why in a comment.
	AuthPublic
	// AuthLink: the handler checks a signed single-use link in the path
	// (a customer's data export); the permission must be dsar:download,
	// against a link-holder principal that can do nothing else.
	AuthLink
)

func (a Authn) String() string {
	switch a {
	case AuthSession:
		return "session"
	case AuthToken:
		return "token"
	case AuthSessionOrToken:
		return "session-or-token"
	case AuthSignature:
		return "signature"
	case AuthPublic:
		return "public"
	case AuthLink:
		return "link"
	}
	return fmt.Sprintf("Authn(%d)", int(a))
}

// CannedReply is a prepared reply an operator can pick and edit.
type CannedReply struct{ Title, Text string }

// Route is one endpoint. Pattern is a Go 1.22 ServeMux path pattern
// ("/api/v1/operators/{id}"); Method is "GET", "POST"…
type Route struct {
	Method  string
	Pattern string
	Perm    auth.Permission
	Auth    Authn
	Handler http.Handler
}

func (rt Route) String() string { return rt.Method + " " + rt.Pattern }

// isAPI reports whether the route is on the API mux (JSON, no forms).
func (rt Route) isAPI() bool { return strings.HasPrefix(rt.Pattern, "/api/") }

// Deps is what the console needs.
type Deps struct {
	DB     *store.DB
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SecureCookies marks cookies Secure (and names the session cookie
	// __Host-…) and sends HSTS: set it whenever trement is reached over
	// HTTPS.
	SecureCookies bool
	// Extra are routes the caller adds (webhook, metrics, simulator); they
	// get the same checks and headers.
	Extra []Route
	// Conversations lists, reads and acts on conversations. Required.
	Conversations ConversationService
	// CannedReplies are offered in a conversation's reply box.
	CannedReplies []CannedReply
	// Messages sends business-initiated templates and records marketing
	// opt-ins; nil answers those routes with 503.
	Messages MessageService
	// Auth is the auth service; nil makes one over DB with the defaults.
	Auth *auth.Service
	// Rights lists and handles data-subject requests and serves download
	// links; nil answers those routes with 503.
	Rights *rights.Service
	// Policy is the data-handling policy operators must acknowledge.
	Policy HandlingPolicy
	// Incidents configures the breach workflow's clocks and drafts.
	Incidents IncidentConfig
	// Settings is the read-only view of the configuration the settings
	// page shows (never a secret: see Settings).
	Settings Settings
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For is believed; empty: the peer address is the source.
	TrustedProxies []netip.Prefix
	// Refusals aggregates the audit events of refused requests (the
	// first of a kind per window at once, the rest counted). nil: the
	// console makes one with a one-minute window; whoever owns the server
	// runs it (Refusals().Run) so counts are written.
	Refusals *audit.Refusals
	// Refused, if set, is told the kind of every refused request, for an
	// exact metric (the audit log aggregates).
	Refused func(kind string)
	// UnauthRate and UnauthBurst pace unauthenticated requests per source
	// address (sign-in steps, refused requests, unsigned webhooks): burst
	// at once, then rate a second; past it, 429 with Retry-After. Zero:
	// 1 a second, bursts of 60.
	UnauthRate  float64
	UnauthBurst int
	// AuditAnchorFile, if set, is the external anchor GET
	// /api/v1/audit/verify holds the log to (audit.VerifyAnchored).
	AuditAnchorFile string
	// Live tunes the live updates of open pages (GET
	// /conversations/events); whoever owns the server runs RunLive.
	Live LiveConfig
}

// Server is the console.
type Server struct {
	db         *store.DB
	log        *slog.Logger
	now        func() time.Time
	secure     bool
	auth       *auth.Service
	convs      ConversationService
	messages   MessageService
	canned     []CannedReply
	rights     *rights.Service
	incidents  IncidentConfig
	settings   Settings
	policy     HandlingPolicy
	policyGate policyGate
	trusted    []netip.Prefix
	csrfKey    []byte
	routes     []Route
	pages      *template.Template            // English
	localized  map[string]*template.Template // by language (i18n.go)
	cookie     string
	handler    http.Handler
	auditKey   []byte
	anchorFile string
	refusals   *audit.Refusals
	refused    func(kind string)
	limit      *sourceLimit
	live       *liveHub
}

// New checks deps and every route (its own and deps.Extra) and returns the
// server. A route without a known permission, without authentication, with
// AuthPublic beyond health and sign-in, or with AuthSignature for anything
// but webhook delivery, is an error.
func New(deps Deps) (*Server, error) {
	if deps.DB == nil {
		return nil, errors.New("console: no database")
	}
	if deps.Conversations == nil {
		return nil, errors.New("console: no conversation service")
	}
	s := &Server{db: deps.DB, log: deps.Logger, now: deps.Now, secure: deps.SecureCookies, auth: deps.Auth,
		convs: deps.Conversations, messages: deps.Messages, canned: deps.CannedReplies, rights: deps.Rights, trusted: deps.TrustedProxies, incidents: deps.Incidents, policy: deps.Policy,
		refusals: deps.Refusals, refused: deps.Refused, live: newLiveHub(deps.Live)}
	if s.incidents.Packs == nil {
		pe, err := policy.New(policy.Config{})
		if err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		s.incidents.Packs = pe
	}
	var err error
	if s.settings, err = deps.Settings.withDefaults(); err != nil {
		return nil, err
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.refused == nil {
		s.refused = func(string) {}
	}
	if s.refusals == nil {
		var err error
		if s.refusals, err = audit.NewRefusals(audit.RefusalsConfig{Now: s.now, Write: deps.DB.Audit}); err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
	}
	rate, burst := deps.UnauthRate, deps.UnauthBurst
	if rate <= 0 {
		rate = 1
	}
	if burst <= 0 {
		burst = 60
	}
	s.limit = newSourceLimit(rate, burst, s.now)
	if s.auth == nil {
		a, err := auth.NewService(auth.Config{Store: deps.DB.AuthStore(), Now: s.now, Logger: s.log, Pseudonym: deps.DB.Index().Pseudonym})
		if err != nil {
			return nil, fmt.Errorf("console: %w", err)
		}
		s.auth = a
	}
	s.csrfKey = deps.DB.DeriveKey("console-csrf/v1")
	s.auditKey = deps.DB.DeriveKey(audit.CheckpointKeyPurpose)
	s.anchorFile = deps.AuditAnchorFile
	s.cookie = "trement_session"
	if s.secure {
		s.cookie = "__Host-trement_session"
	}
	if s.localized, err = parseLocalized(); err != nil {
		return nil, err
	}
	s.pages = s.localized[langEN]
	s.routes = append(s.ownRoutes(), deps.Extra...)
	if err := CheckRoutes(s.routes); err != nil {
		return nil, err
	}
	if s.handler, err = s.build(); err != nil {
		return nil, err
	}
	return s, nil
}

// CheckRoutes returns an error naming every route that lacks a known
// permission, an authentication kind, a method, a pattern or a handler, or
// pairs AuthPublic or AuthSignature with a permission they may not carry.
func CheckRoutes(routes []Route) error {
	var errs []error
	seen := map[string]bool{}
	for _, rt := range routes {
		bad := func(why string) { errs = append(errs, fmt.Errorf("console: route %s: %s", rt, why)) }
		switch {
		case rt.Perm == "":
			bad("declares no permission")
		case !rt.Perm.Valid():
			bad(fmt.Sprintf("unknown permission %q", rt.Perm))
		}
		switch rt.Auth {
		case AuthSession, AuthToken, AuthSessionOrToken:
			if rt.Perm == auth.PermLogin || rt.Perm == auth.PermWebhookDeliver || rt.Perm == auth.PermDSARDownload {
				bad(fmt.Sprintf("permission %s is not for authenticated routes", rt.Perm))
			}
		case AuthPublic:
			if rt.Perm != auth.PermHealthRead && rt.Perm != auth.PermLogin {
				bad("AuthPublic is only for health:read and auth:login")
			}
		case AuthSignature:
			if rt.Perm != auth.PermWebhookDeliver {
				bad("AuthSignature is only for webhook:deliver")
			}
		case AuthLink:
			if rt.Perm != auth.PermDSARDownload {
				bad("AuthLink is only for dsar:download")
			}
		default:
			bad("declares no authentication")
		}
		if rt.Method == "" || !strings.HasPrefix(rt.Pattern, "/") || rt.Handler == nil {
			bad("needs a method, a pattern starting with '/' and a handler")
		}
		if seen[rt.String()] {
			bad("declared twice")
		}
		seen[rt.String()] = true
	}
	return errors.Join(errs...)
}

// Routes returns every route the server serves, its own and the extras.
func (s *Server) Routes() []Route { return append([]Route(nil), s.routes...) }

// Handler returns the HTTP handler: security headers, request id and
// source address around two muxes, the API (/api/…) and the browser (the
// rest).
func (s *Server) Handler() http.Handler { return s.handler }

// Refusals returns the aggregator of refused requests' audit events; its
// owner runs it.
func (s *Server) Refusals() *audit.Refusals { return s.refusals }

// Auth returns the auth service the console uses.
func (s *Server) Auth() *auth.Service { return s.auth }

func (s *Server) build() (h http.Handler, err error) {
	defer func() {
		// ServeMux panics on conflicting patterns; report it as an error.
		if r := recover(); r != nil {
			err = fmt.Errorf("console: %v", r)
		}
	}()
	api, web := http.NewServeMux(), http.NewServeMux()
	for _, rt := range s.routes {
		mux := web
		if rt.isAPI() {
			mux = api
		}
		mux.Handle(rt.Method+" "+rt.Pattern, s.guard(rt))
	}
	api.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint")
	})
	top := http.NewServeMux()
	top.Handle("/api/", api)
	top.Handle("/", web)
	return s.frame(top), nil
}

// contextKey keys request values.
type contextKey int

const (
	keyInfo contextKey = iota
	keyPrincipal
	keySession
)

// RequestInfo returns the request id and source address of the request
// ctx belongs to, for audit events written by handlers (Extra ones too).
func RequestInfo(ctx context.Context) auth.RequestInfo {
	ri, _ := ctx.Value(keyInfo).(auth.RequestInfo)
	return ri
}

// PrincipalFrom returns who is making the request: set for every routed
// request (anonymous on public routes).
func PrincipalFrom(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(keyPrincipal).(*auth.Principal)
	return p
}

// sessionToken returns the session token of an authenticated session
// request (for the CSRF token of HTML forms).
func sessionToken(ctx context.Context) string {
	s, _ := ctx.Value(keySession).(string)
	return s
}
