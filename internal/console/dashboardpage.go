package console

import (
	"fmt"
	"net/http"
	"time"

	"github.com/trement/trement/internal/store"
)

// dashboardDays is the dashboard's period: today and the 29 days before.
const dashboardDays = 30

// dashboardTemplate is the dashboard: four charts, each with its numbers
// in words above it and in a hidden table for screen readers. Counts
// only: nothing on it names or points at a customer.
const dashboardTemplate = `{{define "dashboard"}}{{template "top" .}}{{with .Data}}
<p>The last {{.Days}} days, {{.From}} to {{.To}}, by UTC day. Messages the retention period has already deleted are not counted.</p>
<section class="dash" aria-labelledby="dash-messages"><h2 id="dash-messages">Messages a day</h2>
<p id="sum-messages">From customers: {{.Inbound}}; answered by the bot: {{.Bot}}; by operators: {{.Operator}}.</p>
<figure>{{.Messages.SVG}}{{.Messages.Table}}</figure></section>
<section class="dash" aria-labelledby="dash-consent"><h2 id="dash-consent">Consent</h2>
<p id="sum-consent">Opt-in rate: {{.OptInRate}}. Opt-out rate: {{.OptOutRate}}.</p>
<figure>{{.Consent.SVG}}{{.Consent.Table}}</figure></section>
<section class="dash" aria-labelledby="dash-escalations"><h2 id="dash-escalations">Escalations to a person</h2>
<p id="sum-escalations">Escalations: {{.Escalations}}, of which answered by a person: {{.Answered}}; median time to the first human reply: {{.Median}}.</p>
<figure>{{.Escalated.SVG}}{{.Escalated.Table}}</figure></section>
<section class="dash" aria-labelledby="dash-requests"><h2 id="dash-requests">Data-subject requests</h2>
<p id="sum-requests">Answered on time in these days: {{.OnTime}}; answered late: {{.Late}}; open past their due date now: {{.Overdue}}.</p>
<figure>{{.Requests.SVG}}{{.Requests.Table}}</figure></section>
{{end}}{{template "bottom"}}{{end}}`

// dashboardView is the dashboard's view model (page.Data).
type dashboardView struct {
	Days                   int
	From, To               string
	Inbound, Bot, Operator int
	OptInRate, OptOutRate  string
	Escalations, Answered  int
	Median                 string
	OnTime, Late, Overdue  int
	Messages, Consent      barChart
	Escalated, Requests    barChart
}

// pageDashboard draws the last dashboardDays days from the store's counts.
func (s *Server) pageDashboard(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	d, err := s.db.Dashboard(r.Context(), now.AddDate(0, 0, -(dashboardDays-1)), now)
	if err != nil {
		s.pageError(w, err)
		return
	}
	pg := s.basePage(r, "Dashboard")
	pg.Data = newDashboardView(d, pg.Lang)
	s.render(w, http.StatusOK, "dashboard", pg)
}

// newDashboardView is the dashboard in lang (its charts are drawn here,
// so their words are translated here).
func newDashboardView(d *store.Dashboard, lang string) dashboardView {
	T := func(s string) string { return translate(lang, s) }
	F := func(format string, a ...any) string { return fmt.Sprintf(translateFormat(lang, format), a...) }
	labels := make([]string, d.Days)
	for i := range labels {
		labels[i] = dayWords(lang, d.Since.AddDate(0, 0, i), false)
	}
	last := d.Since.AddDate(0, 0, d.Days-1)
	v := dashboardView{Days: d.Days, From: dayWords(lang, d.Since, true), To: dayWords(lang, last, true),
		Inbound: sum(d.Inbound), Bot: sum(d.Bot), Operator: sum(d.Operator),
		Escalations: sum(d.Escalations), Answered: len(d.FirstReplies),
		OnTime: d.OnTime, Late: d.Late, Overdue: d.Overdue}

	v.Messages = barChart{ID: "chart-messages", Title: T("Messages a day"), Axis: T("Day"), Labels: labels, LabelEvery: 7,
		Desc:   F("Over %d days: from customers %d, answered by the bot %d, by operators %d.", d.Days, v.Inbound, v.Bot, v.Operator),
		Empty:  T("No messages in these days."),
		Series: []chartSeries{{T("From customers"), "s0", d.Inbound}, {T("Answered by the bot"), "s1", d.Bot}, {T("Answered by operators"), "s2", d.Operator}}}

	// Opt-in rate: of the answers to the consent question, the share that
	// accepted. Opt-out rate: of the customers who consented at some point
	// in the period (those consenting now and those who withdrew), the
	// share who withdrew.
	in, declined, out := sum(d.OptIns), sum(d.Declines), sum(d.OptOuts)
	v.OptInRate = rate(F, in, in+declined, T("answers to the consent question"))
	v.OptOutRate = rate(F, out, d.Consenting+out, T("customers who had consented"))
	v.Consent = barChart{ID: "chart-consent", Title: T("Consent decisions a day"), Axis: T("Day"), Labels: labels, LabelEvery: 7,
		Desc:   F("Over %d days: opt-ins %d, declines %d, opt-outs %d.", d.Days, in, declined, out),
		Empty:  T("No consent decisions in these days."),
		Series: []chartSeries{{T("Opt-ins"), "s0", d.OptIns}, {T("Declines"), "s2", d.Declines}, {T("Opt-outs"), "s3", d.OptOuts}}}

	v.Median = T("none answered yet")
	if m, ok := d.MedianFirstReply(); ok {
		v.Median = waitWords(m)
	}
	v.Escalated = barChart{ID: "chart-escalations", Title: T("Escalations a day"), Axis: T("Day"), Labels: labels, LabelEvery: 7,
		Desc:   F("Over %d days: escalations %d, answered by a person %d, median first reply %s.", d.Days, v.Escalations, v.Answered, v.Median),
		Empty:  T("No escalations in these days."),
		Series: []chartSeries{{T("Escalations"), "s1", d.Escalations}}}

	v.Requests = barChart{ID: "chart-requests", Title: T("Data-subject requests"), Axis: T("Requests"), Labels: []string{F("Last %d days", d.Days)},
		Desc:  F("Answered on time %d, answered late %d, open past their due date %d.", d.OnTime, d.Late, d.Overdue),
		Empty: T("No requests answered in these days, and none overdue."),
		Series: []chartSeries{{T("Answered on time"), "s0", []int{d.OnTime}}, {T("Answered late"), "s3", []int{d.Late}},
			{T("Open past due"), "s2", []int{d.Overdue}}}}
	return v
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// rate is n of total as a whole percentage, with what total counts.
func rate(F func(string, ...any) string, n, total int, of string) string {
	if total == 0 {
		return F("no %s yet", of)
	}
	return F("%.0f%% (%d of %d %s)", 100*float64(n)/float64(total), n, total, of)
}

// waitWords says a wait in seconds, minutes or hours and minutes.
func waitWords(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d/time.Second))
	}
	d = d.Round(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
	return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
