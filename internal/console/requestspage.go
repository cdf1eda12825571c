package console

import (
	"net/http"
	"strings"

	"github.com/trement/trement/internal/rights"
)

// requestsTemplate is the DPO's desk: every data-subject request, overdue
// and nearly-due ones marked, with the moves the rights service allows.
// The forms post to the existing API routes (audited there) with CSRF.
const requestsTemplate = `{{define "requests"}}{{template "top" .Page}}
<p>{{.Open}} open, {{.DueSoon}} due soon, {{.Overdue}} overdue.</p>
<table><caption class="sr-only">Data-subject requests</caption><thead><tr><th scope="col">Type</th><th scope="col">Source</th><th scope="col">Identity</th><th scope="col">Status</th><th scope="col">Region</th><th scope="col">Due</th><th scope="col">Actions</th></tr></thead><tbody>
{{range .Requests}}<tr class="{{if .Overdue}}overdue{{else if .DueSoon}}due-soon{{end}}" data-request="{{.ID}}"><td>{{.TypeWord}}</td><td>{{.SourceWord}}</td><td>{{.IdentityWord}}</td><td class="state">{{.StatusWord}}</td><td>{{.Region}}</td><td>{{template "time" .DueAt}}{{if .Overdue}} <strong>overdue</strong>{{else if .DueSoon}} <strong>due soon</strong>{{end}}</td>
<td>{{if .CanApprove}}<form data-api="/api/v1/dsar/{{.ID}}/approve" data-after="reload"><button>Approve</button><p class="error form-error" role="alert"></p></form>{{end}}
{{if .Next}}<form data-api="/api/v1/dsar/{{.ID}}/status" data-after="reload"><label>Move to <select name="status">{{range .Next}}<option value="{{.Value}}">{{.Word}}</option>{{end}}</select></label>
<label>Note (required to complete, refuse or close) <input name="outcome" maxlength="500"></label><button class="secondary">Save</button><p class="error form-error" role="alert"></p></form>{{end}}</td></tr>
{{else}}<tr><td colspan="7">No requests.</td></tr>{{end}}</tbody></table>{{template "bottom"}}{{end}}`

type requestRow struct {
	requestJSON
	TypeWord, SourceWord, IdentityWord string
	StatusWord                         string
	CanApprove                         bool
	Next                               []statusChoice
}

// statusChoice is one status a request may move to, with its words.
type statusChoice struct {
	Value rights.Status
	Word  string
}

type requestsPage struct {
	Page                   page
	Requests               []requestRow
	Open, DueSoon, Overdue int
}

// The desk shows requests in words, with the article of the GDPR each
// type is; a value the maps do not know is shown as it is stored.
var (
	requestTypeWords = map[string]string{
		string(rights.Access): "Access (Art. 15)", string(rights.Portability): "Portability (Art. 20)",
		string(rights.Correction): "Correction (Art. 16)", string(rights.Erasure): "Erasure (Art. 17)",
		string(rights.Restriction): "Restriction / objection (Art. 18, 21)",
	}
	requestSourceWords = map[string]string{
		string(rights.SourceWhatsApp): "WhatsApp", string(rights.SourceConsole): "Console",
		string(rights.SourceAPI): "API", string(rights.SourceDPO): "Logged by the DPO",
	}
	requestIdentityWords = map[string]string{
		string(rights.IdentityVerified): "Verified", string(rights.IdentityPending): "Not yet confirmed by the customer",
		string(rights.IdentityDenied): "Denied by the customer",
	}
)

func word(words map[string]string, v string) string {
	if w, ok := words[v]; ok {
		return w
	}
	return v
}

// statusWord is a request status in words ("awaiting_approval" →
// "awaiting approval").
func statusWord(st rights.Status) string { return strings.ReplaceAll(string(st), "_", " ") }

// pageRequests lists the requests (open ones first as the service orders them).
func (s *Server) pageRequests(w http.ResponseWriter, r *http.Request) {
	if s.rights == nil {
		http.Error(w, "data-subject requests are not available", http.StatusServiceUnavailable)
		return
	}
	list, counts, err := s.rights.List(r.Context(), rights.Filter{Limit: 500})
	if err != nil {
		s.pageError(w, err)
		return
	}
	pg := requestsPage{Page: s.basePage(r, "Requests"), Open: counts.Open, DueSoon: counts.DueSoon, Overdue: counts.Overdue}
	for _, rq := range list {
		row := requestRow{requestJSON: s.toRequestJSON(rq), StatusWord: statusWord(rq.Status),
			TypeWord: word(requestTypeWords, string(rq.Type)), SourceWord: word(requestSourceWords, string(rq.Source)),
			IdentityWord: word(requestIdentityWords, string(rq.Identity))}
		row.CanApprove = rq.Status == rights.StatusAwaitingApproval
		for _, to := range rq.Status.OperatorMoves() {
			row.Next = append(row.Next, statusChoice{to, statusWord(to)})
		}
		pg.Requests = append(pg.Requests, row)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := s.pagesFor(pg.Page.Lang).ExecuteTemplate(w, "requests", pg); err != nil {
		s.log.Error("render page", "page", "requests", "error", err)
	}
}
