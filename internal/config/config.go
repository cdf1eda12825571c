// Package config reads trement's configuration once, at start-up, from
// defaults, an optional env-style file, TREMENT_* environment variables and
// command-line flags (later sources win), and rejects bad values and bad
// combinations with a message that names the setting. The result is a plain
// struct passed down; there is no global.
//
// Every setting is declared once, in settings(), which also produces the
// README's configuration table, so the documentation cannot drift.
package config

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config is trement's whole configuration.
type Config struct {
	// Server
	DataDir      string
	DatabaseURL  string
	Listen       string
	PublicURL    string
	TLSCert      string
	TLSKey       string
	InsecureHTTP bool
	LogLevel     string
	LogFormat    string
	Dev          bool
	SimListen    string

	// Limits on what callers can make trement spend
	HashMemory    int64
	MemoryLimit   int64
	UnauthRate    float64
	UnauthBurst   int
	RefusalWindow time.Duration

	// Keys
	MasterKey     string
	MasterKeyFile string

	// Tamper evidence and file permissions
	AuditAnchorFile  string
	AuditAnchorEvery time.Duration
	AuditAnchorURL   string
	AuditOnTamper    string
	PermissionsCheck string

	// WhatsApp Cloud API
	AppSecret         string
	AppSecretPrevious string
	VerifyToken       string
	AccessToken       string
	GraphURL          string
	GraphVersion      string
	SendRate          float64
	PairInterval      time.Duration
	PairBurst         int
	WebhookMaxBytes   int64
	WebhookMemory     int64
	TemplateName      string
	NumberTemplates   string
	MarkRead          bool
	TemplateLanguage  string
	TemplateBody      string
	CannedReplies     string
	TemplateVariables int
	SendWorkers       int
	GraphTimeout      time.Duration
	ReconcileAfter    time.Duration

	// Business and compliance
	BusinessName      string
	Purpose           string
	PurposeES         string
	PurposePT         string
	PrivacyURL        string
	DPOContact        string
	NoticeVersion     string
	NoticeMaterial    bool
	NoticeResend      time.Duration
	DefaultRegion     string
	PolicyFile        string
	KeepProfileName   bool
	DSARApproval      bool
	DSARLinkTTL       time.Duration
	DownloadMedia     bool
	MediaMaxBytes     int64
	MediaToAgent      bool
	RetentionDays     int
	ErasureJournal    string
	BackupKeys        string
	EscalateSensitive bool

	// Accountability (checked by `trement doctor`, stated by `trement ropa`)
	ControllerContact     string
	RetentionReason       string
	AuditRetentionDays    int
	KeyBackupConfirmed    string
	BreachContact         string
	BreachTemplate        string
	HandlingPolicyURL     string
	HandlingPolicyVersion string

	// Tracing
	OTLPEndpoint string
	// CPUProfile is a file serve writes a Go CPU profile to, from start-up
	// to shutdown (no network endpoint: every route is authenticated).
	CPUProfile string

	// Alerts
	AlertWebhookURL    string
	AlertWebhookSecret string
	AlertSMTPAddr      string
	AlertEmailFrom     string
	AlertEmailTo       string
	RevealHours        string
	AlertTimeZone      string

	// People
	BusinessHours      string
	TimeZone           string
	HumanWait          time.Duration
	AnswerWhileWaiting bool

	// Agent
	AgentProvider   string
	KnowledgeDir    string
	AgentConfidence float64
	Instructions    string
	OpenAIURL       string
	OpenAIModel     string
	OpenAIKey       string
	OpenAITimeout   time.Duration
	DenyList        string
	RedactAllow     string

	// Answer safety
	BusinessContacts  string
	Grounding         bool
	Moderation        string
	ModerationURL     string
	ModerationModel   string
	ModerationKey     string
	ModerationTimeout time.Duration
}

// flagValue records a flag's text; booleans may be given bare (-dev).
type flagValue struct {
	v      *string
	isBool bool
}

func (f *flagValue) String() string {
	if f == nil || f.v == nil {
		return ""
	}
	return *f.v
}
func (f *flagValue) Set(s string) error { *f.v = s; return nil }
func (f *flagValue) IsBoolFlag() bool   { return f.isBool }

type setting struct {
	name   string // env suffix and flag name source: TREMENT_<name>, -<flag>
	def    string
	help   string
	secret bool
	ptr    any
}

func (s setting) env() string  { return "TREMENT_" + s.name }
func (s setting) flag() string { return strings.ReplaceAll(strings.ToLower(s.name), "_", "-") }

