package store_test

import (
	"context"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// Every statement the driver runs is counted once, whether it runs
// prepared (a transaction prepares a query on its second use) or not, and
// every transaction once.
func TestSQLCountsStatementsAndTransactions(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		ctx := context.Background()
		s0, t0 := db.SQLCounts()
		items := []*conversation.InboxItem{{Payload: []byte(`{"a":1}`)}, {Payload: []byte(`{"a":2}`)}, {Payload: []byte(`{"a":3}`)}}
		if err := db.AppendInbox(ctx, items...); err != nil {
			t.Fatal(err)
		}
		s1, t1 := db.SQLCounts()
		// On PostgreSQL the commit also notifies the other replicas: one
		// pg_notify per batch of acknowledgements.
		want := int64(1)
		if db.Backend() == store.Postgres {
			want = 2
		}
		if s1-s0 != want || t1-t0 != 1 {
			t.Fatalf("appending 3 inbox items in one transaction counted %d statements and %d transactions, want %d (one multi-row INSERT, and the notification on PostgreSQL) and 1", s1-s0, t1-t0, want)
		}
		got, err := db.NextInbox(ctx, 10)
		if err != nil || len(got) != 3 {
			t.Fatalf("next inbox: %d items, %v", len(got), err)
		}
		s2, t2 := db.SQLCounts()
		if s2-s1 != 1 || t2 != t1 {
			t.Fatalf("one unprepared query outside a transaction counted %d statements and %d transactions, want 1 and 0", s2-s1, t2-t1)
		}
		if err := db.Update(ctx, func(tx *store.Tx) error {
			for _, k := range []string{"count:a", "count:b", "count:c"} {
				if _, err := tx.MarkSeen(k); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		s3, t3 := db.SQLCounts()
		if s3-s2 != 3 || t3-t2 != 1 {
			t.Fatalf("one query run 3 times in a transaction (prepared from its second run) counted %d statements and %d transactions, want 3 and 1", s3-s2, t3-t2)
		}
	})
}
