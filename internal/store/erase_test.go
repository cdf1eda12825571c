package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/rights"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

// captured is what a forensic reader would want of one customer: their
// wrapped data key and some of their ciphertext, read before the erasure.
type captured struct {
	contactID string
	wrapped   []byte
	needles   [][]byte
}

func capture(t *testing.T, url, contactID string, inboxIDs ...string) captured {
	t.Helper()
	raw := rawDB(t, url)
	c := captured{contactID: contactID}
	if err := raw.QueryRow(q(url, "SELECT wrapped FROM data_keys WHERE owner_id = ?"), contactID).Scan(&c.wrapped); err != nil {
		t.Fatalf("capture wrapped key: %v", err)
	}
	rows, err := raw.Query(q(url, "SELECT body_enc FROM messages WHERE contact_id = ?"), contactID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b []byte
		rows.Scan(&b)
		c.needles = append(c.needles, b[1:29]) // nonce and the first 16 bytes of ciphertext
	}
	rows.Close()
	var wa []byte
	raw.QueryRow(q(url, "SELECT wa_id_enc FROM contacts WHERE id = ?"), contactID).Scan(&wa)
	c.needles = append(c.needles, wa[1:29])
	if len(inboxIDs) > 0 {
		in := rawDB(t, "sqlite:"+store.InboxPath(trimSQLite(url)))
		for _, id := range inboxIDs {
			var b []byte
			if err := in.QueryRow("SELECT payload_enc FROM inbox WHERE id = ?", id).Scan(&b); err != nil {
				t.Fatalf("capture inbox body: %v", err)
			}
			c.needles = append(c.needles, b[1:29])
		}
	}
	return c
}

func trimSQLite(url string) string { return url[len("sqlite:"):] }

func (c captured) carve(t *testing.T, k *vault.MasterKey, path string) (opened, found int) {
	t.Helper()
	ring := vault.NewKeyring(1, k)
	return storetest.Carve(t, storetest.SQLiteFiles(path), func(b []byte) bool {
		_, err := ring.Unwrap(c.contactID, b)
		return err == nil
	}, append(c.needles, c.wrapped)...)
}

// TestErasureLeavesNothingToCarve plays the reviewer who recovered an
// erased customer from the WAL and freed pages: after the erasure, no byte
// of the four SQLite files opens as their data key with the master key, and
// none of their ciphertext (messages, number, an access export waiting to
// be fetched, inbox bodies, including one set aside as malformed) is left
// to find.
func TestErasureLeavesNothingToCarve(t *testing.T) {
	url, path := storetest.NewSQLite(t)
	k := newKey(t)
	db := open(t, url, k)
	ctx := context.Background()
	const who = "14155550177"
	victim, _ := seed(t, db, who, "Victim", "my card is 4111", 40)
	other, _ := seed(t, db, "14155550188", "Other", "other body", 5)
	processed := &conversation.InboxItem{Payload: []byte(`{"entry":[{"changes":[{"value":{"contacts":[{"wa_id":"` + who + `"}]}}]}]}`)}
	setAside := &conversation.InboxItem{Payload: []byte(`{"broken": "` + who + `"`)}
	if err := db.AppendInbox(ctx, processed, setAside); err != nil {
		t.Fatal(err)
	}
	if err := db.RetryInbox(ctx, setAside.ID, time.Now().Add(time.Hour), "malformed"); err != nil {
		t.Fatal(err)
	}
	// An access export waiting to be downloaded.
	exp := &rights.Export{RequestID: "r1", ContactID: victim.ID, ExpiresAt: time.Now().Add(time.Hour)}
	update(t, db, func(tx *store.Tx) error {
		if err := tx.CreateExport(exp); err != nil {
			return err
		}
		return tx.PutExportChunk(exp, 0, []byte("PK... the customer's ZIP"))
	})
	c := capture(t, url, victim.ID, processed.ID, setAside.ID)
	var chunk []byte
	if err := rawDB(t, url).QueryRow("SELECT data_enc FROM dsar_export_chunks WHERE export_id = ?", exp.ID).Scan(&chunk); err != nil {
		t.Fatal(err)
	}
	c.needles = append(c.needles, chunk[1:29])

	// The carve can find what is there: before the erasure it opens the key.
	if opened, found := c.carve(t, k, path); opened == 0 || found == 0 {
		t.Fatalf("before erasure the carve opened %d keys and found %d ciphertexts; the test cannot see anything", opened, found)
	}

	update(t, db, func(tx *store.Tx) error { return tx.EraseContact(victim.ID) })
	if err := db.DeleteInbox(ctx, processed.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Scrub(ctx); err != nil {
		t.Fatal(err)
	}
	if opened, found := c.carve(t, k, path); opened != 0 || found != 0 {
		t.Errorf("after erasure the carve opened %d wrapped keys and found %d captured ciphertexts, want none", opened, found)
	}
	// The other customer is intact.
	view(t, db, func(tx *store.Tx) error {
		if _, err := tx.Contact(other.ID); err != nil {
			t.Errorf("other contact: %v", err)
		}
		return nil
	})
	if n, _ := db.InboxDepth(ctx); n != 0 {
		t.Errorf("inbox holds %d bodies, want the set-aside body naming the erased number gone", n)
	}
}

func TestErasureLeavesTombstoneAndLedgerEntry(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		const who = "4915112345678"
		c, _ := seed(t, db, who, "X", "hello", 2)
		update(t, db, func(tx *store.Tx) error {
			c.ConsentState = conversation.ConsentWithdrawn
			return tx.UpdateContact(c)
		})
		update(t, db, func(tx *store.Tx) error { return tx.Erase(c.ID, store.Erasure{Basis: "GDPR Art. 17(1)(b)"}) })
		// On PostgreSQL the scrub is a VACUUM of the touched tables.
		if err := db.Scrub(context.Background()); err != nil {
			t.Errorf("Scrub: %v", err)
		}
		view(t, db, func(tx *store.Tx) error {
			ts, err := tx.Tombstone(db.WaIndex(who))
			if err != nil {
				t.Fatalf("Tombstone: %v", err)
			}
			if ts.ContactID != c.ID || ts.Basis != "GDPR Art. 17(1)(b)" || !ts.OptedOut || ts.ErasedAt.IsZero() {
				t.Errorf("tombstone = %+v, want contact, basis, opted out and time", ts)
			}
			opted, err := tx.ErasedOptedOut(who)
			if err != nil || !opted {
				t.Errorf("ErasedOptedOut = %v, %v; want true", opted, err)
			}
			evs, _ := tx.ConsentEvents(db.WaIndex(who))
			if len(evs) == 0 || evs[len(evs)-1].Kind != consent.Erased || evs[len(evs)-1].Purpose != "GDPR Art. 17(1)(b)" {
				t.Errorf("ledger = %+v, want an erasure entry with the basis last", evs)
			}
			if _, err := tx.Contact(c.ID); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("Contact after erasure = %v, want not found", err)
			}
			if opted, _ := tx.ErasedOptedOut("4915100000000"); opted {
				t.Error("a never-erased number reads as erased while opted out")
			}
			return nil
		})
	})
}

