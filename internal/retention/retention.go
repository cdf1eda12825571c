// Package retention enforces how long trement keeps personal data: the
// business's default period (30, 60 or 90 days, or custom), per-region
// overrides from the policy file, and the blocking periods that follow an
// erasure where the law asks to block before deleting.
//
// # What a pass removes
//
//   - messages older than their customer's region's period;
//   - customers inactive (no message from them, no change) past that
//     period: they are erased like any erasure (crypto-shredded, tombstone,
//     journal), or blocked where the region blocks;
//   - blocked customers whose blocking period ended: shredded;
//   - conversations left empty, failed sends (they hold a sealed copy of
//     the text) and webhook bodies set aside as malformed, older than the
//     default period; de-duplication keys older than Meta's redelivery
//     window.
//
// The consent ledger, the erasure tombstones and data-subject requests are
// evidence and stay. Audit events hold no personal data (pseudonyms only)
// and have their own, longer period (Rules.Audit, zero: forever): the
// oldest go below a keyed floor from which the chain still verifies.
//
// A pass runs in batches, each its own transaction, so it can report
// progress (`trement retention run`) and never holds the writer long;
// `-dry-run` counts without removing. Every pass that removed something is
// audited, and the counters feed the metrics.
package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/trement/trement/internal/audit"
)

// Rules say how long data is kept.
type Rules struct {
	// Default is the period for regions without an override.
	Default time.Duration
	// Regions overrides Default per region ("ES", "BR", …).
	Regions map[string]time.Duration
	// Block holds, for each region that blocks before deleting, how long
	// an erasure of one of its customers blocks before it shreds.
	Block map[string]time.Duration
	// Seen is how long de-duplication keys are kept (Meta redelivers for
	// up to 7 days).
	Seen time.Duration
	// Audit is how long audit events are kept; zero keeps them forever.
	// They hold no personal data and are the evidence of everything else,
	// so their period is their own and longer.
	Audit time.Duration
}

// For returns the period of region.
func (r Rules) For(region string) time.Duration {
	if d, ok := r.Regions[region]; ok && d > 0 {
		return d
	}
	return r.Default
}

// Cut is one pass's cut-offs, fixed when the pass starts.
type Cut struct {
	Now time.Time
	// Default is the cut-off of regions not in Regions; Regions holds
	// the overridden ones. Data older than its cut-off goes.
	Default time.Time
	Regions map[string]time.Time
	// Block holds the blocking period of each region that blocks.
	Block map[string]time.Duration
	// Seen is the cut-off of de-duplication keys.
	Seen time.Time
	// Audit is the cut-off of audit events; zero keeps them all.
	Audit time.Time
}

