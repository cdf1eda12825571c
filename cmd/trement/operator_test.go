package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp/totp"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/conversation"
	"github.com/trement/trement/internal/store"
)

// anotherToken is one more API token of the owner ownerToken signed in.
func (ta *testApp) anotherToken(scopes ...auth.Permission) string {
	ta.t.Helper()
	raw, _, err := ta.app.console.Auth().CreateToken(context.Background(), auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}, ta.owner, "test-2", scopes, time.Hour)
	if err != nil {
		ta.t.Fatal(err)
	}
	return raw
}

// ownerToken bootstraps an owner through the real sign-in with TOTP
// enrolment and returns an API token with the given scopes.
func (ta *testApp) ownerToken(scopes ...auth.Permission) string {
	t := ta.t
	t.Helper()
	_, p := ta.ownerSession()
	ri := auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}
	raw, _, err := ta.app.console.Auth().CreateToken(context.Background(), ri, p, "test", scopes, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// ownerSession bootstraps an owner through the real sign-in with TOTP
// enrolment and returns the session token (the console's cookie) and
// its principal.
func (ta *testApp) ownerSession() (string, *auth.Principal) {
	t := ta.t
	t.Helper()
	ctx := context.Background()
	svc := ta.app.console.Auth()
	ri := auth.RequestInfo{RequestID: "test", SourceIP: "127.0.0.1"}
	if _, err := svc.BootstrapOwner(ctx, ri, "owner", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Login(ctx, ri, "owner", "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	enr, err := svc.BeginEnrolment(ctx, ri, res.Token)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(enr.Secret, time.Now())
	done, err := svc.ConfirmEnrolment(ctx, ri, res.Token, code)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := svc.Authenticate(ctx, done.Token)
	if err != nil {
		t.Fatal(err)
	}
	ta.owner = p
	return done.Token, p
}

func (ta *testApp) api(method, path, token string, body string, out any) int {
	ta.t.Helper()
	req, _ := http.NewRequest(method, "http://"+ta.addr+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			ta.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func TestOperatorTakesOverThroughTheAPI(t *testing.T) {
	ta := startApp(t, appOpt{})
	const who = "34622333444"
	ta.optIn(who)
	ta.say(who, "mi email es ana@example.com, ¿dónde está mi pedido?")
	ta.waitReplies(who, 3)
	ta.say(who, "quiero hablar con un agente")
	ta.waitReplies(who, 4)
	ta.settle()

	if code := ta.api("GET", "/api/v1/conversations", "", "", nil); code != http.StatusUnauthorized {
		t.Errorf("conversations without credentials = %d, want 401", code)
	}
	if code := ta.api("GET", "/metrics", "", "", nil); code != http.StatusUnauthorized {
		t.Errorf("metrics without credentials = %d, want 401", code)
	}
	tok := ta.ownerToken(auth.PermConversationsReadAll, auth.PermConversationsReadAssigned, auth.PermConversationsReply, auth.PermMetricsRead)

	var resp struct{ Conversations []map[string]any }
	if code := ta.api("GET", "/api/v1/conversations?state=waiting_human", tok, "", &resp); code != 200 || len(resp.Conversations) != 1 {
		t.Fatalf("list waiting conversations = %d, %d items", code, len(resp.Conversations))
	}
	list := resp.Conversations
	id, _ := list[0]["id"].(string)
	if phone := list[0]["phone"]; phone == who || strings.Contains(ta.rawJSON(list[0]), "ana@example.com") {
		t.Errorf("list shows personal data in clear: %v", list[0])
	}
	var detail map[string]any
	if code := ta.api("GET", "/api/v1/conversations/"+id, tok, "", &detail); code != 200 {
		t.Fatalf("get conversation = %d", code)
	}
	if strings.Contains(ta.rawJSON(detail), "ana@example.com") {
		t.Errorf("conversation detail shows the e-mail without a reveal")
	}
	if code := ta.api("POST", "/api/v1/conversations/"+id+"/reply", tok, `{"text":"Hola, soy Marta del equipo. ¿En qué te ayudo?"}`, nil); code >= 300 {
		t.Fatalf("operator reply = %d", code)
	}
	r := ta.waitReplies(who, 5)
	if !strings.Contains(r[4].Text, "Marta") {
		t.Errorf("customer got %q, want the operator's reply", r[4].Text)
	}
	found := false
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		evs, err := tx.AuditEvents(audit.Filter{Action: audit.ActionConversationReply})
		found = err == nil && len(evs) == 1 && evs[0].Target == "conversation:"+id
		return nil
	})
	if !found {
		t.Error("the operator's reply has no audit event")
	}
	if code := ta.api("GET", "/metrics", tok, "", nil); code != 200 {
		t.Errorf("metrics with a metrics:read token = %d, want 200", code)
	}
}

func (ta *testApp) rawJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestLongTextBodyIsCappedAndMarked replays the attack: a signed webhook
// whose text body is 3.6 MB (1.8 million two-byte characters). What is
// stored and served is WhatsApp's own limit, 4,096 characters, marked
// truncated; an operator's reply past the limit is refused.
func TestLongTextBodyIsCappedAndMarked(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	const who = "34622333555"
	ta.optIn(who)
	ta.settle()
	huge := strings.Repeat("é", 1_800_000)
	body := []byte(strings.Replace(string(bulkBody(who, "LONG", 1)), `"message 0"`, `"`+huge+`"`, 1))
	if code := ta.postWebhook(body, ta.sign(body), "application/json"); code != 200 {
		t.Fatalf("webhook with a 3.6 MB text = %d, want 200", code)
	}
	ta.waitReplies(who, 3)
	ta.settle()
	var long *conversation.Message
	ta.db.View(context.Background(), func(tx *store.Tx) error {
		ms, err := tx.ContactMessages(ta.contactOf(who).ID)
		for _, m := range ms {
			if m.Direction == conversation.In && strings.HasPrefix(m.Body, "éé") {
				long = m
			}
		}
		return err
	})
	if long == nil {
		t.Fatal("the long message was not stored")
	}
	if n := utf8.RuneCountInString(long.Body); n != conversation.MaxBodyChars || !long.Truncated {
		t.Errorf("stored body = %d characters, truncated %v; want %d, true", n, long.Truncated, conversation.MaxBodyChars)
	}

	tok := ta.ownerToken(auth.PermConversationsReadAll, auth.PermConversationsReadAssigned, auth.PermConversationsReply)
	var resp struct{ Conversations []map[string]any }
	if code := ta.api("GET", "/api/v1/conversations", tok, "", &resp); code != 200 || len(resp.Conversations) != 1 {
		t.Fatalf("list conversations = %d, %d items", code, len(resp.Conversations))
	}
	id, _ := resp.Conversations[0]["id"].(string)
	var detail struct {
		Messages []struct {
			Body      string
			Truncated bool
		}
	}
	if code := ta.api("GET", "/api/v1/conversations/"+id, tok, "", &detail); code != 200 {
		t.Fatalf("get conversation = %d", code)
	}
	served := false
	for _, m := range detail.Messages {
		if strings.HasPrefix(m.Body, "éé") {
			served = true
			if n := utf8.RuneCountInString(m.Body); n > conversation.MaxBodyChars || !m.Truncated {
				t.Errorf("served body = %d characters, truncated %v; want at most %d, true", n, m.Truncated, conversation.MaxBodyChars)
			}
		}
	}
	if !served {
		t.Error("the long message is missing from the conversation")
	}
	reply, _ := json.Marshal(map[string]string{"text": strings.Repeat("a", conversation.MaxBodyChars+1)})
	if code := ta.api("POST", "/api/v1/conversations/"+id+"/reply", tok, string(reply), nil); code != http.StatusBadRequest {
		t.Errorf("operator reply of %d characters = %d, want 400", conversation.MaxBodyChars+1, code)
	}
}

// TestPrivateNoteStaysWithOperators: an operator's private note is kept in
// the conversation (shown to operators, audited), never reaches the
// customer, and the bot's next answer does not change because of it.
func TestPrivateNoteStaysWithOperators(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	const who = "34622333455"
	ta.optIn(who)
	ta.say(who, "how long does shipping take?")
	ta.waitReplies(who, 3)
	ta.settle()
	tok := ta.ownerToken(auth.PermConversationsReadAll, auth.PermConversationsReadAssigned, auth.PermConversationsReply)
	var resp struct{ Conversations []map[string]any }
	if code := ta.api("GET", "/api/v1/conversations", tok, "", &resp); code != 200 || len(resp.Conversations) != 1 {
		t.Fatalf("list = %d, %d", code, len(resp.Conversations))
	}
	id, _ := resp.Conversations[0]["id"].(string)
	sent := len(ta.sim.Sent())
	if code := ta.api("POST", "/api/v1/conversations/"+id+"/notes", tok, `{"text":"   "}`, nil); code != 400 {
		t.Errorf("an empty note = %d, want 400", code)
	}
	if code := ta.api("POST", "/api/v1/conversations/"+id+"/notes", tok, `{"text":"VIP: called the shop yesterday about order A-1029"}`, nil); code != 201 {
		t.Fatalf("note = %d, want 201", code)
	}
	var detail struct {
		Messages []struct{ Type, Status, Author, Body string }
	}
	if code := ta.api("GET", "/api/v1/conversations/"+id, tok, "", &detail); code != 200 {
		t.Fatalf("get = %d", code)
	}
	found := false
	for _, m := range detail.Messages {
		if m.Type == "note" && strings.HasPrefix(m.Author, "operator:") && strings.Contains(m.Body, "VIP") {
			found = true
		}
	}
	if !found {
		t.Errorf("the note is not in the conversation: %+v", detail.Messages)
	}
	ta.say(who, "how long does shipping take?")
	r := ta.waitReplies(who, 4)
	ta.settle()
	for _, m := range ta.sim.Sent()[sent:] {
		if strings.Contains(m.Text, "VIP") || strings.Contains(string(m.Body), "A-1029") {
			t.Errorf("the note reached the customer: %+v", m)
		}
	}
	if r[3].Text != r[2].Text {
		t.Errorf("the same question was answered differently after the note: %q then %q", r[2].Text, r[3].Text)
	}
	if got := ta.auditReasons("conversation.note"); len(got) != 1 {
		t.Errorf("%d note audit events, want 1", len(got))
	}
}
