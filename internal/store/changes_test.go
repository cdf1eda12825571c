package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// TestChangeLog: writes to conversations and messages land in the change
// log through the triggers, the cursor returns each once, the watcher is
// woken by commits in this process, and old rows are pruned.
func TestChangeLog(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		ctx := context.Background()
		db := open(t, url, newKey(t))
		cur := &store.ChangeCursor{DB: db}
		if err := cur.Start(ctx); err != nil {
			t.Fatal(err)
		}
		wake, stop := db.WatchChanges()
		defer stop()

		_, conv := seed(t, db, "34612345678", "Ana García", "hola", 2)
		select {
		case <-wake:
		case <-time.After(time.Second):
			t.Error("no wake after a commit that wrote a conversation")
		}
		got, err := cur.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, c := range got {
			if c.ConversationID != conv.ID || c.State != "bot" || c.AssignedTo != "" {
				t.Errorf("change %+v, want conversation %s in state bot, unassigned", c, conv.ID)
			}
			kinds[c.Kind]++
		}
		if kinds["conversation"] != 1 || kinds["message"] != 2 {
			t.Errorf("changes after seeding = %v, want 1 conversation and 2 messages", kinds)
		}
		if again, err := cur.Next(ctx); err != nil || len(again) != 0 {
			t.Errorf("Next again = %v, %v, want nothing new", again, err)
		}

		update(t, db, func(tx *store.Tx) error {
			c, err := tx.Conversation(conv.ID)
			if err != nil {
				return err
			}
			c.State, c.AssignedTo = conversation.StateWaitingHuman, ""
			return tx.UpdateConversation(c)
		})
		got, err = cur.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Kind != "conversation" || got[0].State != "waiting_human" {
			t.Errorf("changes after escalating = %+v, want one conversation change to waiting_human", got)
		}
		// A rolled-back write leaves nothing.
		_ = db.Update(ctx, func(tx *store.Tx) error {
			c, err := tx.Conversation(conv.ID)
			if err != nil {
				return err
			}
			c.State = conversation.StateClosed
			if err := tx.UpdateConversation(c); err != nil {
				return err
			}
			return context.Canceled
		})
		if got, err := cur.Next(ctx); err != nil || len(got) != 0 {
			t.Errorf("changes after a rollback = %+v, %v, want none", got, err)
		}

		last := got[0].Seq
		n, err := db.PruneChanges(ctx, last-1)
		if err != nil || n != 3 {
			t.Errorf("PruneChanges(before the escalation) = %d, %v, want the 3 rows of seeding", n, err)
		}
		if seq, err := db.LatestChange(ctx); err != nil || seq != last {
			t.Errorf("LatestChange after pruning = %d, %v, want %d", seq, err, last)
		}
	})
}

// TestChangeCursorLateCommit: on PostgreSQL a transaction that took an
// earlier seq may commit after a later one; the cursor still returns it,
// once, and gives up a seq that never commits after Settle.
func TestChangeCursorLateCommit(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		ctx := context.Background()
		db := open(t, url, newKey(t))
		_, conv := seed(t, db, "34612345678", "Ana García", "hola", 0)
		now := time.Now()
		cur := &store.ChangeCursor{DB: db, Settle: 10 * time.Second, Now: func() time.Time { return now }}
		if err := cur.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if db.Backend() != store.Postgres {
			// One writer: nothing can commit out of order. The cursor
			// still reads through a gap once Settle passed.
			return
		}
		// Transaction A takes a seq and waits; B takes the next and commits.
		held := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- db.Update(ctx, func(tx *store.Tx) error {
				c, err := tx.Conversation(conv.ID)
				if err != nil {
					return err
				}
				c.State = conversation.StateHuman
				if err := tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: conv.ContactID, Direction: conversation.Out,
					Type: "text", Body: "late", Author: "bot", Status: conversation.StatusQueued}); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		var other *conversation.Conversation
		_, other = seed(t, db, "34699999999", "Bea", "hola", 0) // B: commits first
		got, err := cur.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ConversationID != other.ID {
			t.Fatalf("changes while A is open = %+v, want B's conversation alone", got)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		got, err = cur.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ConversationID != conv.ID || got[0].Kind != "message" {
			t.Errorf("changes after A committed late = %+v, want A's message", got)
		}
		if got, _ := cur.Next(ctx); len(got) != 0 {
			t.Errorf("Next again = %+v, want nothing twice", got)
		}
		// A seq taken by a transaction that rolls back is given up after
		// Settle: later changes keep coming.
		_ = db.Update(ctx, func(tx *store.Tx) error {
			_ = tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: conv.ContactID, Direction: conversation.Out,
				Type: "text", Body: "never", Author: "bot", Status: conversation.StatusQueued})
			return context.Canceled
		})
		seed(t, db, "34688888888", "Cris", "hola", 0)
		if got, _ := cur.Next(ctx); len(got) != 1 {
			t.Errorf("changes after a rolled-back seq = %+v, want the next conversation", got)
		}
		now = now.Add(time.Minute)
		cur.Next(ctx)
		seed(t, db, "34677777777", "Dani", "hola", 0)
		if got, _ := cur.Next(ctx); len(got) != 1 {
			t.Errorf("changes after giving up the gap = %+v, want the newest conversation", got)
		}
	})
}
