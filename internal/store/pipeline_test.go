package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// Writes pipelined on PostgreSQL (pipeline.go) behave as if run at once:
// later statements of the transaction see them, in order; a write that
// fails (here an update of a row that is gone) fails the transaction,
// which commits none of its writes; and on a transaction whose context
// ends, none of them is written outside it.
func TestPipelinedWritesAsIfRunAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		c, conv := seed(t, db, "34612345678", "Ana", "hola", 2)
		msgs := func() []*conversation.Message {
			var ms []*conversation.Message
			view(t, db, func(tx *store.Tx) error {
				var err error
				ms, err = tx.Messages(conv.ID, 10)
				return err
			})
			return ms
		}
		first := msgs()[0]

		// Seen by the statements after them, in order.
		update(t, db, func(tx *store.Tx) error {
			c.Language = "pt"
			if err := tx.UpdateContact(c); err != nil {
				return err
			}
			if err := tx.SetMessageStatus(first.ID, conversation.StatusAgentPending); err != nil {
				return err
			}
			if err := tx.SetMessageStatus(first.ID, conversation.StatusAnswered); err != nil {
				return err
			}
			got, err := tx.Contact(c.ID)
			if err != nil {
				return err
			}
			if got.Language != "pt" {
				t.Errorf("the transaction reads language %q after its update to pt", got.Language)
			}
			ms, err := tx.Messages(conv.ID, 10)
			if err != nil {
				return err
			}
			if ms[0].Status != conversation.StatusAnswered {
				t.Errorf("the transaction reads status %q after setting agent_pending then answered", ms[0].Status)
			}
			return nil
		})
		if got := msgs()[0].Status; got != conversation.StatusAnswered {
			t.Errorf("committed status %q, want answered", got)
		}

		// A failed write fails the transaction: nothing of it is kept.
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			if err := tx.SetMessageStatus(first.ID, conversation.StatusFailed); err != nil {
				return err
			}
			gone := *conv
			gone.ID = "no-such-conversation"
			if err := tx.UpdateConversation(&gone); err != nil && !errors.Is(err, conversation.ErrNotFound) {
				return err
			}
			// A statement after the failed write; the caller goes on.
			_, err := tx.Conversation(conv.ID)
			return err
		})
		if !errors.Is(err, conversation.ErrNotFound) {
			t.Errorf("Update with an update of a missing row = %v, want ErrNotFound", err)
		}
		if got := msgs()[0].Status; got != conversation.StatusAnswered {
			t.Errorf("status %q after a failed transaction, want answered (its writes rolled back)", got)
		}

		// A transaction whose context ends writes nothing, not even the
		// writes it still held.
		ctx, cancel := context.WithCancel(context.Background())
		err = db.Update(ctx, func(tx *store.Tx) error {
			if err := tx.SetMessageStatus(first.ID, conversation.StatusFailed); err != nil {
				return err
			}
			cancel()
			return nil
		})
		if err == nil {
			t.Error("Update whose context was cancelled committed")
		}
		if got := msgs()[0].Status; got != conversation.StatusAnswered {
			t.Errorf("status %q after a cancelled transaction, want answered", got)
		}
	})
}
