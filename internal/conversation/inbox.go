package conversation

import (
	"context"
	"errors"
	"fmt"
	"go.opentelemetry.io/otel/trace"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"
)

// Stats are the message path's counters, read by the metrics exporter.
type Stats struct {
	Accepted      atomic.Int64 // webhook bodies committed to the inbox
	AcceptBatches atomic.Int64 // inbox commits (each covers ≥ 1 body)
	Inbound       atomic.Int64 // new inbound messages
	Duplicates    atomic.Int64 // redelivered messages and statuses dropped
	Malformed     atomic.Int64 // bodies or events that could not be read
	Silenced      atomic.Int64 // messages dropped by the consent gate
	Statuses      atomic.Int64
	Escalations   atomic.Int64
	Erasures      atomic.Int64
	AgentReplies  atomic.Int64
	AgentBlocked  atomic.Int64
	// AgentBlockedBy counts blocked answers by reason (an answer with two
	// reasons counts under both).
	AgentBlockedBy Reasons
	AgentUnsure    atomic.Int64 // unsure answers: the customer was told what the assistant can do
	Sent           atomic.Int64
	SendRetries    atomic.Int64
	SendFailed     atomic.Int64
	SendUnknown    atomic.Int64
	Reconciled     atomic.Int64
	Paused         atomic.Bool
	// MetaErrors counts the error codes Meta answered sends with or
	// reported in errors webhooks.
	MetaErrors Reasons
	// Throttled counts 130429 slow-downs of a business number.
	Throttled atomic.Int64
	// By business number (phone_number_id; "" for every number at once):
	// messages Meta accepted, sends given up, slow-downs, and the numbers
	// paused now (PausedNumbers, set when a pause starts or ends).
	SentByNumber      Reasons
	FailedByNumber    Reasons
	ThrottledByNumber Reasons
	PausedNumbers     atomic.Pointer[[]string]
	// MediaStored counts customers' files downloaded and sealed,
	// MediaRetries downloads to try again, MediaFailed files not kept,
	// by reason.
	MediaStored  atomic.Int64
	MediaRetries atomic.Int64
	MediaFailed  Reasons
}

// Reasons counts events by reason, for a labelled metric. The zero value
// is ready to use.
type Reasons struct {
	mu sync.Mutex
	n  map[string]int64
}

// Add counts one event for reason.
func (r *Reasons) Add(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int64{}
	}
	r.n[reason]++
}

// Snapshot returns the counts so far.
func (r *Reasons) Snapshot() map[string]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.n)
}

// Inbox makes webhook bodies durable before they are acknowledged. Accept
// hands the body to one writer goroutine, which commits every body waiting
// at that moment in one transaction (group commit) and then answers each
// caller: a 200 always means "on disk", and one fsync covers many webhooks.
type Inbox struct {
	store    Store
	log      *slog.Logger
	stats    *Stats
	reqs     chan *acceptReq
	wake     func()
	maxBatch int
	key      func(payload []byte) string // nil: no partition key
	tracing  *tracing
}

type acceptReq struct {
	payload []byte
	at      time.Time
	done    chan error
	span    trace.SpanContext // the webhook request's, to continue its trace
}

// ErrClosed is returned by Accept after the inbox stopped.
var ErrClosed = errors.New("inbox closed")

func newInbox(st Store, log *slog.Logger, stats *Stats, wake func()) *Inbox {
	return &Inbox{store: st, log: log, stats: stats, reqs: make(chan *acceptReq, 4096), wake: wake, maxBatch: 512}
}

// Accept commits raw durably and returns nil only once it is on disk.
func (in *Inbox) Accept(ctx context.Context, raw []byte) error {
	r := &acceptReq{payload: raw, at: time.Now(), done: make(chan error, 1), span: trace.SpanContextFromContext(ctx)}
	select {
	case in.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		// The body may still commit; Meta will redeliver and the duplicate
		// is dropped by message id.
		return ctx.Err()
	}
}

// run is the single writer. On shutdown it commits what is queued, then
// refuses the rest.
func (in *Inbox) run(ctx context.Context) {
	for {
		var first *acceptReq
		select {
		case first = <-in.reqs:
		case <-ctx.Done():
			in.drain()
			return
		}
		in.commit(context.WithoutCancel(ctx), in.collect(first))
	}
}

func (in *Inbox) collect(first *acceptReq) []*acceptReq {
	batch := []*acceptReq{first}
	for len(batch) < in.maxBatch {
		select {
		case r := <-in.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (in *Inbox) commit(ctx context.Context, batch []*acceptReq) {
	items := make([]*InboxItem, len(batch))
	for i, r := range batch {
		items[i] = &InboxItem{Payload: r.payload, ReceivedAt: r.at}
		if in.key != nil {
			items[i].Customer = in.key(r.payload)
		}
	}
	err := in.store.AppendInbox(ctx, items...)
	if err != nil {
		err = fmt.Errorf("inbox: commit: %w", err)
		in.log.Error("inbox commit failed; webhooks answered 500 so Meta redelivers", "batch", len(batch), "error", err)
	} else {
		in.stats.Accepted.Add(int64(len(batch)))
		in.stats.AcceptBatches.Add(1)
		if in.tracing != nil {
			for i, r := range batch {
				in.tracing.remember(items[i].ID, r.span)
			}
		}
		in.wake()
	}
	for _, r := range batch {
		r.done <- err
	}
}

func (in *Inbox) drain() {
	for {
		select {
		case r := <-in.reqs:
			in.commit(context.Background(), in.collect(r))
		default:
			return
		}
	}
}
