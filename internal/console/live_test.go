package console_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/console"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/store/storetest"
)

// sseEvent is one event of a stream; comments are events named ":".
type sseEvent struct {
	Name string
	Data map[string]string
}

// sseStream reads GET /conversations/events over a real connection.
type sseStream struct {
	t      *testing.T
	resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
	done   chan struct{}
}

// openStream opens the stream with c's session on srv; the response is
// returned as is when it is not a stream.
func openStream(t *testing.T, srvURL string, c *client) (*sseStream, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", srvURL+"/conversations/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	if c != nil && c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := cl.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		cancel()
		return nil, resp
	}
	s := &sseStream{t: t, resp: resp, events: make(chan sseEvent, 100), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Name != "" {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				s.events <- sseEvent{Name: ":", Data: map[string]string{"comment": strings.TrimSpace(line[1:])}}
			case strings.HasPrefix(line, "event: "):
				ev.Name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev.Data); err != nil {
					t.Errorf("event data %q is not a JSON object of strings: %v", line, err)
				}
			}
		}
	}()
	t.Cleanup(s.close)
	return s, resp
}

func (s *sseStream) close() {
	s.cancel()
	s.resp.Body.Close()
	<-s.done
}

// next returns the next event other than a comment within d; ok false if
// none came or the stream ended.
func (s *sseStream) next(d time.Duration) (sseEvent, bool) {
	s.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return sseEvent{}, false
			}
			if ev.Name != ":" {
				return ev, true
			}
		case <-timeout:
			return sseEvent{}, false
		}
	}
}

// liveEnv is a console served over loopback with RunLive running.
type liveEnv struct {
	*env
	url  string
	stop func()
}

func newLiveEnv(t *testing.T, cfg console.LiveConfig, url ...string) *liveEnv {
	t.Helper()
	o := envOpts{live: cfg}
	if len(url) > 0 {
		o.url = url[0]
	}
	e := newEnv(t, o)
	ts := httptest.NewUnstartedServer(e.h)
	// Short timeouts, as a production server has (trement serve: 30 s
	// read, 60 s write): a stream outlives them.
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	ts.Start()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.srv.RunLive(ctx)
	}()
	stop := sync.OnceFunc(func() {
		cancel()
		wg.Wait()
		ts.Close()
	})
	t.Cleanup(stop)
	return &liveEnv{env: e, url: ts.URL, stop: stop}
}

// customer stores a contact with an open conversation, as the message
// path does, and returns the conversation.
func (e *liveEnv) customer(waID string) *conversation.Conversation {
	e.t.Helper()
	return customerIn(e.t, e.db, waID)
}

