// Package doctor scores a deployment against the security checklist a
// business signs up for (official API, opt-in, privacy notice, opt-out,
// retention limits, encrypted storage, a trained team, documented
// processing, a DPO where required, a breach plan) and against trement's own
// safety rules. Each check passes, warns or fails with the reason and the
// fix, so the report is evidence a regulator can read and a gate a
// deployment pipeline can use (`trement doctor` exits non-zero on a failure).
//
// The package does no I/O: the caller gathers Facts (configuration, what the
// database holds, whether the privacy notice answered) and Run judges them.
package doctor

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/intent"
	"github.com/trement/trement/internal/policy"
)

// Status is a check's verdict.
type Status string

// Verdicts. Skip means the check could not be made here (say, no network to
// reach the privacy notice); the reason says so and it is not a pass.
const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Result is one check's outcome.
type Result struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
	Reason string `json:"reason"`
	Fix    string `json:"fix,omitempty"`
}

// Report is every check's result, in a fixed order.
type Report struct {
	At      time.Time `json:"at"`
	Results []Result  `json:"results"`
	Passed  int       `json:"passed"`
	Warned  int       `json:"warned"`
	Failed  int       `json:"failed"`
	Skipped int       `json:"skipped"`
	// Score is the share of passed checks among those that could be made,
	// 0–100.
	Score int `json:"score"`
}

// OK reports whether no check failed.
func (r Report) OK() bool { return r.Failed == 0 }

// Operator is what the team checks need of an operator account.
type Operator struct {
	Username    string
	Role        string
	Disabled    bool
	MFAEnrolled bool
	// PolicyVersion is the version of the data-handling policy the operator
	// last acknowledged ("" for never).
	PolicyVersion string
}

// Probe is the outcome of fetching the privacy notice.
type Probe struct {
	Checked bool   // false: no network here, the notice was not fetched
	OK      bool   // answered 2xx/3xx over HTTPS
	Detail  string // status code or error, for the reason
}

// Facts is what the caller found about the deployment.
type Facts struct {
	Config  *config.Config
	Policy  *policy.Engine
	DevKey  bool // running on the generated development key
	Regions []policy.Region
	// Privacy is the result of fetching Config.PrivacyURL.
	Privacy Probe
	// Operators are every operator account.
	Operators []Operator
	// AuditEvents is the length of the verified chain; AuditError is set
	// when verification failed (its reason).
	AuditEvents int64
	AuditError  string
	// AnchorAge is how old the newest external anchor of the audit head
	// is; negative when none is configured or written.
	AnchorAge time.Duration
	// AnchorError is set when the chain does not match its anchor.
	AnchorError string
	// OverdueRequests counts open data-subject requests past their due
	// date; -1 when the deployment cannot tell.
	OverdueRequests int
	// PausedSends counts outbox items held by a sending pause.
	PausedSends int
	// Records is the record of processing, checked for completeness.
	Records *Records
}

// check is one line of the checklist.
type check struct {
	id, title string
	run       func(f *Facts) (Status, string, string) // status, reason, fix
}

var checks = []check{
	{"cloud_api", "Official WhatsApp Cloud API configured", checkCloudAPI},
	{"opt_in", "Opt-in before content is processed or kept", checkOptIn},
	{"privacy_notice", "Privacy notice set and reachable over HTTPS", checkPrivacyNotice},
	{"opt_out", "Opt-out words active in every served language", checkOptOut},
	{"retention", "Retention limited (90 days or less, or a documented reason)", checkRetention},
	{"master_key", "Master key is a real key kept outside the data folder", checkMasterKey},
	{"key_backup", "Master key backup acknowledged", checkKeyBackup},
	{"tls", "TLS 1.3 on, or a TLS-terminating proxy declared", checkTLS},
	{"dpo", "DPO contact set where the served regions require one", checkDPO},
	{"breach_contacts", "Breach contact and authorities known for the served regions", checkBreach},
	{"records", "Records of processing complete", checkRecords},
	{"operators_mfa", "Every operator enrolled in MFA", checkMFA},
	{"operators_policy", "Every operator acknowledged the data-handling policy", checkPolicyAck},
	{"audit_chain", "Audit chain verified", checkAuditChain},
	{"audit_anchor", "Audit head anchored outside the database", checkAuditAnchor},
	{"requests_overdue", "No overdue data-subject requests", checkOverdue},
	{"sender", "Sender not paused", checkSender},
}

// IDs lists every check's id, in report order.
func IDs() []string {
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.id
	}
	return ids
}

