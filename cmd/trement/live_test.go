package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store/storetest"
	"github.com/trement/trement/internal/vault"
)

// liveEvent is one Server-Sent Event of the console's live stream.
type liveEvent struct {
	name string
	data map[string]string
	at   time.Time
}

// openLive opens GET /conversations/events on ta with session token tok
// and returns its events (comments left out) until the test ends.
func openLive(t *testing.T, ta *testApp, tok string) <-chan liveEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+ta.addr+"/conversations/events", nil)
	req.AddCookie(&http.Cookie{Name: "trement_session", Value: tok})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		cancel()
		t.Fatalf("GET /conversations/events = %d %s, want a stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan liveEvent, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev liveEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "" && ev.name != "":
				ev.at = time.Now()
				out <- ev
				ev = liveEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.data)
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		resp.Body.Close()
		<-done
	})
	return out
}

// drainLive drops the events already received.
func drainLive(evs <-chan liveEvent) {
	for {
		select {
		case <-evs:
		default:
			return
		}
	}
}

// waitLive returns the first event that match accepts within d.
func waitLive(t *testing.T, evs <-chan liveEvent, d time.Duration, what string, match func(liveEvent) bool) liveEvent {
	t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				t.Fatalf("the stream ended before %s", what)
			}
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no event for %s within %s", what, d)
		}
	}
}

// TestLiveEventsFromTheWebhook: an operator's open stream hears of a
// customer's message that arrives through the real webhook (signed by
// the simulator, through the inbox and the message path) within a second,
// and of the conversation entering the waiting queue when the customer
// asks for a person; the events name ids and queues only.
func TestLiveEventsFromTheWebhook(t *testing.T) {
	ta := startApp(t, appOpt{})
	tok, _ := ta.ownerSession()
	evs := openLive(t, ta, tok)
	const who = "34611222333"

	// A new customer: before consent their words are not kept, but the
	// conversation is, and it is new in the inbox.
	sent := time.Now()
	ta.say(who, "hola")
	ev := waitLive(t, evs, time.Second, "the new conversation", func(ev liveEvent) bool { return ev.name == "conversation" })
	t.Logf("new customer: event %s %v after the webhook was sent", ev.name, ev.at.Sub(sent))
	conv := ev.data["conversation"]
	if conv == "" || ev.data["queue"] != "all" || len(ev.data) != 2 {
		t.Errorf("conversation event data = %v, want the conversation id and queue all", ev.data)
	}
	ta.waitReplies(who, 1)
	ta.tap(who, conversation.ButtonAccept)
	ta.waitReplies(who, 2)

	// A message once the customer consented.
	ta.settle()
	drainLive(evs)
	sent = time.Now()
	ta.say(who, "¿cuánto tarda el envío?")
	ev = waitLive(t, evs, time.Second, "the customer's message", func(ev liveEvent) bool { return ev.name == "message" })
	t.Logf("customer message: event %s %v after the webhook was sent", ev.name, ev.at.Sub(sent))
	if ev.data["conversation"] != conv || len(ev.data) != 1 {
		t.Errorf("message event data = %v, want conversation %s alone", ev.data, conv)
	}
	ta.waitReplies(who, 3)
	ta.settle()

	sent = time.Now()
	ta.say(who, "quiero hablar con un agente")
	ev = waitLive(t, evs, time.Second, "the escalation", func(ev liveEvent) bool {
		return ev.name == "conversation" && ev.data["queue"] == "waiting"
	})
	t.Logf("escalation: event %s %v after the webhook was sent", ev.name, ev.at.Sub(sent))
	if ev.data["conversation"] != conv || len(ev.data) != 2 {
		t.Errorf("conversation event data = %v, want conversation %s and its queue", ev.data, conv)
	}

	// Shutting down ends the stream at once: Shutdown does not wait for
	// it to go idle (it never would) until its 10 s timeout.
	ta.waitReplies(who, 4)
	ta.settle()
	start := time.Now()
	ta.stop()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown with a live stream open took %v", d)
	}
	for range evs {
	}
	t.Logf("shutdown with a live stream open took %v", time.Since(start))
}

// TestLiveEventsAcrossReplicas: two replicas on one PostgreSQL database;
// a stream open on replica a hears of a customer message that replica b
// received, through the change log in the database.
func TestLiveEventsAcrossReplicas(t *testing.T) {
	url, _ := storetest.NewPostgres(t)
	key := vault.GenerateKey()
	a := startApp(t, appOpt{url: url, key: key})
	b := startApp(t, appOpt{url: url, key: key, graph: a.app.dev.url})
	tok, _ := a.ownerSession()
	evs := openLive(t, a, tok)
	sent := time.Now()
	b.say("34619000777", "hola")
	ev := waitLive(t, evs, 3*time.Second, "a conversation started on the other replica", func(ev liveEvent) bool { return ev.name == "conversation" })
	t.Logf("other replica's new conversation: event on replica a %v after the webhook was sent to b", ev.at.Sub(sent))
}
