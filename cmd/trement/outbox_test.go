package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// optIn takes a customer through the consent question.
func (ta *testApp) optIn(who string) {
	ta.t.Helper()
	n := len(ta.replies(who))
	ta.say(who, "hello")
	ta.waitReplies(who, n+1)
	ta.tap(who, conversation.ButtonAccept)
	ta.waitReplies(who, n+2)
}

func (ta *testApp) outboxStates() map[conversation.OutboxState]int {
	var c map[conversation.OutboxState]int
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		var err error
		c, err = tx.OutboxCounts()
		return err
	})
	return c
}

func TestOutboundRetriesLoseNothingAndSendNothingTwice(t *testing.T) {
	ta := startApp(t, appOpt{})
	customers := []string{"14155550101", "14155550102", "14155550103", "14155550104"}
	for _, c := range customers {
		ta.optIn(c)
	}
	ta.settle()
	faults := []struct {
		f sim.Fault
		n int
	}{{sim.FaultRateLimit, 3}, {sim.FaultServerError, 2}, {sim.FaultUnavailable, 2}, {sim.FaultPairRateLimit, 1}}
	for _, f := range faults {
		if err := ta.sim.InjectFault(f.f, f.n); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range customers {
		ta.say(c, "how long does shipping take?")
	}
	for _, c := range customers {
		ta.waitReplies(c, 3)
	}
	ta.settle()
	time.Sleep(300 * time.Millisecond)
	if left := ta.sim.PendingFaults(); len(left) != 0 {
		t.Errorf("faults not consumed: %v", left)
	}
	for _, c := range customers {
		if got := len(ta.replies(c)); got != 3 {
			t.Errorf("customer %s got %d messages, want 3", c, got)
		}
	}
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
	if ta.app.svc.Stats.SendRetries.Load() < 8 {
		t.Errorf("SendRetries = %d, want at least the 8 injected faults", ta.app.svc.Stats.SendRetries.Load())
	}
}

func TestTimedOutSendIsResentOnlyAfterReconciliationWindow(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-graph-timeout", "1s", "-reconcile-after", "2s", "-mark-read=false"}})
	const who = "14155550111"
	ta.optIn(who)
	ta.settle()
	if err := ta.sim.InjectFault(sim.FaultHang, 1); err != nil {
		t.Fatal(err)
	}
	ta.say(who, "how long does shipping take?")
	// The hung request never reached Meta's books: the reply arrives once,
	// after the client timeout and the reconciliation window.
	r := ta.waitReplies(who, 3)
	time.Sleep(500 * time.Millisecond)
	if got := len(ta.replies(who)); got != 3 {
		t.Errorf("customer got %d messages, want 3", got)
	}
	if ta.app.svc.Stats.SendUnknown.Load() == 0 {
		t.Error("the timeout was not treated as an unknown outcome")
	}
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
	t.Logf("reply after timeout: %.40q", r[2].Text)
}

// loseAnswers sends for real but reports the first n answers as lost, as
// when the process dies between Meta's 200 and the bookkeeping.
type loseAnswers struct {
	conversation.Sender
	left atomic.Int32
}

func (l *loseAnswers) Send(ctx context.Context, phone string, out conversation.Outbound, cb string) (string, error) {
	id, err := l.Sender.Send(ctx, phone, out, cb)
	if err == nil && out.Read == "" && l.left.Add(-1) >= 0 {
		return "", &conversation.SendError{Action: conversation.SendUnknown, Err: fmt.Errorf("answer lost")}
	}
	return id, err
}

func TestLostAnswerIsReconciledFromStatusWebhooks(t *testing.T) {
	lose := &loseAnswers{}
	ta := startApp(t, appOpt{wrap: func(s conversation.Sender) conversation.Sender { lose.Sender = s; return lose }})
	const who = "14155550121"
	ta.optIn(who)
	ta.settle()
	lose.left.Store(1)
	ta.say(who, "how long does shipping take?")
	ta.waitReplies(who, 3)
	deadline := time.Now().Add(10 * time.Second)
	for ta.app.svc.Stats.Reconciled.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if ta.app.svc.Stats.Reconciled.Load() == 0 {
		t.Fatal("the send whose answer was lost was never reconciled")
	}
	ta.settle()
	if c := ta.outboxStates(); c[conversation.OutboxUnknown] != 0 {
		t.Errorf("outbox still has %d unknown items", c[conversation.OutboxUnknown])
	}
	if got := len(ta.replies(who)); got != 3 {
		t.Errorf("customer got %d messages, want 3", got)
	}
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
}

func TestExpiredTokenPausesSendingUntilResumed(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	const who = "14155550131"
	ta.optIn(who)
	ta.settle()
	ta.sim.InjectFault(sim.FaultAuth, 1)
	ta.say(who, "how long does shipping take?")
	deadline := time.Now().Add(10 * time.Second)
	for !ta.app.svc.Stats.Paused.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !ta.app.svc.Stats.Paused.Load() {
		t.Fatal("sending was not paused after Meta refused the token")
	}
	time.Sleep(300 * time.Millisecond)
	if got := len(ta.replies(who)); got != 2 {
		t.Fatalf("while paused the customer got %d messages, want 2", got)
	}
	if err := ta.app.svc.ResumeSending(context.Background()); err != nil {
		t.Fatal(err)
	}
	ta.waitReplies(who, 3)
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
}

func TestClosedWindowFallsBackToTemplate(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-template-name", "support_followup", "-template-language", "en_US", "-mark-read=false"}})
	const who = "14155550141"
	ta.optIn(who)
	ta.settle()
	ta.sim.InjectFault(sim.FaultWindowClosed, 1)
	ta.say(who, "how long does shipping take?")
	r := ta.waitReplies(who, 3)
	if r[2].Type != "template" {
		t.Errorf("after 131047 the customer got a %q message, want the template", r[2].Type)
	}
}
