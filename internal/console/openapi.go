package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/rights"
)

// The OpenAPI document is generated from the route table, so it cannot
// list a route the server does not serve or miss one it does: every path,
// method, permission and authentication below comes from []Route. What a
// route table cannot say (a sentence for people, the query parameters,
// the Go types of the bodies) is in apiDocs, keyed by "METHOD pattern";
// TestOpenAPIDescribesEveryRoute refuses an API route without an entry.

// apiDoc is what the route table does not know about a route.
type apiDoc struct {
	Summary  string
	Query    []queryParam
	Body     reflect.Type // the JSON request body, nil if none
	Response reflect.Type // the JSON success body, nil if not JSON or not described
	Status   int          // the success status; 200 if zero
	Produces string       // the success content type when not JSON
}

type queryParam struct{ Name, Type, Desc string }

func typ[T any]() reflect.Type { return reflect.TypeFor[T]() }

// auditQuery is what auditFilter reads.
var auditQuery = []queryParam{
	{"action", "string", "only this action, e.g. pii.reveal"},
	{"actor", "string", "only this actor (operator id)"},
	{"since", "string", "RFC 3339 time, inclusive"},
	{"until", "string", "RFC 3339 time, exclusive"},
	{"after", "integer", "sequence number to page after"},
	{"limit", "integer", "1–1000, default 100"},
}

