package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/vault"
)

func TestRetentionRunCommand(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34612000888"
	ta.optIn(who)
	ta.say(who, "¿cuánto tarda el envío?")
	ta.waitReplies(who, 3)
	ta.settle()
	ctx := context.Background()

	// Within the period nothing is due.
	if c, err := ta.app.purger.Run(ctx, nil); err != nil || c.Total() != 0 {
		t.Fatalf("a pass within the period removed %+v, %v", c, err)
	}
	if got := len(ta.storedBodies(who)); got != 1 {
		t.Fatalf("%d customer messages remain, want 1", got)
	}
	ta.stop()

	// A zero-day period, as a custom one: the dry run counts, the run
	// removes, the ledger stays.
	out := ta.command("retention", "run", "-dry-run", "-retention-days", "1")
	if !strings.Contains(out, "dry run: a pass now would remove 0 messages") {
		t.Errorf("dry run within a day said %q", out)
	}
	// Age the rows by two days, as if the period had passed.
	raw, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(ta.url, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour).UnixMilli()
	for _, q := range []string{"UPDATE messages SET created_at = ?", "UPDATE contacts SET updated_at = ?", "UPDATE conversations SET updated_at = ?"} {
		if _, err := raw.Exec(q, old); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	out = ta.command("retention", "run", "-dry-run", "-retention-days", "1")
	if !strings.Contains(out, "would remove 3 messages, 1 inactive customers") {
		t.Errorf("dry run said %q, want the 3 messages and the inactive customer counted", out)
	}
	out = ta.command("retention", "run", "-retention-days", "1")
	if !strings.Contains(out, "removed") || !strings.Contains(out, "1 inactive customers") {
		t.Errorf("run said %q", out)
	}
	mk, _ := vault.ParseMasterKey(ta.key)
	db, err := store.Open(ctx, store.Options{URL: ta.url, MasterKey: mk})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(ctx, func(tx *store.Tx) error {
		if _, err := tx.ContactByWaID(who); err == nil {
			t.Error("the inactive customer is still there")
		}
		evs, _ := tx.ConsentEvents(db.WaIndex(who))
		if len(evs) < 3 {
			t.Errorf("ledger after the purge = %d events, want the evidence kept and an erasure entry", len(evs))
		}
		audits, _ := tx.AuditEvents(audit.Filter{Action: "retention.purge"})
		if len(audits) != 1 || !strings.Contains(audits[0].Reason, "1 inactive customers") {
			t.Errorf("retention audit = %+v, want one pass naming what it removed", audits)
		}
		return nil
	})
}
