package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/trement/trement/internal/whatsapp/sim"
)

// page fetches a console page or posts to the API with the session
// cookie (and the CSRF token, when given), as the console's script does.
func (ta *testApp) page(method, path, session, csrf string) (int, string) {
	ta.t.Helper()
	var body io.Reader
	if method == "POST" {
		body = strings.NewReader("{}")
	}
	req, _ := http.NewRequest(method, "http://"+ta.addr+path, body)
	req.AddCookie(&http.Cookie{Name: "trement_session", Value: session})
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfMeta = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)

// TestSettingsPageShowsNoSecret boots trement with every kind of secret
// set — app secrets, tokens, API keys in flags and in the model server's
// URL, the master key — and the settings page shows the configuration
// without any of them.
func TestSettingsPageShowsNoSecret(t *testing.T) {
	secrets := map[string]string{
		"-app-secret": "app-secret-5f1e", "-app-secret-previous": "old-app-secret-77aa", "-verify-token": "verify-token-c0de",
		"-access-token": "EAAG-access-token-9d2b", "-openai-key": "sk-openai-key-31c4", "-moderation-key": "sk-moderation-key-8e0f",
		"-alert-webhook-secret": "alert-secret-4b4b",
	}
	args := []string{"-agent", "openai", "-openai-url", "http://127.0.0.1:1/v1?token=llm-url-query-6a6a", "-openai-model", "llama3.1:8b",
		"-dpo-contact", "dpo@aurora.example", "-retention-days", "60"}
	for f, v := range secrets {
		args = append(args, f, v)
	}
	ta := startApp(t, appOpt{args: args})
	session, _ := ta.ownerSession()
	code, body := ta.page("GET", "/settings", session, "")
	if code != http.StatusOK {
		t.Fatalf("GET /settings = %d %s", code, body)
	}
	for _, want := range []string{"dpo@aurora.example", "<dd>60 days (a region may differ", "<dt>Audit log</dt><dd>1095 days</dd>", "llama3.1:8b", "<dd>http://127.0.0.1:1</dd>", "Sending normally."} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /settings does not show %q", want)
		}
	}
	secrets["master key"] = ta.key
	secrets["token in the model server's URL"] = "llm-url-query-6a6a"
	secrets["session"] = session
	for name, v := range secrets {
		if strings.Contains(body, v) {
			t.Errorf("GET /settings shows the %s", name)
		}
	}
}

// TestResumeFromTheSettingsPage: Meta refuses the token, the settings
// page says sending is paused and offers Resume; pressing it (the JSON
// post with the page's CSRF token the script makes) resumes sending, the
// held reply goes out and the page says so.
func TestResumeFromTheSettingsPage(t *testing.T) {
	ta := startApp(t, appOpt{args: []string{"-mark-read=false"}})
	const who = "14155550151"
	ta.optIn(who)
	ta.settle()
	session, _ := ta.ownerSession()
	ta.sim.InjectFault(sim.FaultAuth, 1)
	ta.say(who, "how long does shipping take?")
	deadline := time.Now().Add(10 * time.Second)
	var body string
	for time.Now().Before(deadline) {
		if _, body = ta.page("GET", "/settings", session, ""); strings.Contains(body, "Sending is paused") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(body, "Sending is paused</strong>: 1 message(s) wait") || !strings.Contains(body, `data-api="/api/v1/outbox/resume"`) {
		t.Fatalf("GET /settings after Meta refused the token does not say sending is paused and offer Resume:\n%s", body)
	}
	m := csrfMeta.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the settings page carries no CSRF token")
	}
	if code, b := ta.page("POST", "/api/v1/outbox/resume", session, ""); code != http.StatusForbidden {
		t.Errorf("POST /api/v1/outbox/resume without the CSRF token = %d %s, want 403", code, b)
	}
	if code, b := ta.page("POST", "/api/v1/outbox/resume", session, m[1]); code != http.StatusNoContent {
		t.Fatalf("POST /api/v1/outbox/resume = %d %s, want 204", code, b)
	}
	ta.waitReplies(who, 3)
	if _, body = ta.page("GET", "/settings", session, ""); !strings.Contains(body, "Sending normally.") {
		t.Errorf("GET /settings after resuming does not say sending is normal:\n%s", body)
	}
	if d := ta.sim.DuplicateCount(); d != 0 {
		t.Errorf("%d messages were sent twice", d)
	}
}
