package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

func newKey(t testing.TB) *vault.MasterKey {
	t.Helper()
	k, err := vault.ParseMasterKey(vault.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func open(t testing.TB, url string, k *vault.MasterKey) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: k})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eachBackend runs fn against a fresh database on every backend.
func eachBackend(t *testing.T, fn func(t *testing.T, url, path string)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			url, path := b.New(t)
			fn(t, url, path)
		})
	}
}

func update(t testing.TB, db *store.DB, fn func(*store.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t testing.TB, db *store.DB, fn func(*store.Tx) error) {
	t.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// seed creates a contact with a conversation and n inbound messages.
func seed(t testing.TB, db *store.DB, waID, name, body string, n int) (*conversation.Contact, *conversation.Conversation) {
	t.Helper()
	c := &conversation.Contact{WaID: waID, ProfileName: name, Region: "ES", RegionReason: "+34", Language: "es"}
	var conv *conversation.Conversation
	update(t, db, func(tx *store.Tx) error {
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		var err error
		if conv, err = tx.OpenConversation(c.ID, "106540352242922"); err != nil {
			return err
		}
		for i := range n {
			m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In,
				WAMessageID: fmt.Sprintf("wamid.%s.%d", c.ID, i), Type: "text", Body: fmt.Sprintf("%s #%d", body, i),
				Author: "customer", Status: conversation.StatusReceived}
			if err := tx.InsertMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	return c, conv
}

func TestContactsAndMessages(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		c, conv := seed(t, db, "34612345678", "Ana García", "hola, ¿dónde está mi pedido?", 3)
		view(t, db, func(tx *store.Tx) error {
			got, err := tx.ContactByWaID("34612345678")
			if err != nil {
				return err
			}
			if got.ID != c.ID || got.WaID != "34612345678" || got.ProfileName != "Ana García" || got.Region != "ES" {
				t.Errorf("ContactByWaID = %+v, want the seeded contact", got)
			}
			if _, err := tx.ContactByWaID("34600000000"); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("ContactByWaID(unknown) error = %v, want ErrNotFound", err)
			}
			ms, err := tx.Messages(conv.ID, 10)
			if err != nil {
				return err
			}
			if len(ms) != 3 || ms[0].Body != "hola, ¿dónde está mi pedido? #0" || ms[2].Body != "hola, ¿dónde está mi pedido? #2" {
				t.Errorf("Messages = %d messages, first %q", len(ms), ms[0].Body)
			}
			return nil
		})
		// A duplicate number and a duplicate wamid are refused.
		err := db.Update(context.Background(), func(tx *store.Tx) error {
			return tx.CreateContact(&conversation.Contact{WaID: "34612345678", Region: "ES", Language: "es"})
		})
		if !errors.Is(err, conversation.ErrDuplicate) {
			t.Errorf("CreateContact(duplicate) = %v, want ErrDuplicate", err)
		}
		err = db.Update(context.Background(), func(tx *store.Tx) error {
			return tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In,
				WAMessageID: "wamid." + c.ID + ".1", Type: "text", Body: "again", Author: "customer", Status: conversation.StatusReceived})
		})
		if !errors.Is(err, conversation.ErrDuplicate) {
			t.Errorf("InsertMessage(duplicate wamid) = %v, want ErrDuplicate", err)
		}
		// Updates persist.
		update(t, db, func(tx *store.Tx) error {
			c.ConsentState = conversation.ConsentGranted
			c.NoticeVersion = "2026-01"
			c.ProfileName = ""
			return tx.UpdateContact(c)
		})
		view(t, db, func(tx *store.Tx) error {
			got, err := tx.Contact(c.ID)
			if err != nil {
				return err
			}
			if got.ConsentState != conversation.ConsentGranted || got.NoticeVersion != "2026-01" || got.ProfileName != "" {
				t.Errorf("after update Contact = %+v", got)
			}
			return nil
		})
	})
}

