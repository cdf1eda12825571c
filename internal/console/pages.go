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
<title>{{.Title}} · trement</title><link rel="stylesheet" href="/static/console.css"></head>
<body><main><h1>{{.Title}}</h1>{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}{{end}}
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

{{define "conversations"}}{{template "top" .}}
<form method="post" action="/logout" class="logout"><input type="hidden" name="csrf_token" value="{{.CSRF}}"><button>Sign out</button></form>
<p>Signed in as {{.Username}} ({{.Role}}). Numbers and names are masked.</p>
<table><thead><tr><th>Customer</th><th>Name</th><th>State</th><th>Assigned to</th><th>Updated</th></tr></thead><tbody>
{{range .Conversations}}<tr><td>{{.Phone}}</td><td>{{.ProfileName}}</td><td>{{.State}}</td><td>{{.AssignedTo}}</td><td>{{if .UpdatedAt}}{{.UpdatedAt.Format "2006-01-02 15:04"}}{{end}}</td></tr>
{{else}}<tr><td colspan="5">No conversations.</td></tr>{{end}}
</tbody></table>{{template "bottom"}}{{end}}
`

const stylesheet = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
main{max-width:56rem;margin:2rem auto;padding:0 1rem}
form{display:grid;gap:.75rem;max-width:24rem;margin:1rem 0}
label{display:grid;gap:.25rem}
input{font:inherit;padding:.5rem;border:1px solid #b8c0cc;border-radius:4px}
button{font:inherit;padding:.5rem 1rem;border:0;border-radius:4px;background:#1f6f5c;color:#fff;cursor:pointer}
.error{background:#fde8e8;color:#8a1c1c;padding:.5rem 1rem;border-radius:4px}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #e3e7ee}
.codes code{font-size:1.1rem}
.logout{float:right;margin:0}
`

func parsePages() (*template.Template, error) {
	return template.New("pages").Parse(pageTemplates)
}

type page struct {
	Title, Error, CSRF string
	Enrol              bool
	QR                 template.URL
	Secret             string
	Codes              []string
	Username           string
	Role               auth.Role
	Conversations      []conversationJSON
}

func (s *Server) render(w http.ResponseWriter, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages.ExecuteTemplate(w, name, p); err != nil {
		s.log.Error("render page", "page", name, "error", err)
	}
}

func (s *Server) stylesheet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write([]byte(stylesheet))
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/conversations", http.StatusSeeOther)
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookie); err == nil {
		if _, _, err := s.auth.Authenticate(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, "/conversations", http.StatusSeeOther)
			return
		}
	}
	s.render(w, http.StatusOK, "login", page{Title: "Sign in"})
}

func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request) {
	res, err := s.auth.Login(r.Context(), RequestInfo(r.Context()), r.PostFormValue("username"), r.PostFormValue("password"))
	if err != nil {
		status, msg := errorStatus(err)
		s.render(w, status, "login", page{Title: "Sign in", Error: msg})
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
	s.render(w, http.StatusOK, "mfa", page{Title: "Two-step sign-in", CSRF: s.csrfToken(c.Value), Enrol: sess.State == auth.SessionEnrol})
}

// mfaFailed shows the failure, or sends the browser back to the password
// step when the sign-in cannot go on.
func (s *Server) mfaFailed(w http.ResponseWriter, r *http.Request, err error, enrol bool) {
	status, msg := errorStatus(err)
	if errors.Is(err, auth.ErrLocked) || errors.Is(err, auth.ErrUnauthenticated) {
		s.clearSession(w)
		s.render(w, status, "login", page{Title: "Sign in", Error: msg})
		return
	}
	csrf := ""
	if c, cerr := r.Cookie(s.cookie); cerr == nil {
		csrf = s.csrfToken(c.Value)
	}
	s.render(w, status, "mfa", page{Title: "Two-step sign-in", Error: msg, CSRF: csrf, Enrol: enrol})
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
	s.render(w, http.StatusOK, "enrol", page{Title: "Set up your authenticator", CSRF: s.csrfToken(tok), QR: template.URL(en.QRDataURL), Secret: en.Secret})
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
	s.render(w, http.StatusOK, "recovery", page{Title: "Your recovery codes", Codes: res.RecoveryCodes})
}

func (s *Server) pageConversations(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := PrincipalFrom(ctx)
	f := ConversationFilter{Limit: 100}
	if !p.Can(auth.PermConversationsReadAll) {
		f.AssignedTo, f.Queue = p.OperatorID, true
	}
	list, err := s.convs.List(ctx, f)
	if err != nil {
		status, msg := errorStatus(err)
		http.Error(w, msg, status)
		return
	}
	var rows []conversationJSON
	for _, c := range list {
		if visible(p, c) {
			rows = append(rows, summaryJSON(c, false))
		}
	}
	s.render(w, http.StatusOK, "conversations", page{Title: "Conversations", CSRF: s.csrfToken(sessionToken(ctx)),
		Username: p.Username, Role: p.Role, Conversations: rows})
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
