package console

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/incident"
	"github.com/trement/trement/internal/store"
)

// The form on the incidents page that declares an incident. It posts to
// POST /incidents (a page route: CSRF token in the form, session only,
// incidents:manage), is checked field by field, and on a refusal comes
// back with every value as typed and each problem next to its field; a
// recorded incident sends the browser to its page, where the legal clocks
// run. Recording is the API's (recordIncident): the same estimate, the
// same audit event in the same transaction.

// dataCategories are the personal data trement keeps about customers, as
// the form offers them; others are typed in.
var dataCategories = []string{"phone numbers", "profile names", "message content", "media files", "consent records", "data-subject requests"}

// incidentFields are the form's fields in its order: the name posted,
// the control's id, the label and the hint under it.
var incidentFields = []struct{ Name, ID, Label, Hint string }{
	{"title", "inc-title", "Title", ""},
	{"what", "inc-what", "What happened", "In your own words, without any customer's data."},
	{"data", "inc-data-0", "Data touched", ""},
	{"systems", "inc-systems", "Systems involved, separated by commas", "Optional, e.g. PostgreSQL primary, operator console."},
	{"discovered_at", "inc-discovered", "Detected (UTC)", "When you became aware of it: the legal clocks start here."},
	{"occurred_at", "inc-occurred", "Occurred (UTC)", "Optional: leave empty if not known."},
	{"scope", "inc-scope-all", "Whose data it touched", ""},
	{"scope_operator", "inc-scope-operator", "Operator (for a compromised account)", ""},
	{"scope_from", "inc-scope-from", "Window from (UTC)", "Needed for a time window; optional for an operator."},
	{"scope_until", "inc-scope-until", "Window until (UTC)", "Optional: leave empty for up to now."},
	{"consequences", "inc-consequences", "Likely consequences", "Optional; it goes into the notices."},
	{"measures", "inc-measures", "Measures taken or proposed", "Optional; it goes into the notices."},
}

// fieldView is one field's label, hint and problem, for its control.
type fieldView struct {
	ID, Label, Hint, Error string
	Autofocus              bool // the first field with a problem
}