var apiDocs = map[string]apiDoc{
	"GET /healthz":                                  {Summary: "Liveness: \"ok\" or \"unavailable\", nothing else.", Produces: "text/plain"},
	"GET /readyz":                                   {Summary: "Readiness: the database answers and the sender is not paused.", Produces: "text/plain"},
	"GET /metrics":                                  {Summary: "Prometheus metrics (counts only, never personal data).", Produces: "text/plain"},
	"GET /webhook":                                  {Summary: "Meta's verification handshake: echoes hub.challenge when hub.verify_token matches.", Produces: "text/plain", Query: []queryParam{{"hub.mode", "string", "subscribe"}, {"hub.verify_token", "string", "the configured verify token"}, {"hub.challenge", "string", "echoed back"}}},
	"POST /webhook":                                 {Summary: "Meta's signed webhook (X-Hub-Signature-256 over the raw body). Answered 200 only once the body is durably stored."},
	"POST /api/v1/login":                            {Summary: "First sign-in step: username and password. Answers which MFA step comes next.", Body: typ[apiLoginBody](), Response: typ[loginJSON]()},
	"POST /api/v1/login/totp":                       {Summary: "Second step: the TOTP code of the authenticator app.", Body: typ[codeStepBody](), Response: typ[loginJSON]()},
	"POST /api/v1/login/recovery":                   {Summary: "Second step with a one-time recovery code instead of a TOTP code.", Body: typ[codeStepBody](), Response: typ[loginJSON]()},
	"POST /api/v1/login/enrolment":                  {Summary: "Start TOTP enrolment (mandatory before the first sign-in completes): the secret and its QR code, shown once."},
	"POST /api/v1/login/enrolment/confirm":          {Summary: "Confirm enrolment with a code from the app; answers the recovery codes, shown once.", Body: typ[codeStepBody](), Response: typ[loginJSON]()},
	"POST /api/v1/logout":                           {Summary: "End this session."},
	"POST /api/v1/logout-everywhere":                {Summary: "End every session of the signed-in operator."},
	"GET /api/v1/me":                                {Summary: "The signed-in operator or token: identity, role and permissions."},
	"POST /api/v1/me/password":                      {Summary: "Change one's password; every session ends.", Body: typ[apiChangePasswordBody]()},
	"GET /api/v1/roles":                             {Summary: "The roles and the permissions each grants."},
	"GET /api/v1/me/policy":                         {Summary: "The data-handling policy the operator must acknowledge, and whether they have."},
	"POST /api/v1/me/policy-ack":                    {Summary: "Acknowledge the current data-handling policy version (audited).", Body: typ[apiAckPolicyBody]()},
	"GET /api/v1/policy-acks":                       {Summary: "Which operators acknowledged which policy version, and when."},
	"GET /api/v1/operators":                         {Summary: "Every operator (no password hash, no TOTP secret)."},
	"POST /api/v1/operators":                        {Summary: "Create an operator with a role the caller may grant; without a password the server makes one and answers it once as initial_password.", Body: typ[apiCreateOperatorBody](), Response: typ[operatorJSON](), Status: http.StatusCreated},
	"GET /api/v1/operators/{id}":                    {Summary: "One operator.", Response: typ[operatorJSON]()},
	"PATCH /api/v1/operators/{id}":                  {Summary: "Disable or enable an operator, or set a new password (audited).", Body: typ[apiUpdateOperatorBody](), Response: typ[operatorJSON]()},
	"DELETE /api/v1/operators/{id}":                 {Summary: "Delete an operator (never the last owner)."},
	"POST /api/v1/operators/{id}/reset-mfa":         {Summary: "Reset an operator's TOTP: they enrol again at their next sign-in.", Response: typ[operatorJSON]()},
	"POST /api/v1/operators/{id}/reset-password":    {Summary: "Give another operator a new password the server makes, answered once as initial_password; their sessions end and their API tokens are revoked.", Response: typ[operatorJSON]()},
	"POST /api/v1/operators/{id}/logout-everywhere": {Summary: "End every session of another operator (their API tokens stay: revoke them); one's own end at /api/v1/logout-everywhere."},
	"PUT /api/v1/operators/{id}/role":               {Summary: "Change an operator's role, within what the caller's role may grant.", Body: typ[apiSetRoleBody](), Response: typ[operatorJSON]()},
	"GET /api/v1/tokens":                            {Summary: "The caller's API tokens (never the token itself)."},
	"POST /api/v1/tokens":                           {Summary: "Create an API token with scopes (a subset of the caller's permissions) and an expiry; the token is shown once.", Body: typ[apiCreateTokenBody](), Response: typ[tokenJSON](), Status: http.StatusCreated},
	"DELETE /api/v1/tokens/{id}":                    {Summary: "Revoke an API token."},
	"GET /api/v1/audit":                             {Summary: "Audit events, filtered and paged.", Query: auditQuery},
	"GET /api/v1/audit/verify":                      {Summary: "Verify the audit log's hash chain (and its external anchor when configured)."},
	"GET /api/v1/audit/export":                      {Summary: "Export audit events as JSON lines (the export is itself audited).", Query: auditQuery, Produces: "application/x-ndjson"},
	"GET /api/v1/conversations": {Summary: "Conversations the caller may see, masked.", Query: []queryParam{
		{"state", "string", "bot, waiting_human, human or closed"}, {"assigned_to", "string", "operator id, or \"me\""}, {"limit", "integer", "how many"}}},
	"GET /api/v1/conversations/{id}":                          {Summary: "One conversation with its messages, masked.", Response: typ[conversationJSON]()},
	"GET /api/v1/conversations/{id}/messages/{message}/media": {Summary: "The file a customer's message carried (kept when DOWNLOAD_MEDIA is on), as its stored type with nosniff; an attachment unless a JPEG, PNG, WebP or GIF image. Each viewing is audited.", Produces: "application/octet-stream"},
	"POST /api/v1/conversations/{id}/reveal":                  {Summary: "Unmask a conversation's number, name and messages, with a typed reason (audited).", Body: typ[revealRequestBody](), Response: typ[conversationJSON]()},
	"POST /api/v1/blocked":                                    {Summary: "Open a blocked (restricted) customer's data for an authority, with its request as the reason (DPO only, audited).", Body: typ[openBlockedBody]()},
	"POST /api/v1/conversations/{id}/reply":                   {Summary: "Reply as an operator; the message goes through the outbox (refused when the 24-hour window is closed).", Body: typ[replyConversationBody](), Response: typ[messageJSON](), Status: http.StatusCreated},
	"POST /api/v1/conversations/{id}/notes":                   {Summary: "Keep a private note in a conversation for the operators who can see it; never sent to the customer or given to the agent (audited).", Body: typ[noteConversationBody](), Response: typ[messageJSON](), Status: http.StatusCreated},
	"POST /api/v1/conversations/{id}/take":                    {Summary: "Take a conversation: the bot stops answering it."},
	"POST /api/v1/conversations/{id}/handback":                {Summary: "Hand a conversation back to the bot."},
	"POST /api/v1/conversations/{id}/assign":                  {Summary: "Assign a conversation to an operator.", Body: typ[assignConversationBody]()},
	"POST /api/v1/messages": {Summary: "Send an approved template first (an order update, a reminder) to a customer who opted in for its purpose: utility needs the service opt-in, marketing also a marketing opt-in not withdrawn or stopped since. Queued through the outbox and paced like every send; a number without the opt-in, opted out or unknown gets the same 409, audited.",
		Body: typ[sendMessageBody](), Response: typ[sendMessageJSON](), Status: http.StatusAccepted},
	"POST /api/v1/consent/marketing":                 {Summary: "Record a marketing opt-in (with a reference to its evidence, kept as a keyed hash) or opt-out that the business collected outside WhatsApp, in the consent ledger (audited)."},
	"GET /api/v1/alerts":                             {Summary: "Anomaly alerts raised recently.", Query: []queryParam{{"days", "integer", "how far back"}}},
	"GET /api/v1/incidents":                          {Summary: "Security incidents with their legal clocks."},
	"POST /api/v1/incidents":                         {Summary: "Record a security incident; its notification clocks start from detection.", Status: http.StatusCreated, Response: typ[incidentView]()},
	"GET /api/v1/incidents/{id}":                     {Summary: "One incident: clocks, checklist and notification drafts.", Response: typ[incidentView]()},
	"POST /api/v1/incidents/{id}/steps/{step}":       {Summary: "Mark a step of the breach workflow done (audited).", Body: typ[apiIncidentStepBody](), Response: typ[incidentView]()},
	"POST /api/v1/incidents/{id}/authority/{region}": {Summary: "Record that the authority of a region was notified.", Response: typ[incidentView]()},
	"POST /api/v1/incidents/{id}/close":              {Summary: "Close an incident with its conclusion.", Body: typ[apiCloseIncidentBody](), Response: typ[incidentView]()},
	"GET /api/v1/dsar": {Summary: "Data-subject requests with due dates; overdue and nearly-due ones flagged and counted.", Query: []queryParam{
		{"status", "string", "only this status"}, {"type", "string", "access, portability, correction, erasure, restriction"},
		{"contact_id", "string", "one customer's requests"}, {"open", "boolean", "only open requests"}, {"limit", "integer", "how many"}}},
	"POST /api/v1/dsar":                      {Summary: "Log a request received by another channel; the customer confirms it over WhatsApp before it opens.", Body: typ[createRequestBody](), Status: http.StatusAccepted},
	"GET /api/v1/dsar/{id}":                  {Summary: "One data-subject request.", Response: typ[requestJSON]()},
	"POST /api/v1/dsar/{id}/approve":         {Summary: "Approve a request waiting for the DPO (when automatic fulfilment is off).", Response: typ[requestJSON]()},
	"POST /api/v1/dsar/{id}/status":          {Summary: "Move a request (e.g. reject or close with an outcome); every transition is audited.", Body: typ[moveRequestBody](), Response: typ[requestJSON]()},
	"PATCH /api/v1/contacts/{id}":            {Summary: "Correct a customer's fields; the audit log records which field changed, never the values.", Body: typ[correctContactBody]()},
	"GET " + rights.DownloadPath + "{token}": {Summary: "A customer's data export (ZIP of JSON and CSV) through a single-use, short-lived signed link.", Produces: "application/zip"},
	"POST /api/v1/outbox/resume":             {Summary: "Resume sending after a pause (expired token or restricted number), once the cause is fixed (audited).", Status: http.StatusNoContent},
	"GET /api/v1/openapi.json":               {Summary: "This document, generated from the route table."},
}

