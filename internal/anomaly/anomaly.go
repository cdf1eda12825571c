// Package anomaly holds the alert rules trement evaluates over its audit
// log and metrics: repeated failed sign-ins, bulk reveals or exports by one
// operator, reveals at unusual hours, spikes in opt-outs or webhook
// signature failures, a paused sender or an expired token, overdue
// data-subject requests, and a broken or unanchored audit chain.
//
// Evaluate is pure: the caller builds a Snapshot (from the store and the
// metrics), and de-duplicates and delivers the alerts it returns; an alert's
// Key names what it is about, so the same condition raises one alert per
// cooldown, not one per evaluation.
package anomaly

import (
	"fmt"
	"slices"
	"time"
)

// Severity of an alert.
type Severity string

// Severities.
const (
	Info     Severity = "info"
	Warning  Severity = "warning"
	Critical Severity = "critical"
)

// Alert is one raised condition.
type Alert struct {
	Rule     string    `json:"rule"`
	Key      string    `json:"key"` // what it is about, for de-duplication: an operator, an address, "sender"
	Severity Severity  `json:"severity"`
	Summary  string    `json:"summary"`
	At       time.Time `json:"at"`
}

// Event is the part of an audit event the rules read.
type Event struct {
	At       time.Time
	Action   string
	ActorID  string
	Target   string
	Outcome  string
	SourceIP string
}

// MetaReport is one of Meta's reports about the business side (number
// quality, account restrictions, template status), as the channel judged
// it.
type MetaReport struct {
	At       time.Time
	About    string // "number:…", "template:name/language", "account:…"
	Severity Severity
	What     string // the event and its detail
}

// Snapshot is what the rules judge.
type Snapshot struct {
	Now time.Time
	// Events are the audit events of the last hour (at least) with the
	// actions the rules read.
	Events []Event
	// OptOutsHour and OptOutsDay count opt-outs in the last hour and in
	// the 24 hours before it.
	OptOutsHour, OptOutsDay int
	// SignatureFailures counts refused webhooks since the previous
	// evaluation, from the exact metric.
	SignatureFailures int
	SenderPaused      bool
	// ExpiredTokens names API tokens that expired in the last day.
	ExpiredTokens []string
	// OverdueRequests counts data-subject requests past their deadline;
	// negative when unknown.
	OverdueRequests int
	// AuditBroken is the verifier's reason when the chain is broken.
	AuditBroken string
	// AnchorAge is how old the audit anchor is; negative when there is none.
	AnchorAge time.Duration
	// AnchorRequired says an anchor is configured, so its absence alerts.
	AnchorRequired bool
	// MetaReports are Meta's reports of the last hour about the
	// business's number, account and templates.
	MetaReports []MetaReport
}

// Config holds the thresholds; zero values take the defaults.
type Config struct {
	FailedSignIns      int           // per account or address in Window (10)
	Window             time.Duration // sign-in window (15 min)
	BulkReveals        int           // reveals by one operator in an hour (20)
	BulkExports        int           // exports by one operator in an hour (3)
	WorkStart, WorkEnd int           // reveals outside [start, end) hours alert (7, 21)
	Location           *time.Location
	OptOutSpike        int     // at least this many opt-outs in an hour (10) …
	OptOutFactor       float64 // … and this many times the hourly average of the day before (3)
	SignatureSpike     int     // refused webhooks between two evaluations (50)
	AnchorMaxAge       time.Duration
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.FailedSignIns, 10)
	def(&c.BulkReveals, 20)
	def(&c.BulkExports, 3)
	def(&c.OptOutSpike, 10)
	def(&c.SignatureSpike, 50)
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
	if c.WorkStart == 0 && c.WorkEnd == 0 {
		c.WorkStart, c.WorkEnd = 7, 21
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.OptOutFactor <= 0 {
		c.OptOutFactor = 3
	}
	if c.AnchorMaxAge <= 0 {
		c.AnchorMaxAge = 2 * time.Hour
	}
	return c
}

// Actions the rules read from the audit log.
const (
	actLoginFailed = "auth.login_failed"
	actLockout     = "auth.lockout"
	actReveal      = "pii.reveal"
)

// exportActions are the actions that take personal data out.
var exportActions = []string{"audit.export", "export.training", "consent.export", "dsar.export", "rights.export"}

// Actions lists every audit action the rules read, for the caller's query.
func Actions() []string {
	return append([]string{actLoginFailed, actLockout, actReveal}, exportActions...)
}

