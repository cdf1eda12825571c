package conversation

import (
	"context"
	"errors"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"strconv"
	"time"
)

// processor drains the inbox in arrival order: it parses each body, applies
// every event through the Flow and deletes the body, all in one
// transaction, so an event takes effect exactly once even across crashes.
// Several bodies share a transaction; if that fails, each is retried alone
// so one bad body cannot hold up the others.
type processor struct {
	store   Store
	flow    *Flow
	parse   Parser
	log     *slog.Logger
	stats   *Stats
	wake    chan struct{}
	jobs    func([]*agentJob)
	onSent  func()
	batch   int
	idle    time.Duration
	backoff func(attempt int) time.Duration
	// throttle slows a business number down (130429 in an errors webhook).
	throttle func(phoneNumberID string) bool
}

// run drains the inbox until ctx ends. On a partitioned store every
// replica processes (each batch locks the partitions it takes) and wakes
// on the store's signals for bodies other replicas acknowledged; otherwise
// only the lead does.
//
// signals (nil on SQLite) is shared by the workers of a replica: several
// run at once on a partitioned store (each batch transaction holds its own
// partitions), and one that found work wakes a sibling, so they spread
// over the partitions with work while one alone waits when there is none.
func (p *processor) run(ctx context.Context, signals <-chan struct{}) {
	t := time.NewTimer(0)
	defer t.Stop()
	partitioned := p.store.Partitioned()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-signals:
		case <-t.C:
		}
		lead := partitioned
		if !partitioned {
			var err error
			lead, err = p.store.Lead(ctx)
			if err != nil && ctx.Err() == nil {
				p.log.Warn("cannot tell whether this replica leads inbox processing", "error", err)
			}
		}
		for lead && ctx.Err() == nil {
			n, err := p.once(ctx)
			if err != nil {
				if ctx.Err() == nil {
					p.log.Error("inbox processing failed", "error", err)
				}
				break
			}
			if n == 0 {
				break
			}
			if partitioned {
				p.nudge()
			}
		}
		t.Reset(p.idle)
	}
}

