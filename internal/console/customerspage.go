package console

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
)

// customersTemplate is the DPO's view of the customers: who they are
// (masked), where their consent stands and why, which law applies to them
// and why, their data-subject requests, and a correction form. Nothing is
// unmasked here except through the audited reveal of one of their
// conversations; corrections go through PATCH /api/v1/contacts/{id}, which
// audits the names of the fields changed, never their values.
const customersTemplate = `{{define "customers"}}{{template "top" .}}{{with .Data}}
<form method="get" action="/customers" class="filters"><label>Consent <select name="consent"><option value="">Any</option>{{range .Filters}}<option value="{{.Value}}"{{if .Current}} selected{{end}}>{{.Word}}</option>{{end}}</select></label><button>Filter</button></form>
<p>Numbers and names are masked. Newest customers first{{if .Limited}}, {{.Limit}} a page{{end}}.</p>
<table><caption class="sr-only">Customers</caption><thead><tr><th scope="col">Customer</th><th scope="col">Name</th><th scope="col">Region</th><th scope="col">Consent</th><th scope="col">Language</th><th scope="col">Open requests</th><th scope="col">Last message</th></tr></thead><tbody>
{{range .Rows}}<tr><td><a href="/customers/{{.ID}}">{{.Phone}}</a></td><td>{{if .Name}}{{.Name}}{{else}}—{{end}}</td><td>{{.Region}}</td><td>{{.Consent}}</td><td>{{.Language}}</td><td>{{.OpenRequests}}</td><td>{{template "time" .LastInboundAt}}</td></tr>
{{else}}<tr><td colspan="7">No customers{{if .Filtered}} with this consent state{{end}}.</td></tr>{{end}}</tbody></table>
{{if .Next}}<p><a href="{{.Next}}">Older customers</a></p>{{end}}
{{end}}{{template "bottom"}}{{end}}

{{define "customer"}}{{template "top" .}}{{with .Data}}
<p><a href="/customers">← Customers</a></p>
<dl class="facts">
<dt>Number</dt><dd><span data-field="phone">{{.Phone}}</span></dd>
<dt>Name</dt><dd><span data-field="profile_name">{{if .Name}}{{.Name}}{{else}}—{{end}}</span></dd>
<dt>Consent</dt><dd>{{.Consent}}{{if .NoticeVersion}} (under notice version {{.NoticeVersion}}){{end}}</dd>
<dt>Region</dt><dd>{{.Region}}</dd>
<dt>Why this region</dt><dd>{{if .RegionReason}}{{.RegionReason}}{{else}}Not recorded{{end}}</dd>
<dt>Language</dt><dd>{{.Language}}</dd>
<dt>First contact</dt><dd>{{template "time" .CreatedAt}}</dd>
<dt>Last message</dt><dd>{{if .LastInboundAt.IsZero}}None{{else}}{{template "time" .LastInboundAt}}{{end}}</dd>
</dl>
{{if .RevealConv}}<details><summary>Reveal personal data</summary>
<form data-api="/api/v1/conversations/{{.RevealConv}}/reveal" data-after="reveal" class="reveal">
<p>Each reveal is written to the audit log with your reason (as a reveal of their latest conversation).</p>
<label>Why <select name="category" required>{{range .Categories}}<option value="{{.Value}}">{{.Word}}</option>{{end}}</select></label>
<label>Reason, in your words <input name="reason" minlength="10" maxlength="500" required></label>
<div class="actions"><button name="field" value="phone">Reveal the number</button><button name="field" value="profile_name">Reveal the name</button></div>
<p class="error form-error" role="alert"></p><p class="form-done" role="status"></p></form></details>{{end}}

<h2>Consent ledger</h2>
<table><caption class="sr-only">Consent ledger</caption><thead><tr><th scope="col">What</th><th scope="col">When</th><th scope="col">Notice version</th><th scope="col">Through</th><th scope="col">Purpose or legal basis</th></tr></thead><tbody>
{{range .Ledger}}<tr><td>{{.What}}</td><td>{{template "time" .At}}</td><td>{{if .NoticeVersion}}{{.NoticeVersion}}{{else}}—{{end}}</td><td>{{.Channel}}</td><td>{{if .Purpose}}{{.Purpose}}{{else}}—{{end}}</td></tr>
{{else}}<tr><td colspan="5">Nothing recorded yet.</td></tr>{{end}}</tbody></table>

<h2>Data-subject requests</h2>
{{if .RequestsOff}}<p>Data-subject requests are not available on this server.</p>{{else}}
<table><caption class="sr-only">Their data-subject requests</caption><thead><tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Received</th><th scope="col">Due</th></tr></thead><tbody>
{{range .Requests}}<tr class="{{if .Overdue}}overdue{{end}}"><td>{{.Type}}</td><td>{{.Status}}</td><td>{{template "time" .CreatedAt}}</td><td>{{if .Final}}—{{else}}{{template "time" .DueAt}}{{if .Overdue}} <strong>overdue</strong>{{end}}{{end}}</td></tr>
{{else}}<tr><td colspan="4">None.</td></tr>{{end}}</tbody></table>
<p><a href="/requests">Handle requests on the Requests page</a></p>{{end}}

<h2>Conversations</h2>
<ul>{{range .Conversations}}<li><a href="/conversations/{{.ID}}">Started {{template "time" .CreatedAt}}</a>: {{.State}}</li>{{else}}<li>None.</li>{{end}}</ul>

<h2>Correct their data</h2>
<form data-api="/api/v1/contacts/{{.ID}}" data-method="PATCH" data-omit-empty data-after="reload" class="correct">
<p>The correction is recorded as a completed correction request; the audit log names the fields changed, never their values.</p>
<label>Language <select name="language">{{range .Languages}}<option value="{{.Value}}"{{if .Current}} selected{{end}}>{{.Word}}</option>{{end}}</select></label>
{{if .CanCorrectName}}<label>Corrected name (leave empty to keep the current one) <input name="profile_name" maxlength="200" autocomplete="off"></label>{{end}}
<label>Why (kept with the request) <input name="reason" maxlength="500"></label>
<button>Save the correction</button><p class="error form-error" role="alert"></p></form>
{{end}}{{template "bottom"}}{{end}}`

