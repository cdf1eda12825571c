package main

import (
	"fmt"
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
