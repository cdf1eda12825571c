package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"time"
)

// OutboxConfig tunes delivery.
type OutboxConfig struct {
	Workers      int           // concurrent requests per replica
	Rate         float64       // messages per second per business number
	PairInterval time.Duration // one message per interval to one customer, on average (0: no limit)
	PairBurst    int           // messages to one customer that may go at once
	Lease        time.Duration // a claimed item not settled by then is presumed lost mid-request
	MaxAttempts  int
	// ReconcileAfter is how long an item whose send may have reached Meta
	// (timeout, crash) waits for a status webhook naming it before it is
	// sent again. Meta posts a "sent" status for every message it accepts.
	ReconcileAfter time.Duration
	Worker         string // this replica's name, recorded on claims
}

// outbox delivers queued items: it claims a batch (moving it to claimed),
// waits for the rate limits, starts each item (moving it to sending,
// committed before its request leaves), sends, and settles every result
// in one transaction.
//
// Guarantee: an item is sent again only when Meta gave no answer to the
// request and posted no status webhook naming it (biz_opaque_callback_data)
// within ReconcileAfter. A crash between the send and the bookkeeping
// therefore never repeats a reply whose acceptance Meta reported. Items
// claimed but never started are another matter: no request was made for
// them, so a restarted sender sends them at once instead of holding the
// customer's line for the reconciliation window.
type outbox struct {
	store  Store
	sender Sender
	cfg    OutboxConfig
	log    *slog.Logger
	stats  *Stats
	wake   chan struct{}
	flow   *Flow

	rate *buckets // per business number
	pair *buckets // per customer

	paused pauses
}

// pauses are what Meta made this replica stop sending: every number when
// it refuses the token (190: every number sends with it), one number when
// it restricts that number (131048, spam rate limit), so the others keep
// answering. Stats.Paused says whether any pause holds (readiness, the
// metric and the alert). They hold until ResumeSending.
type pauses struct {
	mu      sync.Mutex
	all     bool
	numbers map[string]bool
}

// pause records a pause (number "" for all) and reports whether it is new.
func (p *pauses) pause(number string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if number == "" {
		was := p.all
		p.all = true
		return !was
	}
	if p.numbers == nil {
		p.numbers = map[string]bool{}
	}
	was := p.numbers[number]
	p.numbers[number] = true
	return !was && !p.all
}

// publishPaused puts the numbers paused now in Stats.PausedNumbers (""
// for every number), for the per-number metric.
func (o *outbox) publishPaused() {
	all, numbers := o.paused.state()
	if all {
		numbers = []string{""}
	}
	o.stats.PausedNumbers.Store(&numbers)
}

// state reports whether everything is paused, and else the paused numbers.
func (p *pauses) state() (all bool, numbers []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := range p.numbers {
		numbers = append(numbers, n)
	}
	sort.Strings(numbers)
	return p.all, numbers
}

func (p *pauses) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.all, p.numbers = false, nil
}

type sendResult struct {
	it     *OutboxItem
	wamid  string
	err    error
	defer_ time.Duration // not sent: the recipient's pair quota frees up then
	lost   bool          // not sent: the claim was released or could not be started
}

// startReq asks the bookkeeper to move a claimed item to sending; ok says
// whether it did (and so whether the request may leave).
type startReq struct {
	id string
	ok chan bool
}

