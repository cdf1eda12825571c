package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/store"
	"github.com/trement/trement/internal/whatsapp"
)

func (ta *testApp) postWebhook(body []byte, sig string, contentType string) int {
	ta.t.Helper()
	req, _ := http.NewRequest("POST", "http://"+ta.addr+"/webhook", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if sig != "" {
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (ta *testApp) sign(body []byte) string {
	return whatsapp.Sign([]byte(ta.app.cfg.AppSecret), body)
}

// TestEveryPayloadTypeIsAcceptedAndProcessed replays the wire fixtures of
// every payload type in the spec through the real webhook: each is
// acknowledged only after it is stored, and none is left unprocessed.
func TestEveryPayloadTypeIsAcceptedAndProcessed(t *testing.T) {
	ta := startApp(t, appOpt{})
	files, err := filepath.Glob("../../internal/whatsapp/testdata/notifications/*.json")
	if err != nil || len(files) < 30 {
		t.Fatalf("found %d fixtures, want the whole set: %v", len(files), err)
	}
	ids := map[string]bool{}
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := whatsapp.ParseNotification(body); err == nil {
			for _, m := range n.Events().Messages {
				ids[m.Message.ID] = true
			}
		}
		if code := ta.postWebhook(body, ta.sign(body), "application/json"); code != 200 {
			t.Errorf("%s: webhook answered %d, want 200", filepath.Base(f), code)
		}
	}
	ta.settle()
	if n := ta.app.svc.Stats.Malformed.Load(); n != 0 {
		t.Errorf("%d fixture bodies or events were treated as malformed", n)
	}
	// Fixtures reuse message ids, as Meta's redeliveries do: each distinct
	// id counts once.
	if n := ta.app.svc.Stats.Inbound.Load(); n != int64(len(ids)) || n < 5 {
		t.Errorf("%d inbound messages were processed, want the %d distinct ids", n, len(ids))
	}
}

func TestBadWebhooksGetClearAnswersAndStoreNothing(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-webhook-max-bytes", "65536"}})
	good, _ := os.ReadFile("../../internal/whatsapp/testdata/notifications/text.json")
	tampered := bytes.Replace(good, []byte(`"text"`), []byte(`"texT"`), 1)
	tests := []struct {
		name string
		body []byte
		sig  string
		want int
	}{
		{"missing signature", good, "", 401},
		{"wrong prefix", good, strings.Replace(ta.sign(good), "sha256=", "sha1=", 1), 401},
		{"not hex", good, "sha256=zzzz", 401},
		{"wrong secret", good, whatsapp.Sign([]byte("not-the-secret"), good), 401},
		{"one byte changed", tampered, ta.sign(good), 401},
		{"oversized", bytes.Repeat([]byte("a"), 70000), ta.sign(bytes.Repeat([]byte("a"), 70000)), 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code := ta.postWebhook(tt.body, tt.sig, "application/json"); code != tt.want {
				t.Errorf("webhook = %d, want %d", code, tt.want)
			}
		})
	}
	if n, _ := ta.db.InboxDepth(context.Background()); n != 0 {
		t.Errorf("refused webhooks left %d bodies in the inbox", n)
	}
	// Each refusal is audited: the first of each kind at once, the rest
	// counted when the window is flushed.
	if err := ta.app.console.Refusals().Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if refused, _ := ta.refusalsAudited("webhook."); refused != len(tests) {
		t.Errorf("%d webhook refusals audited, want %d", refused, len(tests))
	}

	// Signed by Meta but unreadable: Meta would retry a 4xx for days, so
	// the body is acknowledged, kept aside (sealed) and counted, never
	// processed half-way.
	signedBad := map[string][]byte{
		"invalid JSON":       []byte(`{"object":"whatsapp_business_account","entry":[`),
		"invalid UTF-8":      []byte("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"\xff\xfe\"}]}"),
		"deep nesting":       []byte(`{"object":"whatsapp_business_account","entry":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`),
		"wrong object":       []byte(`{"object":"page","entry":[]}`),
		"wrong content type": good,
	}
	before := ta.app.svc.Stats.Malformed.Load()
	for name, body := range signedBad {
		ct := "application/json"
		if name == "wrong content type" {
			ct = "text/plain"
		}
		if code := ta.postWebhook(body, ta.sign(body), ct); code != 200 {
			t.Errorf("%s: webhook = %d, want 200 (recorded, not retried)", name, code)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for ta.app.svc.Stats.Malformed.Load()-before < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if got := ta.app.svc.Stats.Malformed.Load() - before; got != 4 {
		t.Errorf("malformed bodies counted = %d, want 4 (the text/plain one is a valid body)", got)
	}
	// The valid bodies are processed and leave the inbox; the four
	// unreadable ones stay, kept aside.
	n, _ := ta.db.InboxDepth(context.Background())
	for deadline := time.Now().Add(10 * time.Second); n != 4 && time.Now().Before(deadline); n, _ = ta.db.InboxDepth(context.Background()) {
		time.Sleep(20 * time.Millisecond)
	}
	if n != 4 {
		t.Errorf("bodies kept aside = %d, want 4", n)
	}
}

func auditFilterAll() audit.Filter { return audit.Filter{Limit: 10000} }

// refusalsAudited sums the refusals the audit log records for actions
// starting with prefix (denials only): one per event, plus the count an aggregated
// event names ("signature_missing: 41 more refused from …"). rows is the
// number of events.
func (ta *testApp) refusalsAudited(prefix string) (refusals, rows int) {
	ta.t.Helper()
	err := ta.db.View(context.Background(), func(tx *store.Tx) error {
		evs, err := tx.AuditEvents(auditFilterAll())
		for _, e := range evs {
			if !strings.HasPrefix(e.Action, prefix) || e.Outcome != audit.Denied {
				continue
			}
			rows++
			if _, rest, ok := strings.Cut(e.Reason, ": "); ok && strings.Contains(rest, " more refused from ") {
				n, _ := strconv.Atoi(strings.Fields(rest)[0])
				refusals += n
				continue
			}
			refusals++
		}
		return err
	})
	if err != nil {
		ta.t.Fatal(err)
	}
	return refusals, rows
}

// TestWebhookMemorySettingBoundsReads checks the wiring: with
// WEBHOOK_MEMORY equal to one maximal body, a second post arriving while
// the first is still being read gets 503 with Retry-After, unread, and is
// not audited; once the first is done the budget is free again.
func TestWebhookMemorySettingBoundsReads(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-webhook-max-bytes", "65536", "-webhook-memory", "65536"}})
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+ta.addr+"/webhook", pr)
	req.ContentLength = 60000
	first := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- -1
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	pw.Write([]byte("{")) // the first post is being read
	time.Sleep(100 * time.Millisecond)
	second, _ := http.NewRequest("POST", "http://"+ta.addr+"/webhook", bytes.NewReader(make([]byte, 60000)))
	resp, err := http.DefaultClient.Do(second)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("post while the budget is held = %d (Retry-After %q), want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	pw.Write(make([]byte, 59999))
	pw.Close()
	if code := <-first; code != http.StatusUnauthorized {
		t.Errorf("the admitted unsigned post = %d, want 401", code)
	}
	body := []byte(`{"object":"whatsapp_business_account","entry":[]}`)
	if code := ta.postWebhook(body, ta.sign(body), "application/json"); code != 200 {
		t.Errorf("signed post after the budget freed = %d, want 200", code)
	}
	var busy int
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		evs, _ := tx.AuditEvents(auditFilterAll())
		for _, e := range evs {
			if e.Action == "webhook.busy" {
				busy++
			}
		}
		return nil
	})
	if busy != 0 {
		t.Errorf("%d load-shedding refusals audited, want none (a metric counts them)", busy)
	}
}