// TestJournalErasesARestoredCopyAgain copies the database files before an
// erasure (as any backup tool would), erases, puts the old copy back and
// opens it: the journal kept outside the database erases the customer
// again before anything can read them, and the scrub leaves nothing to
// carve.
func TestJournalErasesARestoredCopyAgain(t *testing.T) {
	url, path := storetest.NewSQLite(t)
	k := newKey(t)
	journal := filepath.Join(t.TempDir(), "erasures.jsonl")
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{URL: url, MasterKey: k, ErasureJournal: journal})
	if err != nil {
		t.Fatal(err)
	}
	victim, _ := seed(t, db, "14155550199", "V", "restore me not", 10)
	keep, _ := seed(t, db, "14155550100", "K", "keep me", 3)
	if err := db.Snapshot(ctx, path+".copy"); err != nil {
		t.Fatal(err)
	}
	c := capture(t, url, victim.ID)
	update(t, db, func(tx *store.Tx) error { return tx.EraseContact(victim.ID) })
	db.Close()

	restoreCopy(t, path)
	db, err = store.Open(ctx, store.Options{URL: url, MasterKey: k, ErasureJournal: journal})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	view(t, db, func(tx *store.Tx) error {
		if _, err := tx.Contact(victim.ID); !errors.Is(err, conversation.ErrNotFound) {
			t.Errorf("restored copy: Contact(victim) = %v, want erased again", err)
		}
		if _, err := tx.Contact(keep.ID); err != nil {
			t.Errorf("restored copy lost another customer: %v", err)
		}
		return nil
	})
	if opened, found := c.carve(t, k, path); opened != 0 || found != 0 {
		t.Errorf("restored copy: carve opened %d keys, found %d ciphertexts; want none", opened, found)
	}
	// Opening again replays nothing new.
	db.Close()
	db, err = store.Open(ctx, store.Options{URL: url, MasterKey: k, ErasureJournal: journal})
	if err != nil {
		t.Fatal(err)
	}
	view(t, db, func(tx *store.Tx) error {
		evs, _ := tx.ConsentEvents(db.WaIndex("14155550199"))
		n := 0
		for _, e := range evs {
			if e.Kind == consent.Erased {
				n++
			}
		}
		if n != 1 {
			t.Errorf("after two opens the ledger holds %d erasure entries, want 1", n)
		}
		return nil
	})
}

// restoreCopy puts the snapshot at path+".copy" back in place of the
// database, as restoring a file backup would.
func restoreCopy(t *testing.T, path string) {
	t.Helper()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	if err := os.Rename(path+".copy", path); err != nil {
		t.Fatal(err)
	}
}

