package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/retention"
	"github.com/trement/trement/internal/store"
)

// seedIn creates a contact of region with n messages at the clock's time.
func seedIn(t *testing.T, db *store.DB, waID, region string, n int) (*conversation.Contact, *conversation.Conversation) {
	t.Helper()
	c := &conversation.Contact{WaID: waID, Region: region, RegionReason: "test", Language: "en"}
	var conv *conversation.Conversation
	update(t, db, func(tx *store.Tx) error {
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		var err error
		if conv, err = tx.OpenConversation(c.ID, "106540352242922"); err != nil {
			return err
		}
		for range n {
			if err := tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In, Type: "text", Body: "x", Author: "customer", Status: conversation.StatusReceived}); err != nil {
				return err
			}
		}
		return nil
	})
	return c, conv
}

func TestRetentionPerRegionInactiveAndBlocking(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		const day = 24 * time.Hour
		t0 := time.Now().Add(-200 * day)
		now := t0
		clock := func() time.Time { return now }
		db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: newKey(t), Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		es, _ := seedIn(t, db, "34600000001", "ES", 3) // ES keeps 120 days: all stay
		de, deConv := seedIn(t, db, "4915100000001", "GDPR", 2)
		br, _ := seedIn(t, db, "5511900000001", "BR", 1) // inactive: erased
		mx, _ := seedIn(t, db, "5255100000001", "MX", 1) // inactive, MX blocks: blocked
		now = t0.Add(95 * day)
		update(t, db, func(tx *store.Tx) error {
			if err := tx.InsertMessage(&conversation.Message{ConversationID: deConv.ID, ContactID: de.ID, Direction: conversation.In, Type: "text", Body: "still here", Author: "customer", Status: conversation.StatusReceived}); err != nil {
				return err
			}
			c, err := tx.Contact(de.ID)
			if err != nil {
				return err
			}
			return tx.UpdateContact(c) // activity
		})
		now = t0.Add(100 * day)
		p, err := retention.New(store.Retention(db), retention.Rules{Default: 90 * day, Regions: map[string]time.Duration{"ES": 120 * day},
			Block: map[string]time.Duration{"MX": 10 * day, "ES": 10 * day}}, clock, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.Batch = 1 // several batches, so progress is reported more than once
		plan, err := p.Plan(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var calls int
		done, err := p.Run(context.Background(), func(retention.Counts) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		// DE's 2 old messages go in batches of one; the inactive BR and MX
		// customers are erased (BR) and blocked (MX). BR's message goes with
		// the erasure; MX's waits, blocked, with its customer.
		want := retention.Counts{Messages: 2, Inactive: 2}
		if done != want {
			t.Errorf("Run = %+v, want %+v", done, want)
		}
		if plan.Messages != 4 || plan.Inactive != 2 {
			t.Errorf("Plan = %+v, want 4 expired messages and 2 inactive customers", plan)
		}
		if calls < 3 {
			t.Errorf("progress reported %d times, want once per batch", calls)
		}
		view(t, db, func(tx *store.Tx) error {
			if ms, err := tx.ContactMessages(es.ID); err != nil || len(ms) != 3 {
				t.Errorf("ES messages = %d, %v; want 3 (ES keeps 120 days)", len(ms), err)
			}
			if ms, err := tx.ContactMessages(de.ID); err != nil || len(ms) != 1 || ms[0].Body != "still here" {
				t.Errorf("DE messages = %d, %v; want only the young one", len(ms), err)
			}
			if _, err := tx.Contact(br.ID); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("inactive BR contact = %v, want erased", err)
			}
			ts, err := tx.Tombstone(db.WaIndex("5255100000001"))
			if err != nil || ts.BlockedUntil.IsZero() {
				t.Errorf("inactive MX contact tombstone = %+v, %v; want blocked", ts, err)
			}
			evs, _ := tx.AuditEvents(audit.Filter{Action: "retention.purge"})
			if len(evs) != 1 {
				t.Errorf("%d retention audit events, want 1", len(evs))
			}
			return nil
		})
		// After the blocking period the MX customer is shredded.
		now = now.Add(11 * day)
		done, err = p.Run(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if done.BlockEnded != 1 {
			t.Errorf("second pass = %+v, want the blocked MX customer shredded", done)
		}
		view(t, db, func(tx *store.Tx) error {
			if ended, _ := tx.BlockedUntil(now.Add(1000*day), 10); len(ended) != 0 {
				t.Errorf("blocked keys left: %v", ended)
			}
			return nil
		})
		_ = mx
		if p.Stats.Runs.Load() != 2 || p.Stats.Messages.Load() != 2 || p.Stats.BlockEnded.Load() != 1 {
			t.Errorf("stats = runs %d, messages %d, shredded %d", p.Stats.Runs.Load(), p.Stats.Messages.Load(), p.Stats.BlockEnded.Load())
		}
	})
}

// TestRetentionAuditEvents: a pass removes the audit events older than
// their own period, after everything else, and records itself in the log
// that still verifies from the floor.
func TestRetentionAuditEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		const day = 24 * time.Hour
		now := time.Now().Add(-500 * day)
		db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: newKey(t), Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		appendEvents(t, db, 30)
		now = now.Add(400 * day)
		appendEvents(t, db, 5)
		p, err := retention.New(store.Retention(db), retention.Rules{Default: 90 * day, Audit: 365 * day}, func() time.Time { return now }, nil)
		if err != nil {
			t.Fatal(err)
		}
		p.Batch = 7
		plan, err := p.Plan(context.Background())
		if err != nil || plan.AuditEvents != 30 {
			t.Fatalf("Plan = %+v, %v; want 30 audit events", plan, err)
		}
		done, err := p.Run(context.Background(), nil)
		if err != nil || done != (retention.Counts{AuditEvents: 30}) {
			t.Fatalf("Run = %+v, %v; want the 30 old audit events", done, err)
		}
		rep := verifyAudit(t, db)
		if rep.Break != nil || rep.FloorSeq != 30 || rep.Events != 6 {
			t.Errorf("Verify = %+v (break %v), want floor 30 and 6 events (5 young, the pass's own)", rep, rep.Break)
		}
		evs := readEvents(t, db)
		if last := evs[len(evs)-1]; last.Action != "retention.purge" || !strings.Contains(last.Reason, "30 audit events") {
			t.Errorf("last event = %s %q, want the pass's record", last.Action, last.Reason)
		}
		if done, err := p.Run(context.Background(), nil); err != nil || done.Total() != 0 {
			t.Errorf("second pass = %+v, %v; want nothing", done, err)
		}
		if p.Stats.AuditEvents.Load() != 30 {
			t.Errorf("stats audit events = %d", p.Stats.AuditEvents.Load())
		}
	})
}