var pathParam = regexp.MustCompile(`\{([a-zA-Z_]+)(\.\.\.)?\}`)

// OpenAPI describes routes as an OpenAPI 3.1 document. Pages (HTML forms)
// are left out: the document is the JSON API, the webhook and the probes.
func OpenAPI(routes []Route) ([]byte, error) {
	paths := map[string]map[string]any{}
	g := &schemas{byName: map[string]reflect.Type{}, out: map[string]any{
		"Error":      map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{"type": "string"}}, "required": []string{"error"}},
		"Permission": map[string]any{"type": "string", "enum": permissionNames()},
		"Role":       map[string]any{"type": "string", "enum": roleNames()},
	}}
	for _, rt := range routes {
		if !rt.InAPIDocument() {
			continue
		}
		path := strings.TrimSuffix(rt.Pattern, "{$}")
		d := apiDocs[rt.String()]
		op := map[string]any{
			"operationId":      operationID(rt),
			"summary":          d.Summary,
			"x-permission":     string(rt.Perm),
			"x-authentication": rt.Auth.String(),
			"security":         securityOf(rt.Auth),
			"responses":        g.responsesOf(rt, d),
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		path = pathParam.ReplaceAllString(path, "{$1}")
		for _, q := range d.Query {
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Desc, "schema": map[string]any{"type": q.Type}})
		}
		if params != nil {
			op["parameters"] = params
		}
		if d.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.schemaOf(d.Body)}}}
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(rt.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "trement API",
			"version": "v1", // the API's version, the one in its paths
			"description": "The JSON API of trement's console, the WhatsApp webhook and the probes. Every route names the permission it needs (x-permission) " +
				"and how the caller authenticates (x-authentication). State-changing requests with a session also need the X-CSRF-Token header " +
				"returned at sign-in; API tokens are sent as Authorization: Bearer trm_….",
		},
		"paths": paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"session":   map[string]any{"type": "apiKey", "in": "cookie", "name": "__Host-trement_session", "description": "The console's session cookie (named trement_session without TLS), after TOTP."},
				"token":     map[string]any{"type": "http", "scheme": "bearer", "description": "An API token created at /api/v1/tokens, limited to its scopes."},
				"signature": map[string]any{"type": "apiKey", "in": "header", "name": "X-Hub-Signature-256", "description": "HMAC-SHA256 of the raw body with the app secret, as Meta signs webhooks."},
			},
			"responses": errorResponses(),
			"schemas":   g.out,
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

