package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "EAAG-secret-token-value"

// graphStub records requests and answers with a fixed status and body.
type graphStub struct {
	mu       sync.Mutex
	requests []stubRequest
	status   int
	body     string
	delay    time.Duration
}

type stubRequest struct {
	Method, Path, Auth, ContentType string
	Body                            []byte
}

func (s *graphStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, stubRequest{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body})
	status, answer, delay := s.status, s.body, s.delay
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
}

func (s *graphStub) last(t *testing.T) stubRequest {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		t.Fatal("no request reached the stub")
	}
	return s.requests[len(s.requests)-1]
}

func newTestClient(t *testing.T, stub http.Handler, logOut io.Writer) *Client {
	t.Helper()
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	if logOut == nil {
		logOut = io.Discard
	}
	c, err := NewClient(ClientConfig{
		BaseURL: srv.URL,
		Token:   testToken,
		Timeout: 2 * time.Second,
		Logger:  slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const successBody = `{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA"}]}`

func TestClientSendRequestShape(t *testing.T) {
	tests := []struct {
		name string
		msg  OutboundMessage
		want string
	}{
		{
			name: "text",
			msg:  OutboundMessage{To: "+16505551234", Text: &TextContent{Body: "As requested: https://www.meta.com/", PreviewURL: true}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234","type":"text","text":{"preview_url":true,"body":"As requested: https://www.meta.com/"}}`,
		},
		{
			name: "text reply with callback data",
			msg:  OutboundMessage{To: "16505551234", Text: &TextContent{Body: "¿Algo más?"}, ReplyTo: "wamid.IN", BizOpaqueCallbackData: "outbox-7"},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text","context":{"message_id":"wamid.IN"},"text":{"body":"¿Algo más?"},"biz_opaque_callback_data":"outbox-7"}`,
		},
		{
			name: "reply buttons",
			msg: OutboundMessage{To: "16505551234", Buttons: &ButtonsContent{Body: "Reschedule?", Footer: "Acme", Buttons: []ReplyButton{
				{ID: "change-button", Title: "Change"}, {ID: "keep", Title: "Keep"}}}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"interactive","interactive":{"type":"button","body":{"text":"Reschedule?"},"footer":{"text":"Acme"},"action":{"buttons":[{"type":"reply","reply":{"id":"change-button","title":"Change"}},{"type":"reply","reply":{"id":"keep","title":"Keep"}}]}}}`,
		},
		{
			name: "list",
			msg: OutboundMessage{To: "16505551234", List: &ListContent{Header: "Shipping", Body: "Pick a speed", Button: "Options", Sections: []ListSection{
				{Title: "Fast", Rows: []ListRow{{ID: "priority_express", Title: "Priority Mail Express", Description: "Next Day to 2 Days"}}}}}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"interactive","interactive":{"type":"list","header":{"type":"text","text":"Shipping"},"body":{"text":"Pick a speed"},"action":{"button":"Options","sections":[{"title":"Fast","rows":[{"id":"priority_express","title":"Priority Mail Express","description":"Next Day to 2 Days"}]}]}}}`,
		},
		{
			name: "template with components",
			msg: OutboundMessage{To: "16505551234", Template: &TemplateContent{Name: "reservation_confirmation", Language: "en_US", Components: []TemplateComponent{
				{Type: "header", Parameters: []TemplateParameter{{Type: "image", Image: &MediaRef{ID: "2871834006348767"}}}},
				{Type: "body", Parameters: []TemplateParameter{{Type: "text", ParameterName: "number_of_guests", Text: "4"}}},
				{Type: "button", SubType: "url", Index: "0", Parameters: []TemplateParameter{{Type: "text", Text: "abc"}}},
			}}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"template","template":{"name":"reservation_confirmation","language":{"code":"en_US"},"components":[{"type":"header","parameters":[{"type":"image","image":{"id":"2871834006348767"}}]},{"type":"body","parameters":[{"type":"text","parameter_name":"number_of_guests","text":"4"}]},{"type":"button","sub_type":"url","index":"0","parameters":[{"type":"text","text":"abc"}]}]}}`,
		},
		{
			name: "template without components",
			msg:  OutboundMessage{To: "16505551234", Template: &TemplateContent{Name: "hello_world", Language: "en_US"}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`,
		},
		{
			name: "reaction",
			msg:  OutboundMessage{To: "16505551234", Reaction: &ReactionContent{MessageID: "wamid.IN", Emoji: "👍"}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"reaction","reaction":{"message_id":"wamid.IN","emoji":"👍"}}`,
		},
		{
			name: "reaction removed",
			msg:  OutboundMessage{To: "16505551234", Reaction: &ReactionContent{MessageID: "wamid.IN"}},
			want: `{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"reaction","reaction":{"message_id":"wamid.IN","emoji":""}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &graphStub{status: 200, body: successBody}
			c := newTestClient(t, stub, nil)
			wamid, err := c.Send(context.Background(), "106540352242922", tt.msg)
			if err != nil {
				t.Fatalf("Send() error = %v", err)
			}
			if wamid != "wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1RjQyNUE3NEYxMzAzMzQ5MkEA" {
				t.Errorf("Send() = %q, want the wamid from the answer", wamid)
			}
			req := stub.last(t)
			if req.Method != http.MethodPost || req.Path != "/v24.0/106540352242922/messages" {
				t.Errorf("request = %s %s, want POST /v24.0/106540352242922/messages", req.Method, req.Path)
			}
			if req.Auth != "Bearer "+testToken || req.ContentType != "application/json" {
				t.Errorf("headers = %q, %q; want bearer token and application/json", req.Auth, req.ContentType)
			}
			if !jsonEqual(t, req.Body, []byte(tt.want)) {
				t.Errorf("body = %s, want %s", req.Body, tt.want)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("unmarshal %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return fmt.Sprint(x) == fmt.Sprint(y)
}

func TestOutboundValidate(t *testing.T) {
	text := func(body string) OutboundMessage { return OutboundMessage{To: "1", Text: &TextContent{Body: body}} }
	buttons := func(titles ...string) OutboundMessage {
		b := &ButtonsContent{Body: "Pick"}
		for i, ti := range titles {
			b.Buttons = append(b.Buttons, ReplyButton{ID: fmt.Sprint("id", i), Title: ti})
		}
		return OutboundMessage{To: "1", Buttons: b}
	}
	list := func(mod func(*ListContent)) OutboundMessage {
		l := &ListContent{Body: "Pick", Button: "Options", Sections: []ListSection{{Title: "A", Rows: []ListRow{{ID: "r1", Title: "Row"}}}}}
		mod(l)
		return OutboundMessage{To: "1", List: l}
	}
	rows := func(n int) []ListRow {
		var rs []ListRow
		for i := range n {
			rs = append(rs, ListRow{ID: fmt.Sprint("r", i), Title: "Row"})
		}
		return rs
	}
	tests := []struct {
		name  string
		msg   OutboundMessage
		field string // "" means valid
	}{
		{name: "text ok", msg: text("hi")},
		{name: "text 4096 runes ok", msg: text(strings.Repeat("é", MaxTextBody))},
		{name: "text 4097", msg: text(strings.Repeat("a", MaxTextBody+1)), field: "text.body"},
		{name: "text empty", msg: text(""), field: "text.body"},
		{name: "no content", msg: OutboundMessage{To: "1"}, field: "content"},
		{name: "two contents", msg: OutboundMessage{To: "1", Text: &TextContent{Body: "a"}, Reaction: &ReactionContent{MessageID: "w"}}, field: "content"},
		{name: "no recipient", msg: OutboundMessage{Text: &TextContent{Body: "a"}}, field: "to"},
		{name: "3 buttons ok", msg: buttons("A", "B", strings.Repeat("ñ", MaxButtonTitle))},
		{name: "4 buttons", msg: buttons("A", "B", "C", "D"), field: "interactive.action.buttons"},
		{name: "0 buttons", msg: buttons(), field: "interactive.action.buttons"},
		{name: "title 21", msg: buttons(strings.Repeat("a", MaxButtonTitle+1)), field: "interactive.action.buttons[0].reply.title"},
		{name: "empty title", msg: buttons(""), field: "interactive.action.buttons[0].reply.title"},
		{name: "duplicate button id", msg: OutboundMessage{To: "1", Buttons: &ButtonsContent{Body: "x", Buttons: []ReplyButton{{ID: "a", Title: "A"}, {ID: "a", Title: "B"}}}}, field: "interactive.action.buttons[1].reply.id"},
		{name: "button id 257", msg: OutboundMessage{To: "1", Buttons: &ButtonsContent{Body: "x", Buttons: []ReplyButton{{ID: strings.Repeat("i", MaxButtonID+1), Title: "A"}}}}, field: "interactive.action.buttons[0].reply.id"},
		{name: "buttons body 1025", msg: OutboundMessage{To: "1", Buttons: &ButtonsContent{Body: strings.Repeat("b", MaxInteractiveBody+1), Buttons: []ReplyButton{{ID: "a", Title: "A"}}}}, field: "interactive.body.text"},
		{name: "buttons footer 61", msg: OutboundMessage{To: "1", Buttons: &ButtonsContent{Body: "b", Footer: strings.Repeat("f", MaxHeaderFooter+1), Buttons: []ReplyButton{{ID: "a", Title: "A"}}}}, field: "interactive.footer.text"},
		{name: "list ok", msg: list(func(*ListContent) {})},
		{name: "list 10 rows over sections ok", msg: list(func(l *ListContent) {
			l.Sections = []ListSection{{Title: "A", Rows: rows(5)}, {Title: "B", Rows: rows(5)[:0]}}
			l.Sections[1].Rows = []ListRow{{ID: "x1", Title: "X"}, {ID: "x2", Title: "X"}, {ID: "x3", Title: "X"}, {ID: "x4", Title: "X"}, {ID: "x5", Title: "X"}}
		})},
		{name: "list 11 rows", msg: list(func(l *ListContent) { l.Sections[0].Rows = rows(MaxListRows + 1) }), field: "interactive.action.sections"},
		{name: "list 11 sections", msg: list(func(l *ListContent) {
			l.Sections = nil
			for i := range MaxListSections + 1 {
				l.Sections = append(l.Sections, ListSection{Rows: []ListRow{{ID: fmt.Sprint(i), Title: "r"}}})
			}
		}), field: "interactive.action.sections"},
		{name: "list no sections", msg: list(func(l *ListContent) { l.Sections = nil }), field: "interactive.action.sections"},
		{name: "list empty section", msg: list(func(l *ListContent) { l.Sections[0].Rows = nil }), field: "interactive.action.sections[0].rows"},
		{name: "list button label 21", msg: list(func(l *ListContent) { l.Button = strings.Repeat("b", 21) }), field: "interactive.action.button"},
		{name: "list header 61", msg: list(func(l *ListContent) { l.Header = strings.Repeat("h", 61) }), field: "interactive.header.text"},
		{name: "list section title 25", msg: list(func(l *ListContent) { l.Sections[0].Title = strings.Repeat("s", 25) }), field: "interactive.action.sections[0].title"},
		{name: "list row title 25", msg: list(func(l *ListContent) { l.Sections[0].Rows[0].Title = strings.Repeat("t", 25) }), field: "interactive.action.sections[0].rows[0].title"},
		{name: "list row description 73", msg: list(func(l *ListContent) { l.Sections[0].Rows[0].Description = strings.Repeat("d", 73) }), field: "interactive.action.sections[0].rows[0].description"},
		{name: "list row id 201", msg: list(func(l *ListContent) { l.Sections[0].Rows[0].ID = strings.Repeat("i", 201) }), field: "interactive.action.sections[0].rows[0].id"},
		{name: "list duplicate row id", msg: list(func(l *ListContent) { l.Sections[0].Rows = []ListRow{{ID: "a", Title: "A"}, {ID: "a", Title: "B"}} }), field: "interactive.action.sections[0].rows[1].id"},
		{name: "template ok", msg: OutboundMessage{To: "1", Template: &TemplateContent{Name: "hello_world", Language: "en_US"}}},
		{name: "template no name", msg: OutboundMessage{To: "1", Template: &TemplateContent{Language: "en_US"}}, field: "template.name"},
		{name: "template no language", msg: OutboundMessage{To: "1", Template: &TemplateContent{Name: "hello_world"}}, field: "template.language.code"},
		{name: "template component no type", msg: OutboundMessage{To: "1", Template: &TemplateContent{Name: "n", Language: "es", Components: []TemplateComponent{{}}}}, field: "template.components[0].type"},
		{name: "reaction ok", msg: OutboundMessage{To: "1", Reaction: &ReactionContent{MessageID: "wamid.x", Emoji: "👍"}}},
		{name: "reaction no target", msg: OutboundMessage{To: "1", Reaction: &ReactionContent{Emoji: "👍"}}, field: "reaction.message_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.msg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidMessage) || !strings.Contains(err.Error(), ": "+tt.field+": ") {
				t.Fatalf("Validate() = %v, want ErrInvalidMessage naming %s", err, tt.field)
			}
		})
	}
}

func TestClientSendInvalidNeverReachesServer(t *testing.T) {
	stub := &graphStub{status: 200, body: successBody}
	c := newTestClient(t, stub, nil)
	_, err := c.Send(context.Background(), "106540352242922", OutboundMessage{To: "1", Text: &TextContent{Body: strings.Repeat("a", 5000)}})
	if !errors.Is(err, ErrInvalidMessage) || Classify(err) != Permanent {
		t.Fatalf("Send(too long) = %v (%v), want ErrInvalidMessage, permanent", err, Classify(err))
	}
	if _, err := c.Send(context.Background(), "", OutboundMessage{To: "1", Text: &TextContent{Body: "a"}}); !errors.Is(err, ErrInvalidMessage) {
		t.Fatalf("Send(no phone number id) = %v, want ErrInvalidMessage", err)
	}
	if len(stub.requests) != 0 {
		t.Errorf("stub got %d requests, want 0", len(stub.requests))
	}
}

func metaError(code, subcode int, typ, msg string) string {
	return fmt.Sprintf(`{"error":{"message":%q,"type":%q,"code":%d,"error_data":{"messaging_product":"whatsapp","details":"details for %d"},"error_subcode":%d,"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}`, msg, typ, code, code, subcode)
}

func TestClientSendErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		code   int
		want   Action
	}{
		{name: "throughput 130429", status: 400, body: metaError(130429, 2494055, "OAuthException", "(#130429) Rate limit hit"), code: 130429, want: RetryBackoff},
		{name: "pair limit 131056", status: 400, body: metaError(131056, 0, "OAuthException", "(#131056) Pair rate limit hit"), code: 131056, want: RetryRecipientLater},
		{name: "unknown 131000", status: 500, body: metaError(131000, 0, "OAuthException", "Something went wrong"), code: 131000, want: RetryBackoff},
		{name: "unavailable 131016", status: 500, body: metaError(131016, 0, "OAuthException", "Service unavailable"), code: 131016, want: RetryBackoff},
		{name: "maintenance 131057", status: 500, body: metaError(131057, 0, "OAuthException", "Account in maintenance mode"), code: 131057, want: RetryBackoff},
		{name: "unknown 1", status: 400, body: metaError(1, 0, "OAuthException", "An unknown error occurred"), code: 1, want: RetryBackoff},
		{name: "service down 2", status: 503, body: metaError(2, 0, "OAuthException", "Service temporarily unavailable"), code: 2, want: RetryBackoff},
		{name: "app rate limit 4", status: 400, body: metaError(4, 0, "OAuthException", "Application request limit reached"), code: 4, want: RetryBackoff},
		{name: "spam 131048", status: 400, body: metaError(131048, 0, "OAuthException", "Spam rate limit hit"), code: 131048, want: PauseNumber},
		{name: "blocked 368", status: 403, body: metaError(368, 0, "OAuthException", "Temporarily blocked for policies violations"), code: 368, want: PauseNumber},
		{name: "locked 131031", status: 403, body: metaError(131031, 0, "OAuthException", "Account has been locked"), code: 131031, want: PauseNumber},
		{name: "payment 131042", status: 400, body: metaError(131042, 0, "OAuthException", "Business eligibility payment issue"), code: 131042, want: PauseNumber},
		{name: "token 190", status: 401, body: metaError(190, 463, "OAuthException", "Error validating access token: Session has expired"), code: 190, want: AuthFailed},
		{name: "auth 0", status: 401, body: metaError(0, 0, "OAuthException", "(#0) AuthException"), code: 0, want: AuthFailed},
		{name: "window 131047", status: 400, body: metaError(131047, 0, "OAuthException", "Re-engagement message"), code: 131047, want: WindowClosed},
		{name: "param 100", status: 400, body: metaError(100, 0, "OAuthException", "(#100) Invalid parameter"), code: 100, want: Permanent},
		{name: "undeliverable 131026", status: 400, body: metaError(131026, 0, "OAuthException", "Message undeliverable"), code: 131026, want: Permanent},
		{name: "ecosystem 131049", status: 400, body: metaError(131049, 0, "OAuthException", "not delivered"), code: 131049, want: Permanent},
		{name: "opt out 131050", status: 400, body: metaError(131050, 0, "OAuthException", "stopped marketing"), code: 131050, want: Permanent},
		{name: "template 132001", status: 404, body: metaError(132001, 0, "OAuthException", "Template name does not exist"), code: 132001, want: Permanent},
		{name: "template paused 132015", status: 400, body: metaError(132015, 0, "OAuthException", "Template is paused"), code: 132015, want: Permanent},
		{name: "permission 10", status: 403, body: metaError(10, 0, "OAuthException", "Permission denied"), code: 10, want: Permanent},
		{name: "unlisted code on 5xx", status: 502, body: metaError(999999, 0, "OAuthException", "?"), code: 999999, want: RetryBackoff},
		{name: "proxy 502 html", status: 502, body: "<html>Bad Gateway</html>", code: 0, want: RetryBackoff},
		{name: "plain 429", status: 429, body: "slow down", code: 0, want: RetryBackoff},
		{name: "plain 401", status: 401, body: "", code: 0, want: AuthFailed},
		{name: "plain 404", status: 404, body: "not found", code: 0, want: Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			c := newTestClient(t, &graphStub{status: tt.status, body: tt.body}, &logs)
			_, err := c.Send(context.Background(), "106540352242922", OutboundMessage{To: "16505551234", Text: &TextContent{Body: "hi"}})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("Send() error = %v, want *APIError", err)
			}
			if ae.HTTPStatus != tt.status || ae.Code != tt.code {
				t.Errorf("APIError = http %d code %d, want http %d code %d", ae.HTTPStatus, ae.Code, tt.status, tt.code)
			}
			if strings.HasPrefix(tt.body, "{") && (ae.FBTraceID != "Az8or2yhqkZfEZ-_4Qn_Bam" || ae.Details == "" || ae.Type != "OAuthException" || ae.Message == "") {
				t.Errorf("APIError = %+v, want type, message, details and fbtrace_id parsed", ae)
			}
			if got := Classify(err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", err, got, tt.want)
			}
			if strings.Contains(logs.String(), testToken) || strings.Contains(err.Error(), testToken) {
				t.Errorf("token leaked into logs or error: %s / %v", logs.String(), err)
			}
		})
	}
}

func TestAPIErrorSubcodeParsed(t *testing.T) {
	c := newTestClient(t, &graphStub{status: 400, body: metaError(130429, 2494055, "OAuthException", "(#130429) Rate limit hit")}, nil)
	_, err := c.Send(context.Background(), "1", OutboundMessage{To: "1", Text: &TextContent{Body: "a"}})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Subcode != 2494055 {
		t.Fatalf("Send() error = %v, want subcode 2494055", err)
	}
	if !strings.Contains(ae.Error(), "code 130429") || !strings.Contains(ae.Error(), "fbtrace_id=Az8or2yhqkZfEZ-_4Qn_Bam") {
		t.Errorf("Error() = %q, want code and fbtrace_id", ae.Error())
	}
}

func TestClientTimeoutIsRetryable(t *testing.T) {
	stub := &graphStub{status: 200, body: successBody, delay: 5 * time.Second}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: testToken, Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), "1", OutboundMessage{To: "1", Text: &TextContent{Body: "a"}})
	if err == nil || Classify(err) != RetryBackoff {
		t.Fatalf("Send(hanging server) = %v (%v), want a retryable timeout", err, Classify(err))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	c2 := newTestClient(t, stub, nil)
	_, err = c2.Send(ctx, "1", OutboundMessage{To: "1", Text: &TextContent{Body: "a"}})
	if !errors.Is(err, context.DeadlineExceeded) || Classify(err) != RetryBackoff {
		t.Fatalf("Send(ctx deadline) = %v (%v), want deadline exceeded, retryable", err, Classify(err))
	}
}

func TestClientConnectionRefusedIsRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: url, Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), "1", OutboundMessage{To: "1", Text: &TextContent{Body: "a"}})
	if err == nil || Classify(err) != RetryBackoff {
		t.Fatalf("Send(closed server) = %v (%v), want a retryable network error", err, Classify(err))
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error %q contains the token", err)
	}
}

