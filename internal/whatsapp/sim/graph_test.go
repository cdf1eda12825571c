package sim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/whatsapp"
)

type graphAnswer struct {
	status int
	body   map[string]any
	raw    string
}

func postGraph(t *testing.T, f *fixture, path, token, body string) graphAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := graphAnswer{status: resp.StatusCode, raw: string(raw)}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("answer %s is not JSON: %v", raw, err)
	}
	return a
}

func (a graphAnswer) code() int {
	e, ok := a.body["error"].(map[string]any)
	if !ok {
		return -1
	}
	c, _ := e["code"].(float64)
	return int(c)
}

const messagesPath = "/v24.0/106540352242922/messages"

func TestGraphValidation(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, false)
	in, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Text: "hola"})
	if err != nil {
		t.Fatal(err)
	}
	btn := func(n int, title string) string {
		var b []string
		for i := range n {
			b = append(b, `{"type":"reply","reply":{"id":"b`+string(rune('0'+i))+`","title":"`+title+`"}}`)
		}
		return `{"messaging_product":"whatsapp","to":"34612345678","type":"interactive","interactive":{"type":"button","body":{"text":"Pick"},"action":{"buttons":[` + strings.Join(b, ",") + `]}}}`
	}
	tests := []struct {
		name       string
		path       string
		token      string
		body       string
		wantStatus int
		wantCode   int // 0: success
	}{
		{name: "text ok", body: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+34 612 345 678","type":"text","text":{"body":"hola"}}`, wantStatus: 200},
		{name: "type defaults to text", body: `{"messaging_product":"whatsapp","to":"34612345678","text":{"body":"hola"}}`, wantStatus: 200},
		{name: "no token", token: "-", body: `{"messaging_product":"whatsapp","to":"34612345678","text":{"body":"hola"}}`, wantStatus: 401, wantCode: 190},
		{name: "wrong token", token: "nope", body: `{"messaging_product":"whatsapp","to":"34612345678","text":{"body":"hola"}}`, wantStatus: 401, wantCode: 190},
		{name: "unknown phone number id", path: "/v24.0/999/messages", body: `{"messaging_product":"whatsapp","to":"34612345678","text":{"body":"hola"}}`, wantStatus: 400, wantCode: 100},
		{name: "bad version", path: "/latest/106540352242922/messages", body: `{"messaging_product":"whatsapp","to":"34612345678","text":{"body":"hola"}}`, wantStatus: 400, wantCode: 2500},
		{name: "not json", body: `hola`, wantStatus: 400, wantCode: 100},
		{name: "no messaging_product", body: `{"to":"34612345678","type":"text","text":{"body":"hola"}}`, wantStatus: 400, wantCode: 100},
		{name: "wrong messaging_product", body: `{"messaging_product":"sms","to":"34612345678","type":"text","text":{"body":"hola"}}`, wantStatus: 400, wantCode: 100},
		{name: "unknown type", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"poll","poll":{}}`, wantStatus: 400, wantCode: 131051},
		{name: "type without sibling", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"text"}`, wantStatus: 400, wantCode: 100},
		{name: "sibling of wrong type", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"text","text":"hola"}`, wantStatus: 400, wantCode: 100},
		{name: "no recipient", body: `{"messaging_product":"whatsapp","type":"text","text":{"body":"hola"}}`, wantStatus: 400, wantCode: 100},
		{name: "bad recipient", body: `{"messaging_product":"whatsapp","to":"ana","type":"text","text":{"body":"hola"}}`, wantStatus: 400, wantCode: 100},
		{name: "empty body", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"text","text":{"body":""}}`, wantStatus: 400, wantCode: 100},
		{name: "4096 ok", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"text","text":{"body":"` + strings.Repeat("é", 4096) + `"}}`, wantStatus: 200},
		{name: "4097", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"text","text":{"body":"` + strings.Repeat("a", 4097) + `"}}`, wantStatus: 400, wantCode: 100},
		{name: "3 buttons ok", body: btn(3, "Twenty chars exactly"), wantStatus: 200},
		{name: "4 buttons", body: btn(4, "A"), wantStatus: 400, wantCode: 100},
		{name: "0 buttons", body: btn(0, "A"), wantStatus: 400, wantCode: 100},
		{name: "title 21", body: btn(1, strings.Repeat("t", 21)), wantStatus: 400, wantCode: 100},
		{name: "list ok", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"interactive","interactive":{"type":"list","body":{"text":"Pick"},"action":{"button":"Options","sections":[{"title":"A","rows":[{"id":"r1","title":"Row"}]}]}}}`, wantStatus: 200},
		{name: "list no button label", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"interactive","interactive":{"type":"list","body":{"text":"Pick"},"action":{"sections":[{"rows":[{"id":"r1","title":"Row"}]}]}}}`, wantStatus: 400, wantCode: 100},
		{name: "template ok", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`, wantStatus: 200},
		{name: "template no name", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"template","template":{"language":{"code":"en_US"}}}`, wantStatus: 400, wantCode: 100},
		{name: "template no language", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"template","template":{"name":"hello_world"}}`, wantStatus: 400, wantCode: 100},
		{name: "reaction ok", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"reaction","reaction":{"message_id":"` + in + `","emoji":"👍"}}`, wantStatus: 200},
		{name: "reaction no target", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"reaction","reaction":{"emoji":"👍"}}`, wantStatus: 400, wantCode: 100},
		{name: "image by link", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"image","image":{"link":"https://example.com/a.jpg","caption":"a"}}`, wantStatus: 200},
		{name: "image without id or link", body: `{"messaging_product":"whatsapp","to":"34612345678","type":"image","image":{"caption":"a"}}`, wantStatus: 400, wantCode: 100},
		{name: "mark read ok", body: `{"messaging_product":"whatsapp","status":"read","message_id":"` + in + `"}`, wantStatus: 200},
		{name: "mark read with typing", body: `{"messaging_product":"whatsapp","status":"read","message_id":"` + in + `","typing_indicator":{"type":"text"}}`, wantStatus: 200},
		{name: "mark read wrong status", body: `{"messaging_product":"whatsapp","status":"delivered","message_id":"` + in + `"}`, wantStatus: 400, wantCode: 100},
		{name: "mark read no id", body: `{"messaging_product":"whatsapp","status":"read"}`, wantStatus: 400, wantCode: 100},
		{name: "mark read unknown id", body: `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.nope"}`, wantStatus: 400, wantCode: 100},
		{name: "mark read bad typing", body: `{"messaging_product":"whatsapp","status":"read","message_id":"` + in + `","typing_indicator":{"type":"audio"}}`, wantStatus: 400, wantCode: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path
			if path == "" {
				path = messagesPath
			}
			token := tt.token
			switch token {
			case "":
				token = testToken
			case "-":
				token = ""
			}
			a := postGraph(t, f, path, token, tt.body)
			if a.status != tt.wantStatus {
				t.Fatalf("POST status = %d, want %d; body %s", a.status, tt.wantStatus, a.raw)
			}
			if tt.wantCode != 0 {
				if a.code() != tt.wantCode {
					t.Fatalf("error code = %d, want %d; body %s", a.code(), tt.wantCode, a.raw)
				}
				e := a.body["error"].(map[string]any)
				if e["message"] == "" || e["type"] == "" || e["fbtrace_id"] == "" {
					t.Errorf("error = %v, want message, type and fbtrace_id", e)
				}
				return
			}
			if strings.Contains(tt.body, `"status":"read"`) {
				if a.raw != "{\"success\":true}\n" {
					t.Errorf("mark read answer = %q, want {\"success\":true}", a.raw)
				}
				return
			}
			msgs, _ := a.body["messages"].([]any)
			contacts, _ := a.body["contacts"].([]any)
			if a.body["messaging_product"] != "whatsapp" || len(msgs) != 1 || len(contacts) != 1 {
				t.Fatalf("answer = %s, want Meta's success shape", a.raw)
			}
			id, _ := msgs[0].(map[string]any)["id"].(string)
			c := contacts[0].(map[string]any)
			if !strings.HasPrefix(id, "wamid.") || c["wa_id"] != "34612345678" || c["input"] == "" {
				t.Errorf("answer = %s, want a wamid and contacts input/wa_id", a.raw)
			}
		})
	}
}

