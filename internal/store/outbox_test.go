package store_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// A claim and a start are distinct commits: a crash between them leaves an
// item no request was made for, which goes back in line at once; a crash
// after the start leaves one that may have reached Meta, which waits for
// reconciliation. A live peer's claims are left alone (PostgreSQL tells
// them by the peer's Enlist lock) until the peer is gone.
func TestClaimedItemsAreToldFromStartedOnes(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		ctx := context.Background()
		var items []*conversation.OutboxItem
		for _, n := range []string{"34611000001", "34611000002", "34611000003", "34611000004", "34611000005"} {
			c, _ := seed(t, db, n, "", "x", 0)
			items = append(items, &conversation.OutboxItem{ContactID: c.ID, PhoneNumberID: "1", Kind: "message", Payload: []byte(`{}`)})
		}
		leavePeer, err := db.Enlist(ctx, "peer")
		if err != nil {
			t.Fatal(err)
		}
		defer leavePeer()
		self, err := db.Enlist(ctx, "live")
		if err != nil {
			t.Fatal(err)
		}
		defer self()
		update(t, db, func(tx *store.Tx) error {
			for _, it := range items {
				if err := tx.Enqueue(it); err != nil {
					return err
				}
			}
			// items[0..1] by a dead run; items[2] by this run; items[3]
			// by a claim that ran out; items[4] by a live peer.
			claims := []struct {
				worker string
				lease  time.Duration
				n      int
			}{{"dead", time.Minute, 2}, {"live", time.Minute, 1}, {"slow", -time.Second, 1}, {"peer", time.Minute, 1}}
			for _, c := range claims {
				if _, err := tx.ClaimOutbox(c.worker, c.lease, c.n); err != nil {
					return err
				}
			}
			return nil
		})
		update(t, db, func(tx *store.Tx) error {
			if got, err := tx.StartOutbox("live", time.Minute, []string{items[1].ID}); err != nil || len(got) != 0 {
				t.Errorf("StartOutbox by a worker that does not hold the claim = %v, %v; want nothing started", got, err)
			}
			if got, err := tx.StartOutbox("dead", time.Minute, []string{items[1].ID}); err != nil || !slices.Equal(got, []string{items[1].ID}) {
				t.Errorf("StartOutbox = %v, %v; want %s", got, err, items[1].ID)
			}
			if got, _ := tx.StartOutbox("dead", time.Minute, []string{items[1].ID}); len(got) != 0 {
				t.Errorf("StartOutbox twice started %v again", got)
			}
			return nil
		})
		state := func(it *conversation.OutboxItem) conversation.OutboxState {
			var s conversation.OutboxState
			view(t, db, func(tx *store.Tx) error {
				got, err := tx.OutboxItem(it.ID)
				if err == nil {
					s = got.State
				}
				return err
			})
			return s
		}
		release := func() int64 {
			var n int64
			update(t, db, func(tx *store.Tx) error {
				var err error
				n, err = tx.ReleaseClaims("live")
				return err
			})
			return n
		}
		// SQLite is served by one process: every other run's claim is
		// dead. PostgreSQL replicas share the table: a peer that holds its
		// Enlist lock is alive.
		want := map[*conversation.OutboxItem]conversation.OutboxState{
			items[0]: conversation.OutboxPending, items[1]: conversation.OutboxSending,
			items[2]: conversation.OutboxClaimed, items[3]: conversation.OutboxPending, items[4]: conversation.OutboxPending,
		}
		wantReleased := int64(3)
		if db.Backend() == store.Postgres {
			want[items[4]] = conversation.OutboxClaimed
			wantReleased = 2
		}
		if n := release(); n != wantReleased {
			t.Errorf("ReleaseClaims = %d, want %d", n, wantReleased)
		}
		for i, it := range items {
			if got := state(it); got != want[it] {
				t.Errorf("item %d state after ReleaseClaims = %q, want %q", i, got, want[it])
			}
		}
		if db.Backend() == store.Postgres {
			leavePeer() // the peer dies: its claim is handed back at once
			if n := release(); n != 1 || state(items[4]) != conversation.OutboxPending {
				t.Errorf("after the peer left ReleaseClaims = %d, its item %q; want 1, pending", n, state(items[4]))
			}
		}
		update(t, db, func(tx *store.Tx) error {
			again, err := tx.ClaimOutbox("live", time.Minute, 10)
			if err != nil {
				return err
			}
			if len(again) == 0 || again[0].Attempts != 1 {
				t.Errorf("a released claim counted as an attempt (or nothing was claimed again): %d items claimed", len(again))
			}
			lost, err := tx.ExpireSending("live")
			if err != nil {
				return err
			}
			wantLost := 1 // SQLite: the dead run's started item
			if db.Backend() == store.Postgres {
				wantLost = 0 // its lease has not run out
			}
			if len(lost) != wantLost {
				t.Errorf("ExpireSending = %d items, want %d", len(lost), wantLost)
			}
			return nil
		})
	})
}

