package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/consent"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/whatsapp"
	"github.com/trement/trement/internal/whatsapp/sim"
)

// TestStatusesTouchOnlyOutboundMessages: a delivery status naming the id of
// a message the customer sent is not applied to it.
func TestStatusesTouchOnlyOutboundMessages(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34611222000"
	ta.optIn(who)
	inWamid := ta.say(who, "¿cuánto tarda el envío?")
	ta.waitReplies(who, 3)
	ta.settle()
	body := []byte(fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1","phone_number_id":"106540352242922"},"statuses":[{"id":%q,"status":"failed","timestamp":"%d","recipient_id":%q,"errors":[{"code":131026,"title":"Message undeliverable"}]}]}}]}]}`,
		inWamid, time.Now().Unix(), who))
	if code := ta.postWebhook(body, ta.sign(body), "application/json"); code != 200 {
		t.Fatalf("status webhook = %d", code)
	}
	ta.settle()
	c := ta.contactOf(who)
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		ms, err := tx.ContactMessages(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Direction == conversation.In && (m.Status == conversation.StatusFailed || m.ErrorCode != 0) {
				t.Errorf("inbound message took an outbound status: %+v", m)
			}
		}
		return nil
	})
}

// TestSystemMessages: WhatsApp's notices about a customer are never
// answered or taken for consent; a number change moves the customer with a
// ledger entry, and the customer then writes from the new number as the
// same, opted-in customer; an identity change is a note for operators; a
// number change from a stranger starts nothing.
func TestSystemMessages(t *testing.T) {
	ta := startApp(t, appOpt{})
	const old, newer = "34611222111", "34611222999"
	ta.optIn(old)
	ta.settle()
	sent := len(ta.sim.Sent())
	sys := func(from string, s whatsapp.System) {
		t.Helper()
		before := len(ta.sim.Deliveries())
		if _, err := ta.sim.SendFromCustomer(sim.CustomerMessage{From: from, Message: &whatsapp.Message{Type: "system", System: &s}}); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); len(ta.sim.Deliveries()) == before && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		ta.settle()
	}
	sys(old, whatsapp.System{Type: conversation.SystemIdentityChanged, Body: "security code changed", Identity: "x"})
	sys(old, whatsapp.System{Type: conversation.SystemNumberChanged, Body: "User A changed from " + old + " to " + newer, WaID: newer, NewWaID: newer})
	sys("34611222333", whatsapp.System{Type: conversation.SystemNumberChanged, Body: "stranger", WaID: "34611222444", NewWaID: "34611222444"})
	var msgs []sim.SentMessage
	for _, m := range ta.sim.Sent()[sent:] {
		if m.Type != "read" {
			msgs = append(msgs, m)
		}
	}
	if len(msgs) != 0 {
		t.Errorf("system messages were answered: %+v", msgs)
	}
	if ta.contactOf(old) != nil {
		t.Error("the old number still has a contact")
	}
	c := ta.contactOf(newer)
	if c == nil || c.ConsentState != conversation.ConsentGranted {
		t.Fatalf("contact on the new number = %+v, want the opted-in customer", c)
	}
	if ta.contactOf("34611222333") != nil || ta.contactOf("34611222444") != nil {
		t.Error("a stranger's number change created a contact")
	}
	if l := ta.ledger(newer); !slices.Contains(l, consent.NumberChanged) || !slices.Contains(l, consent.OptIn) {
		t.Errorf("ledger under the new number = %v, want the opt-in and the number change", l)
	}
	var notes []string
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		ms, _ := tx.ContactMessages(c.ID)
		for _, m := range ms {
			if m.Type == conversation.TypeNote {
				notes = append(notes, m.Body)
			}
		}
		return nil
	})
	if len(notes) != 2 || !strings.Contains(notes[0], "identity") || !strings.Contains(notes[1], "changed their phone number") {
		t.Errorf("operator notes = %q, want the identity and number changes", notes)
	}
	// The customer carries on from the new number: answered, not asked
	// for consent again.
	ta.say(newer, "¿cuánto tarda el envío?")
	r := ta.waitReplies(newer, 1)
	if strings.Contains(r[0].Text, "Aviso de privacidad") || !strings.Contains(strings.ToLower(r[0].Text), "env") {
		t.Errorf("first reply on the new number = %q, want an answer", r[0].Text)
	}
}

// TestEveryInboundMessageIsMarkedRead: the consent answer and commands get
// their blue ticks too, not only stored questions.
func TestEveryInboundMessageIsMarkedRead(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34611222555"
	ta.optIn(who)
	ta.say(who, "PRIVACY")
	ta.waitReplies(who, 3)
	ta.settle()
	deadline := time.Now().Add(5 * time.Second)
	for {
		th, _ := ta.sim.Thread(who)
		var unread []string
		for _, m := range th.Messages {
			if m.Direction == "in" && m.Status != "read" {
				unread = append(unread, m.Type+":"+m.Text)
			}
		}
		if len(unread) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("inbound messages never marked read: %q", unread)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
