package store_test

import (
	"context"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// TestRelaxedErasureWhoseSyncFailsStillDropsItsKey: an erasure committed
// relaxed (a settle round destroying a one-shot key is one) is made durable
// by a Sync after its commit; if that Sync fails, the erasure has still
// committed, so what follows its commit must still happen: the key cache
// drops the destroyed key again (a reader that began after the destroying
// statement, on a snapshot from before the commit, may have cached it).
// Before, a failed Sync returned before the after-commit work ran.
func TestRelaxedErasureWhoseSyncFailsStillDropsItsKey(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		if db.Backend() != store.SQLite {
			t.Skip("PostgreSQL commits are never relaxed")
		}
		c, _ := seed(t, db, "+34600111222", "Ana", "hola", 1)
		ctx, cancel := context.WithCancel(conversation.Replayable(context.Background()))
		defer cancel()
		db.OnCommit(func(ci store.CommitInfo) {
			if ci.Relaxed {
				cancel() // the Sync after it fails
			}
		})
		err := db.Update(ctx, func(tx *store.Tx) error {
			if err := tx.Erase(c.ID, store.Erasure{Basis: "test"}); err != nil {
				return err
			}
			return db.View(context.Background(), func(v *store.Tx) error {
				_, err := v.Contact(c.ID)
				return err
			})
		})
		db.OnCommit(nil)
		if err == nil {
			t.Fatal("the erasure's Sync ran with a cancelled context and succeeded: the test does not test anything")
		}
		if store.KeyCached(db, c.ID) {
			t.Errorf("after an erasure committed (its Sync failed: %v), the key cache still holds the erased contact's key", err)
		}
	})
}
