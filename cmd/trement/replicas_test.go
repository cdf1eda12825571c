package main

import (
	"context"

	"fmt"
	"github.com/trement/trement/internal/store"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

// TestTwoReplicasShareOnePostgres runs two trement replicas on one
// PostgreSQL database, each receiving webhooks for different customers,
// both sending to the same Graph API. Every customer gets every reply once.
func TestTwoReplicasShareOnePostgres(t *testing.T) {
	url, _ := storetest.NewPostgres(t)
	key := vault.GenerateKey()
	a := startApp(t, appOpt{url: url, key: key})
	b := startApp(t, appOpt{url: url, key: key, graph: a.app.dev.url})
	const perReplica = 6
	var whos []string
	for i := range perReplica {
		for j, ta := range []*testApp{a, b} {
			who := fmt.Sprintf("3461%d%06d", j, i)
			whos = append(whos, who)
			ta.say(who, "hola")
		}
	}
	// Every greeting reaches the shared Graph API (simulator a's).
	deadline := time.Now().Add(20 * time.Second)
	for len(a.sim.Sent()) < len(whos) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := len(a.sim.Sent()); got != len(whos) {
		t.Fatalf("the Graph API got %d greetings, want %d", got, len(whos))
	}
	if d := a.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
	for _, who := range whos {
		c := a.contactOf(who)
		if c == nil || c.ConsentState != "pending" {
			t.Errorf("contact %s = %+v, want one pending contact", who, c)
		}
	}
	// A conversation through replica b: typed consent, then a question;
	// the replies reach the shared Graph API, whoever processed them.
	const who = "34619000999"
	b.say(who, "hola")
	a.waitReplies(who, 1)
	b.say(who, "sí")
	a.waitReplies(who, 2)
	b.say(who, "¿cuánto tarda el envío?")
	r := a.waitReplies(who, 3)
	if !strings.Contains(strings.ToLower(r[2].Text), "envío") {
		t.Errorf("answer = %q, want the shipping article", r[2].Text)
	}
	if d := a.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
}

// TestReplicasShareTheInboxByPartition: with two replicas on one
// PostgreSQL database, both process the inbox (each batch locks the
// partitions it takes), whichever replica acknowledged the webhook; every
// customer's greeting goes out once, and a customer who writes to both
// replicas in turn is answered in order. Then one replica stops and the
// other processes everything that follows.
func TestReplicasShareTheInboxByPartition(t *testing.T) {
	url, _ := storetest.NewPostgres(t)
	key := vault.GenerateKey()
	a := startApp(t, appOpt{url: url, key: key})
	b := startApp(t, appOpt{url: url, key: key, graph: a.app.dev.url})
	const customers = 40
	for i := range customers {
		// All through replica a: b gets no webhook, so anything b
		// processes it found through the shared inbox.
		a.say(fmt.Sprintf("3462%07d", i), "hola")
	}
	waitForWithin(t, "every greeting", 30*time.Second, func() bool { return len(a.sim.Sent()) >= customers })
	if d := a.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
	na, nb := a.app.svc.Stats.Inbound.Load(), b.app.svc.Stats.Inbound.Load()
	t.Logf("inbound messages processed: replica a %d, replica b %d", na, nb)
	if na+nb != customers {
		t.Errorf("the replicas processed %d + %d inbound messages, want %d in all", na, nb, customers)
	}
	if nb == 0 {
		// Replica a acknowledged everything; b woke on the notification.
		t.Errorf("replica b processed nothing: processing is not shared")
	}

	// One customer, alternating replicas: consent, then two questions;
	// the answers come in order.
	const who = "34629000999"
	b.say(who, "hola")
	a.waitReplies(who, 1)
	a.say(who, "sí")
	a.waitReplies(who, 2)
	b.say(who, "¿cuánto tarda el envío?")
	// The simulator delivers webhooks on its own time, as Meta does: the
	// second question goes once the first is acknowledged and stored.
	waitForWithin(t, "the first question stored", 10*time.Second, func() bool { return a.storedInbound(who, "tarda") })
	a.say(who, "¿puedo devolver un pedido?")
	r := a.waitReplies(who, 4)
	if !strings.Contains(strings.ToLower(r[2].Text), "envío") || !strings.Contains(strings.ToLower(r[3].Text), "devol") {
		t.Errorf("answers = %.40q, %.40q; want shipping then returns, in order", r[2].Text, r[3].Text)
	}

	// Replica a stops; what b acknowledges from now on b processes alone.
	b0 := b.app.svc.Stats.Inbound.Load()
	a.stop()
	for i := range 10 {
		b.say(fmt.Sprintf("3463%07d", i), "hola")
	}
	waitForWithin(t, "the greetings after replica a stopped", 30*time.Second, func() bool { return b.app.svc.Stats.Inbound.Load()-b0 >= 10 })
	if d := a.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
}

// storedInbound reports whether the customer who has an inbound message
// containing text stored.
func (ta *testApp) storedInbound(who, text string) bool {
	found := false
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		c, err := tx.ContactByWaID(who)
		if err != nil {
			return nil
		}
		ms, _ := tx.ContactMessages(c.ID)
		for _, m := range ms {
			if m.Direction == "in" && strings.Contains(m.Body, text) {
				found = true
			}
		}
		return nil
	})
	return found
}
