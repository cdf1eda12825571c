package console_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })

// extras stand in for the routes the caller adds: a token-only metrics
// endpoint and a signature-checked webhook.
var extras = []console.Route{
	{Method: "GET", Pattern: "/metrics", Perm: auth.PermMetricsRead, Auth: console.AuthToken, Handler: okHandler},
	{Method: "POST", Pattern: "/webhook", Perm: auth.PermWebhookDeliver, Auth: console.AuthSignature, Handler: okHandler},
}

// walkRoutes is the check every route must pass: a known permission and
// an authentication kind. It is what TestEveryRouteDeclaresAPermission
// runs over the server's routes.
func walkRoutes(routes []console.Route) []string {
	var bad []string
	for _, rt := range routes {
		if rt.Perm == "" || !rt.Perm.Valid() {
			bad = append(bad, rt.String()+": no permission")
		}
		if rt.Auth == 0 {
			bad = append(bad, rt.String()+": no authentication")
		}
	}
	return bad
}

func TestEveryRouteDeclaresAPermission(t *testing.T) {
	e := newEnv(t, envOpts{extra: extras})
	routes := e.srv.Routes()
	if len(routes) < 40 {
		t.Fatalf("Routes() = %d routes, want the console's and the extras", len(routes))
	}
	if bad := walkRoutes(routes); len(bad) > 0 {
		t.Errorf("routes without a permission or authentication:\n%s", strings.Join(bad, "\n"))
	}
	if err := console.CheckRoutes(routes); err != nil {
		t.Errorf("CheckRoutes(Routes()) = %v", err)
	}
	for _, rt := range routes {
		if rt.Auth == console.AuthPublic && rt.Perm != auth.PermHealthRead && rt.Perm != auth.PermLogin {
			t.Errorf("public route %s carries %s", rt, rt.Perm)
		}
	}
}

// TestRouteWithoutPermissionFails shows the guard working: a route added
// without a permission is caught by the walk above, and New refuses it.
func TestRouteWithoutPermissionFails(t *testing.T) {
	tests := []struct {
		name  string
		route console.Route
		want  string
	}{
		{"no permission", console.Route{Method: "GET", Pattern: "/api/v1/secret", Auth: console.AuthSession, Handler: okHandler}, "declares no permission"},
		{"unknown permission", console.Route{Method: "GET", Pattern: "/api/v1/secret", Perm: "secrets:read", Auth: console.AuthSession, Handler: okHandler}, "unknown permission"},
		{"no authentication", console.Route{Method: "GET", Pattern: "/api/v1/secret", Perm: auth.PermAuditRead, Handler: okHandler}, "declares no authentication"},
		{"public beyond sign-in", console.Route{Method: "GET", Pattern: "/api/v1/secret", Perm: auth.PermAuditRead, Auth: console.AuthPublic, Handler: okHandler}, "AuthPublic is only for"},
		{"signature beyond webhooks", console.Route{Method: "POST", Pattern: "/hook", Perm: auth.PermSettingsManage, Auth: console.AuthSignature, Handler: okHandler}, "AuthSignature is only for"},
		{"twice", console.Route{Method: "GET", Pattern: "/healthz", Perm: auth.PermHealthRead, Auth: console.AuthPublic, Handler: okHandler}, "declared twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.route.Perm == "" && len(walkRoutes([]console.Route{tt.route})) == 0 {
				t.Errorf("walkRoutes passed a route without a permission")
			}
			e := newEnv(t, envOpts{})
			_, err := console.New(console.Deps{DB: e.db, Now: e.clock.Now, Conversations: e.convs, Extra: []console.Route{tt.route}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New(with %s route) = %v, want an error saying %q", tt.name, err, tt.want)
			}
		})
	}
}

// fixture fills a route's path and body for one case.
type fixture struct {
	path string
	body any
}

// fixtureFor builds a request for rt that a caller allowed to use it can
// complete without a 403 from the handler: targets are fresh and the
// caller's own where ownership matters.
func (e *env) fixtureFor(rt console.Route, caller *auth.Operator) fixture {
	e.t.Helper()
	path := rt.Pattern
	if path == "/{$}" {
		path = "/"
	}
	var body any
	switch {
	case strings.HasPrefix(rt.Pattern, "/api/v1/operators/{id}"):
		path = strings.Replace(path, "{id}", e.operator(auth.RoleAgent).ID, 1)
	case strings.HasPrefix(rt.Pattern, "/api/v1/tokens/{id}"):
		_, id := e.tokenFor(caller, []auth.Permission{auth.PermSelf})
		path = strings.Replace(path, "{id}", id, 1)
	case strings.Contains(rt.Pattern, "{id}"):
		path = strings.Replace(path, "{id}", "c1", 1)
	}
	switch rt.Method + " " + rt.Pattern {
	case "POST /api/v1/operators":
		e.nextID++
		body = map[string]any{"username": fmt.Sprintf("new%d", e.nextID), "password": password, "role": "agent"}
	case "PATCH /api/v1/operators/{id}":
		body = map[string]any{"disabled": true}
	case "PUT /api/v1/operators/{id}/role":
		body = map[string]any{"role": "supervisor"}
	case "POST /api/v1/tokens":
		body = map[string]any{"name": "ci", "scopes": []string{"self:manage"}}
	case "POST /api/v1/me/password":
		body = map[string]any{"current_password": password, "new_password": "another long passphrase"}
	case "POST /api/v1/conversations/{id}/reveal":
		body = map[string]any{"category": "customer_request", "reason": "customer asked for a call back"}
	case "POST /api/v1/conversations/{id}/reply":
		body = map[string]any{"text": "hello"}
	case "POST /api/v1/conversations/{id}/assign":
		body = map[string]any{"operator_id": e.operator(auth.RoleAgent).ID}
	}
	return fixture{path: path, body: body}
}