func settings(c *Config) []setting {
	return []setting{
		{"DATA_DIR", "./trement-data", "Folder for the SQLite database, the development key and exports.", false, &c.DataDir},
		{"DATABASE_URL", "", "`postgres://…` for PostgreSQL (several replicas), or `sqlite:PATH`. Empty: SQLite at DATA_DIR/trement.db.", true, &c.DatabaseURL},
		{"LISTEN", "127.0.0.1:8080", "Address the HTTP(S) server listens on.", false, &c.Listen},
		{"PUBLIC_URL", "", "The URL Meta and operators reach trement at (for links and the webhook address shown).", false, &c.PublicURL},
		{"TLS_CERT", "", "PEM certificate file; with TLS_KEY, serve TLS 1.3 only.", false, &c.TLSCert},
		{"TLS_KEY", "", "PEM private-key file for TLS_CERT.", false, &c.TLSKey},
		{"INSECURE_HTTP", "false", "Allow plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).", false, &c.InsecureHTTP},
		{"LOG_LEVEL", "info", "debug, info, warn or error.", false, &c.LogLevel},
		{"LOG_FORMAT", "text", "text or json.", false, &c.LogFormat},
		{"SIM_LISTEN", "127.0.0.1:8090", "Where `serve -dev` runs the WhatsApp simulator (its Graph API and customer page); port 0 picks a free one.", false, &c.SimListen},
		{"DEV", "false", "Development mode: start the local WhatsApp simulator beside the server (`serve --dev`).", false, &c.Dev},
		{"MASTER_KEY", "", "The 256-bit master key (64 hex digits or base64). Prefer MASTER_KEY_FILE.", true, &c.MasterKey},
		{"MASTER_KEY_FILE", "", "File holding the master key. Neither set: a development key is generated in DATA_DIR with a warning.", false, &c.MasterKeyFile},
		{"AUDIT_ANCHOR_FILE", "", "File outside DATA_DIR where the signed audit head is written now and then (an external anchor the database cannot rewrite); `audit verify -anchor` and start-up hold the log to it. The head is also logged as an `audit anchor` line.", false, &c.AuditAnchorFile},
		{"AUDIT_ANCHOR_EVERY", "1m", "How often the audit head is anchored (file, log line, AUDIT_ANCHOR_URL) when it moved.", false, &c.AuditAnchorEvery},
		{"AUDIT_ANCHOR_URL", "", "Optional https URL the signed audit head is POSTed to (JSON) at each anchoring.", false, &c.AuditAnchorURL},
		{"AUDIT_ON_TAMPER", "refuse", "When the audit tables' append-only triggers are gone or the log does not reach its anchor: refuse (do not start) or alert (start, log an error and audit it).", false, &c.AuditOnTamper},
		{"PERMISSIONS_CHECK", "refuse", "When DATA_DIR, the SQLite files or the master key file are readable by group or others: refuse (do not start) or warn.", false, &c.PermissionsCheck},
		{"APP_SECRET", "", "Meta App Secret: verifies X-Hub-Signature-256 on webhooks.", true, &c.AppSecret},
		{"APP_SECRET_PREVIOUS", "", "The previous App Secret, also accepted while you rotate it.", true, &c.AppSecretPrevious},
		{"VERIFY_TOKEN", "", "Token Meta echoes in the webhook verification handshake.", true, &c.VerifyToken},
		{"ACCESS_TOKEN", "", "Graph API access token (system user) used to send.", true, &c.AccessToken},
		{"GRAPH_URL", "https://graph.facebook.com", "Graph API base URL (the simulator's in development).", false, &c.GraphURL},
		{"GRAPH_VERSION", "v24.0", "Graph API version in request paths.", false, &c.GraphVersion},
		{"SEND_RATE", "80", "Messages per second per business number (Meta's default 80, up to 1000).", false, &c.SendRate},
		{"PAIR_INTERVAL", "6s", "Per-customer pace: on average one message per interval to the same customer (Meta's pair limit); 0s turns it off.", false, &c.PairInterval},
		{"PAIR_BURST", "20", "Messages to one customer that may leave at once before PAIR_INTERVAL paces them (Meta allows bursts of about 45).", false, &c.PairBurst},
		{"WEBHOOK_MAX_BYTES", "4194304", "Largest webhook body accepted (Meta sends up to 3 MB); larger gets 413.", false, &c.WebhookMaxBytes},
		{"WEBHOOK_MEMORY", "33554432", "Bytes of webhook bodies held at once (each post reserves its Content-Length before reading); a post that does not fit gets 503 with Retry-After, unread. At least WEBHOOK_MAX_BYTES.", false, &c.WebhookMemory},
		{"HASH_MEMORY", "134217728", "Bytes argon2id password hashes may use at once (each takes 64 MiB): 128 MiB runs two sign-ins at a time, the rest wait.", false, &c.HashMemory},
		{"MEMORY_LIMIT", "0", "Soft memory limit of the Go runtime in bytes (debug.SetMemoryLimit): past it the collector works harder and returns memory to the system. 0: Go's default (GOMEMLIMIT if set).", false, &c.MemoryLimit},
		{"UNAUTH_RATE", "1", "Unauthenticated requests per second each source address (IPv6: each /64) may make on average: sign-in posts, refused requests, refused webhooks; past UNAUTH_BURST it gets 429 with Retry-After. Per replica; X-Forwarded-For is not believed.", false, &c.UnauthRate},
		{"UNAUTH_BURST", "60", "Unauthenticated requests a source address may make at once before UNAUTH_RATE paces it.", false, &c.UnauthBurst},
		{"REFUSAL_WINDOW", "1m", "Refused requests are audited once per source, route and kind of reason in each window: the first at once, the rest as one event with their count at the window's end (and at shutdown); the metric counts each.", false, &c.RefusalWindow},
		{"MARK_READ", "true", "Mark every inbound message read (blue ticks) once it is stored.", false, &c.MarkRead},
		{"TEMPLATE_NAME", "", "Approved template sent instead of a free-form reply outside the 24-hour window. Empty: such replies fail with a clear reason.", false, &c.TemplateName},
		{"TEMPLATE_LANGUAGE", "en_US", "Language code of TEMPLATE_NAME.", false, &c.TemplateLanguage},
		{"TEMPLATE_VARIABLES", "0", "Number of body variables ({{1}}, {{2}}, ...) TEMPLATE_NAME was approved with; start-up fails unless TEMPLATE_BODY fills exactly that many.", false, &c.TemplateVariables},
		{"CANNED_REPLIES", "", "Canned replies operators can pick in a conversation's reply box, as title=text entries separated by | (e.g. Greeting=Hi, this is the support team. How can I help?|Closing=Is there anything else I can do for you?); the operator can edit the text before sending.", false, &c.CannedReplies},
		{"NUMBER_TEMPLATES", "", "JSON: a business number's own template for a closed 24-hour window, by phone_number_id, for numbers of another WhatsApp Business Account (templates belong to the account), e.g. {\"106540352242922\":{\"name\":\"reabrir\",\"language\":\"es\",\"body\":[\"Tienda Aurora\"]}}. Numbers not listed use TEMPLATE_NAME.", false, &c.NumberTemplates},
		{"TEMPLATE_BODY", "", "Values of TEMPLATE_NAME's body variables in order, separated by |, sent as text parameters of the body component (e.g. Tienda Aurora|https://aurora.example/help). Empty: a template without variables.", false, &c.TemplateBody},
		{"GRAPH_TIMEOUT", "15s", "Timeout of one Graph API request; after a timeout the send is reconciled, not blindly repeated.", false, &c.GraphTimeout},
		{"RECONCILE_AFTER", "10m", "How long a send whose answer was lost (timeout, crash) waits for a status webhook naming it before it is sent again.", false, &c.ReconcileAfter},
		{"SEND_WORKERS", "0", "Concurrent Graph API requests per replica, and the size of its HTTP/1.1 connection pool; 0 sizes it from SEND_RATE (rate/4, 8 to 256).", false, &c.SendWorkers},
		{"BUSINESS_NAME", "Tienda Aurora", "Business name used in notices and the agent's disclosure.", false, &c.BusinessName},
		{"PURPOSE", "customer support for your orders and questions", "Purpose of processing, stated at first contact (English; the consent ledger records this one).", false, &c.Purpose},
		{"PURPOSE_ES", "atención al cliente sobre tus pedidos y consultas", "The purpose as Spanish notices state it.", false, &c.PurposeES},
		{"PURPOSE_PT", "atendimento ao cliente sobre seus pedidos e dúvidas", "The purpose as Portuguese notices state it.", false, &c.PurposePT},
		{"PRIVACY_URL", "https://example.com/privacy", "Privacy notice linked at first contact and on PRIVACY.", false, &c.PrivacyURL},
		{"DPO_CONTACT", "dpo@example.com", "Data-protection officer contact, named where the region requires one.", false, &c.DPOContact},
		{"NOTICE_VERSION", "2026-11-01", "Version of the privacy notice consent is given under.", false, &c.NoticeVersion},
		{"NOTICE_MATERIAL", "false", "The current notice version changed materially: ask everyone for consent again.", false, &c.NoticeMaterial},
		{"NOTICE_RESEND_AFTER", "24h", "A customer who writes again before answering the consent question gets the notice again only this long after the last one (their messages are counted, not kept).", false, &c.NoticeResend},
		{"DEFAULT_REGION", "STRICT", "Rules for numbers outside the known regions: STRICT (strictest of all) or GDPR, ES, BR, MX, CO, AR, CA.", false, &c.DefaultRegion},
		{"POLICY_FILE", "", "JSON file overriding region rules (deadlines, DPO, ages, notices' facts) per region, e.g. {\"overrides\":{\"ES\":{\"access\":{\"days\":20}}}}; see internal/policy.Config.", false, &c.PolicyFile},
		{"KEEP_PROFILE_NAME", "false", "Keep the customer's WhatsApp profile name (off: data minimisation).", false, &c.KeepProfileName},
		{"DOWNLOAD_MEDIA", "false", "Keep the files customers send (images, documents, audio, video, stickers) after consent: each is downloaded through the Graph API's media endpoint after the webhook was acknowledged, checked against Meta's size and SHA-256, sealed under the customer's key, kept and erased with its message, and shown to operators who can read the conversation. Off: only a media message's type and caption are kept.", false, &c.DownloadMedia},
		{"MEDIA_MAX_BYTES", "16777216", "Largest customer file DOWNLOAD_MEDIA keeps (1024 to 104857600); a larger one is refused from its metadata, before it is fetched, and recorded as failed. Up to four downloads run at once, each holding about twice its file in memory.", false, &c.MediaMaxBytes},
		{"MEDIA_TO_AGENT", "false", "Reserved: giving the agent's model the files themselves is not built, so true is refused at start-up; the agent sees only a label such as [image] and the caption.", false, &c.MediaToAgent},
		{"DSAR_APPROVAL", "false", "Make every data-subject request wait for the DPO's approval (POST /api/v1/dsar/{id}/approve) instead of fulfilling verified ones automatically.", false, &c.DSARApproval},
		{"DSAR_LINK_TTL", "24h", "How long the single-use download link of a data export works before the export is shredded (5m to 168h).", false, &c.DSARLinkTTL},
		{"RETENTION_DAYS", "30", "Days messages are kept before the purger deletes them (30, 60, 90 or custom).", false, &c.RetentionDays},
		{"ERASURE_JOURNAL", "", "File recording every erasure (blind indexes only), re-applied when a database or backup is restored; keep it outside the database's backups. Empty: DATA_DIR/erasure-journal.jsonl.", false, &c.ErasureJournal},
		{"BACKUP_KEYS", "", "SQLite: file of per-customer backup keys; `trement backup` seals every data key under one and an erasure destroys the customer's, so backups taken before it no longer open them. Keep it outside the database's backups, on storage you back up separately: without it no backup restores. 'off': backups sealed by the master key alone. Empty: DATA_DIR/backup-keys.db.", false, &c.BackupKeys},
		{"CONTROLLER_CONTACT", "", "How to reach the controller (postal address and e-mail), for the record of processing.", false, &c.ControllerContact},
		{"AUDIT_RETENTION_DAYS", "1095", "Days audit events are kept (0: forever; otherwise 365 or more and at least RETENTION_DAYS). They hold no personal data; the oldest go below a keyed floor from which the chain still verifies. Default 3 years: CCPA keeps request records 24 months, LOPDGDD blocking runs 3 years.", false, &c.AuditRetentionDays},
		{"RETENTION_REASON", "", "Documented reason for keeping messages more than 90 days (doctor fails longer retention without one).", false, &c.RetentionReason},
		{"KEY_BACKUP_CONFIRMED", "", "Where and when the master key was backed up, e.g. '2026-12-01 company vault + offline safe' (doctor fails without it).", false, &c.KeyBackupConfirmed},
		{"BREACH_CONTACT", "", "Who runs a breach response and the legal clocks (e-mail/phone); doctor fails without it.", false, &c.BreachContact},
		{"BREACH_TEMPLATE", "", "Approved WhatsApp template the breach notice goes to affected customers with, once a DPO approved it (language per region: en_US, es, pt_BR).", false, &c.BreachTemplate},
		{"HANDLING_POLICY_URL", "", "The business's data-handling policy every operator must read and acknowledge.", false, &c.HandlingPolicyURL},
		{"HANDLING_POLICY_VERSION", "", "Version of HANDLING_POLICY_URL; operators acknowledge again when it changes.", false, &c.HandlingPolicyVersion},
		{"OTLP_ENDPOINT", "", "OpenTelemetry collector (OTLP over HTTP, e.g. http://127.0.0.1:4318) to export traces to: webhook → inbox → flow → agent → send as one trace, with no personal data in spans. Empty: no tracing.", false, &c.OTLPEndpoint},
		{"CPU_PROFILE", "", "File `serve` writes a Go CPU profile (pprof) to, from start-up until it shuts down; for `go tool pprof`, e.g. from `go run ./bench/loadgen -cpuprofile`. Empty: none. There is no profiling endpoint.", false, &c.CPUProfile},
		{"ALERT_WEBHOOK_URL", "", "Anomaly alerts are POSTed here as JSON, signed with X-Trement-Signature-256 (HMAC-SHA256 with ALERT_WEBHOOK_SECRET).", false, &c.AlertWebhookURL},
		{"ALERT_WEBHOOK_SECRET", "", "Secret that signs alert webhooks. Secret: never logged.", true, &c.AlertWebhookSecret},
		{"ALERT_SMTP_ADDR", "", "SMTP server (host:port) that mails alerts to ALERT_EMAIL_TO.", false, &c.AlertSMTPAddr},
		{"ALERT_EMAIL_FROM", "trement@localhost", "Sender address of alert e-mails.", false, &c.AlertEmailFrom},
		{"ALERT_EMAIL_TO", "", "Comma-separated recipients of alert e-mails.", false, &c.AlertEmailTo},
		{"REVEAL_HOURS", "07-21", "Working hours (HH-HH, in ALERT_TIME_ZONE); a reveal of personal data outside them raises an alert.", false, &c.RevealHours},
		{"ALERT_TIME_ZONE", "UTC", "Time zone of REVEAL_HOURS, e.g. Europe/Madrid.", false, &c.AlertTimeZone},
		{"ESCALATE_SENSITIVE", "true", "Hand a conversation to a human when special-category data (health, religion…) appears.", false, &c.EscalateSensitive},
		{"BUSINESS_HOURS", "mon-fri 09:00-20:00", "When people answer handed-over conversations: days and a span, e.g. mon-fri 09:00-18:00 or mon-fri,sat 10:00-14:00; empty: always. A hand-over tells the customer when to expect a reply.", false, &c.BusinessHours},
		{"TIMEZONE", "Europe/Madrid", "IANA time zone of BUSINESS_HOURS, named to the customer outside them.", false, &c.TimeZone},
		{"HUMAN_WAIT", "15m", "How long a handed-over conversation waits for a person before the customer is told no one is free and the assistant answers again meanwhile (it stays in the queue); 0s waits for good.", false, &c.HumanWait},
		{"ANSWER_WHILE_WAITING", "false", "Let the assistant answer knowledge questions while a conversation waits for a person (off: it stays silent until a person or HUMAN_WAIT).", false, &c.AnswerWhileWaiting},
		{"AGENT", "builtin", "Agent provider: builtin (offline knowledge agent) or openai (any OpenAI-compatible server).", false, &c.AgentProvider},
		{"KNOWLEDGE_DIR", "", "Folder of Markdown/FAQ articles for the agent. Empty: the bundled sample shop.", false, &c.KnowledgeDir},
		{"AGENT_CONFIDENCE", "0.35", "Below this confidence the agent says it is unsure and offers a human.", false, &c.AgentConfidence},
		{"INSTRUCTIONS", "", "Extra instructions for the LLM agent (tone, scope).", false, &c.Instructions},
		{"OPENAI_URL", "", "Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:11434/v1 (Ollama).", false, &c.OpenAIURL},
		{"OPENAI_MODEL", "", "Model name for OPENAI_URL.", false, &c.OpenAIModel},
		{"OPENAI_KEY", "", "API key for OPENAI_URL, if it needs one.", true, &c.OpenAIKey},
		{"OPENAI_TIMEOUT", "20s", "Timeout of one LLM request.", false, &c.OpenAITimeout},
		{"DENY_LIST", "", "Comma-separated phrases the agent must never send.", false, &c.DenyList},
		{"REDACT_ALLOW", "", "Comma-separated phrases never masked as a person's name, a street address or a postal code: the shop's own addresses, product names that look like people's (Carolina Herrera), staff names. A finding equal to an entry, or to whole words of one, is kept wherever messages are redacted (what the model sees, the answer filter, the training export, the console's masked view): listing Carolina Herrera also keeps a customer who signs Carolina.", false, &c.RedactAllow},
		{"BUSINESS_CONTACTS", "", "Comma-separated public contact data of the business (phone, e-mail, web address) answers may quote; those in the knowledge base are added.", false, &c.BusinessContacts},
		{"GROUNDING", "true", "Check that the prices, dates, deadlines, phone numbers… of a language model's answer come from its knowledge passages or the conversation; if not, send the passage or offer a person.", false, &c.Grounding},
		{"MODERATION", "off", "Ask a moderation model before sending a language model's answer: off, openai (an OpenAI-style /moderations endpoint) or guard (a Llama Guard–style chat model). Unreachable: the answer is not sent and a person takes over.", false, &c.Moderation},
		{"MODERATION_URL", "", "Base URL of the moderation API, e.g. http://127.0.0.1:11434/v1. Empty: OPENAI_URL.", false, &c.ModerationURL},
		{"MODERATION_MODEL", "", "Moderation model name. Empty: omni-moderation-latest for openai, llama-guard3 for guard.", false, &c.ModerationModel},
		{"MODERATION_KEY", "", "API key for MODERATION_URL. Empty: OPENAI_KEY when MODERATION_URL is empty.", true, &c.ModerationKey},
		{"MODERATION_TIMEOUT", "10s", "Timeout of one moderation request.", false, &c.ModerationTimeout},
	}
}