func customerIn(t *testing.T, db *store.DB, waID string) *conversation.Conversation {
	t.Helper()
	var conv *conversation.Conversation
	err := db.Update(context.Background(), func(tx *store.Tx) error {
		c := &conversation.Contact{WaID: waID, ProfileName: "Ana García", Region: "ES", RegionReason: "+34", Language: "es"}
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		var err error
		conv, err = tx.OpenConversation(c.ID, "106540352242922")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

func (e *liveEnv) change(id string, fn func(c *conversation.Conversation)) {
	e.t.Helper()
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		c, err := tx.Conversation(id)
		if err != nil {
			return err
		}
		fn(c)
		return tx.UpdateConversation(c)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *liveEnv) message(conv *conversation.Conversation, body string) {
	e.t.Helper()
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		return tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: conv.ContactID, Direction: conversation.In,
			Type: "text", Body: body, Author: "customer", Status: conversation.StatusReceived})
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestLiveEvents: a supervisor's stream hears of a new conversation, its
// escalation and a new message, by id and queue and nothing else; an
// agent's stream only of what the agent may see.
func TestLiveEvents(t *testing.T) {
	e := newLiveEnv(t, console.LiveConfig{})
	sup := e.signIn(e.operator(auth.RoleSupervisor))
	agentOp := e.operator(auth.RoleAgent)
	agent := e.signIn(agentOp)
	other := e.operator(auth.RoleAgent)
	ss, resp := openStream(t, e.url, sup)
	if ss == nil {
		t.Fatalf("GET /conversations/events as a supervisor = %d %s, want a stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if cc := ss.resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	as, _ := openStream(t, e.url, agent)
	if as == nil {
		t.Fatal("the agent's stream did not open")
	}

	conv := e.customer("34612345678")
	ev, ok := ss.next(time.Second)
	if !ok || ev.Name != "conversation" || ev.Data["conversation"] != conv.ID || ev.Data["queue"] != "all" || len(ev.Data) != 2 {
		t.Fatalf("supervisor's first event = %+v, %v, want conversation %s in queue all, ids only", ev, ok, conv.ID)
	}
	e.change(conv.ID, func(c *conversation.Conversation) { c.State = conversation.StateWaitingHuman })
	if ev, ok := ss.next(time.Second); !ok || ev.Name != "conversation" || ev.Data["queue"] != "waiting" {
		t.Errorf("event after the escalation = %+v, %v, want the conversation in queue waiting", ev, ok)
	}
	// The agent heard nothing of the bot's conversation, only of the
	// escalation (now theirs to pick up).
	if ev, ok := as.next(time.Second); !ok || ev.Name != "conversation" || ev.Data["conversation"] != conv.ID || ev.Data["queue"] != "waiting" {
		t.Errorf("agent's first event = %+v, %v, want the waiting conversation", ev, ok)
	}
	e.message(conv, "hola, ¿hay alguien?")
	if ev, ok := ss.next(time.Second); !ok || ev.Name != "message" || ev.Data["conversation"] != conv.ID || len(ev.Data) != 1 {
		t.Errorf("event after a customer message = %+v, %v, want message in %s", ev, ok, conv.ID)
	}
	if ev, ok := as.next(time.Second); !ok || ev.Name != "message" {
		t.Errorf("agent's event after a message in the waiting conversation = %+v, %v", ev, ok)
	}
	// Another agent takes it: the first agent is told (they knew the id)
	// and then hears nothing more of it.
	e.change(conv.ID, func(c *conversation.Conversation) { c.State, c.AssignedTo = conversation.StateHuman, other.ID })
	if ev, ok := as.next(time.Second); !ok || ev.Name != "conversation" || ev.Data["queue"] != "all" {
		t.Errorf("agent's event after another took it = %+v, %v, want it leaving the waiting queue", ev, ok)
	}
	hidden := e.customer("34699999999")
	e.change(hidden.ID, func(c *conversation.Conversation) { c.State, c.AssignedTo = conversation.StateHuman, other.ID })
	e.message(hidden, "secret")
	for {
		ev, ok := as.next(300 * time.Millisecond)
		if !ok {
			break
		}
		if ev.Data["conversation"] == hidden.ID {
			t.Errorf("agent heard of a conversation assigned to another: %+v", ev)
		}
	}

	// A conversation already waiting when an agent's page opened: when
	// another agent takes it, the first is told, so their inbox drops it.
	waiting := e.customer("34688888888")
	e.change(waiting.ID, func(c *conversation.Conversation) { c.State = conversation.StateWaitingHuman })
	e.convs.ListFn = func(ctx context.Context, f console.ConversationFilter) ([]console.ConversationSummary, error) {
		return []console.ConversationSummary{{ID: waiting.ID, State: "waiting_human"}}, nil
	}
	late, _ := openStream(t, e.url, e.signIn(e.operator(auth.RoleAgent)))
	if late == nil {
		t.Fatal("no stream")
	}
	e.change(waiting.ID, func(c *conversation.Conversation) { c.State, c.AssignedTo = conversation.StateHuman, other.ID })
	if ev, ok := late.next(time.Second); !ok || ev.Data["conversation"] != waiting.ID || ev.Data["queue"] != "all" {
		t.Errorf("event for a conversation the agent saw waiting, taken by another = %+v, %v", ev, ok)
	}
}

// TestLiveStreamRefusals: without a session the stream redirects to sign
// in, a role without conversations is refused 403, and one operator may
// hold only MaxStreams streams.
func TestLiveStreamRefusals(t *testing.T) {
	e := newLiveEnv(t, console.LiveConfig{MaxStreams: 2})
	if _, resp := openStream(t, e.url, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("GET /conversations/events anonymously = %d → %q, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	var noConvs auth.Role
	for _, r := range auth.Roles() {
		if !r.Can(auth.PermConversationsReadAssigned) {
			noConvs = r
		}
	}
	if noConvs == "" {
		t.Fatal("every role reads conversations: no role to refuse")
	}
	if _, resp := openStream(t, e.url, e.signIn(e.operator(noConvs))); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /conversations/events as %s = %d, want 403", noConvs, resp.StatusCode)
	}
	if ev := e.lastEvent(); ev.Action != audit.ActionDenied || ev.Reason != "missing permission "+string(auth.PermConversationsReadAssigned) {
		t.Errorf("the refusal audited as %+v", ev)
	}
	c := e.signIn(e.operator(auth.RoleAgent))
	a, _ := openStream(t, e.url, c)
	b, _ := openStream(t, e.url, c)
	if a == nil || b == nil {
		t.Fatal("the first two streams did not open")
	}
	if s, resp := openStream(t, e.url, c); s != nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("third stream of one operator = %d, want 429", resp.StatusCode)
	}
	// Closing one frees its place, and its handler returns.
	a.close()
	b.close()
	if n := liveGoroutines(t); n != 1 { // RunLive
		t.Errorf("%d live goroutines after the clients left, want RunLive alone", n)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		s, resp := openStream(t, e.url, c)
		if s != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream after closing one = %d, want it to open", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLiveHeartbeatAndEnd: comments keep the stream alive; a revoked
// session ends it at the next heartbeat; EndStreams (server shutdown)
// and RunLive's end close every stream.
func TestLiveHeartbeatAndEnd(t *testing.T) {
	e := newLiveEnv(t, console.LiveConfig{Heartbeat: 50 * time.Millisecond})
	op := e.operator(auth.RoleSupervisor)
	c := e.signIn(op)
	s, _ := openStream(t, e.url, c)
	if s == nil {
		t.Fatal("no stream")
	}
	// Beats for longer than the server's read and write timeouts.
	pings := 0
	timeout := time.After(3 * time.Second)
	for pings < 16 {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("stream ended after %d heartbeats", pings)
			}
			if ev.Name == ":" && ev.Data["comment"] == "ping" {
				pings++
			}
		case <-timeout:
			t.Fatalf("%d heartbeats in 3 s at a 50 ms interval", pings)
		}
	}
	// Signing out everywhere ends the stream.
	if r := c.do("POST", "/api/v1/logout-everywhere", nil); r.Code != 200 {
		t.Fatalf("logout-everywhere = %d %s", r.Code, r.Body)
	}
	if ev, ok := s.next(2 * time.Second); !ok || ev.Name != "end" {
		t.Errorf("after the session ended: %+v, %v, want an end event", ev, ok)
	}
	if _, ok := s.next(time.Second); ok {
		t.Error("the stream went on after its session ended")
	}

	c2 := e.signIn(e.operator(auth.RoleSupervisor))
	s2, _ := openStream(t, e.url, c2)
	if s2 == nil {
		t.Fatal("no stream")
	}
	e.srv.EndStreams()
	if _, ok := s2.next(2 * time.Second); ok {
		t.Error("a stream went on after EndStreams")
	}
	if s3, resp := openStream(t, e.url, c2); s3 != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a stream after EndStreams = %d, want 503", resp.StatusCode)
	}
	e.stop() // RunLive returns; the server closes with no handler left running
	if n := liveGoroutines(t); n != 0 {
		t.Errorf("%d live goroutines left after the server stopped", n)
	}
}

// liveGoroutines counts the goroutines still in a stream or in RunLive,
// waiting up to a second for them to go.
func liveGoroutines(t *testing.T) int {
	t.Helper()
	n := 0
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		n = 0
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "console.(*Server).pageEvents") || strings.Contains(g, "console.(*Server).RunLive") {
				n++
			}
		}
		if n == 0 || time.Now().After(deadline) {
			return n
		}
	}
}

