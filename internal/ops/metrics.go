// Package ops is trement's operational surface: Prometheus metrics read
// from the message path's counters, and the webhook's own measurements.
package ops

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/retention"
)

// Metrics holds trement's registry and the instruments adapters update.
type Metrics struct {
	Registry         *prometheus.Registry
	WebhookRejected  *prometheus.CounterVec
	WebhookAckSecond prometheus.Histogram
	// RequestsRefused counts every refused request by kind of reason,
	// exactly (the audit log aggregates a flood into a few events).
	RequestsRefused *prometheus.CounterVec
}

// NewMetrics registers the Go and process collectors, the message path's
// counters (read from stats on scrape) and the webhook instruments.
func NewMetrics(stats *conversation.Stats) *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	counter := func(name, help string, f func() int64) {
		r.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "trement", Name: name, Help: help}, func() float64 { return float64(f()) }))
	}
	counter("webhooks_accepted_total", "Webhook bodies committed to the inbox before the 200.", stats.Accepted.Load)
	counter("inbox_commits_total", "Inbox commits (group commits covering one or more webhooks).", stats.AcceptBatches.Load)
	counter("inbound_messages_total", "New inbound messages.", stats.Inbound.Load)
	counter("duplicates_total", "Redelivered messages and statuses dropped.", stats.Duplicates.Load)
	counter("malformed_total", "Bodies or events that could not be read.", stats.Malformed.Load)
	counter("consent_gated_total", "Messages whose content was not kept because consent was missing.", stats.Silenced.Load)
	counter("statuses_total", "Delivery statuses applied.", stats.Statuses.Load)
	counter("escalations_total", "Conversations handed to a human.", stats.Escalations.Load)
	counter("erasures_total", "Customers erased on request.", stats.Erasures.Load)
	counter("agent_replies_total", "Agent answers queued.", stats.AgentReplies.Load)
	counter("agent_blocked_total", "Agent answers not sent as written (output filter, grounding, moderation model).", stats.AgentBlocked.Load)
	counter("agent_unsure_total", "Messages the agent could not answer (the customer was told what it can help with).", stats.AgentUnsure.Load)
	counter("sent_total", "Messages accepted by the Graph API.", stats.Sent.Load)
	counter("send_retries_total", "Send attempts scheduled for retry.", stats.SendRetries.Load)
	counter("send_failed_total", "Sends given up.", stats.SendFailed.Load)
	counter("send_unknown_total", "Sends whose outcome is awaiting reconciliation.", stats.SendUnknown.Load)
	counter("reconciled_total", "Sends confirmed by a status webhook after their answer was lost.", stats.Reconciled.Load)
	r.MustRegister(reasonCounter{desc: prometheus.NewDesc("trement_agent_blocked_reasons_total",
		"Agent answers not sent as written, by reason (harmful:*, pii_not_from_customer, ungrounded, moderation:*, moderation_unavailable…); an answer with two reasons counts under both.",
		[]string{"reason"}, nil), counts: &stats.AgentBlockedBy, zero: blockReasons})
	r.MustRegister(reasonCounter{desc: prometheus.NewDesc("trement_meta_errors_total",
		"Error codes Meta answered sends with or reported in errors webhooks, by code.",
		[]string{"code"}, nil), counts: &stats.MetaErrors})
	counter("media_stored_total", "Customers' files downloaded, checked and kept sealed (DOWNLOAD_MEDIA).", stats.MediaStored.Load)
	counter("media_retries_total", "Customers' file downloads scheduled for retry after a transient failure.", stats.MediaRetries.Load)
	r.MustRegister(reasonCounter{desc: prometheus.NewDesc("trement_media_failed_total",
		"Customers' files not kept, by reason (too_large, mismatch, graph http <status> code <code>, transport…).",
		[]string{"reason"}, nil), counts: &stats.MediaFailed, zero: []string{"too_large", "mismatch"}})
	counter("number_throttled_total", "Times a business number's send rate was halved after 130429 (it recovers on its own).", stats.Throttled.Load)
	// Per business number (phone_number_id, the Graph API's id of the
	// business's own number, never a customer's; "" when every number was
	// concerned at once).
	r.MustRegister(reasonCounter{desc: prometheus.NewDesc("trement_number_sent_total",
		"Messages the Graph API accepted, by business number.", []string{"phone_number_id"}, nil), counts: &stats.SentByNumber})
	r.MustRegister(reasonCounter{desc: prometheus.NewDesc("trement_number_send_failed_total",
		"Sends given up, by business number.", []string{"phone_number_id"}, nil), counts: &stats.FailedByNumber})
	r.MustRegister(reasonCounter{desc: prometheus.NewDesc("trement_number_rate_cuts_total",
		"Slow-downs of a business number's send rate (130429, a quality drop), by number.", []string{"phone_number_id"}, nil), counts: &stats.ThrottledByNumber})
	r.MustRegister(pausedNumbers{desc: prometheus.NewDesc("trement_number_paused",
		"1 for each business number whose sending is paused now (\"\" when every number is).", []string{"phone_number_id"}, nil), stats: stats})
	r.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "trement", Name: "sending_paused", Help: "1 while sending is paused (token or number problem)."}, func() float64 {
		if stats.Paused.Load() {
			return 1
		}
		return 0
	}))
	m := &Metrics{Registry: r}
	m.WebhookRejected = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "trement", Name: "webhook_rejected_total", Help: "Webhook requests refused, by reason."}, []string{"reason"})
	m.WebhookAckSecond = prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "trement", Name: "webhook_ack_seconds", Help: "Time from request to durable 200.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}})
	// Known reasons start at zero, so rate() and alerts see the series
	// before the first refusal.
	for _, reason := range []string{"signature_mismatch", "signature_missing", "signature_malformed", "verify_token", "too_large", "read_error"} {
		m.WebhookRejected.WithLabelValues(reason)
	}
	m.RequestsRefused = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "trement", Name: "requests_refused_total",
		Help: "Requests refused (unauthenticated, forbidden, rate limited, bad webhooks), by kind of reason."}, []string{"kind"})
	r.MustRegister(m.WebhookRejected, m.WebhookAckSecond, m.RequestsRefused)
	return m
}

