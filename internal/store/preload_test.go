package store_test

import (
	"errors"
	"reflect"
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
			if err := tx.Preload(msgs, 0); err != nil {
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
			if err := tx.Preload(msgs, 0); err != nil {
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

// The history Preload read for a consented customer's open conversation
// answers Messages without a statement and as the database would, after
// the transaction inserted messages in it (one replying to an earlier
// message), applied a status to one, and not after another write to
// messages.
func TestPreloadedHistoryAnswersAsTheDatabase(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		a, conv := seed(t, db, "34611000041", "", "pregunta", 5)
		var sent *conversation.Message
		update(t, db, func(tx *store.Tx) error {
			c, err := tx.Contact(a.ID)
			if err != nil {
				return err
			}
			c.ConsentState = conversation.ConsentGranted
			if err := tx.UpdateContact(c); err != nil {
				return err
			}
			sent = &conversation.Message{ConversationID: conv.ID, ContactID: a.ID, Direction: conversation.Out, Type: "text", Body: "respuesta",
				Author: "bot", Status: conversation.StatusQueued}
			if err := tx.InsertMessage(sent); err != nil {
				return err
			}
			if err := tx.SetMessageSent(sent.ID, "wamid.OUT1"); err != nil {
				return err
			}
			// A reply stored before the message it replies to: the
			// preload links them once that one is inserted.
			return tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: a.ID, Direction: conversation.In, WAMessageID: "wamid.EARLY",
				Type: "text", Body: "¿y lo otro?", Author: "customer", Status: conversation.StatusReceived, ReplyTo: "wamid.LATE"})
		})
		const limit = 4
		msgs := []conversation.Inbound{{From: a.WaID, PhoneNumberID: conv.PhoneNumberID, WAMessageID: "wamid.H1"}, {From: "34611000049", PhoneNumberID: conv.PhoneNumberID, WAMessageID: "wamid.H2"}}
		same := func(tx *store.Tx, when string) {
			t.Helper()
			s0, _ := db.SQLCounts()
			got, err := tx.Messages(conv.ID, limit)
			if err != nil {
				t.Fatalf("%s: Messages: %v", when, err)
			}
			if s1, _ := db.SQLCounts(); s1 != s0 {
				t.Errorf("%s: the preloaded Messages ran %d statements, want 0", when, s1-s0)
			}
			all, err := tx.Messages(conv.ID, limit+1) // more than preloaded: read
			if err != nil {
				t.Fatalf("%s: Messages: %v", when, err)
			}
			want := all[max(0, len(all)-limit):]
			if !reflect.DeepEqual(got, want) {
				for i := range max(len(got), len(want)) {
					if i >= len(got) || i >= len(want) || !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("%s: preloaded message %d differs from the database's", when, i)
						if i < len(got) {
							t.Logf("preloaded: %+v", *got[i])
						}
						if i < len(want) {
							t.Logf("read:      %+v", *want[i])
						}
					}
				}
			}
		}
		update(t, db, func(tx *store.Tx) error {
			if err := tx.Preload(msgs, limit); err != nil {
				return err
			}
			same(tx, "as preloaded")
			late := &conversation.Message{ConversationID: conv.ID, ContactID: a.ID, Direction: conversation.In, WAMessageID: "wamid.LATE", Type: "text",
				Body: "lo otro", Author: "customer", Status: conversation.StatusReceived}
			if err := tx.InsertMessage(late); err != nil {
				return err
			}
			same(tx, "after inserting the message a stored reply names")
			in := &conversation.Message{ConversationID: conv.ID, ContactID: a.ID, Direction: conversation.In, WAMessageID: "wamid.H1", Type: "text",
				Body: "¿y esto?", Author: "customer", Status: conversation.StatusReceived, ReplyTo: "wamid.OUT1"}
			if err := tx.InsertMessage(in); err != nil {
				return err
			}
			same(tx, "after inserting a reply to the answer")
			if _, err := tx.ApplyStatus("wamid.OUT1", conversation.StatusRead, 0, ""); err != nil {
				return err
			}
			same(tx, "after a status")
			// Any other write to messages: read from the database again.
			if err := tx.DeleteMessage(in.ID); err != nil {
				return err
			}
			s0, _ := db.SQLCounts()
			if _, err := tx.Messages(conv.ID, limit); err != nil {
				return err
			}
			if s1, _ := db.SQLCounts(); s1 == s0 {
				t.Error("Messages after a message was deleted ran no statement: the preloaded history was served")
			}
			return nil
		})
	})
}
