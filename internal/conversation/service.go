package conversation

import (
	"context"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/trement/trement/internal/agent"
	"github.com/trement/trement/internal/policy"
	"github.com/trement/trement/internal/redact"
)

// Deps are what the Service is built from.
type Deps struct {
	Store  Store
	Policy *policy.Engine
	Agent  agent.Provider
	Filter AnswerFilter
	Parse  Parser
	// InboxKey reads the number of the customer a webhook body is about
	// ("" for none), to pick its inbox partition; nil: every body in one.
	InboxKey func(payload []byte) string
	Sender   Sender
	Logger   *slog.Logger
	// Rights handles data-subject requests; nil keeps the bare record of
	// the request the flow made before it existed.
	Rights Rights
	// Tracer, if set, traces each message webhook → flow → agent → send.
	Tracer trace.TracerProvider
	// Media downloads customers' files; required with
	// Config.DownloadMedia.
	Media MediaFetcher
	// MediaTimeout bounds one download (0: 1 minute).
	MediaTimeout time.Duration
}

// Service owns the message path's goroutines: the inbox writer, the inbox
// processor, the agent workers, the senders and their maintenance. Run
// starts them and returns when ctx ends and they have stopped.
type Service struct {
	Inbox *Inbox
	Flow  *Flow
	Stats *Stats

	store  Store
	log    *slog.Logger
	proc   *processor
	agents *agents
	out    *outbox
	media  *mediaWorker // nil unless Config.DownloadMedia
}

