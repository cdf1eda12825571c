package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/incident"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/store"
)

// The incidents pages are the breach desk: every incident with its legal
// clocks, and one incident with its checklist. Each action posts to the
// incident API (audited there, refused there by the incident's rules: a
// DPO approves the customer notice, customers are notified only after);
// the pages only leave out buttons the rules would refuse.

// stepWords are the checklist's steps as the desk says them.
var stepWords = map[incident.Step]string{
	incident.StepContain:         "Contain the breach and keep the evidence",
	incident.StepAssess:          "Assess the risk to people (data, volume, consequences)",
	incident.StepEstimate:        "Estimate the affected customers per region",
	incident.StepNotifyAuthority: "Notify each region's authority within its clock",
	incident.StepDecideCustomers: "Decide whether customers must be told (high risk)",
	incident.StepApproveNotice:   "DPO approves the customer notice",
	incident.StepNotifyCustomers: "Notify the customers over WhatsApp",
	incident.StepDocument:        "Document facts, effects and remedial action",
	incident.StepReview:          "Review: lessons learned, measures changed",
}

var incidentStateWords = map[incident.State]string{incident.Open: "Open", incident.Closed: "Closed"}

func stepWord(st incident.Step) string {
	if w, ok := stepWords[st]; ok {
		return w
	}
	return string(st)
}

func incidentStateWord(st incident.State) string {
	if w, ok := incidentStateWords[st]; ok {
		return w
	}
	return string(st)
}

// spanWords is a span as the desk reads it: "2 days 5 h", "41 h 20 min",
// "35 min".
func spanWords(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days >= 3:
		return fmt.Sprintf("%d days %d h", days, hours)
	case d >= time.Hour:
		return fmt.Sprintf("%d h %d min", days*24+hours, mins)
	}
	return fmt.Sprintf("%d min", mins)
}

// clockView is one legal clock in words.
type clockView struct {
	Region          policy.Region
	RegionWord, Law string
	To              string // "Authority: AEPD …" or "Affected customers"
	Authority       bool   // an authority's clock (it has its own "notified" action)
	Deadline, Cite  string
	Due             time.Time
	Status          string // "done", "overdue by 3 h 0 min", "41 h 20 min left"
	Done, Overdue   bool
	Customers       int
}

func clockViews(cs []incident.Clock, now time.Time) []clockView {
	out := make([]clockView, 0, len(cs))
	for _, c := range cs {
		v := clockView{Region: c.Region, RegionWord: word(regionWords, string(c.Region)), Law: c.Law, Deadline: c.Deadline, Cite: c.Cite,
			Due: c.Due, Done: c.Done, Overdue: c.Overdue, Customers: c.Customers, Authority: c.To == incident.ToAuthority}
		if v.Authority {
			v.To = "Authority: " + c.Authority
		} else {
			v.To = "Affected customers"
		}
		switch {
		case c.Done:
			v.Status = "done"
		case c.Overdue:
			v.Status = "overdue by " + spanWords(now.Sub(c.Due))
		default:
			v.Status = spanWords(c.Due.Sub(now)) + " left"
		}
		out = append(out, v)
	}
	return out
}

// incidentRow is one incident on the desk.
type incidentRow struct {
	ID, Title, State string
	Open             bool
	DiscoveredAt     time.Time
	Customers        int
	Clocks           []clockView
	Overdue          int
	StepsDone, Steps int
}

type incidentsView struct {
	Incidents     []incidentRow
	Open, Overdue int
	Form          incidentForm // declaring a new one
}

// pageIncidents lists the incidents, newest first as the store keeps
// them, each with its clocks soonest first, under the form that declares
// one.
func (s *Server) pageIncidents(w http.ResponseWriter, r *http.Request) {
	ops, err := s.scopeOperators(r)
	if err != nil {
		s.pageError(w, err)
		return
	}
	s.renderIncidents(w, r, http.StatusOK, newIncidentForm(nil, ops, ""))
}