// Words for what the pages show; a value a map does not know is shown as
// it is stored (see word).
var (
	consentStateWords = map[string]string{
		string(conversation.ConsentNone):      "Not asked yet",
		string(conversation.ConsentPending):   "Asked, no answer yet",
		string(conversation.ConsentGranted):   "Consented",
		string(conversation.ConsentDeclined):  "Declined",
		string(conversation.ConsentWithdrawn): "Withdrew (opted out)",
	}
	// consentStates is the filter's order.
	consentStates = []conversation.ConsentState{conversation.ConsentGranted, conversation.ConsentPending,
		conversation.ConsentNone, conversation.ConsentDeclined, conversation.ConsentWithdrawn}
	consentKindWords = map[string]string{
		string(consent.Asked):           "Notice and consent question sent",
		string(consent.OptIn):           "Consented",
		string(consent.Decline):         "Declined",
		string(consent.OptOut):          "Withdrew consent (opted out)",
		string(consent.ReOptIn):         "Consented again",
		string(consent.Erased):          "Data erased",
		string(consent.NumberChanged):   "Moved to a new number",
		string(consent.Blocked):         "Data blocked before erasure",
		string(consent.MarketingStop):   "Stopped marketing messages",
		string(consent.MarketingResume): "Resumed marketing messages",
		string(consent.MarketingOptIn):  "Agreed to marketing messages",
		string(consent.MarketingOptOut): "Withdrew from marketing messages",
	}
	channelWords = map[string]string{"whatsapp": "WhatsApp", "console": "Console", "api": "API"}
	// languages are the languages notices and replies are written in
	// (named by incidentspage's languageWords), in the correction form's
	// order.
	languages = []string{"en", "es", "pt"}
	// revealCategoryWords name revealCategories in the reveal form.
	revealCategoryWords = map[string]string{
		"customer_request": "The customer asked for it", "delivery": "An order or delivery needs it",
		"complaint": "Handling a complaint or dispute", "fraud": "A fraud or security investigation",
		"legal": "A legal obligation or an authority's request", "data_request": "A data-subject request",
	}
)

// customersPageSize is how many customers a page of the list shows.
const customersPageSize = 50

type choice struct {
	Value, Word string
	Current     bool
}

type customerRow struct {
	ID, Phone, Name, Region, Consent, Language string
	OpenRequests                               int
	LastInboundAt                              time.Time
}

type customersView struct {
	Rows              []customerRow
	Filters           []choice
	Filtered, Limited bool
	Limit             int
	Next              string // the next page's URL, if there may be one
}