// run pipelines delivery: a claimer keeps up to 2×Workers items claimed,
// Workers senders make the requests, and a bookkeeper commits, in one
// transaction per round, the starts senders wait for and the results they
// report. A slow request holds up only its own sender, never the
// round; each customer's order is kept by the claim itself (nothing of a
// customer is claimed while one of their items is in flight).
func (o *outbox) run(ctx context.Context) {
	capacity := 2 * o.cfg.Workers
	jobs := make(chan *OutboxItem, capacity)
	results := make(chan sendResult, capacity)
	free := make(chan int, capacity) // settled slots, back to the claimer

	// Requests already made are finished and settled even while shutting
	// down: they run on a context that shutdown does not cancel (each is
	// bounded by the client's timeout).
	sendCtx := context.WithoutCancel(ctx)
	starts := make(chan startReq, capacity)
	var senders sync.WaitGroup
	for range o.cfg.Workers {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for it := range jobs {
				results <- o.send(sendCtx, it, starts)
			}
		}()
	}
	settled := make(chan struct{})
	claimerDone := make(chan struct{})
	go func() {
		defer close(settled)
		o.bookLoop(sendCtx, starts, results, free, claimerDone)
	}()

	// This run says it is alive (so other replicas keep off its claims),
	// then hands back what a previous run claimed but never started, so
	// those customers' lines move at once.
	release, err := o.store.Enlist(ctx, o.cfg.Worker)
	if err != nil {
		o.log.Error("outbox: this sender could not enlist; other replicas may take over its claims (nothing is sent twice)", "error", err)
		release = func() {}
	}
	defer release()
	if err := o.maintain(ctx); err != nil && ctx.Err() == nil {
		o.log.Error("outbox recovery failed", "error", err)
	}
	inFlight := 0
	t := time.NewTimer(0)
	defer t.Stop()
	for ctx.Err() == nil {
		// Claim when a quarter of the slots are free (or all are): one
		// claim per freed slot would spend the single writer on tiny
		// transactions.
		if all, _ := o.paused.state(); !all && (inFlight == 0 || capacity-inFlight >= max(capacity/4, 1)) {
			items, err := o.claim(ctx, capacity-inFlight)
			if err != nil && ctx.Err() == nil {
				o.log.Error("outbox claim failed", "error", err)
			}
			for _, it := range items {
				jobs <- it
			}
			inFlight += len(items)
			if len(items) > 0 {
				continue
			}
		}
		select {
		case <-ctx.Done():
		case n := <-free:
			inFlight -= n
		case <-o.wake:
		case <-t.C:
			t.Reset(250 * time.Millisecond)
		}
	}
	close(claimerDone)
	close(jobs)
	senders.Wait()
	close(starts)
	close(results)
	<-settled
}

// claimLease is how long a claim holds before ReleaseClaims may hand the
// item to another sender: long enough for every claimed item to get its
// rate-limit token (2×Workers items at Rate per second), with margin. A
// claim that outlives it is harmless: StartOutbox refuses the stale one.
func (o *outbox) claimLease() time.Duration {
	wait := time.Duration(float64(2*o.cfg.Workers) / o.cfg.Rate * float64(time.Second))
	return 15*time.Second + 2*wait
}

// start moves a claimed item to sending, committed, and reports whether
// its request may now leave.
func (o *outbox) start(it *OutboxItem, starts chan<- startReq) bool {
	r := startReq{id: it.ID, ok: make(chan bool, 1)}
	starts <- r
	return <-r.ok
}

// The claim is Replayable: no request is made for a claimed item before
// its start commits durably (which makes the claim durable too), and a
// claim lost to a power cut only puts its items back in line.
func (o *outbox) claim(ctx context.Context, n int) ([]*OutboxItem, error) {
	var items []*OutboxItem
	err := o.store.Update(Replayable(ctx), func(tx Tx) error {
		var err error
		_, skip := o.paused.state()
		items, err = tx.ClaimOutbox(o.cfg.Worker, o.claimLease(), n, skip...)
		return err
	})
	return items, err
}

