package console

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/trement/trement/internal/auth"
)

// The pages are plain forms: no script at all, and no inline style, so the
// Content-Security-Policy can forbid both.
const pageTemplates = `
{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · trement</title><link rel="stylesheet" href="/static/console.css"><link rel="icon" href="data:,">
{{if .Nav}}<meta name="csrf-token" content="{{.CSRF}}">{{with .JSText}}<meta name="trement-i18n" content="{{.}}">{{end}}<script src="/static/console.js" defer></script>{{end}}</head>
<body>{{if .Nav}}{{template "nav" .}}{{end}}<main><h1>{{.Title}}</h1>{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}{{end}}
{{define "nav"}}<header class="topnav"><nav aria-label="Console">{{range .NavLinks}} <a href="{{.Href}}"{{if .Current}} aria-current="page"{{end}}>{{.Label}}{{if eq .Href "/conversations"}} <span id="waiting-badge" class="badge{{if not $.Waiting}} zero{{end}}" title="Waiting for a human">{{$.Waiting}}</span><span class="sr-only"> waiting for a human</span>{{end}}</a>{{end}}</nav>
<span class="who">Signed in as {{.Username}} ({{.Role}})</span>
<form method="post" action="/account/language" class="language"><input type="hidden" name="csrf_token" value="{{.CSRF}}"><input type="hidden" name="back" value="{{.Back}}"><label>Language <select name="language">{{range .Languages}}<option value="{{.Code}}" lang="{{.Code}}"{{if .Current}} selected{{end}}>{{.Name}}</option>{{end}}</select></label><button class="secondary">Change</button></form>
<form method="post" action="/logout" class="logout"><input type="hidden" name="csrf_token" value="{{.CSRF}}"><button class="secondary">Sign out</button></form></header>
<p id="live-status" class="sr-only" role="status" aria-live="polite"></p>{{end}}
{{define "bottom"}}</main></body></html>{{end}}

{{define "login"}}{{template "top" .}}
<form method="post" action="/login">
<label>Username <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button>Sign in</button>
</form>{{template "bottom"}}{{end}}

{{define "mfa"}}{{template "top" .}}
{{if .Enrol}}
<p>Your account needs an authenticator app (TOTP) before you can go on.</p>
<form method="post" action="/login/enrol/start"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<button>Set up my authenticator</button></form>
{{else}}
<form method="post" action="/login/mfa"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label>Code from your authenticator app, or a recovery code
<input name="code" autocomplete="one-time-code" inputmode="text" required autofocus></label>
<button>Continue</button></form>
{{end}}{{template "bottom"}}{{end}}

{{define "enrol"}}{{template "top" .}}
<p>Scan this code with your authenticator app. It is shown once.</p>
<img src="{{.QR}}" alt="QR code for your authenticator app" width="256" height="256">
<p>Or type this secret: <code>{{.Secret}}</code></p>
<form method="post" action="/login/enrol"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
<label>Code shown by the app <input name="code" autocomplete="one-time-code" inputmode="numeric" required autofocus></label>
<button>Confirm</button></form>{{template "bottom"}}{{end}}

{{define "recovery"}}{{template "top" .}}
<p>Keep these recovery codes somewhere safe, apart from your phone. Each works once, instead of a code from the app. They are shown only now.</p>
<ol class="codes">{{range .Codes}}<li><code>{{.}}</code></li>{{end}}</ol>
<p><a href="/conversations">I have saved them: continue</a></p>{{template "bottom"}}{{end}}

{{define "inbox"}}{{template "top" .}}
<nav class="queues" aria-label="Queues">{{range .Queues}}<a href="/conversations?queue={{.Key}}"{{if .Current}} aria-current="page"{{end}}>{{.Label}}</a>{{end}}</nav>
<p>Numbers and names are masked. This list updates by itself.</p>
<table><caption class="sr-only">Conversations</caption><thead><tr><th scope="col">Customer</th><th scope="col">Name</th><th scope="col">State</th><th scope="col">Assigned to</th><th scope="col">Last customer message</th><th scope="col">Updated</th></tr></thead>
<tbody id="inbox-rows" data-live="/conversations/rows?queue={{.Queue}}" data-events="/conversations/events" data-interval="2000">{{template "rows" .}}</tbody></table>{{template "bottom"}}{{end}}

{{define "rows"}}{{range .Rows}}<tr data-key="{{.ID}}|{{.State}}|{{.LastInboundAt.Unix}}"><td><a href="/conversations/{{.ID}}">{{.Phone}}</a>{{if .Sensitive}} <span class="badge" title="Sensitive data">sensitive</span>{{end}}</td><td>{{.Name}}</td><td class="state" data-state="{{.State}}">{{.StateWord}}</td><td>{{if .AssignedTo}}{{.AssignedTo}}{{else}}Nobody{{end}}</td><td>{{template "time" .LastInboundAt}}</td><td>{{template "time" .UpdatedAt}}</td></tr>
{{else}}<tr><td colspan="6">No conversations in this queue.</td></tr>{{end}}{{end}}

{{define "time"}}{{if not .IsZero}}<time datetime="{{.UTC.Format "2006-01-02T15:04:05Z07:00"}}">{{.UTC.Format "2006-01-02 15:04 UTC"}}</time>{{end}}{{end}}

{{define "conversation"}}{{template "top" .}}{{with .Conv}}
<p><a href="/conversations">← Inbox</a></p>
<dl class="facts">
<dt>Number</dt><dd><span data-field="phone">{{.Phone}}</span></dd>
<dt>Name</dt><dd><span data-field="profile_name">{{if .Name}}{{.Name}}{{else}}—{{end}}</span></dd>
<dt>State</dt><dd class="state" id="conv-state" data-state="{{.State}}">{{.StateWord}}</dd>
<dt>Assigned to</dt><dd id="conv-assignee">{{if .AssignedTo}}{{.AssignedTo}}{{else}}Nobody{{end}}</dd>
<dt>Region</dt><dd>{{.Region}}</dd><dt>Language</dt><dd>{{.Language}}</dd>
{{if .Sensitive}}<dt>Sensitive</dt><dd>Special-category data was detected: handle with care.</dd>{{end}}
</dl>{{end}}
<div class="actions">
{{if .CanTake}}<form data-api="/api/v1/conversations/{{.Conv.ID}}/take" data-after="reload" class="take"><button>Take this conversation</button><p class="error form-error" role="alert"></p></form>{{end}}
{{if and .CanReply .Conv.Assigned}}<form data-api="/api/v1/conversations/{{.Conv.ID}}/handback" data-after="reload" class="handback"><button class="secondary">Hand back to the bot</button><p class="error form-error" role="alert"></p></form>{{end}}
{{if .Operators}}<form data-api="/api/v1/conversations/{{.Conv.ID}}/assign" data-after="reload" class="assign"><label>Assign to <select name="operator_id">{{range .Operators}}<option value="{{.ID}}"{{if .Current}} selected{{end}}>{{.Name}}</option>{{end}}</select></label><button class="secondary">Assign</button><p class="error form-error" role="alert"></p></form>{{end}}
</div>
{{if .CanReveal}}<details><summary>Reveal personal data</summary>
<form data-api="/api/v1/conversations/{{.Conv.ID}}/reveal" data-after="reveal" class="reveal">
<p>Each reveal is written to the audit log with your reason.</p>
<label>Why <select name="category" required>{{range .Categories}}<option value="{{.Value}}">{{.Word}}</option>{{end}}</select></label>
<label>Reason, in your words <input name="reason" minlength="10" maxlength="500" required></label>
<div class="actions"><button name="field" value="phone">Reveal the number</button><button name="field" value="profile_name">Reveal the name</button><button name="field" value="messages">Reveal the messages</button></div>
<p class="error form-error" role="alert"></p><p class="form-done" role="status"></p></form></details>{{end}}
<h2>Messages</h2>
<ol class="thread" id="thread" data-live="/conversations/{{.Conv.ID}}/thread" data-events="/conversations/events" data-conversation="{{.Conv.ID}}" data-interval="2000" aria-live="polite">{{template "thread" .}}</ol>
{{if .CanReply}}{{if .Conv.WindowOpen}}
<form data-api="/api/v1/conversations/{{.Conv.ID}}/reply" data-after="thread" data-done="Sent: it goes out through the outbox." class="reply">
{{with .Canned}}<label>Canned reply <select data-fill="text"><option value="">Choose one to edit and send…</option>{{range .}}<option value="{{.Text}}">{{.Title}}</option>{{end}}</select></label>{{end}}
<label>Reply to the customer <textarea name="text" maxlength="4096" required></textarea></label>
<p>The 24-hour window is open until {{template "time" .Conv.WindowEnds}}.</p>
<button>Send</button><p class="error form-error" role="alert"></p><p class="form-done" role="status"></p></form>
{{else}}<p class="notice" id="window-closed">The 24-hour window is closed{{if not .Conv.WindowEnds.IsZero}} (it ended {{template "time" .Conv.WindowEnds}}){{end}}: WhatsApp allows no free-form reply until the customer writes again. Only an approved template can be sent.</p>{{end}}
{{else if .Conv.Assigned}}<p class="notice">Take the conversation to reply.</p>{{end}}
{{if .CanReply}}<form data-api="/api/v1/conversations/{{.Conv.ID}}/notes" data-after="thread" data-done="Note kept: only operators see it." class="note">
<label>Private note for colleagues (never sent to the customer) <textarea name="text" maxlength="2000" required></textarea></label>
<button class="secondary">Add note</button><p class="error form-error" role="alert"></p><p class="form-done" role="status"></p></form>{{end}}
{{template "bottom"}}{{end}}

{{define "audit"}}{{template "top" .}}
<form method="get" action="/audit" class="filters"><label>Actor (operator id) <input name="actor" value="{{.Filter.actor}}"></label>
<label>Action (e.g. pii.reveal) <input name="action" value="{{.Filter.action}}"></label>
<label>Since (RFC 3339) <input name="since" value="{{.Filter.since}}" placeholder="2026-11-24T00:00:00Z"></label>
<label>Until (RFC 3339) <input name="until" value="{{.Filter.until}}"></label><button>Filter</button></form>
<div class="actions"><button type="button" id="verify-chain" data-verify="/api/v1/audit/verify">Verify the chain</button>{{if .ExportURL}} <a href="{{.ExportURL}}">Export (JSON lines)</a>{{end}}</div>
<p id="verify-result" role="status"></p>
<table><caption class="sr-only">Audit events</caption><thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">Reason</th></tr></thead><tbody>
{{range .Audit}}<tr><td>{{.Seq}}</td><td>{{template "time" .At}}</td><td>{{.Actor}}</td><td>{{.Action}}</td><td>{{.Target}}</td><td>{{.Outcome}}</td><td>{{.Reason}}</td></tr>
{{else}}<tr><td colspan="7">No events match.</td></tr>{{end}}</tbody></table>
{{if .NextAfter}}<p><a href="/audit?after={{.NextAfter}}&amp;actor={{.Filter.actor}}&amp;action={{.Filter.action}}&amp;since={{.Filter.since}}&amp;until={{.Filter.until}}">Older events</a></p>{{end}}
{{template "bottom"}}{{end}}

{{define "thread"}}{{range .Messages}}<li class="{{.Kind}}" data-key="{{.ID}}|{{.Status}}|{{.Reaction}}{{with .Media}}|{{.State}}{{end}}" data-msg-id="{{.ID}}"><div class="meta"><strong>{{.Who}}</strong> · {{template "time" .At}}{{if .Tick}} · <span class="tick {{.Status}}" title="{{.TickWord}}" aria-label="{{.TickWord}}">{{.Tick}}</span>{{end}}{{if eq .Status "note"}} · note{{end}}{{if .Forwarded}} · <span class="forwarded">{{.Forwarded}}</span>{{end}}{{if .Ad}} · <span class="ad">From {{.Ad}}</span>{{end}}</div>{{if .Quote}}<blockquote class="quote">Replying to: {{.Quote}}</blockquote>{{end}}<p class="body">{{.Body}}</p>{{with .Media}}{{if .URL}}{{if .Image}}<a class="media" href="{{.URL}}"><img src="{{.URL}}" alt="Image the customer sent: {{.Label}}"></a>{{else}}<p class="media"><a href="{{.URL}}" download>Download {{.Label}}</a></p>{{end}}{{else if eq .State "pending"}}<p class="meta">The file is being downloaded.</p>{{else}}<p class="meta">The file was not kept ({{.Reason}}).</p>{{end}}{{end}}{{if .Truncated}}<p class="meta">Cut at WhatsApp's 4,096-character limit.</p>{{end}}{{if .Reaction}}<p class="reaction">Customer reacted {{.Reaction}}</p>{{end}}</li>
{{else}}<li class="system">No messages.</li>{{end}}{{end}}
`

