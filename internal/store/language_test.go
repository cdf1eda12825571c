package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/store"
)

func TestOperatorLanguage(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		now := time.Now().UTC().Truncate(time.Millisecond)
		op := &auth.Operator{ID: store.NewID(), Username: "ana", Role: auth.RoleAgent, PasswordHash: "x", CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
		update(t, db, func(tx *store.Tx) error { return tx.CreateOperator(op) })
		view(t, db, func(tx *store.Tx) error {
			if l, err := tx.OperatorLanguage(op.ID); err != nil || l != "" {
				t.Errorf("OperatorLanguage before a choice = %q, %v; want empty", l, err)
			}
			return nil
		})
		update(t, db, func(tx *store.Tx) error { return tx.SetOperatorLanguage(op.ID, "pt") })
		view(t, db, func(tx *store.Tx) error {
			if l, err := tx.OperatorLanguage(op.ID); err != nil || l != "pt" {
				t.Errorf("OperatorLanguage = %q, %v; want pt", l, err)
			}
			if l, err := tx.OperatorLanguage("nobody"); err != nil || l != "" {
				t.Errorf("OperatorLanguage(nobody) = %q, %v", l, err)
			}
			return nil
		})
		update(t, db, func(tx *store.Tx) error {
			if err := tx.SetOperatorLanguage("nobody", "es"); !errors.Is(err, store.ErrNoOperator) {
				t.Errorf("SetOperatorLanguage(nobody) = %v, want ErrNoOperator", err)
			}
			return nil
		})
	})
}