// bookLoop is the outbox's bookkeeper. Each round it takes whatever has
// arrived — starts senders wait for, results they report — and commits it
// in one transaction: results are settled, claimed items move to sending
// (their requests may leave only once that commits), and the freed slots
// go back to the claimer. One commit per round, not one for starts and one
// for results: SQLite has one writer.
func (o *outbox) bookLoop(ctx context.Context, starts <-chan startReq, results <-chan sendResult, free chan<- int, claimerDone <-chan struct{}) {
	for starts != nil || results != nil {
		var reqs []startReq
		var batch []sendResult
		select {
		case r, ok := <-starts:
			if !ok {
				starts = nil
				continue
			}
			reqs = append(reqs, r)
		case r, ok := <-results:
			if !ok {
				results = nil
				continue
			}
			batch = append(batch, r)
		}
	collect:
		for len(reqs)+len(batch) < 512 {
			select {
			case r, ok := <-starts:
				if !ok {
					starts = nil
					break collect
				}
				reqs = append(reqs, r)
			case r, ok := <-results:
				if !ok {
					results = nil
					break collect
				}
				batch = append(batch, r)
			default:
				break collect
			}
		}
		ids := make([]string, len(reqs))
		for i, r := range reqs {
			ids[i] = r.id
		}
		// Concurrent writers (the processor promoting lines, another
		// replica's settle) can deadlock with a batch on PostgreSQL; the
		// database aborts one side, which is retried. Counters move only
		// once the batch commits, so they stay exact.
		// A round that starts items waits for the disk: their requests
		// leave once it commits, and its wait makes every commit before it
		// durable too (the answers they carry, the claims). A round that
		// only settles results is Replayable: a settle lost to a power cut
		// leaves its items in sending, as a crash between the request and
		// the settle does, and maintenance reconciles them by Meta's status
		// webhooks (never resending what Meta accepted).
		rctx := ctx
		if len(ids) == 0 {
			rctx = Replayable(ctx)
		}
		var ok []string
		var err error
		for attempt := range 4 {
			var d settleCounts
			err = o.store.Update(rctx, func(tx Tx) error {
				d = settleCounts{}
				var delivered []Delivery
				for _, r := range batch {
					if !r.lost && r.defer_ == 0 && r.err == nil {
						// Accepted by Meta: recorded for the whole batch at once.
						delivered = append(delivered, Delivery{ID: r.it.ID, MessageID: r.it.MessageID, WAMessageID: r.wamid, PhoneNumberID: r.it.PhoneNumberID})
						continue
					}
					if err := o.settle(tx, r, &d); err != nil {
						return err
					}
				}
				if len(delivered) > 0 {
					removed, err := tx.OutboxDelivered(delivered)
					if err != nil {
						return err
					}
					d.delivered(removed)
					// A customer may have reacted to one before this
					// transaction committed: one look for the batch.
					wamids := make([]string, 0, len(delivered))
					for _, dl := range delivered {
						if dl.MessageID != "" {
							wamids = append(wamids, dl.WAMessageID)
						}
					}
					if err := linkReactions(tx, wamids...); err != nil {
						return err
					}
				}
				var err error
				ok, err = tx.StartOutbox(o.cfg.Worker, o.cfg.Lease, ids)
				return err
			})
			if err == nil {
				o.stats.Sent.Add(d.sent)
				o.stats.SendFailed.Add(d.failed)
				for _, n := range d.sentBy {
					o.stats.SentByNumber.Add(n)
				}
				for _, n := range d.failedBy {
					o.stats.FailedByNumber.Add(n)
				}
				o.stats.SendRetries.Add(d.retries)
				o.stats.SendUnknown.Add(d.unknown)
				break
			}
			if !transient(err) || attempt == 3 {
				break
			}
			time.Sleep(time.Duration(attempt+1) * time.Duration(5+rand.N(20)) * time.Millisecond)
		}
		if err != nil {
			// Settled items stay in sending; their lease runs out and
			// maintenance reconciles them like a crash, never resending
			// blindly. Items to start stay claimed and nothing is sent
			// for them; ReleaseClaims hands them back when the claim runs
			// out.
			o.log.Error("outbox bookkeeping not recorded", "results", len(batch), "starts", len(reqs), "error", err)
			ok = nil
		}
		startedIDs := make(map[string]bool, len(ok))
		for _, id := range ok {
			startedIDs[id] = true
		}
		for _, r := range reqs {
			r.ok <- startedIDs[r.id]
		}
		if len(batch) == 0 {
			continue
		}
		select {
		case free <- len(batch):
		case <-claimerDone: // shutting down: nobody counts slots any more
		}
	}
}

