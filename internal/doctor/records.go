package doctor

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/policy"
)

// Records is the record of processing activities (GDPR Art. 30(1), LGPD
// Art. 37), derived from the live settings and what trement does rather
// than typed by hand, so it cannot drift from the deployment it describes.
type Records struct {
	Generated  time.Time     `json:"generated"`
	Controller Party         `json:"controller"`
	DPO        string        `json:"dpo"`
	Activities []Activity    `json:"activities"`
	Recipients []Recipient   `json:"recipients"`
	Regions    []RegionRules `json:"regions"`
	Measures   []string      `json:"technical_and_organisational_measures"`

	llmUnnamed bool
}

// Party names a controller or processor.
type Party struct {
	Name    string `json:"name"`
	Contact string `json:"contact"`
}

// Activity is one processing activity.
type Activity struct {
	Name       string   `json:"name"`
	Purpose    string   `json:"purpose"`
	Basis      string   `json:"lawful_basis"`
	Subjects   []string `json:"data_subjects"`
	Data       []string `json:"personal_data"`
	Retention  []string `json:"retention"`
	Recipients []string `json:"recipients"`
}

// Recipient is a processor or other recipient of personal data.
type Recipient struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Data     string `json:"data"`
	Transfer string `json:"transfer"`
}

// RegionRules is what a served region's law sets for this processing.
type RegionRules struct {
	Region    string `json:"region"`
	Law       string `json:"law"`
	Basis     string `json:"lawful_basis"`
	Authority string `json:"authority"`
	Access    string `json:"access_deadline"`
	Erasure   string `json:"erasure_deadline"`
	Breach    string `json:"breach_authority_deadline"`
	DPO       bool   `json:"dpo_required"`
	Block     bool   `json:"block_before_delete"`
}

// BuildRecords derives the record of processing from cfg and the served
// regions' rules.
func BuildRecords(cfg *config.Config, pe *policy.Engine, regions []policy.Region, now time.Time) *Records {
	r := &Records{
		Generated:  now.UTC(),
		Controller: Party{Name: cfg.BusinessName, Contact: cfg.ControllerContact},
		DPO:        cfg.DPOContact,
	}
	meta := Recipient{Name: "Meta Platforms (WhatsApp Business Cloud API)", Role: "processor",
		Data:     "phone numbers, message content and delivery metadata of every message exchanged",
		Transfer: "outside the EEA/Brazil/Latin America (United States); under Meta's data processing terms and its transfer mechanism (EU standard contractual clauses / EU–US Data Privacy Framework)"}
	r.Recipients = append(r.Recipients, meta)
	support := []string{meta.Name}
	if cfg.AgentProvider == "openai" {
		host := llmHost(cfg.OpenAIURL)
		rc := Recipient{Name: "language model provider at " + host + " (model " + cfg.OpenAIModel + ")", Role: "processor",
			Data: "redacted message text (typed placeholders instead of personal data), knowledge passages, a short redacted history"}
		if isLoopbackHost(host) {
			rc.Role = "none (self-hosted on the same machine)"
			rc.Transfer = "none"
		} else {
			rc.Transfer = "wherever the provider at " + host + " processes: record its location and contract"
		}
		r.Recipients = append(r.Recipients, rc)
		r.llmUnnamed = cfg.OpenAIURL == "" || cfg.OpenAIModel == ""
		support = append(support, rc.Name)
	}

	data := []string{"phone number (sealed, AES-256-GCM under a per-customer key; keyed blind index for look-ups)",
		"message content after consent (sealed)", "delivery statuses", "region and the reason it was chosen", "answer language"}
	if cfg.KeepProfileName {
		data = append(data, "WhatsApp profile name (sealed)")
	}
	if cfg.DownloadMedia {
		data = append(data, fmt.Sprintf("files customers send (images, documents, audio, video, stickers) up to %d bytes, after consent (sealed, kept and erased with their message; never given to the agent's model)", cfg.MediaMaxBytes))
	} else {
		data = append(data, "media type and caption only (files are not downloaded)")
	}
	basis := "consent (GDPR Art. 6(1)(a); LGPD Art. 7 I), tacit consent after notice in Mexico, notice at collection with opt-out in California"
	r.Activities = []Activity{
		{
			Name: "Customer support over WhatsApp", Purpose: cfg.Purpose, Basis: basis,
			Subjects: []string{"customers who write to the business's WhatsApp number"},
			Data:     data,
			Retention: []string{
				fmt.Sprintf("messages and conversations: %d days after they are written, then deleted", cfg.RetentionDays),
				"webhook bodies: until processed (milliseconds), then deleted",
				"queued replies: deleted once sent",
				"all of a customer's data: crypto-shredded on erasure (72 hours at most)",
			},
			Recipients: support,
		},
		{
			Name: "Consent and opt-out evidence", Purpose: "prove consent was given, refused or withdrawn, and never message an opted-out customer",
			Basis:     "legal obligation to demonstrate consent (GDPR Art. 7(1), LGPD Art. 8 §2)",
			Subjects:  []string{"customers who write to the business's WhatsApp number"},
			Data:      []string{"keyed blind index of the number (never the number)", "notice version, time and answer"},
			Retention: []string{"kept after erasure as evidence, with the opted-out flag"},
		},
		{
			Name: "Operator accounts and security", Purpose: "authenticate the business's operators and keep the service secure",
			Basis:     "legitimate interest and the obligation to secure processing (GDPR Art. 32)",
			Subjects:  []string{"the business's operators"},
			Data:      []string{"username", "argon2id password hash", "TOTP secret (sealed)", "sign-in times and source addresses"},
			Retention: []string{"while the account exists; sessions 12 hours at most"},
		},
		{
			Name: "Audit log", Purpose: "accountability: who did what to which data, tamper-evident",
			Basis:     "accountability (GDPR Art. 5(2), LGPD Art. 6 X)",
			Subjects:  []string{"operators", "customers (pseudonyms only: an HMAC of the number)"},
			Data:      []string{"operator ids", "customer pseudonyms", "actions and outcomes", "source addresses"},
			Retention: []string{"append-only; holds no message content or numbers"},
		},
		{
			Name: "Model training export (on demand)", Purpose: "improve answers from past conversations",
			Basis:     "consent given for support; only redacted, non-sensitive conversations are exported",
			Subjects:  []string{"customers who opted in"},
			Data:      []string{"redacted conversation text (typed placeholders, no identifiers)"},
			Retention: []string{"the export file is the business's; every export is audited"},
		},
	}
	for _, reg := range sortedRegions(regions) {
		p, ok := pe.Pack(reg)
		if !ok {
			continue
		}
		rb := "explicit consent"
		switch {
		case p.OptOutModel:
			rb = "notice at collection, opt-out"
		case !p.RequiresExplicitConsent:
			rb = "tacit consent after notice"
		}
		r.Regions = append(r.Regions, RegionRules{Region: string(reg), Law: p.Law, Basis: rb, Authority: p.Authority,
			Access: p.Access.String(), Erasure: p.Erasure.String(), Breach: p.BreachAuthority.String(), DPO: p.DPORequired, Block: p.BlockBeforeDelete})
	}
	r.Measures = measures(cfg)
	return r
}

