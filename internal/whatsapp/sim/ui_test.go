package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trement/trement/internal/whatsapp"
)

func TestUIStaticFiles(t *testing.T) {
	f := start(t, Config{}, nil, false)
	tests := []struct {
		path  string
		ctype string
	}{
		{path: "/sim/", ctype: "text/html; charset=utf-8"},
		{path: "/sim/app.js", ctype: "text/javascript; charset=utf-8"},
		{path: "/sim/app.css", ctype: "text/css; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := http.Get(f.srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != tt.ctype {
				t.Fatalf("GET %s = %d %q, want 200 %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), tt.ctype)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers CSP %q nosniff %q, want strict CSP and nosniff", csp, resp.Header.Get("X-Content-Type-Options"))
			}
			if len(body) == 0 {
				t.Errorf("GET %s body empty", tt.path)
			}
		})
	}
}

// TestUIHasNoInlineCode keeps the page working under its CSP: no inline
// script or style, no event-handler attributes, no external assets.
func TestUIHasNoInlineCode(t *testing.T) {
	page, err := staticFiles.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, tag := range regexp.MustCompile(`<script[^>]*>[^<]*</script>`).FindAllString(html, -1) {
		if tag != `<script src="app.js" defer></script>` {
			t.Errorf("index.html has script %q, want only the app.js file", tag)
		}
	}
	if n := strings.Count(html, "<script"); n != 1 {
		t.Errorf("index.html has %d script tags, want 1", n)
	}
	checks := []struct {
		name string
		re   string
	}{
		{name: "style element", re: `<style`},
		{name: "style attribute", re: `\sstyle=`},
		{name: "event handler attribute", re: `\son[a-z]+=`},
		{name: "external asset", re: `(?:src|href)="(?:https?:)?//`},
		{name: "javascript url", re: `javascript:`},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if m := regexp.MustCompile(c.re).FindString(html); m != "" {
				t.Errorf("index.html has %s: %q", c.name, m)
			}
		})
	}
	js, _ := staticFiles.ReadFile("static/app.js")
	if strings.Contains(string(js), "innerHTML") || strings.Contains(string(js), "eval(") {
		t.Errorf("app.js uses innerHTML or eval; build DOM nodes with textContent")
	}
}

func apiCall(t *testing.T, f *fixture, method, path, ctype, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func TestUIAPI(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, true)

	status, raw := apiCall(t, f, "POST", "/sim/api/send", "application/json", `{"from":"+34 612 345 678","name":"Ana","text":"hola"}`)
	if status != 200 {
		t.Fatalf("POST /sim/api/send = %d %s, want 200", status, raw)
	}
	var sent struct{ ID string }
	_ = json.Unmarshal(raw, &sent)
	waitFor(t, "the webhook", func() bool { return len(f.stub.events().Messages) == 1 })
	if got := f.stub.events().Messages[0]; got.Message.ID != sent.ID || got.ProfileName != "Ana" {
		t.Errorf("webhook message = %+v, want %s from Ana", got, sent.ID)
	}

	// The business answers with buttons; the page taps one.
	out, err := f.client.Send(context.Background(), "106540352242922", whatsapp.OutboundMessage{To: "34612345678",
		Buttons: &whatsapp.ButtonsContent{Body: "¿Algo más?", Buttons: []whatsapp.ReplyButton{{ID: "yes", Title: "Sí"}, {ID: "no", Title: "No"}}}})
	if err != nil {
		t.Fatal(err)
	}
	status, raw = apiCall(t, f, "GET", "/sim/api/threads", "", "")
	var threads threadsResponse
	if err := json.Unmarshal(raw, &threads); err != nil || status != 200 {
		t.Fatalf("GET /sim/api/threads = %d %s", status, raw)
	}
	if len(threads.Threads) != 1 || len(threads.Threads[0].Messages) != 2 || len(threads.Threads[0].Messages[1].Buttons) != 2 ||
		threads.Business.DisplayNumber != "15550783881" {
		t.Fatalf("threads = %+v, want Ana's thread with the buttons", threads)
	}
	status, raw = apiCall(t, f, "POST", "/sim/api/send", "application/json",
		`{"from":"34612345678","name":"Ana","button_reply":{"id":"yes","title":"Sí"},"context":"`+out+`"}`)
	if status != 200 {
		t.Fatalf("POST button_reply = %d %s", status, raw)
	}
	waitFor(t, "the button webhook", func() bool { return len(f.stub.events().Messages) == 2 })
	if m := f.stub.events().Messages[1]; m.Kind != whatsapp.KindButtonReply || m.Message.Context.ID != out {
		t.Errorf("webhook = %+v, want button_reply to %s", m.Message, out)
	}

	refusals := []struct {
		name, ctype, body string
		want              int
	}{
		{name: "form post", ctype: "application/x-www-form-urlencoded", body: "from=1&text=x", want: 415},
		{name: "text plain", ctype: "text/plain", body: `{"from":"34612345678","text":"x"}`, want: 415},
		{name: "bad number", ctype: "application/json", body: `{"from":"abc","text":"x"}`, want: 400},
		{name: "nothing to send", ctype: "application/json", body: `{"from":"34612345678"}`, want: 400},
		{name: "unknown button", ctype: "application/json", body: `{"from":"34612345678","button_reply":{"id":"zzz"}}`, want: 400},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			if status, raw := apiCall(t, f, "POST", "/sim/api/send", r.ctype, r.body); status != r.want {
				t.Errorf("POST /sim/api/send (%s) = %d %s, want %d", r.name, status, raw, r.want)
			}
		})
	}

	status, raw = apiCall(t, f, "POST", "/sim/api/faults", "application/json", `{"fault":"rate_limit","count":2,"latency_ms":0}`)
	if status != 200 || len(f.sim.PendingFaults()) != 1 || f.sim.PendingFaults()[0].Count != 2 {
		t.Fatalf("POST /sim/api/faults = %d %s, want rate_limit x2 pending", status, raw)
	}
	if status, _ := apiCall(t, f, "POST", "/sim/api/faults", "application/json", `{"fault":"meteor"}`); status != 400 {
		t.Errorf("POST unknown fault = %d, want 400", status)
	}
	if status, _ := apiCall(t, f, "DELETE", "/sim/api/faults", "", ""); status != 200 || len(f.sim.PendingFaults()) != 0 {
		t.Errorf("DELETE /sim/api/faults = %d, pending %v; want 200 and none", status, f.sim.PendingFaults())
	}
	status, raw = apiCall(t, f, "GET", "/sim/api/sent", "", "")
	if status != 200 || !strings.Contains(string(raw), out) {
		t.Errorf("GET /sim/api/sent = %d %s, want the send %s", status, raw, out)
	}
}