func TestStatusesMoveOnlyForward(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		c, conv := seed(t, db, "5511912345678", "", "oi", 0)
		m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.Out, Type: "text", Body: "Olá!", Author: "bot", Status: conversation.StatusQueued}
		update(t, db, func(tx *store.Tx) error {
			if err := tx.InsertMessage(m); err != nil {
				return err
			}
			return tx.SetMessageSent(m.ID, "wamid.OUT1")
		})
		steps := []struct {
			status  conversation.Status
			changed bool
			want    conversation.Status
		}{
			{conversation.StatusRead, true, conversation.StatusRead},
			{conversation.StatusDelivered, false, conversation.StatusRead}, // out of order: no downgrade
			{conversation.StatusSent, false, conversation.StatusRead},
			{conversation.StatusFailed, true, conversation.StatusFailed},
			{conversation.StatusRead, false, conversation.StatusFailed}, // failed is terminal
		}
		for _, s := range steps {
			update(t, db, func(tx *store.Tx) error {
				changed, err := tx.ApplyStatus("wamid.OUT1", s.status, 0, "")
				if err != nil {
					return err
				}
				if changed != s.changed {
					t.Errorf("ApplyStatus(%s) changed = %v, want %v", s.status, changed, s.changed)
				}
				got, err := tx.Message(m.ID)
				if err != nil {
					return err
				}
				if got.Status != s.want {
					t.Errorf("after ApplyStatus(%s) status = %s, want %s", s.status, got.Status, s.want)
				}
				return nil
			})
		}
		update(t, db, func(tx *store.Tx) error {
			if _, err := tx.ApplyStatus("wamid.UNKNOWN", conversation.StatusRead, 0, ""); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("ApplyStatus(unknown) = %v, want ErrNotFound", err)
			}
			first, err := tx.MarkSeen("s:wamid.OUT1:read")
			if err != nil || !first {
				t.Errorf("MarkSeen first = %v, %v", first, err)
			}
			again, err := tx.MarkSeen("s:wamid.OUT1:read")
			if err != nil || again {
				t.Errorf("MarkSeen again = %v, %v; want false", again, err)
			}
			return nil
		})
	})
}

func TestInboxAndOutbox(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		ctx := context.Background()
		if err := db.AppendInbox(ctx, &conversation.InboxItem{Payload: []byte(`{"a":1}`)}, &conversation.InboxItem{Payload: []byte(`{"b":2}`)}); err != nil {
			t.Fatal(err)
		}
		items, err := db.NextInbox(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 || string(items[0].Payload) != `{"a":1}` || string(items[1].Payload) != `{"b":2}` {
			t.Errorf("NextInbox = %d items", len(items))
		}
		if err := db.RetryInbox(ctx, items[0].ID, time.Now().Add(time.Hour), "later"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteInbox(ctx, items[1].ID); err != nil {
			t.Fatal(err)
		}
		if next, _ := db.NextInbox(ctx, 10); len(next) != 0 {
			t.Errorf("NextInbox after retry-later and delete = %d items, want 0", len(next))
		}
		if n, _ := db.InboxDepth(ctx); n != 1 {
			t.Errorf("InboxDepth = %d, want 1", n)
		}

		a, _ := seed(t, db, "34611111111", "", "x", 0)
		b, _ := seed(t, db, "34622222222", "", "x", 0)
		var ids []string
		update(t, db, func(tx *store.Tx) error {
			for _, c := range []*conversation.Contact{a, a, b} {
				it := &conversation.OutboxItem{ContactID: c.ID, PhoneNumberID: "1", Kind: "message", Payload: []byte(`{"text":"hi"}`)}
				if err := tx.Enqueue(it); err != nil {
					return err
				}
				ids = append(ids, it.ID)
			}
			return nil
		})
		var claimed []*conversation.OutboxItem
		update(t, db, func(tx *store.Tx) error {
			var err error
			claimed, err = tx.ClaimOutbox("w1", time.Minute, 10)
			return err
		})
		// Only the head of each contact's queue: a's first and b's.
		if len(claimed) != 2 || claimed[0].ID != ids[0] || claimed[1].ID != ids[2] || string(claimed[0].Payload) != `{"text":"hi"}` {
			t.Fatalf("ClaimOutbox = %d items, want a's first and b's", len(claimed))
		}
		update(t, db, func(tx *store.Tx) error {
			again, err := tx.ClaimOutbox("w2", time.Minute, 10)
			if err != nil {
				return err
			}
			if len(again) != 0 {
				t.Errorf("second ClaimOutbox got %d items while a and b are in flight", len(again))
			}
			if ok, err := tx.OutboxSent(ids[0], "wamid.A1"); !ok || err != nil {
				t.Errorf("OutboxSent = %v, %v", ok, err)
			}
			if ok, _ := tx.OutboxSent(ids[0], "wamid.A1"); ok {
				t.Error("OutboxSent twice moved the item twice")
			}
			return nil
		})
		update(t, db, func(tx *store.Tx) error {
			next, err := tx.ClaimOutbox("w1", time.Minute, 10)
			if err != nil {
				return err
			}
			if len(next) != 1 || next[0].ID != ids[1] {
				t.Errorf("ClaimOutbox after a's first was sent = %d items, want a's second", len(next))
			}
			return nil
		})
	})
}