func TestClientSendOddSuccess(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{name: "no messages", body: `{"messaging_product":"whatsapp","contacts":[],"messages":[]}`},
		{name: "not json", body: `ok`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, &graphStub{status: 200, body: tt.body}, nil)
			_, err := c.Send(context.Background(), "1", OutboundMessage{To: "1", Text: &TextContent{Body: "a"}})
			// Meta said 200: retrying could send twice.
			if err == nil || Classify(err) != Permanent {
				t.Fatalf("Send() = %v (%v), want an error classified permanent", err, Classify(err))
			}
		})
	}
}

func TestClientMarkRead(t *testing.T) {
	tests := []struct {
		name   string
		typing bool
		want   string
	}{
		{name: "read", want: `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN"}`},
		{name: "read with typing", typing: true, want: `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN","typing_indicator":{"type":"text"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := &graphStub{status: 200, body: `{"success":true}`}
			c := newTestClient(t, stub, nil)
			if err := c.MarkRead(context.Background(), "106540352242922", "wamid.IN", tt.typing); err != nil {
				t.Fatalf("MarkRead() = %v, want nil", err)
			}
			req := stub.last(t)
			if req.Path != "/v24.0/106540352242922/messages" || !jsonEqual(t, req.Body, []byte(tt.want)) {
				t.Errorf("request = %s %s, want %s", req.Path, req.Body, tt.want)
			}
		})
	}
	t.Run("success false", func(t *testing.T) {
		c := newTestClient(t, &graphStub{status: 200, body: `{"success":false}`}, nil)
		if err := c.MarkRead(context.Background(), "1", "wamid.IN", false); err == nil {
			t.Fatal("MarkRead() = nil, want an error")
		}
	})
	t.Run("error", func(t *testing.T) {
		c := newTestClient(t, &graphStub{status: 400, body: metaError(100, 0, "OAuthException", "(#100) Invalid parameter")}, nil)
		err := c.MarkRead(context.Background(), "1", "wamid.IN", false)
		if Classify(err) != Permanent {
			t.Fatalf("MarkRead() = %v, want a permanent API error", err)
		}
	})
	t.Run("empty wamid", func(t *testing.T) {
		c := newTestClient(t, &graphStub{status: 200, body: `{"success":true}`}, nil)
		if err := c.MarkRead(context.Background(), "1", "", false); !errors.Is(err, ErrInvalidMessage) {
			t.Fatalf("MarkRead(\"\") = %v, want ErrInvalidMessage", err)
		}
	})
}

func TestNewClientConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     ClientConfig
		wantErr bool
	}{
		{name: "defaults", cfg: ClientConfig{Token: "t"}},
		{name: "no token", cfg: ClientConfig{}, wantErr: true},
		{name: "bad version", cfg: ClientConfig{Token: "t", APIVersion: "24"}, wantErr: true},
		{name: "relative base", cfg: ClientConfig{Token: "t", BaseURL: "graph.facebook.com"}, wantErr: true},
		{name: "custom", cfg: ClientConfig{Token: "t", BaseURL: "http://127.0.0.1:9/", APIVersion: "v25.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewClient(%+v) error = %v, want error %v", tt.cfg, err, tt.wantErr)
			}
			if err == nil && tt.cfg.BaseURL == "" && (c.base.String() != DefaultBaseURL || c.version != DefaultAPIVersion) {
				t.Errorf("NewClient() = %s %s, want defaults", c.base, c.version)
			}
		})
	}
}

func TestClientConfigLogValueHidesToken(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("config", "cfg", ClientConfig{Token: testToken, BaseURL: DefaultBaseURL})
	if strings.Contains(buf.String(), testToken) || !strings.Contains(buf.String(), "token_set=true") {
		t.Errorf("logged config = %q, want token hidden", buf.String())
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want Action
	}{
		{name: "nil", err: nil, want: NoAction},
		{name: "wrapped api error", err: fmt.Errorf("outbox: %w", &APIError{HTTPStatus: 400, Code: 131056, Message: "x"}), want: RetryRecipientLater},
		{name: "code without message", err: &APIError{HTTPStatus: 400, Code: 131047}, want: WindowClosed},
		{name: "waba limit 80007", err: &APIError{HTTPStatus: 400, Code: 80007}, want: RetryBackoff},
		{name: "template param 132000", err: &APIError{HTTPStatus: 400, Code: 132000}, want: Permanent},
		{name: "invalid message", err: fmt.Errorf("x: %w", ErrInvalidMessage), want: Permanent},
		{name: "deadline", err: context.DeadlineExceeded, want: RetryBackoff},
		{name: "canceled", err: context.Canceled, want: RetryBackoff},
		{name: "other", err: errors.New("boom"), want: Permanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	pair := &APIError{HTTPStatus: 400, Code: 131056}
	tput := &APIError{HTTPStatus: 400, Code: 130429}
	app := &APIError{HTTPStatus: 400, Code: 4}
	tests := []struct {
		name    string
		err     error
		attempt int
		want    time.Duration
	}{
		{name: "pair 0", err: pair, attempt: 0, want: time.Second},
		{name: "pair 1", err: pair, attempt: 1, want: 4 * time.Second},
		{name: "pair 2", err: pair, attempt: 2, want: 16 * time.Second},
		{name: "pair cap", err: pair, attempt: 50, want: time.Hour},
		{name: "throughput 3", err: tput, attempt: 3, want: 8 * time.Second},
		{name: "throughput cap", err: tput, attempt: 100, want: 5 * time.Minute},
		{name: "app limit 0", err: app, attempt: 0, want: time.Minute},
		{name: "permanent", err: &APIError{HTTPStatus: 400, Code: 100}, attempt: 0, want: 0},
		{name: "auth", err: &APIError{HTTPStatus: 401, Code: 190}, attempt: 0, want: 0},
		{name: "negative attempt", err: tput, attempt: -3, want: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RetryDelay(tt.err, tt.attempt); got != tt.want {
				t.Errorf("RetryDelay(%v, %d) = %v, want %v", tt.err, tt.attempt, got, tt.want)
			}
		})
	}
}

func TestActionString(t *testing.T) {
	for a, want := range map[Action]string{NoAction: "none", RetryBackoff: "retry_backoff", RetryRecipientLater: "retry_recipient_later",
		PauseNumber: "pause_number", AuthFailed: "auth_failed", WindowClosed: "window_closed", Permanent: "permanent", Action(99): "action(99)"} {
		if got := a.String(); got != want {
			t.Errorf("Action(%d).String() = %q, want %q", int(a), got, want)
		}
	}
}
