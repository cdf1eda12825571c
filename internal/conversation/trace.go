package conversation

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// tracing follows one customer message across the hops of the message path
// that a context cannot cross, so webhook → inbox → flow → agent → send
// reads as one trace: an inbox body by its id (in memory only: a restart,
// or another replica processing the body, starts a new trace), an agent
// turn in its job, a reply in its outbox item's sealed payload. Spans carry
// no personal data: ids of trement's own rows, types, outcomes and codes.
type tracing struct {
	tr      trace.Tracer
	mu      sync.Mutex
	pending map[string]trace.SpanContext // inbox item id → the webhook's span
}

// maxPendingTraces bounds the memory a flood of webhooks can tie up here.
const maxPendingTraces = 100000

func newTracing(tp trace.TracerProvider) *tracing {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return &tracing{tr: tp.Tracer("github.com/trement/trement/internal/conversation"), pending: map[string]trace.SpanContext{}}
}

func (t *tracing) remember(id string, sc trace.SpanContext) {
	if !sc.IsValid() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) < maxPendingTraces {
		t.pending[id] = sc
	}
}

// resume returns ctx carrying the span context remembered for id.
func (t *tracing) resume(ctx context.Context, id string) context.Context {
	t.mu.Lock()
	sc, ok := t.pending[id]
	delete(t.pending, id)
	t.mu.Unlock()
	if !ok {
		return ctx
	}
	return trace.ContextWithSpanContext(ctx, sc)
}

var propagator = propagation.TraceContext{}

// traceparent is the W3C traceparent of ctx's span ("" without one).
func traceparent(ctx context.Context) string {
	c := propagation.MapCarrier{}
	propagator.Inject(ctx, c)
	return c["traceparent"]
}

// withTraceparent returns ctx continuing the trace tp names.
func withTraceparent(ctx context.Context, tp string) context.Context {
	if tp == "" {
		return ctx
	}
	return propagator.Extract(ctx, propagation.MapCarrier{"traceparent": tp})
}