// measures describes the technical and organisational measures from the
// live settings.
func measures(cfg *config.Config) []string {
	m := []string{
		"encryption at rest: AES-256-GCM envelope encryption, a data key per customer wrapped by the master key; erasure destroys the key",
		"phone numbers found through an HMAC blind index; no number in the audit log or application logs",
		"operators: argon2id passwords, mandatory TOTP, role-based permissions on every route, lockout after failed sign-ins",
		"tamper-evident audit log: SHA-256 hash chain, HMAC checkpoints, append-only triggers",
		"consent gate: content is kept only after the customer accepts the notice; opt-out words honoured at once",
		"personal data redacted before any model or training export; every answer passes an output filter",
	}
	switch {
	case cfg.TLSCert != "":
		m = append(m, "transport: TLS 1.3 only, HSTS")
	case cfg.InsecureHTTP:
		m = append(m, "transport: TLS terminated by a proxy in front of trement (declared)")
	default:
		m = append(m, "transport: plain HTTP on a loopback address only (no TLS configured)")
	}
	m = append(m, fmt.Sprintf("retention: messages deleted after %d days by an hourly purger", cfg.RetentionDays))
	if cfg.HandlingPolicyURL != "" {
		m = append(m, "team training: operators acknowledge the data-handling policy "+cfg.HandlingPolicyURL+" (version "+cfg.HandlingPolicyVersion+")")
	}
	return m
}

