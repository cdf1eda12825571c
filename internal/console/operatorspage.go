package console

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trement/trement/internal/auth"
)

// The Operators and API tokens pages. Like the others they only read: every
// change goes through the audited JSON routes (console.js posts the forms
// with the CSRF token), and a form is shown only where auth's own rules
// (auth.ManageRefusal, auth.GrantableRoles) say the change would succeed,
// so the page offers nothing the API would refuse. Secrets made by a
// change (a first password, an API token) arrive once in the JSON answer
// and the script shows them in place; no page renders them, nor any hash
// or TOTP secret: the views below copy only what they show.
const operatorsTemplate = `{{define "operators"}}{{template "top" .}}{{with .Data}}
{{if .Creatable}}<details class="create"{{if not .Operators}} open{{end}}><summary>Add an operator</summary>
<form data-api="/api/v1/operators" data-after="secret" class="create-operator">
<label>Username <input name="username" autocomplete="off" minlength="3" maxlength="64" required></label>
<label>Role <select name="role">{{range .Creatable}}<option value="{{.Value}}">{{.Word}}</option>{{end}}</select></label>
<p>trement makes the first password. It is shown once, here, for you to hand over in person or by another channel; at first sign-in the new operator sets up an authenticator app.</p>
<button>Add the operator</button><p class="error form-error" role="alert"></p>
<div class="form-secret" role="status" tabindex="-1" hidden><p><strong>Shown only now.</strong> Give these to the new operator; trement keeps no copy of the password.</p>
<dl class="facts"><dt>Username</dt><dd><code data-secret="username"></code></dd><dt>First password</dt><dd><code data-secret="initial_password"></code></dd></dl>
<p><a href="/operators">I have handed it over: back to the list</a></p></div>
</form></details>{{end}}
<table><caption class="sr-only">Operators</caption><thead><tr><th scope="col">Operator</th><th scope="col">Role</th><th scope="col">Authenticator (MFA)</th><th scope="col">Status</th><th scope="col">Last sign-in</th><th scope="col">Actions</th></tr></thead><tbody>
{{range .Operators}}<tr data-operator="{{.ID}}"{{if .Disabled}} class="disabled"{{end}}><td>{{.Username}}{{if .Self}} (you){{end}}</td><td>{{.RoleWord}}</td>
<td>{{if .MFAEnrolled}}Enrolled{{else}}Not enrolled yet{{end}}</td><td>{{if .Disabled}}Deactivated{{else}}Active{{end}}</td>
<td>{{if .LastLoginAt.IsZero}}Never{{else}}{{template "time" .LastLoginAt}}{{end}}</td><td><div class="actions">
{{if .Roles}}<form data-api="/api/v1/operators/{{.ID}}/role" data-method="PUT" data-after="reload" class="set-role"><label>Role <select name="role">{{range .Roles}}<option value="{{.Value}}"{{if .Current}} selected{{end}}>{{.Word}}</option>{{end}}</select></label><button class="secondary">Change the role</button><p class="error form-error" role="alert"></p></form>{{end}}
{{if .CanManage}}{{if .Disabled}}<form data-api="/api/v1/operators/{{.ID}}" data-method="PATCH" data-after="reload" class="reactivate"><input type="hidden" name="disabled" value="false" data-type="bool"><button class="secondary">Reactivate</button><p class="error form-error" role="alert"></p></form>
<form data-api="/api/v1/operators/{{.ID}}" data-method="DELETE" data-after="reload" data-confirm="Delete {{.Username}} for good? Their API tokens and recovery codes go; the audit log keeps what they did." class="delete"><button class="secondary">Delete</button><p class="error form-error" role="alert"></p></form>
{{else}}<form data-api="/api/v1/operators/{{.ID}}" data-method="PATCH" data-after="reload" data-confirm="Deactivate {{.Username}}? Their sessions end and their API tokens stop working." class="deactivate"><input type="hidden" name="disabled" value="true" data-type="bool"><button class="secondary">Deactivate</button><p class="error form-error" role="alert"></p></form>
<form data-api="/api/v1/operators/{{.ID}}/logout-everywhere" data-after="reload" data-confirm="Sign {{.Username}} out of every browser?" class="end-sessions"><button class="secondary">Log out everywhere</button><p class="error form-error" role="alert"></p></form>{{end}}{{end}}
{{if .CanResetPassword}}<form data-api="/api/v1/operators/{{.ID}}/reset-password" data-after="secret" data-confirm="Give {{.Username}} a new password? Their sessions end and their API tokens are revoked; you hand the new password over." class="reset-password"><button class="secondary">Reset the password</button><p class="error form-error" role="alert"></p>
<div class="form-secret" role="status" tabindex="-1" hidden><p><strong>Shown only now.</strong> Give this password to the operator in person or by another channel; trement keeps no copy.</p>
<dl class="facts"><dt>Username</dt><dd><code data-secret="username"></code></dd><dt>New password</dt><dd><code data-secret="initial_password"></code></dd></dl></div></form>{{end}}
{{if .CanResetMFA}}<form data-api="/api/v1/operators/{{.ID}}/reset-mfa" data-after="reload" data-confirm="Reset the authenticator of {{.Username}}? Their sessions end, their API tokens are revoked, and they set up a new authenticator at next sign-in." class="reset-mfa"><button class="secondary">Reset MFA</button><p class="error form-error" role="alert"></p></form>{{end}}
{{if .Why}}<p class="why">{{.Why}}</p>{{end}}</div></td></tr>
{{else}}<tr><td colspan="6">No operators.</td></tr>{{end}}</tbody></table>{{end}}{{template "bottom"}}{{end}}`

