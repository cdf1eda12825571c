package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/incident"
	"github.com/trement/trement/internal/retention"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
)

// victimRows counts what is left of a contact in the tables an erasure
// empties: contacts, conversations, messages.
func victimRows(t *testing.T, url, contactID string) (contacts, convs, msgs int) {
	t.Helper()
	raw := rawDB(t, url)
	for _, c := range []struct {
		dst *int
		q   string
	}{
		{&contacts, "SELECT COUNT(*) FROM contacts WHERE id = ?"},
		{&convs, "SELECT COUNT(*) FROM conversations WHERE contact_id = ?"},
		{&msgs, "SELECT COUNT(*) FROM messages WHERE contact_id = ?"},
	} {
		if err := raw.QueryRow(q(url, c.q), contactID).Scan(c.dst); err != nil {
			t.Fatal(err)
		}
	}
	return contacts, convs, msgs
}

// TestErasedCustomerIsGoneBeforeTheirRowsAre: with the scrubber not yet
// run (on SQLite the erasure only detached the contact; its rows wait for
// the scrubber's batches), no reader lists, counts or opens the erased
// customer: incident estimates and notice lists, the deployment's regions,
// the contact walk, retention's counts, the agent's queue, the number.
// After the scrub none of their rows remain, and the other customer is
// whole throughout.
func TestErasedCustomerIsGoneBeforeTheirRowsAre(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		ctx := context.Background()
		db := open(t, url, newKey(t))
		store.PauseScrubber(db)
		const victimWa = "5511987650001"
		victim, vconv := seed(t, db, victimWa, "Vítima", "meu pedido 88", 30)
		other, _ := seed(t, db, "34612000111", "Otro", "mi pedido 12", 5)
		wrote := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
		update(t, db, func(tx *store.Tx) error {
			for _, c := range []*conversation.Contact{victim, other} {
				c.LastInboundAt = wrote
				c.ConsentState = conversation.ConsentGranted
			}
			victim.Region = "BR"
			if err := tx.UpdateContact(victim); err != nil {
				return err
			}
			if err := tx.UpdateContact(other); err != nil {
				return err
			}
			return tx.InsertMessage(&conversation.Message{ConversationID: vconv.ID, ContactID: victim.ID, Direction: conversation.In,
				WAMessageID: "wamid.pending." + victim.ID, Type: "text", Body: "still waiting for the agent", Author: "customer", Status: conversation.StatusAgentPending})
		})
		scopes := []incident.Scope{{All: true}, {From: wrote.Add(-time.Minute), Until: wrote.Add(time.Minute)}}
		// Everything expired, Brazil with a cut-off of its own: both rules
		// of a pass see the victim's messages until the erasure.
		cut := retention.Cut{Now: time.Now(), Default: time.Now().Add(time.Hour), Regions: map[string]time.Time{"BR": time.Now().Add(time.Hour)}}
		rs := store.Retention(db)
		before, err := rs.Expired(ctx, cut)
		if err != nil {
			t.Fatal(err)
		}
		if before.Messages != 36 || before.Inactive != 2 {
			t.Fatalf("before the erasure Expired = %+v, want 36 messages and 2 inactive customers (the test sees nothing otherwise)", before)
		}

		update(t, db, func(tx *store.Tx) error { return tx.EraseContact(victim.ID) })

		if n, _, _ := victimRows(t, url, victim.ID); db.Backend() == store.SQLite && n != 1 {
			t.Fatalf("SQLite: %d contact rows right after the erasure, want the detached one (the test checks nothing otherwise)", n)
		}
		view(t, db, func(tx *store.Tx) error {
			for _, s := range scopes {
				aff, err := tx.EstimateAffected(s)
				if err != nil {
					t.Fatal(err)
				}
				if want := []incident.Affected{{Region: "ES", Customers: 1}}; !slices.Equal(aff, want) {
					t.Errorf("EstimateAffected(%+v) = %+v, want %+v", s, aff, want)
				}
				recips, err := tx.IncidentRecipients(s)
				if err != nil {
					t.Fatalf("IncidentRecipients(%+v): %v", s, err)
				}
				if len(recips) != 1 || recips[0].Contact.ID != other.ID {
					t.Errorf("IncidentRecipients(%+v) = %d recipients, want only the other customer", s, len(recips))
				}
			}
			if regions, err := tx.RegionsInUse(); err != nil || !slices.Equal(regions, []string{"ES"}) {
				t.Errorf("RegionsInUse = %v, %v; want [ES]", regions, err)
			}
			if ids, err := tx.ContactIDs("", 100); err != nil || !slices.Equal(ids, []string{other.ID}) {
				t.Errorf("ContactIDs = %v, %v; want only %s", ids, err, other.ID)
			}
			if pending, err := tx.PendingAgentMessages(10); err != nil || len(pending) != 0 {
				t.Errorf("PendingAgentMessages = %d, %v; want none and no error", len(pending), err)
			}
			if _, err := tx.Contact(victim.ID); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("Contact(erased) = %v, want not found", err)
			}
			if _, err := tx.ContactByWaID(victimWa); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("ContactByWaID(erased) = %v, want not found", err)
			}
			// Refused on SQLite (the rows are there, the key is not); none
			// on PostgreSQL, where they went with the erasure.
			if msgs, err := tx.Messages(vconv.ID, 10); len(msgs) != 0 || (err != nil && !errors.Is(err, conversation.ErrNotFound)) {
				t.Errorf("Messages(erased) = %d messages, %v; want none", len(msgs), err)
			}
			return nil
		})
		if d, err := db.Dashboard(ctx, time.Now().Add(-48*time.Hour), time.Now()); err != nil || d.Consenting != 1 || sum(d.Inbound) != 5 {
			t.Errorf("Dashboard = %d consenting, %d inbound, %v; want only the other customer's 1 and 5", d.Consenting, sum(d.Inbound), err)
		}
		after, err := rs.Expired(ctx, cut)
		if err != nil {
			t.Fatal(err)
		}
		if after.Messages != 5 || after.Inactive != 1 {
			t.Errorf("after the erasure Expired = %+v, want only the other customer's 5 messages and 1 inactive customer", after)
		}
		// Erasing again finds no one: the ledger holds one erasure.
		if err := db.Update(ctx, func(tx *store.Tx) error { return tx.EraseContact(victim.ID) }); !errors.Is(err, conversation.ErrNotFound) {
			t.Errorf("second EraseContact = %v, want not found", err)
		}
		// The number is free at once: the customer writing again is new.
		update(t, db, func(tx *store.Tx) error {
			return tx.CreateContact(&conversation.Contact{WaID: victimWa, Region: "BR", RegionReason: "+55", Language: "pt"})
		})

		if err := db.Scrub(ctx); err != nil {
			t.Fatal(err)
		}
		if c, v, m := victimRows(t, url, victim.ID); c+v+m != 0 {
			t.Errorf("after the scrub %d contact, %d conversation and %d message rows of the erased customer remain, want none", c, v, m)
		}
		if n, err := db.ErasedPending(ctx); err != nil || n != 0 {
			t.Errorf("ErasedPending = %d, %v; want 0", n, err)
		}
		if _, _, m := victimRows(t, url, other.ID); m != 5 {
			t.Errorf("the other customer has %d messages after the scrub, want 5", m)
		}
	})
}

