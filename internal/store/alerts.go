package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/trement/trement/internal/anomaly"
	"github.com/trement/trement/internal/audit"
)

// AlertSnapshot reads what the anomaly rules judge from the database: the
// last hour of the audit actions they read, opt-outs in the last hour and
// the day before, paused sends and API tokens that expired in the last day.
func (db *DB) AlertSnapshot(ctx context.Context, now time.Time) (anomaly.Snapshot, error) {
	s := anomaly.Snapshot{Now: now, OverdueRequests: -1, AnchorAge: -1}
	err := db.View(ctx, func(t *Tx) error {
		for _, action := range anomaly.Actions() {
			evs, err := t.AuditEvents(audit.Filter{Action: action, Since: now.Add(-time.Hour), Limit: 10000})
			if err != nil {
				return err
			}
			for _, e := range evs {
				s.Events = append(s.Events, anomaly.Event{At: e.At, Action: e.Action, ActorID: e.ActorID, Target: e.Target, Outcome: string(e.Outcome), SourceIP: e.SourceIP})
			}
		}
		for _, action := range []string{audit.ActionMetaNumberQuality, audit.ActionMetaAccount, audit.ActionMetaTemplate, audit.ActionMetaTemplateQuality} {
			evs, err := t.AuditEvents(audit.Filter{Action: action, Since: now.Add(-time.Hour), Limit: 1000})
			if err != nil {
				return err
			}
			for _, e := range evs {
				// The reason starts with the severity the channel judged.
				sev, what, _ := strings.Cut(e.Reason, ": ")
				s.MetaReports = append(s.MetaReports, anomaly.MetaReport{At: e.At, About: e.Target, Severity: anomaly.Severity(sev), What: what})
			}
		}
		hour, day := ms(now.Add(-time.Hour)), ms(now.Add(-25*time.Hour))
		if err := t.queryRow("SELECT COUNT(*) FROM consent_events WHERE kind = 'opt_out' AND created_at >= ?", hour).Scan(&s.OptOutsHour); err != nil {
			return fmt.Errorf("store: opt-outs: %w", err)
		}
		if err := t.queryRow("SELECT COUNT(*) FROM consent_events WHERE kind = 'opt_out' AND created_at >= ? AND created_at < ?", day, hour).Scan(&s.OptOutsDay); err != nil {
			return fmt.Errorf("store: opt-outs: %w", err)
		}
		counts, err := t.OpenRequestCounts(now, now)
		if err != nil {
			return err
		}
		s.OverdueRequests = counts.Overdue
		paused, err := t.CountOutbox("paused")
		if err != nil {
			return err
		}
		s.SenderPaused = paused > 0
		rows, err := t.query("SELECT id FROM api_tokens WHERE revoked_at = 0 AND expires_at < ? AND expires_at >= ? ORDER BY id", ms(now), ms(now.Add(-24*time.Hour)))
		if err != nil {
			return fmt.Errorf("store: expired tokens: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			s.ExpiredTokens = append(s.ExpiredTokens, id)
		}
		return rows.Err()
	})
	return s, err
}

// RecordAlert stores a and reports whether it should be delivered: true
// when its (rule, key) is new or last fired more than cooldown ago. One
// statement decides, so replicas evaluating the same condition deliver it
// once.
func (db *DB) RecordAlert(ctx context.Context, a anomaly.Alert, cooldown time.Duration) (bool, error) {
	var fire bool
	err := db.Update(ctx, func(t *Tx) error {
		rows, err := t.query(`INSERT INTO alerts (rule, key, severity, summary, first_at, last_at, fired) VALUES (?, ?, ?, ?, ?, ?, 1)
			ON CONFLICT (rule, key) DO UPDATE SET severity = excluded.severity, summary = excluded.summary, last_at = excluded.last_at, fired = alerts.fired + 1
			WHERE alerts.last_at < ? RETURNING fired`,
			a.Rule, a.Key, string(a.Severity), a.Summary, ms(a.At), ms(a.At), ms(a.At.Add(-cooldown)))
		if err != nil {
			return err
		}
		defer rows.Close()
		fire = rows.Next()
		return rows.Err()
	})
	if err != nil {
		return false, fmt.Errorf("store: record alert: %w", err)
	}
	return fire, nil
}

// StoredAlert is an alert as the console lists it.
type StoredAlert struct {
	anomaly.Alert
	FirstAt time.Time `json:"first_at"`
	Fired   int       `json:"fired"`
}

// Alerts returns the alerts raised since since, newest first.
func (db *DB) Alerts(ctx context.Context, since time.Time, limit int) ([]StoredAlert, error) {
	var out []StoredAlert
	err := db.View(ctx, func(t *Tx) error {
		rows, err := t.query("SELECT rule, key, severity, summary, first_at, last_at, fired FROM alerts WHERE last_at >= ? ORDER BY last_at DESC LIMIT ?", ms(since), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a StoredAlert
			var sev string
			var first, last int64
			if err := rows.Scan(&a.Rule, &a.Key, &sev, &a.Summary, &first, &last, &a.Fired); err != nil {
				return err
			}
			a.Severity, a.FirstAt, a.At = anomaly.Severity(sev), time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}