// roleWords are the roles as the page says them.
var roleWords = map[auth.Role]string{
	auth.RoleOwner: "Owner", auth.RoleAdmin: "Administrator", auth.RoleDPO: "Data-protection officer",
	auth.RoleSupervisor: "Supervisor", auth.RoleAgent: "Agent", auth.RoleAuditor: "Auditor",
}

func roleWord(r auth.Role) string {
	if w, ok := roleWords[r]; ok {
		return w
	}
	return string(r)
}

// roleChoice is one role a form offers.
type roleChoice struct {
	Value   auth.Role
	Word    string
	Current bool
}

func roleChoices(roles []auth.Role, current auth.Role) []roleChoice {
	out := make([]roleChoice, len(roles))
	for i, r := range roles {
		out[i] = roleChoice{r, roleWord(r), r == current}
	}
	return out
}

// operatorRow is one operator as the page shows it: no hash, no secret.
type operatorRow struct {
	ID, Username, RoleWord string
	Self                   bool
	MFAEnrolled, Disabled  bool
	LastLoginAt            time.Time
	// Roles the signed-in operator may move this one to; empty when the
	// role cannot be changed here (no roles:manage, or oneself).
	Roles []roleChoice
	// CanManage: deactivate, reactivate, delete, log out everywhere;
	// CanResetMFA: reset the authenticator (hands over the sign-in);
	// CanResetPassword: give them a new password trement makes.
	CanManage, CanResetMFA, CanResetPassword bool
	// Why nothing can be done to this operator, when that is so.
	Why string
}

type operatorsView struct {
	Operators []operatorRow
	Creatable []roleChoice // the roles a new operator may be given
}

// pageOperators lists the operators by name with what the signed-in
// operator may do to each.
func (s *Server) pageOperators(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	ops, err := s.auth.Operators(r.Context(), p)
	if err != nil {
		s.pageError(w, err)
		return
	}
	slices.SortFunc(ops, func(a, b *auth.Operator) int { return strings.Compare(a.Username, b.Username) })
	grantable := auth.GrantableRoles(p)
	v := operatorsView{Creatable: roleChoices(grantable, "")}
	for _, o := range ops {
		row := operatorRow{ID: o.ID, Username: o.Username, RoleWord: roleWord(o.Role), Self: o.ID == p.OperatorID,
			MFAEnrolled: o.MFAEnrolled, Disabled: o.Disabled, LastLoginAt: o.LastLoginAt}
		why := auth.ManageRefusal(p, o, false)
		row.CanManage = why == ""
		row.CanResetMFA = o.MFAEnrolled && auth.ManageRefusal(p, o, true) == ""
		row.CanResetPassword = !row.Self && !o.Disabled && auth.ManageRefusal(p, o, true) == ""
		if row.CanManage && p.Can(auth.PermRolesManage) {
			row.Roles = roleChoices(grantable, o.Role)
		}
		if !row.Self && !row.CanManage {
			row.Why = "Not for your role: " + why + "."
		}
		v.Operators = append(v.Operators, row)
	}
	pg := s.basePage(r, "Operators")
	pg.Data = v
	s.render(w, http.StatusOK, "operators", pg)
}