// Load builds the configuration from defaults, the file named by -config or
// TREMENT_CONFIG, the environment and args (flags). It returns the remaining
// positional arguments.
func Load(args []string, getenv func(string) string) (*Config, []string, error) {
	c := &Config{}
	ss := settings(c)
	vals := map[string]string{}
	from := map[string]string{}
	for _, s := range ss {
		vals[s.name] = s.def
		from[s.name] = "default"
	}

	fs := flag.NewFlagSet("trement", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configFile := fs.String("config", getenv("TREMENT_CONFIG"), "env-style configuration file")
	flagVals := map[string]*string{}
	for _, s := range ss {
		v := new(string)
		flagVals[s.name] = v
		_, isBool := s.ptr.(*bool)
		fs.Var(&flagValue{v: v, isBool: isBool}, s.flag(), s.help)
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}

	if *configFile != "" {
		fileVals, err := readFile(*configFile)
		if err != nil {
			return nil, nil, err
		}
		for k, v := range fileVals {
			if _, ok := vals[k]; !ok {
				return nil, nil, fmt.Errorf("config: %s: unknown setting TREMENT_%s", *configFile, k)
			}
			vals[k], from[k] = v, *configFile
		}
	}
	for _, s := range ss {
		if v, ok := lookup(getenv, s.env()); ok {
			vals[s.name], from[s.name] = v, s.env()
		}
	}
	setFlags := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { setFlags[f.Name] = true })
	for _, s := range ss {
		if setFlags[s.flag()] {
			vals[s.name], from[s.name] = *flagVals[s.name], "-"+s.flag()
		}
	}
	for _, s := range ss {
		if err := s.assign(vals[s.name]); err != nil {
			return nil, nil, fmt.Errorf("config: %s (from %s): %w", s.env(), from[s.name], err)
		}
	}
	c.fillDerived()
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	return c, fs.Args(), nil
}