// renderIncidents is the incidents page with form, empty or as posted.
func (s *Server) renderIncidents(w http.ResponseWriter, r *http.Request, status int, form incidentForm) {
	var list []*incident.Incident
	if err := s.db.View(r.Context(), func(t *store.Tx) (err error) {
		list, err = t.Incidents()
		return err
	}); err != nil {
		s.pageError(w, err)
		return
	}
	now := s.now()
	v := incidentsView{Form: form}
	for _, inc := range list {
		iv := s.viewIncident(inc, false)
		row := incidentRow{ID: inc.ID, Title: inc.Title, State: incidentStateWord(inc.State), Open: inc.State == incident.Open,
			DiscoveredAt: inc.DiscoveredAt, Customers: inc.Customers(), Clocks: clockViews(iv.Clocks, now), Overdue: iv.Overdue,
			StepsDone: len(inc.Done), Steps: len(incident.Checklist())}
		if row.Open {
			v.Open++
			v.Overdue += row.Overdue
		}
		v.Incidents = append(v.Incidents, row)
	}
	pg := s.basePage(r, "Incidents")
	v.Form.CSRF, v.Form.Open = pg.CSRF, v.Form.Open || len(list) == 0
	pg.Data = v
	s.render(w, status, "incidents", pg)
}

// stepView is one checklist step: done (when, by whom, the note) or the
// action to complete it, or why it cannot be completed yet.
type stepView struct {
	Step    incident.Step
	Word    string
	Done    bool
	At      time.Time
	By      string
	Note    string
	CanDo   bool   // the form is shown
	Blocked string // why not, in words
}

type incidentDetail struct {
	ID, Title, What, State   string
	Open, HighRisk           bool
	Data, Systems            string
	Consequences, Measures   string
	Scope                    string
	OccurredAt, DiscoveredAt time.Time
	CreatedBy                string
	Affected                 []affectedView
	Clocks                   []clockView
	Steps                    []stepView
	AuthorityDrafts          []draftView
	CustomerDrafts           []draftView
	Created                  bool // just recorded with the form
}

type affectedView struct {
	Region    policy.Region
	Word      string
	Customers int
}

type draftView struct{ Label, Text string }

var languageWords = map[string]string{"en": "English", "es": "Spanish", "pt": "Portuguese"}

// incidentScopeWords says whose data the incident touched, operators by name.
func incidentScopeWords(sc incident.Scope, names map[string]string) string {
	when := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
	switch {
	case sc.All:
		return "every customer on file"
	case sc.Operator != "":
		s := "customers whose data the operator " + nameOf(names, sc.Operator) + " handled or revealed"
		if !sc.From.IsZero() {
			s += " from " + when(sc.From)
		}
		if !sc.Until.IsZero() {
			s += " until " + when(sc.Until)
		}
		return s
	case !sc.Until.IsZero():
		return "customers who wrote between " + when(sc.From) + " and " + when(sc.Until)
	}
	return "customers who wrote since " + when(sc.From)
}

