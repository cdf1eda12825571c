// Package incident is the breach workflow: an incident records what
// happened, when it was discovered, which data and systems it touched and
// how many customers of each region it may affect; from that it runs the
// legal clocks of every affected region (GDPR's 72 hours to the authority,
// LGPD's three business days, each other law's deadline from the policy
// packs), keeps a checklist, and drafts the notifications each authority
// and each customer must get. Customer notices go out only after a DPO
// approves them. Every step is audited by the caller.
//
// The package is pure: the store keeps incidents, the console drives them.
package incident

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trement/trement/internal/policy"
)

// State is where an incident is.
type State string

// States.
const (
	Open   State = "open"
	Closed State = "closed"
)

// Step is one item of the checklist, in the order a response runs.
type Step string

// The checklist (GDPR Art. 33–34, LGPD Art. 48, and their equivalents).
const (
	StepContain         Step = "contain"          // stop the breach, keep evidence
	StepAssess          Step = "assess"           // risk to people: data, volume, consequences
	StepEstimate        Step = "estimate"         // affected customers per region
	StepNotifyAuthority Step = "notify_authority" // each region's authority, within its clock
	StepDecideCustomers Step = "decide_customers" // high risk? then customers must be told
	StepApproveNotice   Step = "approve_notice"   // the DPO approves the customer notice
	StepNotifyCustomers Step = "notify_customers" // sent over WhatsApp with the configured template
	StepDocument        Step = "document"         // facts, effects, remedial action (Art. 33(5))
	StepReview          Step = "review"           // lessons learned, measures changed
)

// Checklist is every step, in order.
func Checklist() []Step {
	return []Step{StepContain, StepAssess, StepEstimate, StepNotifyAuthority, StepDecideCustomers, StepApproveNotice, StepNotifyCustomers, StepDocument, StepReview}
}

// Affected is the estimated number of customers of one region.
type Affected struct {
	Region    policy.Region `json:"region"`
	Customers int           `json:"customers"`
}

// Scope says whose data an incident touched, for the estimate:
// everyone on file, customers active in a window, or the customers whose
// data one operator (say, a stolen account) revealed or handled in it.
type Scope struct {
	All      bool      `json:"all,omitempty"`
	From     time.Time `json:"from,omitzero"`
	Until    time.Time `json:"until,omitzero"`
	Operator string    `json:"operator,omitempty"`
}

// Validate rejects a scope that says nothing.
func (s Scope) Validate() error {
	if ps := s.problems(); len(ps) > 0 {
		return errors.New("incident: scope: " + ps[0].Message)
	}
	return nil
}

func (s Scope) problems() []Problem {
	var out []Problem
	if !s.All && s.Operator == "" && s.From.IsZero() {
		out = append(out, Problem{"scope", "say whose data it touched: every customer, customers active in a time window (from, until) or an operator's"})
	}
	if !s.Until.IsZero() && s.Until.Before(s.From) {
		out = append(out, Problem{"scope.until", "the window's end (until) is before its start (from)"})
	}
	return out
}

// Incident is a security incident that may be a personal-data breach.
type Incident struct {
	ID           string     `json:"id"`
	Title        string     `json:"title"`
	What         string     `json:"what"`    // what happened, in the responder's words (no customer data)
	Data         []string   `json:"data"`    // categories touched, e.g. "message content", "phone numbers"
	Systems      []string   `json:"systems"` // e.g. "PostgreSQL primary", "operator console"
	Consequences string     `json:"consequences,omitempty"`
	Measures     string     `json:"measures,omitempty"`
	HighRisk     bool       `json:"high_risk"` // customers must be told (GDPR Art. 34)
	Scope        Scope      `json:"scope"`
	OccurredAt   time.Time  `json:"occurred_at,omitzero"`
	DiscoveredAt time.Time  `json:"discovered_at"`
	State        State      `json:"state"`
	Affected     []Affected `json:"affected"`
	// Done holds when each checklist step was completed and by whom.
	Done map[Step]StepDone `json:"done"`
	// AuthorityNotified holds when each region's authority was notified.
	AuthorityNotified map[policy.Region]time.Time `json:"authority_notified,omitempty"`
	CreatedBy         string                      `json:"created_by"`
	CreatedAt         time.Time                   `json:"created_at"`
	UpdatedAt         time.Time                   `json:"updated_at"`
}