// TestRoleRouteMatrix checks every role against every route through the
// real handler and a real SQLite store: a role holding the route's
// permission is not refused (not 401, not 403), any other gets 403, and
// every 403 is in the audit log.
func TestRoleRouteMatrix(t *testing.T) {
	e := newEnv(t, envOpts{extra: extras})
	routes := e.srv.Routes()
	for _, role := range auth.Roles() {
		for _, rt := range routes {
			if rt.Auth == console.AuthPublic || rt.Auth == console.AuthSignature || rt.Auth == console.AuthLink {
				continue // not role-gated: see TestPublicAndSignatureRoutes
			}
			t.Run(string(role)+"/"+rt.String(), func(t *testing.T) {
				op := e.operator(role)
				e.convs.setAssignee(op.ID)
				c := e.signIn(op)
				actor := op.ID
				if rt.Auth == console.AuthToken {
					c.cookie, c.csrf = nil, ""
					c.bearer, actor = e.tokenFor(op, role.Permissions())
				}
				fx := e.fixtureFor(rt, op)
				before := len(e.events())
				if rt.Pattern == "/conversations/events" {
					// A live stream runs until its client leaves: leave
					// once the guard surely answered.
					ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
					defer cancel()
					c.ctx = ctx
				}
				r := c.do(rt.Method, fx.path, fx.body)
				allowed := role.Can(rt.Perm)
				switch {
				case allowed && (r.Code == http.StatusForbidden || r.Code == http.StatusUnauthorized):
					t.Errorf("%s %s as %s = %d %s, want allowed (role holds %s)", rt.Method, fx.path, role, r.Code, r.Body, rt.Perm)
				case !allowed && r.Code != http.StatusForbidden:
					t.Errorf("%s %s as %s = %d %s, want 403 (role lacks %s)", rt.Method, fx.path, role, r.Code, r.Body, rt.Perm)
				case !allowed:
					evs := e.events()
					last := evs[len(evs)-1]
					if len(evs) == before || last.Action != audit.ActionDenied || last.ActorID != actor || last.Reason != "missing permission "+string(rt.Perm) {
						t.Errorf("denial not audited: last event %+v", last)
					}
				}
			})
		}
	}
}

func TestPublicAndSignatureRoutes(t *testing.T) {
	e := newEnv(t, envOpts{extra: extras})
	c := e.client()
	for _, tt := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/healthz", nil, 200},
		{"GET", "/login", nil, 200},
		{"GET", "/static/console.css", nil, 200},
		{"POST", "/webhook", map[string]string{}, 200},
		{"GET", "/login/mfa", nil, http.StatusSeeOther}, // no pending sign-in: back to the password
		{"POST", "/api/v1/login/totp", map[string]string{"code": "123456"}, http.StatusUnauthorized},
		// A download link checked by its handler: a made-up token is refused.
		{"GET", "/dsar/download/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil, http.StatusNotFound},
	} {
		if r := c.do(tt.method, tt.path, tt.body); r.Code != tt.want {
			t.Errorf("%s %s anonymously = %d, want %d", tt.method, tt.path, r.Code, tt.want)
		}
	}
	// Unauthenticated requests to guarded routes: 401 on the API (audited),
	// a redirect to sign in for pages.
	r := c.do("GET", "/api/v1/operators", nil)
	if r.Code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/operators anonymously = %d, want 401", r.Code)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionDenied || ev.ActorType != audit.ActorAnonymous || ev.Reason != "no session" || ev.SourceIP != "192.0.2.10" {
		t.Errorf("anonymous denial audited as %+v", ev)
	}
	if r := c.do("GET", "/conversations", nil); r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/login" {
		t.Errorf("GET /conversations anonymously = %d → %s, want a redirect to /login", r.Code, r.Header().Get("Location"))
	}
	// A session cannot stand in for a token on a token-only route.
	s := e.signIn(e.operator(auth.RoleAdmin))
	if r := s.do("GET", "/metrics", nil); r.Code != http.StatusUnauthorized {
		t.Errorf("GET /metrics with a session = %d, want 401 (tokens only)", r.Code)
	}
}