// Run judges f against every check.
func Run(f *Facts, now time.Time) Report {
	r := Report{At: now.UTC()}
	for _, c := range checks {
		st, reason, fix := c.run(f)
		if st == Pass {
			fix = ""
		}
		r.Results = append(r.Results, Result{ID: c.id, Title: c.title, Status: st, Reason: reason, Fix: fix})
		switch st {
		case Pass:
			r.Passed++
		case Warn:
			r.Warned++
		case Fail:
			r.Failed++
		case Skip:
			r.Skipped++
		}
	}
	if made := len(r.Results) - r.Skipped; made > 0 {
		r.Score = 100 * r.Passed / made
	}
	return r
}

// metaGraph is the only Graph API host that is Meta's official Cloud API.
const metaGraph = "graph.facebook.com"

func checkCloudAPI(f *Facts) (Status, string, string) {
	c := f.Config
	var missing []string
	for _, s := range []struct{ name, v string }{
		{"TREMENT_APP_SECRET", c.AppSecret}, {"TREMENT_VERIFY_TOKEN", c.VerifyToken}, {"TREMENT_ACCESS_TOKEN", c.AccessToken},
	} {
		if s.v == "" {
			missing = append(missing, s.name)
		}
	}
	if len(missing) > 0 {
		return Fail, "not set: " + strings.Join(missing, ", "), "set the Meta app secret, the webhook verify token and a system-user access token"
	}
	u, err := url.Parse(c.GraphURL)
	if err != nil || u.Scheme != "https" || u.Hostname() != metaGraph {
		return Fail, fmt.Sprintf("TREMENT_GRAPH_URL is %q, not Meta's Graph API (the simulator or a third-party API?)", c.GraphURL),
			"set TREMENT_GRAPH_URL=https://" + metaGraph + " (only the official Cloud API is allowed)"
	}
	if c.Dev {
		return Fail, "development mode is on (TREMENT_DEV): the local simulator runs beside the server", "turn TREMENT_DEV off in production"
	}
	return Pass, "app secret, verify token and access token set; Graph URL is " + c.GraphURL, ""
}

func checkOptIn(f *Facts) (Status, string, string) {
	// The consent gate is part of the message path and has no switch: a
	// message from a customer without consent is answered by the notice and
	// its content is not kept. What a deployment can break is the notice
	// itself, checked below.
	strict := 0
	for _, r := range f.Regions {
		if p, ok := f.Policy.Pack(r); ok && p.RequiresExplicitConsent {
			strict++
		}
	}
	return Pass, fmt.Sprintf("built in and always on: content is kept only after the customer accepts the notice (explicit consent required in %d of %d served regions)", strict, len(f.Regions)), ""
}

func checkPrivacyNotice(f *Facts) (Status, string, string) {
	raw := f.Config.PrivacyURL
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return Fail, "TREMENT_PRIVACY_URL is empty", "publish the privacy notice and set TREMENT_PRIVACY_URL"
	case err != nil || u.Host == "":
		return Fail, fmt.Sprintf("TREMENT_PRIVACY_URL %q is not a URL", raw), "set an https:// URL"
	case u.Scheme != "https":
		return Fail, "the privacy notice is not served over HTTPS: " + raw, "serve the notice over HTTPS"
	case isPlaceholderHost(u.Hostname()):
		return Fail, "the privacy notice is the shipped placeholder " + raw, "publish your own notice and set TREMENT_PRIVACY_URL"
	case !f.Privacy.Checked:
		return Skip, "set to " + raw + "; not fetched (" + orNA(f.Privacy.Detail, "no network") + ")", "run doctor where the notice can be reached"
	case !f.Privacy.OK:
		return Fail, "the privacy notice did not answer: " + f.Privacy.Detail, "make " + raw + " reachable"
	}
	return Pass, raw + " answered " + f.Privacy.Detail, ""
}

func isPlaceholderHost(h string) bool {
	h = strings.ToLower(h)
	for _, p := range []string{"example.com", "example.org", "example.net"} {
		if h == p || strings.HasSuffix(h, "."+p) {
			return true
		}
	}
	return h == "localhost" || strings.HasSuffix(h, ".invalid") || strings.HasSuffix(h, ".test")
}

// optOutProbes are the words customers write to leave, per language; each
// must be recognised as an opt-out.
var optOutProbes = map[string][]string{
	"en": {"stop", "unsubscribe"},
	"es": {"baja", "parar"},
	"pt": {"sair", "parar"},
}

func checkOptOut(f *Facts) (Status, string, string) {
	var dead []string
	langs := []string{"en", "es", "pt"}
	for _, l := range langs {
		for _, w := range optOutProbes[l] {
			if intent.Parse(w).Kind != intent.OptOut {
				dead = append(dead, fmt.Sprintf("%q (%s)", w, l))
			}
		}
	}
	if len(dead) > 0 {
		return Fail, "not recognised as opt-out: " + strings.Join(dead, ", "), "restore the opt-out phrases in internal/intent"
	}
	return Pass, "STOP, unsubscribe, baja, parar and sair opt out at once", ""
}