func parsePages() (*template.Template, error) {
	return parsePagesWith(template.FuncMap{"tr": func(_ string, v any) any { return v }})
}

// parsePagesWith parses the pages with funcs (tr: see i18n.go).
func parsePagesWith(funcs template.FuncMap) (*template.Template, error) {
	t, err := template.New("pages").Funcs(funcs).Parse(pageTemplates)
	if err != nil {
		return nil, err
	}
	for _, src := range []string{requestsTemplate, dashboardTemplate, settingsTemplate, operatorsTemplate, tokensTemplate, incidentsTemplate, incidentFormTemplate, customersTemplate} {
		if t, err = t.Parse(src); err != nil {
			return nil, err
		}
	}
	return t, nil
}

type page struct {
	Title, Error, CSRF string
	// Lang is the page's language (en, es, pt: see i18n.go); JSText the
	// script's words in it, Languages the selector's choices and Back the
	// page to return to after choosing.
	Lang, JSText, Back string
	Languages          []languageOption
	Enrol              bool
	QR                 template.URL
	Secret             string
	Codes              []string
	Username           string
	Role               auth.Role
	Nav                bool // a signed-in page: navigation, CSRF meta and script
	Waiting            int  // conversations waiting for a human (the badge)
	Queue              string
	Queues             []queueLink
	Rows               []inboxRow
	Conv               *convView
	Messages           []messageView
	Operators          []operatorOption
	Categories         []choice // the reveal's categories, in words
	CanReply, CanTake  bool
	CanReveal          bool
	CanAudit           bool
	NavLinks           []navLink // the pages this operator's role can open
	Canned             []CannedReply
	// Data is the page's own view model, for pages whose fields no other
	// page shares (the templates read it as .Data).
	Data      any
	Audit     []auditRow
	Filter    map[string]string
	NextAfter int64
	ExportURL string
}

