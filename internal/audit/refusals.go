package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Refusals aggregates the audit events of refused requests, so a flood of
// them (a thousand unauthenticated requests, a thousand unsigned
// webhooks) writes a handful of rows instead of one each, while every
// refusal is still counted. Within a window, the first refusal of a kind
// (same actor, action, target, source address and kind of reason) is
// written at once by the caller, as before; the rest are counted, and at
// the window's end (and at shutdown: Run, Flush) each kind with a count is
// written as one event saying how many more there were and when.
//
// The number of kinds held per window is bounded (MaxKinds); refusals of
// new kinds past it are counted under one overflow kind per action, so
// many sources or varied input cannot grow memory or the log either.
type Refusals struct {
	window time.Duration
	now    func() time.Time
	write  func(context.Context, *Event) error
	max    int

	mu      sync.Mutex
	pending map[refusalKey]*refusalCount
}

// RefusalsConfig configures Refusals.
type RefusalsConfig struct {
	Window time.Duration // zero: one minute
	Now    func() time.Time
	// Write appends one event (store.DB.Audit). Required.
	Write    func(context.Context, *Event) error
	MaxKinds int // zero: 10,000
}

type refusalKey struct {
	actorType        ActorType
	actorID, action  string
	target, sourceIP string
	kind             string
}

type refusalCount struct {
	first       Event // the refusal written at once; its fields name the kind
	n           int   // refusals after it
	from, until time.Time
}

// NewRefusals returns an aggregator; run it with Run.
func NewRefusals(c RefusalsConfig) (*Refusals, error) {
	if c.Write == nil {
		return nil, errors.New("audit: refusals: no writer")
	}
	a := &Refusals{window: c.Window, now: c.Now, write: c.Write, max: c.MaxKinds, pending: map[refusalKey]*refusalCount{}}
	if a.window <= 0 {
		a.window = time.Minute
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.max <= 0 {
		a.max = 10000
	}
	return a, nil
}

// OverflowSource is the source address of an aggregated event that counts
// refusals of more kinds than a window holds.
const OverflowSource = "*"

// Note counts the refusal e of the given kind (a short, fixed description
// of why: never caller-controlled text) and reports whether it is the
// first of its kind in this window, which the caller must write now (and
// refuse with 503 if it cannot). Later ones are written in aggregate.
func (a *Refusals) Note(e *Event, kind string) (first bool) {
	k := refusalKey{e.ActorType, e.ActorID, e.Action, e.Target, e.SourceIP, kind}
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.pending[k]; !ok && len(a.pending) >= a.max {
		k = refusalKey{actorType: e.ActorType, action: e.Action, target: e.Target, sourceIP: OverflowSource, kind: "more kinds than a window holds"}
		if _, ok := a.pending[k]; !ok {
			a.pending[k] = &refusalCount{first: Event{ActorType: e.ActorType, Action: e.Action, Target: e.Target, Outcome: Denied,
				SourceIP: OverflowSource}, from: now}
		}
	}
	c, ok := a.pending[k]
	if !ok {
		a.pending[k] = &refusalCount{first: *e, from: now, until: now}
		return true
	}
	if c.n == 0 {
		c.from = now
	}
	c.n++
	c.until = now
	return false
}

// Flush writes one event for each kind counted since the last flush and
// starts a new window. A kind whose event cannot be written stays counted
// for the next flush; the first error is returned.
func (a *Refusals) Flush(ctx context.Context) error {
	a.mu.Lock()
	pending := a.pending
	a.pending = map[refusalKey]*refusalCount{}
	a.mu.Unlock()
	var first error
	for k, c := range pending {
		if c.n == 0 {
			continue
		}
		e := c.first
		e.Seq, e.At, e.PrevHash, e.Hash, e.RequestID = 0, time.Time{}, nil, nil, ""
		e.Reason = Clip(fmt.Sprintf("%s: %d more refused from %s to %s", k.kind, c.n,
			c.from.UTC().Format(time.RFC3339), c.until.UTC().Format(time.RFC3339)), maxField)
		if err := a.write(ctx, &e); err != nil {
			if first == nil {
				first = err
			}
			a.mu.Lock()
			if cur, ok := a.pending[k]; ok {
				cur.n += c.n
				cur.from = c.from
			} else {
				a.pending[k] = c
			}
			a.mu.Unlock()
		}
	}
	return first
}

// Run flushes at the end of every window until ctx ends, then once more
// (with a context of its own: the database is still open at shutdown).
// onError is told about flushes that failed.
func (a *Refusals) Run(ctx context.Context, onError func(error)) {
	t := time.NewTicker(a.window)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := a.Flush(fctx); err != nil {
				onError(err)
			}
			return
		case <-t.C:
			if err := a.Flush(ctx); err != nil {
				onError(err)
			}
		}
	}
}
