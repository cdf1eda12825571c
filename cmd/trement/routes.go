package main

import (
	"net/http"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
	"github.com/trement/trement/internal/incident"
)

// routes assembles the HTTP surface: the console (operators' pages and
// JSON API, which authenticates and authorises every route) with the
// webhook and metrics added as routes of its own, so they get the same
// permission checks, headers and request ids.
func (a *app) routes() (http.Handler, error) {
	wh, err := a.webhook()
	if err != nil {
		return nil, err
	}
	authSvc, err := auth.NewService(auth.Config{Store: a.db.AuthStore(), Now: time.Now, Logger: a.log, Pseudonym: a.db.Index().Pseudonym,
		HashMemory: a.cfg.HashMemory})
	if err != nil {
		return nil, err
	}
	refusals, err := audit.NewRefusals(audit.RefusalsConfig{Window: a.cfg.RefusalWindow, Write: a.db.Audit})
	if err != nil {
		return nil, err
	}
	var canned []console.CannedReply
	list, _ := a.cfg.CannedReplyList() // checked when the configuration was loaded
	for _, c := range list {
		canned = append(canned, console.CannedReply{Title: c.Title, Text: c.Text})
	}
	srv, err := console.New(console.Deps{
		CannedReplies: canned,
		DB:            a.db, Logger: a.log, SecureCookies: a.cfg.TLSCert != "", Auth: authSvc,
		Refusals: refusals, Refused: func(kind string) { a.metrics.RequestsRefused.WithLabelValues(kind).Inc() },
		UnauthRate: a.cfg.UnauthRate, UnauthBurst: a.cfg.UnauthBurst, AuditAnchorFile: a.cfg.AuditAnchorFile,
		Conversations: consoleConversations{db: a.db, svc: a.svc, redact: newRedactor(a.cfg)}, Messages: a.svc, Rights: a.rights,
		Policy: console.HandlingPolicy{URL: a.cfg.HandlingPolicyURL, Version: a.cfg.HandlingPolicyVersion},
		Incidents: console.IncidentConfig{Packs: a.policy, Template: a.cfg.BreachTemplate,
			Controller: incident.Controller{Name: a.cfg.BusinessName, Contact: a.cfg.ControllerContact, DPO: a.cfg.DPOContact}},
		// Field by field, never the whole config: the page cannot show a
		// secret it was not given.
		Settings: console.Settings{PrivacyURL: a.cfg.PrivacyURL, NoticeVersion: a.cfg.NoticeVersion, Purpose: a.cfg.Purpose,
			DPOContact: a.cfg.DPOContact, RetentionDays: a.cfg.RetentionDays, AuditRetentionDays: a.cfg.AuditRetentionDays, DSARLinkTTL: a.cfg.DSARLinkTTL, Rules: a.policy,
			Agent: a.cfg.AgentProvider, AgentModel: a.cfg.OpenAIModel, AgentURL: a.cfg.OpenAIURL},
		Extra: []console.Route{
			// Meta's handshake proves the verify token; POSTs are
			// authenticated by the handler's HMAC check of the raw body.
			{Method: "GET", Pattern: "/webhook", Perm: auth.PermWebhookDeliver, Auth: console.AuthSignature, Handler: wh},
			{Method: "POST", Pattern: "/webhook", Perm: auth.PermWebhookDeliver, Auth: console.AuthSignature, Handler: wh},
			{Method: "GET", Pattern: "/readyz", Perm: auth.PermHealthRead, Auth: console.AuthPublic, Handler: http.HandlerFunc(a.readyz)},
			{Method: "GET", Pattern: "/metrics", Perm: auth.PermMetricsRead, Auth: console.AuthToken, Handler: a.metrics.Handler()},
			{Method: "POST", Pattern: "/api/v1/outbox/resume", Perm: auth.PermSettingsManage, Auth: console.AuthSessionOrToken, Handler: http.HandlerFunc(a.resumeSending)},
		},
	})
	if err != nil {
		return nil, err
	}
	a.console = srv
	return srv.Handler(), nil
}

// resumeSending clears a pause after the token or number was fixed. The
// audit record is written first: an action that cannot be audited is not
// taken.
func (a *app) resumeSending(w http.ResponseWriter, r *http.Request) {
	p, ri := console.PrincipalFrom(r.Context()), console.RequestInfo(r.Context())
	ev := &audit.Event{ActorType: p.ActorType(), ActorID: p.ActorID(), Action: "config.resume_sending", Target: "outbox",
		Outcome: audit.Success, RequestID: ri.RequestID, SourceIP: ri.SourceIP}
	if err := a.db.Audit(r.Context(), ev); err != nil {
		http.Error(w, "could not record the action; nothing changed", http.StatusInternalServerError)
		return
	}
	if err := a.svc.ResumeSending(r.Context()); err != nil {
		http.Error(w, "could not resume sending", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