// navItems are the console's pages in the order the navigation shows them;
// an operator sees the ones their role grants.
var navItems = []struct {
	Href, Label string
	Perm        auth.Permission
}{
	{"/conversations", "Inbox", auth.PermConversationsReadAssigned},
	{"/requests", "Requests", auth.PermDSARManage},
	{"/customers", "Customers", auth.PermDSARManage},
	{"/audit", "Audit log", auth.PermAuditRead},
	{"/dashboard", "Dashboard", auth.PermMetricsRead},
	{"/incidents", "Incidents", auth.PermIncidentsManage},
	{"/settings", "Settings", auth.PermSettingsManage},
	{"/operators", "Operators", auth.PermOperatorsManage},
	{"/tokens", "API tokens", auth.PermTokensManage},
}

type navLink struct {
	Href, Label string
	Current     bool
}

// navFor lists the pages p can open, marking the one path belongs to.
func navFor(p *auth.Principal, path string) []navLink {
	var out []navLink
	for _, it := range navItems {
		if p.Can(it.Perm) {
			out = append(out, navLink{Href: it.Href, Label: it.Label,
				Current: path == it.Href || strings.HasPrefix(path, it.Href+"/")})
		}
	}
	return out
}

func (s *Server) render(w http.ResponseWriter, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pagesFor(p.Lang).ExecuteTemplate(w, name, p); err != nil {
		s.log.Error("render page", "page", name, "error", err)
	}
}