// Overridden returns the regions with their own cut-off, sorted.
func (c Cut) Overridden() []string {
	out := make([]string, 0, len(c.Regions))
	for r := range c.Regions {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Counts is what a pass removed (or, dry, would remove).
type Counts struct {
	Messages      int64 `json:"messages"`
	Inactive      int64 `json:"inactive_customers"`
	BlockEnded    int64 `json:"blocked_shredded"`
	Conversations int64 `json:"conversations"`
	FailedSends   int64 `json:"failed_sends"`
	InboxBodies   int64 `json:"inbox_bodies"`
	SeenKeys      int64 `json:"dedupe_keys"`
	AuditEvents   int64 `json:"audit_events"`
}

// Total is the number of rows.
func (c Counts) Total() int64 {
	return c.Messages + c.Inactive + c.BlockEnded + c.Conversations + c.FailedSends + c.InboxBodies + c.SeenKeys + c.AuditEvents
}

func (c *Counts) add(o Counts) {
	c.Messages += o.Messages
	c.Inactive += o.Inactive
	c.BlockEnded += o.BlockEnded
	c.Conversations += o.Conversations
	c.FailedSends += o.FailedSends
	c.InboxBodies += o.InboxBodies
	c.SeenKeys += o.SeenKeys
	c.AuditEvents += o.AuditEvents
}

func (c Counts) String() string {
	return fmt.Sprintf("%d messages, %d inactive customers, %d blocked customers shredded, %d conversations, %d failed sends, %d set-aside webhook bodies, %d de-duplication keys, %d audit events",
		c.Messages, c.Inactive, c.BlockEnded, c.Conversations, c.FailedSends, c.InboxBodies, c.SeenKeys, c.AuditEvents)
}

// Store is what the purger needs from the database.
type Store interface {
	// Expired counts what a pass at cut would remove, removing nothing.
	Expired(ctx context.Context, cut Cut) (Counts, error)
	// PurgeBatch removes up to limit expired rows of each kind, in one
	// transaction, and returns what it removed; a zero Total means
	// nothing expired is left.
	PurgeBatch(ctx context.Context, cut Cut, limit int) (Counts, error)
	// ExpiredAudit counts the audit events older than before that
	// PruneAudit would remove.
	ExpiredAudit(ctx context.Context, before time.Time) (int64, error)
	// PruneAudit removes up to limit of the oldest audit events older
	// than before, below a keyed floor the verifier starts from, and
	// returns how many; zero means none is left.
	PruneAudit(ctx context.Context, before time.Time, limit int) (int64, error)
	// AppendAudit records a pass (fails closed: the caller reports it).
	AppendAudit(ctx context.Context, e *audit.Event) error
	// Scrub makes what was deleted leave the database files.
	Scrub(ctx context.Context) error
}

// Stats are the purger's counters, read by the metrics exporter.
type Stats struct {
	Runs          atomic.Int64
	Failures      atomic.Int64
	Messages      atomic.Int64
	Inactive      atomic.Int64
	BlockEnded    atomic.Int64
	Other         atomic.Int64 // conversations, failed sends, bodies, keys
	AuditEvents   atomic.Int64
	LastRunUnix   atomic.Int64
	LastRunMillis atomic.Int64
}

// Purger runs retention passes.
type Purger struct {
	store Store
	rules Rules
	now   func() time.Time
	log   *slog.Logger
	// Batch is how many rows of each kind one transaction removes.
	Batch int
	Stats *Stats
}

// New returns a purger. now is the clock (nil: time.Now).
func New(st Store, rules Rules, now func() time.Time, log *slog.Logger) (*Purger, error) {
	if st == nil {
		return nil, errors.New("retention: no store")
	}
	if rules.Default <= 0 {
		return nil, errors.New("retention: the default period must be positive")
	}
	if rules.Audit < 0 {
		return nil, errors.New("retention: negative audit period")
	}
	for r, d := range rules.Regions {
		if d < 0 {
			return nil, fmt.Errorf("retention: region %s: negative period", r)
		}
	}
	if rules.Seen <= 0 {
		rules.Seen = 8 * 24 * time.Hour
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Purger{store: st, rules: rules, now: now, log: log, Batch: 5000, Stats: &Stats{}}, nil
}

// Cut returns the cut-offs of a pass starting at now.
func (p *Purger) Cut(now time.Time) Cut {
	c := Cut{Now: now, Default: now.Add(-p.rules.Default), Regions: map[string]time.Time{}, Block: map[string]time.Duration{}, Seen: now.Add(-p.rules.Seen)}
	for r, d := range p.rules.Regions {
		if d > 0 {
			c.Regions[r] = now.Add(-d)
		}
	}
	for r, d := range p.rules.Block {
		if d > 0 {
			c.Block[r] = d
		}
	}
	if p.rules.Audit > 0 {
		c.Audit = now.Add(-p.rules.Audit)
	}
	return c
}

// Plan counts what a pass now would remove.
func (p *Purger) Plan(ctx context.Context) (Counts, error) {
	cut := p.Cut(p.now())
	c, err := p.store.Expired(ctx, cut)
	if err != nil {
		return c, fmt.Errorf("retention: plan: %w", err)
	}
	if !cut.Audit.IsZero() {
		if c.AuditEvents, err = p.store.ExpiredAudit(ctx, cut.Audit); err != nil {
			return c, fmt.Errorf("retention: plan: %w", err)
		}
	}
	return c, nil
}

// Run removes everything expired, batch by batch, calling progress (if
// set) after each with what was removed so far. It audits the pass and
// scrubs the files when something was removed.
func (p *Purger) Run(ctx context.Context, progress func(done Counts)) (Counts, error) {
	start := p.now()
	cut := p.Cut(start)
	var done Counts
	err := p.run(ctx, cut, &done, progress)
	p.Stats.Runs.Add(1)
	p.Stats.Messages.Add(done.Messages)
	p.Stats.Inactive.Add(done.Inactive)
	p.Stats.BlockEnded.Add(done.BlockEnded)
	p.Stats.Other.Add(done.Conversations + done.FailedSends + done.InboxBodies + done.SeenKeys)
	p.Stats.AuditEvents.Add(done.AuditEvents)
	p.Stats.LastRunUnix.Store(start.Unix())
	p.Stats.LastRunMillis.Store(time.Since(start).Milliseconds())
	if err != nil {
		p.Stats.Failures.Add(1)
	}
	if done.Total() > 0 {
		outcome, reason := audit.Success, describe(cut)+": "+done.String()
		if err != nil {
			outcome, reason = audit.Failure, reason+"; stopped: "+err.Error()
		}
		if aerr := p.store.AppendAudit(ctx, &audit.Event{ActorType: audit.ActorSystem, ActorID: "retention", Action: "retention.purge",
			Target: "messages", Outcome: outcome, Reason: reason}); aerr != nil {
			err = errors.Join(err, fmt.Errorf("retention: audit: %w", aerr))
		}
		if serr := p.store.Scrub(ctx); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	return done, err
}

func (p *Purger) run(ctx context.Context, cut Cut, done *Counts, progress func(Counts)) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := p.store.PurgeBatch(ctx, cut, p.Batch)
		done.add(n)
		if err != nil {
			return fmt.Errorf("retention: purge: %w", err)
		}
		if progress != nil {
			progress(*done)
		}
		if n.Total() == 0 {
			break
		}
	}
	// Audit events last, so the record of this pass, written after, is
	// never among them.
	for !cut.Audit.IsZero() {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := p.store.PruneAudit(ctx, cut.Audit, p.Batch)
		done.AuditEvents += n
		if err != nil {
			return fmt.Errorf("retention: audit events: %w", err)
		}
		if progress != nil {
			progress(*done)
		}
		if n == 0 {
			break
		}
	}
	return nil
}

// describe names a pass's cut-offs for the audit record.
func describe(c Cut) string {
	var b strings.Builder
	fmt.Fprintf(&b, "before %s", c.Default.UTC().Format(time.RFC3339))
	for _, r := range c.Overridden() {
		fmt.Fprintf(&b, ", %s before %s", r, c.Regions[r].UTC().Format(time.RFC3339))
	}
	if !c.Audit.IsZero() {
		fmt.Fprintf(&b, ", audit events before %s", c.Audit.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// Loop runs a pass every interval until ctx ends.
func (p *Purger) Loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if c, err := p.Run(ctx, nil); err != nil && ctx.Err() == nil {
			p.log.Error("retention pass failed", "error", err)
		} else if c.Total() > 0 {
			p.log.Info("retention pass", "messages", c.Messages, "inactive_customers", c.Inactive, "blocked_shredded", c.BlockEnded, "other", c.Total()-c.Messages-c.Inactive-c.BlockEnded)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