// TestBlockingThenShred: a Spanish erasure blocks first. No ordinary read
// opens the customer's data, the number finds no one, the DPO can open it
// only with a stated reason (audited first), and when the period ends it
// is shredded.
func TestBlockingThenShred(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		const who = "34612000999"
		c, conv := seed(t, db, who, "", "mi pedido 123", 3)
		until := time.Now().Add(time.Hour)
		update(t, db, func(tx *store.Tx) error { return tx.BlockContact(c.ID, until) })
		view(t, db, func(tx *store.Tx) error {
			if _, err := tx.ContactByWaID(who); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("ContactByWaID(blocked) = %v, want not found", err)
			}
			if _, err := tx.Contact(c.ID); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("Contact(blocked) = %v, want refused", err)
			}
			if _, err := tx.Messages(conv.ID, 10); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("Messages(blocked) = %v, want refused", err)
			}
			ts, err := tx.Tombstone(db.WaIndex(who))
			if err != nil || !ts.BlockedUntil.Equal(until.UTC().Truncate(time.Millisecond)) {
				t.Errorf("tombstone = %+v, %v; want blocked until %v", ts, err, until)
			}
			return nil
		})
		update(t, db, func(tx *store.Tx) error {
			if _, _, err := tx.OpenBlocked(c.ID, store.BlockedAccess{ActorID: "op-dpo"}); err == nil {
				t.Error("OpenBlocked without the authority's request succeeded")
			}
			got, msgs, err := tx.OpenBlocked(c.ID, store.BlockedAccess{ActorID: "op-dpo", Reason: "AEPD request E/01234/2026"})
			if err != nil || got.WaID != who || len(msgs) != 3 || msgs[0].Body != "mi pedido 123 #0" {
				t.Errorf("OpenBlocked = %v, %d messages, %v; want the customer and 3 messages", got, len(msgs), err)
			}
			return err
		})
		view(t, db, func(tx *store.Tx) error {
			if _, err := tx.Messages(conv.ID, 10); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("after the DPO's look an ordinary read = %v, want refused again", err)
			}
			evs, _ := tx.AuditEvents(audit.Filter{Action: "contact.blocked_read"})
			if len(evs) != 1 || evs[0].Reason != "AEPD request E/01234/2026" || evs[0].ActorID != "op-dpo" {
				t.Errorf("audit of the DPO's look = %+v, want one event with the reason", evs)
			}
			ended, _ := tx.BlockedUntil(time.Now(), 10)
			if len(ended) != 0 {
				t.Errorf("BlockedUntil(now) = %v before the period ended", ended)
			}
			ended, _ = tx.BlockedUntil(until.Add(time.Second), 10)
			if len(ended) != 1 || ended[0] != c.ID {
				t.Errorf("BlockedUntil(after) = %v, want the blocked contact", ended)
			}
			return nil
		})
		update(t, db, func(tx *store.Tx) error { return tx.ShredBlocked(c.ID) })
		update(t, db, func(tx *store.Tx) error {
			if _, _, err := tx.OpenBlocked(c.ID, store.BlockedAccess{ActorID: "op-dpo", Reason: "again"}); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("OpenBlocked after shredding = %v, want not found", err)
			}
			return nil
		})
		// The shred destroyed the key at once; on SQLite the rows go with
		// the scrub that follows it.
		if err := db.Scrub(context.Background()); err != nil {
			t.Fatal(err)
		}
		raw := rawDB(t, url)
		var n int
		raw.QueryRow(q(url, "SELECT COUNT(*) FROM messages WHERE contact_id = ?"), c.ID).Scan(&n)
		if n != 0 {
			t.Errorf("%d messages left after the block ended, want 0", n)
		}
	})
}

// TestRotationRewrapsBlockedKeys: a master-key rotation re-wraps blocked
// customers' keys too, so the DPO can still open them after the old key
// is retired (otherwise rotation would shred them early, silently).
func TestRotationRewrapsBlockedKeys(t *testing.T) {
	url, _ := storetest.NewSQLite(t)
	ctx := context.Background()
	oldKey, newK := newKey(t), newKey(t)
	db := open(t, url, oldKey)
	c, _ := seed(t, db, "34612000321", "", "bloqueado", 2)
	seed(t, db, "34612000322", "", "activo", 1)
	update(t, db, func(tx *store.Tx) error { return tx.BlockContact(c.ID, time.Now().Add(time.Hour)) })
	db.Close()
	db, err := store.Open(ctx, store.Options{URL: url, MasterKey: oldKey, Rotating: true})
	if err != nil {
		t.Fatal(err)
	}
	rot, err := db.BeginRotation(ctx, newK)
	if err != nil {
		t.Fatal(err)
	}
	if rot.Total != 3 { // the active contact, the blocked one, the system secret
		t.Errorf("rotation Total = %d, want 3 (blocked key included)", rot.Total)
	}
	for {
		n, err := rot.Step(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if err := rot.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open(t, url, newK)
	update(t, db, func(tx *store.Tx) error {
		_, msgs, err := tx.OpenBlocked(c.ID, store.BlockedAccess{ActorID: "op-dpo", Reason: "court order 55/2026"})
		if err != nil || len(msgs) != 2 {
			t.Errorf("OpenBlocked after rotation = %d messages, %v; want 2", len(msgs), err)
		}
		return nil
	})
}