// pageHome sends an operator to the first page their role can use: the
// inbox, or the audit log for auditors and admins.
func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	switch {
	case p.Can(auth.PermConversationsReadAssigned):
		http.Redirect(w, r, "/conversations", http.StatusSeeOther)
	case p.Can(auth.PermAuditRead):
		http.Redirect(w, r, "/audit", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/api/v1/me", http.StatusSeeOther)
	}
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookie); err == nil {
		if _, _, err := s.auth.Authenticate(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, "/conversations", http.StatusSeeOther)
			return
		}
	}
	s.render(w, http.StatusOK, "login", page{Title: "Sign in", Lang: browserLanguage(r)})
}

func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request) {
	res, err := s.auth.Login(r.Context(), RequestInfo(r.Context()), r.PostFormValue("username"), r.PostFormValue("password"))
	if err != nil {
		status, msg := errorStatus(err)
		s.render(w, status, "login", page{Title: "Sign in", Error: msg, Lang: browserLanguage(r)})
		return
	}
	s.setSession(w, res.Token)
	http.Redirect(w, r, "/login/mfa", http.StatusSeeOther)
}

func (s *Server) pageMFA(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(s.cookie)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	sess, _, err := s.auth.PendingSession(r.Context(), c.Value)
	if err != nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, "mfa", page{Title: "Two-step sign-in", CSRF: s.csrfToken(c.Value), Enrol: sess.State == auth.SessionEnrol, Lang: browserLanguage(r)})
}