// The processor's batch is bounded by bytes, not only by count: eight bodies
// of 3 MB come back three at a time.
func TestNextInboxBoundsTheBatchBytes(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		ctx := context.Background()
		big := bytes.Repeat([]byte("x"), 3<<20)
		for range 4 {
			if err := db.AppendInbox(ctx, &conversation.InboxItem{Payload: big}, &conversation.InboxItem{Payload: big}); err != nil {
				t.Fatal(err)
			}
		}
		items, err := db.NextInbox(ctx, 256)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 3 {
			t.Errorf("NextInbox over 8 bodies of 3 MB = %d items, want 3 (stopping past 8 MiB)", len(items))
		}
		if err := db.DeleteInbox(ctx, items[0].ID, items[1].ID, items[2].ID); err != nil {
			t.Fatal(err)
		}
		if items, _ = db.NextInbox(ctx, 256); len(items) != 3 {
			t.Errorf("next NextInbox = %d items, want 3", len(items))
		}
	})
}

// OutboxDelivered settles a batch as OutboxSent and SetMessageSent would
// one by one: the items go, each message gets its WhatsApp id, and each
// customer's next message comes to the head of their line, once.
func TestOutboxDeliveredSettlesABatch(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		a, convA := seed(t, db, "34611000001", "", "x", 0)
		b, convB := seed(t, db, "34611000002", "", "x", 0)
		var items []*conversation.OutboxItem
		var msgs []*conversation.Message
		update(t, db, func(tx *store.Tx) error {
			for i, c := range []*conversation.Contact{a, a, b, a} {
				conv := convA
				if c == b {
					conv = convB
				}
				m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.Out, Type: "text", Body: fmt.Sprint("answer ", i), Author: "bot", Status: conversation.StatusQueued}
				if err := tx.InsertMessage(m); err != nil {
					return err
				}
				it := &conversation.OutboxItem{ContactID: c.ID, ConversationID: conv.ID, MessageID: m.ID, PhoneNumberID: "1", Kind: "message", Payload: []byte(`{}`)}
				if err := tx.Enqueue(it); err != nil {
					return err
				}
				items, msgs = append(items, it), append(msgs, m)
			}
			return nil
		})
		if got := []conversation.OutboxState{items[0].State, items[1].State, items[2].State, items[3].State}; got[0] != conversation.OutboxPending || got[1] != conversation.OutboxQueued ||
			got[2] != conversation.OutboxPending || got[3] != conversation.OutboxQueued {
			t.Fatalf("enqueued states = %v, want pending, queued, pending, queued", got)
		}
		update(t, db, func(tx *store.Tx) error {
			claimed, err := tx.ClaimOutbox("w1", time.Minute, 10)
			if err != nil || len(claimed) != 2 {
				t.Fatalf("claimed %d, %v; want a's first and b's", len(claimed), err)
			}
			removed, err := tx.OutboxDelivered([]conversation.Delivery{
				{ID: items[0].ID, MessageID: msgs[0].ID, WAMessageID: "wamid.D0"},
				{ID: items[2].ID, MessageID: msgs[2].ID, WAMessageID: "wamid.D2"},
				{ID: items[1].ID, MessageID: msgs[1].ID, WAMessageID: "wamid.D1"}, // still queued: not removed
			})
			if err != nil || len(removed) != 2 {
				t.Fatalf("OutboxDelivered = %d, %v; want 2", len(removed), err)
			}
			if removed, err := tx.OutboxDelivered([]conversation.Delivery{{ID: items[0].ID}}); err != nil || len(removed) != 0 {
				t.Errorf("OutboxDelivered again = %d, %v; want 0", len(removed), err)
			}
			for i, w := range []string{"wamid.D0", "wamid.D2"} {
				m, err := tx.OutboundMessage(w)
				if err != nil || m.ID != msgs[2*i].ID || m.Status != conversation.StatusSent {
					t.Errorf("message for %s = %+v, %v; want message %d sent", w, m, err, 2*i)
				}
			}
			return nil
		})
		update(t, db, func(tx *store.Tx) error {
			next, err := tx.ClaimOutbox("w1", time.Minute, 10)
			if err != nil || len(next) != 1 || next[0].ID != items[1].ID {
				t.Errorf("ClaimOutbox after the batch = %d items, %v; want a's second only", len(next), err)
			}
			return nil
		})
		// A line with nothing queued behind its item has nothing to move:
		// settling b's next answer runs no promotion.
		update(t, db, func(tx *store.Tx) error {
			it := &conversation.OutboxItem{ContactID: b.ID, ConversationID: convB.ID, PhoneNumberID: "1", Kind: "message", Payload: []byte(`{}`)}
			if err := tx.Enqueue(it); err != nil {
				return err
			}
			claimed, err := tx.ClaimOutbox("w1", time.Minute, 10)
			if err != nil || len(claimed) != 1 || claimed[0].ID != it.ID {
				t.Fatalf("claimed %d, %v; want b's new item", len(claimed), err)
			}
			stop := db.CountByQuery()
			if removed, err := tx.OutboxDelivered([]conversation.Delivery{{ID: it.ID}}); err != nil || len(removed) != 1 {
				t.Fatalf("OutboxDelivered = %d, %v; want 1", len(removed), err)
			}
			for q := range stop() {
				if strings.Contains(q, "SET state = 'pending'") {
					t.Errorf("settling an item with nothing queued behind it ran %q", q)
				}
			}
			return nil
		})
	})
}