// send makes the item's request. A read receipt is sent from the claim
// itself (marking read twice is harmless); a message is started first.
func (o *outbox) send(ctx context.Context, it *OutboxItem, starts chan<- startReq) sendResult {
	var out Outbound
	if err := json.Unmarshal(it.Payload, &out); err != nil {
		return sendResult{it: it, err: &SendError{Action: SendPermanent, Err: fmt.Errorf("outbox payload: %w", err)}}
	}
	ctx, span := o.flow.tracing.tr.Start(withTraceparent(ctx, out.Trace), "outbox.send",
		trace.WithAttributes(attribute.String("outbox.kind", it.Kind), attribute.Int("outbox.attempts", it.Attempts)))
	defer span.End()
	if err := o.rate.wait(ctx, it.PhoneNumberID); err != nil {
		return sendResult{it: it, err: &SendError{Action: SendRetry, Err: err}}
	}
	if it.Kind == "read" {
		return sendResult{it: it, err: o.sender.MarkRead(ctx, it.PhoneNumberID, out.Read, out.Typing)}
	}
	if d := o.pair.reserve(out.To); d > 0 {
		return sendResult{it: it, defer_: d}
	}
	if !o.start(it, starts) {
		return sendResult{it: it, lost: true}
	}
	wamid, err := o.sender.Send(ctx, it.PhoneNumberID, out, it.ID)
	var se *SendError
	if errors.As(err, &se) {
		span.SetAttributes(attribute.Int("graph.error_code", se.Code))
		if se.Code != 0 {
			o.stats.MetaErrors.Add(strconv.Itoa(se.Code))
		}
		if se.Code == CodeThroughput && o.rate.throttle(it.PhoneNumberID) {
			o.stats.Throttled.Add(1)
			o.stats.ThrottledByNumber.Add(it.PhoneNumberID)
		}
	}
	if err != nil {
		span.SetStatus(codes.Error, "send failed")
	}
	return sendResult{it: it, wamid: wamid, err: err}
}

// settleCounts are the counters a settled batch moves.
type settleCounts struct {
	sent, failed, retries, unknown int64
	sentBy, failedBy               []string // the business number of each
}

// delivered counts the items Meta accepted that the store removed.
func (d *settleCounts) delivered(removed []Delivery) {
	d.sent += int64(len(removed))
	for _, r := range removed {
		d.sentBy = append(d.sentBy, r.PhoneNumberID)
	}
}

// transient reports whether err is a deadlock or serialization failure
// (PostgreSQL SQLSTATE 40P01, 40001): the transaction may simply be run
// again.
func transient(err error) bool {
	var se interface{ SQLState() string }
	return errors.As(err, &se) && (se.SQLState() == "40P01" || se.SQLState() == "40001")
}

func (o *outbox) settle(tx Tx, r sendResult, d *settleCounts) error {
	it := r.it
	if r.lost {
		return nil
	}
	if r.defer_ > 0 {
		return tx.OutboxDefer(it.ID, tx.Time().Add(r.defer_))
	}
	if r.err == nil {
		removed, err := tx.OutboxDelivered([]Delivery{{ID: it.ID, MessageID: it.MessageID, WAMessageID: r.wamid, PhoneNumberID: it.PhoneNumberID}})
		if err != nil {
			return err
		}
		d.delivered(removed)
		// The customer may have reacted before this transaction
		// committed.
		return linkReactions(tx, r.wamid)
	}
	var se *SendError
	if !errors.As(r.err, &se) {
		se = &SendError{Action: SendRetry, Err: r.err}
	}
	if it.Kind == "read" && se.Action == SendUnknown {
		se.Action = SendRetry // marking read twice is harmless
	}
	fail := func(reason string) error {
		d.failed++
		d.failedBy = append(d.failedBy, it.PhoneNumberID)
		o.log.Warn("message not delivered", "outbox_id", it.ID, "code", se.Code, "reason", reason)
		if err := tx.OutboxSetState(it.ID, OutboxFailed, reason); err != nil {
			return err
		}
		if it.MessageID != "" {
			return tx.SetMessageFailed(it.MessageID, se.Code, se.Title)
		}
		return nil
	}
	switch se.Action {
	case SendRetry, SendRetryRecipient:
		// 130429 is the number's ceiling, not this message's fault: the
		// number slows down (see buckets.throttle) and the item waits its
		// turn however long that takes; it is never given up for it.
		if it.Attempts >= o.cfg.MaxAttempts && se.Code != CodeThroughput {
			return fail(fmt.Sprintf("gave up after %d attempts: %v", it.Attempts, se))
		}
		d.retries++
		wait := backoff(se.Action, it.Attempts)
		if se.Code == CodeThroughput {
			// The number's slowed rate does the pacing; a long wait on
			// top would only hold this customer's line.
			wait = min(wait, 2*time.Second)
		}
		return tx.OutboxRetry(it.ID, tx.Time().Add(wait), se.Error())
	case SendUnknown:
		d.unknown++
		return tx.OutboxSetState(it.ID, OutboxUnknown, "no answer from Meta: "+se.Error())
	case SendAuthFailed:
		o.stats.Paused.Store(true)
		if o.paused.pause("") {
			o.publishPaused()
			o.log.Error("ALERT: sending paused on every number; Meta refused the access token. Fix it, then resume sending.", "code", se.Code, "title", se.Title)
		}
		return tx.OutboxSetState(it.ID, OutboxPaused, se.Error())
	case SendPauseNumber:
		o.stats.Paused.Store(true)
		if o.paused.pause(it.PhoneNumberID) {
			o.publishPaused()
			o.log.Error("ALERT: sending paused on one business number; Meta restricted it (spam rate limit). The other numbers keep sending. Check its quality, then resume sending.",
				"phone_number_id", it.PhoneNumberID, "code", se.Code, "title", se.Title)
		}
		return tx.OutboxSetState(it.ID, OutboxPaused, se.Error())
	case SendWindowClosed:
		if it.Kind != "message" {
			return fail(se.Error())
		}
		var out Outbound
		if json.Unmarshal(it.Payload, &out) == nil && out.Template != nil {
			return fail("131047 for a template: no fallback")
		}
		reason, err := o.flow.windowFallback(tx, it.ContactID, it.ConversationID)
		if err != nil {
			return err
		}
		return fail(reason)
	case SendPermanent:
		if se.Code == CodeMarketingStopped || se.Code == CodeMarketingHeld {
			if err := o.flow.marketingRefused(tx, it.ContactID, it.ConversationID, se.Code, ""); err != nil {
				return err
			}
		}
		return fail(se.Error())
	default:
		return fail(se.Error())
	}
}

