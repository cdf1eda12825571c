package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

// seenConversation is what one EachConversation callback got.
type seenConversation struct {
	id, contactID, waID string
	bodies              []string
	err                 error
}

func eachConversation(t *testing.T, db *store.DB, s store.ConversationScan) []seenConversation {
	t.Helper()
	var out []seenConversation
	err := db.EachConversation(context.Background(), s, func(c *conversation.Contact, conv *conversation.Conversation, msgs []*conversation.Message, err error) error {
		sc := seenConversation{id: conv.ID, contactID: conv.ContactID, err: err}
		if c != nil {
			sc.waID = c.WaID
		}
		for _, m := range msgs {
			if m.ConversationID != conv.ID {
				t.Errorf("conversation %s got message %s of %s", conv.ID, m.ID, m.ConversationID)
			}
			sc.bodies = append(sc.bodies, m.Body)
		}
		out = append(out, sc)
		return nil
	})
	if err != nil {
		t.Fatalf("EachConversation(%+v) = %v", s, err)
	}
	return out
}

func TestEachConversation(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		ctx := context.Background()
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		// One read connection: if fn ran inside the read transaction, the
		// View fn opens below would wait for it forever.
		db, err := store.Open(ctx, store.Options{URL: url, MasterKey: newKey(t), ReadConns: 1, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })

		// Six conversations an hour apart: contact 0 has two (the first
		// closed), contacts 1 to 4 one each.
		var convIDs, contactIDs []string
		var tamperedMsg string
		for i := range 6 {
			k := max(i-1, 0)
			update(t, db, func(tx *store.Tx) error {
				c, err := tx.ContactByWaID(fmt.Sprintf("3461200000%d", k))
				if errors.Is(err, conversation.ErrNotFound) {
					c = &conversation.Contact{WaID: fmt.Sprintf("3461200000%d", k), Region: "ES", Language: "es", ConsentState: conversation.ConsentGranted}
					err = tx.CreateContact(c)
				}
				if err != nil {
					return err
				}
				conv, err := tx.OpenConversation(c.ID, "106540352242922")
				if err != nil {
					return err
				}
				for j := range 3 {
					dir, author := conversation.In, "customer"
					if j == 1 {
						dir, author = conversation.Out, "bot"
					}
					m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: dir, Type: "text",
						Body: fmt.Sprintf("conv %d msg %d", i, j), Author: author, Status: conversation.StatusReceived}
					if err := tx.InsertMessage(m); err != nil {
						return err
					}
					if i == 4 && j == 2 {
						tamperedMsg = m.ID
					}
				}
				if i == 0 {
					conv.ClosedAt = tx.Now
					if err := tx.UpdateConversation(conv); err != nil {
						return err
					}
				}
				convIDs, contactIDs = append(convIDs, conv.ID), append(contactIDs, c.ID)
				return nil
			})
			now = now.Add(time.Hour)
		}

		all := eachConversation(t, db, store.ConversationScan{})
		if len(all) != 6 {
			t.Fatalf("EachConversation read %d conversations, want 6", len(all))
		}
		for i, sc := range all {
			want := []string{fmt.Sprintf("conv %d msg 0", i), fmt.Sprintf("conv %d msg 1", i), fmt.Sprintf("conv %d msg 2", i)}
			if sc.id != convIDs[i] || sc.contactID != contactIDs[i] || sc.err != nil || strings.Join(sc.bodies, "|") != strings.Join(want, "|") {
				t.Errorf("conversation %d = %+v, want %s of %s with %q", i, sc, convIDs[i], contactIDs[i], want)
			}
			if k := max(i-1, 0); sc.waID != fmt.Sprintf("3461200000%d", k) {
				t.Errorf("conversation %d contact number = %q, want contact %d's", i, sc.waID, k)
			}
		}

		// Since: conversations created at or after 03:00 (the fourth on).
		since := eachConversation(t, db, store.ConversationScan{Since: time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC), Batch: 2})
		if len(since) != 3 || since[0].id != convIDs[3] || since[2].id != convIDs[5] {
			t.Errorf("EachConversation(Since 03:00) = %d conversations, want the last 3", len(since))
		}

		// Conversation 3's contact is crypto-shredded with its rows left in
		// place; one of conversation 4's messages is tampered with. Whatever
		// batch they share (both in one with Batch 3 or 100), only theirs
		// are set aside.
		update(t, db, func(tx *store.Tx) error { return tx.DestroyDataKey(contactIDs[3]) })
		raw := rawDB(t, url)
		var body []byte
		if err := raw.QueryRow(q(url, "SELECT body_enc FROM messages WHERE id = ?"), tamperedMsg).Scan(&body); err != nil {
			t.Fatal(err)
		}
		body[len(body)-1] ^= 1
		upd := "UPDATE messages SET body_enc = ? WHERE id = ?"
		if !strings.HasPrefix(url, "sqlite:") {
			upd = "UPDATE messages SET body_enc = $1 WHERE id = $2"
		}
		if _, err := raw.Exec(upd, body, tamperedMsg); err != nil {
			t.Fatal(err)
		}
		for _, batch := range []int{1, 2, 3, 100} {
			got := eachConversation(t, db, store.ConversationScan{Batch: batch})
			if len(got) != 6 {
				t.Fatalf("Batch %d: read %d conversations, want 6", batch, len(got))
			}
			for i, sc := range got {
				switch i {
				case 3:
					if !errors.Is(sc.err, store.ErrErased) || sc.waID != "" || sc.bodies != nil {
						t.Errorf("Batch %d: erased conversation = %+v, want ErrErased and nothing else", batch, sc)
					}
				case 4:
					if !errors.Is(sc.err, vault.ErrDecrypt) || sc.waID != "" || sc.bodies != nil {
						t.Errorf("Batch %d: tampered conversation = %+v, want ErrDecrypt and nothing else", batch, sc)
					}
				default:
					if sc.err != nil || len(sc.bodies) != 3 || sc.id != convIDs[i] {
						t.Errorf("Batch %d: conversation %d = %+v, want it whole", batch, i, sc)
					}
				}
			}
		}

		// fn runs outside the read transaction: it can read and write.
		tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		calls := 0
		stop := errors.New("stop")
		err = db.EachConversation(tctx, store.ConversationScan{Batch: 2}, func(c *conversation.Contact, conv *conversation.Conversation, _ []*conversation.Message, _ error) error {
			calls++
			if err := db.View(tctx, func(tx *store.Tx) error { _, err := tx.Conversation(conv.ID); return err }); err != nil {
				return err
			}
			if err := db.Update(tctx, func(tx *store.Tx) error { return tx.UpdateConversation(conv) }); err != nil {
				return err
			}
			if calls == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || calls != 3 {
			t.Errorf("EachConversation with fn failing on the 3rd call = %v after %d calls, want fn's error after 3", err, calls)
		}

		// A cancelled context stops the pass.
		cctx, cancelNow := context.WithCancel(ctx)
		cancelNow()
		if err := db.EachConversation(cctx, store.ConversationScan{}, func(*conversation.Contact, *conversation.Conversation, []*conversation.Message, error) error {
			return nil
		}); !errors.Is(err, context.Canceled) {
			t.Errorf("EachConversation(cancelled) = %v, want context.Canceled", err)
		}
	})
}