// RegisterRetention exports the retention purger's counters and the
// scrubs that follow erasures (completed, failed).
// RegisterMedia adds the backlog of customers' files to download
// (DOWNLOAD_MEDIA): how many wait and how long the oldest has; a file
// waits seconds, minutes while it is retried, so an hour means downloads
// are stuck. A scrape that cannot count reports -1 for both.
func (m *Metrics) RegisterMedia(backlog func(context.Context) (int, time.Duration, error)) {
	read := func() (int, time.Duration, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		return backlog(ctx)
	}
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "trement", Name: "media_pending_files", Help: "Customers' files waiting to be downloaded (-1: cannot count)."},
		func() float64 {
			n, _, err := read()
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "trement", Name: "media_oldest_pending_seconds", Help: "How long the oldest customer file waiting to be downloaded has waited (0: none; -1: cannot tell)."},
		func() float64 {
			_, d, err := read()
			if err != nil {
				return -1
			}
			return d.Seconds()
		}))
}

func (m *Metrics) RegisterRetention(st *retention.Stats, scrubs func() (ok, failed int64), pending func(context.Context) (int, error)) {
	counter := func(name, help string, f func() int64) {
		m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "trement", Name: name, Help: help}, func() float64 { return float64(f()) }))
	}
	counter("retention_runs_total", "Retention passes run.", st.Runs.Load)
	counter("retention_failures_total", "Retention passes that stopped on an error.", st.Failures.Load)
	counter("retention_purged_messages_total", "Messages removed past their retention period.", st.Messages.Load)
	counter("retention_purged_customers_total", "Inactive customers erased (or blocked) past the retention period.", st.Inactive.Load)
	counter("retention_blocked_shredded_total", "Blocked customers shredded when their blocking period ended.", st.BlockEnded.Load)
	counter("retention_purged_other_total", "Emptied conversations, failed sends, set-aside webhook bodies and de-duplication keys removed.", st.Other.Load)
	counter("retention_purged_audit_events_total", "Audit events older than AUDIT_RETENTION_DAYS removed below the keyed floor.", st.AuditEvents.Load)
	counter("erasure_scrubs_total", "File scrubs (checkpoint or VACUUM) completed after erasures and purges.", func() int64 { ok, _ := scrubs(); return ok })
	counter("erasure_scrub_failures_total", "File scrubs that failed (retried).", func() int64 { _, f := scrubs(); return f })
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "trement", Name: "retention_last_run_timestamp_seconds", Help: "When the last retention pass started (Unix time)."},
		func() float64 { return float64(st.LastRunUnix.Load()) }))
	// Erased customers whose rows the scrubber has not deleted yet: their
	// data keys are gone (nothing is readable), but the erasure is complete
	// only at zero. A scrape that cannot count reports -1, which the alert
	// treats like a stuck erasure.
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "trement", Name: "erasure_pending_customers", Help: "Erased customers whose rows still wait for the scrubber (-1: cannot count)."},
		func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := pending(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
}

