package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/trement/trement/internal/audit"
	"github.com/trement/trement/internal/auth"
	"github.com/trement/trement/internal/store"
)

// ownerToken bootstraps an owner through the real sign-in with TOTP
// enrolment and returns an API token with the given scopes.
func (ta *testApp) ownerToken(scopes ...auth.Permission) string {
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
	raw, _, err := svc.CreateToken(ctx, ri, p, "test", scopes, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return raw
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