func TestUIEvents(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, false)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/sim/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q, want text/event-stream", ct)
	}
	events := make(chan string, 16)
	go func() { // ends when the response body is closed
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "event: ") {
				events <- sc.Text()
			}
		}
		close(events)
	}()
	next := func() string {
		select {
		case e := <-events:
			return e
		case <-time.After(2 * time.Second):
			return "timeout"
		}
	}
	if e := next(); e != "event: update" {
		t.Fatalf("first event = %q, want an initial update", e)
	}
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Text: "hola"}); err != nil {
		t.Fatal(err)
	}
	if e := next(); e != "event: update" {
		t.Fatalf("event after a message = %q, want update", e)
	}
}

// lockedBuffer is an io.Writer safe to read while RunTerminal writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestRunTerminal(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, true)
	inR, inW := io.Pipe()
	out := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f.sim.RunTerminal(ctx, inR, out, "+34 612 345 678", "Ana") }()

	write := func(s string) {
		t.Helper()
		if _, err := io.WriteString(inW, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	write("hola, ¿abrís mañana?")
	waitFor(t, "the text webhook", func() bool { return len(f.stub.events().Messages) == 1 })
	in := f.stub.events().Messages[0]
	if in.Summary() != "hola, ¿abrís mañana?" || in.ProfileName != "Ana" || in.From != "34612345678" {
		t.Errorf("webhook = %q from %q (%s), want the typed line from Ana", in.Summary(), in.ProfileName, in.From)
	}

	if err := f.client.MarkRead(context.Background(), "106540352242922", in.Message.ID, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the typing indicator on the terminal", func() bool { return strings.Contains(out.String(), "(trement is typing…)") })
	if _, err := f.client.Send(context.Background(), "106540352242922", whatsapp.OutboundMessage{To: "34612345678", ReplyTo: in.Message.ID,
		Buttons: &whatsapp.ButtonsContent{Body: "Sí, de 9 a 14. ¿Reservo?", Buttons: []whatsapp.ReplyButton{{ID: "book", Title: "Reservar"}, {ID: "no", Title: "No, gracias"}}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reply on the terminal", func() bool { return strings.Contains(out.String(), "[2] No, gracias") })
	if !strings.Contains(out.String(), "    ↪ \"hola, ¿abrís mañana?\"\ntrement: Sí, de 9 a 14. ¿Reservo?\n    [1] Reservar\n") {
		t.Errorf("terminal = %q, want the reply with numbered buttons", out.String())
	}
	write("/tap 1")
	waitFor(t, "the tap webhook", func() bool { return len(f.stub.events().Messages) == 2 })
	if m := f.stub.events().Messages[1]; m.Kind != whatsapp.KindButtonReply || m.Message.Interactive.ButtonReply.ID != "book" {
		t.Errorf("tap webhook = %+v, want button_reply book", m.Message)
	}
	write("/tap 9")
	waitFor(t, "the complaint", func() bool { return strings.Contains(out.String(), "! no choice") })
	write("/quit")
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunTerminal() = %v, want nil after /quit", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("RunTerminal did not return after /quit")
	}
	inW.Close()
}

func TestRunTerminalEndsOnCancelAndEOF(t *testing.T) {
	s := New(Config{}, nil)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	inR, inW := io.Pipe()
	defer inW.Close()
	done := make(chan error, 1)
	go func() { done <- s.RunTerminal(ctx, inR, io.Discard, "34612345678", "Ana") }()
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("RunTerminal() = %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("RunTerminal did not return on cancel")
	}
	if err := s.RunTerminal(context.Background(), strings.NewReader("hola\n"), io.Discard, "34612345678", "Ana"); err != nil {
		t.Errorf("RunTerminal(EOF) = %v, want nil", err)
	}
	if err := s.RunTerminal(context.Background(), strings.NewReader(""), io.Discard, "abc", "Ana"); err != ErrBadNumber {
		t.Errorf("RunTerminal(bad number) = %v, want ErrBadNumber", err)
	}
}

func TestServe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()

	// An event stream stays open; shutdown must still be quick.
	resp, err := http.Get("http://" + ln.Addr().String() + "/sim/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET events = %d, want 200", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve() = %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}
