package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/incident"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/store"
)

// Settings is what the settings page shows of trement's configuration:
// values an operator may read, copied one by one by the wiring
// (cmd/trement). The console never holds the configuration itself, so no
// secret (app secret, tokens, API keys, the master key) can reach a page
// through a template's mistake: there is no field here to hold one.
// Everything on the page comes from configuration and is changed there;
// the page's one action, resuming a paused sender, is an existing route.
type Settings struct {
	PrivacyURL    string // TREMENT_PRIVACY_URL
	NoticeVersion string // TREMENT_NOTICE_VERSION
	Purpose       string // TREMENT_PURPOSE, as the consent ledger records it
	DPOContact    string // TREMENT_DPO_CONTACT
	// RetentionDays is how long messages and inactive customers are kept
	// where the policy file sets no period for the region.
	RetentionDays int
	// AuditRetentionDays is how long audit events are kept; 0: forever.
	AuditRetentionDays int
	// DSARLinkTTL is how long a data export's download link works.
	DSARLinkTTL time.Duration
	// Rules are the region packs with the policy file's overrides,
	// retention periods and the default region (the rules numbers no law
	// claims get); nil: the built-in packs, STRICT for the rest.
	Rules *policy.Engine
	// Agent is the agent provider, "builtin" or "openai"; AgentModel and
	// AgentURL its model and server (only the scheme and host of AgentURL
	// are shown: a URL may carry credentials).
	Agent, AgentModel, AgentURL string
}

// resumeRoute is the route that clears a paused sender; cmd/trement adds
// it (the message path is its own), so the page offers the button only
// when the server serves it.
const resumeRoute = "POST /api/v1/outbox/resume"

// regionWords names the regions as operators say them.
var regionWords = map[string]string{
	string(policy.GDPR): "EU and EEA (except Spain)", string(policy.ES): "Spain", string(policy.BR): "Brazil",
	string(policy.MX): "Mexico", string(policy.CO): "Colombia", string(policy.AR): "Argentina", string(policy.CA): "California",
	string(policy.Strict): "Strictest of all regions",
}

// factWords label a pack's rules.
var factWords = map[string]string{
	string(policy.FieldLaw): "Law", string(policy.FieldAccess): "Answer an access request within",
	string(policy.FieldErasure): "Correct or erase within", string(policy.FieldBreachAuthority): "Breach notice to the authority within",
	string(policy.FieldBreachSubjects): "Breach notice to customers within", string(policy.FieldAuthority): "Supervisory authority",
	string(policy.FieldDPO): "Data-protection officer", string(policy.FieldMinConsentAge): "Age of consent",
	string(policy.FieldConsent): "Consent", string(policy.FieldConsentPerPurpose): "Separate consent for each purpose",
	string(policy.FieldBlockBeforeDelete): "Block erased data before deleting it",
}

// agentWords are the agent providers in words.
var agentWords = map[string]string{
	"builtin": "Built-in offline knowledge agent (no data leaves the server)",
	"openai":  "Language model on an OpenAI-compatible server",
}

// settingsView is the page's view model. It copies what it shows from
// Settings field by field rather than embedding it, so the template
// cannot reach a value the page does not mean to show (the agent's full
// URL).
type settingsView struct {
	PrivacyURL, NoticeVersion, Purpose, DPOContact string
	Retention, AuditKept, LinkTTL                  string
	DefaultRegion                                  string
	Regions                                        []regionView
	Agent, AgentModel, AgentServer                 string
	Paused                                         int
	CanResume                                      bool
}

type regionView struct {
	Region           policy.Region
	Word             string
	Customers        int
	Default          bool // the rules of numbers no law claims
	Known            bool // the region has rules
	Facts            []factView
	Kept             string // messages and inactive customers
	KeptByPolicyFile bool
	Block            string // erased data blocked before shredding; empty: shredded at once
}

type factView struct{ Label, Value, Cite string }