func TestFaultInjection(t *testing.T) {
	tests := []struct {
		fault  Fault
		status int
		code   int
		action whatsapp.Action
	}{
		{FaultRateLimit, 400, 130429, whatsapp.RetryBackoff},
		{FaultPairRateLimit, 400, 131056, whatsapp.RetryRecipientLater},
		{FaultServerError, 500, 131000, whatsapp.RetryBackoff},
		{FaultUnavailable, 503, 131016, whatsapp.RetryBackoff},
		{FaultWindowClosed, 400, 131047, whatsapp.WindowClosed},
		{FaultAuth, 401, 190, whatsapp.AuthFailed},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			f := start(t, Config{NoStatuses: true}, nil, false)
			if err := f.sim.InjectFault(tt.fault, 2); err != nil {
				t.Fatal(err)
			}
			msg := whatsapp.OutboundMessage{To: "34612345678", Text: &whatsapp.TextContent{Body: "hola"}}
			for i := range 2 {
				_, err := f.client.Send(context.Background(), "106540352242922", msg)
				var ae *whatsapp.APIError
				if !errors.As(err, &ae) || ae.HTTPStatus != tt.status || ae.Code != tt.code || ae.FBTraceID == "" {
					t.Fatalf("Send #%d error = %v, want http %d code %d with fbtrace_id", i+1, err, tt.status, tt.code)
				}
				if got := whatsapp.Classify(err); got != tt.action {
					t.Errorf("Classify(%v) = %v, want %v", err, got, tt.action)
				}
			}
			if _, err := f.client.Send(context.Background(), "106540352242922", msg); err != nil {
				t.Fatalf("Send after 2 faults = %v, want success", err)
			}
			if n := len(f.sim.Sent()); n != 1 {
				t.Errorf("len(Sent()) = %d, want 1 (failed sends are not recorded)", n)
			}
		})
	}
}