// backoff is exponential with full jitter; the pair limit backs off 4^n s
// as Meta suggests.
func backoff(a SendAction, attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	var ceil time.Duration
	if a == SendRetryRecipient {
		ceil = time.Duration(1<<(2*min(attempt-1, 5))) * time.Second
	} else {
		ceil = time.Duration(1<<min(attempt-1, 8)) * 250 * time.Millisecond
	}
	ceil = min(ceil, 5*time.Minute)
	return ceil/2 + rand.N(ceil/2+1)
}

// maintain puts items claimed but never started back in line at once,
// moves items abandoned mid-request to unknown, and resends unknown items
// that no status webhook reconciled within ReconcileAfter.
func (o *outbox) maintain(ctx context.Context) error {
	return o.store.Update(ctx, func(tx Tx) error {
		if n, err := tx.ReleaseClaims(o.cfg.Worker); err != nil {
			return err
		} else if n > 0 {
			o.log.Info("outbox items claimed by a stopped sender were never sent; sending them now", "count", n)
		}
		lost, err := tx.ExpireSending(o.cfg.Worker)
		if err != nil {
			return err
		}
		if len(lost) > 0 {
			o.log.Warn("outbox items were in flight when their sender stopped; awaiting status webhooks before any resend", "count", len(lost))
		}
		if n, err := tx.RepairLines(); err != nil {
			return err
		} else if n > 0 {
			o.log.Info("outbox lines repaired after a concurrent settle", "count", n)
		}
		stale, err := tx.UnknownBefore(tx.Time().Add(-o.cfg.ReconcileAfter))
		if err != nil {
			return err
		}
		for _, it := range stale {
			if err := tx.OutboxSetState(it.ID, OutboxSending, ""); err != nil {
				return err
			}
			if err := tx.OutboxRetry(it.ID, tx.Time(), "no status webhook within the reconciliation window: Meta did not accept it"); err != nil {
				return err
			}
		}
		return nil
	})
}

// buckets are token buckets by key: rate tokens per second, up to burst.
// The per-number limiter waits for a token; the per-customer pair gate
// defers the send instead, so one chatty conversation never holds a
// sender.
type buckets struct {
	mu    sync.Mutex
	rate  float64 // tokens per second; 0 means no limit
	burst float64
	b     map[string]*bucket
	// slow holds keys whose rate was cut (throttle): the scale of the
	// rate at the time of the last cut.
	slow map[string]*slowdown
}

type bucket struct {
	tokens float64
	last   time.Time
}

// slowdown is an adaptive cut of a key's rate: halved on each throttle,
// down to minScale, and back to the full rate linearly at recoverPerSec.
type slowdown struct {
	scale float64
	at    time.Time
}

