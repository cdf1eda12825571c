package store_test

import (
	"context"
	"testing"

	"github.com/trement/trement/internal/conversation"
)

// Every statement the driver runs is counted once, whether it runs
// prepared (AppendInbox prepares one INSERT for the batch) or not, and
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
		if s1-s0 != 3 || t1-t0 != 1 {
			t.Fatalf("appending 3 inbox items in one transaction counted %d statements and %d transactions, want 3 and 1", s1-s0, t1-t0)
		}
		got, err := db.NextInbox(ctx, 10)
		if err != nil || len(got) != 3 {
			t.Fatalf("next inbox: %d items, %v", len(got), err)
		}
		s2, t2 := db.SQLCounts()
		if s2-s1 != 1 || t2 != t1 {
			t.Fatalf("one unprepared query outside a transaction counted %d statements and %d transactions, want 1 and 0", s2-s1, t2-t1)
		}
	})
}