func TestRepairLinesPromotesOrphanedQueue(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		c, _ := seed(t, db, "34611999000", "", "x", 0)
		var first, second *conversation.OutboxItem
		update(t, db, func(tx *store.Tx) error {
			first = &conversation.OutboxItem{ContactID: c.ID, PhoneNumberID: "1", Kind: "message", Payload: []byte(`{}`)}
			second = &conversation.OutboxItem{ContactID: c.ID, PhoneNumberID: "1", Kind: "message", Payload: []byte(`{}`)}
			if err := tx.Enqueue(first); err != nil {
				return err
			}
			return tx.Enqueue(second)
		})
		if second.State != conversation.OutboxQueued {
			t.Fatalf("second message state = %s, want queued behind the first", second.State)
		}
		// Simulate the race: the head vanishes without promoting anyone.
		raw := rawDB(t, url)
		if _, err := raw.Exec(q(url, "DELETE FROM outbox WHERE id = ?"), first.ID); err != nil {
			t.Fatal(err)
		}
		update(t, db, func(tx *store.Tx) error {
			n, err := tx.RepairLines()
			if n != 1 || err != nil {
				t.Errorf("RepairLines = %d, %v; want 1", n, err)
			}
			items, err := tx.ClaimOutbox("w", time.Minute, 10)
			if len(items) != 1 || items[0].ID != second.ID {
				t.Errorf("after repair ClaimOutbox = %d items, want the second message", len(items))
			}
			return err
		})
	})
}

func TestConsentLedgerSurvivesErasure(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		c, _ := seed(t, db, "5215512345678", "", "hola", 1)
		idx := db.WaIndex(c.WaID)
		update(t, db, func(tx *store.Tx) error {
			for _, k := range []consent.Kind{consent.Asked, consent.OptIn, consent.OptOut} {
				if err := tx.AppendConsent(&consent.Event{ContactID: c.ID, WaIndex: idx, Kind: k, NoticeVersion: "v1", Purpose: "support", Region: "MX", Channel: "whatsapp", WAMessageID: "wamid.X"}); err != nil {
					return err
				}
			}
			return tx.EraseContact(c.ID)
		})
		view(t, db, func(tx *store.Tx) error {
			evs, err := tx.ConsentEvents(idx)
			if err != nil {
				return err
			}
			if len(evs) != 4 || evs[0].Kind != consent.Asked || evs[2].Kind != consent.OptOut || evs[3].Kind != consent.Erased {
				t.Errorf("ConsentEvents after erasure = %d events, want the 3 kept and the erasure entry", len(evs))
			}
			if _, err := tx.Contact(c.ID); !errors.Is(err, conversation.ErrNotFound) {
				t.Errorf("Contact after erasure = %v, want ErrNotFound", err)
			}
			return nil
		})
	})
}

