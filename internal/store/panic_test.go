package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// TestUpdatePanicReleasesTheWriter: a panic in an Update's function reaches
// its caller (net/http recovers a handler's) with the transaction rolled
// back, so the writer is free for the next Update, which runs durable even
// after a relaxed transaction panicked. On PostgreSQL a write transaction
// runs on a connection of its own (pipeline.go), whose Close waits for the
// transaction to end: without the rollback the panic never got past it.
func TestUpdatePanicReleasesTheWriter(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		durableWant := "2" // FULL
		if db.Backend() == store.Postgres {
			durableWant = "on"
		}
		for _, ctx := range []context.Context{context.Background(), conversation.Replayable(context.Background())} {
			got := make(chan any, 1)
			go func() {
				defer func() { got <- recover() }()
				db.Update(ctx, func(tx *store.Tx) error {
					if _, err := store.SyncSetting(tx); err != nil {
						return err
					}
					panic("boom")
				})
			}()
			select {
			case p := <-got:
				if p != "boom" {
					t.Fatalf("Update's caller recovered %v, want the function's panic", p)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("a panic in Update's function (replayable %v) has not reached the caller after 10s", conversation.IsReplayable(ctx))
			}
			uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			var s string
			err := db.Update(uctx, func(tx *store.Tx) error {
				var err error
				s, err = store.SyncSetting(tx)
				return err
			})
			cancel()
			if err != nil {
				t.Fatalf("Update after a panicking one (replayable %v): %v", conversation.IsReplayable(ctx), err)
			}
			if s != durableWant {
				t.Errorf("a durable Update after a panicking one runs with %s, want %s", s, durableWant)
			}
		}
	})
}