// BenchmarkEachConversation measures a whole pass over 1,000 conversations
// of 10 messages (500 contacts), by batch size; it reports conversations
// and messages per second.
func BenchmarkEachConversation(b *testing.B) {
	for _, be := range storetest.Backends(b) {
		url, _ := be.New(b)
		db := open(b, url, newKey(b))
		const contacts, convsPer, msgsPer = 500, 2, 10
		for i := range contacts {
			update(b, db, func(tx *store.Tx) error {
				c := &conversation.Contact{WaID: fmt.Sprintf("346%08d", i), Region: "ES", Language: "es", ConsentState: conversation.ConsentGranted}
				if err := tx.CreateContact(c); err != nil {
					return err
				}
				for range convsPer {
					conv, err := tx.OpenConversation(c.ID, "106540352242922")
					if err != nil {
						return err
					}
					for j := range msgsPer {
						m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In, Type: "text",
							Body: fmt.Sprintf("Hola, ¿cuándo llega mi pedido 4417-%04d? Lo pedí el lunes.", j), Author: "customer", Status: conversation.StatusReceived}
						if err := tx.InsertMessage(m); err != nil {
							return err
						}
					}
					conv.ClosedAt = tx.Now
					if err := tx.UpdateConversation(conv); err != nil {
						return err
					}
				}
				return nil
			})
		}
		for _, batch := range []int{10, 100, 500} {
			b.Run(fmt.Sprintf("%s/batch=%d", be.Name, batch), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					n, msgs := 0, 0
					err := db.EachConversation(context.Background(), store.ConversationScan{Batch: batch}, func(_ *conversation.Contact, _ *conversation.Conversation, ms []*conversation.Message, err error) error {
						n, msgs = n+1, msgs+len(ms)
						return err
					})
					if err != nil || n != contacts*convsPer || msgs != contacts*convsPer*msgsPer {
						b.Fatalf("EachConversation = %v after %d conversations, %d messages", err, n, msgs)
					}
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(contacts*convsPer/sec, "conv/s")
				b.ReportMetric(contacts*convsPer*msgsPer/sec, "msg/s")
			})
		}
	}
}