// InAPIDocument reports whether rt belongs in the API document: the JSON
// API, the webhook and the probes, not the HTML pages.
func (rt Route) InAPIDocument() bool {
	return rt.isAPI() || rt.Auth == AuthSignature || rt.Pattern == "/healthz" || rt.Pattern == "/readyz" || rt.Pattern == "/metrics"
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.FieldsFunc(rt.Pattern, func(r rune) bool { return r == '/' || r == '-' || r == '.' || r == '{' || r == '}' || r == '$' }) {
		if part == "api" || part == "v1" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func ref(kind, name string) map[string]any {
	return map[string]any{"$ref": "#/components/" + kind + "/" + name}
}

// errorResponses are the error answers every route shares; the body is
// always {"error": "…"} in words for people.
func errorResponses() map[string]any {
	out := map[string]any{}
	for name, desc := range map[string]string{
		"BadRequest":      "invalid request: the error says what is wrong",
		"Unauthorized":    "not signed in, or the credentials are wrong or expired",
		"Forbidden":       "the caller's role or token scope lacks the route's x-permission, or a session's X-CSRF-Token is missing or wrong",
		"NotFound":        "no such resource, or not one the caller may see",
		"TooManyRequests": "rate limited or locked out; Retry-After says when to try again",
	} {
		out[name] = map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": ref("schemas", "Error")}}}
	}
	return out
}

func securityOf(a Authn) []map[string][]string {
	switch a {
	case AuthSession:
		return []map[string][]string{{"session": {}}}
	case AuthToken:
		return []map[string][]string{{"token": {}}}
	case AuthSessionOrToken:
		return []map[string][]string{{"session": {}}, {"token": {}}}
	case AuthSignature:
		return []map[string][]string{{"signature": {}}}
	}
	return []map[string][]string{} // public, or a signed link in the path
}

func (g *schemas) responsesOf(rt Route, d apiDoc) map[string]any {
	status := d.Status
	if status == 0 {
		status = http.StatusOK
	}
	ok := map[string]any{"description": http.StatusText(status)}
	switch {
	case d.Produces != "":
		ok["content"] = map[string]any{d.Produces: map[string]any{}}
	case status == http.StatusNoContent:
	case d.Response != nil:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.schemaOf(d.Response)}}
	default:
		ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
	}
	out := map[string]any{strconv.Itoa(status): ok, "400": ref("responses", "BadRequest"), "429": ref("responses", "TooManyRequests")}
	if rt.Auth != AuthPublic {
		out["401"], out["403"] = ref("responses", "Unauthorized"), ref("responses", "Forbidden")
	}
	if strings.Contains(rt.Pattern, "{") {
		out["404"] = ref("responses", "NotFound")
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// schemas collects the named Go types the document describes as
// components, so each is written once and referred to.
type schemas struct {
	byName map[string]reflect.Type
	out    map[string]any
}

// component registers t (a named struct) and returns its component name:
// the Go name with a capital, and the package's in front if two packages
// use the same name.
func (g *schemas) component(t reflect.Type) string {
	name := strings.ToUpper(t.Name()[:1]) + t.Name()[1:]
	if prev, ok := g.byName[name]; ok && prev != t {
		pkg := t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]
		name = strings.ToUpper(pkg[:1]) + pkg[1:] + name
	}
	if _, ok := g.byName[name]; ok {
		return name
	}
	g.byName[name] = t
	g.out[name] = nil // taken before the fields, for types that refer to themselves
	props, required := map[string]any{}, []string{}
	g.structFields(t, props, &required)
	sort.Strings(required)
	sc := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sc["required"] = required
	}
	g.out[name] = sc
	return name
}

