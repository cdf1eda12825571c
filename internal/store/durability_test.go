package store_test

import (
	"context"
	"testing"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// TestReplayableCommitsRelaxOnlyThemselves checks the durability setting
// each transaction really runs with: a transaction begun with a context
// conversation.Replayable marks runs relaxed on SQLite (synchronous=NORMAL;
// PostgreSQL keeps synchronous_commit=on); every other one, the next durable
// transaction, a statement run on its own after a relaxed transaction, a
// read, the inbox's acknowledgement and Sync's barrier run durable.
func TestReplayableCommitsRelaxOnlyThemselves(t *testing.T) {
	eachBackend(t, func(t *testing.T, url, _ string) {
		db := open(t, url, newKey(t))
		ctx := context.Background()
		relaxedWant, durableWant := "1", "2" // NORMAL, FULL
		if db.Backend() == store.Postgres {
			relaxedWant, durableWant = "on", "on"
		}
		setting := func(ctx context.Context) string {
			t.Helper()
			var s string
			if err := db.Update(ctx, func(tx *store.Tx) error {
				var err error
				s, err = store.SyncSetting(tx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return s
		}
		alone := func(inbox bool) string {
			t.Helper()
			s, err := store.WriterSyncSetting(db, inbox)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		rctx := conversation.Replayable(ctx)
		r0, w0 := db.RelaxedCommits()
		if got := setting(ctx); got != durableWant {
			t.Errorf("a transaction runs with %s, want %s", got, durableWant)
		}
		for i := range 2 { // a second relaxed one in a row changes nothing
			if got := setting(rctx); got != relaxedWant {
				t.Errorf("replayable transaction %d runs with %s, want %s", i, got, relaxedWant)
			}
		}
		if got := alone(false); got != durableWant {
			t.Errorf("a statement on its own after a replayable transaction runs with %s, want %s", got, durableWant)
		}
		setting(rctx)
		if got := setting(ctx); got != durableWant {
			t.Errorf("a transaction after a replayable one runs with %s, want %s", got, durableWant)
		}
		if got := setting(conversation.Durable(rctx)); got != durableWant {
			t.Errorf("a transaction whose context Durable unmarked runs with %s, want %s", got, durableWant)
		}
		wantRelaxed := int64(3)
		if db.Backend() == store.Postgres {
			wantRelaxed = 0
		}
		if r, w := db.RelaxedCommits(); r-r0 != wantRelaxed || w-w0 != 6 {
			t.Errorf("RelaxedCommits moved by %d of %d, want %d of 6", r-r0, w-w0, wantRelaxed)
		}
		// The inbox: its deletions may relax, its acknowledgements never.
		for _, c := range []struct {
			ctx  context.Context
			want string
		}{{rctx, relaxedWant}, {ctx, durableWant}, {rctx, relaxedWant}} {
			got, err := store.InboxSyncSetting(c.ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("inbox transaction (replayable %v) runs with %s, want %s", conversation.IsReplayable(c.ctx), got, c.want)
			}
		}
		if err := db.AppendInbox(rctx, &conversation.InboxItem{Payload: []byte("{}")}); err != nil {
			t.Fatal(err)
		}
		if got := alone(true); got != durableWant {
			t.Errorf("the inbox writer rests at %s after an acknowledgement, want %s", got, durableWant)
		}
		// Sync writes its barrier durably, once per batch of relaxed commits.
		var commits []store.CommitInfo
		db.OnCommit(func(c store.CommitInfo) { commits = append(commits, c) })
		setting(rctx)
		for range 2 {
			if err := db.Sync(rctx); err != nil {
				t.Fatal(err)
			}
		}
		db.OnCommit(nil)
		if db.Backend() == store.Postgres {
			if len(commits) != 1 || commits[0].Relaxed {
				t.Errorf("commits around Sync: %+v, want one, durable, and no barrier", commits)
			}
		} else if len(commits) != 2 || !commits[0].Relaxed || commits[1].Relaxed {
			t.Errorf("commits around Sync: %+v, want one relaxed then one barrier, durable", commits)
		}
	})
}