// Gaps lists what Art. 30 asks for and the record lacks.
func (r *Records) Gaps() []string {
	var g []string
	if r.Controller.Name == "" {
		g = append(g, "controller name (TREMENT_BUSINESS_NAME)")
	}
	if r.Controller.Contact == "" || isPlaceholderContact(r.Controller.Contact) {
		g = append(g, "controller contact (TREMENT_CONTROLLER_CONTACT)")
	}
	for _, reg := range r.Regions {
		if reg.DPO && (r.DPO == "" || isPlaceholderContact(r.DPO)) {
			g = append(g, "DPO contact required in "+reg.Region+" (TREMENT_DPO_CONTACT)")
			break
		}
	}
	for _, a := range r.Activities {
		if a.Purpose == "" {
			g = append(g, "purpose of "+a.Name+" (TREMENT_PURPOSE)")
		}
	}
	if r.llmUnnamed {
		g = append(g, "language model provider and model (TREMENT_OPENAI_URL, TREMENT_OPENAI_MODEL)")
	}
	if len(r.Regions) == 0 {
		g = append(g, "no region rules")
	}
	return g
}

// WriteJSON writes the record as indented JSON.
func (r *Records) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteCSV writes the record as rows of section, item, field, value.
func (r *Records) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	row := func(v ...string) { cw.Write(v) }
	row("section", "item", "field", "value")
	row("controller", r.Controller.Name, "contact", r.Controller.Contact)
	row("controller", r.Controller.Name, "dpo", r.DPO)
	for _, a := range r.Activities {
		row("activity", a.Name, "purpose", a.Purpose)
		row("activity", a.Name, "lawful_basis", a.Basis)
		for _, s := range a.Subjects {
			row("activity", a.Name, "data_subjects", s)
		}
		for _, d := range a.Data {
			row("activity", a.Name, "personal_data", d)
		}
		for _, d := range a.Retention {
			row("activity", a.Name, "retention", d)
		}
		for _, d := range a.Recipients {
			row("activity", a.Name, "recipient", d)
		}
	}
	for _, rc := range r.Recipients {
		row("recipient", rc.Name, "role", rc.Role)
		row("recipient", rc.Name, "data", rc.Data)
		row("recipient", rc.Name, "transfer", rc.Transfer)
	}
	for _, g := range r.Regions {
		for _, kv := range [][2]string{{"law", g.Law}, {"lawful_basis", g.Basis}, {"authority", g.Authority}, {"access_deadline", g.Access},
			{"erasure_deadline", g.Erasure}, {"breach_authority_deadline", g.Breach}, {"dpo_required", yes(g.DPO)}, {"block_before_delete", yes(g.Block)}} {
			row("region", g.Region, kv[0], kv[1])
		}
	}
	for _, m := range r.Measures {
		row("measures", "", "measure", m)
	}
	cw.Flush()
	return cw.Error()
}

// WriteMarkdown writes the record as a document for the file.
func (r *Records) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Record of processing activities\n\nGenerated %s by `trement ropa` from the live configuration (GDPR Art. 30(1), LGPD Art. 37).\n\n", r.Generated.Format(time.RFC3339))
	fmt.Fprintf(&b, "- **Controller:** %s (%s)\n- **DPO:** %s\n\n", r.Controller.Name, orNA(r.Controller.Contact, "contact not set"), orNA(r.DPO, "not set"))
	for _, a := range r.Activities {
		fmt.Fprintf(&b, "## %s\n\n- **Purpose:** %s\n- **Lawful basis:** %s\n- **Data subjects:** %s\n- **Personal data:** %s\n- **Retention:** %s\n",
			a.Name, a.Purpose, a.Basis, strings.Join(a.Subjects, "; "), strings.Join(a.Data, "; "), strings.Join(a.Retention, "; "))
		if len(a.Recipients) > 0 {
			fmt.Fprintf(&b, "- **Recipients:** %s\n", strings.Join(a.Recipients, "; "))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Recipients and transfers\n\n| Recipient | Role | Data | Transfer |\n|---|---|---|---|\n")
	for _, rc := range r.Recipients {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", rc.Name, rc.Role, rc.Data, rc.Transfer)
	}
	b.WriteString("\n## Regions served\n\n| Region | Law | Basis | Authority | Access | Erasure | Breach (authority) | DPO | Block first |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, g := range r.Regions {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", g.Region, g.Law, g.Basis, g.Authority, g.Access, g.Erasure, g.Breach, yes(g.DPO), yes(g.Block))
	}
	b.WriteString("\n## Technical and organisational measures\n\n")
	for _, m := range r.Measures {
		fmt.Fprintf(&b, "- %s\n", m)
	}
	if gaps := r.Gaps(); len(gaps) > 0 {
		b.WriteString("\n## Missing\n\n")
		for _, g := range gaps {
			fmt.Fprintf(&b, "- %s\n", g)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func llmHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}

func isLoopbackHost(hostport string) bool {
	h := hostport
	if hh, _, err := net.SplitHostPort(hostport); err == nil {
		h = hh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
