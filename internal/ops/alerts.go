package ops

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/smtp"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trement/trement/internal/anomaly"
)

// AlertSource is where the alerter reads its snapshot and records what it
// raised; *store.DB implements it.
type AlertSource interface {
	AlertSnapshot(ctx context.Context, now time.Time) (anomaly.Snapshot, error)
	// RecordAlert reports whether a should be delivered (new, or last
	// fired more than cooldown ago), atomically across replicas.
	RecordAlert(ctx context.Context, a anomaly.Alert, cooldown time.Duration) (bool, error)
}

// Sink delivers an alert somewhere people look.
type Sink interface {
	Name() string
	Deliver(ctx context.Context, a anomaly.Alert) error
}

// Alerter evaluates the anomaly rules every Interval and delivers new
// alerts to every sink, de-duplicated per (rule, subject) over Cooldown.
type Alerter struct {
	Source   AlertSource
	Sinks    []Sink
	Rules    anomaly.Config
	Interval time.Duration // 1 minute by default
	Cooldown time.Duration // 6 hours by default
	Log      *slog.Logger
	Now      func() time.Time
	// Extra fills what the database cannot tell (audit chain, anchor,
	// overdue requests); it may be nil.
	Extra func(ctx context.Context, s *anomaly.Snapshot)

	metrics   *Metrics
	raised    *prometheus.CounterVec
	delivered *prometheus.CounterVec
	mu        sync.Mutex // one evaluation at a time
	prevSig   float64
}

// NewAlerter registers the alert metrics on m.
func NewAlerter(m *Metrics, src AlertSource, sinks []Sink, log *slog.Logger) *Alerter {
	a := &Alerter{Source: src, Sinks: sinks, Log: log, Now: time.Now, Interval: time.Minute, Cooldown: 6 * time.Hour, metrics: m, prevSig: -1}
	a.raised = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "trement", Name: "alerts_total", Help: "Alerts raised (after de-duplication), by rule and severity."}, []string{"rule", "severity"})
	a.delivered = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "trement", Name: "alert_deliveries_total", Help: "Alert deliveries by sink and outcome."}, []string{"sink", "outcome"})
	for _, r := range anomaly.Rules() {
		a.raised.WithLabelValues(r, "warning")
	}
	m.Registry.MustRegister(a.raised, a.delivered)
	return a
}

// Run evaluates until ctx ends.
func (a *Alerter) Run(ctx context.Context) {
	t := time.NewTicker(a.Interval)
	defer t.Stop()
	for {
		if _, err := a.Evaluate(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("alert evaluation failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Evaluate runs the rules once and delivers what is new; it returns the
// alerts delivered.
func (a *Alerter) Evaluate(ctx context.Context) ([]anomaly.Alert, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.Now()
	snap, err := a.Source.AlertSnapshot(ctx, now)
	if err != nil {
		return nil, err
	}
	if sig := a.signatureFailures(); a.prevSig >= 0 {
		snap.SignatureFailures = int(sig - a.prevSig)
		a.prevSig = sig
	} else {
		a.prevSig = sig
	}
	if a.Extra != nil {
		a.Extra(ctx, &snap)
	}
	var out []anomaly.Alert
	for _, al := range anomaly.Evaluate(snap, a.Rules) {
		fire, err := a.Source.RecordAlert(ctx, al, a.Cooldown)
		if err != nil {
			return out, err
		}
		if !fire {
			continue
		}
		a.raised.WithLabelValues(al.Rule, string(al.Severity)).Inc()
		for _, s := range a.Sinks {
			outcome := "ok"
			if err := s.Deliver(ctx, al); err != nil {
				outcome = "error"
				a.Log.Warn("alert delivery failed", "sink", s.Name(), "rule", al.Rule, "err", err)
			}
			a.delivered.WithLabelValues(s.Name(), outcome).Inc()
		}
		out = append(out, al)
	}
	return out, nil
}

// signatureFailures sums the refused-webhook counter's signature reasons.
func (a *Alerter) signatureFailures() float64 {
	mfs, err := a.metrics.Registry.Gather()
	if err != nil {
		return 0
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() != "trement_webhook_rejected_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && strings.HasPrefix(l.GetValue(), "signature") {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return n
}

// LogSink writes alerts to the log at warn (critical at error).
type LogSink struct{ Log *slog.Logger }

// Name implements Sink.
func (LogSink) Name() string { return "log" }

// Deliver implements Sink.
func (s LogSink) Deliver(ctx context.Context, a anomaly.Alert) error {
	lvl := slog.LevelWarn
	if a.Severity == anomaly.Critical {
		lvl = slog.LevelError
	}
	s.Log.Log(ctx, lvl, "ALERT "+a.Summary, "rule", a.Rule, "severity", string(a.Severity), "key", a.Key)
	return nil
}

// WebhookSink posts alerts as JSON, signed like Meta signs its webhooks:
// X-Trement-Signature-256: sha256=<hex HMAC-SHA256 of the body>.
type WebhookSink struct {
	URL    string
	Secret []byte
	Client *http.Client
}

// Name implements Sink.
func (WebhookSink) Name() string { return "webhook" }

// Deliver implements Sink.
func (s WebhookSink) Deliver(ctx context.Context, a anomaly.Alert) error {
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	mac := hmac.New(sha256.New, s.Secret)
	mac.Write(body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Trement-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("alert webhook: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("alert webhook: %s", resp.Status)
	}
	return nil
}

// MailSink sends alerts by SMTP.
type MailSink struct {
	Addr string // host:port
	From string
	To   []string
	Auth smtp.Auth
}

// Name implements Sink.
func (MailSink) Name() string { return "email" }

// Deliver implements Sink.
func (s MailSink) Deliver(ctx context.Context, a anomaly.Alert) error {
	if len(s.To) == 0 {
		return errors.New("alert mail: no recipients")
	}
	subject := fmt.Sprintf("[trement %s] %s", a.Severity, a.Rule)
	msg := "From: " + s.From + "\r\nTo: " + strings.Join(s.To, ", ") + "\r\nSubject: " + subject +
		"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + a.Summary + "\r\n\r\nRule: " + a.Rule + "\r\nAt: " + a.At.UTC().Format(time.RFC3339) + "\r\n"
	return smtp.SendMail(s.Addr, s.Auth, s.From, s.To, []byte(msg))
}