// pageIncident is one incident: its facts, clocks, checklist and drafts,
// with the step actions.
func (s *Server) pageIncident(w http.ResponseWriter, r *http.Request) {
	var inc *incident.Incident
	if err := s.db.View(r.Context(), func(t *store.Tx) (err error) {
		inc, err = t.Incident(r.PathValue("id"))
		return err
	}); err != nil {
		s.pageError(w, err)
		return
	}
	p := PrincipalFrom(r.Context())
	iv := s.viewIncident(inc, true)
	d := incidentDetail{ID: inc.ID, Title: inc.Title, What: inc.What, State: incidentStateWord(inc.State), Open: inc.State == incident.Open,
		HighRisk: inc.HighRisk, Data: strings.Join(inc.Data, ", "), Systems: strings.Join(inc.Systems, ", "), Consequences: inc.Consequences,
		Measures: inc.Measures, Scope: incidentScopeWords(inc.Scope, s.operatorNames(r)), OccurredAt: inc.OccurredAt, DiscoveredAt: inc.DiscoveredAt,
		CreatedBy: inc.CreatedBy, Clocks: clockViews(iv.Clocks, s.now()), Created: r.URL.Query().Get("created") == "1"}
	for _, a := range inc.Affected {
		d.Affected = append(d.Affected, affectedView{Region: a.Region, Word: word(regionWords, string(a.Region)), Customers: a.Customers})
	}
	for _, c := range iv.Checklist {
		sv := stepView{Step: c.Step, Word: stepWord(c.Step), Done: c.Done, At: c.At, By: c.By, Note: inc.Done[c.Step].Note}
		if !sv.Done && d.Open {
			sv.CanDo = true
			switch c.Step {
			case incident.StepApproveNotice:
				if p.Role != auth.RoleDPO {
					sv.CanDo, sv.Blocked = false, "Only a DPO approves the customer notice."
				}
			case incident.StepNotifyCustomers:
				if _, ok := inc.Done[incident.StepApproveNotice]; !ok {
					sv.CanDo, sv.Blocked = false, "Waits for the DPO's approval of the notice."
				} else if s.incidents.Template == "" {
					sv.CanDo, sv.Blocked = false, "No breach notice template is configured (TREMENT_BREACH_TEMPLATE)."
				}
			}
		}
		d.Steps = append(d.Steps, sv)
	}
	if iv.Drafts != nil {
		for _, a := range d.Affected {
			if t, ok := iv.Drafts.Authorities[a.Region]; ok {
				d.AuthorityDrafts = append(d.AuthorityDrafts, draftView{Label: a.Word, Text: t})
			}
		}
		for _, lang := range policy.Languages() {
			if t, ok := iv.Drafts.Customers[lang]; ok {
				d.CustomerDrafts = append(d.CustomerDrafts, draftView{Label: word(languageWords, lang), Text: t})
			}
		}
	}
	pg := s.basePage(r, "Incident")
	pg.Data = d
	s.render(w, http.StatusOK, "incident", pg)
}