const tokensTemplate = `{{define "tokens"}}{{template "top" .}}{{with .Data}}
<p>An API token lets a program act as you, within the scope you give it, until it expires or you revoke it. It can never do more than your role allows today.</p>
<details class="create"{{if not .Mine}} open{{end}}><summary>Create a token</summary>
<form data-api="/api/v1/tokens" data-after="secret" class="create-token">
<label>Name (what will use it) <input name="name" maxlength="100" required></label>
<fieldset><legend>Scope: what the token may do</legend>{{range .Scopes}}<label class="check"><input type="checkbox" name="scopes" value="{{.Value}}" data-type="list"> {{.Word}}</label>{{end}}</fieldset>
<label>Expires after <select name="expires_in_days" data-type="int">{{range .Expiries}}<option value="{{.Days}}"{{if .Default}} selected{{end}}>{{.Word}}</option>{{end}}</select></label>
<button>Create the token</button><p class="error form-error" role="alert"></p>
<div class="form-secret" role="status" tabindex="-1" hidden><p><strong>Copy the token now: it is shown only this once.</strong> trement keeps only a hash; if it is lost, revoke it and make another.</p>
<p><code class="token" data-secret="token"></code></p><p><a href="/tokens">I have copied it: back to the list</a></p></div>
</form></details>
<h2>Your tokens</h2>{{template "token-table" .Mine}}
{{if .ShowOthers}}<h2>Other operators' tokens</h2>{{template "token-table" .Others}}{{end}}
{{end}}{{template "bottom"}}{{end}}
{{define "token-table"}}<table><thead><tr><th scope="col">Name</th><th scope="col">Holder</th><th scope="col">Scope</th><th scope="col">Expiry</th><th scope="col">Last used</th><th scope="col">Actions</th></tr></thead><tbody>
{{range .}}<tr data-token="{{.ID}}"><td>{{.Name}}</td><td>{{.Holder}}</td><td><ul class="scopes">{{range .Scopes}}<li>{{.}}</li>{{end}}</ul></td>
<td class="state">{{.Expiry}}{{if not .ExpiresAt.IsZero}} ({{template "time" .ExpiresAt}}){{end}}</td><td>{{if .LastUsedAt.IsZero}}Never{{else}}{{template "time" .LastUsedAt}}{{end}}</td>
<td>{{if .CanRevoke}}<form data-api="/api/v1/tokens/{{.ID}}" data-method="DELETE" data-after="reload" data-confirm="Revoke the token {{.Name}}? Programs using it stop working at once." class="revoke"><button class="secondary">Revoke</button><p class="error form-error" role="alert"></p></form>{{end}}</td></tr>
{{else}}<tr><td colspan="6">No tokens.</td></tr>{{end}}</tbody></table>{{end}}`

// scopeWords are permissions as a token's scope says them.
var scopeWords = map[auth.Permission]string{
	auth.PermConversationsReadAll:      "Read every conversation (masked)",
	auth.PermConversationsReadAssigned: "Read one's assigned conversations and the waiting queue (masked)",
	auth.PermConversationsReply:        "Reply to customers, take and hand back conversations",
	auth.PermConversationsAssign:       "Assign conversations to operators",
	auth.PermPIIReveal:                 "Reveal customers' numbers, names and messages, with a reason",
	auth.PermContactsErase:             "Erase customers",
	auth.PermContactsReadBlocked:       "Open a blocked customer's data for a court or authority",
	auth.PermDSARManage:                "Handle data-subject requests",
	auth.PermIncidentsManage:           "Record and handle security incidents",
	auth.PermAuditRead:                 "Read and verify the audit log",
	auth.PermAuditExport:               "Export the audit log",
	auth.PermOperatorsManage:           "Manage operators",
	auth.PermRolesManage:               "Change roles; manage owners and admins",
	auth.PermKeysManage:                "Rotate keys",
	auth.PermTokensManage:              "List and revoke API tokens",
	auth.PermSettingsManage:            "Change settings",
	auth.PermMetricsRead:               "Read metrics",
	auth.PermExportTraining:            "Export redacted conversations for training",
	auth.PermSelf:                      "See oneself",
}