// DescribedBy is the ids of the hint and the problem the control is
// described by.
func (v fieldView) DescribedBy() string {
	var ids []string
	if v.Hint != "" {
		ids = append(ids, v.ID+"-hint")
	}
	if v.Error != "" {
		ids = append(ids, v.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// incidentForm is the form as the operator filled it, with its problems.
type incidentForm struct {
	Title, What, DataOther, Systems string
	Consequences, Measures          string
	DiscoveredAt, OccurredAt        string // as typed: YYYY-MM-DDTHH:MM, UTC
	Scope                           string // all, window, operator
	ScopeFrom, ScopeUntil           string
	ScopeOperator                   string
	HighRisk                        bool
	Data                            []dataChoice
	Operators                       []operatorOption
	Errors                          map[string]string // by field name
	F                               map[string]fieldView
	Summary                         []formProblem
	Open                            bool // the form is unfolded
	CSRF                            string
}

type dataChoice struct {
	ID, Value string
	Checked   bool
}

type formProblem struct{ Href, Label, Message string }

// sentence is a message as the form shows it: capitalised, with a full stop.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func (f *incidentForm) fail(field, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = sentence(msg)
	}
}

// finish lays out the fields for the template, lists the problems in
// the form's order for the summary and opens the form on them.
func (f *incidentForm) finish() {
	f.F, f.Summary = map[string]fieldView{}, nil
	for _, fd := range incidentFields {
		v := fieldView{ID: fd.ID, Label: fd.Label, Hint: fd.Hint, Error: f.Errors[fd.Name]}
		if v.Error != "" {
			v.Autofocus = len(f.Summary) == 0
			f.Summary = append(f.Summary, formProblem{Href: "#" + fd.ID, Label: fd.Label, Message: v.Error})
		}
		f.F[fd.Name] = v
	}
	if len(f.Errors) > 0 {
		f.Open = true
	}
}

// newIncidentForm is the empty form, or the one posted, with its choices.
func newIncidentForm(checked []string, ops []*auth.Operator, chosen string) incidentForm {
	var f incidentForm
	for i, c := range dataCategories {
		f.Data = append(f.Data, dataChoice{ID: fmt.Sprintf("inc-data-%d", i), Value: c, Checked: slices.Contains(checked, c)})
	}
	for _, o := range ops {
		f.Operators = append(f.Operators, operatorOption{ID: o.ID, Name: o.Username, Current: o.ID == chosen})
	}
	f.finish()
	return f
}

// formTimeLayouts are what a datetime-local control sends (with or
// without seconds) and what a person may type instead.
var formTimeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05", time.RFC3339}

// formTime reads a time the form gives in UTC; empty is the zero time.
func formTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	for _, l := range formTimeLayouts {
		if t, err := time.ParseInLocation(l, v, time.UTC); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// splitList is a comma-separated list, trimmed, without empty items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Limits of the form's fields, as the API clips them.
const (
	maxIncidentTitle = 200
	maxIncidentText  = 4000
	maxIncidentList  = 20 // categories, systems
	maxIncidentItem  = 200
)

// readIncidentForm reads the posted form into an incident and the form
// to show again, with every problem of either.
func (s *Server) readIncidentForm(r *http.Request, ops []*auth.Operator, now time.Time) (*incident.Incident, incidentForm) {
	v := r.PostForm
	f := newIncidentForm(v["data"], ops, v.Get("scope_operator"))
	f.Title, f.What, f.DataOther, f.Systems = v.Get("title"), v.Get("what"), v.Get("data_other"), v.Get("systems")
	f.Consequences, f.Measures = v.Get("consequences"), v.Get("measures")
	f.DiscoveredAt, f.OccurredAt = v.Get("discovered_at"), v.Get("occurred_at")
	f.Scope, f.ScopeFrom, f.ScopeUntil, f.ScopeOperator = v.Get("scope"), v.Get("scope_from"), v.Get("scope_until"), v.Get("scope_operator")
	f.HighRisk = v.Get("high_risk") == "true"

	inc := &incident.Incident{Title: strings.TrimSpace(f.Title), What: strings.TrimSpace(f.What), HighRisk: f.HighRisk,
		Consequences: strings.TrimSpace(f.Consequences), Measures: strings.TrimSpace(f.Measures)}
	for field, n := range map[string]int{"title": maxIncidentTitle, "what": maxIncidentText, "consequences": maxIncidentText, "measures": maxIncidentText} {
		if utf8.RuneCountInString(v.Get(field)) > n {
			f.fail(field, fmt.Sprintf("at most %d characters", n))
		}
	}
	for _, c := range v["data"] {
		if c = strings.TrimSpace(c); c != "" && !slices.Contains(inc.Data, c) {
			inc.Data = append(inc.Data, c)
		}
	}
	for _, c := range splitList(f.DataOther) {
		if !slices.Contains(inc.Data, c) {
			inc.Data = append(inc.Data, c)
		}
	}
	inc.Systems = splitList(f.Systems)
	for field, list := range map[string][]string{"data": inc.Data, "systems": inc.Systems} {
		if len(list) > maxIncidentList {
			f.fail(field, fmt.Sprintf("at most %d items", maxIncidentList))
		}
		for _, it := range list {
			if utf8.RuneCountInString(it) > maxIncidentItem {
				f.fail(field, fmt.Sprintf("each item at most %d characters", maxIncidentItem))
			}
		}
	}

	times := []struct {
		field, value string
		to           *time.Time
	}{
		{"discovered_at", f.DiscoveredAt, &inc.DiscoveredAt}, {"occurred_at", f.OccurredAt, &inc.OccurredAt},
		{"scope_from", f.ScopeFrom, &inc.Scope.From}, {"scope_until", f.ScopeUntil, &inc.Scope.Until},
	}
	for _, t := range times {
		var ok bool
		if *t.to, ok = formTime(t.value); !ok {
			f.fail(t.field, "write the time as YYYY-MM-DD HH:MM, in UTC")
		}
	}
	switch f.Scope {
	case "all":
		inc.Scope = incident.Scope{All: true}
	case "window":
		if strings.TrimSpace(f.ScopeFrom) == "" {
			f.fail("scope_from", "give the start of the time window")
		}
	case "operator":
		known := slices.ContainsFunc(ops, func(o *auth.Operator) bool { return o.ID == f.ScopeOperator })
		if !known {
			f.fail("scope_operator", "choose the operator whose account was involved")
		}
		inc.Scope.Operator = f.ScopeOperator
	default:
		inc.Scope = incident.Scope{}
	}

	// The domain's rules, for the fields the form could read; a scope
	// the form already found fault with is not judged twice.
	for _, p := range inc.Problems(now) {
		field := p.Field
		switch {
		case field == "scope.until":
			field = "scope_until"
		case field == "scope" && (f.Errors["scope_from"] != "" || f.Errors["scope_operator"] != ""):
			continue
		case field == "scope":
			p.Message = "choose whose data it touched"
		}
		f.fail(field, p.Message)
	}
	f.finish()
	return inc, f
}

// recordIncident estimates whom inc affects from its scope and stores it
// with its audit event in one transaction (audit fails closed).
func (s *Server) recordIncident(ctx context.Context, inc *incident.Incident) error {
	return s.db.Update(ctx, func(t *store.Tx) error {
		aff, err := t.EstimateAffected(inc.Scope)
		if err != nil {
			return err
		}
		inc.Affected = aff
		if err := t.AppendAudit(s.event(ctx, "incident.create", "incident:"+inc.ID, fmt.Sprintf("%d customers estimated", inc.Customers()))); err != nil {
			return err
		}
		return t.PutIncident(inc)
	})
}

// pageCreateIncident records the incident the form declares and sends
// the browser to it, or shows the form again with its problems (422).
func (s *Server) pageCreateIncident(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "the form could not be read", http.StatusBadRequest)
		return
	}
	ops, err := s.scopeOperators(r)
	if err != nil {
		s.pageError(w, err)
		return
	}
	now := s.now()
	inc, f := s.readIncidentForm(r, ops, now)
	if len(f.Errors) > 0 {
		s.renderIncidents(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	p := PrincipalFrom(r.Context())
	inc.ID, inc.State, inc.CreatedBy, inc.CreatedAt, inc.UpdatedAt = uuid.NewString(), incident.Open, p.Username, now, now
	if err := s.recordIncident(r.Context(), inc); err != nil {
		s.pageError(w, err)
		return
	}
	http.Redirect(w, r, "/incidents/"+inc.ID+"?created=1", http.StatusSeeOther)
}

// scopeOperators are the operators an incident's scope may name, by
// username (a stolen account may be deactivated since).
func (s *Server) scopeOperators(r *http.Request) ([]*auth.Operator, error) {
	var ops []*auth.Operator
	err := s.db.View(r.Context(), func(t *store.Tx) (err error) {
		ops, err = t.Operators()
		return err
	})
	slices.SortFunc(ops, func(a, b *auth.Operator) int { return strings.Compare(a.Username, b.Username) })
	return ops, err
}

// incidentFormTemplate is the form; the incidents page includes it with
// the page's CSRF token as .CSRF.
const incidentFormTemplate = `{{define "incident-form"}}<details class="create" id="declare"{{if .Open}} open{{end}}><summary>Declare an incident</summary>
<form method="post" action="/incidents" class="declare-incident" novalidate>
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<p>Record a security incident as soon as you know of it. The legal clocks run from the time it was detected; trement estimates from the audit trail and the data on file how many customers of each region it affects. Write no customer's data here.</p>
{{with .Summary}}<div class="error error-summary" role="alert"><p><strong>The incident was not recorded.</strong> Check {{len .}} field(s):</p><ul>{{range .}}<li><a href="{{.Href}}">{{.Label}}: {{.Message}}</a></li>{{end}}</ul></div>{{end}}
{{with index .F "title"}}<div class="field">{{template "field-head" .}}<input id="{{.ID}}" name="title" value="{{$.Title}}" maxlength="200" required{{template "field-attrs" .}}></div>{{end}}
{{with index .F "what"}}<div class="field">{{template "field-head" .}}<textarea id="{{.ID}}" name="what" maxlength="4000" required{{template "field-attrs" .}}>{{$.What}}</textarea></div>{{end}}
{{with index .F "data"}}<fieldset{{if .Error}} aria-describedby="{{.ID}}-error"{{end}}><legend>{{.Label}} (at least one)</legend>{{if .Error}}<p class="field-error" id="{{.ID}}-error">{{.Error}}</p>{{end}}
{{$focus := .Autofocus}}{{range $i, $c := $.Data}}<label class="check"><input type="checkbox" id="{{$c.ID}}" name="data" value="{{$c.Value}}"{{if $c.Checked}} checked{{end}}{{if and $focus (eq $i 0)}} autofocus{{end}}> {{$c.Value}}</label>{{end}}
<label for="inc-data-other">Other categories, separated by commas</label><input id="inc-data-other" name="data_other" value="{{$.DataOther}}" maxlength="2000"></fieldset>{{end}}
{{with index .F "systems"}}<div class="field">{{template "field-head" .}}<input id="{{.ID}}" name="systems" value="{{$.Systems}}" maxlength="2000"{{template "field-attrs" .}}></div>{{end}}
{{with index .F "discovered_at"}}<div class="field">{{template "field-head" .}}<input type="datetime-local" id="{{.ID}}" name="discovered_at" value="{{$.DiscoveredAt}}" required{{template "field-attrs" .}}></div>{{end}}
{{with index .F "occurred_at"}}<div class="field">{{template "field-head" .}}<input type="datetime-local" id="{{.ID}}" name="occurred_at" value="{{$.OccurredAt}}"{{template "field-attrs" .}}></div>{{end}}
{{with index .F "scope"}}<fieldset{{if .Error}} aria-describedby="{{.ID}}-error"{{end}}><legend>{{.Label}}</legend>{{if .Error}}<p class="field-error" id="{{.ID}}-error">{{.Error}}</p>{{end}}
<label class="check"><input type="radio" id="inc-scope-all" name="scope" value="all"{{if eq $.Scope "all"}} checked{{end}}{{if .Autofocus}} autofocus{{end}}> Every customer on file</label>
<label class="check"><input type="radio" id="inc-scope-window" name="scope" value="window"{{if eq $.Scope "window"}} checked{{end}}> Customers who wrote in a time window</label>
<label class="check"><input type="radio" id="inc-scope-by-operator" name="scope" value="operator"{{if eq $.Scope "operator"}} checked{{end}}> Customers whose data one operator handled or revealed (a compromised account)</label>{{end}}
{{with index .F "scope_operator"}}<div class="field">{{template "field-head" .}}<select id="{{.ID}}" name="scope_operator"{{template "field-attrs" .}}><option value="">Choose…</option>{{range $.Operators}}<option value="{{.ID}}"{{if .Current}} selected{{end}}>{{.Name}}</option>{{end}}</select></div>{{end}}
{{with index .F "scope_from"}}<div class="field">{{template "field-head" .}}<input type="datetime-local" id="{{.ID}}" name="scope_from" value="{{$.ScopeFrom}}"{{template "field-attrs" .}}></div>{{end}}
{{with index .F "scope_until"}}<div class="field">{{template "field-head" .}}<input type="datetime-local" id="{{.ID}}" name="scope_until" value="{{$.ScopeUntil}}"{{template "field-attrs" .}}></div>{{end}}
</fieldset>
<label class="check"><input type="checkbox" name="high_risk" value="true"{{if .HighRisk}} checked{{end}}> High risk to people: the customers must be told (GDPR Art. 34), and their clock runs too</label>
{{with index .F "consequences"}}<div class="field">{{template "field-head" .}}<textarea id="{{.ID}}" name="consequences" maxlength="4000"{{template "field-attrs" .}}>{{$.Consequences}}</textarea></div>{{end}}
{{with index .F "measures"}}<div class="field">{{template "field-head" .}}<textarea id="{{.ID}}" name="measures" maxlength="4000"{{template "field-attrs" .}}>{{$.Measures}}</textarea></div>{{end}}
<button>Record the incident</button>
</form></details>{{end}}

{{define "field-head"}}<label for="{{.ID}}">{{.Label}}</label>{{if .Hint}}<p class="hint" id="{{.ID}}-hint">{{.Hint}}</p>{{end}}{{if .Error}}<p class="field-error" id="{{.ID}}-error">{{.Error}}</p>{{end}}{{end}}
{{define "field-attrs"}}{{if .Error}} aria-invalid="true"{{end}}{{with .DescribedBy}} aria-describedby="{{.}}"{{end}}{{if .Autofocus}} autofocus{{end}}{{end}}`