// markers are plaintexts that must never appear in the database files:
// a body, a number, a name, a message id (an answer's, quoted by a reply
// and reacted to), a reaction emoji, and an ad's headline and link.
var markers = []string{"ZQXJ-BODY-MARKER-7731", "34699887766", "Zebulon Quaxwell", "wamid.HBgLMZQXJWAMIDMARKER", "🦩", "Qwzx Spring Sale", "https://fb.me/qwzxad",
	"ZQXJ-FILE-BYTES-4471", "zqxj-passport.pdf"}

func seedMarkers(t *testing.T, db *store.DB) {
	t.Helper()
	c, conv := seed(t, db, markers[1], markers[2], markers[0], 5)
	if err := db.AppendInbox(context.Background(), &conversation.InboxItem{Payload: []byte(`{"from":"` + markers[1] + `","body":"` + markers[0] + `"}`)}); err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx *store.Tx) error {
		answer := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.Out, Type: "text", Body: "ok", Author: "bot", Status: conversation.StatusQueued}
		if err := tx.InsertMessage(answer); err != nil {
			return err
		}
		if err := tx.SetMessageSent(answer.ID, markers[3]); err != nil {
			return err
		}
		reply := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In, WAMessageID: "wamid.reply", ReplyTo: markers[3],
			Type: "text", Body: "and this?", Author: "customer", Status: conversation.StatusReceived,
			Meta: &conversation.MessageMeta{Forwarded: true, Referral: &conversation.Referral{SourceType: "ad", Headline: markers[5], SourceURL: markers[6]}}}
		if err := tx.InsertMessage(reply); err != nil {
			return err
		}
		if _, err := tx.SetReaction(c.ID, markers[3], markers[4]); err != nil {
			return err
		}
		// A file the customer sent: its name and its bytes.
		if err := tx.QueueMedia(&conversation.Media{MessageID: reply.ID, ContactID: c.ID, Ref: conversation.MediaRef{ID: "1003383421387256", MimeType: "application/pdf", Filename: markers[8]}}); err != nil {
			return err
		}
		if err := tx.StoreMedia(reply.ID, "application/pdf", []byte("%PDF-1.4 "+markers[7]+" the rest of the file")); err != nil {
			return err
		}
		return tx.Enqueue(&conversation.OutboxItem{ContactID: c.ID, ConversationID: conv.ID, PhoneNumberID: "1", Kind: "message",
			Payload: []byte(`{"to":"` + markers[1] + `","text":"` + markers[0] + `"}`)})
	})
}

func TestNoPlaintextInSQLiteFiles(t *testing.T) {
	url, path := storetest.NewSQLite(t)
	db := open(t, url, newKey(t))
	seedMarkers(t, db)
	// Read the files while the database is open (WAL not yet checkpointed)
	// and again after closing (checkpointed into the main file).
	scan := func(when string) {
		inbox := store.InboxPath(path)
		for _, f := range []string{path, path + "-wal", path + "-shm", inbox, inbox + "-wal", inbox + "-shm"} {
			b, err := os.ReadFile(f)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range markers {
				for _, form := range []string{m, strings.ToLower(m), strings.ToUpper(m)} {
					if bytes.Contains(b, []byte(form)) {
						t.Errorf("%s: %s contains plaintext %q", when, f, form)
					}
				}
			}
		}
	}
	scan("open")
	db.Close()
	scan("closed")
}