// serverOf is the scheme and host of u: no credentials, path or query.
func serverOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// periodWords is a period in days or hours ("30 days", "1 day", "36 hours").
func periodWords(d time.Duration) string {
	n, unit := 0, ""
	switch {
	case d > 0 && d%(24*time.Hour) == 0:
		n, unit = int(d/(24*time.Hour)), "day"
	case d > 0 && d%time.Hour == 0:
		n, unit = int(d/time.Hour), "hour"
	default:
		return d.String()
	}
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// pageSettings shows the configuration in force: the privacy notice, the
// purpose and DPO, retention, the rules of every region with customers on
// file and of numbers no law claims, the agent, and whether sending is
// paused, with a button to resume it.
func (s *Server) pageSettings(w http.ResponseWriter, r *http.Request) {
	st := s.settings
	v := settingsView{PrivacyURL: st.PrivacyURL, NoticeVersion: st.NoticeVersion, Purpose: st.Purpose, DPOContact: st.DPOContact,
		LinkTTL: periodWords(st.DSARLinkTTL), Agent: word(agentWords, st.Agent)}
	if st.Agent == "openai" { // only a language model has a model and a server
		v.AgentModel, v.AgentServer = st.AgentModel, serverOf(st.AgentURL)
	}
	var affected []incident.Affected
	err := s.db.View(r.Context(), func(t *store.Tx) error {
		var err error
		if affected, err = t.EstimateAffected(incident.Scope{All: true}); err != nil {
			return err
		}
		v.Paused, err = t.CountOutbox(string(conversation.OutboxPaused))
		return err
	})
	if err != nil {
		s.pageError(w, err)
		return
	}
	def := time.Duration(st.RetentionDays) * 24 * time.Hour
	v.Retention = periodWords(def)
	v.AuditKept = "forever"
	if st.AuditRetentionDays > 0 {
		v.AuditKept = periodWords(time.Duration(st.AuditRetentionDays) * 24 * time.Hour)
	}
	overrides := st.Rules.RetentionOverrides()
	dp, _ := st.Rules.Pack(policy.Default)
	v.DefaultRegion = word(regionWords, string(dp.Region))
	add := func(rg policy.Region, customers int) {
		rv := regionView{Region: rg, Word: word(regionWords, string(rg)), Customers: customers, Default: rg == dp.Region}
		if p, ok := st.Rules.Pack(rg); ok {
			rv.Known = true
			for _, f := range p.Facts() {
				rv.Facts = append(rv.Facts, factView{Label: word(factWords, string(f.Field)), Value: f.Value, Cite: f.Cite})
			}
			_, rv.KeptByPolicyFile = overrides[rg]
			rv.Kept = periodWords(st.Rules.RetentionFor(rg, def))
			if b := st.Rules.BlockPeriod(rg); b > 0 {
				rv.Block = periodWords(b)
			}
		}
		v.Regions = append(v.Regions, rv)
	}
	for _, a := range affected {
		add(a.Region, a.Customers)
	}
	// The default rules are in use for every number no law claims, with
	// customers on file or not yet.
	if !slices.ContainsFunc(v.Regions, func(x regionView) bool { return x.Default }) {
		add(dp.Region, 0)
	}
	v.CanResume = v.Paused > 0 && PrincipalFrom(r.Context()).Can(auth.PermSettingsManage) && s.serves(resumeRoute)
	pg := s.basePage(r, "Settings")
	pg.Data = v
	s.render(w, http.StatusOK, "settings", pg)
}

// serves reports whether the server has the route "METHOD pattern".
func (s *Server) serves(route string) bool {
	return slices.ContainsFunc(s.routes, func(rt Route) bool { return rt.String() == route })
}

// withDefaults fills what Settings leaves out: the built-in region rules.
func (st Settings) withDefaults() (Settings, error) {
	if st.Rules == nil {
		pe, err := policy.New(policy.Config{})
		if err != nil {
			return st, fmt.Errorf("console: settings: %w", err)
		}
		st.Rules = pe
	}
	return st, nil
}

const settingsTemplate = `{{define "settings"}}{{template "top" .}}{{with .Data}}
<p>These values come from the configuration (environment, configuration file or flags) and the policy file: change them there and restart. Secrets (the app secret, tokens, keys) are never shown.</p>
<h2>Sending</h2>
{{if .Paused}}<p class="notice" role="status"><strong>Sending is paused</strong>: {{.Paused}} message(s) wait. Meta refused the access token or restricted the number; fix that, then resume.</p>
{{if .CanResume}}<form data-api="/api/v1/outbox/resume" data-after="reload"><button>Resume sending</button><p class="error form-error" role="alert"></p></form>{{end}}
{{else}}<p>Sending normally.</p>{{end}}
<h2>Privacy notice and purpose</h2>
<dl class="facts">
<dt>Privacy notice</dt><dd>{{if .PrivacyURL}}<a href="{{.PrivacyURL}}" rel="noreferrer">{{.PrivacyURL}}</a>{{else}}not set{{end}}</dd>
<dt>Notice version</dt><dd>{{or .NoticeVersion "not set"}}</dd>
<dt>Purpose of processing</dt><dd>{{or .Purpose "not set"}}</dd>
<dt>Data-protection officer</dt><dd>{{or .DPOContact "not set"}}</dd>
</dl>
<h2>Retention</h2>
<dl class="facts">
<dt>Messages and inactive customers</dt><dd>{{.Retention}} (a region may differ: see below)</dd>
<dt>Empty conversations, failed sends, set-aside webhook bodies</dt><dd>{{.Retention}}</dd>
<dt>Download link of a data export</dt><dd>{{.LinkTTL}}, then the export is shredded</dd>
<dt>Audit log</dt><dd>{{.AuditKept}}</dd>
<dt>Consent ledger, erasure records, data-subject requests</dt><dd>kept as evidence</dd>
</dl>
<h2>Regions in use</h2>
<p>Numbers no law claims get the rules of: {{.DefaultRegion}}.</p>
{{range .Regions}}<section class="region"><h3>{{.Word}} ({{.Region}}){{if .Default}} · also for numbers no law claims{{end}}</h3>
<p>{{.Customers}} customer(s) on file.</p>
{{if .Known}}<dl class="facts">
<dt>Messages and inactive customers kept</dt><dd>{{.Kept}}{{if .KeptByPolicyFile}} (set by the policy file){{end}}</dd>
<dt>Erased data</dt><dd>{{if .Block}}blocked for {{.Block}}, then shredded{{else}}shredded at once{{end}}</dd>
{{range .Facts}}<dt>{{.Label}}</dt><dd>{{.Value}}{{if .Cite}} <span class="cite">({{.Cite}})</span>{{end}}</dd>
{{end}}</dl>{{else}}<p>No rules are known for this region.</p>{{end}}</section>
{{end}}
<h2>Agent</h2>
<dl class="facts">
<dt>Provider</dt><dd>{{.Agent}}</dd>
{{if .AgentModel}}<dt>Model</dt><dd>{{.AgentModel}}</dd>{{end}}
{{if .AgentServer}}<dt>Server</dt><dd>{{.AgentServer}}</dd>{{end}}
</dl>
{{end}}{{template "bottom"}}{{end}}`