// RegisterSQL exports the store's statement and transaction counts.
func (m *Metrics) RegisterSQL(counts func() (statements, transactions int64)) {
	m.Registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "trement", Name: "sql_statements_total", Help: "SQL statements the store has run (prepared or not)."},
			func() float64 { n, _ := counts(); return float64(n) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "trement", Name: "sql_transactions_total", Help: "SQL transactions the store has begun."},
			func() float64 { _, n := counts(); return float64(n) }))
}

// reasonCounter exposes a conversation.Reasons as a counter by reason.
type reasonCounter struct {
	desc   *prometheus.Desc
	counts *conversation.Reasons
	zero   []string // labels reported at 0 before their first count
}

func (c reasonCounter) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// blockReasons start at zero, so rate() and alerts see the series before
// the first block (the moderation model's outage included).
var blockReasons = []string{"harmful:self_harm", "harmful:hate", "harmful:sexual", "harmful:violence", "harmful:illegal",
	"pii_not_from_customer", "prompt_injection_echo", "deny_list", "ungrounded", "moderation_unavailable"}

func (c reasonCounter) Collect(ch chan<- prometheus.Metric) {
	counts := c.counts.Snapshot()
	for _, r := range c.zero {
		if _, ok := counts[r]; !ok {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, 0, r)
		}
	}
	for reason, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), reason)
	}
}

// pausedNumbers reports the business numbers paused now.
type pausedNumbers struct {
	desc  *prometheus.Desc
	stats *conversation.Stats
}

func (p pausedNumbers) Describe(ch chan<- *prometheus.Desc) { ch <- p.desc }

func (p pausedNumbers) Collect(ch chan<- prometheus.Metric) {
	if ns := p.stats.PausedNumbers.Load(); ns != nil {
		for _, n := range *ns {
			ch <- prometheus.MustNewConstMetric(p.desc, prometheus.GaugeValue, 1, n)
		}
	}
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// Timed wraps h, observing its latency.
func (m *Metrics) Timed(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.Now()
		h.ServeHTTP(w, r)
		m.WebhookAckSecond.Observe(time.Since(t).Seconds())
	})
}

// WatchRequests publishes the data-subject requests not yet answered as
// trement_dsar_requests{urgency="open"|"due_soon"|"overdue"}, read from
// counts on each scrape (a failed read reports nothing that scrape).
func (m *Metrics) WatchRequests(counts func() (open, dueSoon, overdue int, err error)) {
	m.Registry.MustRegister(requestCollector{counts: counts, desc: prometheus.NewDesc("trement_dsar_requests",
		"Data-subject requests not yet answered: all open ones, those due within the warning window, and those past their due date.", []string{"urgency"}, nil)})
}

type requestCollector struct {
	counts func() (int, int, int, error)
	desc   *prometheus.Desc
}

func (c requestCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c requestCollector) Collect(ch chan<- prometheus.Metric) {
	open, soon, overdue, err := c.counts()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, v := range []struct {
		label string
		n     int
	}{{"open", open}, {"due_soon", soon}, {"overdue", overdue}} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(v.n), v.label)
	}
}
