package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// A real message id: "HBgLMTY1MDM4Nzk0Mzk" is base64 of the number 16503879439.
const realWamid = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTdBNjg3RkRGRDg2NzBBQkVGRQA="

// rawWamids counts stored message ids in clear, in every table that holds one.
func rawWamids(t *testing.T, url string) int {
	t.Helper()
	raw := rawDB(t, url)
	n := 0
	for _, qy := range []string{
		"SELECT COUNT(*) FROM messages WHERE wa_message_id LIKE 'wamid.%'",
		"SELECT COUNT(*) FROM messages WHERE reply_to_wamid LIKE 'wamid.%'",
		"SELECT COUNT(*) FROM seen_events WHERE key LIKE '%wamid.%'",
		"SELECT COUNT(*) FROM consent_events WHERE wa_message_id LIKE 'wamid.%'",
	} {
		var c int
		if err := raw.QueryRow(qy).Scan(&c); err != nil {
			t.Fatal(err)
		}
		n += c
	}
	return n
}

func TestMessageIDsStoredOnlyAsBlindIndexOrSealed(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		c, conv := seed(t, db, "16503879439", "", "hi", 0)
		in := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.In, WAMessageID: realWamid, Type: "text", Body: "hola", Author: "customer", Status: conversation.StatusReceived}
		out := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.Out, Type: "text", Body: "hi!", Author: "bot", Status: conversation.StatusQueued}
		update(t, db, func(tx *store.Tx) error {
			if first, err := tx.MarkSeen("m:" + realWamid); err != nil || !first {
				t.Errorf("MarkSeen first = %v, %v", first, err)
			}
			if err := tx.InsertMessage(in); err != nil {
				return err
			}
			if err := tx.InsertMessage(out); err != nil {
				return err
			}
			if err := tx.SetMessageSent(out.ID, realWamid+"OUT"); err != nil {
				return err
			}
			return tx.AppendConsent(&consent.Event{ContactID: c.ID, WaIndex: db.WaIndex(c.WaID), Kind: consent.OptIn, Region: "CA", Channel: "whatsapp", WAMessageID: realWamid})
		})
		if n := rawWamids(t, url); n != 0 {
			t.Errorf("%d message ids stored in clear, want 0", n)
		}
		update(t, db, func(tx *store.Tx) error {
			if again, _ := tx.MarkSeen("m:" + realWamid); again {
				t.Error("a redelivered message id was not recognised")
			}
			if changed, err := tx.ApplyStatus(realWamid+"OUT", conversation.StatusDelivered, 0, ""); err != nil || !changed {
				t.Errorf("ApplyStatus by raw id = %v, %v; want the message found by its index", changed, err)
			}
			m, err := tx.Message(in.ID)
			if err != nil || m.WAMessageID != realWamid {
				t.Errorf("Message().WAMessageID = %q, %v; want the raw id back (to mark read and quote)", m.WAMessageID, err)
			}
			evs, _ := tx.ConsentEvents(db.WaIndex(c.WaID))
			if len(evs) != 1 || strings.Contains(evs[0].WAMessageID, "wamid.") || evs[0].WAMessageID != db.WamidIndex(realWamid) {
				t.Errorf("ledger message id = %q, want the blind index", evs[0].WAMessageID)
			}
			return nil
		})
	})
}

// TestStoredMessageIDsAreMigrated writes ids in clear as an older trement
// did and opens the database: they become blind indexes and sealed copies.
func TestStoredMessageIDsAreMigrated(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		k := newKey(t)
		db := open(t, url, k)
		c, conv := seed(t, db, "16503879439", "", "hi", 0)
		m := &conversation.Message{ConversationID: conv.ID, ContactID: c.ID, Direction: conversation.Out, Type: "text", Body: "x", Author: "bot", Status: conversation.StatusSent}
		update(t, db, func(tx *store.Tx) error { return tx.InsertMessage(m) })
		db.Close()
		raw := rawDB(t, url)
		for _, s := range []struct {
			q    string
			args []any
		}{
			{"UPDATE messages SET wa_message_id = ?, wa_message_id_enc = NULL WHERE id = ?", []any{realWamid, m.ID}},
			{"INSERT INTO seen_events (key, seen_at) VALUES (?, 1)", []any{"s:" + realWamid + ":read"}},
			{"INSERT INTO consent_events (contact_id, wa_index, kind, notice_version, purpose, region, channel, wa_message_id, created_at) VALUES (?, ?, 'opt_in', 'v', 'p', 'CA', 'whatsapp', ?, 1)", []any{c.ID, []byte("idx"), realWamid}},
		} {
			if _, err := raw.Exec(qn(url, s.q), s.args...); err != nil {
				t.Fatal(err)
			}
		}
		if rawWamids(t, url) != 3 {
			t.Fatal("the old-format rows were not written")
		}
		db = open(t, url, k)
		if n := rawWamids(t, url); n != 0 {
			t.Errorf("after open %d message ids remain in clear, want 0", n)
		}
		update(t, db, func(tx *store.Tx) error {
			got, err := tx.Message(m.ID)
			if err != nil || got.WAMessageID != realWamid {
				t.Errorf("migrated Message().WAMessageID = %q, %v", got.WAMessageID, err)
			}
			if again, _ := tx.MarkSeen("s:" + realWamid + ":read"); again {
				t.Error("a migrated de-duplication key no longer de-duplicates")
			}
			if _, err := tx.ApplyStatus(realWamid, conversation.StatusRead, 0, ""); err != nil {
				t.Errorf("ApplyStatus after migration: %v", err)
			}
			return nil
		})
	})
}

// qn rebinds every ? to $1, $2… for PostgreSQL.
func qn(url, query string) string {
	if strings.HasPrefix(url, "sqlite:") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