// New builds a Service.
func New(cfg Config, ocfg OutboxConfig, d Deps) (*Service, error) {
	if d.Store == nil || d.Policy == nil || d.Agent == nil || d.Filter == nil || d.Parse == nil || d.Sender == nil {
		return nil, errors.New("conversation: new: a dependency is missing")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HistoryTurns <= 0 {
		cfg.HistoryTurns = 12
	}
	if cfg.NoticeResend <= 0 {
		cfg.NoticeResend = 24 * time.Hour
	}
	if cfg.Redactor == nil {
		cfg.Redactor = redact.NewDetector(redact.Options{})
	}
	if cfg.DownloadMedia && d.Media == nil {
		return nil, errors.New("conversation: new: DownloadMedia needs a media fetcher")
	}
	if cfg.MediaMaxBytes <= 0 {
		cfg.MediaMaxBytes = DefaultMediaMaxBytes
	}
	if d.MediaTimeout <= 0 {
		d.MediaTimeout = time.Minute
	}
	ocfg.Workers = SendWorkers(ocfg.Workers, ocfg.Rate)
	if ocfg.Rate <= 0 {
		ocfg.Rate = 80
	}
	if ocfg.Lease <= 0 {
		ocfg.Lease = 2 * time.Minute
	}
	if ocfg.MaxAttempts <= 0 {
		ocfg.MaxAttempts = 10
	}
	if ocfg.ReconcileAfter <= 0 {
		ocfg.ReconcileAfter = 10 * time.Minute
	}
	if ocfg.Worker == "" {
		ocfg.Worker = "trement"
	}
	// Claims name the run, not only the process: a restarted process (same
	// host, maybe the same pid in a container) must not mistake its
	// predecessor's claims for its own.
	ocfg.Worker += "/" + strconv.FormatUint(rand.Uint64(), 36)
	s := &Service{Stats: &Stats{}, store: d.Store, log: d.Logger}
	s.Flow = &Flow{cfg: cfg, policy: d.Policy, store: d.Store, log: d.Logger, stats: s.Stats, held: newHeldQuestions(), rights: d.Rights, tracing: newTracing(d.Tracer)}
	s.out = &outbox{store: d.Store, sender: d.Sender, cfg: ocfg, log: d.Logger, stats: s.Stats, wake: make(chan struct{}, 1),
		flow: s.Flow, rate: newLimiter(ocfg.Rate), pair: newPairGate(ocfg.PairInterval, ocfg.PairBurst)}
	s.agents = &agents{store: d.Store, flow: s.Flow, provider: d.Agent, filter: d.Filter, log: d.Logger, stats: s.Stats, onSent: s.wakeOutbox, ordered: d.Store.Partitioned(),
		results: make(chan *agentResult, 1024)}
	for range 4 {
		s.agents.queues = append(s.agents.queues, make(chan *agentJob, 1024))
	}
	s.proc = &processor{store: d.Store, flow: s.Flow, parse: d.Parse, log: d.Logger, stats: s.Stats, wake: make(chan struct{}, 1),
		jobs: s.agents.submit, onSent: s.wakeAfterInbox, batch: 256, idle: 200 * time.Millisecond, backoff: inboxBackoff, throttle: s.out.rate.throttle}
	if cfg.DownloadMedia {
		s.media = &mediaWorker{store: d.Store, fetch: d.Media, max: cfg.MediaMaxBytes, log: d.Logger, stats: s.Stats, wake: make(chan struct{}, 1),
			timeout: d.MediaTimeout, idle: time.Second, parallel: 4, maxAttempts: 8}
	}
	s.Inbox = newInbox(d.Store, d.Logger, s.Stats, s.wakeProcessor)
	s.Inbox.key = d.InboxKey
	s.Inbox.tracing = s.Flow.tracing
	return s, nil
}

// processWorkers is how many inbox workers a replica runs on a
// partitioned store (PostgreSQL); SQLite has one writer, so one worker.
const processWorkers = 4

func inboxBackoff(attempt int) time.Duration {
	return min(time.Duration(1<<min(attempt, 10))*time.Second, 10*time.Minute)
}

func (s *Service) wakeProcessor() {
	select {
	case s.proc.wake <- struct{}{}:
	default:
	}
}

// wakeAfterInbox wakes what an inbox batch may have given work: the
// senders and the media worker.
func (s *Service) wakeAfterInbox() {
	s.wakeOutbox()
	if s.media != nil {
		select {
		case s.media.wake <- struct{}{}:
		default:
		}
	}
}

func (s *Service) wakeOutbox() {
	select {
	case s.out.wake <- struct{}{}:
	default:
	}
}

// Run starts the workers and blocks until ctx ends and all have stopped.
// The inbox writer stops last, after committing what was queued.
func (s *Service) Run(ctx context.Context) error {
	if err := s.store.Update(ctx, func(tx Tx) error {
		_, err := tx.ResumePaused()
		return err
	}); err != nil {
		return fmt.Errorf("conversation: resume paused sends: %w", err)
	}
	if err := s.agents.recover(ctx); err != nil {
		return fmt.Errorf("conversation: recover agent turns: %w", err)
	}
	var wg sync.WaitGroup
	start := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	start(func() { s.Inbox.run(ctx) })
	if s.store.Partitioned() {
		// Every replica processes, with several workers each: the
		// partitions they lock keep each customer's messages in order.
		signals := s.store.InboxSignals(ctx)
		for range processWorkers {
			start(func() { s.proc.run(ctx, signals) })
		}
	} else {
		start(func() { s.proc.run(ctx, nil) })
	}
	for _, q := range s.agents.queues {
		start(func() { s.agents.run(ctx, q) })
	}
	start(func() { s.agents.commit(ctx) })
	if s.agents.ordered {
		start(func() { s.agents.sweep(ctx) })
	}
	start(func() { s.out.run(ctx) })
	if s.media != nil {
		start(func() { s.media.run(ctx) })
	}
	start(func() { s.maintain(ctx) })
	wg.Wait()
	return nil
}

func (s *Service) maintain(ctx context.Context) {
	every := min(5*time.Second, s.out.cfg.ReconcileAfter/2)
	if w := s.Flow.cfg.HumanWait; w > 0 {
		every = max(min(every, w/2), 100*time.Millisecond)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.out.maintain(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("outbox maintenance failed", "error", err)
			}
			if _, err := s.ExpireWaits(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("expiring waits for a person failed", "error", err)
			}
		}
	}
}

// ResumeSending clears a pause (after the token was fixed).
func (s *Service) ResumeSending(ctx context.Context) error {
	err := s.store.Update(ctx, func(tx Tx) error {
		_, err := tx.ResumePaused()
		return err
	})
	if err == nil {
		s.out.paused.clear()
		s.out.publishPaused()
		s.Stats.Paused.Store(false)
		s.wakeOutbox()
	}
	return err
}

// Maintain runs one round of outbox maintenance now (tests, admin).
func (s *Service) Maintain(ctx context.Context) error { return s.out.maintain(ctx) }

// SendWorkers is the outbox's number of concurrent senders: workers if
// set, otherwise sized from the send rate. The Graph client's connection
// pool is sized from it too.
func SendWorkers(workers int, rate float64) int {
	if workers > 0 {
		return workers
	}
	// Little's law: Meta answers in a few hundred milliseconds, so the
	// rate needs about rate/4 requests in flight.
	return min(max(int(rate/4), 8), 256)
}