func TestFaultHang(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, false)
	if err := f.sim.InjectFault(FaultHang, 1); err != nil {
		t.Fatal(err)
	}
	client, err := whatsapp.NewClient(whatsapp.ClientConfig{BaseURL: f.srv.URL, Token: testToken, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = client.Send(context.Background(), "106540352242922", whatsapp.OutboundMessage{To: "34612345678", Text: &whatsapp.TextContent{Body: "hola"}})
	if err == nil || whatsapp.Classify(err) != whatsapp.RetryBackoff {
		t.Fatalf("Send(hang) = %v, want a retryable timeout", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("Send(hang) took %v, want about the client timeout", time.Since(start))
	}
	if _, err := client.Send(context.Background(), "106540352242922", whatsapp.OutboundMessage{To: "34612345678", Text: &whatsapp.TextContent{Body: "hola"}}); err != nil {
		t.Fatalf("Send after the hang = %v, want success", err)
	}
}

func TestFaultWindowClosedAsync(t *testing.T) {
	f := start(t, Config{}, nil, true)
	if err := f.sim.InjectFault(FaultWindowClosedAsync, 1); err != nil {
		t.Fatal(err)
	}
	out, err := f.client.Send(context.Background(), "106540352242922", whatsapp.OutboundMessage{To: "34612345678", Text: &whatsapp.TextContent{Body: "hola"}})
	if err != nil {
		t.Fatalf("Send() = %v, want accepted (the failure comes by webhook)", err)
	}
	waitFor(t, "the failed status", func() bool { return len(f.stub.events().Statuses) == 1 })
	time.Sleep(30 * time.Millisecond) // no sent/delivered/read may follow
	st := f.stub.events().Statuses
	if len(st) != 1 || st[0].Status.ID != out || st[0].Status.Status != whatsapp.StatusFailed || len(st[0].Status.Errors) != 1 || st[0].Status.Errors[0].Code != 131047 {
		t.Fatalf("statuses = %+v, want one failed 131047 for %s", st, out)
	}
	if got := whatsapp.ClassifyCode(st[0].Status.Errors[0].Code); got != whatsapp.WindowClosed {
		t.Errorf("ClassifyCode(131047) = %v, want %v", got, whatsapp.WindowClosed)
	}
}

func TestLatencyAndClear(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, false)
	f.sim.SetLatency(80 * time.Millisecond)
	msg := whatsapp.OutboundMessage{To: "34612345678", Text: &whatsapp.TextContent{Body: "hola"}}
	begin := time.Now()
	if _, err := f.client.Send(context.Background(), "106540352242922", msg); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < 80*time.Millisecond {
		t.Errorf("Send with latency took %v, want >= 80ms", d)
	}
	if err := f.sim.InjectFault(FaultServerError, 5); err != nil {
		t.Fatal(err)
	}
	f.sim.ClearFaults()
	if _, err := f.client.Send(context.Background(), "106540352242922", msg); err != nil {
		t.Fatalf("Send after ClearFaults = %v, want success", err)
	}
	if err := f.sim.InjectFault("meteor", 1); !errors.Is(err, ErrUnknownFault) {
		t.Errorf("InjectFault(meteor) = %v, want ErrUnknownFault", err)
	}
}

func TestDuplicateSendsCounted(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, false)
	ctx := context.Background()
	send := func(to, body, opaque string) {
		t.Helper()
		if _, err := f.client.Send(ctx, "106540352242922", whatsapp.OutboundMessage{To: to, Text: &whatsapp.TextContent{Body: body}, BizOpaqueCallbackData: opaque}); err != nil {
			t.Fatal(err)
		}
	}
	send("34612345678", "hola", "")
	send("+34 612 345 678", "hola", "") // same recipient, same content
	send("5215512345678", "hola", "")   // other recipient
	send("34612345678", "adiós", "")    // other content
	send("34612345678", "uno", "out-9")
	send("34612345678", "dos", "out-9") // same idempotency key
	d := f.sim.Duplicates()
	if len(d) != 2 || d[0].Count != 2 || d[0].WaID != "34612345678" || d[1].Key != "opaque:out-9" {
		t.Fatalf("Duplicates() = %+v, want hola to 34612345678 twice and out-9 twice", d)
	}
	if got := f.sim.DuplicateCount(); got != 2 {
		t.Errorf("DuplicateCount() = %d, want 2", got)
	}
}