// TestErasureDeletionResumesAfterACrash erases with the scrubber stopped,
// as if the process died right after the erasure committed, and opens the
// database again: the detached contact's rows (more than one batch of
// them) are deleted by the new process without being asked, and nothing
// of the customer is left in the files to carve.
func TestErasureDeletionResumesAfterACrash(t *testing.T) {
	url, path := storetest.NewSQLite(t)
	k := newKey(t)
	ctx := context.Background()
	db := open(t, url, k)
	victim, _ := seed(t, db, "5215512340001", "Víctima", "mi tarjeta 4111", 2500)
	seed(t, db, "5215512340002", "Otra", "otra", 3)
	c := capture(t, url, victim.ID)
	store.PauseScrubber(db)
	update(t, db, func(tx *store.Tx) error { return tx.EraseContact(victim.ID) })
	db.Close()
	if n, _, m := victimRows(t, url, victim.ID); n != 1 || m != 2500 {
		t.Fatalf("after the erasure with no scrubber: %d contact and %d message rows, want the detached contact and its 2500 messages", n, m)
	}

	db = open(t, url, k)
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := db.ErasedPending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.Scrubs(); n == 0 && ok > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after Open %d erased contacts still wait for their rows to be deleted", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n, v, m := victimRows(t, url, victim.ID); n+v+m != 0 {
		t.Errorf("after the resumed deletion %d contact, %d conversation and %d message rows remain, want none", n, v, m)
	}
	if opened, found := c.carve(t, k, path); opened != 0 || found != 0 {
		t.Errorf("after the resumed deletion the carve opened %d keys and found %d ciphertexts, want none", opened, found)
	}
	view(t, db, func(tx *store.Tx) error {
		if ids, _ := tx.ContactIDs("", 10); len(ids) != 1 {
			t.Errorf("ContactIDs = %v, want the other customer only", ids)
		}
		return nil
	})
}

