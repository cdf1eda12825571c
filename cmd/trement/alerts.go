package main

import (
	"context"
	"strings"
	"time"

	"github.com/trement/trement/internal/anomaly"
	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/ops"
)

// newAlerter wires the anomaly rules to the configured sinks: always the
// log, plus a signed webhook and e-mail when configured.
func (a *app) newAlerter() *ops.Alerter {
	sinks := []ops.Sink{ops.LogSink{Log: a.log}}
	if a.cfg.AlertWebhookURL != "" {
		sinks = append(sinks, ops.WebhookSink{URL: a.cfg.AlertWebhookURL, Secret: []byte(a.cfg.AlertWebhookSecret)})
	}
	if a.cfg.AlertSMTPAddr != "" {
		var to []string
		for _, t := range strings.Split(a.cfg.AlertEmailTo, ",") {
			if t = strings.TrimSpace(t); t != "" {
				to = append(to, t)
			}
		}
		sinks = append(sinks, ops.MailSink{Addr: a.cfg.AlertSMTPAddr, From: a.cfg.AlertEmailFrom, To: to})
	}
	al := ops.NewAlerter(a.metrics, a.db, sinks, a.log)
	start, end, _ := a.cfg.RevealWindow()
	loc, _ := time.LoadLocation(a.cfg.AlertTimeZone)
	al.Rules = anomaly.Config{WorkStart: start, WorkEnd: end, Location: loc}
	// The audit chain is verified once an hour, not at every evaluation.
	var lastVerify time.Time
	var broken string
	al.Extra = func(ctx context.Context, s *anomaly.Snapshot) {
		if time.Since(lastVerify) >= time.Hour {
			lastVerify = time.Now()
			broken = a.auditBroken(ctx)
		}
		s.AuditBroken = broken
		if s.AnchorRequired = a.cfg.AuditAnchorFile != ""; s.AnchorRequired {
			s.AnchorAge = -1
			if age, ok := audit.AnchorAge(a.cfg.AuditAnchorFile); ok {
				s.AnchorAge = age
			}
		}
	}
	return al
}

// auditBroken verifies the whole chain against the anchor and checks the
// append-only triggers: what is wrong, or "". An anchor file that exists
// but does not parse is itself a finding (it used to be read as "no
// anchor", so garbling the file turned the hourly check off); a database
// error is logged and not reported as tampering.
func (a *app) auditBroken(ctx context.Context) string {
	anchor, err := audit.LoadAnchor(a.cfg.AuditAnchorFile)
	if err != nil {
		return "the audit anchor cannot be read: " + err.Error()
	}
	rep, err := audit.VerifyAnchored(ctx, a.db, a.db.DeriveKey(audit.CheckpointKeyPurpose), anchor)
	if err != nil {
		a.log.Warn("audit verification failed", "error", err)
		return ""
	}
	if rep.Break != nil {
		return rep.Break.Error()
	}
	unguarded, err := auditUnguarded(ctx, a.db)
	if err != nil {
		a.log.Warn("audit guard check failed", "error", err)
	}
	return unguarded
}