// mfaFailed shows the failure, or sends the browser back to the password
// step when the sign-in cannot go on.
func (s *Server) mfaFailed(w http.ResponseWriter, r *http.Request, err error, enrol bool) {
	status, msg := errorStatus(err)
	if errors.Is(err, auth.ErrLocked) || errors.Is(err, auth.ErrUnauthenticated) {
		s.clearSession(w)
		s.render(w, status, "login", page{Title: "Sign in", Error: msg, Lang: browserLanguage(r)})
		return
	}
	csrf := ""
	if c, cerr := r.Cookie(s.cookie); cerr == nil {
		csrf = s.csrfToken(c.Value)
	}
	s.render(w, status, "mfa", page{Title: "Two-step sign-in", Error: msg, CSRF: csrf, Enrol: enrol, Lang: browserLanguage(r)})
}

func (s *Server) pageMFAPost(w http.ResponseWriter, r *http.Request) {
	tok, err := s.pendingToken(r, true)
	if err != nil {
		s.mfaFailed(w, r, err, false)
		return
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	var res *auth.LoginResult
	if len(code) > 8 { // a recovery code, not six digits
		res, err = s.auth.CompleteRecovery(r.Context(), RequestInfo(r.Context()), tok, code)
	} else {
		res, err = s.auth.CompleteTOTP(r.Context(), RequestInfo(r.Context()), tok, code)
	}
	if err != nil {
		s.mfaFailed(w, r, err, false)
		return
	}
	s.setSession(w, res.Token)
	http.Redirect(w, r, "/conversations", http.StatusSeeOther)
}

func (s *Server) pageEnrolStart(w http.ResponseWriter, r *http.Request) {
	tok, err := s.pendingToken(r, true)
	if err != nil {
		s.mfaFailed(w, r, err, true)
		return
	}
	en, err := s.auth.BeginEnrolment(r.Context(), RequestInfo(r.Context()), tok)
	if err != nil {
		s.mfaFailed(w, r, err, true)
		return
	}
	// The QR is a data: URL this server made (CSP allows data: images).
	s.render(w, http.StatusOK, "enrol", page{Title: "Set up your authenticator", CSRF: s.csrfToken(tok), QR: template.URL(en.QRDataURL), Secret: en.Secret, Lang: browserLanguage(r)})
}

func (s *Server) pageEnrolPost(w http.ResponseWriter, r *http.Request) {
	tok, err := s.pendingToken(r, true)
	if err != nil {
		s.mfaFailed(w, r, err, true)
		return
	}
	res, err := s.auth.ConfirmEnrolment(r.Context(), RequestInfo(r.Context()), tok, r.PostFormValue("code"))
	if err != nil {
		s.mfaFailed(w, r, err, true)
		return
	}
	s.setSession(w, res.Token)
	s.render(w, http.StatusOK, "recovery", page{Title: "Your recovery codes", Codes: res.RecoveryCodes, Lang: browserLanguage(r)})
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.Logout(r.Context(), RequestInfo(r.Context()), PrincipalFrom(r.Context())); err != nil {
		status, msg := errorStatus(err)
		http.Error(w, msg, status)
		return
	}
	s.clearSession(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