// schemaOf is the JSON Schema of how encoding/json writes a value of t.
func (g *schemas) schemaOf(t reflect.Type) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	var s map[string]any
	switch {
	case t == timeType:
		s = map[string]any{"type": "string", "format": "date-time"}
	case t == reflect.TypeFor[auth.Permission]():
		s = ref("schemas", "Permission")
	case t == reflect.TypeFor[auth.Role]():
		s = ref("schemas", "Role")
	case t.Kind() == reflect.String:
		s = map[string]any{"type": "string"}
	case t.Kind() == reflect.Bool:
		s = map[string]any{"type": "boolean"}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		s = map[string]any{"type": "integer"}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s = map[string]any{"type": "number"}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		s = map[string]any{"type": "array", "items": g.schemaOf(t.Elem())}
	case t.Kind() == reflect.Map:
		s = map[string]any{"type": "object", "additionalProperties": g.schemaOf(t.Elem())}
	case t.Kind() == reflect.Struct && t.Name() != "":
		s = ref("schemas", g.component(t))
	case t.Kind() == reflect.Struct:
		props, required := map[string]any{}, []string{}
		g.structFields(t, props, &required)
		sort.Strings(required)
		s = map[string]any{"type": "object", "properties": props}
		if len(required) > 0 {
			s["required"] = required
		}
	default:
		s = map[string]any{}
	}
	if nullable {
		if ty, ok := s["type"].(string); ok {
			s["type"] = []string{ty, "null"}
		}
	}
	return s
}

func permissionNames() []string {
	var out []string
	for _, p := range auth.Permissions() {
		out = append(out, string(p))
	}
	return out
}

func roleNames() []string {
	var out []string
	for _, r := range auth.Roles() {
		out = append(out, string(r))
	}
	return out
}

func (g *schemas) structFields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.structFields(ft, props, required)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		props[name] = g.schemaOf(f.Type)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") && f.Type.Kind() != reflect.Pointer {
			*required = append(*required, name)
		}
	}
}

// CheckAPIDocs returns an error naming every route of the API document
// that has no sentence in apiDocs and, when routes is the whole server
// (complete), every entry of apiDocs that no route serves.
func CheckAPIDocs(routes []Route, complete bool) error {
	var missing, stale []string
	served := map[string]bool{}
	for _, rt := range routes {
		served[rt.String()] = true
		if rt.InAPIDocument() && apiDocs[rt.String()].Summary == "" {
			missing = append(missing, rt.String())
		}
	}
	if complete {
		for k := range apiDocs {
			if !served[k] {
				stale = append(stale, k)
			}
		}
	}
	sort.Strings(stale)
	var msg []string
	if len(missing) > 0 {
		msg = append(msg, "routes without a summary in apiDocs (internal/console/openapi.go): "+strings.Join(missing, ", "))
	}
	if len(stale) > 0 {
		msg = append(msg, "apiDocs entries no route serves: "+strings.Join(stale, ", "))
	}
	if msg != nil {
		return errors.New(strings.Join(msg, "; "))
	}
	return nil
}

// apiOpenAPI serves the document for this server's routes.
func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request) {
	b, err := OpenAPI(s.routes)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
