package main

import (
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// templatesTo counts the templates the simulator accepted for a customer.
func (ta *testApp) templatesTo(who string) int {
	n := 0
	for _, m := range ta.sim.Sent() {
		if m.To == who && m.Type == "template" {
			n++
		}
	}
	return n
}

// TestWindowClosedStatusFallsBackToTemplate: Meta accepts a reply and
// then reports 131047 in a failed status webhook, as it usually does; the
// configured template goes out instead, kept as a message, and a template
// failing the same way gets no template of its own.
func TestWindowClosedStatusFallsBackToTemplate(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-template-name", "support_followup", "-template-language", "en_US", "-mark-read=false"}})
	const who, again = "14155550171", "14155550172"
	ta.optIn(who)
	ta.optIn(again)
	ta.settle()

	ta.sim.InjectFault(sim.FaultWindowClosedAsync, 1)
	ta.say(who, "how long does shipping take?")
	waitFor(t, "the template after a failed status", func() bool { return ta.templatesTo(who) == 1 })
	ta.settle()
	var failed, tpl int
	for _, m := range ta.contactMessages(who) {
		if m.Direction != conversation.Out {
			continue
		}
		if m.Status == conversation.StatusFailed && m.ErrorCode == 131047 {
			failed++
		}
		if m.Type == "template" && m.Status != conversation.StatusFailed {
			tpl++
		}
	}
	if failed != 1 || tpl != 1 {
		t.Errorf("stored: %d replies failed with 131047, %d templates; want 1 and 1", failed, tpl)
	}

	// The reply and the template both fail: one template, no loop.
	ta.sim.InjectFault(sim.FaultWindowClosedAsync, 2)
	ta.say(again, "how long does shipping take?")
	waitFor(t, "the template", func() bool { return ta.templatesTo(again) == 1 })
	ta.settle()
	time.Sleep(300 * time.Millisecond)
	ta.settle()
	if n := ta.templatesTo(again); n != 1 {
		t.Errorf("%d templates sent after the template itself failed with 131047, want 1", n)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
