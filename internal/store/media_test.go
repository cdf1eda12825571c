package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// TestMessageMedia: a customer's file is queued with its message, claimed
// by one worker at a time, kept sealed once downloaded, readable only
// with the contact's key, and deleted with its message.
func TestMessageMedia(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		c, conv := seed(t, db, "34612777777", "Ana", "look", 2)
		var ids []string
		view(t, db, func(tx *store.Tx) error {
			ms, err := tx.Messages(conv.ID, 10)
			for _, m := range ms {
				ids = append(ids, m.ID)
			}
			return err
		})
		photo := bytes.Repeat([]byte{0xff, 0xd8, 'j', 'p', 'g'}, 1000)
		ref := conversation.MediaRef{ID: "1003383421387256", MimeType: "image/jpeg", SHA256: "abc=", Filename: "box.jpg"}
		update(t, db, func(tx *store.Tx) error {
			for _, id := range ids {
				if err := tx.QueueMedia(&conversation.Media{MessageID: id, ContactID: c.ID, Ref: ref}); err != nil {
					return err
				}
			}
			if err := tx.QueueMedia(&conversation.Media{MessageID: ids[0], ContactID: c.ID, Ref: ref}); !errors.Is(err, conversation.ErrDuplicate) {
				t.Errorf("QueueMedia twice = %v, want ErrDuplicate", err)
			}
			return nil
		})
		if n, _, err := db.MediaBacklog(context.Background()); n != 2 || err != nil {
			t.Errorf("MediaBacklog = %d, %v; want 2 waiting", n, err)
		}
		var claimed []*conversation.Media
		update(t, db, func(tx *store.Tx) error {
			var err error
			claimed, err = tx.ClaimMedia(tx.Now.Add(time.Minute), 10)
			return err
		})
		if len(claimed) != 2 || claimed[0].Ref != ref || claimed[0].Attempts != 1 || claimed[0].State != conversation.MediaPending {
			t.Fatalf("ClaimMedia = %+v, want both files, attempt 1, with the webhook's reference", claimed)
		}
		update(t, db, func(tx *store.Tx) error {
			again, err := tx.ClaimMedia(tx.Now.Add(time.Minute), 10)
			if len(again) != 0 {
				t.Errorf("ClaimMedia while leased = %d files, want none", len(again))
			}
			if err != nil {
				return err
			}
			if err := tx.StoreMedia(ids[0], "image/png", photo); err != nil {
				return err
			}
			return tx.FailMedia(ids[1], "mismatch")
		})
		if n, oldest, err := db.MediaBacklog(context.Background()); n != 0 || oldest != 0 || err != nil {
			t.Errorf("MediaBacklog = %d, %v, %v; want none waiting", n, oldest, err)
		}
		view(t, db, func(tx *store.Tx) error {
			m, err := tx.MessageMedia(ids[0], true)
			if err != nil || m.State != conversation.MediaStored || !bytes.Equal(m.Data, photo) || m.Size != int64(len(photo)) || m.Ref.MimeType != "image/png" || m.Ref.Filename != "box.jpg" {
				t.Errorf("MessageMedia(stored) = %+v, %v; want the photo, as image/png", m, err)
			}
			m, err = tx.MessageMedia(ids[1], true)
			if err != nil || m.State != conversation.MediaFailed || m.LastError != "mismatch" || m.Data != nil {
				t.Errorf("MessageMedia(failed) = %+v, %v; want failed, no data", m, err)
			}
			all, err := tx.ConversationMedia(conv.ID)
			if err != nil || len(all) != 2 || all[ids[0]].Data != nil {
				t.Errorf("ConversationMedia = %v, %v; want both, without data", all, err)
			}
			return nil
		})

		// Retention deletes the message: the file goes with it (the store
		// opens SQLite with foreign keys on; so does this connection).
		raw := rawDB(t, url)
		if strings.HasPrefix(url, "sqlite:") {
			var err error
			if raw, err = sql.Open("sqlite", "file:"+strings.TrimPrefix(url, "sqlite:")+"?_pragma=foreign_keys(1)"); err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
		}
		if _, err := raw.Exec(q(url, "DELETE FROM messages WHERE id = ?"), ids[1]); err != nil {
			t.Fatal(err)
		}
		var n int
		raw.QueryRow(q(url, "SELECT COUNT(*) FROM message_media WHERE message_id = ?"), ids[1]).Scan(&n)
		if n != 0 {
			t.Errorf("%d media rows left after their message was deleted, want 0", n)
		}
		// Crypto-shredding: with the key gone the file does not open.
		update(t, db, func(tx *store.Tx) error { return tx.DestroyDataKey(c.ID) })
		view(t, db, func(tx *store.Tx) error {
			if _, err := tx.MessageMedia(ids[0], true); !errors.Is(err, store.ErrErased) {
				t.Errorf("MessageMedia after the key was destroyed = %v, want ErrErased", err)
			}
			return nil
		})
	})
}