// StepDone records a completed step.
type StepDone struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`
	Note string    `json:"note,omitempty"`
}

// Problem is one reason a new incident is refused: the field it is about
// (its JSON name; "scope.until" for a field of the scope) and what is
// wrong, in words a form can show next to the field.
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problems lists what is wrong with a new incident, in the order of its
// fields; none when it may be recorded.
func (inc *Incident) Problems(now time.Time) []Problem {
	var out []Problem
	if strings.TrimSpace(inc.Title) == "" {
		out = append(out, Problem{"title", "a title is required"})
	}
	if strings.TrimSpace(inc.What) == "" {
		out = append(out, Problem{"what", "say what happened"})
	}
	if len(inc.Data) == 0 {
		out = append(out, Problem{"data", "name at least one category of data touched"})
	}
	if inc.DiscoveredAt.IsZero() {
		out = append(out, Problem{"discovered_at", "the time the breach was detected is required: the legal clocks start there"})
	} else if inc.DiscoveredAt.After(now.Add(time.Minute)) {
		out = append(out, Problem{"discovered_at", "the detection time is in the future"})
	}
	if !inc.OccurredAt.IsZero() && inc.OccurredAt.After(inc.DiscoveredAt) {
		out = append(out, Problem{"occurred_at", "the breach cannot have occurred after it was detected"})
	}
	return append(out, inc.Scope.problems()...)
}

// Validate checks a new incident: nil, or an error naming every problem
// (field: message).
func (inc *Incident) Validate(now time.Time) error {
	ps := inc.Problems(now)
	if len(ps) == 0 {
		return nil
	}
	errs := make([]string, len(ps))
	for i, p := range ps {
		errs[i] = p.Field + ": " + p.Message
	}
	return fmt.Errorf("incident: %s", strings.Join(errs, "; "))
}

// Customers is the total estimated number of affected customers.
func (inc *Incident) Customers() int {
	n := 0
	for _, a := range inc.Affected {
		n += a.Customers
	}
	return n
}

// Errors of Complete.
var (
	ErrUnknownStep  = errors.New("incident: unknown checklist step")
	ErrNeedsDPO     = errors.New("incident: only a DPO approves the customer notice")
	ErrNotApproved  = errors.New("incident: customers are notified only after the DPO approved the notice")
	ErrClosed       = errors.New("incident: closed")
	ErrStepsPending = errors.New("incident: steps still open")
)

// Complete marks step done. Approving the customer notice needs a DPO
// (isDPO); notifying customers needs that approval first.
func (inc *Incident) Complete(step Step, by string, isDPO bool, note string, at time.Time) error {
	if inc.State == Closed {
		return ErrClosed
	}
	if !slices.Contains(Checklist(), step) {
		return ErrUnknownStep
	}
	switch step {
	case StepApproveNotice:
		if !isDPO {
			return ErrNeedsDPO
		}
	case StepNotifyCustomers:
		if _, ok := inc.Done[StepApproveNotice]; !ok {
			return ErrNotApproved
		}
	}
	if inc.Done == nil {
		inc.Done = map[Step]StepDone{}
	}
	inc.Done[step] = StepDone{At: at, By: by, Note: note}
	inc.UpdatedAt = at
	return nil
}

// NotifiedAuthority records that region's authority was notified.
func (inc *Incident) NotifiedAuthority(r policy.Region, at time.Time) {
	if inc.AuthorityNotified == nil {
		inc.AuthorityNotified = map[policy.Region]time.Time{}
	}
	inc.AuthorityNotified[r] = at
	inc.UpdatedAt = at
}

// Close ends the incident once every step is done, or with a reason when
// it was not a personal-data breach (then only contain and assess are
// needed).
func (inc *Incident) Close(at time.Time, notABreach bool) error {
	if inc.State == Closed {
		return ErrClosed
	}
	need := Checklist()
	if notABreach {
		need = []Step{StepContain, StepAssess, StepDocument}
	} else if !inc.HighRisk {
		need = slices.DeleteFunc(slices.Clone(need), func(s Step) bool { return s == StepApproveNotice || s == StepNotifyCustomers })
	}
	var open []string
	for _, s := range need {
		if _, ok := inc.Done[s]; !ok {
			open = append(open, string(s))
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("%w: %s", ErrStepsPending, strings.Join(open, ", "))
	}
	inc.State = Closed
	inc.UpdatedAt = at
	return nil
}

// Recipient is who a clock's notice goes to.
type Recipient string

// Recipients.
const (
	ToAuthority Recipient = "authority"
	ToCustomers Recipient = "customers"
)

// Clock is one legal deadline of an incident.
type Clock struct {
	Region    policy.Region `json:"region"`
	Law       string        `json:"law"`
	To        Recipient     `json:"to"`
	Authority string        `json:"authority,omitempty"`
	Deadline  string        `json:"deadline"` // e.g. "72 hours", "3 business days"
	Cite      string        `json:"cite"`
	Due       time.Time     `json:"due"`
	Done      bool          `json:"done"`
	Overdue   bool          `json:"overdue"`
	Left      string        `json:"left"` // e.g. "41h20m", "overdue by 3h", "done"
	Customers int           `json:"customers"`
}

// Packs gives a region's rules.
type Packs interface {
	Pack(r policy.Region) (policy.Pack, bool)
}

// Clocks runs the legal clocks of every affected region, counted from
// discovery (awareness), soonest first. The customers' clock runs only for
// a high-risk breach.
func Clocks(inc *Incident, packs Packs, now time.Time) []Clock {
	var out []Clock
	for _, a := range inc.Affected {
		if a.Customers == 0 {
			continue
		}
		p, ok := packs.Pack(a.Region)
		if !ok {
			continue
		}
		mk := func(to Recipient, d policy.Deadline, cite string, done bool) Clock {
			due := policy.DueDate(inc.DiscoveredAt, d)
			c := Clock{Region: a.Region, Law: p.Law, To: to, Deadline: d.String(), Cite: cite, Due: due, Done: done, Customers: a.Customers}
			if to == ToAuthority {
				c.Authority = p.Authority
			}
			c.Overdue = !done && now.After(due)
			c.Left = leftText(done, due, now)
			return c
		}
		_, authDone := inc.AuthorityNotified[a.Region]
		notified, custDone := inc.Done[StepNotifyCustomers]
		if a.Region == policy.CA {
			// California: the Attorney General gets a sample copy only when
			// more than 500 residents are affected, and its clock starts
			// when the residents were notified, not at discovery.
			if a.Customers > californiaAGThreshold {
				start := policy.DueDate(inc.DiscoveredAt, p.BreachSubjects) // the latest the residents' notice may go out
				if custDone {
					start = notified.At
				}
				c := mk(ToAuthority, p.BreachAuthority, p.Cite(policy.FieldBreachAuthority), authDone)
				c.Due = policy.DueDate(start, p.BreachAuthority)
				c.Overdue = !authDone && now.After(c.Due)
				c.Left = leftText(authDone, c.Due, now)
				out = append(out, c)
			}
			// Residents must be told within 30 days whatever the risk
			// assessment (§1798.82(a)).
			out = append(out, mk(ToCustomers, p.BreachSubjects, p.Cite(policy.FieldBreachSubjects), custDone))
			continue
		}
		out = append(out, mk(ToAuthority, p.BreachAuthority, p.Cite(policy.FieldBreachAuthority), authDone))
		if inc.HighRisk {
			out = append(out, mk(ToCustomers, p.BreachSubjects, p.Cite(policy.FieldBreachSubjects), custDone))
		}
	}
	slices.SortStableFunc(out, func(a, b Clock) int { return a.Due.Compare(b.Due) })
	return out
}

// californiaAGThreshold: Cal. Civ. Code §1798.82(f) asks for the Attorney
// General's copy when more than 500 residents are affected.
const californiaAGThreshold = 500

func leftText(done bool, due, now time.Time) string {
	switch {
	case done:
		return "done"
	case now.After(due):
		return "overdue by " + now.Sub(due).Round(time.Minute).String()
	}
	return due.Sub(now).Round(time.Minute).String()
}

// Controller is who the drafts are written for.
type Controller struct {
	Name    string
	Contact string
	DPO     string
}

// AuthorityDraft is the notification to one region's authority, with the
// content GDPR Art. 33(3) requires: the nature of the breach with the
// categories and approximate numbers of people and records, the DPO's
// contact, the likely consequences, and the measures taken or proposed.
func AuthorityDraft(inc *Incident, r policy.Region, packs Packs, c Controller) (string, error) {
	p, ok := packs.Pack(r)
	if !ok {
		return "", fmt.Errorf("incident: no rules for region %s", r)
	}
	n := 0
	for _, a := range inc.Affected {
		if a.Region == r {
			n = a.Customers
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "To: %s\nSubject: Personal data breach notification, %s\nLaw: %s (%s)\n\n", p.Authority, c.Name, p.Law, p.Cite(policy.FieldBreachAuthority))
	fmt.Fprintf(&b, "1. Controller: %s, %s. Data protection officer: %s.\n", c.Name, orDash(c.Contact), orDash(c.DPO))
	fmt.Fprintf(&b, "2. Nature of the breach: %s\n", inc.What)
	fmt.Fprintf(&b, "   Occurred: %s. Discovered: %s.\n", when(inc.OccurredAt), when(inc.DiscoveredAt))
	fmt.Fprintf(&b, "   Systems: %s.\n", orDash(strings.Join(inc.Systems, ", ")))
	fmt.Fprintf(&b, "3. Categories of personal data: %s.\n", strings.Join(inc.Data, ", "))
	fmt.Fprintf(&b, "4. Data subjects: customers who contacted %s over WhatsApp; approximately %d in this jurisdiction (%d in all), estimated from the audit trail and the data touched.\n", c.Name, n, inc.Customers())
	fmt.Fprintf(&b, "5. Likely consequences: %s\n", orDash(inc.Consequences))
	fmt.Fprintf(&b, "6. Measures taken or proposed: %s\n", orDash(inc.Measures))
	fmt.Fprintf(&b, "   Message content and phone numbers are stored encrypted (AES-256-GCM, a key per customer, the master key outside the database).\n")
	if inc.HighRisk {
		fmt.Fprintf(&b, "7. The affected customers are being informed directly over WhatsApp (GDPR Art. 34 or its equivalent).\n")
	} else {
		fmt.Fprintf(&b, "7. The breach is assessed as unlikely to result in a high risk to people; customers are not individually notified.\n")
	}
	if d := p.BreachAuthority; !d.IsZero() {
		due := policy.DueDate(inc.DiscoveredAt, d)
		fmt.Fprintf(&b, "\nThis notice is due by %s (%s from awareness).\n", due.UTC().Format(time.RFC3339), d)
	}
	return b.String(), nil
}

// CustomerDraft is the notice to affected customers in lang (en, es or
// pt), in clear and plain language as GDPR Art. 34(2) asks: what happened,
// the DPO's contact, the likely consequences and the measures taken, and
// what the customer can do.
func CustomerDraft(inc *Incident, lang string, c Controller) string {
	cons, meas := orDash(inc.Consequences), orDash(inc.Measures)
	data := strings.Join(inc.Data, ", ")
	switch lang {
	case "es":
		return fmt.Sprintf("%s te informa de un incidente de seguridad que puede afectar a tus datos (%s). Qué pasó: %s. Consecuencias posibles: %s. Qué hemos hecho: %s. Para cualquier pregunta, escribe a nuestro delegado de protección de datos: %s. Puedes pedir una copia o la supresión de tus datos escribiendo MIS DATOS o BORRAR MIS DATOS.",
			c.Name, data, inc.Title, cons, meas, orDash(c.DPO))
	case "pt":
		return fmt.Sprintf("%s informa um incidente de segurança que pode afetar os seus dados (%s). O que aconteceu: %s. Consequências possíveis: %s. O que fizemos: %s. Para dúvidas, fale com o nosso encarregado de proteção de dados: %s. Pode pedir uma cópia ou a eliminação dos seus dados escrevendo MEUS DADOS ou APAGAR MEUS DADOS.",
			c.Name, data, inc.Title, cons, meas, orDash(c.DPO))
	}
	return fmt.Sprintf("%s is letting you know about a security incident that may affect your data (%s). What happened: %s. Possible consequences: %s. What we did: %s. For any question, contact our data protection officer: %s. You can ask for a copy or the deletion of your data by writing MY DATA or DELETE MY DATA.",
		c.Name, data, inc.Title, cons, meas, orDash(c.DPO))
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(to be completed)"
	}
	return s
}

func when(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format(time.RFC3339)
}