const incidentsTemplate = `{{define "incidents"}}{{template "top" .}}{{with .Data}}
<p>{{.Open}} open, {{.Overdue}} legal clock(s) overdue. Clocks run from the time the breach was detected; incidents are recorded with the form below or through <code>POST /api/v1/incidents</code>.</p>
{{template "incident-form" .Form}}
<table><caption class="sr-only">Incidents</caption><thead><tr><th scope="col">Incident</th><th scope="col">State</th><th scope="col">Detected</th><th scope="col">Customers</th><th scope="col">Legal clocks</th><th scope="col">Steps done</th></tr></thead><tbody>
{{range .Incidents}}<tr{{if and .Open .Overdue}} class="overdue"{{end}}><td><a href="/incidents/{{.ID}}">{{.Title}}</a></td><td class="state">{{.State}}</td><td>{{template "time" .DiscoveredAt}}</td><td>{{.Customers}}</td>
<td>{{range .Clocks}}<div>{{.To}} ({{.RegionWord}}, {{.Deadline}}): due {{template "time" .Due}} · {{if .Overdue}}<strong>{{.Status}}</strong>{{else}}{{.Status}}{{end}}</div>{{else}}No clock runs: no affected customers in a region with rules.{{end}}</td>
<td>{{.StepsDone}} of {{.Steps}}</td></tr>
{{else}}<tr><td colspan="6">No incidents.</td></tr>{{end}}</tbody></table>
{{end}}{{template "bottom"}}{{end}}

{{define "incident"}}{{template "top" .}}{{with .Data}}
<p><a href="/incidents">← Incidents</a></p>
{{if .Created}}<p class="notice" role="status">The incident is recorded{{if .Clocks}}: its legal clocks below are running{{else}}. No legal clock runs: no affected customer was found in a region with rules{{end}}.</p>{{end}}
<h2>{{.Title}}</h2>
<dl class="facts">
<dt>State</dt><dd class="state">{{.State}}</dd>
<dt>What happened</dt><dd>{{.What}}</dd>
<dt>Data touched</dt><dd>{{.Data}}</dd>
<dt>Systems</dt><dd>{{or .Systems "not recorded"}}</dd>
<dt>Risk</dt><dd>{{if .HighRisk}}High risk: the customers must be told{{else}}Not assessed as high risk{{end}}</dd>
<dt>Likely consequences</dt><dd>{{or .Consequences "not recorded"}}</dd>
<dt>Measures</dt><dd>{{or .Measures "not recorded"}}</dd>
<dt>Whose data</dt><dd>{{.Scope}}</dd>
<dt>Occurred</dt><dd>{{if .OccurredAt.IsZero}}unknown{{else}}{{template "time" .OccurredAt}}{{end}}</dd>
<dt>Detected</dt><dd>{{template "time" .DiscoveredAt}} (the clocks start here)</dd>
<dt>Recorded by</dt><dd>{{.CreatedBy}}</dd>
<dt>Affected customers</dt><dd>{{range $i, $a := .Affected}}{{if $i}}, {{end}}{{$a.Word}}: {{$a.Customers}}{{else}}none estimated{{end}}</dd>
</dl>
<h2>Legal clocks</h2>
<table><caption class="sr-only">Legal clocks</caption><thead><tr><th scope="col">Notice to</th><th scope="col">Region and law</th><th scope="col">Deadline</th><th scope="col">Due</th><th scope="col">Status</th><th scope="col">Action</th></tr></thead><tbody>
{{$id := .ID}}{{$open := .Open}}{{range .Clocks}}<tr{{if .Overdue}} class="overdue"{{end}}><td>{{.To}}</td><td>{{.RegionWord}}: {{.Law}} ({{.Customers}} customer(s))</td><td>{{.Deadline}}{{if .Cite}} <span class="cite">({{.Cite}})</span>{{end}}</td><td>{{template "time" .Due}}</td><td>{{if .Overdue}}<strong>{{.Status}}</strong>{{else}}{{.Status}}{{end}}</td>
<td>{{if and $open .Authority (not .Done)}}<form data-api="/api/v1/incidents/{{$id}}/authority/{{.Region}}" data-after="reload"><button>Authority notified</button><p class="error form-error" role="alert"></p></form>{{end}}</td></tr>
{{else}}<tr><td colspan="6">No clock runs: no affected customers in a region with rules.</td></tr>{{end}}</tbody></table>
<h2>Checklist</h2>
<ol class="checklist">{{range .Steps}}<li>{{if .Done}}<strong>{{.Word}}</strong>: done {{template "time" .At}} by {{.By}}{{if .Note}}. {{.Note}}{{end}}
{{else}}{{.Word}}{{if .CanDo}}<form data-api="/api/v1/incidents/{{$id}}/steps/{{.Step}}" data-after="reload"><label>Note <input name="note" maxlength="2000"></label><button>Mark done</button><p class="error form-error" role="alert"></p></form>{{else if .Blocked}} <em>{{.Blocked}}</em>{{end}}{{end}}</li>
{{end}}</ol>
{{if .Open}}<h2>Close</h2>
<form data-api="/api/v1/incidents/{{.ID}}/close" data-after="reload"><label><input type="checkbox" name="not_a_breach" value="true" data-type="bool"> It was not a personal-data breach (then containing, assessing and documenting it are enough)</label><button class="secondary">Close the incident</button><p class="error form-error" role="alert"></p></form>{{end}}
{{if or .AuthorityDrafts .CustomerDrafts}}<h2>Drafts</h2>
{{range .AuthorityDrafts}}<details><summary>Notice to the authority: {{.Label}}</summary><pre class="draft">{{.Text}}</pre></details>{{end}}
{{range .CustomerDrafts}}<details><summary>Notice to customers: {{.Label}}</summary><pre class="draft">{{.Text}}</pre></details>{{end}}{{end}}
{{end}}{{template "bottom"}}{{end}}`