func TestNoPlaintextInPostgresColumns(t *testing.T) {
	url, _ := storetest.NewPostgres(t)
	db := open(t, url, newKey(t))
	seedMarkers(t, db)
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("found %d tables, want the whole schema", len(tables))
	}
	for _, table := range tables {
		// Every column as raw text (bytea as hex is decoded by the driver).
		rows, err := raw.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var b []byte
				switch v := v.(type) {
				case []byte:
					b = v
				case string:
					b = []byte(v)
				default:
					b = []byte(fmt.Sprint(v))
				}
				for _, m := range markers {
					if bytes.Contains(b, []byte(m)) {
						t.Errorf("%s.%s holds plaintext %q", table, cols[i], m)
					}
				}
			}
		}
		rows.Close()
	}
}

func TestWrongMasterKeyRefusedWithoutTouchingData(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		k := newKey(t)
		db := open(t, url, k)
		seed(t, db, "34612000000", "", "hola", 1)
		db.Close()
		_, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: newKey(t)})
		if !errors.Is(err, store.ErrWrongMasterKey) {
			t.Fatalf("Open with a wrong key = %v, want ErrWrongMasterKey", err)
		}
		db = open(t, url, k)
		view(t, db, func(tx *store.Tx) error {
			_, err := tx.ContactByWaID("34612000000")
			return err
		})
	})
}

func TestCryptoShredding(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		k := newKey(t)
		db := open(t, url, k)
		victim, vconv := seed(t, db, "34612999999", "Victim", "secret body", 4)
		other, oconv := seed(t, db, "34612888888", "Other", "other body", 2)
		update(t, db, func(tx *store.Tx) error { return tx.DestroyDataKey(victim.ID) })
		db.Close()

		// Even a fresh process holding the master key opens nothing of the victim's.
		db = open(t, url, k)
		view(t, db, func(tx *store.Tx) error {
			if _, err := tx.Contact(victim.ID); !errors.Is(err, store.ErrErased) {
				t.Errorf("Contact(victim) = %v, want ErrErased", err)
			}
			if _, err := tx.Messages(vconv.ID, 10); !errors.Is(err, store.ErrErased) {
				t.Errorf("Messages(victim) = %v, want ErrErased", err)
			}
			if ms, err := tx.Messages(oconv.ID, 10); err != nil || len(ms) != 2 {
				t.Errorf("Messages(other) = %d, %v; want 2", len(ms), err)
			}
			if _, err := tx.Contact(other.ID); err != nil {
				t.Errorf("Contact(other) = %v", err)
			}
			return nil
		})
		// The victim's rows still exist but no key can be found to open them:
		// try every data key in the database with the master key.
		raw := rawDB(t, url)
		var bodies [][]byte
		rows, err := raw.Query(q(url, "SELECT id, body_enc FROM messages WHERE contact_id = ?"), victim.ID)
		if err != nil {
			t.Fatal(err)
		}
		var msgIDs []string
		for rows.Next() {
			var id string
			var b []byte
			rows.Scan(&id, &b)
			msgIDs = append(msgIDs, id)
			bodies = append(bodies, b)
		}
		rows.Close()
		if len(bodies) != 4 {
			t.Fatalf("victim has %d sealed rows, want 4", len(bodies))
		}
		ring := vault.NewKeyring(1, k)
		krows, err := raw.Query("SELECT owner_id, wrapped FROM data_keys")
		if err != nil {
			t.Fatal(err)
		}
		for krows.Next() {
			var owner string
			var w []byte
			krows.Scan(&owner, &w)
			dek, err := ring.Unwrap(owner, w)
			if err != nil {
				t.Fatalf("unwrap %s: %v", owner, err)
			}
			for _, o := range []string{owner, victim.ID} {
				c, _ := vault.NewCipher(o, dek)
				for i, b := range bodies {
					if _, err := c.Open(vault.Loc{Table: "messages", Column: "body", Row: msgIDs[i]}, b); err == nil {
						t.Errorf("data key of %s opened a shredded message", owner)
					}
				}
			}
		}
		krows.Close()
	})
}

func rawDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", url
	if strings.HasPrefix(url, "sqlite:") {
		driver, dsn = "sqlite", "file:"+strings.TrimPrefix(url, "sqlite:")
	}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

func q(url, query string) string {
	if strings.HasPrefix(url, "sqlite:") {
		return query
	}
	return strings.Replace(query, "?", "$1", 1)
}

func TestTamperedCiphertextIsAnErrorNotWrongPlaintext(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		_, conv := seed(t, db, "34612777777", "", "original", 2)
		raw := rawDB(t, url)
		// Swap the two messages' ciphertexts: each is valid, but bound to its row.
		var a, b []byte
		var ida, idb string
		rows, _ := raw.Query(q(url, "SELECT id, body_enc FROM messages WHERE conversation_id = ? ORDER BY id"), conv.ID)
		rows.Next()
		rows.Scan(&ida, &a)
		rows.Next()
		rows.Scan(&idb, &b)
		rows.Close()
		upd := "UPDATE messages SET body_enc = ? WHERE id = ?"
		if !strings.HasPrefix(url, "sqlite:") {
			upd = "UPDATE messages SET body_enc = $1 WHERE id = $2"
		}
		if _, err := raw.Exec(upd, b, ida); err != nil {
			t.Fatal(err)
		}
		err := db.View(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Messages(conv.ID, 10)
			return err
		})
		if !errors.Is(err, vault.ErrDecrypt) {
			t.Errorf("reading a moved ciphertext = %v, want ErrDecrypt", err)
		}
		flipped := append([]byte(nil), a...)
		flipped[len(flipped)-1] ^= 1
		raw.Exec(upd, flipped, ida)
		err = db.View(context.Background(), func(tx *store.Tx) error {
			_, err := tx.Message(ida)
			return err
		})
		if !errors.Is(err, vault.ErrDecrypt) {
			t.Errorf("reading a flipped ciphertext = %v, want ErrDecrypt", err)
		}
	})
}