func scopeWord(p auth.Permission) string {
	if w, ok := scopeWords[p]; ok {
		return w + " (" + string(p) + ")"
	}
	return string(p)
}

type scopeChoice struct {
	Value auth.Permission
	Word  string
}

type expiryChoice struct {
	Days    int
	Word    string
	Default bool
}

// tokenExpiries are the lifetimes the form offers, within what
// auth.CreateToken allows (the default is its 90 days).
var tokenExpiries = []expiryChoice{
	{7, "7 days", false}, {30, "30 days", false}, {90, "90 days", true}, {180, "180 days", false}, {366, "a year (366 days)", false},
}

// tokenRow is one token as the page shows it: never its hash.
type tokenRow struct {
	ID, Name, Holder string
	Scopes           []string // in words
	Expiry           string   // "Expires in 90 days", "Expired 2 days ago", "Revoked"
	ExpiresAt        time.Time
	LastUsedAt       time.Time
	CanRevoke        bool
}

type tokensView struct {
	Mine, Others []tokenRow
	ShowOthers   bool
	Scopes       []scopeChoice
	Expiries     []expiryChoice
}

// inDays says how far off d is, to the nearest day (hour under two
// days): a token made for 30 days a moment ago expires "in 30 days".
func inDays(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	if d < 48*time.Hour {
		h := int(d.Round(time.Hour).Hours())
		if h == 1 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", h)
	}
	return fmt.Sprintf("%d days", int(d.Round(24*time.Hour)/(24*time.Hour)))
}

func (s *Server) tokenExpiry(t *auth.Token) string {
	switch d := t.ExpiresAt.Sub(s.now()); {
	case !t.RevokedAt.IsZero():
		return "Revoked"
	case d <= 0:
		return "Expired " + inDays(d) + " ago"
	default:
		return "Expires in " + inDays(d)
	}
}

// pageTokens lists the signed-in operator's API tokens, and, for a holder
// of operators:manage, everyone else's, with a revoke button where
// auth.RevokeToken would allow it.
func (s *Server) pageTokens(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := PrincipalFrom(ctx)
	list, err := s.auth.Tokens(ctx, p)
	if err != nil {
		s.pageError(w, err)
		return
	}
	holders := map[string]*auth.Operator{}
	if p.Can(auth.PermOperatorsManage) {
		ops, err := s.auth.Operators(ctx, p)
		if err != nil {
			s.pageError(w, err)
			return
		}
		for _, o := range ops {
			holders[o.ID] = o
		}
	}
	slices.SortFunc(list, func(a, b *auth.Token) int { return b.CreatedAt.Compare(a.CreatedAt) })
	v := tokensView{ShowOthers: p.Can(auth.PermOperatorsManage), Expiries: tokenExpiries}
	for _, perm := range p.Role.Permissions() {
		if perm != auth.PermHealthRead { // anyone's, without a token
			v.Scopes = append(v.Scopes, scopeChoice{perm, scopeWord(perm)})
		}
	}
	for _, t := range list {
		row := tokenRow{ID: t.ID, Name: t.Name, Expiry: s.tokenExpiry(t), ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt}
		for _, sc := range t.Scopes {
			row.Scopes = append(row.Scopes, scopeWord(sc))
		}
		live := t.RevokedAt.IsZero() && s.now().Before(t.ExpiresAt)
		if t.OperatorID == p.OperatorID {
			row.Holder, row.CanRevoke = p.Username, live
			v.Mine = append(v.Mine, row)
			continue
		}
		h, ok := holders[t.OperatorID]
		if !ok {
			row.Holder = "(removed operator)"
		} else {
			row.Holder = h.Username
			row.CanRevoke = live && auth.ManageRefusal(p, h, false) == ""
		}
		v.Others = append(v.Others, row)
	}
	pg := s.basePage(r, "API tokens")
	pg.Data = v
	s.render(w, http.StatusOK, "tokens", pg)
}