// TestLiveEventsFromAnotherReplica: a conversation written through
// another connection to the same PostgreSQL database (another replica:
// nothing in this process is woken) reaches the stream through the
// change log, within the poll interval.
func TestLiveEventsFromAnotherReplica(t *testing.T) {
	url, _ := storetest.NewPostgres(t)
	e := newLiveEnv(t, console.LiveConfig{Poll: 200 * time.Millisecond}, url)
	other, err := store.Open(context.Background(), store.Options{URL: url, MasterKey: e.key})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	s, _ := openStream(t, e.url, e.signIn(e.operator(auth.RoleSupervisor)))
	if s == nil {
		t.Fatal("no stream")
	}
	start := time.Now()
	conv := customerIn(t, other, "34612345678")
	ev, ok := s.next(2 * time.Second)
	if !ok || ev.Name != "conversation" || ev.Data["conversation"] != conv.ID {
		t.Fatalf("event after another replica's write = %+v, %v, want conversation %s", ev, ok, conv.ID)
	}
	t.Logf("another replica's conversation reached the stream after %v (poll 200 ms)", time.Since(start))
}

// TestLiveBurstLosesNothingSilently: a burst (300 messages in one
// transaction) reaches the stream as one event per conversation, and
// more changes than a stream's mailbox holds (300 conversations in one
// transaction) either whole or with a reset, which makes the page fetch
// everything.
func TestLiveBurstLosesNothingSilently(t *testing.T) {
	e := newLiveEnv(t, console.LiveConfig{})
	s, _ := openStream(t, e.url, e.signIn(e.operator(auth.RoleSupervisor)))
	if s == nil {
		t.Fatal("no stream")
	}
	conv := e.customer("34612345678")
	if ev, ok := s.next(time.Second); !ok || ev.Name != "conversation" {
		t.Fatalf("first event = %+v, %v", ev, ok)
	}
	const burst = 300
	err := e.db.Update(context.Background(), func(tx *store.Tx) error {
		for i := range burst {
			if err := tx.InsertMessage(&conversation.Message{ConversationID: conv.ID, ContactID: conv.ContactID, Direction: conversation.In,
				Type: "text", Body: fmt.Sprint("m", i), Author: "customer", Status: conversation.StatusReceived}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func() (map[string]int, bool) {
		n, reset := map[string]int{}, false
		for {
			ev, ok := s.next(500 * time.Millisecond)
			if !ok {
				return n, reset
			}
			if ev.Name == "reset" {
				reset = true
			}
			n[ev.Name+" "+ev.Data["conversation"]]++
		}
	}
	if n, _ := count(); len(n) != 1 || n["message "+conv.ID] != 1 {
		t.Errorf("events after %d messages in one conversation = %v, want one message event", burst, n)
	}
	err = e.db.Update(context.Background(), func(tx *store.Tx) error {
		for i := range burst {
			c := &conversation.Contact{WaID: fmt.Sprint(34600000000 + i), Region: "ES", RegionReason: "+34", Language: "es"}
			if err := tx.CreateContact(c); err != nil {
				return err
			}
			if _, err := tx.OpenConversation(c.ID, "106540352242922"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n, reset := count()
	t.Logf("%d new conversations in one transaction: %d events, reset %v", burst, len(n), reset)
	if len(n) < burst && !reset {
		t.Errorf("%d of %d conversation events and no reset: changes were lost silently", len(n), burst)
	}
}