// The agent committer's batch reads: ClaimAgentMessages claims each
// pending message once, and ConversationsAndContacts reads conversations
// with their contacts, leaving out an erased customer's.
func TestAgentBatchClaimAndRead(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		a, convA := seed(t, db, "34611000011", "", "x", 0)
		b, convB := seed(t, db, "34611000012", "", "x", 0)
		var ids []string
		update(t, db, func(tx *store.Tx) error {
			for i, c := range []*conversation.Contact{a, b, a} {
				conv := convA
				if c == b {
					conv = convB
				}
				m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In, WAMessageID: fmt.Sprint("wamid.Q", i), Type: "text",
					Body: "¿cuándo?", Author: "customer", Status: conversation.StatusAgentPending}
				if i == 2 {
					m.Status = conversation.StatusReceived
				}
				if err := tx.InsertMessage(m); err != nil {
					return err
				}
				ids = append(ids, m.ID)
			}
			return nil
		})
		update(t, db, func(tx *store.Tx) error {
			won, err := tx.ClaimAgentMessages(append(ids, "no-such-message"))
			if err != nil || len(won) != 2 || !won[ids[0]] || !won[ids[1]] {
				t.Errorf("ClaimAgentMessages = %v, %v; want the two pending messages", won, err)
			}
			if again, err := tx.ClaimAgentMessages(ids); err != nil || len(again) != 0 {
				t.Errorf("ClaimAgentMessages again = %v, %v; want none", again, err)
			}
			convs, contacts, err := tx.ConversationsAndContacts([]string{convA.ID, convB.ID, "no-such-conversation"})
			if err != nil || len(convs) != 2 || len(contacts) != 2 {
				t.Fatalf("ConversationsAndContacts = %d, %d, %v; want 2 and 2", len(convs), len(contacts), err)
			}
			if convs[convA.ID].ContactID != a.ID || contacts[a.ID].WaID != a.WaID || contacts[b.ID].WaID != b.WaID || convs[convB.ID].State != convB.State {
				t.Errorf("ConversationsAndContacts read %+v, %+v", convs, contacts)
			}
			return tx.EraseContact(a.ID)
		})
		update(t, db, func(tx *store.Tx) error {
			convs, contacts, err := tx.ConversationsAndContacts([]string{convA.ID, convB.ID})
			if err != nil || len(convs) != 1 || convs[convB.ID] == nil || len(contacts) != 1 || contacts[b.ID] == nil {
				t.Errorf("after erasing a, ConversationsAndContacts = %v, %v, %v; want b's only", convs, contacts, err)
			}
			return nil
		})
	})
}

// MarkSeenAll answers each key's next MarkSeen as MarkSeen alone would:
// new once, seen after (within the batch too), and already seen keys
// stay seen.
func TestMarkSeenAll(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		update(t, db, func(tx *store.Tx) error {
			_, err := tx.MarkSeen("m:old")
			return err
		})
		update(t, db, func(tx *store.Tx) error {
			if err := tx.MarkSeenAll([]string{"m:old", "m:new", "m:new", "s:x:sent"}); err != nil {
				return err
			}
			for _, c := range []struct {
				key   string
				first bool
			}{{"m:old", false}, {"m:new", true}, {"m:new", false}, {"s:x:sent", true}, {"s:x:sent", false}, {"m:other", true}} {
				if first, err := tx.MarkSeen(c.key); err != nil || first != c.first {
					t.Errorf("MarkSeen(%s) = %v, %v; want %v", c.key, first, err, c.first)
				}
			}
			return nil
		})
	})
}