func lookup(getenv func(string) string, k string) (string, bool) {
	v := getenv(k)
	return v, v != ""
}

func (s setting) assign(v string) error {
	v = strings.TrimSpace(v)
	switch p := s.ptr.(type) {
	case *string:
		*p = v
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", v)
		}
		*p = b
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
	case *int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", v)
		}
		*p = n
	case *float64:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
		*p = f
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 20s or 5m", v)
		}
		*p = d
	default:
		return fmt.Errorf("unsupported setting type %T", p)
	}
	return nil
}

// readFile reads KEY=VALUE lines (TREMENT_ prefix optional; # comments;
// values may be quoted).
func readFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("config: %s:%d: want KEY=VALUE", path, n)
		}
		k = strings.TrimPrefix(strings.TrimSpace(k), "TREMENT_")
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
			v = v[1 : len(v)-1]
		}
		out[k] = v
	}
	return out, sc.Err()
}

func (c *Config) fillDerived() {
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "trement.db")
	}
	if c.ErasureJournal == "" {
		c.ErasureJournal = filepath.Join(c.DataDir, "erasure-journal.jsonl")
	}
	switch c.BackupKeys {
	case "":
		c.BackupKeys = filepath.Join(c.DataDir, "backup-keys.db")
	case "off":
		c.BackupKeys = ""
	}
	if c.Moderation != "off" && c.ModerationURL == "" {
		c.ModerationURL = c.OpenAIURL
		if c.ModerationKey == "" {
			c.ModerationKey = c.OpenAIKey // the same server: the same key
		}
	}
	if c.ModerationModel == "" {
		switch c.Moderation {
		case "openai":
			c.ModerationModel = "omni-moderation-latest"
		case "guard":
			c.ModerationModel = "llama-guard3"
		}
	}
}