// pageCustomers lists customers, newest first, masked, a page at a time,
// optionally only those in one consent state.
func (s *Server) pageCustomers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state := conversation.ConsentState(q.Get("consent"))
	if state != "" && !slices.Contains(consentStates, state) {
		state = "" // an unknown filter shows everyone rather than nobody
	}
	f := store.ContactFilter{Consent: state, Before: q.Get("before"), Limit: customersPageSize}
	var list []store.ContactListing
	if err := s.db.View(r.Context(), func(tx *store.Tx) error {
		var err error
		list, err = tx.Contacts(f)
		return err
	}); err != nil {
		s.pageError(w, err)
		return
	}
	v := &customersView{Filtered: state != "", Limited: true, Limit: customersPageSize}
	for _, st := range consentStates {
		v.Filters = append(v.Filters, choice{Value: string(st), Word: word(consentStateWords, string(st)), Current: st == state})
	}
	for _, c := range list {
		v.Rows = append(v.Rows, customerRow{ID: c.ID, Phone: MaskPhone(c.WaID), Name: MaskName(c.ProfileName),
			Region: word(regionWords, c.Region), Consent: word(consentStateWords, string(c.ConsentState)),
			Language: word(languageWords, c.Language), OpenRequests: c.OpenRequests, LastInboundAt: c.LastInboundAt})
	}
	if len(list) == customersPageSize {
		next := url.Values{"before": {list[len(list)-1].ID}}
		if state != "" {
			next.Set("consent", string(state))
		}
		v.Next = "/customers?" + next.Encode()
	}
	pg := s.basePage(r, "Customers")
	pg.Data = v
	s.render(w, http.StatusOK, "customers", pg)
}

type ledgerRow struct {
	What, NoticeVersion, Channel, Purpose string
	At                                    time.Time
}

type customerRequestRow struct {
	Type, Status     string
	CreatedAt, DueAt time.Time
	Overdue, Final   bool
}

type customerConvRow struct {
	ID, State string
	CreatedAt time.Time
}

type customerView struct {
	ID, Phone, Name, Consent, NoticeVersion string
	Region, RegionReason, Language          string
	CreatedAt, LastInboundAt                time.Time
	Ledger                                  []ledgerRow
	Requests                                []customerRequestRow
	RequestsOff                             bool
	Conversations                           []customerConvRow
	// RevealConv is the conversation whose audited reveal unmasks the
	// number and name here; empty when the operator may not reveal or the
	// customer has no conversation.
	RevealConv     string
	Categories     []choice
	Languages      []choice
	CanCorrectName bool
}

// pageCustomer is one customer: masked facts, the consent ledger, their
// requests and conversations, the reveal and the correction form.
func (s *Server) pageCustomer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var (
		c      *conversation.Contact
		ledger []*consent.Event
		convs  []*conversation.Conversation
	)
	err := s.db.View(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.Contact(r.PathValue("id")); err != nil {
			return err
		}
		if ledger, err = tx.ConsentEvents(s.db.WaIndex(c.WaID)); err != nil {
			return err
		}
		convs, err = tx.ContactConversations(c.ID)
		return err
	})
	if err != nil { // an erased or blocked customer is not found (store.ErrErased)
		s.pageError(w, err)
		return
	}
	p := PrincipalFrom(ctx)
	v := &customerView{ID: c.ID, Phone: MaskPhone(c.WaID), Name: MaskName(c.ProfileName),
		Consent: word(consentStateWords, string(c.ConsentState)), NoticeVersion: c.NoticeVersion,
		Region: word(regionWords, c.Region), RegionReason: c.RegionReason, Language: word(languageWords, c.Language),
		CreatedAt: c.CreatedAt, LastInboundAt: c.LastInboundAt}
	for _, e := range ledger {
		v.Ledger = append(v.Ledger, ledgerRow{What: word(consentKindWords, string(e.Kind)), NoticeVersion: e.NoticeVersion,
			Channel: word(channelWords, e.Channel), Purpose: e.Purpose, At: e.At})
	}
	if s.rights == nil {
		v.RequestsOff = true
	} else {
		list, _, err := s.rights.List(ctx, rights.Filter{ContactID: c.ID, Limit: 100})
		if err != nil {
			s.pageError(w, err)
			return
		}
		now := s.rights.Now()
		for _, rq := range list {
			v.Requests = append(v.Requests, customerRequestRow{Type: word(requestTypeWords, string(rq.Type)), Status: statusWord(rq.Status),
				CreatedAt: rq.CreatedAt, DueAt: rq.DueAt, Overdue: rq.Overdue(now), Final: rq.Status.Final()})
		}
		v.CanCorrectName = s.rights.KeepsProfileName()
	}
	for _, cv := range convs {
		v.Conversations = append(v.Conversations, customerConvRow{ID: cv.ID, State: stateWord(string(cv.State)), CreatedAt: cv.CreatedAt})
	}
	if n := len(convs); n > 0 && p.Can(auth.PermPIIReveal) {
		v.RevealConv = convs[n-1].ID // oldest first: the latest is last
		for _, cat := range revealCategories {
			v.Categories = append(v.Categories, choice{Value: cat, Word: word(revealCategoryWords, cat)})
		}
	}
	for _, l := range languages {
		v.Languages = append(v.Languages, choice{Value: l, Word: languageWords[l], Current: l == c.Language})
	}
	pg := s.basePage(r, "Customer")
	pg.Data = v
	s.render(w, http.StatusOK, "customer", pg)
}
