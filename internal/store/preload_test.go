package store_test

import (
	"errors"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// What Preload read answers each lookup as the database would: once, and
// never after this transaction changed the row (another writer's change, a
// new contact, a closed conversation, a new reaction) unless it is the
// flow's own update, which reads back as written.
func TestPreloadAnswersAsTheDatabase(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		a, convA := seed(t, db, "34611000021", "", "x", 0)
		b, _ := seed(t, db, "34611000022", "", "x", 0)
		const fresh = "34611000023"
		msgs := []conversation.Inbound{
			{From: a.WaID, PhoneNumberID: convA.PhoneNumberID, WAMessageID: "wamid.P1"},
			{From: b.WaID, PhoneNumberID: convA.PhoneNumberID, WAMessageID: "wamid.P2"},
			{From: fresh, PhoneNumberID: convA.PhoneNumberID, WAMessageID: "wamid.P3"},
		}
		update(t, db, func(tx *store.Tx) error {
			if err := tx.Preload(msgs); err != nil {
				return err
			}
			s0, _ := db.SQLCounts()
			got, err := tx.ContactByWaID(a.WaID)
			if err != nil || got.ID != a.ID {
				t.Fatalf("preloaded ContactByWaID(a) = %+v, %v", got, err)
			}
			if _, err := tx.ContactByWaID(fresh); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("preloaded ContactByWaID(new number) = %v, want ErrNotFound", err)
			}
			conv, err := tx.OpenConversation(a.ID, convA.PhoneNumberID)
			if err != nil || conv.ID != convA.ID {
				t.Fatalf("preloaded OpenConversation(a) = %+v, %v; want %s", conv, err, convA.ID)
			}
			if r, err := tx.PendingReactions("wamid.P1"); err != nil || len(r) != 0 {
				t.Errorf("preloaded PendingReactions = %v, %v", r, err)
			}
			if s1, _ := db.SQLCounts(); s1 != s0 {
				t.Errorf("preloaded lookups ran %d statements, want 0", s1-s0)
			}

			// b changed by this transaction before its lookup: the
			// lookup reads it back.
			b2, err := tx.Contact(b.ID)
			if err != nil {
				return err
			}
			b2.Language = "pt"
			if err := tx.UpdateContact(b2); err != nil {
				return err
			}
			if got, err := tx.ContactByWaID(b.WaID); err != nil || got.Language != "pt" {
				t.Errorf("ContactByWaID(b) after its update = %+v, %v; want language pt", got, err)
			}
			// A contact created after the preload said "none" is found.
			c := &conversation.Contact{WaID: fresh, Region: "eu", RegionReason: "test", Language: "es"}
			if err := tx.CreateContact(c); err != nil {
				return err
			}
			if got, err := tx.ContactByWaID(fresh); err != nil || got.ID != c.ID {
				t.Errorf("ContactByWaID(new) after CreateContact = %+v, %v", got, err)
			}
			// A second lookup of a reads the database.
			if got, err := tx.ContactByWaID(a.WaID); err != nil || got.ID != a.ID {
				t.Errorf("second ContactByWaID(a) = %+v, %v", got, err)
			}
			// A reaction kept for P1 is found.
			if err := tx.InsertMessage(&conversation.Message{ConversationID: convA.ID, ContactID: a.ID, Direction: conversation.In, WAMessageID: "wamid.R1",
				Type: conversation.TypeReaction, Body: "👍", Author: "customer", Status: conversation.StatusReceived, ReplyTo: "wamid.P1"}); err != nil {
				return err
			}
			if r, err := tx.PendingReactions("wamid.P1"); err != nil || len(r["wamid.P1"]) != 1 {
				t.Errorf("PendingReactions after a reaction was kept = %v, %v; want it", r, err)
			}
			return nil
		})
		// A closed conversation is not handed out; another writer's
		// change to contacts drops what was preloaded.
		update(t, db, func(tx *store.Tx) error {
			if err := tx.Preload(msgs); err != nil {
				return err
			}
			cv, err := tx.Conversation(convA.ID)
			if err != nil {
				return err
			}
			cv.State, cv.ClosedAt = conversation.StateClosed, tx.Time()
			if err := tx.UpdateConversation(cv); err != nil {
				return err
			}
			conv, err := tx.OpenConversation(a.ID, convA.PhoneNumberID)
			if err != nil || conv.ID == convA.ID {
				t.Errorf("OpenConversation after closing the preloaded one = %+v, %v; want a new one", conv, err)
			}
			if err := tx.EraseContact(b.ID); err != nil {
				return err
			}
			if _, err := tx.ContactByWaID(b.WaID); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("ContactByWaID(b) after erasing b = %v, want ErrNotFound", err)
			}
			return nil
		})
	})
}