// Validate rejects bad values and combinations, naming the setting.
func (c *Config) Validate() error {
	var errs []error
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("config: TREMENT_%s: %s", name, fmt.Sprintf(format, a...)))
	}
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		bad("LISTEN", "%q is not host:port", c.Listen)
	} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		bad("LISTEN", "port %q is not a number from 0 to 65535", port)
	}
	if h, _, err := net.SplitHostPort(c.SimListen); err != nil || !IsLoopback(h) {
		bad("SIM_LISTEN", "%q must be a loopback host:port: the simulator's customer page has no authentication", c.SimListen)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("TLS_CERT", "TLS_CERT and TLS_KEY must be set together")
	}
	if err := c.checkTemplateBody(); err != nil {
		bad("TEMPLATE_BODY", "%v", err)
	}
	if _, err := c.NumberTemplateMap(); err != nil {
		bad("NUMBER_TEMPLATES", "%v", err)
	}
	if _, err := c.CannedReplyList(); err != nil {
		bad("CANNED_REPLIES", "%v", err)
	}
	if _, _, err := c.RevealWindow(); err != nil {
		bad("REVEAL_HOURS", "%v", err)
	}
	if _, err := time.LoadLocation(c.AlertTimeZone); err != nil {
		bad("ALERT_TIME_ZONE", "%q is not a time zone: %v", c.AlertTimeZone, err)
	}
	if c.AlertWebhookURL != "" && c.AlertWebhookSecret == "" {
		bad("ALERT_WEBHOOK_SECRET", "required with ALERT_WEBHOOK_URL: receivers must be able to check where alerts come from")
	}
	if (c.AlertSMTPAddr == "") != (c.AlertEmailTo == "") {
		bad("ALERT_SMTP_ADDR", "ALERT_SMTP_ADDR and ALERT_EMAIL_TO must be set together")
	}
	if err == nil && c.TLSCert == "" && !c.InsecureHTTP && !IsLoopback(host) {
		bad("LISTEN", "%q is not a loopback address and TLS is off: set TLS_CERT and TLS_KEY, or INSECURE_HTTP=true behind a TLS-terminating proxy", c.Listen)
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		bad("DATABASE_URL", "must start with sqlite:, postgres:// or postgresql://")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL", "%q is not debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("LOG_FORMAT", "%q is not text or json", c.LogFormat)
	}
	if c.MasterKey != "" && c.MasterKeyFile != "" {
		bad("MASTER_KEY", "set MASTER_KEY or MASTER_KEY_FILE, not both")
	}
	if c.AuditAnchorFile != "" && within(c.AuditAnchorFile, c.DataDir) {
		bad("AUDIT_ANCHOR_FILE", "%q is inside DATA_DIR: the anchor must live where whoever can rewrite the database cannot", c.AuditAnchorFile)
	}
	if c.AuditAnchorEvery < time.Second || c.AuditAnchorEvery > 24*time.Hour {
		bad("AUDIT_ANCHOR_EVERY", "%v is outside 1s to 24h", c.AuditAnchorEvery)
	}
	if c.AuditAnchorURL != "" {
		if u, err := url.Parse(c.AuditAnchorURL); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && IsLoopback(u.Hostname()))) {
			bad("AUDIT_ANCHOR_URL", "%q is not an https URL (http only to a loopback address)", c.AuditAnchorURL)
		}
	}
	if c.AuditOnTamper != "refuse" && c.AuditOnTamper != "alert" {
		bad("AUDIT_ON_TAMPER", "%q is not refuse or alert", c.AuditOnTamper)
	}
	if c.PermissionsCheck != "refuse" && c.PermissionsCheck != "warn" {
		bad("PERMISSIONS_CHECK", "%q is not refuse or warn", c.PermissionsCheck)
	}
	if c.SendRate <= 0 || c.SendRate > 1000 {
		bad("SEND_RATE", "%v is outside 0 < rate ≤ 1000 messages per second", c.SendRate)
	}
	if c.PairInterval < 0 || c.PairInterval > time.Minute {
		bad("PAIR_INTERVAL", "%v is outside 0 to 1m", c.PairInterval)
	}
	if c.PairBurst < 1 || c.PairBurst > 45 {
		bad("PAIR_BURST", "%d is outside 1 to 45", c.PairBurst)
	}
	if c.WebhookMaxBytes < 64<<10 || c.WebhookMaxBytes > 64<<20 {
		bad("WEBHOOK_MAX_BYTES", "%d is outside 65536 to 67108864 (Meta sends up to 3 MB)", c.WebhookMaxBytes)
	}
	if c.WebhookMemory < c.WebhookMaxBytes || c.WebhookMemory > 16<<30 {
		bad("WEBHOOK_MEMORY", "%d is outside WEBHOOK_MAX_BYTES (%d) to 17179869184 (16 GiB)", c.WebhookMemory, c.WebhookMaxBytes)
	}
	if c.HashMemory < 8<<20 || c.HashMemory > 64<<30 {
		bad("HASH_MEMORY", "%d is outside 8388608 (8 MiB) to 68719476736 (64 GiB)", c.HashMemory)
	}
	if c.MemoryLimit != 0 && c.MemoryLimit < c.HashMemory+c.WebhookMemory+64<<20 {
		bad("MEMORY_LIMIT", "%d is below HASH_MEMORY + WEBHOOK_MEMORY + 64 MiB (%d): set 0 or more", c.MemoryLimit, c.HashMemory+c.WebhookMemory+64<<20)
	}
	if c.UnauthRate <= 0 || c.UnauthRate > 10000 {
		bad("UNAUTH_RATE", "%v is outside 0 < rate ≤ 10000 requests per second", c.UnauthRate)
	}
	if c.UnauthBurst < 1 || c.UnauthBurst > 100000 {
		bad("UNAUTH_BURST", "%d is outside 1 to 100000", c.UnauthBurst)
	}
	if c.RefusalWindow < time.Second || c.RefusalWindow > time.Hour {
		bad("REFUSAL_WINDOW", "%v is outside 1s to 1h", c.RefusalWindow)
	}
	if c.GraphTimeout < time.Second || c.GraphTimeout > 5*time.Minute {
		bad("GRAPH_TIMEOUT", "%v is outside 1s to 5m", c.GraphTimeout)
	}
	if c.ReconcileAfter < time.Second || c.ReconcileAfter > 24*time.Hour {
		bad("RECONCILE_AFTER", "%v is outside 1s to 24h", c.ReconcileAfter)
	}
	if c.SendWorkers < 0 || c.SendWorkers > 256 {
		bad("SEND_WORKERS", "%d is outside 0 (automatic) to 256", c.SendWorkers)
	}
	if u, err := url.Parse(c.GraphURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad("GRAPH_URL", "%q is not an http(s) URL", c.GraphURL)
	}
	if !strings.HasPrefix(c.GraphVersion, "v") {
		bad("GRAPH_VERSION", "%q does not look like v24.0", c.GraphVersion)
	}
	if u, err := url.Parse(c.PrivacyURL); err != nil || u.Host == "" || (u.Scheme != "https" && !(c.Dev && u.Scheme == "http")) {
		bad("PRIVACY_URL", "%q is not an https URL", c.PrivacyURL)
	}
	if strings.TrimSpace(c.BusinessName) == "" {
		bad("BUSINESS_NAME", "must not be empty")
	}
	if strings.TrimSpace(c.Purpose) == "" {
		bad("PURPOSE", "must not be empty: the purpose is stated at first contact")
	}
	if strings.TrimSpace(c.NoticeVersion) == "" {
		bad("NOTICE_VERSION", "must not be empty")
	}
	if c.NoticeResend < time.Minute || c.NoticeResend > 30*24*time.Hour {
		bad("NOTICE_RESEND_AFTER", "%v is outside 1m to 720h", c.NoticeResend)
	}
	switch c.DefaultRegion {
	case "STRICT", "GDPR", "ES", "BR", "MX", "CO", "AR", "CA":
	default:
		bad("DEFAULT_REGION", "%q is not STRICT, GDPR, ES, BR, MX, CO, AR or CA", c.DefaultRegion)
	}
	if c.DSARLinkTTL < 5*time.Minute || c.DSARLinkTTL > 168*time.Hour {
		bad("DSAR_LINK_TTL", "%v is outside 5m to 168h", c.DSARLinkTTL)
	}
	if c.MediaMaxBytes < 1<<10 || c.MediaMaxBytes > 100<<20 {
		bad("MEDIA_MAX_BYTES", "%d is outside 1024 to 104857600 (WhatsApp's 100 MB)", c.MediaMaxBytes)
	}
	if c.MediaToAgent {
		// Saying yes to something that does not happen would put a false
		// line in the records of processing.
		bad("MEDIA_TO_AGENT", "passing files to the model is not available in this version; the agent sees only a media message's label and caption")
	}
	if c.RetentionDays < 1 || c.RetentionDays > 3650 {
		bad("RETENTION_DAYS", "%d is outside 1 to 3650 days", c.RetentionDays)
	}
	if d := c.AuditRetentionDays; d != 0 && (d < 365 || d < c.RetentionDays || d > 36500) {
		bad("AUDIT_RETENTION_DAYS", "%d: keep audit events forever (0) or 365 to 36500 days, and no shorter than RETENTION_DAYS (%d)", d, c.RetentionDays)
	}
	switch c.AgentProvider {
	case "builtin":
	case "openai":
		if u, err := url.Parse(c.OpenAIURL); err != nil || u.Host == "" {
			bad("OPENAI_URL", "AGENT=openai needs an http(s) base URL, got %q", c.OpenAIURL)
		}
		if c.OpenAIModel == "" {
			bad("OPENAI_MODEL", "AGENT=openai needs a model name")
		}
	default:
		bad("AGENT", "%q is not builtin or openai", c.AgentProvider)
	}
	if c.AgentConfidence < 0 || c.AgentConfidence > 1 {
		bad("AGENT_CONFIDENCE", "%v is outside 0 to 1", c.AgentConfidence)
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		bad("TIMEZONE", "%q is not an IANA time zone such as Europe/Madrid", c.TimeZone)
	}
	if c.HumanWait < 0 {
		bad("HUMAN_WAIT", "must not be negative")
	}
	if c.OpenAITimeout <= 0 {
		bad("OPENAI_TIMEOUT", "must be positive")
	}
	switch c.Moderation {
	case "off":
	case "openai", "guard":
		if u, err := url.Parse(c.ModerationURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("MODERATION_URL", "MODERATION=%s needs an http(s) base URL (or OPENAI_URL), got %q", c.Moderation, c.ModerationURL)
		}
	default:
		bad("MODERATION", "%q is not off, openai or guard", c.Moderation)
	}
	if c.ModerationTimeout <= 0 {
		bad("MODERATION_TIMEOUT", "must be positive")
	}
	return errors.Join(errs...)
}