// nudge wakes one idle worker, if any.
func (p *processor) nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// once processes one batch and returns how many bodies it handled. The
// effects commit first and the bodies are deleted after, so a crash in
// between replays them, and de-duplication makes the replay a no-op.
func (p *processor) once(ctx context.Context) (int, error) {
	if p.store.Partitioned() {
		return p.onceClaimed(ctx)
	}
	items, err := p.store.NextInbox(ctx, p.batch)
	if err != nil || len(items) == 0 {
		return 0, err
	}
	pb := p.parseAll(items)
	var jobs []*agentJob
	var done []string
	err = p.store.Update(ctx, func(tx Tx) error {
		var err error
		jobs, done, err = p.applyAll(tx, items, pb)
		return err
	})
	if err == nil {
		p.after(jobs)
		// The effects committed durably (these bodies are the inbox's,
		// which on SQLite is another database file: the deletion must not
		// reach the disk before the effects do). The deletion itself is
		// Replayable: a body whose deletion a power cut takes back is
		// processed again, and de-duplication makes that a no-op.
		return len(items), p.store.DeleteInbox(Replayable(ctx), done...)
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	p.log.Warn("inbox batch failed; retrying bodies one by one", "batch", len(items), "error", err)
	for _, it := range items {
		var js []*agentJob
		var ok bool
		b, perr := p.parse(it.Payload)
		err := p.store.Update(ctx, func(tx Tx) error {
			var err error
			js, ok, err = p.apply(tx, it, b, perr)
			return err
		})
		if err == nil {
			p.after(js)
			if ok {
				if err := p.store.DeleteInbox(Replayable(ctx), it.ID); err != nil {
					return 0, err
				}
			}
			continue
		}
		if err := p.retryLater(ctx, it, err); err != nil {
			return 0, err
		}
	}
	return len(items), nil
}

// parsed is a batch of inbox bodies parsed before its transaction.
type parsed struct {
	bodies []*Batch
	errs   []error
	keys   []string  // every message's and status's de-duplication key
	msgs   []Inbound // every message, for Preload
}

func (p *processor) parseAll(items []*InboxItem) *parsed {
	pb := &parsed{bodies: make([]*Batch, len(items)), errs: make([]error, len(items))}
	for i, it := range items {
		pb.bodies[i], pb.errs[i] = p.parse(it.Payload)
		if pb.errs[i] == nil {
			pb.keys = pb.bodies[i].seenKeys(pb.keys)
			pb.msgs = append(pb.msgs, pb.bodies[i].Messages...)
		}
	}
	return pb
}

// applyAll applies a parsed batch in tx and returns the agent turns it
// asks for and the bodies done with.
func (p *processor) applyAll(tx Tx, items []*InboxItem, pb *parsed) (jobs []*agentJob, done []string, err error) {
	// One statement marks every message and status of the batch seen;
	// each step then learns whether its event is new without one. Its
	// senders' contacts and conversations are read at once too.
	if err := tx.MarkSeenAll(pb.keys); err != nil {
		return nil, nil, err
	}
	if len(pb.msgs) > 1 {
		if err := tx.Preload(pb.msgs, p.flow.cfg.HistoryTurns+1); err != nil {
			return nil, nil, err
		}
	}
	done = make([]string, 0, len(items))
	for i, it := range items {
		js, ok, err := p.apply(tx, it, pb.bodies[i], pb.errs[i])
		if err != nil {
			return nil, nil, err
		}
		jobs = append(jobs, js...)
		if ok {
			done = append(done, it.ID)
		}
	}
	return jobs, done, nil
}

// onceClaimed is once on a partitioned store: the batch is read, applied
// and deleted in one transaction that holds its partitions' locks, so no
// other replica touches those customers meanwhile and a body goes exactly
// when its effects commit. If the batch fails, each body is retried alone
// under its partition's lock (skipped if another replica holds it now).
//
// The transactions are Replayable: the bodies they delete are in the same
// database, so a power cut that takes a batch's effects back takes its
// deletion back too, and the batch is processed again; no reply it queued
// was sent meanwhile (a send waits for a durable start, whose wait would
// have made the batch durable).
func (p *processor) onceClaimed(ctx context.Context) (int, error) {
	ctx = Replayable(ctx)
	var items []*InboxItem
	var jobs []*agentJob
	err := p.store.Update(ctx, func(tx Tx) error {
		var err error
		jobs = jobs[:0]
		if items, err = tx.ClaimInbox(p.batch); err != nil || len(items) == 0 {
			return err
		}
		var done []string
		if jobs, done, err = p.applyAll(tx, items, p.parseAll(items)); err != nil {
			return err
		}
		return tx.DeleteInbox(done...)
	})
	if err == nil {
		if len(items) > 0 {
			p.after(jobs)
		}
		return len(items), nil
	}
	if ctx.Err() != nil || len(items) == 0 {
		return 0, err
	}
	p.log.Warn("inbox batch failed; retrying bodies one by one", "batch", len(items), "error", err)
	for _, it := range items {
		var js []*agentJob
		var held bool
		err := p.store.Update(ctx, func(tx Tx) error {
			var err error
			if held, err = tx.ClaimInboxItem(it.ID); err != nil || !held {
				return err
			}
			var done []string
			if js, done, err = p.applyAll(tx, []*InboxItem{it}, p.parseAll([]*InboxItem{it})); err != nil {
				return err
			}
			return tx.DeleteInbox(done...)
		})
		if err == nil {
			if held {
				p.after(js)
			}
			continue
		}
		if err := p.retryLater(ctx, it, err); err != nil {
			return 0, err
		}
	}
	return len(items), nil
}

// retryLater records that body it failed with err and when to try it
// again (backoff by attempt); ctx's error if processing is stopping.
func (p *processor) retryLater(ctx context.Context, it *InboxItem, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	next := time.Now().Add(p.backoff(it.Attempts + 1))
	p.log.Error("inbox body failed; will retry", "inbox_id", it.ID, "attempt", it.Attempts+1, "error", err)
	return p.store.RetryInbox(ctx, it.ID, next, err.Error())
}

func (p *processor) after(jobs []*agentJob) {
	if len(jobs) > 0 {
		p.jobs(jobs)
	}
	p.onSent()
}

// seenKeys appends the de-duplication keys of b's messages and statuses.
func (b *Batch) seenKeys(keys []string) []string {
	for i := range b.Messages {
		if k := b.Messages[i].seenKey(); k != "" {
			keys = append(keys, k)
		}
	}
	for i := range b.Statuses {
		if k := b.Statuses[i].seenKey(); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// apply handles one inbox body, parsed as b (or failing to parse with
// perr), inside tx. It reports whether the body is done with (false: it was
// set aside as malformed).
func (p *processor) apply(tx Tx, it *InboxItem, b *Batch, perr error) (jobs []*agentJob, ok bool, err error) {
	ctx, span := p.flow.tracing.tr.Start(p.flow.tracing.resume(tx.Context(), it.ID), "inbox.process",
		trace.WithAttributes(attribute.Int("inbox.attempts", it.Attempts)))
	defer func() {
		if err != nil {
			span.SetStatus(codes.Error, "processing failed")
		}
		span.End()
	}()
	if err = perr; errors.Is(err, ErrMalformed) {
		// Signed by Meta but unreadable: keep it (sealed) aside for a human
		// rather than retry forever; the retention purger removes it.
		p.stats.Malformed.Add(1)
		p.log.Warn("webhook body cannot be parsed; kept aside", "inbox_id", it.ID, "error", err)
		return nil, false, p.store.RetryInbox(tx.Context(), it.ID, time.Now().Add(100*365*24*time.Hour), "malformed: "+err.Error())
	}
	if err != nil {
		return nil, false, err
	}
	span.SetAttributes(attribute.Int("webhook.messages", len(b.Messages)), attribute.Int("webhook.statuses", len(b.Statuses)))
	for _, m := range b.Messages {
		sctx, step := p.flow.tracing.tr.Start(ctx, "flow.step", trace.WithAttributes(attribute.String("message.type", m.Type)))
		job, err := p.flow.Step(tx, m)
		if err != nil {
			step.SetStatus(codes.Error, "step failed")
			step.End()
			return nil, false, err
		}
		if job != nil {
			job.trace = traceparent(sctx)
			step.SetAttributes(attribute.Bool("agent.turn", true))
			jobs = append(jobs, job)
		}
		step.End()
	}
	for _, s := range b.Statuses {
		if err := p.flow.Status(tx, s); err != nil {
			return nil, false, err
		}
	}
	for _, pr := range b.Preferences {
		if err := p.flow.Preference(tx, pr); err != nil {
			return nil, false, err
		}
	}
	for _, a := range b.Account {
		if err := p.account(tx, a, b.Numbers); err != nil {
			return nil, false, err
		}
	}
	for _, e := range b.ErrorEvents {
		p.log.Warn("Meta reported an error in a webhook", "code", e.Code, "title", e.Title)
		p.stats.MetaErrors.Add(strconv.Itoa(e.Code))
		if e.Code == CodeThroughput && p.throttle != nil && p.throttle(e.PhoneNumberID) {
			p.stats.Throttled.Add(1)
			p.stats.ThrottledByNumber.Add(e.PhoneNumberID)
		}
	}
	return jobs, true, nil
}
