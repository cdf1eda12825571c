package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/config"
	"github.com/trement/trement/internal/store"
)

// ActionAuditTamper records that start-up or the anchorer found the audit
// log unguarded or behind its anchor, and trement ran on anyway
// (AUDIT_ON_TAMPER=alert).
const ActionAuditTamper = "audit.tamper_detected"

// auditTamper checks what must hold before trement serves on an audit log:
// the append-only triggers are in place, and the log reaches the external
// anchor (AUDIT_ANCHOR_FILE) with the anchor's hash. It returns what is
// wrong, or "".
func auditTamper(ctx context.Context, cfg *config.Config, db *store.DB) (string, error) {
	var problems []string
	unguarded, err := auditUnguarded(ctx, db)
	if err != nil {
		return "", err
	}
	if unguarded != "" {
		problems = append(problems, unguarded)
	}
	a, err := audit.LoadAnchor(cfg.AuditAnchorFile)
	if err != nil {
		return "", err
	}
	if a != nil {
		brk, err := audit.CheckAnchor(ctx, db, db.DeriveKey(audit.CheckpointKeyPurpose), *a)
		if err != nil {
			return "", err
		}
		if brk != nil {
			problems = append(problems, fmt.Sprintf("the audit log does not match its anchor %s: %s", cfg.AuditAnchorFile, brk.Reason))
		}
	}
	return strings.Join(problems, "; "), nil
}

// auditUnguarded says which of the audit tables' append-only triggers are
// gone or disabled, or "" when all are in place.
func auditUnguarded(ctx context.Context, db *store.DB) (string, error) {
	missing, err := db.AuditGuardsMissing(ctx)
	if err != nil || len(missing) == 0 {
		return "", err
	}
	return "the audit tables' append-only triggers are gone or disabled: " + strings.Join(missing, ", "), nil
}

// guardAudit runs auditTamper at start-up: with AUDIT_ON_TAMPER=refuse a
// problem stops trement; with alert it is logged as an ALERT and audited,
// and trement starts.
func guardAudit(ctx context.Context, cfg *config.Config, db *store.DB, log *slog.Logger) error {
	problem, err := auditTamper(ctx, cfg, db)
	if err != nil {
		return fmt.Errorf("audit check: %w", err)
	}
	if problem == "" {
		return nil
	}
	if cfg.AuditOnTamper == "refuse" {
		return fmt.Errorf("refusing to start: %s (TREMENT_AUDIT_ON_TAMPER=alert starts anyway, with an alert)", problem)
	}
	alertTamper(ctx, db, log, problem)
	return nil
}

func alertTamper(ctx context.Context, db *store.DB, log *slog.Logger, problem string) {
	log.Error("ALERT: the audit log may have been tampered with", "problem", problem)
	err := db.Audit(ctx, &audit.Event{ActorType: audit.ActorSystem, ActorID: "trement", Action: ActionAuditTamper, Target: "audit",
		Outcome: audit.Failure, Reason: clipText(problem, 1024)})
	if err != nil {
		log.Error("audit write failed", "error", err)
	}
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// newAnchorer writes the signed head to AUDIT_ANCHOR_FILE, the log stream
// and AUDIT_ANCHOR_URL.
func newAnchorer(cfg *config.Config, db *store.DB, log *slog.Logger) *audit.Anchorer {
	a := &audit.Anchorer{Store: db, Key: db.DeriveKey(audit.CheckpointKeyPurpose), File: cfg.AuditAnchorFile, Logger: log}
	if cfg.AuditAnchorURL != "" {
		client := &http.Client{Timeout: 10 * time.Second}
		url := cfg.AuditAnchorURL
		a.Sinks = append(a.Sinks, func(ctx context.Context, head audit.Checkpoint) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(audit.MarshalAnchor(head)))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				return fmt.Errorf("audit anchor webhook: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode/100 != 2 {
				return fmt.Errorf("audit anchor webhook: %s", resp.Status)
			}
			return nil
		})
	}
	return a
}

// anchorLoop anchors the audit head every AUDIT_ANCHOR_EVERY, and checks
// the triggers again each time, until ctx ends. A log found behind its
// anchor, or unguarded, is an ALERT (and audited) at every tick until
// someone looks.
func (a *app) anchorLoop(ctx context.Context) {
	anc := newAnchorer(a.cfg, a.db, a.log)
	t := time.NewTicker(a.cfg.AuditAnchorEvery)
	defer t.Stop()
	for {
		if err := anc.Once(ctx); err != nil && ctx.Err() == nil {
			if errors.Is(err, audit.ErrBehindAnchor) {
				alertTamper(ctx, a.db, a.log, err.Error())
			} else {
				a.log.Warn("audit anchor failed", "error", err)
			}
		}
		if missing, err := a.db.AuditGuardsMissing(ctx); err == nil && len(missing) > 0 {
			alertTamper(ctx, a.db, a.log, "the audit tables' append-only triggers are gone or disabled: "+strings.Join(missing, ", "))
		}
		select {
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			anc.Once(last) // the last head, on the way out
			cancel()
			return
		case <-t.C:
		}
	}
}