const (
	minScale      = 0.02 // 80/s falls to 1.6/s at worst
	recoverPerSec = 0.05 // from the floor back to full in ~20 s without a new 130429
)

// scaleLocked is the fraction of the rate key may use now.
func (l *buckets) scaleLocked(key string, now time.Time) float64 {
	s := l.slow[key]
	if s == nil {
		return 1
	}
	v := s.scale + now.Sub(s.at).Seconds()*recoverPerSec
	if v >= 1 {
		delete(l.slow, key)
		return 1
	}
	return v
}

// throttle halves key's rate (Meta's 130429: the number's throughput
// ceiling). Cuts within 250 ms of the last one count once: a burst of
// refusals from requests already in flight is one signal. It reports
// whether the rate was cut. An empty key cuts every number's rate.
func (l *buckets) throttle(key string) bool {
	if l.rate <= 0 {
		return false
	}
	if key == "" {
		// Every number this replica has sent from.
		l.mu.Lock()
		keys := make([]string, 0, len(l.b))
		for k := range l.b {
			if k != "" {
				keys = append(keys, k)
			}
		}
		l.mu.Unlock()
		slowed := false
		for _, k := range keys {
			slowed = l.throttle(k) || slowed
		}
		return slowed
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if s := l.slow[key]; s != nil && now.Sub(s.at) < 250*time.Millisecond {
		return false
	}
	cur := l.scaleLocked(key, now)
	if l.slow == nil {
		l.slow = map[string]*slowdown{}
	}
	l.slow[key] = &slowdown{scale: max(cur/2, minScale), at: now}
	if bk := l.b[key]; bk != nil {
		bk.tokens = min(bk.tokens, 0) // what was saved up at the old rate is not spent at once
	}
	return true
}

func newBuckets(rate float64, burst float64) *buckets {
	return &buckets{rate: rate, burst: max(burst, 1), b: map[string]*bucket{}}
}

// newLimiter is the per-number limit: rate per second, bursts of a tenth.
func newLimiter(rate float64) *buckets { return newBuckets(rate, rate/10) }

// newPairGate is Meta's pair limit: one message per interval to one
// customer on average, with bursts borrowed from later quota.
func newPairGate(interval time.Duration, burst int) *buckets {
	if interval <= 0 {
		return newBuckets(0, 1)
	}
	return newBuckets(float64(time.Second)/float64(interval), float64(burst))
}

// reserve takes a token for key, or says how long until one is free.
func (l *buckets) reserve(key string) time.Duration {
	return l.takeToken(key, false)
}

// takeToken refills key's bucket and takes a token if one is there. With
// debt it takes one regardless, leaving the bucket below zero, and says how
// long until that token is earned: the caller owns it after that wait.
func (l *buckets) takeToken(key string, debt bool) time.Duration {
	if l.rate <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	bk := l.b[key]
	if bk == nil {
		if len(l.b) > 100000 {
			for k, v := range l.b {
				if now.Sub(v.last).Seconds()*l.rate > l.burst {
					delete(l.b, k) // full again: same as a new bucket
				}
			}
		}
		bk = &bucket{tokens: l.burst, last: now}
		l.b[key] = bk
	}
	rate := l.rate * l.scaleLocked(key, now)
	bk.tokens = min(l.burst, bk.tokens+now.Sub(bk.last).Seconds()*rate)
	bk.last = now
	if bk.tokens >= 1 {
		bk.tokens--
		return 0
	}
	wait := time.Duration((1 - bk.tokens) / rate * float64(time.Second))
	if debt {
		bk.tokens--
	}
	return wait
}

// wait blocks until key has a token or ctx ends. The token is taken up
// front (the bucket goes into debt) and the caller sleeps once until it is
// earned: waiters queue in the order they came instead of all waking at
// each token and all but one sleeping again (with 250 senders on one
// number, that was 250 timers per token). A wait that ends with ctx gives
// its token back.
func (l *buckets) wait(ctx context.Context, key string) error {
	d := l.takeToken(key, true)
	if err := sleep(ctx, d); err != nil {
		l.mu.Lock()
		if bk := l.b[key]; bk != nil {
			bk.tokens = min(l.burst, bk.tokens+1)
		}
		l.mu.Unlock()
		return err
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