// Rules lists every rule's name.
func Rules() []string {
	return []string{"failed_signins", "bulk_reveals", "bulk_exports", "reveal_unusual_hour", "opt_out_spike", "signature_failures",
		"sender_paused", "token_expired", "requests_overdue", "audit_broken", "audit_unanchored", "meta_account"}
}

// Evaluate returns the alerts s raises, in a stable order.
func Evaluate(s Snapshot, cfg Config) []Alert {
	c := cfg.withDefaults()
	var out []Alert
	raise := func(rule, key string, sev Severity, format string, args ...any) {
		out = append(out, Alert{Rule: rule, Key: key, Severity: sev, Summary: fmt.Sprintf(format, args...), At: s.Now})
	}

	failedBy := map[string]int{}
	revealsBy := map[string]int{}
	exportsBy := map[string]int{}
	unusual := map[string]int{}
	hour := s.Now.Add(-time.Hour)
	for _, e := range s.Events {
		switch {
		case e.Action == actLoginFailed || e.Action == actLockout:
			if e.At.After(s.Now.Add(-c.Window)) {
				if e.Target != "" {
					failedBy["account "+e.Target]++
				}
				if e.SourceIP != "" {
					failedBy["address "+e.SourceIP]++
				}
			}
		case e.Action == actReveal && e.Outcome == "success":
			if e.At.After(hour) {
				revealsBy[e.ActorID]++
			}
			if h := e.At.In(c.Location).Hour(); h < c.WorkStart || h >= c.WorkEnd {
				unusual[e.ActorID]++
			}
		case slices.Contains(exportActions, e.Action) && e.Outcome == "success" && e.At.After(hour):
			exportsBy[e.ActorID]++
		}
	}
	for _, r := range s.MetaReports {
		// Each report is its own alert, keyed by what it is about, so a
		// later report on the same number or template replaces it.
		if r.Severity == Critical || r.Severity == Warning {
			raise("meta_account", r.About, r.Severity, "Meta reported %s for %s", r.What, r.About)
		}
	}
	for _, k := range sortedKeys(failedBy) {
		if n := failedBy[k]; n >= c.FailedSignIns {
			raise("failed_signins", k, Warning, "%d failed sign-ins for %s in %s", n, k, c.Window)
		}
	}
	for _, k := range sortedKeys(revealsBy) {
		if n := revealsBy[k]; n >= c.BulkReveals {
			raise("bulk_reveals", k, Critical, "operator %s revealed personal data %d times in an hour", k, n)
		}
	}
	for _, k := range sortedKeys(exportsBy) {
		if n := exportsBy[k]; n >= c.BulkExports {
			raise("bulk_exports", k, Critical, "operator %s exported data %d times in an hour", k, n)
		}
	}
	for _, k := range sortedKeys(unusual) {
		raise("reveal_unusual_hour", k, Warning, "operator %s revealed personal data %d times outside %02d:00–%02d:00 %s", k, unusual[k], c.WorkStart, c.WorkEnd, c.Location)
	}
	if avg := float64(s.OptOutsDay) / 24; s.OptOutsHour >= c.OptOutSpike && float64(s.OptOutsHour) >= c.OptOutFactor*max(avg, 1) {
		raise("opt_out_spike", "opt_outs", Warning, "%d opt-outs in the last hour (%.1f an hour the day before)", s.OptOutsHour, avg)
	}
	if s.SignatureFailures >= c.SignatureSpike {
		raise("signature_failures", "webhook", Warning, "%d webhooks refused for a bad or missing signature since the last check", s.SignatureFailures)
	}
	if s.SenderPaused {
		raise("sender_paused", "sender", Critical, "sending is paused: replies are held until the token or number is fixed")
	}
	for _, id := range s.ExpiredTokens {
		raise("token_expired", id, Info, "API token %s expired; machines using it are refused", id)
	}
	if s.OverdueRequests > 0 {
		raise("requests_overdue", "requests", Critical, "%d data-subject requests are past their legal deadline", s.OverdueRequests)
	}
	if s.AuditBroken != "" {
		raise("audit_broken", "audit", Critical, "the audit chain is broken: %s", s.AuditBroken)
	}
	if s.AnchorRequired && (s.AnchorAge < 0 || s.AnchorAge > c.AnchorMaxAge) {
		raise("audit_unanchored", "anchor", Warning, "the audit head has not been anchored outside the database for %s", ageText(s.AnchorAge))
	}
	return out
}

func ageText(d time.Duration) string {
	if d < 0 {
		return "ever"
	}
	return d.Round(time.Minute).String()
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
