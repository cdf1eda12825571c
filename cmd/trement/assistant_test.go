package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// Conversations through the simulator showing how the assistant behaves
// (issue 12): the customer's language per message, no silent dead ends,
// waiting for a person, the first question kept, the typing indicator.

// ask sends text and waits for exactly one more reply, which it returns.
func (ta *testApp) ask(who, text string) sim.ThreadMessage {
	ta.t.Helper()
	n := len(ta.replies(who))
	ta.say(who, text)
	r := ta.waitReplies(who, n+1)
	return r[n]
}

func (ta *testApp) inbound(who, wamid string) sim.ThreadMessage {
	ta.t.Helper()
	th, _ := ta.sim.Thread(who)
	for _, m := range th.Messages {
		if m.ID == wamid {
			return m
		}
	}
	ta.t.Fatalf("no inbound message %s from %s", wamid, who)
	return sim.ThreadMessage{}
}

func TestLanguageFollowsEachMessageWithoutFlipping(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34600100200" // a Spanish number
	ta.optIn(who)
	if r := ta.ask(who, "How long does shipping to Madrid take?"); !strings.Contains(r.Text, "working days") {
		t.Errorf("English question from a Spanish number answered %q, want English", r.Text)
	}
	if r := ta.ask(who, "HELP"); !strings.Contains(r.Text, "You can write") {
		t.Errorf("HELP answered %q, want the English list", r.Text)
	}
	if r := ta.ask(who, "¿cuánto tarda el envío a Canarias?"); !strings.Contains(r.Text, "días laborables") {
		t.Errorf("Spanish question after an English command answered %q, want Spanish", r.Text)
	}
	// "gracias" is Spanish; "ok" says nothing and keeps the last language.
	if r := ta.ask(who, "ok"); !strings.Contains(r.Text, "De nada") {
		t.Errorf("\"ok\" answered %q, want Spanish (the language last written)", r.Text)
	}
	if c := ta.contactOf(who); c.Language != "es" {
		t.Errorf("contact language = %s, want es (the region's, never flipped)", c.Language)
	}
}

func TestConsentNoticeInTheLawsLanguageAndTheCustomers(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34600100201"
	ta.say(who, "hi, do you ship to Germany?")
	r := ta.waitReplies(who, 1)
	all := ""
	for _, m := range r {
		all += m.Text + "\n"
	}
	last := r[len(r)-1]
	if !strings.Contains(all, "asistente de IA") || !strings.Contains(all, "AI assistant") {
		t.Errorf("notice = %q, want it in Spanish (the law's) and English (the customer's)", all)
	}
	if len(last.Buttons) != 2 || !strings.Contains(last.Buttons[0].Title, "Aceptar") || !strings.Contains(last.Buttons[0].Title, "Accept") {
		t.Errorf("buttons = %+v, want bilingual titles", last.Buttons)
	}
}

func TestOffTopicGetsAPoliteReplyThenTheNextQuestionIsAnswered(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "14155550301"
	ta.optIn(who)
	r := ta.ask(who, "what's the capital of Australia?")
	if !strings.Contains(r.Text, "HUMAN") || !strings.Contains(r.Text, "returns") {
		t.Errorf("off-topic reply = %q, want what the assistant can help with and the offer of a person", r.Text)
	}
	ta.settle()
	if st := ta.stateOf(who); st != conversation.StateBot {
		t.Fatalf("after one off-topic question state = %s, want bot", st)
	}
	if r := ta.ask(who, "ok, what are your store hours?"); !strings.Contains(r.Text, "10:00") {
		t.Errorf("store hours answered %q, want the opening hours", r.Text)
	}
}

func TestWaitingWithNoOperatorOnline(t *testing.T) {
	// Long enough that a loaded machine settles the silent question before
	// the wait runs out.
	ta := startApp(t, appOpt{args: []string{"-human-wait", "5s", "-business-hours", ""}})
	const who = "14155550302"
	ta.optIn(who)
	r := ta.ask(who, "I want to talk to a person")
	if !strings.Contains(r.Text, "within 1 minute") {
		t.Errorf("hand-over = %q, want when to expect a person", r.Text)
	}
	// While it waits the assistant is silent, and shows no typing.
	n := len(ta.replies(who))
	id := ta.say(who, "how long does shipping take?")
	ta.settle()
	if got := ta.replies(who); len(got) != n {
		t.Fatalf("while waiting the bot sent %q, want silence", got[n].Text)
	}
	if ta.inbound(who, id).TypingShown {
		t.Error("typing indicator shown though no reply follows")
	}
	// No one takes it: the customer is told and can use the assistant.
	r = ta.waitReplies(who, n+1)[n]
	if !strings.Contains(r.Text, "No one from our team is free") {
		t.Errorf("after the wait the customer got %q, want to be told no one is free", r.Text)
	}
	if r := ta.ask(who, "what are your store hours?"); !strings.Contains(r.Text, "10:00") {
		t.Errorf("after the wait expired the question got %q, want an answer", r.Text)
	}
	if st := ta.stateOf(who); st != conversation.StateWaitingHuman {
		t.Errorf("state = %s, want still waiting_human (in the queue)", st)
	}
}

