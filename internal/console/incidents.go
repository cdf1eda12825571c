package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/incident"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/store"
)

// IncidentConfig is what the breach workflow needs beyond the database.
type IncidentConfig struct {
	Packs      incident.Packs
	Controller incident.Controller
	// Template is the approved WhatsApp template the customer notice is
	// sent with (outside the 24-hour window only templates may be sent);
	// empty: notify_customers is refused.
	Template string
}

var errNoBreachTemplate = errors.New("no breach notice template configured (TREMENT_BREACH_TEMPLATE): customers cannot be notified over WhatsApp")

// templateLanguage is the template language code for a notice language.
var templateLanguage = map[string]string{"en": "en_US", "es": "es", "pt": "pt_BR"}

// queueBreachNotices queues the breach template to every customer the
// incident's scope touches, in their region's language, through the
// outbox (paced like any send), in the step's transaction.
func (s *Server) queueBreachNotices(t *store.Tx, inc *incident.Incident) (int, error) {
	recips, err := t.IncidentRecipients(inc.Scope)
	if err != nil {
		return 0, err
	}
	for _, rc := range recips {
		lang := "en"
		if p, ok := s.incidents.Packs.Pack(policy.Region(rc.Contact.Region)); ok {
			lang = p.Language
		}
		out := conversation.Outbound{To: rc.Contact.WaID, Template: &conversation.Template{Name: s.incidents.Template, Language: templateLanguage[lang]}}
		payload, err := json.Marshal(out)
		if err != nil {
			return 0, err
		}
		if err := t.Enqueue(&conversation.OutboxItem{ContactID: rc.Contact.ID, ConversationID: rc.ConversationID, PhoneNumberID: rc.PhoneNumberID,
			Kind: "message", Payload: payload}); err != nil {
			return 0, err
		}
	}
	return len(recips), nil
}

// incidentView is an incident with its clocks, checklist and drafts.
type incidentView struct {
	*incident.Incident
	Clocks    []incident.Clock `json:"clocks"`
	Checklist []checkItem      `json:"checklist"`
	Overdue   int              `json:"overdue"`
	Drafts    *incidentDrafts  `json:"drafts,omitempty"`
}

type checkItem struct {
	Step incident.Step `json:"step"`
	Done bool          `json:"done"`
	At   time.Time     `json:"at,omitzero"`
	By   string        `json:"by,omitempty"`
}

type incidentDrafts struct {
	Authorities map[policy.Region]string `json:"authorities"`
	Customers   map[string]string        `json:"customers"` // by language
}

func (s *Server) viewIncident(inc *incident.Incident, drafts bool) incidentView {
	v := incidentView{Incident: inc, Clocks: incident.Clocks(inc, s.incidents.Packs, s.now())}
	for _, c := range v.Clocks {
		if c.Overdue {
			v.Overdue++
		}
	}
	for _, st := range incident.Checklist() {
		d, ok := inc.Done[st]
		v.Checklist = append(v.Checklist, checkItem{Step: st, Done: ok, At: d.At, By: d.By})
	}
	if drafts {
		v.Drafts = &incidentDrafts{Authorities: map[policy.Region]string{}, Customers: map[string]string{}}
		for _, a := range inc.Affected {
			if a.Customers == 0 {
				continue
			}
			if d, err := incident.AuthorityDraft(inc, a.Region, s.incidents.Packs, s.incidents.Controller); err == nil {
				v.Drafts.Authorities[a.Region] = d
			}
			if p, ok := s.incidents.Packs.Pack(a.Region); ok {
				v.Drafts.Customers[p.Language] = incident.CustomerDraft(inc, p.Language, s.incidents.Controller)
			}
		}
	}
	return v
}

func (s *Server) apiIncidents(w http.ResponseWriter, r *http.Request) {
	var list []*incident.Incident
	err := s.db.View(r.Context(), func(t *store.Tx) (err error) {
		list, err = t.Incidents()
		return err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]incidentView, 0, len(list))
	for _, inc := range list {
		out = append(out, s.viewIncident(inc, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"incidents": out})
}

type newIncident struct {
	Title        string         `json:"title"`
	What         string         `json:"what"`
	Data         []string       `json:"data"`
	Systems      []string       `json:"systems"`
	Consequences string         `json:"consequences"`
	Measures     string         `json:"measures"`
	HighRisk     bool           `json:"high_risk"`
	Scope        incident.Scope `json:"scope"`
	OccurredAt   time.Time      `json:"occurred_at"`
	DiscoveredAt time.Time      `json:"discovered_at"`
}

// apiCreateIncident records an incident, estimates who it affects from the
// audit trail and the data on file, and starts its clocks; the audit event
// and the incident commit together.
func (s *Server) apiCreateIncident(w http.ResponseWriter, r *http.Request) {
	var in newIncident
	if err := readJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	now := s.now()
	p := PrincipalFrom(r.Context())
	inc := &incident.Incident{ID: uuid.NewString(), Title: clip(in.Title, 200), What: clip(in.What, 4000), Data: in.Data, Systems: in.Systems,
		Consequences: clip(in.Consequences, 4000), Measures: clip(in.Measures, 4000), HighRisk: in.HighRisk, Scope: in.Scope,
		OccurredAt: in.OccurredAt, DiscoveredAt: in.DiscoveredAt, State: incident.Open, CreatedBy: p.Username, CreatedAt: now, UpdatedAt: now}
	if err := inc.Validate(now); err != nil {
		s.apiError(w, r, fmt.Errorf("%w: %s", ErrInvalid, err.Error()))
		return
	}
	err := s.recordIncident(r.Context(), inc)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.viewIncident(inc, true))
}