// TestRetryAfterFaultSendsOnce is the outbox pattern the simulator exists
// for: retry on a retryable fault, and nothing is sent twice.
func TestRetryAfterFaultSendsOnce(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, false)
	_ = f.sim.InjectFault(FaultRateLimit, 1)
	_ = f.sim.InjectFault(FaultServerError, 1)
	msg := whatsapp.OutboundMessage{To: "34612345678", Text: &whatsapp.TextContent{Body: "hola"}, BizOpaqueCallbackData: "outbox-1"}
	var attempts int
	for {
		attempts++
		_, err := f.client.Send(context.Background(), "106540352242922", msg)
		if err == nil {
			break
		}
		if whatsapp.Classify(err) != whatsapp.RetryBackoff || attempts > 5 {
			t.Fatalf("Send attempt %d = %v, want retryable", attempts, err)
		}
	}
	if attempts != 3 || len(f.sim.Sent()) != 1 || f.sim.DuplicateCount() != 0 {
		t.Errorf("attempts %d, sent %d, duplicates %d; want 3, 1, 0", attempts, len(f.sim.Sent()), f.sim.DuplicateCount())
	}
}

// TestDocumentsAndLinks: the phone shows a document's file (and whether
// WhatsApp can show its type), makes links tappable, and Follow opens one.
func TestDocumentsAndLinks(t *testing.T) {
	f := start(t, Config{NoStatuses: true}, nil, false)
	if _, err := f.sim.SendFromCustomer(CustomerMessage{From: "34612345678", Text: "hola"}); err != nil {
		t.Fatal(err)
	}
	files := http.NewServeMux()
	files.HandleFunc("GET /file", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("the file")) })
	fs := httptest.NewServer(files)
	defer fs.Close()
	for _, body := range []string{
		`{"messaging_product":"whatsapp","to":"34612345678","type":"document","document":{"link":"https://example.com/d/1","filename":"my-data.txt","caption":"Your data"}}`,
		`{"messaging_product":"whatsapp","to":"34612345678","type":"document","document":{"id":"4490709327384033","filename":"my-data.zip"}}`,
		`{"messaging_product":"whatsapp","to":"34612345678","type":"text","text":{"body":"Download (once): ` + fs.URL + `/file."}}`,
	} {
		if a := postGraph(t, f, messagesPath, testToken, body); a.status != 200 {
			t.Fatalf("POST %s = %d %s", body, a.status, a.raw)
		}
	}
	th, _ := f.sim.Thread("34612345678")
	var out []ThreadMessage
	for _, m := range th.Messages {
		if m.Direction == "out" {
			out = append(out, m)
		}
	}
	if len(out) != 3 {
		t.Fatalf("thread has %d business messages, want 3", len(out))
	}
	if d := out[0].Document; d == nil || d.Filename != "my-data.txt" || d.Link != "https://example.com/d/1" || !d.Viewable {
		t.Errorf("TXT document = %+v, want it shown", d)
	}
	if d := out[1].Document; d == nil || d.Viewable {
		t.Errorf("ZIP document = %+v, want it marked not viewable (spec §7.2)", d)
	}
	if len(out[2].Links) != 1 || out[2].Links[0] != fs.URL+"/file" {
		t.Fatalf("links = %v, want the one URL without the full stop", out[2].Links)
	}
	resp, err := f.sim.Follow(context.Background(), out[2].Links[0])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "the file" {
		t.Errorf("Follow = %q, want the file", b)
	}
	if _, err := f.sim.Follow(context.Background(), "file:///etc/passwd"); err == nil {
		t.Error("Follow opened a non-http link")
	}
}