func checkRetention(f *Facts) (Status, string, string) {
	d := f.Config.RetentionDays
	switch {
	case d <= 0:
		return Fail, "messages are kept forever (TREMENT_RETENTION_DAYS is 0)", "set TREMENT_RETENTION_DAYS to 30, 60 or 90"
	case d <= 90:
		return Pass, fmt.Sprintf("messages are deleted after %d days", d), ""
	case f.Config.RetentionReason != "":
		return Warn, fmt.Sprintf("messages are kept %d days, documented: %s", d, f.Config.RetentionReason), "review the reason at every audit"
	}
	return Fail, fmt.Sprintf("messages are kept %d days with no documented reason", d), "lower TREMENT_RETENTION_DAYS to 90 or less, or document why in TREMENT_RETENTION_REASON"
}

func checkMasterKey(f *Facts) (Status, string, string) {
	c := f.Config
	switch {
	case f.DevKey:
		return Fail, "running on the generated DEVELOPMENT key stored beside the data", "generate a key (`trement keys generate`), keep it outside the data folder, set TREMENT_MASTER_KEY_FILE and rotate (`trement keys rotate`)"
	case c.MasterKeyFile != "" && inside(c.MasterKeyFile, c.DataDir):
		return Fail, "the master key file " + c.MasterKeyFile + " is inside the data folder: a copy of the folder is a copy of the key", "move the key out of TREMENT_DATA_DIR (a secrets mount, another volume)"
	case c.MasterKey != "":
		return Warn, "the master key is given inline (TREMENT_MASTER_KEY): it can leak through the process environment", "prefer TREMENT_MASTER_KEY_FILE on a secrets mount"
	}
	return Pass, "master key read from " + c.MasterKeyFile + ", outside the data folder", ""
}

func checkKeyBackup(f *Facts) (Status, string, string) {
	if f.Config.KeyBackupConfirmed == "" {
		return Fail, "no one has confirmed the master key is backed up: losing it loses every message and operator secret", "store the key in two places (a vault, an offline copy) and set TREMENT_KEY_BACKUP_CONFIRMED to the date and place"
	}
	return Pass, "key backup confirmed: " + f.Config.KeyBackupConfirmed, ""
}

func checkTLS(f *Facts) (Status, string, string) {
	c := f.Config
	switch {
	case c.TLSCert != "" && c.TLSKey != "":
		return Pass, "TLS 1.3 only, served by trement (older versions refused)", ""
	case c.InsecureHTTP:
		return Warn, "plain HTTP behind a TLS-terminating proxy (declared with TREMENT_INSECURE_HTTP)", "make sure the proxy offers TLS 1.3 only and HSTS, and that trement's port is not reachable from outside"
	}
	return Fail, "no TLS: trement serves plain HTTP on " + c.Listen + " (only usable on this machine)", "set TREMENT_TLS_CERT and TREMENT_TLS_KEY, or put a TLS 1.3 proxy in front and declare it with TREMENT_INSECURE_HTTP"
}

func checkDPO(f *Facts) (Status, string, string) {
	var need []string
	for _, r := range f.Regions {
		if p, ok := f.Policy.Pack(r); ok && p.DPORequired {
			need = append(need, string(r))
		}
	}
	dpo := f.Config.DPOContact
	if len(need) == 0 {
		return Pass, "no served region requires a DPO", ""
	}
	if dpo == "" || isPlaceholderContact(dpo) {
		return Fail, fmt.Sprintf("%s require a DPO and TREMENT_DPO_CONTACT is %q", strings.Join(need, ", "), dpo), "appoint a DPO and set TREMENT_DPO_CONTACT"
	}
	return Pass, "DPO " + dpo + " named for " + strings.Join(need, ", "), ""
}

func isPlaceholderContact(s string) bool {
	_, host, ok := strings.Cut(s, "@")
	if !ok {
		host = s
	}
	return isPlaceholderHost(host)
}

func checkBreach(f *Facts) (Status, string, string) {
	c := f.Config
	if c.BreachContact == "" || isPlaceholderContact(c.BreachContact) {
		return Fail, "no breach contact: nobody is named to run the legal clocks when a breach is found", "set TREMENT_BREACH_CONTACT (who is called, day and night)"
	}
	var unknown []string
	for _, r := range f.Regions {
		if p, ok := f.Policy.Pack(r); !ok || p.Authority == "" || p.BreachAuthority.IsZero() {
			unknown = append(unknown, string(r))
		}
	}
	if len(unknown) > 0 {
		return Fail, "no supervisory authority or breach deadline known for " + strings.Join(unknown, ", "), "set them in TREMENT_POLICY_FILE"
	}
	return Pass, fmt.Sprintf("breach contact %s; authority and deadline known for %d served regions", c.BreachContact, len(f.Regions)), ""
}