func TestHandOverOutsideBusinessHoursSaysSo(t *testing.T) {
	// Open only on a day that is not today, in UTC.
	day := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}[(time.Now().UTC().Weekday()+3)%7]
	ta := startApp(t, appOpt{args: []string{"-business-hours", day + " 09:00-17:00", "-timezone", "UTC"}})
	const who = "34600100203"
	ta.optIn(who)
	r := ta.ask(who, "quiero hablar con una persona")
	if !strings.Contains(r.Text, "09:00–17:00 (UTC)") || !strings.Contains(r.Text, "fuera de ese horario") {
		t.Errorf("hand-over outside hours = %q, want the hours, the zone and that it is outside them", r.Text)
	}
}

func TestHandBackTellsTheCustomer(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "5511912340000"
	ta.optIn(who)
	ta.ask(who, "quero falar com um atendente")
	ta.settle()
	c := ta.contactOf(who)
	var convID string
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		conv, err := tx.OpenConversation(c.ID, "106540352242922")
		if err == nil {
			convID = conv.ID
		}
		return err
	})
	n := len(ta.replies(who))
	ev := &audit.Event{ActorType: "operator", ActorID: "op-1", Action: audit.ActionConversationBack, Target: "conversation:" + convID, Outcome: "success"}
	if err := ta.app.svc.HandBack(context.Background(), convID, ev); err != nil {
		t.Fatal(err)
	}
	r := ta.waitReplies(who, n+1)[n]
	if !strings.Contains(r.Text, "assistente de IA") {
		t.Errorf("after hand-back the customer got %q, want to be told the assistant is back (in Portuguese)", r.Text)
	}
	if r := ta.ask(who, "quanto tempo demora a entrega?"); !strings.Contains(r.Text, "dias úteis") {
		t.Errorf("after hand-back the question got %q, want an answer", r.Text)
	}
	// Handing back a conversation the assistant already has says nothing.
	n = len(ta.replies(who))
	if err := ta.app.svc.HandBack(context.Background(), convID, ev); err != nil {
		t.Fatal(err)
	}
	// An operator who has it keeps it when the customer asks for a person.
	take := &audit.Event{ActorType: "operator", ActorID: "op-1", Action: audit.ActionConversationTake, Target: "conversation:" + convID, Outcome: "success"}
	if err := ta.app.svc.Take(context.Background(), convID, "op-1", take); err != nil {
		t.Fatal(err)
	}
	id := ta.say(who, "ATENDENTE")
	ta.settle()
	time.Sleep(100 * time.Millisecond)
	if got := ta.replies(who); len(got) != n {
		t.Errorf("got %d more messages (%q), want none: a second hand-back and a HUMAN to an operator say nothing", len(got)-n, got[len(got)-1].Text)
	}
	if st := ta.stateOf(who); st != conversation.StateHuman {
		t.Errorf("state after HUMAN to an operator = %s, want human", st)
	}
	if ta.inbound(who, id).TypingShown {
		t.Error("typing shown for a message the operator answers")
	}
}

func TestFirstQuestionIsAnsweredAfterConsent(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "14155550304"
	q := ta.say(who, "how long does shipping to Madrid take?")
	ta.waitReplies(who, 1)
	ta.settle()
	if got := ta.storedBodies(who); len(got) != 0 {
		t.Fatalf("before consent stored %q, want nothing", got)
	}
	ta.tap(who, conversation.ButtonAccept)
	r := ta.waitReplies(who, 3)
	if !strings.Contains(r[1].Text, "your question") {
		t.Errorf("after accepting = %q, want the answer announced", r[1].Text)
	}
	if !strings.Contains(r[2].Text, "working days") || r[2].ReplyTo != q {
		t.Errorf("answer = %q quoting %q, want the delivery times quoting the first question %q", r[2].Text, r[2].ReplyTo, q)
	}
	if !ta.inbound(who, q).TypingShown {
		t.Error("the simulator saw no typing indicator for the question")
	}

	// Declined: the question is dropped, and not answered after a later yes.
	const other = "14155550305"
	ta.say(other, "can I pay with PayPal?")
	ta.waitReplies(other, 1)
	ta.tap(other, conversation.ButtonDecline)
	ta.waitReplies(other, 2)
	ta.say(other, "hello")
	ta.waitReplies(other, 3)
	ta.tap(other, conversation.ButtonAccept)
	ta.waitReplies(other, 4)
	ta.settle()
	time.Sleep(100 * time.Millisecond)
	if got := ta.replies(other); len(got) != 4 || strings.Contains(got[3].Text, "PayPal") {
		t.Errorf("after a decline then a yes the customer got %d replies, last %q, want the question forgotten", len(got), got[len(got)-1].Text)
	}
}

func TestSeveralQuestionsQuoteTheOneAnswered(t *testing.T) {
	// A slow model: the second question arrives before the first answer.
	ta, _ := startWithLLM(t, func(user string) string {
		if strings.Contains(user, "paypal") {
			time.Sleep(400 * time.Millisecond)
			return "Yes, we accept PayPal."
		}
		return "Our stores open at 10:00."
	})
	const who = "14155550306"
	ta.optIn(who)
	n := len(ta.replies(who))
	first := ta.say(who, "do you accept paypal?")
	time.Sleep(50 * time.Millisecond)
	second := ta.say(who, "and what are your store hours?")
	r := ta.waitReplies(who, n+2)
	if r[n].ReplyTo != "" {
		t.Errorf("first answer quotes %q, want no quote (nothing else was open when it was asked)", r[n].ReplyTo)
	}
	if r[n+1].ReplyTo != second || second == first {
		t.Errorf("second answer quotes %q, want the second question %q", r[n+1].ReplyTo, second)
	}
}