// within reports whether path lies inside dir (both made absolute).
func within(path, dir string) bool {
	p, err1 := filepath.Abs(path)
	d, err2 := filepath.Abs(dir)
	if err1 != nil || err2 != nil {
		return false
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// RequireChannel checks what serving real traffic needs (not development).
func (c *Config) RequireChannel() error {
	var errs []error
	for name, v := range map[string]string{"APP_SECRET": c.AppSecret, "VERIFY_TOKEN": c.VerifyToken, "ACCESS_TOKEN": c.AccessToken} {
		if v == "" {
			errs = append(errs, fmt.Errorf("config: TREMENT_%s: required to serve WhatsApp traffic (or use `serve --dev` for the local simulator)", name))
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// IsLoopback reports whether host (as in a host:port) names this machine
// only: localhost, 127.0.0.0/8 or ::1.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Markdown returns the configuration reference as a Markdown table.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| Environment variable | Flag | Default | Meaning |\n|---|---|---|---|\n")
	for _, s := range settings(&Config{}) {
		def := s.def
		if def == "" {
			def = "(empty)"
		}
		help := s.help
		if s.secret {
			help += " Secret: never logged."
		}
		fmt.Fprintf(&b, "| `%s` | `-%s` | `%s` | %s |\n", s.env(), s.flag(), def, help)
	}
	return b.String()
}

// Redacted returns the effective settings with secrets hidden, for logs
// and `trement config show`.
func (c *Config) Redacted() [][2]string {
	var out [][2]string
	for _, s := range settings(c) {
		v := fmt.Sprint(reflectValue(s.ptr))
		if s.secret && v != "" {
			v = "(set, hidden)"
		}
		out = append(out, [2]string{s.env(), v})
	}
	return out
}

func reflectValue(p any) any {
	switch p := p.(type) {
	case *string:
		return *p
	case *bool:
		return *p
	case *int:
		return *p
	case *int64:
		return *p
	case *float64:
		return *p
	case *time.Duration:
		return *p
	}
	return nil
}

// RevealWindow parses REVEAL_HOURS ("07-21") into a start and end hour.
func (c *Config) RevealWindow() (start, end int, err error) {
	a, b, ok := strings.Cut(c.RevealHours, "-")
	start, err1 := strconv.Atoi(strings.TrimSpace(a))
	end, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || start < 0 || end > 24 || start >= end {
		return 0, 0, fmt.Errorf("%q is not HH-HH with 0 <= start < end <= 24", c.RevealHours)
	}
	return start, end, nil
}

// CannedReply is one of CANNED_REPLIES.
type CannedReply struct{ Title, Text string }

// CannedReplyList parses CANNED_REPLIES: title=text entries separated by
// |, each title up to 60 characters and each text 1 to 4,096 (WhatsApp's
// limit for a text message).
func (c *Config) CannedReplyList() ([]CannedReply, error) {
	if strings.TrimSpace(c.CannedReplies) == "" {
		return nil, nil
	}
	var out []CannedReply
	seen := map[string]bool{}
	for i, e := range strings.Split(c.CannedReplies, "|") {
		title, text, ok := strings.Cut(e, "=")
		title, text = strings.TrimSpace(title), strings.TrimSpace(text)
		switch {
		case !ok || title == "" || text == "":
			return nil, fmt.Errorf("entry %d (%q) is not title=text", i+1, e)
		case len([]rune(title)) > 60:
			return nil, fmt.Errorf("entry %d: the title is longer than 60 characters", i+1)
		case len([]rune(text)) > 4096:
			return nil, fmt.Errorf("entry %d: the text is longer than WhatsApp's 4,096 characters", i+1)
		case seen[title]:
			return nil, fmt.Errorf("entry %d: the title %q is used twice", i+1, title)
		}
		seen[title] = true
		out = append(out, CannedReply{Title: title, Text: text})
	}
	return out, nil
}

// TemplateBodyParams is TEMPLATE_BODY split into its variables (nil when empty).
func (c *Config) TemplateBodyParams() []string {
	if c.TemplateBody == "" {
		return nil
	}
	return strings.Split(c.TemplateBody, "|")
}

// NumberTemplate is one business number's template (NUMBER_TEMPLATES).
type NumberTemplate struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Body     []string `json:"body"`
}

// NumberTemplateMap parses NUMBER_TEMPLATES (nil when empty): keys are
// phone_number_ids (digits), every template has a name and a language,
// and its body variables are what Meta accepts in parameters.
func (c *Config) NumberTemplateMap() (map[string]NumberTemplate, error) {
	if strings.TrimSpace(c.NumberTemplates) == "" {
		return nil, nil
	}
	var m map[string]NumberTemplate
	dec := json.NewDecoder(strings.NewReader(c.NumberTemplates))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a JSON object of phone_number_id → {name, language, body}: %v", err)
	}
	for id, t := range m {
		if id == "" || strings.Trim(id, "0123456789") != "" {
			return nil, fmt.Errorf("%q is not a phone_number_id (digits)", id)
		}
		if strings.TrimSpace(t.Name) == "" || strings.TrimSpace(t.Language) == "" {
			return nil, fmt.Errorf("the template of %s needs a name and a language", id)
		}
		if err := checkParams(t.Body); err != nil {
			return nil, fmt.Errorf("the template of %s: %v", id, err)
		}
	}
	return m, nil
}

// checkTemplateBody holds TEMPLATE_BODY to what Meta accepts for body text
// parameters: exactly TEMPLATE_VARIABLES of them, none empty, no newline or
// tab, no more than four spaces in a row (Meta refuses the send with 132000
// or 131008 otherwise, every time, so it is refused at start-up instead).
func (c *Config) checkTemplateBody() error {
	params := c.TemplateBodyParams()
	if c.TemplateVariables < 0 {
		return fmt.Errorf("TEMPLATE_VARIABLES %d is negative", c.TemplateVariables)
	}
	if len(params) != c.TemplateVariables {
		return fmt.Errorf("%d parameter(s) given, TEMPLATE_VARIABLES says the template has %d", len(params), c.TemplateVariables)
	}
	if len(params) > 0 && c.TemplateName == "" {
		return fmt.Errorf("set without TEMPLATE_NAME")
	}
	return checkParams(params)
}

// checkParams holds template body variables to what Meta accepts.
func checkParams(params []string) error {
	for i, p := range params {
		switch {
		case strings.TrimSpace(p) == "":
			return fmt.Errorf("variable {{%d}} is empty", i+1)
		case strings.ContainsAny(p, "\n\t"):
			return fmt.Errorf("variable {{%d}} has a newline or tab, which Meta refuses in parameters", i+1)
		case strings.Contains(p, "     "):
			return fmt.Errorf("variable {{%d}} has more than four spaces in a row, which Meta refuses in parameters", i+1)
		}
	}
	return nil
}
