package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store"
)

func TestRetentionPurgeKeepsOnlyWhatIsYounger(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34612000888"
	ta.optIn(who)
	ta.say(who, "¿cuánto tarda el envío?")
	ta.waitReplies(who, 3)
	ta.settle()
	ctx := context.Background()

	// A cut-off before the conversation keeps everything.
	if err := ta.app.svc.Purge(ctx, time.Now().Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := len(ta.storedBodies(who)); got != 1 {
		t.Fatalf("after purging older-than-an-hour, %d customer messages remain, want 1", got)
	}
	// A cut-off after it removes the messages, keeps the consent evidence.
	if err := ta.app.svc.Purge(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := len(ta.storedBodies(who)); got != 0 {
		t.Errorf("after the retention period %d customer messages remain, want 0", got)
	}
	if got := ta.ledger(who); len(got) != 2 {
		t.Errorf("ledger after purge = %v, want the evidence kept", got)
	}
	var reasons []string
	ta.db.View(ctx, func(tx *store.Tx) error {
		evs, _ := tx.AuditEvents(audit.Filter{Action: "retention.purge"})
		for _, e := range evs {
			reasons = append(reasons, e.Reason)
		}
		return nil
	})
	if len(reasons) != 2 || !strings.Contains(reasons[1], "3 messages, 1 conversations") {
		t.Errorf("purge audit reasons = %q, want two passes, the second removing the 3 messages (welcome, question, answer) and the conversation", reasons)
	}
}
