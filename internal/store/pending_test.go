package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// Contact and conversation updates read back as written within their
// transaction and after it, however many times a row was updated; on
// SQLite a transaction writes them at its end, one statement per table for
// all its rows, and an update of a row that is gone still fails the
// transaction with ErrNotFound, leaving nothing of it behind.
func TestUpdatesReadBackAsWritten(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		a, convA := seed(t, db, "34611000031", "Ana", "x", 0)
		b, convB := seed(t, db, "34611000032", "", "x", 0)
		msgs := []conversation.Inbound{
			{From: a.WaID, PhoneNumberID: convA.PhoneNumberID, WAMessageID: "wamid.U1"},
			{From: b.WaID, PhoneNumberID: convB.PhoneNumberID, WAMessageID: "wamid.U2"},
		}
		var before, after int64
		update(t, db, func(tx *store.Tx) error {
			if err := tx.Preload(msgs, 0); err != nil {
				return err
			}
			before, _ = db.SQLCounts()
			for i, lang := range []string{"pt", "en", "fr"} {
				for _, c0 := range []*conversation.Contact{a, b} {
					c, err := tx.ContactByWaID(c0.WaID)
					if err != nil {
						return err
					}
					if i > 0 && c.Language != []string{"pt", "en", "fr"}[i-1] {
						t.Errorf("round %d: ContactByWaID after an update: language %q", i, c.Language)
					}
					c.Language, c.Unanswered = lang, i+1
					if err := tx.UpdateContact(c); err != nil {
						return err
					}
					conv, err := tx.OpenConversation(c.ID, convA.PhoneNumberID)
					if err != nil {
						return err
					}
					if i > 0 && conv.NotHelpful != i {
						t.Errorf("round %d: OpenConversation after an update: not_helpful %d, want %d", i, conv.NotHelpful, i)
					}
					conv.NotHelpful, conv.Language = i+1, lang
					if err := tx.UpdateConversation(conv); err != nil {
						return err
					}
				}
			}
			// A read by id sees the last update, on either backend.
			if got, err := tx.Contact(a.ID); err != nil || got.Language != "fr" || got.Unanswered != 3 || got.ProfileName != "Ana" {
				t.Errorf("Contact(a) in the transaction = %+v, %v; want language fr, 3 unanswered, name Ana", got, err)
			}
			if got, err := tx.Conversation(convB.ID); err != nil || got.NotHelpful != 3 || got.Language != "fr" {
				t.Errorf("Conversation(b) in the transaction = %+v, %v; want not_helpful 3, language fr", got, err)
			}
			after, _ = db.SQLCounts()
			return nil
		})
		if db.Backend() == store.SQLite {
			// Three rounds of 2 contacts and 2 conversations, then two
			// reads by id: 1 UPDATE per table, before the first read.
			if n := after - before; n != 4 {
				t.Errorf("SQLite: 12 updates of 4 rows and 2 reads ran %d statements, want 4 (an UPDATE per table and the reads)", n)
			}
		}
		view(t, db, func(tx *store.Tx) error {
			for _, c0 := range []*conversation.Contact{a, b} {
				c, err := tx.Contact(c0.ID)
				if err != nil || c.Language != "fr" || c.Unanswered != 3 || c.ProfileName != c0.ProfileName {
					t.Errorf("Contact(%s) after the commit = %+v, %v", c0.WaID, c, err)
				}
			}
			for _, id := range []string{convA.ID, convB.ID} {
				if cv, err := tx.Conversation(id); err != nil || cv.NotHelpful != 3 || cv.Language != "fr" {
					t.Errorf("Conversation(%s) after the commit = %+v, %v", id, cv, err)
				}
			}
			return nil
		})

		// An update of a conversation that does not exist fails the
		// transaction (at once, or at its end on SQLite), and the other
		// updates in it are not kept.
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			c, err := tx.Contact(a.ID)
			if err != nil {
				return err
			}
			c.Language = "de"
			if err := tx.UpdateContact(c); err != nil {
				return err
			}
			gone := *convA
			gone.ID = store.NewID()
			return tx.UpdateConversation(&gone)
		})
		if !errors.Is(err, conversation.ErrNotFound) {
			t.Errorf("updating a conversation that does not exist: %v, want ErrNotFound", err)
		}
		view(t, db, func(tx *store.Tx) error {
			if c, err := tx.Contact(a.ID); err != nil || c.Language != "fr" {
				t.Errorf("Contact(a) after the failed transaction = %+v, %v; want language fr", c, err)
			}
			return nil
		})
	})
}

// PendingReactions finds every reaction kept before its message, in this
// process or an earlier one; on SQLite, once it has read which ids
// reactions wait for, an id none waits for costs no statement.
func TestPendingReactionsAskOnlyAboutAwaitedIDs(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		k := newKey(t)
		db := open(t, url, k)
		a, conv := seed(t, db, "34611000051", "", "x", 0)
		react := func(db *store.DB, wamid, to string) {
			update(t, db, func(tx *store.Tx) error {
				return tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: a.ID, Direction: conversation.In, WAMessageID: wamid,
					Type: conversation.TypeReaction, Body: "👍", Author: "customer", Status: conversation.StatusReceived, ReplyTo: to})
			})
		}
		react(db, "wamid.RA", "wamid.OLD")
		db.Close()
		db = open(t, url, k)
		find := func(db *store.DB, wamid string) (found int, statements int64) {
			view(t, db, func(tx *store.Tx) error {
				s0, _ := db.SQLCounts()
				got, err := tx.PendingReactions(wamid)
				if err != nil {
					return err
				}
				s1, _ := db.SQLCounts()
				found, statements = len(got[wamid]), s1-s0
				return nil
			})
			return found, statements
		}
		if n, _ := find(db, "wamid.OLD"); n != 1 {
			t.Errorf("after a restart, the reaction kept for wamid.OLD: found %d, want 1", n)
		}
		if n, s := find(db, "wamid.NONE"); n != 0 || (db.Backend() == store.SQLite && s != 0) {
			t.Errorf("an id no reaction waits for: found %d with %d statements, want 0 (and no statement on SQLite)", n, s)
		}
		react(db, "wamid.RB", "wamid.NEW")
		if n, _ := find(db, "wamid.NEW"); n != 1 {
			t.Errorf("a reaction kept in this process for wamid.NEW: found %d, want 1", n)
		}
	})
}