func (s *Server) apiIncident(w http.ResponseWriter, r *http.Request) {
	var inc *incident.Incident
	err := s.db.View(r.Context(), func(t *store.Tx) (err error) {
		inc, err = t.Incident(r.PathValue("id"))
		return err
	})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.viewIncident(inc, true))
}

// refusal is a change the incident's rules refuse, with its status; any
// other error from a change is the server's.
type refusal struct {
	status int
	err    error
}

func (r *refusal) Error() string { return r.err.Error() }

// refuse marks err (nil stays nil) as a refusal of the incident's rules.
func refuse(err error) error {
	if err == nil {
		return nil
	}
	status := http.StatusConflict
	switch {
	case errors.Is(err, incident.ErrNeedsDPO):
		status = http.StatusForbidden
	case errors.Is(err, incident.ErrUnknownStep):
		status = http.StatusBadRequest
	}
	return &refusal{status: status, err: err}
}

// changeIncident applies fn to an incident and audits it in one
// transaction. A refusal from fn rolls back whatever fn wrote and is
// audited as a denial; any other error answers 500.
func (s *Server) changeIncident(w http.ResponseWriter, r *http.Request, action, reason string, fn func(t *store.Tx, inc *incident.Incident, now time.Time) error) {
	id := r.PathValue("id")
	var inc *incident.Incident
	err := s.db.Update(r.Context(), func(t *store.Tx) (err error) {
		if inc, err = t.Incident(id); err != nil {
			return err
		}
		if err := fn(t, inc, t.Now); err != nil {
			return err
		}
		if err := t.AppendAudit(s.event(r.Context(), action, "incident:"+id, reason)); err != nil {
			return err
		}
		return t.PutIncident(inc)
	})
	var rf *refusal
	if errors.As(err, &rf) {
		if err := s.audit(r.Context(), action, "incident:"+id, audit.Denied, rf.Error()); err != nil {
			s.apiError(w, r, err)
			return
		}
		writeError(w, rf.status, rf.Error())
		return
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.viewIncident(inc, true))
}

func (s *Server) apiIncidentStep(w http.ResponseWriter, r *http.Request) {
	var in apiIncidentStepBody
	if r.ContentLength != 0 {
		if err := readJSON(r, &in); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	p := PrincipalFrom(r.Context())
	step := incident.Step(r.PathValue("step"))
	s.changeIncident(w, r, "incident.step", string(step), func(t *store.Tx, inc *incident.Incident, now time.Time) error {
		note := clip(in.Note, 2000)
		if step == incident.StepNotifyCustomers {
			if s.incidents.Template == "" {
				return refuse(errNoBreachTemplate)
			}
			if _, ok := inc.Done[incident.StepApproveNotice]; !ok {
				return refuse(incident.ErrNotApproved)
			}
			n, err := s.queueBreachNotices(t, inc)
			if err != nil {
				return err
			}
			note = strings.TrimSpace(fmt.Sprintf("%d notices queued with template %s. %s", n, s.incidents.Template, note))
		}
		return refuse(inc.Complete(step, p.Username, p.Role == auth.RoleDPO, note, now))
	})
}

func (s *Server) apiIncidentAuthority(w http.ResponseWriter, r *http.Request) {
	region := policy.Region(r.PathValue("region"))
	s.changeIncident(w, r, "incident.authority_notified", string(region), func(_ *store.Tx, inc *incident.Incident, now time.Time) error {
		for _, a := range inc.Affected {
			if a.Region == region && a.Customers > 0 {
				inc.NotifiedAuthority(region, now)
				return nil
			}
		}
		return refuse(fmt.Errorf("no affected customers in region %q", region))
	})
}

func (s *Server) apiCloseIncident(w http.ResponseWriter, r *http.Request) {
	var in apiCloseIncidentBody
	if r.ContentLength != 0 {
		if err := readJSON(r, &in); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	reason := "closed"
	if in.NotABreach {
		reason = "closed: not a personal-data breach"
	}
	s.changeIncident(w, r, "incident.close", reason, func(_ *store.Tx, inc *incident.Incident, now time.Time) error {
		return refuse(inc.Close(now, in.NotABreach))
	})
}

// event is an audit event by the request's principal.
func (s *Server) event(ctx context.Context, action, target, reason string) *audit.Event {
	p, ri := PrincipalFrom(ctx), RequestInfo(ctx)
	return &audit.Event{ActorType: p.ActorType(), ActorID: p.ActorID(), Action: action, Target: target,
		Outcome: audit.Success, Reason: reason, RequestID: ri.RequestID, SourceIP: ri.SourceIP}
}

// apiIncidentStepBody is the JSON body apiIncidentStep reads.
type apiIncidentStepBody struct {
	Note string `json:"note"`
}

// apiCloseIncidentBody is the JSON body apiCloseIncident reads.
type apiCloseIncidentBody struct {
	NotABreach bool `json:"not_a_breach"`
}
