package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/trement/trement/internal/auth"
)

// TestLogsHoldNoPersonalDataOrSecrets runs a customer's whole conversation
// (consent, a question with their e-mail and phone number, a hand-over, an
// operator's reply, MY DATA), an operator's sign-in and API token, and
// refused webhooks, with every log line at debug level captured as JSON;
// none may hold the number (plain, formatted or base64 as in a wamid), the
// customer's words, their e-mail, the password, the token or any secret.
func TestLogsHoldNoPersonalDataOrSecrets(t *testing.T) {
	var logs syncBuffer
	const (
		appSecret   = "app-secret-9f8e7d6c"
		accessToken = "EAAGaccess0123456789token"
		verifyToken = "verify-5a4b3c"
	)
	ta := startApp(t, appOpt{logTo: &logs, args: []string{"-app-secret", appSecret, "-access-token", accessToken, "-verify-token", verifyToken}})
	const who = "34699887766"
	ta.optIn(who)
	ta.say(who, "hola, mi correo es ana.lopez@correo.es y mi móvil 699 887 766, pedido 48213")
	ta.waitReplies(who, 3)
	ta.say(who, "quiero hablar con un humano")
	ta.waitReplies(who, 4)
	tok := ta.ownerToken(auth.PermConversationsReadAll, auth.PermConversationsReadAssigned, auth.PermConversationsReply)
	var list struct {
		Conversations []struct {
			ID string `json:"id"`
		} `json:"conversations"`
	}
	ta.api("GET", "/api/v1/conversations", tok, "", &list)
	if len(list.Conversations) != 1 {
		t.Fatalf("conversations = %+v", list)
	}
	if code := ta.api("POST", "/api/v1/conversations/"+list.Conversations[0].ID+"/reply", tok, `{"text":"Hola Ana, revisamos el pedido 48213 ahora"}`, nil); code >= 300 {
		t.Fatalf("operator reply = %d", code)
	}
	ta.waitReplies(who, 5)
	ta.say(who, "MY DATA")
	ta.waitReplies(who, 6)
	ta.postWebhook([]byte(`{"object":"whatsapp_business_account","entry":[]}`), "sha256=00", "application/json")
	req, _ := http.NewRequest("GET", "http://"+ta.addr+"/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	ta.settle()
	ta.stop()

	out := logs.String()
	if !strings.Contains(out, `"level":"DEBUG"`) && !strings.Contains(out, `"level":"INFO"`) {
		t.Fatalf("no log lines captured:\n%.500s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 10 {
		t.Errorf("only %d log lines captured; the test must see the server's debug logging", len(lines))
	}
	for _, line := range lines {
		if !json.Valid([]byte(line)) {
			t.Errorf("log line is not JSON: %.200s", line)
		}
	}
	forbidden := map[string]string{
		"the number":           who,
		"the national number":  "699887766",
		"the formatted number": "699 887 766",
		"the number in base64": base64.StdEncoding.EncodeToString([]byte(who))[:12],
		"the e-mail":           "ana.lopez",
		"the customer's words": "mi correo",
		"the operator's reply": "revisamos el pedido",
		"the owner's password": "correct horse battery staple",
		"the API token":        tok,
		"the app secret":       appSecret,
		"the access token":     accessToken,
		"the verify token":     verifyToken,
		"the master key":       ta.key,
	}
	for what, s := range forbidden {
		if strings.Contains(out, s) {
			i := strings.Index(out, s)
			t.Errorf("the logs hold %s: …%s…", what, out[max(0, i-120):min(len(out), i+80)])
		}
	}
}