func checkRecords(f *Facts) (Status, string, string) {
	if f.Records == nil {
		return Fail, "no record of processing could be built", "run `trement ropa`"
	}
	if gaps := f.Records.Gaps(); len(gaps) > 0 {
		return Fail, "incomplete: " + strings.Join(gaps, "; "), "set the missing settings and run `trement ropa`"
	}
	return Pass, fmt.Sprintf("complete: %d activities, %d recipients, %d regions (`trement ropa`)", len(f.Records.Activities), len(f.Records.Recipients), len(f.Records.Regions)), ""
}

func active(ops []Operator) []Operator {
	var out []Operator
	for _, o := range ops {
		if !o.Disabled {
			out = append(out, o)
		}
	}
	return out
}

func checkMFA(f *Facts) (Status, string, string) {
	ops := active(f.Operators)
	if len(ops) == 0 {
		return Warn, "no operator accounts yet", "create the owner: `trement admin create-owner`"
	}
	var not []string
	for _, o := range ops {
		if !o.MFAEnrolled {
			not = append(not, o.Username)
		}
	}
	if len(not) > 0 {
		return Fail, "not enrolled (they cannot work until they are, but the accounts exist): " + strings.Join(not, ", "), "have them sign in and enrol an authenticator, or disable the accounts"
	}
	return Pass, fmt.Sprintf("all %d active operators use TOTP", len(ops)), ""
}

func checkPolicyAck(f *Facts) (Status, string, string) {
	v := f.Config.HandlingPolicyVersion
	if f.Config.HandlingPolicyURL == "" || v == "" {
		return Fail, "no data-handling policy configured for the team to read and acknowledge", "publish it and set TREMENT_HANDLING_POLICY_URL and TREMENT_HANDLING_POLICY_VERSION"
	}
	ops := active(f.Operators)
	var not []string
	for _, o := range ops {
		if o.PolicyVersion != v {
			not = append(not, o.Username)
		}
	}
	if len(not) > 0 {
		return Fail, fmt.Sprintf("have not acknowledged version %s: %s", v, strings.Join(not, ", ")), "each operator acknowledges it in the console (POST /api/v1/me/policy-ack)"
	}
	return Pass, fmt.Sprintf("all %d active operators acknowledged version %s", len(ops), v), ""
}

func checkAuditChain(f *Facts) (Status, string, string) {
	if f.AuditError != "" {
		return Fail, "the audit chain is broken: " + f.AuditError, "investigate as a security incident; `trement audit verify` names the first broken link"
	}
	return Pass, fmt.Sprintf("%d events verified", f.AuditEvents), ""
}

func checkAuditAnchor(f *Facts) (Status, string, string) {
	switch {
	case f.AnchorError != "":
		return Fail, "the chain does not match its external anchor: " + f.AnchorError, "investigate as a security incident (events removed or rewritten)"
	case f.AnchorAge < 0:
		return Fail, "the audit head is not anchored outside the database: a truncated log could not be told from a short one", "set TREMENT_AUDIT_ANCHOR_FILE to a file outside the data folder (another volume, write-once storage)"
	case f.AnchorAge > 2*time.Hour:
		return Warn, fmt.Sprintf("the newest anchor is %s old", f.AnchorAge.Round(time.Minute)), "check that the server runs and can write the anchor"
	}
	return Pass, fmt.Sprintf("anchored %s ago", f.AnchorAge.Round(time.Second)), ""
}

func checkOverdue(f *Facts) (Status, string, string) {
	switch {
	case f.OverdueRequests < 0:
		return Skip, "this deployment cannot list data-subject requests", ""
	case f.OverdueRequests > 0:
		return Fail, fmt.Sprintf("%d data-subject requests are past their legal deadline", f.OverdueRequests), "answer them now (the DPO's desk lists them by due date)"
	}
	return Pass, "every open data-subject request is within its deadline", ""
}

func checkSender(f *Facts) (Status, string, string) {
	if f.PausedSends > 0 {
		return Fail, fmt.Sprintf("sending is paused: %d replies are held (a refused token or a number problem)", f.PausedSends), "fix the access token or the number, then resume sending in the console"
	}
	return Pass, "sending", ""
}

// inside reports whether path lies in dir; the caller passes absolute
// paths.
func inside(path, dir string) bool {
	rel, err := filepath.Rel(filepath.Clean(dir), filepath.Clean(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

func orNA(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sortedRegions returns rs sorted and without repeats.
func sortedRegions(rs []policy.Region) []policy.Region {
	out := slices.Clone(rs)
	slices.Sort(out)
	return slices.Compact(out)
}
