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
			var anchor *audit.Checkpoint
			if a.cfg.AuditAnchorFile != "" {
				if c, ok, err := audit.ReadAnchorFile(a.cfg.AuditAnchorFile); err == nil && ok {
					anchor = &c
				}
			}
			rep, err := audit.VerifyAnchored(ctx, a.db, a.db.DeriveKey(audit.CheckpointKeyPurpose), anchor)
			switch {
			case err != nil:
				broken = ""
				a.log.Warn("audit verification failed", "error", err)
			case rep.Break != nil:
				broken = rep.Break.Error()
			default:
				broken, _ = auditTamper(ctx, a.cfg, a.db) // triggers dropped
			}
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