func TestMasterKeyRotation(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		ctx := context.Background()
		oldKey, newK := newKey(t), newKey(t)
		db := open(t, url, oldKey)
		var contacts []*conversation.Contact
		for i := range 25 {
			c, _ := seed(t, db, fmt.Sprintf("3461200%04d", i), "Name", "body", 2)
			contacts = append(contacts, c)
		}
		indexBefore := db.WaIndex(contacts[0].WaID)
		db.Close()

		// Rotate part-way, then "crash".
		db, err := store.Open(ctx, store.Options{URL: url, MasterKey: oldKey, Rotating: true})
		if err != nil {
			t.Fatal(err)
		}
		rot, err := db.BeginRotation(ctx, newK)
		if err != nil {
			t.Fatal(err)
		}
		if rot.Total != 26 { // 25 contacts + the system secret
			t.Errorf("rotation Total = %d, want 26", rot.Total)
		}
		if n, err := rot.Step(ctx, 10); n != 10 || err != nil {
			t.Fatalf("Step = %d, %v", n, err)
		}
		db.Close()

		// Ordinary start-up refuses either key mid-rotation.
		for name, k := range map[string]*vault.MasterKey{"old": oldKey, "new": newK} {
			if _, err := store.Open(ctx, store.Options{URL: url, MasterKey: k}); !errors.Is(err, store.ErrRotationOpen) {
				t.Errorf("Open with %s key mid-rotation = %v, want ErrRotationOpen", name, err)
			}
		}

		// Resume and finish.
		db, err = store.Open(ctx, store.Options{URL: url, MasterKey: oldKey, Rotating: true})
		if err != nil {
			t.Fatal(err)
		}
		rot, err = db.BeginRotation(ctx, newK)
		if err != nil {
			t.Fatalf("resume: %v", err)
		}
		if rot.Total != 16 {
			t.Errorf("resumed rotation Total = %d, want 16", rot.Total)
		}
		for {
			n, err := rot.Step(ctx, 7)
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

		if _, err := store.Open(ctx, store.Options{URL: url, MasterKey: oldKey}); !errors.Is(err, store.ErrRetiredKey) {
			t.Errorf("Open with the old key after rotation = %v, want ErrRetiredKey", err)
		}
		db = open(t, url, newK)
		if db.MasterKeyVersion() != 2 {
			t.Errorf("MasterKeyVersion = %d, want 2", db.MasterKeyVersion())
		}
		if !bytes.Equal(db.WaIndex(contacts[0].WaID), indexBefore) {
			t.Error("blind index changed across rotation; look-ups by number would break")
		}
		view(t, db, func(tx *store.Tx) error {
			for _, c := range contacts {
				got, err := tx.ContactByWaID(c.WaID)
				if err != nil {
					return fmt.Errorf("contact %s after rotation: %w", c.WaID, err)
				}
				if ms, err := tx.ContactMessages(got.ID); err != nil || len(ms) != 2 || ms[0].Body != "body #0" {
					t.Errorf("messages of %s after rotation = %d, %v", c.WaID, len(ms), err)
				}
			}
			return nil
		})
		// The old key opens no wrapped key left in the database.
		oldRing := vault.NewKeyring(1, oldKey)
		rows, err := rawDB(t, url).Query("SELECT owner_id, wrapped FROM data_keys")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var owner string
			var w []byte
			rows.Scan(&owner, &w)
			n++
			if _, err := oldRing.Unwrap(owner, w); err == nil {
				t.Errorf("old master key still unwraps %s", owner)
			}
		}
		rows.Close()
		if n != 26 {
			t.Errorf("checked %d wrapped keys, want 26", n)
		}
	})
}

func TestMigrationsAreIdempotent(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		k := newKey(t)
		db := open(t, url, k)
		v1, err := db.SchemaVersion(context.Background())
		if err != nil || v1 < 1 {
			t.Fatalf("SchemaVersion = %d, %v", v1, err)
		}
		db.Close()
		db = open(t, url, k)
		if v2, _ := db.SchemaVersion(context.Background()); v2 != v1 {
			t.Errorf("SchemaVersion after reopen = %d, want %d", v2, v1)
		}
	})
}

func TestConversationAgentFieldsAndWaitingBefore(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		_, conv := seed(t, db, "34612000001", "", "hola", 0)
		_, other := seed(t, db, "34612000002", "", "hola", 0)
		t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
		update(t, db, func(tx *store.Tx) error {
			conv.State, conv.Language, conv.Failures, conv.WaitingSince = conversation.StateWaitingHuman, "en", 2, t0
			if err := tx.UpdateConversation(conv); err != nil {
				return err
			}
			other.State, other.WaitingSince, other.WaitExpired = conversation.StateWaitingHuman, t0, true
			return tx.UpdateConversation(other)
		})
		view(t, db, func(tx *store.Tx) error {
			got, err := tx.Conversation(conv.ID)
			if err != nil {
				return err
			}
			if got.Language != "en" || got.Failures != 2 || !got.WaitingSince.Equal(t0) || got.WaitExpired {
				t.Errorf("Conversation = %+v, want language en, 2 failures, waiting since %v", got, t0)
			}
			list, err := tx.WaitingBefore(time.Now(), 10)
			if err != nil {
				return err
			}
			if len(list) != 1 || list[0].ID != conv.ID {
				t.Errorf("WaitingBefore(now) = %d conversations, want only the one whose wait has not expired", len(list))
			}
			if list, _ := tx.WaitingBefore(t0, 10); len(list) != 0 {
				t.Errorf("WaitingBefore(its start) = %d conversations, want none", len(list))
			}
			return nil
		})
	})
}