// TestEraseCustomerDeletesInBatches: a customer with more messages than a
// batch is deleted completely by one scrub, however the batches fall.
func TestEraseCustomerDeletesInBatches(t *testing.T) {
	for _, n := range []int{999, 1000, 1001, 2000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			url, _ := storetest.NewSQLite(t)
			db := open(t, url, newKey(t))
			store.PauseScrubber(db)
			victim, _ := seed(t, db, "5215512349999", "", "x", n)
			update(t, db, func(tx *store.Tx) error { return tx.EraseContact(victim.ID) })
			if err := db.Scrub(context.Background()); err != nil {
				t.Fatal(err)
			}
			if c, v, m := victimRows(t, url, victim.ID); c+v+m != 0 {
				t.Errorf("%d messages: after one scrub %d contact, %d conversation, %d message rows remain, want none", n, c, v, m)
			}
		})
	}
}

// TestBlockedCustomerIsNoIncidentRecipient: a blocked customer's number
// does not open, so the breach notice list leaves them out instead of
// failing on them; they are still counted, their data being held.
func TestBlockedCustomerIsNoIncidentRecipient(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		blocked, _ := seed(t, db, "34612000555", "", "bloqueado", 2)
		other, _ := seed(t, db, "34612000556", "", "activo", 2)
		update(t, db, func(tx *store.Tx) error { return tx.BlockContact(blocked.ID, time.Now().Add(time.Hour)) })
		view(t, db, func(tx *store.Tx) error {
			recips, err := tx.IncidentRecipients(incident.Scope{All: true})
			if err != nil || len(recips) != 1 || recips[0].Contact.ID != other.ID {
				t.Errorf("IncidentRecipients = %d recipients, %v; want only the other customer", len(recips), err)
			}
			aff, err := tx.EstimateAffected(incident.Scope{All: true})
			if want := []incident.Affected{{Region: "ES", Customers: 2}}; err != nil || !slices.Equal(aff, want) {
				t.Errorf("EstimateAffected = %+v, %v; want %+v", aff, err, want)
			}
			return nil
		})
	})
}

// TestErasedCustomerLeavesTheListsAtOnce: between the erasure's commit and
// the scrubber's deletion, the erased customer's conversation is in no
// console list and no "nobody took you" sweep, even waiting for a person.
func TestErasedCustomerLeavesTheListsAtOnce(t *testing.T) {
	url, _ := storetest.NewSQLite(t)
	db := open(t, url, newKey(t))
	store.PauseScrubber(db)
	victim, vconv := seed(t, db, "5215512340011", "", "ayuda", 2)
	other, oconv := seed(t, db, "5215512340012", "", "ayuda", 2)
	for _, id := range []string{vconv.ID, oconv.ID} {
		update(t, db, func(tx *store.Tx) error {
			c, err := tx.Conversation(id)
			if err != nil {
				return err
			}
			c.State, c.WaitingSince = conversation.StateWaitingHuman, time.Now().Add(-time.Hour)
			return tx.UpdateConversation(c)
		})
	}
	update(t, db, func(tx *store.Tx) error { return tx.EraseContact(victim.ID) })
	view(t, db, func(tx *store.Tx) error {
		for name, f := range map[string]store.ConversationFilter{
			"all":     {},
			"waiting": {State: conversation.StateWaitingHuman},
			"queue":   {AssignedTo: "someone", Queue: true},
		} {
			got, err := tx.Conversations(f)
			if err != nil || len(got) != 1 || got[0].ContactID != other.ID {
				t.Errorf("Conversations(%s) = %d conversations, %v; want only the other customer's", name, len(got), err)
			}
		}
		got, err := tx.WaitingBefore(time.Now(), 10)
		if err != nil || len(got) != 1 || got[0].ContactID != other.ID {
			t.Errorf("WaitingBefore = %d conversations, %v; want only the other customer's", len(got), err)
		}
		return nil
	})
}
